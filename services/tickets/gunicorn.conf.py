"""Gunicorn settings for the tickets API, read from the environment when the server starts."""
import os

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


# Builds only the atoms the format names (bench/profiles/tfix.md: 3-4 % of a worker in gunicorn's own).
logger_class = "common.accesslog.AccessLogger"

# /metrics sums every worker's values (prometheus-client multiprocess mode).
from common.gunicorn_metrics import child_exit, configure, on_starting, post_worker_init  # noqa: E402,F401

configure()
