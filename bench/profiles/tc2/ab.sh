#!/bin/sh
# Alternates create_loop.py between two trees: ab.sh BEFORE_TREE AFTER_TREE ROUNDS [create_loop args...]
# Prints one line per run: tree, then create_loop's CPU (this process) and PG (its backends) per create.
before=$1; after=$2; rounds=$3; shift 3
here=$(cd "$(dirname "$0")/../../.." && pwd)
for r in $(seq "$rounds"); do
  for tree in "$before" "$after"; do
    out=$(PYTHONPATH=$tree/libs/common:$tree/services/tickets:$tree "$here/.venv/bin/python" \
          "$here/bench/profiles/tc/create_loop.py" "$@" 2>&1 | tail -1)
    echo "round $r $(basename "$tree"): $out  (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
