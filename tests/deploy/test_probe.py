"""The exec probe that relays and workers use in Kubernetes and compose."""
from __future__ import annotations

import os
import runpy
import socket
import time
from pathlib import Path

import pytest

PROBE = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "probe.py"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ready_passes_when_every_url_answers_and_skips_non_network_urls(monkeypatch):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setenv("DB", f"postgresql://u:secret@127.0.0.1:{server.getsockname()[1]}/db")
        monkeypatch.setenv("BUS", "memory://")
        monkeypatch.setenv("MAIL", "/var/mail/outbox")
        assert PROBE["main"](["ready", "DB", "BUS", "MAIL"]) == 0


def test_ready_fails_on_an_unreachable_or_missing_url_without_printing_passwords(monkeypatch, capsys):
    monkeypatch.setenv("AMQP", f"amqp://u:hunter2@127.0.0.1:{closed_port()}//")
    monkeypatch.delenv("NOPE", raising=False)
    assert PROBE["main"](["ready", "AMQP", "NOPE"]) == 1
    out = capsys.readouterr().out
    assert "cannot reach 127.0.0.1" in out and "NOPE is not set" in out
    assert "hunter2" not in out


def test_live_fails_on_a_stale_heartbeat_and_passes_on_a_fresh_one(tmp_path, monkeypatch):
    beat = tmp_path / "heartbeat"
    beat.touch()
    monkeypatch.setenv("HEARTBEAT_FILE", str(beat))
    monkeypatch.setenv("HEARTBEAT_MAX_AGE", "60")
    assert PROBE["main"](["live"]) == 0
    old = time.time() - 600
    os.utime(beat, (old, old))
    assert PROBE["main"](["live"]) == 1


def test_live_without_a_heartbeat_file_checks_only_the_process(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTBEAT_FILE", str(tmp_path / "not-yet"))
    assert PROBE["main"](["live"]) == 0


@pytest.mark.parametrize("argv", [[], ["ready"], ["bogus"]])
def test_usage_errors_exit_2(argv):
    assert PROBE["main"](argv) == 2


def test_the_grafana_dashboard_reads_only_metrics_the_services_export():
    import json
    import re

    from common import metrics

    exported = set()
    for value in vars(metrics).values():
        name = getattr(value, "_name", None)
        kind = getattr(value, "_type", None)
        if name:
            exported |= {name, f"{name}_total"} if kind == "counter" else {name, f"{name}_bucket", f"{name}_count"}
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json").read_text())
    used = {m for panel in dashboard["panels"] for t in panel["targets"]
            for m in re.findall(r"servicedesk_[a-z_]+", t["expr"])}
    assert used and used <= exported, used - exported
    assert {"servicedesk_queue_depth_messages", "servicedesk_emails_total", "servicedesk_outbox_pending_events"} <= used
