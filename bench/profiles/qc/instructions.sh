#!/bin/sh
# Python instructions per request of a queue scenario (cachegrind's "I refs", which the machine's load
# does not move): per tree, ab.py with N requests after its warm-up minus ab.py with none, over N.
# The signing key is read from a file (tr4/fixed_key.py). Both runs of a tree go in parallel.
# sh bench/profiles/qc/instructions.sh OUT N SCENARIO TREE...
out=$1 n=$2 scenario=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)
py=/work/main/.venv/bin/python
run() {  # tree requests
  ir=$(TREE=$1 PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
       "$py" "$here/../tr4/fixed_key.py" /tmp/qc/key.pem "$1" "$here/ab.py" --only "$scenario" --blocks 1 \
       --requests "$2" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,)
  echo "$1 $scenario $2 $ir" >> "$out"
}
for tree in "$@"; do
  run "$tree" 0 & run "$tree" "$n" & wait
done
