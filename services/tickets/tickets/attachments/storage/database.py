"""Contents in the tickets database (the default): chunk rows in ``attachment_blobs``.

Writes go through the unit of work's session, so a file commits or rolls back with its rows and a
``pg_dump`` backs both up. Reads use short queries of one chunk each on their own connection, so a
download streams without a long transaction or a whole file in memory.
"""
from __future__ import annotations

from typing import BinaryIO, Iterable, Iterator

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...store.tables import attachment_blobs
from . import CHUNK, MissingBlob, check_blob_id, read_chunks

t = attachment_blobs


class DatabaseStore:
    name = "database"

    def __init__(self, engine: Engine):
        self.engine = engine

    def put(self, session: Session, blob_id: str, source: BinaryIO) -> None:
        check_blob_id(blob_id)
        for seq, chunk in enumerate(read_chunks(source, CHUNK)):
            session.execute(insert(t).values(blob_id=blob_id, seq=seq, data=chunk))

    def _chunk(self, blob_id: str, seq: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.data).where(t.c.blob_id == blob_id, t.c.seq == seq)).scalar()

    def open(self, blob_id: str) -> Iterator[bytes]:
        first = self._chunk(check_blob_id(blob_id), 0)
        if first is None:
            raise MissingBlob(blob_id)

        def chunks():
            yield bytes(first)
            seq = 1
            while (chunk := self._chunk(blob_id, seq)) is not None:
                yield bytes(chunk)
                seq += 1

        return chunks()

    def delete(self, session: Session, blob_ids: Iterable[str]) -> None:
        ids = [check_blob_id(b) for b in blob_ids]
        if ids:
            session.execute(delete(t).where(t.c.blob_id.in_(ids)))

    def exists(self, blob_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(exists().where(t.c.blob_id == blob_id))).scalar())

    def check(self) -> None:
        """The database's own readiness check covers this store."""
