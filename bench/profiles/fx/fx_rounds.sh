#!/bin/sh
# Instructions per request of two trees, rounds alternating: fx_rounds.sh BEFORE_TREE AFTER_TREE ROUNDS N
# (each line: tree label, scenario, instructions per request). fx_inproc.py prepare must have run;
# fx_window.c built as /tmp/fx_window.so (see fx_inproc.py).
set -e
here=$(cd "$(dirname "$0")" && pwd)
py=${PY:-/work/main/.venv/bin/python}
for round in $(seq "$3"); do
  for tree in "$1" "$2"; do
    for scenario in list create; do
      out=$(mktemp)
      PYTHONHASHSEED=0 PYTHONPATH="$tree/libs/common:$tree/services/tickets:$tree" \
        valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out" \
        "$py" "$here/fx_inproc.py" run --scenario "$scenario" -n "$4" >/dev/null 2>"$out.err" \
        || { echo "$round $tree $scenario failed:"; tail -3 "$out.err"; exit 1; }
      total=$(grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}')
      echo "$round $tree $scenario $((total / $4))"
      rm -f "$out" "$out.err"
    done
  done
done
