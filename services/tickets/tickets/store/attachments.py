"""Loads and saves attachments and temporary files; never commits (the unit of work does)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..domain.attachments import Attachment, StoredFile, TemporaryFile
from .tables import attachments, temporary_attachments

a, tmp = attachments, temporary_attachments


def _file(row) -> StoredFile:
    return StoredFile(filename=row.filename, size=row.size, mime_type=row.mime_type, blob_id=row.blob_id,
                      thumbnail_blob_id=row.thumbnail_blob_id)


def _file_columns(f: StoredFile) -> dict:
    return dict(filename=f.filename, size=f.size, mime_type=f.mime_type, blob_id=f.blob_id,
                thumbnail_blob_id=f.thumbnail_blob_id)


def _attachment(row) -> Attachment:
    return Attachment(id=row.id, ticket_id=row.ticket_id, comment_id=row.comment_id, author_id=row.author_id,
                      file=_file(row), public=row.public, created_at=row.created_at)


def _temporary(row) -> TemporaryFile:
    return TemporaryFile(id=row.id, desk_id=row.desk_id, owner_id=row.owner_id, file=_file(row),
                         created_at=row.created_at, expires_at=row.expires_at)


def _visible(include_internal: bool):
    return [] if include_internal else [a.c.public.is_(True)]


class AttachmentRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- temporary files ---------------------------------------------------------------------
    def add_temporary(self, temporary: TemporaryFile) -> None:
        self.session.execute(insert(tmp).values(
            id=temporary.id, desk_id=temporary.desk_id, owner_id=temporary.owner_id,
            created_at=temporary.created_at, expires_at=temporary.expires_at, **_file_columns(temporary.file)))

    def temporary(self, ids: Iterable[str], owner_id: str, desk_id: int) -> dict[str, TemporaryFile]:
        """The caller's temporary files on ``desk_id`` among ``ids`` (expired ones included), locked."""
        ids = sorted(set(ids))
        if not ids:
            return {}
        rows = self.session.execute(select(tmp).where(
            tmp.c.id.in_(ids), tmp.c.owner_id == owner_id, tmp.c.desk_id == desk_id).with_for_update()).all()
        return {r.id: _temporary(r) for r in rows}

    def delete_temporary(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self.session.execute(delete(tmp).where(tmp.c.id.in_(ids)))

    def expired_temporary(self, now: datetime, limit: int) -> list[TemporaryFile]:
        """Up to ``limit`` expired temporary files, locked; rows another sweeper holds are skipped."""
        query = (select(tmp).where(tmp.c.expires_at <= now).order_by(tmp.c.expires_at).limit(limit)
                 .with_for_update(skip_locked=True))
        return [_temporary(r) for r in self.session.execute(query).all()]

    # -- attachments -------------------------------------------------------------------------
    def add(self, attachment: Attachment) -> None:
        attachment.id = self.session.execute(insert(a).values(
            ticket_id=attachment.ticket_id, comment_id=attachment.comment_id, author_id=attachment.author_id,
            public=attachment.public, created_at=attachment.created_at, **_file_columns(attachment.file),
        ).returning(a.c.id)).scalar_one()

    def get(self, ticket_id: int, attachment_id: int) -> Attachment | None:
        row = self.session.execute(select(a).where(a.c.ticket_id == ticket_id, a.c.id == attachment_id)).first()
        return _attachment(row) if row else None

    def page(self, ticket_id: int, include_internal: bool, start: int, limit: int,
             comment_id: int | None = None) -> tuple[list[Attachment], bool]:
        """A page of a ticket's (or one comment's) attachments, oldest first; internal ones only when asked."""
        conds = [a.c.ticket_id == ticket_id, *_visible(include_internal)]
        if comment_id is not None:
            conds.append(a.c.comment_id == comment_id)
        rows = self.session.execute(select(a).where(*conds).order_by(a.c.created_at, a.c.id)
                                    .offset(start).limit(limit + 1)).all()
        return [_attachment(r) for r in rows[:limit]], len(rows) <= limit

    def of_tickets(self, ticket_ids: Iterable[int], internal_for: set[int], limit_each: int
                   ) -> dict[int, list[Attachment]]:
        """The first attachments of several tickets in one query; internal ones only for ``internal_for``."""
        ids = sorted(set(ticket_ids))
        out: dict[int, list[Attachment]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = self.session.execute(select(a).where(a.c.ticket_id.in_(ids)).order_by(a.c.created_at, a.c.id)).all()
        for row in rows:
            bucket = out[row.ticket_id]
            if (row.public or row.ticket_id in internal_for) and len(bucket) < limit_each:
                bucket.append(_attachment(row))
        return out

    def of_comments(self, ticket_id: int, comment_ids: Iterable[int], include_internal: bool
                    ) -> dict[int, list[Attachment]]:
        """Attachments of the given comments of one ticket, by comment id."""
        ids = sorted(set(comment_ids))
        out: dict[int, list[Attachment]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = self.session.execute(select(a).where(a.c.ticket_id == ticket_id, a.c.comment_id.in_(ids),
                                                    *_visible(include_internal))
                                    .order_by(a.c.created_at, a.c.id)).all()
        for row in rows:
            out[row.comment_id].append(_attachment(row))
        return out

    def totals(self, ticket_id: int, include_internal: bool) -> tuple[int, int]:
        """(count, bytes) of a ticket's attachments, as the caller sees them."""
        count, size = self.session.execute(select(func.count(a.c.id), func.coalesce(func.sum(a.c.size), 0))
                                           .where(a.c.ticket_id == ticket_id, *_visible(include_internal))).one()
        return int(count), int(size)
