#!/bin/sh
# Instructions per ticket.created (notifier_created_cpu.py: SQLite, batches of 50, no broker, no SMTP),
# by difference of two runs of N1 and N2 events under callgrind, before ($BASE) and after (this tree).
BASE=${BASE:-/tmp/nt7base}
TREE=$(cd "$(dirname "$0")/../../.." && pwd)
N1=${N1:-100}; N2=${N2:-400}
for side in ${SIDES:-before after}; do
  if [ $side = before ]; then root=$BASE; else root=$TREE; fi
  for n in $N1 $N2; do
    ir=$(PYTHONPATH=$root/services/notifier:$root/libs/common valgrind --tool=callgrind \
         --callgrind-out-file=/tmp/nt7-cg-$side-$n.out /work/main/.venv/bin/python \
         "$TREE/bench/profiles/notifier_created_cpu.py" "$n" 2>&1 | sed -n 's/.*Collected : //p')
    echo "$side $n $ir"
  done
done
