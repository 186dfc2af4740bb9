"""Attachments as the domain sees them: records, limits, and names that are safe to send back.

A file is uploaded first as a *temporary file* (JSM's ``attachTemporaryFile``): checked, scanned and
stored under a random blob id, owned by its uploader on one desk, kept for about an hour. Attaching
turns temporary files into attachments of a request, public or internal (agents only), optionally
with a comment whose visibility they share. Who may see an attachment is ``visibility.can_view``.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from common.config import human_size

from .errors import InvalidInput, TooLarge

MAX_NAME_LENGTH = 255
FALLBACK_NAME = "attachment"


@dataclass(frozen=True)
class StoredFile:
    """What was learned about an uploaded file's bytes, and where they are."""

    filename: str
    size: int
    mime_type: str
    blob_id: str
    thumbnail_blob_id: str | None = None


@dataclass(frozen=True)
class TemporaryFile:
    id: str
    desk_id: int
    owner_id: str
    file: StoredFile
    created_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite hands back naive datetimes; ours are always UTC
            expires = expires.replace(tzinfo=timezone.utc)
        return now >= expires


@dataclass
class Attachment:
    ticket_id: int
    author_id: str
    file: StoredFile
    public: bool
    created_at: datetime
    comment_id: int | None = None
    id: int | None = None

    @property
    def filename(self) -> str:
        return self.file.filename

    @property
    def size(self) -> int:
        return self.file.size

    @property
    def mime_type(self) -> str:
        return self.file.mime_type

    @property
    def has_thumbnail(self) -> bool:
        return self.file.thumbnail_blob_id is not None


@dataclass(frozen=True)
class Limits:
    """Upload limits from the settings; every refusal names the limit it hit."""

    max_file_bytes: int = 25 * 1024**2
    max_request_bytes: int = 100 * 1024**2
    max_files: int = 60
    max_image_pixels: int = 50_000_000
    temporary_ttl: timedelta = timedelta(hours=1)

    def check_upload_count(self, count: int) -> None:
        """At most ``max_files`` files in one upload (JSM answers 413 for this too)."""
        if count > self.max_files:
            raise TooLarge(f"{count} files were sent in one upload; at most {self.max_files} are accepted.")

    def check_file(self, filename: str, size: int) -> None:
        if size > self.max_file_bytes:
            raise TooLarge(f"'{filename}' is {human_size(size)}, larger than the "
                           f"{human_size(self.max_file_bytes)} limit per file.")
        if size == 0:
            raise InvalidInput(f"'{filename}' is empty; choose a file with some content.",
                               {"file": [f"'{filename}' is empty."]})

    def check_request(self, counted_files: int, counted_bytes: int, adding: list[StoredFile]) -> None:
        """Refuse what would take a request past its count or size limit (counts as the caller sees them)."""
        if counted_files + len(adding) > self.max_files:
            raise InvalidInput(
                f"A request can have at most {self.max_files} attachments; adding {len(adding)} more "
                f"would go past that limit.", {"temporaryAttachmentIds": [f"At most {self.max_files} per request."]})
        total = counted_bytes + sum(f.size for f in adding)
        if total > self.max_request_bytes:
            raise InvalidInput(
                f"The attachments of a request may add up to {human_size(self.max_request_bytes)}; adding "
                f"{human_size(sum(f.size for f in adding))} more would go past that limit.",
                {"temporaryAttachmentIds": [f"At most {human_size(self.max_request_bytes)} per request."]})


_SEPARATORS = ("/", "\\")


def safe_filename(raw: str | None) -> str:
    """The name to keep for an upload: its last path segment, printable, NFC, at most 255 characters.

    Control characters (CR, LF, NUL, ...), path separators, and leading dots and spaces go, so the
    name can never climb directories, split a header or hide as a dotfile.
    """
    name = unicodedata.normalize("NFC", raw or "")
    for sep in _SEPARATORS:
        name = name.rsplit(sep, 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(". ").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[:MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or FALLBACK_NAME


def _ascii_fallback(name: str) -> str:
    """``filename`` for old clients: accents dropped, other non-ASCII and quoting characters as ``_``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = folded.rpartition(".") if "." in folded else (folded, "", "")
    if not any(ch.isalnum() for ch in stem):
        stem = FALLBACK_NAME
    return "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in stem + dot + ext)


def content_disposition(filename: str, inline: bool = False) -> str:
    """An RFC 6266 ``Content-Disposition``: an ASCII ``filename`` fallback and the exact ``filename*``."""
    name = safe_filename(filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
