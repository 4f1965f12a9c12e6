#!/bin/sh
# Holds docs/engine.md's "Kernel versions, commit by commit" table to the
# scenario suite: every scenario a row names must exist, and every GICv5
# scenario must be named by a row (each is tied to an upstream change).
# usage: check-version-table.sh [REPO]   (default: the current directory)
set -eu
repo=${1:-.}
doc=$repo/docs/engine.md
table=$(awk '/^## Kernel versions, commit by commit/ { on = 1; next }
	     /^## / { on = 0 } on && /^\| /' "$doc")
if [ -z "$table" ]; then
	echo "FAIL $doc: no kernel version table"
	exit 1
fi
fail=0
named=$(printf '%s\n' "$table" | grep -o '`[a-z0-9-]*\.scn`' | tr -d '`' | sort -u)
for scn in $named; do
	if [ ! -f "$repo/tests/engine/$scn" ]; then
		echo "FAIL $doc: the version table names $scn, which does not exist"
		fail=1
	fi
done
for f in "$repo"/tests/engine/gicv5-*.scn; do
	scn=$(basename "$f")
	if ! printf '%s\n' "$named" | grep -qx "$scn"; then
		echo "FAIL $doc: no row of the version table names $scn"
		fail=1
	fi
done
rows=$(printf '%s\n' "$table" | grep -vc '^| behaviour\|^|---')
[ $fail -eq 0 ] && echo "ok version table: $rows rows, $(printf '%s\n' "$named" | wc -l) scenarios named"
exit $fail
