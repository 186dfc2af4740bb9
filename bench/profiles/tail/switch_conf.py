"""A service's own gunicorn settings (``TAIL_CONF``), and each worker's switch interval set to
``TAIL_SWITCH`` seconds after its own post_worker_init: for tail_loop.py's switch-interval rounds."""
import os
import runpy
import sys

globals().update({k: v for k, v in runpy.run_path(os.environ["TAIL_CONF"]).items() if not k.startswith("__")})
_own_post_worker_init = globals().get("post_worker_init")


def post_worker_init(worker):
    if _own_post_worker_init:
        _own_post_worker_init(worker)
    sys.setswitchinterval(float(os.environ["TAIL_SWITCH"]))
