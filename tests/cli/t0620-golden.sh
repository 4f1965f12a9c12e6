#!/bin/sh
# The one-pipeline rebuild (and every later change to how the trace is
# read) must leave check, predict, report and the TUI's model saying the
# same of every real trace in the corpus: findings, agreement counts,
# accounting, latencies and timeline windows, run by run. The expected
# output was captured with the tool before the rebuild
# (tests/golden/capture.sh); `make golden` captures it again when a change
# of output is intended, and the commit says why.
. "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${TL_DUMP:=$root/build/tests/tl_dump}"
mkdir -p "$TMP/expected"
xz -dc "$root/tests/golden/expected.tar.xz" | tar xf - -C "$TMP/expected"
"$root/tests/golden/capture.sh" "$TMP/got" "${VR_FAST:-$VR}" "$TL_DUMP" > /dev/null 2>&1
for f in "$TMP/expected"/*; do
	name=$(basename "$f")
	checks=$((checks + 1))
	if [ ! -f "$TMP/got/$name" ]; then
		echo "not ok - $name: no output"; failures=$((failures + 1))
	elif cmp -s "$f" "$TMP/got/$name"; then
		echo "ok - $name: same findings, agreement, accounting and timeline"
	else
		echo "not ok - $name differs from before the rebuild:"
		diff "$f" "$TMP/got/$name" | head -8 | sed 's/^/#   /'
		failures=$((failures + 1))
	fi
done
n=$(ls "$TMP/expected" | wc -l)
expect_eq "every corpus trace captured" "$(ls "$TMP/got" | wc -l)" "$n"
finish
