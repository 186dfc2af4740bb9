#!/bin/sh
# Both trees' readfast2_inproc.py at the same time, one scenario at a time, so both meet the same load on
# a shared machine (whole runs alternating met loads that differed by half between them); least of many
# blocks each. bench/profiles/tr4/ab_parallel.sh BEFORE_TREE AFTER_TREE OUT [SCENARIOS] [BLOCKS]
before=$1 after=$2 out=$3
scenarios=${4:-my_requests_sees_little,my_requests_reporter,my_requests_org_member,agent_queue_counts,list_expanded,agent_queue_open}
blocks=${5:-30}
py=$(dirname "$0")/../../../.venv/bin/python
: > "$out"
for s in $(echo "$scenarios" | tr , ' '); do
  for tree in "$before" "$after"; do
    "$py" "$tree/bench/profiles/readfast2_inproc.py" --snapshot "${SNAPSHOT:-/tmp/tr4/rf2.dump}" --reuse \
      --compare "${GOLDEN:-/tmp/tr4/golden}" --requests 20 --blocks "$blocks" --only "$s" 2>&1 | grep -v NOTICE \
      | sed "s#^#$tree #" > "$out.$s.$(basename "$tree")" &
  done
  wait
  echo "== $s $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
  cat "$out.$s.$(basename "$before")" "$out.$s.$(basename "$after")" >> "$out"
  rm -f "$out.$s.$(basename "$before")" "$out.$s.$(basename "$after")"
done
