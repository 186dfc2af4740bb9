#!/bin/sh
# Alternate readfast2_inproc.py runs of two trees (each a `git archive` of bench, services/tickets and
# libs/common), ROUNDS rounds each; every answer compared with the golden ones.
# bench/profiles/tr4/ab.sh BEFORE_TREE AFTER_TREE ROUNDS OUT [ONLY]
set -e
before=$1 after=$2 rounds=$3 out=$4 only=${5:-my_requests_reporter,my_requests_org_member,my_requests_sees_little,agent_queue_open,agent_queue_counts,list_expanded}
py=$(dirname "$0")/../../../.venv/bin/python
: > "$out"
for r in $(seq "$rounds"); do
  for tree in "$before" "$after"; do
    echo "== round $r $tree $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
    "$py" "$tree/bench/profiles/readfast2_inproc.py" --snapshot "${SNAPSHOT:-/tmp/tr4/rf2.dump}" --reuse \
      --compare "${GOLDEN:-/tmp/tr4/golden}" --requests 20 --blocks 8 --only "$only" 2>&1 | grep -v NOTICE >> "$out"
  done
done
