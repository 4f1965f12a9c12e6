#!/bin/sh
# Captures read directly (issue 20 item 4): every command that reads a
# trace takes a capture too, through an import cached beside it (or a
# temporary file), and compressed captures are decompressed in process,
# without the xz, gzip or zstd programs.
. "$(dirname "$0")/lib.sh"

run=$DATA/lab/linux-7.2-gicv3-vhe-seed-trigger
mkdir "$TMP/cap"
cp "$run/trace.txt.xz" "$TMP/cap/seed.trace.xz"
cap=$TMP/cap/seed.trace.xz
cache=$TMP/cap/.seed.trace.xz.vgic-replay.db
$VR import -q "$cap" -o "$TMP/seed.db"

# The same answers as import + check, with findings (-p linux-6.19).
$VR check -p linux-6.19 "$TMP/seed.db" > "$TMP/want-check" 2> /dev/null
[ "$(grep -c '^MIS_DEACTIVATION' "$TMP/want-check")" -gt 0 ]; expect_eq "import + check finds the seed bug" $? 0
$VR check -p linux-6.19 "$cap" > "$TMP/got-check" 2> "$TMP/err1"
expect_eq "check CAPTURE.xz prints what import + check prints" "$(cmp "$TMP/want-check" "$TMP/got-check" && echo same)" same
expect_eq "the first run imports into the cache beside it, and says so" \
	"$(cat "$TMP/err1")" "vgic-replay: imported $cap into $cache (used again while $cap is unchanged)"
test -f "$cache"; expect_eq "the cache is .NAME.vgic-replay.db" $? 0
expect_eq "the cache holds the TUI's summaries, as an import does" \
	"$($VR sql --csv --no-header "$cache" "SELECT count(*), sum(run_ns) FROM tui_summary")" \
	"$($VR sql --csv --no-header "$TMP/seed.db" "SELECT count(*), sum(run_ns) FROM tui_summary")"
$VR check -p linux-6.19 "$cap" > "$TMP/got-check2" 2> "$TMP/err2"
expect_eq "the second run reuses the cache" "$(cat "$TMP/err2")" "vgic-replay: using cached import $cache of $cap"
expect_eq "with the same output" "$(cmp "$TMP/want-check" "$TMP/got-check2" && echo same)" same
for cmd in report predict info; do
	# Each names what it was given; info's source is the capture in both.
	$VR $cmd "$TMP/seed.db" 2> /dev/null | sed "s|^$TMP/seed.db|TRACE|" > "$TMP/want-$cmd"
	$VR $cmd "$cap" 2> /dev/null | sed "s|^$cap|TRACE|" > "$TMP/got-$cmd"
	expect_eq "$cmd CAPTURE.xz prints what it prints of the imported trace" \
		"$(cmp "$TMP/want-$cmd" "$TMP/got-$cmd" && echo same)" same
done
q="SELECT count(*) FROM events"
expect_eq "sql CAPTURE.xz reads the events" "$($VR sql --csv --no-header "$cap" "$q" 2> /dev/null)" \
	"$($VR sql --csv --no-header "$TMP/seed.db" "$q")"
$VR sql "$cap" "DELETE FROM events" > /dev/null 2> "$TMP/err-sql"
expect_eq "sql on a capture is read-only (exit 1)" $? 1
expect_eq "and says so after the note on the cache" "$(cat "$TMP/err-sql")" \
	"vgic-replay: using cached import $cache of $cap
vgic-replay: $cap: only reading is allowed: not authorized"
expect_eq "the cache keeps every event" "$($VR sql --csv --no-header "$cache" "$q")" \
	"$($VR sql --csv --no-header "$TMP/seed.db" "$q")"
expect_fail "check --store on a capture is refused" 2 \
	"seed.trace.xz: --store writes into a trace database, and this is a capture" $VR check --store "$cap"

# A changed capture (a new mtime) is imported again.
touch -d '2001-01-01' "$cap"
$VR info "$cap" > /dev/null 2> "$TMP/err3"
grep -q "^vgic-replay: imported $cap into $cache" "$TMP/err3"; expect_eq "a changed capture is imported again" $? 0

# A directory the user cannot write: a temporary file in $TMPDIR, removed
# at exit; nothing is left in either directory.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	mkdir "$TMP/ro" "$TMP/tmpdir"
	cp "$run/trace.txt.xz" "$TMP/ro/seed.trace.xz"
	chmod 755 "$TMP" "$TMP/ro"
	chmod 644 "$TMP/ro/seed.trace.xz"
	chmod 1777 "$TMP/tmpdir"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$TMP/tmpdir" "$@"; }
	as_nobody $VR check -p linux-6.19 "$TMP/ro/seed.trace.xz" > "$TMP/got-ro" 2> "$TMP/err-ro"
	expect_eq "another user checks a capture in a directory they cannot write" \
		"$(cmp "$TMP/want-check" "$TMP/got-ro" && echo same)" same
	grep -q "importing $TMP/ro/seed.trace.xz into a temporary file" "$TMP/err-ro"
	expect_eq "and is told it goes through a temporary file" $? 0
	expect_eq "nothing is left beside the capture or in TMPDIR" \
		"$(ls -A "$TMP/ro" "$TMP/tmpdir" | tr '\n' ' ')" "$TMP/ro: seed.trace.xz  $TMP/tmpdir: "
else
	echo "ok - # skip: not root or no setpriv"
fi

# A command stopped by SIGTERM while it reads a temporary import removes it.
mkdir "$TMP/tmp2"
xz -dc "$cap" | TMPDIR="$TMP/tmp2" $VR sql "-" "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)
	SELECT count(*) FROM r" > /dev/null 2>&1 &
pid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -n "$(ls -A "$TMP/tmp2")" ] && break
	sleep 0.2
done
sleep 0.5
expect_eq "a temporary import is there while the query runs" "$(ls -A "$TMP/tmp2" | grep -c '^vgic-replay-.*\.db$')" 1
kill -TERM $pid 2> /dev/null; expect_eq "the query was still running" $? 0
wait $pid 2> /dev/null
expect_eq "SIGTERM: the temporary import is removed" "$(ls -A "$TMP/tmp2")" ""
# SIGTERM at any moment of an import (parsing, building the indexes, renaming) leaves either
# nothing or the whole trace, never the hidden temporary file: killed at tenths of the time a
# whole import of the corpus's biggest capture takes.
big=$DATA/lab/linux-6.12-gicv3-vhe-linux-blk-2vcpu/trace.txt.xz
mkdir "$TMP/term"
t0=$(date +%s%N); $VR_FAST import -q "$big" -o "$TMP/term/t.db"; t1=$(date +%s%N)
rm -f "$TMP/term/t.db"
left=
for k in 1 2 3 4 5 6 7 8 9; do
	$VR_FAST import -q "$big" -o "$TMP/term/t.db" > /dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v ns=$((t1 - t0)) -v k=$k 'BEGIN { printf "%.3f", ns * k / 10 / 1e9 }')"
	kill -TERM $pid 2> /dev/null
	wait $pid 2> /dev/null
	left="$left$(ls -A "$TMP/term" | grep -v '^t\.db$')"
	rm -f "$TMP/term/t.db"
done
expect_eq "SIGTERM at 9 moments of an import: no temporary file left" "$left" ""

# Standard input, compressed or not.
xz -dc "$cap" | gzip | $VR import -q - -o "$TMP/stdin.db"
expect_eq "xz -dc | gzip | import - : the same events" \
	"$($VR sql --csv --no-header "$TMP/stdin.db" "$q")" "$($VR sql --csv --no-header "$TMP/seed.db" "$q")"
xz -dc "$cap" | gzip | $VR check -p linux-6.19 - > "$TMP/got-stdin" 2> /dev/null
expect_eq "xz -dc | gzip | check - : the same output" "$(cmp "$TMP/want-check" "$TMP/got-stdin" && echo same)" same
xz -dc "$cap" | $VR check -p linux-6.19 - > "$TMP/got-stdin2" 2> /dev/null
expect_eq "plain text on standard input: the same output" "$(cmp "$TMP/want-check" "$TMP/got-stdin2" && echo same)" same
expect_fail "a trace database on standard input says to give its path" 1 \
	"^vgic-replay: -: is an SQLite database, not a trace to import \\(give a trace database by its path\\)$" \
	sh -c "$VR info - < '$TMP/seed.db'"

# trace.dat, plain, compressed and on standard input (a copy in $TMPDIR,
# unlinked at once, for libtracecmd to read by path).
dat=$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.dat
$VR import -q "$dat" -o "$TMP/dat.db"
$VR check "$TMP/dat.db" > "$TMP/want-dat" 2> /dev/null
xz -c "$dat" > "$TMP/cap/burst.dat.xz"
zstd -q -c "$dat" > "$TMP/cap/burst.dat.zst"
mkdir "$TMP/tmp3"
TMPDIR=$TMP/tmp3 $VR check "$TMP/cap/burst.dat.xz" > "$TMP/got-dat" 2> /dev/null
expect_eq "check trace.dat.xz: the same output as import + check" "$(cmp "$TMP/want-dat" "$TMP/got-dat" && echo same)" same
TMPDIR=$TMP/tmp3 $VR check - < "$TMP/cap/burst.dat.zst" > "$TMP/got-dat2" 2> /dev/null
expect_eq "check - < trace.dat.zst: the same output" "$(cmp "$TMP/want-dat" "$TMP/got-dat2" && echo same)" same
expect_eq "no copy of the trace.dat is left in TMPDIR" "$(ls -A "$TMP/tmp3")" ""

# Decompression without the programs: PATH holds none of xz, gzip, zstd.
xz -dc "$cap" > "$TMP/plain.txt"
gzip -c "$TMP/plain.txt" > "$TMP/cap/p.txt.gz"
zstd -q -c "$TMP/plain.txt" > "$TMP/cap/p.txt.zst"
mkdir "$TMP/nobin"
for f in seed.trace.xz p.txt.gz p.txt.zst; do
	PATH=$TMP/nobin $VR import -q "$TMP/cap/$f" -o "$TMP/nobin-$f.db"
	expect_eq "with no decompressor on PATH, $f imports every event" \
		"$($VR sql --csv --no-header "$TMP/nobin-$f.db" "$q")" "$($VR sql --csv --no-header "$TMP/seed.db" "$q")"
done
if command -v strace > /dev/null; then
	strace -f -qq -e trace=execve -o "$TMP/strace" ${VR_FAST:-$VR} check "$TMP/cap/burst.dat.xz" > /dev/null 2>&1
	expect_eq "strace: check of a .xz trace.dat runs no program (one execve: itself)" \
		"$(grep -c 'execve(' "$TMP/strace")" 1
else
	echo "ok - # skip: no strace"
fi

# Damaged captures: one line naming the file and the byte, nothing cached.
head -c 6000 "$cap" > "$TMP/cap/cut.trace.xz"
expect_fail "check of a cut .xz: one line with the byte where it ends" 2 \
	"cut.trace.xz: the compressed data is damaged or cut short \\(at byte 6000 of the xz data" \
	$VR check "$TMP/cap/cut.trace.xz"
head -c 3000 "$TMP/cap/p.txt.zst" > "$TMP/cap/cut.txt.zst"
expect_fail "report of a cut .zst: the decompressor's error" 2 \
	"cut.txt.zst: the compressed data is damaged or cut short \\(at byte 3000 of the zstd data.*unexpected end of input" \
	$VR report "$TMP/cap/cut.txt.zst"
expect_eq "no cache of a capture that did not import" "$(ls -A "$TMP/cap" | grep -c 'cut.*vgic-replay')" 0
{ cat "$TMP/cap/p.txt.gz"; echo trailing; } > "$TMP/cap/trail.txt.gz"
expect_fail "bytes after the last gzip member are refused" 1 "trail.txt.gz: the compressed data is damaged" \
	$VR info "$TMP/cap/trail.txt.gz"
cat "$TMP/cap/p.txt.gz" "$TMP/cap/p.txt.gz" > "$TMP/cap/two.txt.gz"
expect_ok "two gzip members read as one stream (as gzip -dc does)" $VR import -q "$TMP/cap/two.txt.gz" -o "$TMP/two.db"
expect_eq "with the events of both" "$($VR sql --csv --no-header "$TMP/two.db" "$q")" \
	"$(($($VR sql --csv --no-header "$TMP/seed.db" "$q") * 2))"

# The TUI refuses a cut capture in one line, before curses takes the terminal.
expect_fail "tui of a cut .xz: one line" 2 "cut.trace.xz: the compressed data is damaged" $VR tui "$TMP/cap/cut.trace.xz"
finish
