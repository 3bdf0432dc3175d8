#!/bin/bash
# A/B of two builds on the dossier benchmark: each on a fresh load of 200,000 dossiers,
# alternating, two rounds. Usage: scripts/ab-commit.sh <old release dir> <new release dir>
# (each holding tinhso and tinhso-bench, e.g. two `cargo build --release` target dirs).
set -u
OLD=${1:?old release dir}; NEW=${2:?new release dir}
date -u +"start %FT%TZ"
for round in 1 2; do
  for v in old new; do
    if [ $v = old ]; then B=$OLD; else B=$NEW; fi
    work=$(mktemp -d)
    $B/tinhso-bench dossiers --tinhso $B/tinhso --work $work --stored 200000 --seconds 10 > /tmp/ab-$v-$round.log 2>&1
    echo "== $v round $round"; grep -iE "submission|lookup|inbox|fsync|insert|point read|hello|RSS" /tmp/ab-$v-$round.log | head -20
    rm -rf "$work"
  done
done
date -u +"end %FT%TZ"
