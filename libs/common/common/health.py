"""``/healthz`` (the process answers; never checks dependencies) and ``/readyz`` (dependencies answer)."""
from __future__ import annotations

import logging
from typing import Callable

from flask import Blueprint, jsonify

logger = logging.getLogger(__name__)

Check = Callable[[], None]


def health_blueprint(checks: dict[str, Check]) -> Blueprint:
    """Liveness and readiness endpoints; each readiness check raises when its dependency is down."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz():
        results, ready = {}, True
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # report, never raise: this is the probe's answer
                logger.warning("readiness check %s failed: %s", name, exc)
                results[name] = "unavailable"
                ready = False
        return jsonify(status="ok" if ready else "unavailable", checks=results), (200 if ready else 503)

    return bp
