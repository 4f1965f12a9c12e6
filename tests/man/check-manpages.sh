#!/bin/sh
# Cross-check the man pages against the program:
#
#   tests/man/check-manpages.sh build/vgic-replay docs/man build/man
#
# * every subcommand that `vgic-replay --help` lists has its page
#   (docs/man/vgic-replay-CMD.1.scd) and is named in the COMMANDS section
#   of vgic-replay.1.scd, and every vgic-replay-*.1.scd page is a subcommand;
# * every option that `vgic-replay CMD --help` prints is in the OPTIONS
#   section of its page, and every option of that section is in --help (the
#   same for the top-level options against vgic-replay.1.scd);
# * every option of the `struct option` table and of the getopt_long()
#   short-option string in cli/cmd_CMD.c is printed by --help, and --help
#   prints no option the code does not accept;
# * the key table of `vgic-replay tui --keys` is in the tui page;
# * every page has its preamble and sections, and every built page in
#   build/man is there, not older than its source, and passes
#   `groff -man -ww -z` with no output;
# * every *vgic-replay...*(N) reference points to a page that exists.
#
# Prints "ok - ..." / "not ok - ..." lines (details as "#   ..." lines)
# and a summary line; exits 1 if any check failed, 2 on bad usage.
# Set VR_SRCDIR to the source tree when the script is run from elsewhere
# (default: two directories above this script).
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 3 ]; then
	echo "usage: $0 VGIC-REPLAY SCD-DIR BUILT-MAN-DIR" >&2
	exit 2
fi
vr=$1
src=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${VR_SRCDIR:-$(cd "$here/../.." && pwd)}
cli=$srcdir/cli

if [ ! -x "$vr" ] || [ ! -d "$src" ] || [ ! -d "$out" ]; then
	echo "$0: need an executable $vr and directories $src and $out" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vr-man-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP
checks=0
failures=0

# ok DESC / not_ok DESC [DETAIL-FILE]: one result line; the detail file's
# lines follow as comments.
ok() {
	checks=$((checks + 1))
	echo "ok - $1"
}
not_ok() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	echo "not ok - $1"
	if [ $# -gt 1 ] && [ -s "$2" ]; then
		sed 's/^/#   /' "$2" | head -20
	fi
}
skip() {
	echo "ok - $1 # SKIP $2"
}

# check DESC FILE: ok when FILE is empty, else not ok listing its lines.
check_empty() {
	if [ -s "$2" ]; then
		not_ok "$1" "$2"
	else
		ok "$1"
	fi
}

# help_options < HELP-TEXT: the options of the "Options:" block, one a line.
# An option line is indented by at most 8 spaces and starts with '-'; its
# options are the leading "-x," and "--long" words (the argument and the
# description that follow, however they wrap, are not options).
help_options() {
	awk '
	/^Options:/ { on = 1; next }
	on && /^[ \t]*$/ { on = 0 }
	on {
		if (!match($0, /^ +-/) || RLENGTH > 9)
			next
		line = substr($0, RLENGTH)
		for (;;) {
			if (match(line, /^-[A-Za-z0-9]([ ,]|$)/)) {
				print substr(line, 1, 2)
				line = substr(line, 3)
				sub(/^[ ,]+/, "", line)
				continue
			}
			if (match(line, /^--[A-Za-z0-9][A-Za-z0-9-]*/)) {
				print substr(line, 1, RLENGTH)
				line = substr(line, RLENGTH + 1)
				if (match(line, /^, *-/)) {
					sub(/^, */, "", line)
					continue
				}
			}
			break
		}
	}' | sort -u
}

# page_options PAGE.scd: the options named in the term lines of the page's
# OPTIONS section (lines starting with "*-"), from the bold spans only:
# "*-p, --profile* _NAME_", "*--gic* *2*|*3*", "*--from* _T_, *--to* _T_".
page_options() {
	awk '
	/^# / { on = ($0 == "# OPTIONS"); next }
	on && /^\*-/ {
		line = $0
		gsub(/\\/, "", line)
		while (match(line, /\*[^*]+\*/)) {
			span = substr(line, RSTART + 1, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH)
			n = split(span, w, /[ ,|]+/)
			for (i = 1; i <= n; i++)
				if (w[i] ~ /^-[A-Za-z0-9]$/ || w[i] ~ /^--[A-Za-z0-9][A-Za-z0-9-]*$/)
					print w[i]
		}
	}' "$1" | sort -u
}

# page_option_format PAGE.scd: OPTIONS term lines not followed by a
# tab-indented paragraph, and option-like lines that are not terms.
page_option_format() {
	awk '
	/^# / { on = ($0 == "# OPTIONS"); pending = ""; next }
	!on { next }
	pending != "" {
		if ($0 !~ /^\t[^\t ]/)
			print "line " NR - 1 ": " pending ": no tab-indented paragraph after it"
		pending = ""
	}
	/^\*-/ { pending = $0; next }
	/^-/ { print "line " NR ": \"" $0 "\" is not a bold term line (*-x, --long* _ARG_)" }
	END { if (pending != "") print pending ": no paragraph after it" }' "$1"
}

# section_terms PAGE.scd SECTION: the bold words of the section's term lines.
section_terms() {
	awk -v want="# $2" '
	/^# / { on = ($0 == want); next }
	on && /^\*[A-Za-z0-9][A-Za-z0-9-]*\*$/ { gsub(/\*/, ""); print }' "$1" | sort -u
}

# source_options FILE.c: the options the code accepts: the names of its
# struct option table ("--name"), with those of cli.h's shared
# CLI_FILTER_LONGOPTS rows when it uses them, and the letters of the
# getopt_long() option string ("-x"); -h and --help when it uses
# cli_is_help().
source_options() {
	filters=$(awk '/^#define CLI_FILTER_LONGOPTS/ { on = 1 } on {
			while (match($0, /\{"[a-z-]+"/)) { print "--" substr($0, RSTART + 2, RLENGTH - 3)
				$0 = substr($0, RSTART + RLENGTH) } }
		on && !/\\$/ { exit }' "$cli/cli.h" | tr '\n' ' ')
	awk -v filters="$filters" '
	/CLI_FILTER_LONGOPTS/ { n = split(filters, f, " "); for (i = 1; i <= n; i++) print f[i] }
	{
		line = $0
		while (match(line, /\{"[A-Za-z0-9-]+", *(no|required|optional)_argument/)) {
			s = substr(line, RSTART + 2)
			sub(/".*/, "", s)
			print "--" s
			line = substr(line, RSTART + RLENGTH)
		}
		line = $0
		if (match(line, /getopt_long\([^"]*"[^"]*"/)) {
			s = substr(line, RSTART, RLENGTH)
			sub(/^[^"]*"/, "", s)
			sub(/"$/, "", s)
			gsub(/[:+-]/, "", s)
			for (i = 1; i <= length(s); i++)
				print "-" substr(s, i, 1)
		}
	}
	/cli_is_help\(/ { print "-h"; print "--help" }' "$1" | sort -u
}

# not_in A B: the lines of file A that are not in file B (both sorted).
not_in() {
	comm -23 "$1" "$2"
}

# ---------------------------------------------------------------- commands

if "$vr" --help >"$tmp/top.help" 2>"$tmp/err"; then
	ok "vgic-replay --help exits 0"
else
	not_ok "vgic-replay --help exits 0" "$tmp/err"
fi
awk '/^Commands:/ { on = 1; next }
     on && /^[ \t]*$/ { exit }
     on && /^ +[a-z]/ { print $1 }' "$tmp/top.help" | sort -u >"$tmp/commands"
if [ -s "$tmp/commands" ]; then
	ok "vgic-replay --help lists commands: $(tr '\n' ' ' <"$tmp/commands" | sed 's/ $//')"
else
	not_ok "vgic-replay --help lists commands under \"Commands:\""
fi

# The commands the source table knows, built in or not (tui can be left out).
if [ -f "$cli/vgic-replay.c" ]; then
	awk '{ line = $0
	       while (match(line, /\{"[a-z][a-z0-9-]*", *cmd_/)) {
		       s = substr(line, RSTART + 2); sub(/".*/, "", s); print s
		       line = substr(line, RSTART + RLENGTH) } }' "$cli/vgic-replay.c" |
		sort -u >"$tmp/source-commands"
else
	: >"$tmp/source-commands"
fi

top=$src/vgic-replay.1.scd
if [ -f "$top" ]; then
	ok "vgic-replay.1.scd exists"
else
	not_ok "vgic-replay.1.scd exists"
fi
section_terms "$top" COMMANDS 2>/dev/null >"$tmp/top-commands"

while read -r cmd; do
	if [ -f "$src/vgic-replay-$cmd.1.scd" ]; then
		ok "$cmd: docs page vgic-replay-$cmd.1.scd exists"
	else
		not_ok "$cmd: docs page vgic-replay-$cmd.1.scd exists"
	fi
	if grep -qx "$cmd" "$tmp/top-commands"; then
		ok "$cmd: named in the COMMANDS section of vgic-replay.1.scd"
	else
		not_ok "$cmd: named in the COMMANDS section of vgic-replay.1.scd"
	fi
done <"$tmp/commands"

# is_a_command WHERE CMD: CMD (named by file WHERE) is a command of $vr,
# or a command of the sources this build leaves out (a skip).
is_a_command() {
	if grep -qx "$2" "$tmp/commands"; then
		ok "$1: '$2' is a command"
	elif grep -qx "$2" "$tmp/source-commands"; then
		skip "$1: '$2' is a command" "not built into $vr"
	else
		not_ok "$1: '$2' is a command (vgic-replay --help does not list it)"
	fi
}

for page in "$src"/vgic-replay-*.1.scd; do
	[ -f "$page" ] || continue
	cmd=${page##*/vgic-replay-}
	cmd=${cmd%.1.scd}
	is_a_command "vgic-replay-$cmd.1.scd" "$cmd"
done
not_in "$tmp/top-commands" "$tmp/commands" >"$tmp/extra"
while read -r cmd; do
	grep -qx "$cmd" "$tmp/source-commands" && continue
	echo "$cmd"
done <"$tmp/extra" >"$tmp/extra2"
check_empty "vgic-replay.1.scd: COMMANDS names only commands" "$tmp/extra2"

# ----------------------------------------------------------------- options

# both_ways A B DESC-A-IN-B DESC-B-IN-A: every line of A is in B, and back.
both_ways() {
	not_in "$1" "$2" >"$tmp/d"
	check_empty "$3" "$tmp/d"
	not_in "$2" "$1" >"$tmp/d"
	check_empty "$4" "$tmp/d"
}

# compare_options NAME HELP-FILE PAGE: both directions, and the format.
compare_options() {
	help_options <"$2" >"$tmp/h"
	page_options "$3" >"$tmp/p"
	if [ ! -s "$tmp/h" ]; then
		not_ok "$1: --help prints an Options: block"
		return
	fi
	both_ways "$tmp/h" "$tmp/p" "$1: every option of --help is in the OPTIONS of ${3##*/}" \
		"$1: every option in the OPTIONS of ${3##*/} is in --help"
	page_option_format "$3" >"$tmp/d"
	check_empty "$1: OPTIONS of ${3##*/} are term lines with a paragraph each" "$tmp/d"
}

if [ -f "$top" ]; then
	compare_options "vgic-replay" "$tmp/top.help" "$top"
fi

while read -r cmd; do
	page=$src/vgic-replay-$cmd.1.scd
	if "$vr" "$cmd" --help >"$tmp/$cmd.help" 2>"$tmp/err"; then
		ok "$cmd: --help exits 0"
	else
		not_ok "$cmd: --help exits 0" "$tmp/err"
	fi
	if [ -f "$page" ]; then
		compare_options "$cmd" "$tmp/$cmd.help" "$page"
	fi
	code=$cli/cmd_$cmd.c
	if [ ! -f "$code" ]; then
		skip "$cmd: options of cli/cmd_$cmd.c are in --help" "no $code"
		continue
	fi
	source_options "$code" >"$tmp/s"
	help_options <"$tmp/$cmd.help" >"$tmp/h"
	both_ways "$tmp/s" "$tmp/h" "$cmd: every option cli/cmd_$cmd.c accepts is in --help" \
		"$cmd: --help prints only options cli/cmd_$cmd.c accepts"
done <"$tmp/commands"

# Every cli/cmd_*.c is a command (an orphan's options would go unchecked).
for code in "$cli"/cmd_*.c; do
	[ -f "$code" ] || continue
	cmd=${code##*/cmd_}
	cmd=${cmd%.c}
	is_a_command "cli/cmd_$cmd.c" "$cmd"
done

# ------------------------------------------------------------- tui --keys

if grep -qx tui "$tmp/commands" && [ -f "$src/vgic-replay-tui.1.scd" ]; then
	# shellcheck disable=SC2016 # the backquotes are Markdown's
	"$vr" tui --keys 2>/dev/null |
		sed -n 's/^| `\(.*\)` | \(.*\) |$/\1	\2/p' | sort -u >"$tmp/keys"
	awk '
	/^\|  *\*/ { k = $0; sub(/^\| *\*/, "", k); sub(/\* *$/, "", k); gsub(/\\/, "", k); next }
	/^:  / && k != "" { a = $0; sub(/^: */, "", a); gsub(/\\/, "", a); print k "\t" a; k = "" }' \
		"$src/vgic-replay-tui.1.scd" | sort -u >"$tmp/page-keys"
	if [ ! -s "$tmp/keys" ]; then
		not_ok "tui --keys prints a key table"
	else
		both_ways "$tmp/keys" "$tmp/page-keys" \
			"tui: every key of tui --keys is in the KEYS table of vgic-replay-tui.1.scd" \
			"tui: every key of the KEYS table of vgic-replay-tui.1.scd is in tui --keys"
	fi
fi

# ------------------------------------------------------------------- pages

for scd in "$src"/*.scd; do
	[ -f "$scd" ] || continue
	base=${scd##*/}
	base=${base%.scd}
	name=${base%.*}
	sect=${base##*.}
	# The preamble, as vgic-replay.1.scd has it.
	first=$(sed -n 1p "$scd")
	case $first in
	"$name($sect) \"vgic-replay @VERSION@\" \"vgic-replay manual\"")
		ok "$base.scd: preamble" ;;
	*)
		echo "$first" >"$tmp/d"
		not_ok "$base.scd: preamble is $name($sect) \"vgic-replay @VERSION@\" \"vgic-replay manual\"" "$tmp/d" ;;
	esac
	# The sections every page has, and those of a command page.
	want="NAME SYNOPSIS DESCRIPTION EXAMPLES"
	[ "$sect" = 1 ] && want="$want OPTIONS"
	[ "$sect" = 1 ] && want="$want EXIT_STATUS"
	want="$want SEE_ALSO"
	: >"$tmp/d"
	for s in $want; do
		s=$(echo "$s" | tr _ ' ')
		grep -qx "# $s" "$scd" || echo "no section # $s" >>"$tmp/d"
	done
	check_empty "$base.scd: has the sections $want" "$tmp/d"
	# NAME starts with the page's name.
	nameline=$(awk '/^# NAME$/ { on = 1; next } on && NF { print; exit }' "$scd")
	case $nameline in
	"$name - "*) ok "$base.scd: NAME is \"$name - ...\"" ;;
	*)
		echo "$nameline" >"$tmp/d"
		not_ok "$base.scd: NAME is \"$name - ...\"" "$tmp/d" ;;
	esac
	# References to other vgic-replay pages.
	awk '{ line = $0
	       while (match(line, /\*vgic-replay[a-z0-9-]*\*\([0-9]\)/)) {
		       print substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH) } }' \
		"$scd" | sort -u | while read -r ref; do
		ref_name=${ref#\*}
		ref_name=${ref_name%%\**}
		ref_sect=${ref##*(}
		ref_sect=${ref_sect%)}
		[ -f "$src/$ref_name.$ref_sect.scd" ] || echo "$ref: no $src/$ref_name.$ref_sect.scd"
	done >"$tmp/d"
	check_empty "$base.scd: every *vgic-replay...*(N) reference is a page" "$tmp/d"
	if awk '/^# SEE ALSO$/ { on = 1; next } /^# / { on = 0 } on' "$scd" |
		grep -q '\*vgic-replay[a-z0-9-]*\*([0-9])'; then
		ok "$base.scd: SEE ALSO names vgic-replay pages"
	else
		not_ok "$base.scd: SEE ALSO names vgic-replay pages"
	fi
	# Its built page.
	if [ ! -f "$out/$base" ]; then
		not_ok "$base: built page $out/$base exists"
	elif [ -n "$(find "$scd" -newer "$out/$base")" ]; then
		not_ok "$base: built page $out/$base is older than $base.scd (make man)"
	else
		ok "$base: built page $out/$base is up to date"
	fi
done

# Every built page, with groff's warnings on (and with tbl, where the page
# has tables, so that their warnings show too).
for page in "$out"/*; do
	[ -f "$page" ] || continue
	base=${page##*/}
	[ -f "$src/$base.scd" ] || {
		not_ok "$base: built page has a source $src/$base.scd"
		continue
	}
	groff -man -ww -z "$page" >"$tmp/d" 2>&1
	if grep -q '^\.TS' "$page" && command -v tbl >/dev/null 2>&1; then
		groff -t -man -ww -z "$page" >>"$tmp/d" 2>&1
	fi
	check_empty "$base: groff -man -ww -z prints nothing" "$tmp/d"
done

echo "# ${0##*/}: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
