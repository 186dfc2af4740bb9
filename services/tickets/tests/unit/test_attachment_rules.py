"""Names, download headers and limits of attachments (pure domain rules)."""
from urllib.parse import unquote

import pytest

from tickets.domain.attachments import Limits, StoredFile, content_disposition, safe_filename
from tickets.domain.errors import InvalidInput, TooLarge


@pytest.mark.parametrize("raw,kept", [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\Desktop\\shot.png", "shot.png"),
    ("evil\r\nX-Injected: 1.txt", "evilX-Injected: 1.txt"),
    ("nul\x00byte.txt", "nulbyte.txt"),
    ("\u202eexe.txt", "exe.txt"),  # right-to-left override, a classic way to disguise an extension
    ("...hidden", "hidden"),
    ("  spaced name.txt  ", "spaced name.txt"),
    ("e\u0301te\u0301.txt", "\u00e9t\u00e9.txt"),  # NFC
    ("截图 2026.png", "截图 2026.png"),
    ("", "attachment"),
    ("/", "attachment"),
    (None, "attachment"),
])
def test_uploaded_names_keep_only_a_safe_last_segment(raw, kept):
    assert safe_filename(raw) == kept


def test_long_names_keep_their_extension():
    name = safe_filename("a" * 400 + ".tar.gz")
    assert len(name) == 255 and name.endswith(".gz")


@pytest.mark.parametrize("name,fallback", [
    ("report.pdf", "report.pdf"),
    ('say "hi"; now.txt', "say _hi__ now.txt"),
    ("résumé.pdf", "resume.pdf"),
    ("截图.png", "attachment.png"),
    ("100%.txt", "100_.txt"),
])
def test_content_disposition_follows_rfc_6266(name, fallback):
    header = content_disposition(name)
    assert header.startswith(f'attachment; filename="{fallback}"; filename*=UTF-8\'\'')
    assert unquote(header.split("''", 1)[1]) == name
    assert all(32 <= ord(ch) < 127 for ch in header)
    assert content_disposition(name, inline=True).startswith("inline; ")


def test_content_disposition_never_carries_a_line_break():
    header = content_disposition("a\r\nSet-Cookie: x\r\n.txt")
    assert "\r" not in header and "\n" not in header


def _file(size):
    return StoredFile("f", size, "text/plain", "b" * 32)


def test_limits_name_themselves():
    limits = Limits(max_file_bytes=25 * 1024**2, max_request_bytes=100 * 1024**2, max_files=3)
    with pytest.raises(TooLarge, match="larger than the 25 MB limit per file"):
        limits.check_file("big.iso", 26 * 1024**2)
    with pytest.raises(InvalidInput, match="empty"):
        limits.check_file("empty.txt", 0)
    with pytest.raises(TooLarge, match="at most 3 are accepted"):
        limits.check_upload_count(4)
    with pytest.raises(InvalidInput, match="at most 3 attachments"):
        limits.check_request(2, 0, [_file(1), _file(1)])
    with pytest.raises(InvalidInput, match="may add up to 100 MB"):
        limits.check_request(0, 99 * 1024**2, [_file(2 * 1024**2)])
    limits.check_request(1, 99 * 1024**2, [_file(1024**2)])
