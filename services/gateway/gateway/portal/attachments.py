"""Files on requests in the portal and the console: uploads from forms, lists, and downloads.

Forms post their files with the rest of the form (plain ``<input type=file multiple>``; the small
script in ``static/attachments.js`` only adds pasted or dropped screenshots to that input). Each file
goes to the tickets API as a JSM temporary attachment, then all are attached in one call, so a
refused file (too large, infected, a decompression bomb) is reported before anything is attached.
Downloads are streamed from the tickets API with its safe headers, never buffered here.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, request, stream_with_context
from werkzeug.datastructures import FileStorage

from common.errors import ApiError
from common.i18n import format_size

from ..i18n import _, current_language
from . import api
from .session import login_required

logger = logging.getLogger(__name__)

bp = Blueprint("attachments", __name__, url_prefix="/portal/requests")

FIELD = "attachments"
# The tickets API's download headers that must reach the browser unchanged.
PASSED_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "X-Content-Type-Options",
                  "Content-Security-Policy", "Cache-Control", "Cross-Origin-Resource-Policy")


def chosen_files(field: str = FIELD) -> list[FileStorage]:
    """The files a form sent in ``field`` (an empty file input sends one nameless part: skipped)."""
    return [f for f in request.files.getlist(field) if f and f.filename]


def upload(desk_id: str, files: list[FileStorage]) -> list[str]:
    """Temporary attachment ids for ``files`` on the desk; a refused file raises ApiError."""
    parts = [(f.filename, f.stream, f.mimetype or "application/octet-stream") for f in files]
    answer = api.upload(f"/rest/servicedeskapi/servicedesk/{desk_id}/attachTemporaryFile", parts) or {}
    return [t["temporaryAttachmentId"] for t in answer.get("temporaryAttachments", [])]


def attach(key: str, ids: list[str], public: bool = True, comment: str | None = None) -> dict:
    """Attach temporary files to a request, with an optional comment of the same visibility."""
    return api.post(f"/rest/servicedeskapi/request/{key}/attachment",
                    {"temporaryAttachmentIds": ids, "public": public, "additionalComment": {"body": comment}})


def listed(key: str) -> list[dict]:
    """The request's attachments the caller may see (id, name, size, uploader, time, public, comment)."""
    try:
        return list((api.get(f"/api/tickets/requests/{key}/attachments", limit=100) or {}).get("values") or [])
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        logger.info("attachments of %s not listed: %s", key, exc)
        return []


def by_comment(attachments: list[dict]) -> dict[str, list[dict]]:
    """Attachments grouped by the id of the comment they came with."""
    out: dict[str, list[dict]] = {}
    for item in attachments:
        if item.get("commentId"):
            out.setdefault(str(item["commentId"]), []).append(item)
    return out


def refusal(exc: ApiError) -> str:
    """What to tell the person when the service refused their files."""
    return exc.message or _("The files could not be attached.")


def size_label(size) -> str:
    """A file size in the reader's language (``2.5 MB``, ``2,5 Mo``)."""
    return format_size(size, current_language())


def _proxied(path: str) -> Response:
    upstream = api.stream(path)

    def body():
        try:
            yield from upstream.stream  # still-encoded bytes, as the API proxy sends them
        finally:
            upstream.close()

    headers = {name: upstream.headers[name] for name in PASSED_HEADERS if name in upstream.headers}
    return Response(stream_with_context(body()), status=upstream.status_code, headers=headers)


@bp.get("/<key>/attachments/<int:attachment_id>")
@login_required
def download(key: str, attachment_id: int):
    """The file, streamed from the tickets API to whoever may see it (404 otherwise)."""
    return _proxied(f"/rest/servicedeskapi/request/{key}/attachment/{attachment_id}")


@bp.get("/<key>/attachments/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(key: str, attachment_id: int):
    """An image attachment's thumbnail."""
    return _proxied(f"/rest/servicedeskapi/request/{key}/attachment/{attachment_id}/thumbnail")
