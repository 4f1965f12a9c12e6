#!/bin/sh
# `tui` outside a terminal: its help, its key table, and one-line refusals
# of what it cannot open, said before curses takes the terminal.
. "$(dirname "$0")/lib.sh"

expect_ok "tui --help" $VR tui --help
grep -q -- '--read-only' "$TMP/out"; expect_eq "tui --help names --read-only" $? 0
expect_ok "tui --keys" $VR tui --keys
expect_eq "tui --keys: one row per key of the help overlay" "$(grep -c '^| `' "$TMP/out")" 25
expect_fail "tui on a missing file" 2 'no such file' $VR tui "$TMP/missing.db"
{ printf 'SQLite format 3\000'; printf 'not a database\n'; } > "$TMP/junk.db"
expect_fail "tui on a file that is not a trace" 2 'not a readable SQLite database' $VR tui "$TMP/junk.db"
printf 'not a trace\n' > "$TMP/junk.txt"
expect_fail "tui on text that is no trace: the import says why" 2 'junk.txt:1: no kvm events recognised' \
	$VR tui "$TMP/junk.txt"
expect_fail "tui without a file: one line and a hint, not the usage" 2 \
	"^vgic-replay: tui: no TRACE given; see 'vgic-replay tui --help'$" $VR tui
finish
