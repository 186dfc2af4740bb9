#!/bin/sh
# Alternating rounds of caller_ab.py over the trees given (git archive exports, the branch point first).
# sh bench/profiles/lp/caller_rounds.sh 3 /tmp/lp/before /tmp/lp/after2 > bench/profiles/lp/caller-rounds.txt
ROUNDS=$1; shift; HERE=$(dirname "$0"); PY=/work/main/.venv/bin/python
for r in $(seq "$ROUNDS"); do
  for tree in "$@"; do
    echo "round $r $tree"; TREE=$tree $PY "$HERE/caller_ab.py" --runs 10000 --blocks 5
  done
done
