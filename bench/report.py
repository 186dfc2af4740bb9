"""Every figure as a ratio to the reference measured in the same run, with the issue's target and PASS/FAIL."""
from __future__ import annotations

import json
from pathlib import Path


def _row(key, what, value, unit, reference, ref_value, ratio, target, passed, **extra) -> dict:
    return {"key": key, "what": what, "value": value, "unit": unit, "reference": reference,
            "reference_value": ref_value, "ratio": None if ratio is None else round(ratio, 3), "target": target,
            "pass": passed, **extra}


def _div(a, b):
    return a / b if a is not None and b else None


def figures(r: dict) -> list[dict]:
    """The table rows: intake, reads per data size, pipeline, embedded, resident memory."""
    sc, sql, pl, rows = r["scenarios"], r["sql"], r["pipeline"], []
    if "intake_reference_before" in sc:
        rows += _intake_and_reads(sc, sql)
    else:
        rows += _reads(sc, sql)
    if pl:
        rows += _pipeline(sc, pl)
    if "embedded" in r:
        rows += _embedded(r)
    rows += _memory(r)
    return rows


def _intake_and_reads(sc, sql) -> list[dict]:
    rows = []
    ref = (sc["intake_reference_before"]["ok_rps"] + sc["intake_reference_after"]["ok_rps"]) / 2
    three = sc["intake_gateway_bearer"]["ok_rps"]
    for key, what, need in (("intake_gateway_bearer", "intake via gateway, Bearer, 3 desks", 0.5),
                            ("intake_gateway_basic", "intake via gateway, Basic API token, 3 desks", 0.5),
                            ("intake_gateway_one_desk", "intake via gateway, Bearer, 1 desk", None),
                            ("intake_tickets_api", "intake straight to tickets API", 0.7)):
        s = sc[key]
        ratio = _div(s["ok_rps"], ref)
        if need is None:
            target, ok = "within 20% of 3 desks", s["ok_rps"] >= 0.8 * three
        elif key == "intake_tickets_api":
            target, ok = f"≥ {need}×", ratio >= need
        else:
            target, ok = f"≥ {need}×, p99 < 100 ms", ratio >= need and (s["p99_ms"] or 1e9) < 100
        rows.append(_row(key, what, s["ok_rps"], "req/s", "bare Flask+Core intake", round(ref, 1), ratio, target,
                         ok, p50_ms=s["p50_ms"], p99_ms=s["p99_ms"], errors=s["status_errors"] + s["socket_errors"],
                         sql=sql.get("create_request") if key == "intake_gateway_bearer" else None))
    rows[0]["target"] += ", ≤ 8 SQL"
    rows[0]["pass"] = rows[0]["pass"] and (sql.get("create_request") or 0) <= 8
    return rows + _reads(sc, sql)


def _reads(sc, sql) -> list[dict]:
    rows = []
    for key in sorted(k for k in sc if k.startswith("read_reference@")):
        size = int(key.split("@")[1])
        base = sc[key]
        for name in sorted(k for k in sc if k.endswith(f"@{size}") and not k.startswith("read_reference")):
            s = sc[name]
            limit = 100 if (size >= 1_000_000 or name.startswith("search")) else 50
            count = sql.get(name)
            ok = (s["p99_ms"] is not None and s["p99_ms"] < limit and count is not None and count <= 5
                  and not s["status_errors"] and not s["socket_errors"])
            rows.append(_row(name, f"{name.split('@')[0].replace('_', ' ')} ({size:,} tickets)", s["ok_rps"], "req/s",
                             "bare Core list of 50", base["ok_rps"], _div(s["ok_rps"], base["ok_rps"]),
                             f"p99 < {limit} ms, ≤ 5 SQL", ok, p50_ms=s["p50_ms"], p99_ms=s["p99_ms"], sql=count,
                             errors=s["status_errors"] + s["socket_errors"]))
    return rows


def _pipeline(sc, pl) -> list[dict]:
    rows = []
    relay, kombu = pl["relay"], pl["relay_reference"]
    rows.append(_row("relay", "outbox relay, events/s with confirms (one relay process)", relay["events_per_s"],
                     "events/s", "kombu publish+confirm loop", kombu["events_per_s"],
                     _div(relay["events_per_s"], kombu["events_per_s"]), "≥ 2,000 events/s",
                     (relay["events_per_s"] or 0) >= 2000, backlog=relay["events"]))
    if relay.get("events_per_cpu_s"):
        rows.append(_row("relay_per_cpu", "outbox relay, events per CPU-second of the relay process",
                         relay["events_per_cpu_s"], "events/CPU-s", None, None, None, "—", None))
    if "intake_tickets_api" in sc:
        peak_s = sc["intake_tickets_api"]
        ref_time = _div(peak_s["outbox_backlog_peak"], kombu["events_per_s"])
        drain = peak_s["outbox_backlog_to_zero_s"]
        rows.append(_row("backlog_to_zero", "outbox backlog to 0 after max intake (tickets API)", drain, "s",
                         "peak backlog / kombu rate", None if ref_time is None else round(ref_time, 2),
                         _div(drain, ref_time), "≤ 5 s", drain is not None and drain <= 5,
                         backlog=peak_s["outbox_backlog_peak"]))
    smtp = pl["emails_reference"]
    per_mail_ms = 1000 / smtp["emails_per_s"]
    c2e = pl["commit_to_email"]
    rows.append(_row("commit_to_email_p99",
                     f"commit → email p99, status changes committed at {c2e['achieved_per_s']}/s for {c2e['seconds']:.0f} s",
                     c2e["p99_ms"], "ms", "one smtplib send", round(per_mail_ms, 2), _div(c2e["p99_ms"], per_mail_ms),
                     "p99 < 1,000 ms at 100/s", c2e["p99_ms"] is not None and c2e["p99_ms"] < 1000
                     and not c2e["errors"] and c2e["emails"] == c2e["expected_emails"]
                     and c2e["achieved_per_s"] >= 0.95 * c2e["offered_per_s"],
                     p50_ms=c2e["p50_ms"], p99_ms=c2e["p99_ms"], max_ms=c2e["max_ms"], errors=c2e["errors"]))
    api = pl.get("commit_to_email_api")
    if api:
        rows.append(_row("commit_to_email_api_p99",
                         f"commit → email p99, changes through the API ({api['offered_per_s']}/s offered, "
                         f"{api['achieved_per_s']}/s taken)", api["p99_ms"], "ms", "one smtplib send",
                         round(per_mail_ms, 2), _div(api["p99_ms"], per_mail_ms), "—", None,
                         p50_ms=api["p50_ms"], p99_ms=api["p99_ms"], max_ms=api["max_ms"], errors=api["errors"]))
    for n in (1, 2):
        e = pl[f"emails_{n}_notifier"]
        rows.append(_row(f"emails_{n}_notifier", f"emails/s to many recipients, {n} notifier process{'es' if n > 1 else ''}",
                         e["emails_per_s"], "emails/s", "smtplib loop, one connection", smtp["emails_per_s"],
                         _div(e["emails_per_s"], smtp["emails_per_s"]), "≥ 500 emails/s" if n == 2 else "—",
                         (e["emails_per_s"] or 0) >= 500 if n == 2 else None))
        if e.get("emails_per_cpu_s"):
            rows.append(_row(f"emails_{n}_notifier_per_cpu",
                             f"emails per CPU-second of notifier process ({n} running)", e["emails_per_cpu_s"],
                             "emails/CPU-s", None, None, None, "—", None))
    return rows


def _embedded(r) -> list[dict]:
    sc, rows = r["scenarios"], []
    ref = ((sc["intake_reference_before"]["ok_rps"] + sc["intake_reference_after"]["ok_rps"]) / 2
           if "intake_reference_before" in sc else None)
    emb = r["embedded"]
    rows.append(_row("embedded_intake", "make run: intake (SQLite, in-process bus)", emb["intake"]["ok_rps"], "req/s",
                     "bare Flask+Core intake", ref and round(ref, 1), _div(emb["intake"]["ok_rps"], ref), "—", None,
                     p50_ms=emb["intake"]["p50_ms"], p99_ms=emb["intake"]["p99_ms"]))
    sizes = [int(k.split("@")[1]) for k in sc if k.startswith("read_reference@")]
    first = min(sizes) if sizes else None
    base = sc[f"read_reference@{first}"]["ok_rps"] if first else None
    rows.append(_row("embedded_my_requests", "make run: my requests", emb["my_requests"]["ok_rps"], "req/s",
                     f"bare Core list of 50 ({first:,})" if first else None, base,
                     _div(emb["my_requests"]["ok_rps"], base),
                     "—", None, p50_ms=emb["my_requests"]["p50_ms"], p99_ms=emb["my_requests"]["p99_ms"]))
    rows.append(_row("embedded_rss", "make run: resident memory, whole process", emb["rss_mb"], "MB", None, None,
                     None, "< 400 MB", emb["rss_mb"] < 400))
    return rows


def _memory(r) -> list[dict]:
    rows = []
    rss = {k: v for k, v in r["rss_mb"].items() if v is not None}
    web = {k: v for k, v in rss.items() if k.split(" worker")[0] in ("gateway", "identity-api", "tickets-api",
                                                                     "notifier-api")}
    ref_rss = max((v for k, v in rss.items() if k.startswith("reference worker")), default=None)
    if web:
        top = max(web, key=web.get)
        rows.append(_row("web_rss_max", f"largest web process after the bench ({top})", web[top], "MB",
                         "reference worker", ref_rss, _div(web[top], ref_rss), "< 150 MB each", web[top] < 150))
    return rows


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [f"Bench `{r['profile']}` of {r['started']} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
             f"{m['os']}, Python {m['python']}; {r.get('tickets_seeded', 0):,} tickets at the end; "
             f"{r['timings']['total']:.0f} s in all"
             + (f"; 1-minute load average {m['load_average_at_start'][0]} at the start, "
                f"{m['load_average_at_end'][0]} at the end." if "load_average_at_end" in m else "."), "",
             "| figure | measured | p50 ms | p99 ms | SQL | reference | ratio | target | result |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in r["figures"]:
        result = {True: "PASS", False: "FAIL", None: "—"}[row["pass"]]
        ref = f"{_fmt(row['reference_value'])} ({row['reference']})" if row["reference"] else "—"
        lines.append(f"| {row['what']} | {_fmt(row['value'])} {row['unit']} | {_fmt(row.get('p50_ms'))} | "
                     f"{_fmt(row.get('p99_ms'))} | {_fmt(row.get('sql'))} | {ref} | "
                     f"{_fmt(row['ratio'])}{'×' if row['ratio'] is not None else ''} | {row['target']} | {result} |")
    lines += cpu_table(r)
    return "\n".join(lines) + "\n"


def cpu_table(r: dict) -> list[str]:
    """CPU milliseconds per request (or ticket) of each process kind, PostgreSQL backends included, for
    the scenarios measured with ``cpu.StackCpu``: what one core of each kind carries (docs/scaling.md)."""
    measured = {k: v["cpu"] for k, v in r["scenarios"].items() if v.get("cpu", {}).get("cpu_ms_per_unit")}
    if not measured:
        return []
    kinds = sorted({kind for c in measured.values() for kind in c["cpu_ms_per_unit"]})
    lines = ["", "CPU milliseconds per request, by process kind (user + system, every thread; the broker is "
             "shared and not counted):", "",
             "| scenario | " + " | ".join(kinds) + " | all |", "|---|" + "---|" * (len(kinds) + 1)]
    for name, c in measured.items():
        per = c["cpu_ms_per_unit"]
        cells = [_fmt(per.get(k)) for k in kinds]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {_fmt(round(sum(per.values()), 2))} |")
    return lines


def chart(r: dict, path: Path) -> None:
    """Throughput and p50/p99 of every HTTP scenario, references included (one PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sc = r["scenarios"]
    names = [k for k in sc if "p99_ms" in sc[k]]
    emb = r.get("embedded") or {}
    names += [f"embedded_{k}" for k in ("intake", "my_requests") if k in emb]
    data = {**sc, **{f"embedded_{k}": emb[k] for k in ("intake", "my_requests") if k in emb}}
    if not names:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.34 * len(names) + 1.5), sharey=True)
    y = range(len(names))
    colours = ["#888888" if "reference" in n else "#2c6fbb" for n in names]
    left.barh(y, [data[n]["ok_rps"] for n in names], color=colours)
    left.set_xlabel("requests/s (higher is better)")
    left.set_yticks(list(y), names, fontsize=7)
    left.invert_yaxis()
    right.barh([i - 0.2 for i in y], [data[n]["p50_ms"] or 0 for n in names], height=0.4, label="p50", color="#7fb2e5")
    right.barh([i + 0.2 for i in y], [data[n]["p99_ms"] or 0 for n in names], height=0.4, label="p99", color="#d9534f")
    right.set_xscale("log")
    right.set_xlabel("latency ms (log; lower is better)")
    right.legend(loc="lower right", fontsize=8)
    fig.suptitle(f"make bench ({r['profile']}), {r['started']}, {r['machine']['cores']} cores; grey = reference",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(r: dict, out_dir: Path, stamp: str) -> dict[str, str]:
    """<stamp>.json, <stamp>.md and <stamp>.png in ``out_dir``; returns their paths."""
    suffix = "" if r["profile"] == "full" else f"-{r['profile']}"
    if set(r.get("sections") or ()) != {"reads", "intake", "pipeline", "embedded"}:
        suffix += "-" + "-".join(r["sections"])
    files = {ext: str(out_dir / f"{stamp}{suffix}.{ext}") for ext in ("json", "md", "png")}
    chart(r, Path(files["png"]))
    Path(files["md"]).write_text(markdown(r) + f"\n![make bench chart]({Path(files['png']).name})\n")
    Path(files["json"]).write_text(json.dumps({**r, "files": files}, indent=1, default=str) + "\n")
    return files
