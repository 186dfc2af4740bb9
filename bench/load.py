"""Load from wrk (Debian's ``wrk``): a fixed set of requests cycled over ``connections``, for ``seconds``.

Each scenario is a list of requests (method, path, headers, body); a generated Lua script hands them
out round-robin and prints one JSON line with the counts and latency percentiles, which ``run``
returns. Non-2xx/3xx answers are counted as errors (a scenario with errors is reported as such).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_LUA = r"""
local reqs = {%s}
local threads = {}
local i = 0
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  i = math.random(0, #reqs - 1)
end
function request()
  i = i + 1
  return reqs[(i %% #reqs) + 1]
end
function done(summary, latency, requests)
  local p = function(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format('BENCH {"requests": %%d, "duration_us": %%d, "status_errors": %%d, '
    .. '"socket_errors": %%d, "p50_ms": %%.3f, "p90_ms": %%.3f, "p99_ms": %%.3f, "max_ms": %%.3f, "mean_ms": %%.3f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    p(50), p(90), p(99), latency.max / 1000.0, latency.mean / 1000.0))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


def _lua_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def _lua_request(req: Request) -> str:
    headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in req.headers.items())
    body = _lua_string(req.body) if req.body is not None else "nil"
    return f"wrk.format({_lua_string(req.method)}, {_lua_string(req.path)}, {{{headers}}}, {body})"


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("make bench needs wrk (Debian package wrk): run scripts/prerequisites.sh as root")
    return found


def run(base_url: str, requests: list[Request], connections: int, seconds: float, threads: int = 1) -> dict:
    """Drive ``requests`` against ``base_url``; return requests/s, error counts and latency percentiles (ms)."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "scenario.lua"
        script.write_text(_LUA % ",\n".join(_lua_request(r) for r in requests))
        out = subprocess.run(
            [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", str(script), base_url],
            capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-2000:]} {out.stderr[-2000:]}")
    result = json.loads(line[len("BENCH "):])
    seconds_run = result.pop("duration_us") / 1e6
    result["seconds"] = round(seconds_run, 2)
    result["rps"] = round(result["requests"] / seconds_run, 1) if seconds_run else 0.0
    result["ok_rps"] = round((result["requests"] - result["status_errors"]) / seconds_run, 1) if seconds_run else 0.0
    result["connections"] = connections
    if result["requests"] == result["status_errors"] == 0:
        # Nothing answered within wrk's timeout: no latency to speak of (wrk reports zeros).
        result.update({k: None for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms")})
    return result
