"""Use cases that read attachments: lists, one file's bytes or thumbnail, and the ``expand`` of requests.

Every path asks the one visibility rule (``can_view``, with ``internal`` for what came with an
internal note); a customer asking for an internal attachment gets the 404 of one that does not exist.
"""
from __future__ import annotations

import logging
from typing import Iterator

from common.auth import Principal
from common.errors import NotFound

from ..attachments.runtime import Files
from ..attachments.storage import MissingBlob
from ..domain.attachments import Attachment
from ..domain.ids import as_id
from ..domain.visibility import can_view
from ..store.uow import UnitOfWork
from .common import access, load_visible, viewer_for

logger = logging.getLogger(__name__)

EXPANDS = frozenset({"attachment", "comment.attachment"})


def _sees_internal(viewer, ticket) -> bool:
    return can_view(viewer, access(ticket), internal=True)


def list_attachments(uow: UnitOfWork, principal: Principal, ref: str, start: int, limit: int,
                     comment_id: str | None = None) -> tuple[str, list[Attachment], bool, dict]:
    """(ticket key, a page of attachments the caller may see, last page?, their authors)."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        internal = _sees_internal(viewer, ticket)
        comment = None
        if comment_id is not None:
            ident = as_id(comment_id)
            comment = uow.tickets.comment(ticket.id, ident) if ident is not None else None
            if comment is None or not can_view(viewer, access(ticket), internal=not comment.public):
                raise NotFound(f"Comment '{comment_id}' does not exist on request {ticket.key}.")
        found, last = uow.attachments.page(ticket.id, internal, start, limit,
                                           comment_id=comment.id if comment else None)
        return ticket.key, found, last, uow.accounts.many(a.author_id for a in found)


def comment_attachments(uow: UnitOfWork, principal: Principal, ref: str, comment_ids: list[int]
                        ) -> tuple[dict[int, list[Attachment]], dict]:
    """Attachments of the listed comments the caller may see, by comment id, and their authors."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        found = uow.attachments.of_comments(ticket.id, comment_ids, _sees_internal(viewer, ticket))
        return found, uow.accounts.many(a.author_id for items in found.values() for a in items)


def _not_found(ident: str, key: str) -> NotFound:
    return NotFound(f"Attachment '{ident}' does not exist on request {key} or you do not have permission "
                    f"to see it.")


def open_attachment(uow: UnitOfWork, files: Files, principal: Principal, ref: str, attachment_id: str,
                    thumbnail: bool = False) -> tuple[Attachment, Iterator[bytes]]:
    """An attachment the caller may see and a stream of its bytes (or of its thumbnail)."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        ident = as_id(attachment_id)
        attachment = uow.attachments.get(ticket.id, ident) if ident is not None else None
        if attachment is None or not can_view(viewer, access(ticket), internal=not attachment.public):
            raise _not_found(attachment_id, ticket.key)
    if thumbnail and not attachment.has_thumbnail:
        raise NotFound(f"Attachment '{attachment_id}' has no thumbnail: only images get one.")
    blob = attachment.file.thumbnail_blob_id if thumbnail else attachment.file.blob_id
    try:
        return attachment, files.storage.open(blob)
    except MissingBlob:
        logger.error("attachment %s of %s has no content in the %s store", attachment.id, ticket.key,
                     files.storage.name)
        raise NotFound(f"The content of attachment '{attachment_id}' is missing; tell the support team.") from None
