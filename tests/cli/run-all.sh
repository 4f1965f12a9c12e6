#!/bin/sh
# Run every tests/cli/t*.sh and fail if any fails.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for t in "$dir"/t[0-9]*.sh; do
	echo "== $(basename "$t")"
	sh "$t" || rc=1
done
exit $rc
