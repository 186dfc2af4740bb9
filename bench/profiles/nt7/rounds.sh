#!/bin/sh
# Alternating rounds of notifier3_inproc.py (CPU per ticket.created, one event per batch, PostgreSQL):
# "before" is the tree of the branch point unpacked in $BASE, "after" this worktree.
# sh bench/profiles/nt7/rounds.sh ROUNDS EVENTS
BASE=${BASE:-/tmp/nt7base}
TREE=$(cd "$(dirname "$0")/../../.." && pwd)
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5433/postgres}
for i in $(seq "${1:-5}"); do
  for side in before after; do
    if [ $side = before ]; then root=$BASE; else root=$TREE; fi
    printf '%s %s ' "$i" "$side"
    PYTHONPATH=$root/services/notifier:$root/libs/common /work/main/.venv/bin/python \
      "$TREE/bench/profiles/notifier3_inproc.py" --events "${2:-1500}"
  done
done
