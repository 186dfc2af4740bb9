"""The rounds of a paced.py / threads.py output (.jsonl) as one line each: ``table.py FILE...``."""
import json
import sys

for path in sys.argv[1:]:
    print(path)
    for line in open(path):
        d = json.loads(line)
        if "paced" not in d:
            print("  load average", d.get("load_average_at_start"), "->", d.get("load_average_at_end"))
            continue
        p = d["paced"]
        c, lat = p["cpu_ms_per_event"], p["latency_ms"]
        threads = p.get("thread_ms_per_event", {})
        others = sum(v for k, v in threads.items() if k != "consumer")
        split = f" consumer {threads['consumer']:.2f} others {others:.2f}" if threads else ""
        print(f"  r{d['round']} {d['version']:7} worker {c['notifier-worker']:.2f} pg {c['postgres (notifier)']:.2f} "
              f"sum {c['notifier-worker'] + c['postgres (notifier)']:.2f}{split} wall {p['wall_s']:.1f}s "
              f"latency p50/p99/max {lat['p50']}/{lat['p99']}/{lat['max']} ms")
