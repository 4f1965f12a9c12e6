#!/bin/sh
# Run every tests/cli/t*.sh and fail if any fails. The tests are
# independent (each works in its own mktemp directory), so they run
# CLI_JOBS at a time (default: the number of CPUs); each test's output
# is printed whole, with its wall time, when it ends, and the failing
# tests are named again at the end.
set -u
dir=$(cd "$(dirname "$0")" && pwd)

# One test (run-all.sh --one OUTDIR TEST): its output to a file, then
# printed at once with its time, so that parallel tests do not interleave.
if [ "${1:-}" = --one ]; then
	name=$(basename "$3" .sh)
	start=$(date +%s)
	status=ok
	sh "$3" > "$2/$name.log" 2>&1 || status=FAILED
	[ "$status" = ok ] || : > "$2/$name.failed"
	{
		echo "== $name.sh"
		cat "$2/$name.log"
		echo "== $name.sh: $status in $(($(date +%s) - start)) s"
	} > "$2/$name.done"
	cat "$2/$name.done"
	exit 0
fi

jobs=${CLI_JOBS:-$(nproc 2> /dev/null || echo 1)}
out=$(mktemp -d /tmp/vr-cli-all-XXXXXX)
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM
# The corpus-wide tests take most of the time: started first, so
# that the short ones fill the other CPUs and all end together.
ls "$dir"/t[0-9]*.sh |
	awk '{ print (/t06(00|10|20|25|30)-|t0700-/ ? 0 : 1), $0 }' | sort -s -k1,1n | cut -d" " -f2- |
	xargs -d '\n' -P "$jobs" -n 1 sh "$0" --one "$out"
failed=$(cd "$out" && ls -- *.failed 2> /dev/null | sed 's/\.failed$/.sh/')
if [ -n "$failed" ]; then
	echo "cli tests FAILED:" $failed
	exit 1
fi
echo "cli tests: all $(ls "$dir"/t[0-9]*.sh | wc -l) passed"
