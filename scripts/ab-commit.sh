#!/bin/bash
# A/B of the SQLite commit change: the previous binaries (pipelined sync, readers see before fsync)
# and this build (synchronous=FULL), each on a fresh load of 200,000 dossiers, alternating.
set -u
date -u +"start %FT%TZ"
for round in 1 2; do
  for v in old new; do
    if [ $v = old ]; then B=/tmp/new-bin; else B=/tmp/rel/release; fi
    rm -rf /tmp/ab13-$v
    $B/tinhso-bench dossiers --tinhso $B/tinhso --work /tmp/ab13-$v --stored 200000 --seconds 10 > /tmp/ab13-$v-$round.log 2>&1
    echo "== $v round $round"; grep -iE "submission|lookup|inbox|fsync|insert|point read|hello|RSS" /tmp/ab13-$v-$round.log | head -20
  done
done
rm -rf /tmp/ab13-old /tmp/ab13-new
date -u +"end %FT%TZ"
