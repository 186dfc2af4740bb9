"""Where attachment contents live: one small interface, a backend chosen by configuration.

Every backend stores bytes under a random blob id (``new_blob_id``), never under the uploaded
name. ``put`` and ``delete`` take the unit of work's session so the database backend commits a
file together with its rows; the others ignore it. ``open`` streams a blob in chunks so no layer
holds a whole file in memory.
"""
from __future__ import annotations

import re
import secrets
from typing import BinaryIO, Iterable, Iterator, Protocol

from sqlalchemy.orm import Session

CHUNK = 1024 * 1024
_BLOB_ID = re.compile(r"^[0-9a-f]{32}$")


class MissingBlob(LookupError):
    """A blob id names no stored content."""


def new_blob_id() -> str:
    """128 random bits as hex: the address of one stored file."""
    return secrets.token_hex(16)


def check_blob_id(blob_id: str) -> str:
    """``blob_id`` if it is one of ours (so it can be part of a path or key), else ValueError."""
    if not isinstance(blob_id, str) or not _BLOB_ID.match(blob_id):
        raise ValueError(f"not a blob id: {blob_id!r}")
    return blob_id


def read_chunks(source: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    """``source`` from where it stands, in chunks of at most ``size`` bytes."""
    while True:
        chunk = source.read(size)
        if not chunk:
            return
        yield chunk


class BlobStore(Protocol):
    name: str

    def put(self, session: Session, blob_id: str, source: BinaryIO) -> None:
        """Store ``source`` (read from its current position to the end) under ``blob_id``."""

    def open(self, blob_id: str) -> Iterator[bytes]:
        """The blob's bytes in chunks; raises MissingBlob before the first chunk if it is not there."""

    def delete(self, session: Session, blob_ids: Iterable[str]) -> None:
        """Remove blobs (ids that are not there are ignored)."""

    def exists(self, blob_id: str) -> bool:
        """Whether ``blob_id`` is stored."""

    def check(self) -> None:
        """Raise if the store cannot be used (the readiness probe calls this)."""
