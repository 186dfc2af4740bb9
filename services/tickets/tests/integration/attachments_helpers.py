"""Files and calls the attachment tests share."""
from __future__ import annotations

import io
import struct
import zlib

API = "/rest/servicedeskapi"
XSRF = {"X-Atlassian-Token": "no-check"}


def png(width: int = 64, height: int = 48, colour: str = "teal") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def png_bomb(side: int = 40_000) -> bytes:
    """A valid PNG of ``side`` × ``side`` black 1-bit pixels: a few hundred KB that decode to 200 MB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\0" * (1 + side // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack("!IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def upload(api, who, *files, desk: str = "1", headers: dict | None = None):
    """POST attachTemporaryFile with ``files`` as (name, bytes[, content type]) tuples."""
    data = {"file": [(io.BytesIO(f[1]), f[0], f[2] if len(f) > 2 else "application/octet-stream")
                     for f in files]}
    return api.client.post(f"{API}/servicedesk/{desk}/attachTemporaryFile", data=data,
                           headers={**who.headers, **(XSRF if headers is None else headers)},
                           content_type="multipart/form-data")


def raw_upload(api, who, disposition: str, content: bytes, desk: str = "1"):
    """An upload whose part header is written by hand (``disposition``: the filename parameter)."""
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; " + disposition.encode("ascii")
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + b"\r\n--b--\r\n")
    return api.client.post(f"{API}/servicedesk/{desk}/attachTemporaryFile", data=body,
                           headers={**who.headers, **XSRF, "Content-Type": "multipart/form-data; boundary=b"})


def temporary_ids(response) -> list[str]:
    assert response.status_code == 201, response.get_data(as_text=True)
    return [t["temporaryAttachmentId"] for t in response.json["temporaryAttachments"]]


def attach(api, who, key: str, ids: list[str], public: bool = True, comment: str | None = None):
    return api.post(f"{API}/request/{key}/attachment", who,
                    {"temporaryAttachmentIds": ids, "public": public, "additionalComment": {"body": comment}})


def add_files(api, who, key: str, *files, public: bool = True, comment: str | None = None) -> dict:
    """Upload and attach in one go; returns the AttachmentCreateResultDTO."""
    response = attach(api, who, key, temporary_ids(upload(api, who, *files)), public, comment)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def content_path(dto: dict) -> str:
    """The path of an AttachmentDTO's content link (the test client takes paths)."""
    return "/" + dto["_links"]["content"].split("://", 1)[1].split("/", 1)[1]
