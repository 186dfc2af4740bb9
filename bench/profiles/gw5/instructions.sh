#!/bin/sh
# Instructions per in-process gateway call (valgrind cachegrind, no cache simulation): per tree and
# scenario a run of 20 calls and one of 20 + N; (Ir of the second - Ir of the first) / N.
# instructions.sh OUT N TREE...   (the stub must listen on 9326: gunicorn -k gthread -w 1 --threads 4
#   -b 127.0.0.1:9326 --chdir bench/profiles gwfast_stub:app)
out=$1; n=$2; shift 2
py=/work/main/.venv/bin/python
here=$(dirname "$0")
for tree in "$@"; do
  for sc in intake list; do
    for calls in 20 $((20 + n)); do
      ir=$(PYTHONHASHSEED=0 PYTHONPATH=$tree/libs/common:$tree/services/gateway:$tree valgrind --tool=cachegrind --cache-sim=no \
           --cachegrind-out-file=/dev/null $py "$here/instr.py" --scenario $sc --calls $calls 2>&1 \
           | sed -n 's/.*I *refs: *//p' | tr -d ,)
      echo "$tree $sc $calls $ir" | tee -a "$out"
    done
  done
done
