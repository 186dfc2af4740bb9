#!/bin/sh
# Alternating rounds of ab.py over the trees given (an export of the branch point first, then others);
# this tree last. Nothing else may use the database meanwhile (ab.py counts all its backends).
# sh bench/profiles/qc/rounds.sh 3 /tmp/qc/before [/tmp/qc/mid] > bench/profiles/qc/rounds.txt
ROUNDS=$1; shift; HERE=$(dirname "$0"); PY=/work/main/.venv/bin/python
for r in $(seq "$ROUNDS"); do
  for tree in "$@" "$(cd "$HERE/../../.." && pwd)"; do
    echo "round $r $tree"; TREE=$tree $PY "$HERE/ab.py" --blocks 5 --requests 200
  done
done
