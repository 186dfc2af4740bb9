#!/bin/sh
# CPU per request in process (inproc.py, least of its blocks), trees alternating round by round.
# bench/profiles/le/ab.sh ROUNDS TREE_BEFORE TREE_AFTER (scenarios from $ONLY)
rounds=$1 before=$2 after=$3
here=$(cd "$(dirname "$0")" && pwd)
for r in $(seq "$rounds"); do
  for tree in "$before" "$after"; do
    echo "round $r $tree"
    LE_TREE=$tree /work/main/.venv/bin/python "$here/inproc.py" --snapshot "${SNAPSHOT:-/tmp/le/rf2.dump}" --reuse \
      --requests 30 --blocks 5 --only "${ONLY:-list_expanded,my_requests_org_member,my_requests_reporter}" \
      --compare "${GOLDEN:-/tmp/le/golden}" 2>&1 | grep cpu
  done
done
