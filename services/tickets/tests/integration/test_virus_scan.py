"""The optional virus scan against a real clamd (Debian's clamav-daemon) started by this module.

No signature download is possible on these machines, so clamd gets a database of one custom
signature: the MD5 of the EICAR test file, the antivirus industry's harmless test string. The
daemon listens on its own socket in a temporary folder and is stopped at the end of the module.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from common.testing import stop_process, unavailable, wait_for
from tickets.attachments.clamd import Scanner, ScannerUnavailable

from .attachments_helpers import temporary_ids, upload

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
# The EICAR test file: any scanner reports it; it does nothing.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory):
    if not Path(CLAMD).exists():
        unavailable(f"{CLAMD} is not installed (Debian package clamav-daemon)")
    work = tmp_path_factory.mktemp("clamd")
    (work / "db").mkdir()
    (work / "db" / "eicar.hdb").write_text(f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n")
    socket_path = work / "clamd.sock"
    (work / "clamd.conf").write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {work / 'db'}\nForeground yes\n"
        f"LogFile {work / 'clamd.log'}\nPidFile {work / 'clamd.pid'}\nStreamMaxLength 30M\n")
    log = open(work / "out.log", "wb")
    proc = subprocess.Popen([CLAMD, "-c", str(work / "clamd.conf")], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: socket_path.exists() or proc.poll() is not None, timeout=60, what="clamd's socket")
        if proc.poll() is not None:
            pytest.fail(f"clamd exited: {(work / 'out.log').read_text()[-2000:]}")
        yield str(socket_path)
    finally:
        stop_process(proc)
        log.close()


def test_the_client_speaks_clamds_protocol(clamd_socket):
    scanner = Scanner(f"unix://{clamd_socket}")
    scanner.ping()
    assert scanner.scan(io.BytesIO(b"just a log file\n" * 10_000)) is None
    assert scanner.scan(io.BytesIO(EICAR)).startswith("Eicar-Test-Signature")
    with pytest.raises(ScannerUnavailable):
        Scanner(f"unix://{clamd_socket}.missing").scan(io.BytesIO(b"x"))


@pytest.fixture
def scanning(app, clamd_socket):
    files = app.extensions["tickets.files"]
    app.extensions["tickets.files"] = dataclasses.replace(files, scanner=Scanner(f"unix://{clamd_socket}"))
    yield app.extensions["tickets.files"]
    app.extensions["tickets.files"] = files


def test_an_infected_upload_is_refused_and_never_stored(api, app, person, scanning):
    alice = person()
    refused = upload(api, alice, ("invoice.txt", EICAR))
    assert refused.status_code == 400
    assert "'invoice.txt' contains a virus (Eicar-Test-Signature" in refused.json["errorMessage"]
    with app.extensions["tickets.engine"].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM attachment_blobs")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM temporary_attachments")).scalar() == 0
    assert len(temporary_ids(upload(api, alice, ("clean.txt", b"nothing to see")))) == 1


def test_uploads_are_refused_while_the_scanner_is_down(api, app, person, clamd_socket):
    files = app.extensions["tickets.files"]
    app.extensions["tickets.files"] = dataclasses.replace(files, scanner=Scanner(f"unix://{clamd_socket}.gone"))
    try:
        response = upload(api, person(), ("a.txt", b"a"))
    finally:
        app.extensions["tickets.files"] = files
    assert response.status_code == 503 and "virus scanner" in response.json["errorMessage"]
