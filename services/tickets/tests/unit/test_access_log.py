"""The tickets API's gunicorn settings take the services' access logger, on its fast path.

``common.accesslog`` (its tests: libs/common/tests/unit/test_accesslog.py) writes gunicorn's own line
for the formats it plans, and leaves any other format to gunicorn.
"""
from __future__ import annotations

import runpy
from pathlib import Path

from common.accesslog import plan

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_the_tickets_format_is_one_the_shared_logger_builds(monkeypatch, tmp_path):
    # The config file sets the metrics folder only when it is unset: give it one, so nothing leaks.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    settings = runpy.run_path(str(CONF))
    assert settings["logger_class"] == "common.accesslog.AccessLogger"
    plain, keyed = plan(settings["access_log_format"])
    assert plain == ["h", "m", "U", "H", "s", "b", "M"]
    assert keyed == [("{x-request-id}i", "x-request-id", "i")]
