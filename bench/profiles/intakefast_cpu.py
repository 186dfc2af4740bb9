"""CPU milliseconds per created request of the tickets API and of its PostgreSQL backends, against the
bare reference in the same run (rounds alternating), on a stack kept by ``quickloop.py --keep``.

``.venv/bin/python bench/profiles/intakefast_cpu.py TICKETS_API_PID REFERENCE_PID [--rounds 3] [--seconds 8]``

The body is the bench's (``bench.scenarios._create_body``: no ``organizations``, so a customer of one
organisation shares the request with it), raised by alice@example.com over the three desks.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.cpu import cpu_seconds  # noqa: E402
from bench.scenarios import DESCRIPTION  # noqa: E402

BASE_PORT = int(os.environ.get("QUICK_PORT", "9180"))
PREFIX = os.environ.get("QUICK_DB_PREFIX", "fastq_")
PG = os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

LUA = """
local bodies = {}
for i = 0, 2 do
  bodies[i] = '{"serviceDeskId":"' .. (i + 1) .. '","requestTypeId":"' .. (i * 3 + 1) ..
    '","requestFieldValues":{"summary":"Bench intake: channel 7 figures missing","description":"%DESC%"}}'
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "%AUTH%"}, bodies[n % 3])
end
"""


def backends(engine, database: str) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}).scalars())


def run(url: str, auth: str, seconds: int, pid: int, engine, database: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA.replace("%AUTH%", auth).replace("%DESC%", DESCRIPTION))
    pg = {p: cpu_seconds(p) for p in backends(engine, database)}
    app = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", f.name, url],
                         capture_output=True, text=True).stdout
    app = cpu_seconds(pid) - app
    pg_used = sum(cpu_seconds(p) - pg.get(p, 0.0) for p in backends(engine, database))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "requests": done,
            "errors": int(non2xx.group(1)) if non2xx else 0,
            "app_ms": round(1000 * app / max(done, 1), 2), "pg_ms": round(1000 * pg_used / max(done, 1), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tickets_pid", type=int)
    ap.add_argument("reference_pid", type=int)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    args = ap.parse_args()
    gw = f"http://127.0.0.1:{BASE_PORT}"
    token = httpx.post(f"{gw}/api/identity/login", json={"email": "alice@example.com",
                                                         "password": "demo-password-1"}).json()["access_token"]
    auth = f"Bearer {token}"
    engine = create_engine(PG, pool_size=1, max_overflow=0)
    rounds = []
    for _ in range(args.rounds):
        tickets = run(f"http://127.0.0.1:{BASE_PORT + 2}/rest/servicedeskapi/request", auth, args.seconds,
                      args.tickets_pid, engine, f"{PREFIX}tickets")
        reference = run(f"http://127.0.0.1:{BASE_PORT + 9}/request", auth, args.seconds, args.reference_pid, engine,
                        f"{PREFIX}reference")
        rounds.append({"tickets": tickets, "reference": reference, "ratio": round(tickets["rps"] / reference["rps"], 3)})
        print(json.dumps(rounds[-1]), flush=True)
    med = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
    print("median ratio", med["ratio"], "| tickets API", med["tickets"]["app_ms"], "ms, its PostgreSQL",
          med["tickets"]["pg_ms"], "ms | reference", med["reference"]["app_ms"], "ms, its PostgreSQL",
          med["reference"]["pg_ms"], "ms (CPU per request)")


if __name__ == "__main__":
    main()
