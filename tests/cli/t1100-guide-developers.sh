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
# The files, copied as the guide says (its "    cp tests/data/... NAME" lines)
copies=0
for line in $(sed -n 's/^    cp \(tests\/data\/[^ ]*\) \([^ /]*\)$/\1:\2/p' "$root/docs/guide-developers.md"); do
	cp "$root/${line%%:*}" "$work/${line#*:}" && copies=$((copies + 1))
done
expect_eq "the guide says where each of its four files comes from" "$copies" 4
PATH=$work/bin:$PATH TRANSCRIPT=$TMP/transcript sh "$root/tests/guide/run.sh" \
	"$root/docs/guide-developers.md" "$work" > "$TMP/result"
rc=$?
cat "$TMP/result"
checks=$((checks + $(grep -c '^ok\|^not ok' "$TMP/result")))
failures=$((failures + $(grep -c '^not ok' "$TMP/result")))
[ "$rc" -eq 0 ] || [ "$failures" -gt 0 ] || failures=1
[ "$failures" -eq 0 ] || { echo "# transcript:"; sed 's/^/#   /' "$TMP/transcript" | head -80; }
echo "# $(basename "$0"): $checks checks, $failures failed"
[ "$failures" -eq 0 ]
