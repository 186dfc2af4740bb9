"""A throwaway Dovecot IMAP server on loopback for tests (Debian package ``dovecot-imapd``).

Each instance has its own configuration, port, run directory and maildirs under one folder, runs in
the foreground as a child of the test process and is stopped with it; the machine's own Dovecot
(if any) is never touched. Users log in with a plain password over loopback; IDLE is built in.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DOVECOT = "/usr/sbin/dovecot"


def available() -> bool:
    return Path(DOVECOT).exists()


@contextmanager
def running(users: dict[str, str]) -> Iterator["ImapServer"]:
    """A started server with ``users`` (name -> password) on a free port, removed afterwards.

    Skips (fails under CI=true) when Dovecot is not installed.
    """
    from .testing import free_port, unavailable

    if not available():
        unavailable("dovecot is not installed (Debian package dovecot-imapd; scripts/prerequisites.sh)")
    server = ImapServer(free_port(), users).start()
    try:
        yield server
    finally:
        server.remove()


class ImapServer:
    def __init__(self, port: int, users: dict[str, str]):
        # Its own folder under /tmp, readable by Dovecot's unprivileged processes (pytest's
        # temporary folders are private to their owner).
        self.folder = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
        self.folder.chmod(0o755)
        self.port = port
        self.users = users
        self.process: subprocess.Popen | None = None

    def url(self, user: str, mailbox: str = "INBOX") -> str:
        return f"imap://{user}:{self.users[user]}@127.0.0.1:{self.port}/{mailbox}"

    def _config(self) -> Path:
        root = self.folder
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        # Mail is read and written by an unprivileged account (Dovecot refuses root for mail).
        owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        shutil.chown(root / "mail", owner.pw_uid, owner.pw_gid)
        (root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))
        user_lines = ""
        if os.geteuid() == 0:
            user_lines = "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
        else:
            name = owner.pw_name
            user_lines = f"default_internal_user = {name}\ndefault_login_user = {name}\n"
        config = root / "dovecot.conf"
        config.write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
{user_lines}
first_valid_uid = {owner.pw_uid}
mail_location = maildir:{root}/mail/%u
mail_uid = {owner.pw_uid}
mail_gid = {owner.pw_gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
""")
        return config

    def start(self, timeout: float = 20) -> "ImapServer":
        config = self._config()
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=open(self.folder / "dovecot.stderr", "wb"), start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {(self.folder / 'dovecot.stderr').read_text()[-2000:]}"
                                   f"{self.log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()[-2000:]}")

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
