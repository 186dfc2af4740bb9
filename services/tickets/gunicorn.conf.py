"""Gunicorn settings for the tickets API, read from the environment when the server starts."""
import os
import re

from gunicorn.glogging import Logger

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not one request per process: a request mostly waits on PostgreSQL round trips, so two
# sync workers left the cores idle (bench/profiles/README.md). gthread also keeps the gateway's
# upstream connections alive instead of closing each one after its answer.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"

# Each worker builds its own engine and broker connection in create_app(); preloading would share
# sockets opened before the fork between processes.
preload_app = False

# The worker heartbeat file lives in memory: a read-only root filesystem has no writable /tmp disk,
# and a slow disk would make the arbiter think workers are stuck.
worker_tmp_dir = "/dev/shm"

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Kept below the pod's terminationGracePeriodSeconds minus the preStop sleep, so in-flight requests
# finish before the kubelet sends SIGKILL.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5

# gunicorn 27 opens a control socket under $HOME by default; nothing here uses it, and the
# container's only writable paths are /tmp and /dev/shm.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The query string may hold one-time tokens (emailed links): log the path only.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s'


class AccessLogger(Logger):
    """gunicorn's logger, its access log building only the atoms the format names.

    gunicorn builds, for every request, an atom for each request and response header and each environ
    key (and decodes a Basic Authorization header for ``u``), then copies them all to escape quotes:
    3-4 % of a tickets API worker's CPU (bench/profiles/tfix.md). The line is the same: the atoms are
    computed as gunicorn computes them; a format naming one not built here goes to gunicorn's own.
    """

    _ATOMS = {
        "h": lambda resp, environ, rt: environ.get("REMOTE_ADDR", "-"),
        "s": lambda resp, environ, rt: resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status,
        "m": lambda resp, environ, rt: environ.get("REQUEST_METHOD"),
        "U": lambda resp, environ, rt: environ.get("PATH_INFO"),
        "H": lambda resp, environ, rt: environ.get("SERVER_PROTOCOL"),
        "b": lambda resp, environ, rt: getattr(resp, "sent", None) is not None and str(resp.sent) or "-",
        "M": lambda resp, environ, rt: (rt.seconds * 1000) + int(rt.microseconds / 1000),
    }
    _plans: dict = {}

    @classmethod
    def plan(cls, fmt: str):
        """(plain atoms, (key, lower-cased request header)) of a format; None when gunicorn must build them."""
        plain, headers = [], []
        for name in re.findall(r"%\(([^)]+)\)", fmt):
            if name.startswith("{") and name.endswith("}i"):
                headers.append((name.lower(), name[1:-2].lower()))
            elif name in cls._ATOMS:
                plain.append(name)
            else:
                return None
        return plain, headers

    def atoms(self, resp, req, environ, request_time):
        fmt = self.cfg.access_log_format
        if fmt not in self._plans:
            self._plans[fmt] = self.plan(fmt)
        planned = self._plans[fmt]
        if planned is None:
            return super().atoms(resp, req, environ, request_time)
        plain, headers = planned
        atoms = {name: self._ATOMS[name](resp, environ, request_time) for name in plain}
        if headers:
            pairs = req.headers if hasattr(req, "headers") else req
            pairs = list(pairs.items() if hasattr(pairs, "items") else pairs)
            for key, lowered in headers:
                for name, value in pairs:  # the last of repeated headers, as gunicorn's atoms keep it
                    if name.lower() == lowered:
                        atoms[key] = value
        return atoms


logger_class = AccessLogger

# /metrics sums every worker's values (prometheus-client multiprocess mode).
from common.gunicorn_metrics import child_exit, configure, on_starting, post_worker_init  # noqa: E402,F401

configure()
