"""Gunicorn settings for the gateway, read from the environment when the server starts."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# The gateway mostly waits on upstream calls: threads keep a worker busy while it waits.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"

# Each worker builds its own upstream connection pools in create_app().
preload_app = False

# The worker heartbeat file lives in memory (read-only root filesystem).
worker_tmp_dir = "/dev/shm"

# Above the upstream timeout (30 s) so a slow service answers 503 before the worker is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "40"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The path without its query string: emailed links carry one-time tokens there (?token=...).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
# The same lines, without building an atom for every header and environ key of every request.
logger_class = "common.accesslog.AccessLogger"


def post_worker_init(worker):
    """Application logs as JSON lines on stdout, like every other service."""
    from common.config import as_bool
    from common.gunicorn_metrics import post_worker_init as freeze_loaded_app
    from common.log import configure_logging

    configure_logging("gateway", os.environ.get("LOG_LEVEL", "INFO"),
                      json_lines=as_bool(os.environ.get("LOG_JSON", "true")))
    freeze_loaded_app(worker)

# /metrics sums every worker's values (prometheus-client multiprocess mode).
from common.gunicorn_metrics import child_exit, configure, on_starting  # noqa: E402,F401

configure()
