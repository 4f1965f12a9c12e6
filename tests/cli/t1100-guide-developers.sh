#!/bin/sh
# docs/guide-developers.md, run as a reader would: every command it shows,
# in order, in one directory holding the files the guide starts from
# (real lab traces under the names the guide gives them), with the build
# under test as `vgic-replay` on PATH. What each prints and its exit
# status must match the guide (tests/guide/run.sh).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$TMP/guide
mkdir -p "$work/bin"
ln -s "$VR" "$work/bin/vgic-replay"
cp "$DATA/lab-findings/linux-7.2-gicv3-nvhe-eoimode1-remote-2vcpu/trace.txt.xz" "$work/lost-spi.txt.xz"
cp "$DATA/lab/linux-7.2-gicv3-vhe-seed-trigger/record.db.xz" "$work/seed.db.xz"
cp "$DATA/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger/record.db.xz" "$work/buggy.db.xz"
cp "$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.dat" "$work/burst.dat"
PATH=$work/bin:$PATH TRANSCRIPT=$TMP/transcript sh "$root/tests/guide/run.sh" \
	"$root/docs/guide-developers.md" "$work" > "$TMP/result"
rc=$?
cat "$TMP/result"
checks=$(grep -c '^ok\|^not ok' "$TMP/result")
failures=$(grep -c '^not ok' "$TMP/result")
[ "$rc" -eq 0 ] || [ "$failures" -gt 0 ] || failures=1
[ "$failures" -eq 0 ] || { echo "# transcript:"; sed 's/^/#   /' "$TMP/transcript" | head -80; }
echo "# $(basename "$0"): $checks checks, $failures failed"
[ "$failures" -eq 0 ]
