#!/bin/sh
# Instructions per request (valgrind's cachegrind "I refs"), which the machine's load does not move:
# for each tree, one run that only starts (the app, the snapshot's people) and one run per scenario
# with N requests after its warm-up; per request = (scenario run - start-up run) / (N + 6). The signing
# key is read from $KEY (fixed_key.py): its generation's instructions vary from run to run.
# bench/profiles/tr4/instructions.sh OUT N TREE... (scenarios from $SCENARIOS)
out=$1 n=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
py=$here/../../../.venv/bin/python
scenarios=${SCENARIOS:-my_requests_sees_little my_requests_reporter my_requests_org_member agent_queue_counts list_expanded}
: > "$out"
run() {  # tree scenario requests
  ir=$(PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
       "$py" "$here/fixed_key.py" "${KEY:-/tmp/tr4/key.pem}" "$1" "$1/bench/profiles/readfast2_inproc.py" --snapshot "${SNAPSHOT:-/tmp/tr4/rf2.dump}" --reuse \
       --requests "$3" --blocks 1 --only "$2" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,)
  echo "$1 $2 $3 $ir" >> "$out"
}
for tree in "$@"; do
  run "$tree" none 0 &
  for s in $scenarios; do
    run "$tree" "$s" "$n" &
    wait %1 2>/dev/null || wait
  done
  wait
done
