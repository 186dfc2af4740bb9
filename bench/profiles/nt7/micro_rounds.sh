#!/bin/sh
# Alternating rounds of the two micro loops (µs of CPU per call), before ($BASE) and after (this tree).
BASE=${BASE:-/tmp/nt7base}
TREE=$(cd "$(dirname "$0")/../../.." && pwd)
for i in $(seq "${1:-3}"); do
  for side in before after; do
    if [ $side = before ]; then root=$BASE; else root=$TREE; fi
    export PYTHONPATH=$root/services/notifier:$root/libs/common
    echo "$i $side validate: $(/work/main/.venv/bin/python "$TREE/bench/profiles/nt7/validate_micro.py")"
    echo "$i $side $(/work/main/.venv/bin/python "$TREE/bench/profiles/nt7/compose_micro.py" | grep -E "^(render|compose_bytes|verify_head|payload)" | tr '\n' ' ')"
  done
done
