"""What an uploaded file really is, from its bytes, and a thumbnail for the images Pillow can read.

The client's ``Content-Type`` and the file's extension are never trusted: Pillow names images,
puremagic (magic numbers) names other formats, with the extension only breaking ties among the
formats the bytes allow (a zip is also a docx), and text is recognised as valid UTF-8 without NULs.
Before Pillow decodes a single pixel the image's size is checked, so a decompression bomb (a few
kilobytes that decode to gigabytes) is refused instead of exhausting memory.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import puremagic
from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain.errors import InvalidInput

THUMBNAIL_SIZE = 400
THUMBNAIL_TYPE = "image/png"
SNIFF_BYTES = 8192
# Formats we render as thumbnails (and so may show inline); anything else is only ever downloaded.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp",
               "BMP": "image/bmp"}
# Types a browser would run or render as a page: always sent as opaque bytes.
ACTIVE_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript",
    "application/javascript", "application/x-javascript", "application/ecmascript", "text/css",
    "application/x-shockwave-flash", "text/xsl", "application/xslt+xml", "multipart/x-mixed-replace",
})
TEXT = "text/plain"
BINARY = "application/octet-stream"


@dataclass(frozen=True)
class Inspection:
    mime_type: str
    thumbnail: bytes | None = None  # PNG bytes, only for images Pillow decoded


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\0" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3


def sniff(head: bytes, filename: str) -> str:
    """The MIME type the first bytes of a file show (the name only breaks ties)."""
    try:
        candidates = puremagic.magic_string(head, filename)
    except (puremagic.PureError, ValueError):
        candidates = []
    best = next((c.mime_type for c in candidates if c.mime_type), None)
    if best:
        return best.lower()
    return TEXT if _looks_like_text(head) else BINARY


def served_type(mime_type: str) -> str:
    """The ``Content-Type`` a download goes out with: active types never, text with its charset."""
    if mime_type in ACTIVE_TYPES:
        return BINARY
    if mime_type == TEXT:
        return "text/plain; charset=utf-8"
    return mime_type


def _thumbnail(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def inspect(source: BinaryIO, filename: str, max_pixels: int) -> Inspection:
    """The file's type and, for an image, its thumbnail; refuses images of more than ``max_pixels``."""
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
            kind = IMAGE_TYPES.get(image.format or "")
            if kind is None:
                return Inspection(sniff(head, filename))
            width, height = image.size
            if width * height > max_pixels:
                raise _too_many_pixels(filename, width, height, max_pixels)
            image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))  # JPEG: decode at a fraction of the size
            image.load()
            return Inspection(kind, _thumbnail(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard fired while reading the header; its message gives the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_many_pixels(filename, None, int(found.group(1)) if found else None, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Not an image, or a damaged one: keep it as a download without a thumbnail.
        return Inspection(sniff(head, filename))
    finally:
        source.seek(0)


def _too_many_pixels(filename: str, width, height_or_pixels, max_pixels: int) -> InvalidInput:
    if width:
        size = f" is {width} × {height_or_pixels} pixels"
    else:
        size = f" has {height_or_pixels:,} pixels" if height_or_pixels else " has too many pixels"
    message = (f"The image '{filename}'{size}; images may have at most {max_pixels:,} pixels "
               f"({max_pixels / 1e6:g} megapixels), so it was not stored.")
    return InvalidInput(message, {"file": [message]})
