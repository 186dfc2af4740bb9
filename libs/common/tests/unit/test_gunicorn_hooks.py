"""Every web service's gunicorn settings freeze what the loaded worker holds, out of the collector's reach."""
import gc
import logging
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize("service", ["gateway", "identity", "tickets"])
def test_a_worker_freezes_its_loaded_objects_after_start_up(service, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(ROOT / "services" / service / "gunicorn.conf.py"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level  # the gateway's hook also sets up its logging
    gc.unfreeze()
    try:
        conf["post_worker_init"](object())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        root.handlers[:], root.level = handlers, level
