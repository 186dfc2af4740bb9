#!/bin/sh
# Alternating rounds of ab.py over the trees given (exports made with git archive, the branch point
# first). Nothing else may use the database meanwhile (ab.py counts all its backends).
# sh bench/profiles/lp/rounds.sh 3 /tmp/lp/before /tmp/lp/after1 > bench/profiles/lp/rounds-2.txt
ROUNDS=$1; shift; HERE=$(dirname "$0"); PY=/work/main/.venv/bin/python
for r in $(seq "$ROUNDS"); do
  for tree in "$@"; do
    echo "round $r $tree"; TREE=$tree $PY "$HERE/ab.py" --blocks 5 --requests 400 $AB_ARGS
  done
done
