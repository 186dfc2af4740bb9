"""What a file is, from its bytes; thumbnails; decompression bombs refused before decoding."""
import io
import zipfile

import pytest
from PIL import Image

from tickets.attachments.media import inspect, served_type, sniff
from tickets.domain.errors import InvalidInput


def image(fmt="PNG", size=(800, 600), mode="RGB") -> io.BytesIO:
    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, fmt)
    out.seek(0)
    return out


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
                                      ("WEBP", "image/webp")])
def test_images_get_their_type_from_the_bytes_and_a_png_thumbnail(fmt, mime):
    found = inspect(image(fmt), "holiday.txt", 50_000_000)
    assert found.mime_type == mime
    thumb = Image.open(io.BytesIO(found.thumbnail))
    assert thumb.format == "PNG" and max(thumb.size) == 400 and thumb.size == (400, 300)


def test_a_decompression_bomb_is_refused_before_decoding():
    big = image("PNG", (5000, 5000), mode="1")  # 25 megapixels in a few kilobytes
    with pytest.raises(InvalidInput, match="5000 × 5000 pixels; images may have at most 10,000,000"):
        inspect(big, "small.png", 10_000_000)


def test_other_types_come_from_magic_numbers_with_the_name_only_breaking_ties():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "hello")
    assert sniff(archive.getvalue(), "logs.zip") == "application/zip"
    assert sniff(b"%PDF-1.7\n...", "notes.txt") == "application/pdf"
    assert sniff(b"<!doctype html><script>x</script>", "photo.png") == "text/html"
    assert sniff("plain text, accents é\n".encode(), "readme") == "text/plain"
    assert sniff(b"\x00\x01\x02\x03binary", "data") == "application/octet-stream"
    assert inspect(io.BytesIO(b"\x89PNG\r\n\x1a\n broken"), "cut.png", 10).thumbnail is None


def test_active_types_are_served_as_opaque_bytes():
    assert served_type("text/html") == "application/octet-stream"
    assert served_type("image/svg+xml") == "application/octet-stream"
    assert served_type("text/plain") == "text/plain; charset=utf-8"
    assert served_type("image/png") == "image/png"
