"""The short ``make bench`` of CI: the same harness, small data, seconds per scenario, against bench/baseline.json.

Fails when a throughput ratio (scenario / its reference, measured in the same run) falls more than
``margin`` (90%) below the committed baseline, or when a request runs more SQL statements than the
baseline says (exact: a statement count does not depend on how busy the machine is). The margin is wide
on purpose: these machines are shared by several people running loads, and one short run of the same
code was seen to vary by more than 20 times on one scenario; the ratio guard catches a request that
became an order of magnitude slower, the statement counts catch the N+1 and the extra round trip. After a change that makes things faster or cheaper, refresh the
baseline with ``python -m bench.tests.test_short_bench --update`` (it runs the short bench once).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "bench" / "baseline.json"


def short_bench(out: Path) -> dict:
    """Run ``python -m bench --profile quick`` and return its results."""
    proc = subprocess.run([sys.executable, "-m", "bench", "--profile", "quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env=dict(os.environ))
    print(proc.stdout[-6000:])
    if proc.returncode:
        print(proc.stderr[-6000:], file=sys.stderr)
    assert proc.returncode == 0, f"the short bench failed:\n{proc.stderr[-3000:]}"
    return json.loads(next(out.glob("*.json")).read_text())


def compared(results: dict, baseline: dict) -> list[str]:
    """What got worse than the baseline allows (empty when nothing did)."""
    problems = []
    ratios = {row["key"]: row["ratio"] for row in results["figures"]}
    floor = 1 - baseline["margin"]
    for key, expected in baseline["ratios"].items():
        got = ratios.get(key)
        if got is None or got < expected * floor:
            problems.append(f"{key}: ratio {got} is below {expected} x {floor:.2f} = {expected * floor:.3f}")
    for key, expected in baseline["sql"].items():
        got = results["sql"].get(key)
        if got is None or got > expected:
            problems.append(f"{key}: {got} SQL statements per request, the baseline allows {expected}")
    return problems


def baseline_from(results: dict, margin: float) -> dict:
    return {
        "margin": margin,
        "profile": results["profile"],
        "measured": results["started"],
        "ratios": {row["key"]: row["ratio"] for row in results["figures"]
                   if row["unit"] in ("req/s", "events/s", "emails/s") and row["ratio"] is not None},
        "sql": {k: v for k, v in results["sql"].items() if v is not None},
    }


def test_short_bench_keeps_ratios_and_statement_counts(tmp_path):
    baseline = json.loads(BASELINE.read_text())
    results = short_bench(tmp_path)
    # The harness itself worked end to end: every figure of the table is there.
    assert {"intake_gateway_bearer", "relay", "commit_to_email_p99", "emails_2_notifier",
            "embedded_intake"} <= {row["key"] for row in results["figures"]}
    problems = compared(results, baseline)
    assert not problems, "worse than bench/baseline.json:\n" + "\n".join(problems)


def test_comparison_flags_a_slower_ratio_and_one_more_statement():
    baseline = {"margin": 0.75, "ratios": {"a": 0.4, "b": 0.4}, "sql": {"a@1": 5, "b@1": 5}}
    results = {"figures": [{"key": "a", "ratio": 0.11}, {"key": "b", "ratio": 0.09}], "sql": {"a@1": 5, "b@1": 6}}
    assert compared(results, baseline) == [
        "b: ratio 0.09 is below 0.4 x 0.25 = 0.100",
        "b@1: 6 SQL statements per request, the baseline allows 5",
    ]


if __name__ == "__main__" and "--update" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fresh = baseline_from(short_bench(Path(tmp)), margin=0.9)
    BASELINE.write_text(json.dumps(fresh, indent=1) + "\n")
    print(f"wrote {BASELINE}")
