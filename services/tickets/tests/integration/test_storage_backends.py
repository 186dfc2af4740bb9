"""Every attachment store passes the same suite: PostgreSQL (the default), a folder, and S3.

S3 is moto's standalone server (``python -m moto.server``), started by this module on a free port
of 127.0.0.1: it is the only S3 implementation these machines can run, and it speaks the S3 HTTP
API that boto3 uses against AWS or any other S3-compatible store.
"""
from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from common.db import transaction
from common.testing import free_port, stop_process, unavailable, wait_for
from tickets.app import create_app
from tickets.attachments.settings import AttachmentSettings
from tickets.attachments.storage import CHUNK, MissingBlob, new_blob_id
from tickets.attachments.sweeper import Sweeper

from .attachments_helpers import add_files, content_path, png, temporary_ids, upload
from .conftest import Api

BACKENDS = ("database", "folder", "s3")
CREDENTIALS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing", "s3_region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server on its own port, stopped at the end of the module."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        unavailable("moto[server] is not installed (requirements-test.txt)")
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "AWS_ACCESS_KEY_ID": "testing"})
    endpoint = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(endpoint, timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=30, what="moto's S3 server")
        yield endpoint
    finally:
        stop_process(proc)
        log.close()


def _bucket(endpoint: str) -> str:
    import boto3

    name = f"attachments-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                 region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> AttachmentSettings:
    if request.param == "folder":
        return AttachmentSettings(storage="folder", folder=str(tmp_path / "files"))
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        return AttachmentSettings(storage="s3", s3_bucket=_bucket(endpoint), s3_endpoint_url=endpoint,
                                  s3_prefix="desk/", **CREDENTIALS)
    return AttachmentSettings()


@pytest.fixture
def backend_app(app, settings, backend):
    """The tickets API on the same database with ``backend`` as its attachment store."""
    other = create_app(dataclasses.replace(settings, attachments=backend))
    yield other
    other.extensions["tickets.engine"].dispose()


def test_a_store_keeps_streams_and_deletes_blobs(backend_app):
    store = backend_app.extensions["tickets.files"].storage
    factory = backend_app.extensions["tickets.session_factory"]
    store.check()
    data = os.urandom(2 * CHUNK + 12345)
    blob = new_blob_id()
    with transaction(factory) as session:
        store.put(session, blob, io.BytesIO(data))
    chunks = list(store.open(blob))
    assert b"".join(chunks) == data and max(len(c) for c in chunks) <= CHUNK and store.exists(blob)
    with pytest.raises(MissingBlob):
        store.open(new_blob_id())
    with transaction(factory) as session:
        store.delete(session, [blob, new_blob_id()])  # a missing one is ignored
    assert not store.exists(blob)
    with pytest.raises(ValueError):
        store.open("../../etc/passwd")  # only our own ids are addresses


def test_the_whole_attachment_flow_on_each_store(backend_app, person):
    api = Api(backend_app.test_client())
    alice, agent = person(), person(role="agent")
    key = api.create(alice).json["issueKey"]
    big = os.urandom(3 * CHUNK + 7)
    result = add_files(api, alice, key, ("shot.png", png()), ("dump.bin", big), comment="files")
    shot, dump = result["attachments"]["values"]
    assert api.get(content_path(dump), alice).data == big
    assert api.get(content_path(shot) + "/thumbnail", alice).data.startswith(b"\x89PNG")
    internal = add_files(api, agent, key, ("notes.txt", b"agents only"), public=False)["attachments"]["values"][0]
    assert api.get(content_path(internal), alice).status_code == 404
    assert api.get(content_path(internal), agent).data == b"agents only"

    files = backend_app.extensions["tickets.files"]
    ids = temporary_ids(upload(api, alice, ("stale.txt", b"never attached")))
    engine = backend_app.extensions["tickets.engine"]
    from sqlalchemy import text

    with engine.begin() as conn:
        blob = conn.execute(text("SELECT blob_id FROM temporary_attachments WHERE id = :i"), {"i": ids[0]}).scalar()
        conn.execute(text("UPDATE temporary_attachments SET expires_at = now() - interval '1 minute'"))
    assert files.storage.exists(blob)
    assert Sweeper(backend_app.extensions["tickets.uow_factory"], files).run_once() == 1
    assert not files.storage.exists(blob)
    assert api.get(content_path(dump), alice).data == big  # attached files stay
