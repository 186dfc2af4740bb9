"""JSM attachment endpoints: temporary uploads, attaching, lists, and safe downloads of content."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import fields
from werkzeug.exceptions import RequestEntityTooLarge

from common.config import human_size
from common.errors import Forbidden, PayloadTooLarge
from common.jsm import json_body, paging

from ..attachments.media import THUMBNAIL_TYPE, served_type
from ..attachments.runtime import Files
from ..domain.attachments import content_disposition
from ..services import attachments as reads
from ..services import uploads
from . import dto
from .caller import caller, uow
from .schemas import _Comment, _In

bp = Blueprint("jsm_attachments", __name__, url_prefix="/rest/servicedeskapi")
native_bp = Blueprint("native_attachments", __name__, url_prefix="/api/tickets")

# Room for the multipart envelope and form fields around the files themselves.
ENVELOPE = 1024 * 1024
# Downloads are sandboxed: nothing in them may run, load anything or be framed.
DOWNLOAD_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


class AttachIn(_In):
    temporaryAttachmentIds = fields.List(fields.String(), required=True)
    public = fields.Boolean(required=True)
    additionalComment = fields.Nested(_Comment, load_default=None, allow_none=True)


def files() -> Files:
    return current_app.extensions["tickets.files"]


def _upload_limit(limits) -> int:
    return max(limits.max_file_bytes, limits.max_request_bytes) + ENVELOPE


def _uploads() -> list[uploads.Upload]:
    """The multipart ``file`` fields, spooled to disk by Werkzeug; a body past the limit is a 413."""
    limit = _upload_limit(files().limits)
    too_large = PayloadTooLarge(f"An upload may carry at most {human_size(limit - ENVELOPE)}; send fewer "
                                f"or smaller files (each at most {human_size(files().limits.max_file_bytes)}).")
    if (request.content_length or 0) > limit:
        raise too_large
    request.max_content_length = limit
    try:
        sent = request.files.getlist("file")
    except RequestEntityTooLarge:
        raise too_large from None
    return [uploads.Upload(f.filename or "", f.stream) for f in sent if f.filename or f.content_length]


@bp.post("/servicedesk/<desk_ref>/attachTemporaryFile")
def attach_temporary_file(desk_ref):
    principal = caller()
    if (request.headers.get("X-Atlassian-Token") or "").strip().lower() != "no-check":
        raise Forbidden("XSRF check failed: multipart uploads need the header X-Atlassian-Token: no-check.")
    found = uploads.upload_temporary(uow(), files(), principal, desk_ref, _uploads())
    return jsonify({"temporaryAttachments": [{"temporaryAttachmentId": t.id, "fileName": t.file.filename}
                                             for t in found]}), 201


@bp.post("/request/<ref>/attachment")
def attach(ref):
    principal = caller()
    data = AttachIn().load(json_body())
    body = (data["additionalComment"] or {}).get("body")
    key, added, comment, authors = uploads.attach(uow(), files(), principal, ref, data["temporaryAttachmentIds"],
                                                  data["public"], body)
    out = {"attachments": dto.attachment_page(key, added, authors)}
    if comment is not None:
        out["comment"] = dto.comment(key, comment, authors, added)
    return jsonify(out), 201


@bp.get("/request/<ref>/attachment")
def list_attachments(ref):
    principal = caller()
    start, limit = paging()
    key, found, last, authors = reads.list_attachments(uow(), principal, ref, start, limit)
    return jsonify(dto.attachment_page(key, found, authors, path=request.path, start=start, limit=limit, last=last))


@bp.get("/request/<ref>/comment/<comment_id>/attachment")
def comment_attachments(ref, comment_id):
    principal = caller()
    start, limit = paging()
    key, found, last, authors = reads.list_attachments(uow(), principal, ref, start, limit, comment_id=comment_id)
    return jsonify(dto.attachment_page(key, found, authors, path=request.path, start=start, limit=limit, last=last))


def _download(attachment, chunks, thumbnail: bool) -> Response:
    if thumbnail:
        stem = attachment.filename.rpartition(".")[0] or attachment.filename
        kind, disposition = THUMBNAIL_TYPE, content_disposition(f"{stem}-thumbnail.png", inline=True)
    else:
        # Inline only for images we decoded into a thumbnail; everything else is a download.
        kind = served_type(attachment.mime_type)
        disposition = content_disposition(attachment.filename, inline=attachment.has_thumbnail)
    response = Response(chunks, mimetype=None, content_type=kind)
    if not thumbnail:
        response.content_length = attachment.size
    response.headers.update({
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_CSP,
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, max-age=300",
    })
    return response


@bp.get("/request/<ref>/attachment/<attachment_id>")
def content(ref, attachment_id):
    attachment, chunks = reads.open_attachment(uow(), files(), caller(), ref, attachment_id)
    return _download(attachment, chunks, thumbnail=False)


@bp.get("/request/<ref>/attachment/<attachment_id>/thumbnail")
def thumbnail(ref, attachment_id):
    attachment, chunks = reads.open_attachment(uow(), files(), caller(), ref, attachment_id, thumbnail=True)
    return _download(attachment, chunks, thumbnail=True)


@native_bp.get("/requests/<ref>/attachments")
def native_list(ref):
    """What the portal lists: JSM's AttachmentDTO plus the id, the visibility and the comment."""
    principal = caller()
    start, limit = paging()
    key, found, last, authors = reads.list_attachments(uow(), principal, ref, start, limit)
    return jsonify({"isLastPage": last, "values": [
        {**dto.attachment(key, a, authors), "id": str(a.id), "public": a.public,
         "commentId": str(a.comment_id) if a.comment_id else None, "hasThumbnail": a.has_thumbnail}
        for a in found]})
