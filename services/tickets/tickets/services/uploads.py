"""Use cases that bring files in: upload temporary files to a desk, attach them to a request.

Files are checked (size, emptiness), scanned when clamd is configured, inspected (type from the
bytes, thumbnail, decompression bombs) and stored before any row points at them; attaching moves
temporary files onto the request in one transaction with its comment, history and events.
"""
from __future__ import annotations

import logging
import os
from io import BytesIO
import secrets
from dataclasses import dataclass
from typing import BinaryIO

from common.auth import Principal
from common.errors import NotFound, ServiceUnavailable, ValidationFailed

from ..attachments.clamd import ScannerUnavailable
from ..attachments.media import inspect
from ..attachments.runtime import Files
from ..attachments.storage import new_blob_id
from ..domain.attachments import Attachment, StoredFile, TemporaryFile, safe_filename
from ..domain.errors import InvalidInput, NotPermitted
from ..domain.model import Comment
from ..domain.visibility import can_use_desk
from ..store.uow import UnitOfWork
from .common import actor_for, domain_errors, load_visible, now, save_and_publish, viewer_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """One file of a multipart upload: the client's name and a seekable stream of its bytes."""

    filename: str
    stream: BinaryIO


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _check(files: Files, upload: Upload) -> tuple[str, int]:
    name = safe_filename(upload.filename)
    size = _size(upload.stream)
    files.limits.check_file(name, size)
    if files.scanner is not None:
        try:
            found = files.scanner.scan(upload.stream)
        except ScannerUnavailable as exc:
            logger.error("virus scan failed, upload of %s refused: %s", name, exc)
            raise ServiceUnavailable("The virus scanner could not check the file, so it was not stored; "
                                     "try again in a few minutes.", headers={"Retry-After": "30"}) from None
        finally:
            upload.stream.seek(0)
        if found:
            logger.warning("upload %s refused: clamd found %s", name, found)
            raise InvalidInput(f"'{name}' contains a virus ({found}) and was not stored.",
                               {"file": [f"'{name}' contains a virus ({found})."]})
    return name, size


def upload_temporary(uow: UnitOfWork, files: Files, principal: Principal, desk_ref: str,
                     uploads: list[Upload]) -> list[TemporaryFile]:
    """Store uploaded files as the caller's temporary files on a desk (they expire after the TTL)."""
    with uow:
        viewer = viewer_for(uow, principal)
        desk = uow.desks.get(desk_ref)
        if desk is None or not can_use_desk(viewer, desk, uow.desks.is_customer(desk.id, principal.id)):
            raise NotFound(f"Service desk '{desk_ref}' does not exist or you do not have permission to use it.")
    with domain_errors():
        if not uploads:
            raise InvalidInput("Send at least one file in the multipart field 'file'.",
                               {"file": ["Choose a file to upload."]})
        files.limits.check_upload_count(len(uploads))
        checked = [_check(files, u) for u in uploads]
        inspected = [inspect(u.stream, name, files.limits.max_image_pixels) for u, (name, _) in zip(uploads, checked)]
    moment, stored = now(), []
    with uow:
        try:
            for upload, (name, size), found in zip(uploads, checked, inspected):
                blob = new_blob_id()
                files.storage.put(uow.session, blob, upload.stream)
                thumb = None
                if found.thumbnail is not None:
                    thumb = new_blob_id()
                    files.storage.put(uow.session, thumb, BytesIO(found.thumbnail))
                temporary = TemporaryFile(
                    id="temp" + secrets.token_hex(20), desk_id=desk.id, owner_id=principal.id,
                    file=StoredFile(name, size, found.mime_type, blob, thumb), created_at=moment,
                    expires_at=moment + files.limits.temporary_ttl)
                stored.append(temporary)
                uow.attachments.add_temporary(temporary)
            uow.commit()
        except BaseException:
            # Outside the database a blob outlives a rolled-back row: take it away again.
            blobs = [b for t in stored for b in (t.file.blob_id, t.file.thumbnail_blob_id) if b]
            if files.storage.name != "database" and blobs:
                try:
                    files.storage.delete(uow.session, blobs)
                except Exception:  # noqa: BLE001 - the original error matters more
                    logger.exception("could not remove the blobs of a failed upload: %s", blobs)
            raise
    logger.info("%s uploaded %d temporary file(s) to desk %s", principal.id, len(stored), desk.key)
    return stored


def attach(uow: UnitOfWork, files: Files, principal: Principal, ref: str, temporary_ids: list[str],
           public: bool, comment_body: str | None) -> tuple[str, list[Attachment], Comment | None, dict]:
    """Attach the caller's temporary files to a request, with an optional comment of the same visibility.

    Returns the request's key, the attachments, the comment (or None) and the accounts named.
    """
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        actor = actor_for(viewer, ticket.desk_id)
        if not public and not actor.is_agent:
            raise NotPermitted("Customers can only add public attachments; internal ones are for agents.")
        ids = list(dict.fromkeys(str(i) for i in temporary_ids))
        if not ids:
            raise ValidationFailed("Give the ids of the files to attach in temporaryAttachmentIds.",
                                   errors={"temporaryAttachmentIds": ["Give at least one temporary attachment id."]})
        found = uow.attachments.temporary(ids, principal.id, ticket.desk_id)
        moment = now()
        missing = [i for i in ids if i not in found or found[i].expired(moment)]
        if missing:
            raise ValidationFailed(
                f"Temporary attachment(s) {', '.join(missing)} do not exist, have expired (they are kept for "
                f"{int(files.limits.temporary_ttl.total_seconds() // 60)} minutes) or were uploaded by someone "
                f"else or to another service desk; upload the files again.",
                errors={"temporaryAttachmentIds": missing})
        # Customers count only what they can see, so a refusal never reveals internal attachments.
        counted = uow.attachments.totals(ticket.id, include_internal=actor.is_agent)
        files.limits.check_request(*counted, [found[i].file for i in ids])
        comment = None
        if comment_body and comment_body.strip():
            comment = ticket.comment(actor, comment_body, public, moment)
        uow.tickets.save(ticket)  # gives the comment its id
        added = [Attachment(ticket_id=ticket.id, author_id=principal.id, file=found[i].file, public=public,
                            created_at=moment, comment_id=comment.id if comment else None) for i in ids]
        for attachment in added:
            uow.attachments.add(attachment)
        ticket.attach(actor, added, public, moment, comment)
        save_and_publish(uow, ticket)
        uow.attachments.delete_temporary(ids)
        authors = uow.accounts.many([principal.id])
        uow.commit()
    logger.info("%s attached %d file(s) to %s", principal.id, len(added), ticket.key)
    return ticket.key, added, comment, authors
