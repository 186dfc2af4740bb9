"""Medians over the rounds of tail_loop.py's JSON, and the median of each round's ratio to the same
round's first configuration (rounds alternate, so a ratio compares figures taken minutes apart).

``python3 bench/profiles/tail/summary.py FILE [FILE...]``
"""
import json
import statistics
import sys


def main(paths):
    for path in paths:
        data = json.load(open(path))
        configs = list(data["configs"])
        first = configs[0]
        names = list(data["rounds"][0][first])
        print(f"{path}: {len(data['rounds'])} rounds of {data['seconds']} s; ratios to {first} of the same round")
        print("| scenario | config | req/s | p50 ms | p99 ms | CPU ms/req (all) | p99 ratio | req/s ratio | "
              "gateway requests per worker | tickets API requests per worker |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in names:
            for config in configs:
                rs = [r[config][name] for r in data["rounds"] if name in r.get(config, {})]
                if not rs:
                    continue
                med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
                pairs = [(r[config][name], r[first][name]) for r in data["rounds"]
                         if name in r.get(config, {}) and name in r.get(first, {})]
                p99r = statistics.median(a["p99_ms"] / b["p99_ms"] for a, b in pairs)
                rpsr = statistics.median(a["rps"] / b["rps"] for a, b in pairs)
                spread = lambda key: " ".join(  # noqa: E731
                    "/".join(str(round(100 * n / sum(r[key]["per_worker"]))) for n in r[key]["per_worker"])
                    for r in rs if r[key].get("per_worker"))
                print(f"| {name} | {config} | {med('rps'):.1f} | {med('p50_ms'):.0f} | {med('p99_ms'):.0f} | "
                      f"{med('cpu_ms_all'):.1f} | {p99r:.2f} | {rpsr:.2f} | {spread('gateway_log')} % | "
                      f"{spread('tickets_log')} % |")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
