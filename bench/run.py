"""``make bench`` (``python -m bench``): the stack, its data, every scenario of issue 8 and the references.

``python -m bench [--profile full|quick] [--out DIR]``. ``full`` is the real bench (100,000 then
1,000,000 tickets, 60 s of status changes, under 10 minutes); ``quick`` is what CI runs (small data,
seconds per scenario). Writes ``<out>/<date>.json``, ``<out>/<date>.md`` and ``<out>/<date>.png``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

from . import cpu, embedded, load, pipeline, report, scenarios, seed
from .system import ROOT, System, rss_mb


@dataclass(frozen=True)
class Profile:
    name: str
    tickets: tuple[int, ...]          # read rounds at these totals
    customers: int = 1000
    organisations: int = 50
    read_seconds: float = 6
    intake_seconds: float = 8
    backlog_seconds: float = 8
    change_rate: float = 100
    change_seconds: float = 60            # the 60 s at 100 changes/s, committed to the outbox
    api_change_seconds: float = 10        # the same rate offered through the HTTP API (bounded by it)
    email_events: int = 6000
    email_window: float = 10
    relay_reference_events: int = 20000
    relay_reference_seconds: float = 5
    relay_events: int = 20000             # synthetic backlog: forty of the relay's 500-row batches
    smtp_reference_seconds: float = 5
    embedded_seconds: float = 8


PROFILES = {
    "full": Profile("full", (100_000, 1_000_000)),
    "quick": Profile("quick", (2_000,), customers=200, read_seconds=3, intake_seconds=3, backlog_seconds=2,
                     change_rate=20, change_seconds=3, api_change_seconds=3, email_events=300, email_window=4,
                     relay_reference_events=300, relay_reference_seconds=2, relay_events=1600,
                     smtp_reference_seconds=2, embedded_seconds=2),
}
SECTIONS = ("reads", "intake", "pipeline", "embedded")
INTAKE_CONNECTIONS = 16
READ_CONNECTIONS = 8


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")))
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": len([ln for ln in Path("/proc/cpuinfo").read_text().splitlines()
                                        if ln.startswith("processor")]),
            "memory_gib": round(mem / 1024 / 1024, 1), "os": platform.platform(), "python": platform.python_version(),
            "postgresql_client": pg, "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3]}


def run(profile: Profile, out_dir: Path, only: tuple[str, ...] = SECTIONS) -> dict:
    started = time.monotonic()
    timings: dict[str, float] = {}
    results: dict = {"profile": profile.name, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "machine": machine(), "scenarios": {}, "sql": {}, "pipeline": {}, "rss_mb": {}, "timings": timings,
                     "sections": list(only)}
    sc = results["scenarios"]
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        system = System(work)
        try:
            step = time.monotonic()
            system.start()
            timings["stack_start"] = round(time.monotonic() - step, 1)
            log(f"stack up in {timings['stack_start']} s (gateway {system.gateway})")
            step = time.monotonic()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], profile.customers,
                                     profile.organisations)
            pipeline.seed_notifier_accounts(system.engines["tickets"], system.engines["notifier"])
            seed.add_tickets(system.engines["tickets"], world, profile.tickets[0], timings)
            timings["seed_first"] = round(time.monotonic() - step, 1)
            log(f"seeded {world.tickets} tickets in {timings['seed_first']} s")
            callers = scenarios.Callers(system.gateway).log_in()
            ref_read = scenarios.reference_read(world)

            def reads_round(size: int):
                key = scenarios.expandable_key(system.engines["tickets"], world)
                sc[f"read_reference@{size}"] = load.run(system.reference_base, ref_read, READ_CONNECTIONS,
                                                        profile.read_seconds)
                for name, reqs in scenarios.reads(world, callers, key).items():
                    scenarios.warm_up(system.gateway, reqs)
                    with cpu.StackCpu(system) as used:
                        sc[f"{name}@{size}"] = load.run(system.gateway, reqs, READ_CONNECTIONS, profile.read_seconds)
                    done = sc[f"{name}@{size}"]["requests"] - sc[f"{name}@{size}"]["status_errors"]
                    sc[f"{name}@{size}"]["cpu"] = used.summary(done)
                    results["sql"][f"{name}@{size}"] = scenarios.statements(system.gateway, reqs)
                    log(f"{name}@{size}: {sc[f'{name}@{size}']['ok_rps']} req/s, p99 "
                        f"{sc[f'{name}@{size}']['p99_ms']} ms, {results['sql'][f'{name}@{size}']} statements")

            step = time.monotonic()
            if "reads" in only:
                reads_round(profile.tickets[0])
            timings["reads_first"] = round(time.monotonic() - step, 1)

            if "intake" in only:
                # Intake: the reference before and after the stack's rounds (its mean is the ratio's base).
                step = time.monotonic()
                ref_intake = scenarios.reference_intake()
                sc["intake_reference_before"] = load.run(system.reference_base, ref_intake, INTAKE_CONNECTIONS,
                                                         profile.intake_seconds)
                rounds = {
                    "intake_gateway_bearer": (system.gateway, scenarios.intake(world, callers)),
                    "intake_gateway_basic": (system.gateway, scenarios.intake(world, callers, auth="basic")),
                    "intake_gateway_one_desk": (system.gateway, scenarios.intake(world, callers, one_desk=True)),
                    "intake_tickets_api": (system.tickets_api, scenarios.intake(world, callers)),
                }
                for name, (base, reqs) in rounds.items():
                    scenarios.warm_up(base, reqs)
                    with pipeline.BacklogWatch(system.engines["tickets"]) as watch, cpu.StackCpu(system) as used:
                        sc[name] = load.run(base, reqs, INTAKE_CONNECTIONS, profile.intake_seconds)
                    sc[name]["cpu"] = used.summary(sc[name]["requests"] - sc[name]["status_errors"])
                    sc[name]["outbox_backlog_peak"] = watch.peak
                    sc[name]["outbox_backlog_to_zero_s"] = watch.drain_seconds()
                    log(f"{name}: {sc[name]['ok_rps']} tickets/s, p99 {sc[name]['p99_ms']} ms, backlog peak "
                        f"{watch.peak}, to 0 in {sc[name]['outbox_backlog_to_zero_s']} s")
                sc["intake_reference_after"] = load.run(system.reference_base, ref_intake, INTAKE_CONNECTIONS,
                                                        profile.intake_seconds)
                results["sql"]["create_request"] = scenarios.statements(system.gateway, rounds["intake_gateway_bearer"][1])
                timings["intake"] = round(time.monotonic() - step, 1)

            # Pipeline.
            if "pipeline" in only:
                pipeline_section(system, world, callers, profile, results)
                timings["pipeline"] = results["pipeline"].pop("seconds")

            for size in profile.tickets[1:] if "reads" in only else ():
                step = time.monotonic()
                seed.add_tickets(system.engines["tickets"], world, size - world.tickets, timings)
                timings[f"seed_to_{size}"] = round(time.monotonic() - step, 1)
                log(f"seeded up to {world.tickets} tickets in {timings[f'seed_to_{size}']} s")
                step = time.monotonic()
                callers.log_in()
                reads_round(size)
                timings[f"reads_{size}"] = round(time.monotonic() - step, 1)

            results["rss_mb"] = {name: rss_mb(pid) for name, pid in system.web_processes().items()}
            results["tickets_seeded"] = world.tickets
        finally:
            system.close()
        if "embedded" in only:
            step = time.monotonic()
            results["embedded"] = embedded.run(work, profile.embedded_seconds, INTAKE_CONNECTIONS, READ_CONNECTIONS)
            timings["embedded"] = round(time.monotonic() - step, 1)
            log(f"embedded: {results['embedded']}")
    timings["total"] = round(time.monotonic() - started, 1)
    # Other loads on the machine change every figure: the load average says how busy it was.
    results["machine"]["load_average_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["figures"] = report.figures(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    results["files"] = report.write(results, out_dir, stamp)
    print(report.markdown(results), flush=True)
    log(f"done in {timings['total']} s; results in {out_dir}")
    return results


def pipeline_section(system: System, world: seed.World, callers: scenarios.Callers, profile: Profile,
                     results: dict) -> None:
    """Relay throughput and backlog, commit -> email at a steady rate, emails/s with 1 and 2 notifiers."""
    step = time.monotonic()
    callers.log_in()
    pl = results["pipeline"]
    # BENCH_PROFILES=DIR: py-spy profiles of the relay and the notifier processes while they work flat out.
    profile_dir = Path(os.environ["BENCH_PROFILES"]) if os.environ.get("BENCH_PROFILES") else None
    pl["relay"] = pipeline.relay_drain(system, lambda: load.run(
        system.tickets_api, scenarios.intake(world, callers), INTAKE_CONNECTIONS, profile.backlog_seconds),
        extra=profile.relay_events, profile_dir=profile_dir)
    bodies = [b for _rk, b in pipeline.sample_events(system.engines["tickets"], 200)]
    pl["relay_reference"] = pipeline.kombu_reference(system.amqp, system.bus_prefix, bodies,
                                                     profile.relay_reference_events, profile.relay_reference_seconds)
    log(f"relay: {pl['relay']}; kombu reference: {pl['relay_reference']}")
    keys = _demo_customer_keys(system, world, 400)
    pl["settled_before_api"] = pipeline.settle(system)
    pl["commit_to_email_api"] = pipeline.commit_to_email(system, callers.personas["agent"].bearer, keys,
                                                         profile.change_rate, profile.api_change_seconds)
    log(f"commit -> email, changes through the API: {pl['commit_to_email_api']}")
    pl["settled_before_commits"] = pipeline.settle(system)
    pl["commit_to_email"] = pipeline.commit_to_email_outbox(system, profile.change_rate, profile.change_seconds)
    log(f"commit -> email, changes committed at {profile.change_rate}/s: {pl['commit_to_email']}")
    routing_key, body = pipeline.sample_events(system.engines["tickets"], 1, "%status_changed%")[0]
    for n in (1, 2):
        # Spread over the replica's customers, as a desk's emails are: copies of one event would all
        # go to one person, whose emails leave one after another on one session.
        pl[f"emails_{n}_notifier"] = pipeline.emails_per_second(system, routing_key, body, profile.email_events, n,
                                                                profile.email_window, profile_dir, spread=True)
        log(f"emails with {n} notifier(s): {pl[f'emails_{n}_notifier']}")
    pl["emails_reference"] = pipeline.smtplib_reference(system.sink.port, profile.email_events, 3000,
                                                        profile.smtp_reference_seconds)
    log(f"smtplib reference: {pl['emails_reference']}")
    pl["seconds"] = round(time.monotonic() - step, 1)


def _demo_customer_keys(system: System, world: seed.World, n: int) -> list[str]:
    """Open tickets reported by demo customers (the notifier knows them from identity's events)."""
    demo = [world.accounts[e] for e in ("alice@example.com", "bob@example.com", "dave@example.com")]
    with system.engines["tickets"].connect() as conn:
        keys = conn.execute(text("SELECT key FROM tickets WHERE reporter_id = ANY(:r) ORDER BY id DESC LIMIT :n"),
                            {"r": demo, "n": n}).scalars().all()
    if not keys:
        raise RuntimeError("no tickets of demo customers to change")
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    parser.add_argument("--tickets", default="",
                        help="comma-separated ticket totals for the read rounds (default: the profile's)")
    args = parser.parse_args(argv)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    if not only or set(only) - set(SECTIONS):
        parser.error(f"--only takes some of {', '.join(SECTIONS)}")
    profile = PROFILES[args.profile]
    if args.tickets:
        profile = replace(profile, tickets=tuple(int(x) for x in args.tickets.split(",")))
    results = run(profile, args.out, only)
    print(json.dumps({"total_s": results["timings"]["total"], "files": results["files"]}))
    return 0


__all__ = ["Profile", "PROFILES", "run", "main", "asdict"]
