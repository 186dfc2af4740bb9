"""Contents as files in a folder (``ATTACHMENT_STORAGE=folder``): one host, or a shared volume.

``<folder>/<first two hex digits>/<blob id>``, written to a temporary name and renamed into place,
so a reader never sees half a file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from sqlalchemy.orm import Session

from . import CHUNK, MissingBlob, check_blob_id, read_chunks


class FolderStore:
    name = "folder"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, blob_id: str) -> Path:
        check_blob_id(blob_id)
        return self.root / blob_id[:2] / blob_id

    def put(self, session: Session, blob_id: str, source: BinaryIO) -> None:
        path = self._path(blob_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in read_chunks(source, CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, blob_id: str) -> Iterator[bytes]:
        try:
            handle = open(self._path(blob_id), "rb")
        except FileNotFoundError:
            raise MissingBlob(blob_id) from None

        def chunks():
            with handle:
                yield from read_chunks(handle, CHUNK)

        return chunks()

    def delete(self, session: Session, blob_ids: Iterable[str]) -> None:
        for blob_id in blob_ids:
            self._path(blob_id).unlink(missing_ok=True)

    def exists(self, blob_id: str) -> bool:
        return self._path(blob_id).is_file()

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise OSError(f"the attachment folder {self.root} is not writable")
