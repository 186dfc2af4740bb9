#!/bin/sh
# Instructions per request (valgrind's cachegrind "I refs"), which the machine's load does not move.
# For each tree and scenario, inproc.py runs twice under valgrind, with N1 and N2 requests after the same
# warm-up; per request = (I(N2) - I(N1)) / (N2 - N1), so start-up, the first compilations and the
# warm-up cancel out. The signing key is read from $KEY (tr4/fixed_key.py).
# bench/profiles/le/instructions.sh OUT N1 N2 TREE... (scenarios from $SCENARIOS); le/instructions_table.py OUT
out=$1 n1=$2 n2=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
py=/work/main/.venv/bin/python
scenarios=${SCENARIOS:-my_requests_reporter my_requests_org_member list_expanded}
run() {  # tree scenario requests
  ir=$(LE_TREE=$1 PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
       "$py" "$here/../tr4/fixed_key.py" "${KEY:-/tmp/le/key.pem}" "$1" "$here/inproc.py" --snapshot "${SNAPSHOT:-/tmp/le/rf2.dump}" --reuse \
       --requests "$3" --blocks 1 --only "$2" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,)
  echo "$1 $2 $3 $ir" >> "$out"
}
for s in $scenarios; do
  for tree in "$@"; do
    run "$tree" "$s" "$n1" &
    run "$tree" "$s" "$n2"
    wait
  done
done
