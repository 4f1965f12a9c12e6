#!/bin/sh
# make demo: import a real trace recorded on Debian's 7.2 arm64 kernel
# (bundled in tests/data/samples) and show what vgic-replay sees in it.
set -eu
VR=${1:-build/vgic-replay}
IN=tests/data/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace
OUT=build/demo/linux-7.2.db
mkdir -p build/demo

echo "\$ vgic-replay import --force $IN -o $OUT"
"$VR" import --force "$IN" -o "$OUT"
echo
echo "\$ vgic-replay info $OUT"
"$VR" info "$OUT"
echo
echo "# Exits where the guest EOIed interrupts that were not in a list register"
echo "# (ICH_HCR.EOIcount > 0): the 6.19 LR-overflow path that commit 6da5e537f5af fixed."
Q="SELECT s.event_id, printf('%.6f', s.ts_ns / 1e9) AS t, s.vcpu, s.hcr, s.eoicount,
  (SELECT group_concat(l.vintid || ':' || l.state, ' ') FROM lrs_v l
   WHERE l.event_id = s.event_id AND l.in_use) AS lrs
FROM snapshots_v s WHERE s.phase = 'sync' AND s.eoicount > 0"
echo "\$ vgic-replay sql $OUT \"$Q\""
"$VR" sql "$OUT" "$Q"
