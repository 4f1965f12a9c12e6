#!/bin/sh
# Every `make TARGET` the README and the guides tell a reader to run is a
# target of the Makefile (in make's database) and is listed in the README's
# "Make targets" table, so a newcomer never meets one that is not there.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

# `make x` in code spans and "make x" at the start of an indented or $ line
grep -ohE '`make [a-z][a-z0-9-]*|^ *(\$ )?make [a-z][a-z0-9-]*' README.md docs/*.md |
	sed -E 's/.*make //' | sort -u > "$TMP/used"
sed -n '/^## Make targets$/,/^## /p' README.md | grep -oE '^\| `[^|]*' |
	grep -oE '`[a-z][a-z0-9-]*`' | tr -d '`' | sort -u > "$TMP/listed"
expect_eq "the README's table lists targets" "$(test -s "$TMP/listed" && echo yes)" yes
expect_eq "the guides use make targets" "$(test -s "$TMP/used" && echo yes)" yes
while read -r t; do
	expect_eq "make $t (used in the docs) is listed in README's Make targets" \
		"$(grep -qx "$t" "$TMP/listed" && echo listed)" listed
done < "$TMP/used"
# The targets make knows, from its database: asking for the target ':',
# which does not exist, runs nothing (make -n would still run the lines
# that call $(MAKE), such as bench-lab's lab boots).
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -pRrq : < /dev/null 2> /dev/null |
	sed -n 's/^\([a-z][a-z0-9-]*\):.*/\1/p' | sort -u > "$TMP/targets"
while read -r t; do
	expect_eq "make $t (listed) is a Makefile target" \
		"$(grep -qx "$t" "$TMP/targets" && echo target)" target
done < "$TMP/listed"
finish
