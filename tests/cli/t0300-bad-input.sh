#!/bin/sh
# Bad input: a one-line error naming the file (and position), a non-zero
# exit, and nothing lost or damaged.
. "$(dirname "$0")/lib.sh"

in="$DATA/samples/linux-6.12-gicv3-1vcpu-spi-burst.trace"
printf 'hello\nworld\n' > "$TMP/garbage.txt"
expect_fail "garbage text" 1 "garbage.txt:1: no kvm events recognised" $VR import "$TMP/garbage.txt" -o "$TMP/g.db"
test ! -e "$TMP/g.db"; expect_eq "no output after a failed import" $? 0
head -c 3000 /dev/urandom > "$TMP/random.bin"
expect_fail "binary garbage" 1 "random.bin:[0-9]+: " $VR import "$TMP/random.bin" -o "$TMP/r.db"
expect_fail "missing input" 1 "nope.trace: No such file" $VR import "$TMP/nope.trace" -o "$TMP/n.db"
expect_fail "directory input" 1 "is a directory" $VR import "$TMP" -o "$TMP/d.db"

$VR import -q "$in" -o "$TMP/ok.db"
sum=$(md5sum < "$TMP/ok.db")
expect_fail "existing output without --force" 1 "ok.db: already exists \\(use --force" $VR import "$in" -o "$TMP/ok.db"
expect_fail "failed --force import keeps the old file" 1 "garbage.txt:1:" $VR import --force "$TMP/garbage.txt" -o "$TMP/ok.db"
expect_eq "old output untouched" "$(md5sum < "$TMP/ok.db")" "$sum"
expect_fail "input is the output" 1 "is an SQLite database|is the input file" $VR import --force "$TMP/ok.db" -o "$TMP/ok.db"
expect_eq "output still untouched" "$(md5sum < "$TMP/ok.db")" "$sum"
expect_fail "import of an SQLite file" 1 "is an SQLite database, not a trace" $VR import "$TMP/ok.db" -o "$TMP/x.db"
ls -a "$TMP" | grep -q '\.tmp-'; expect_eq "no temporary files left" $? 1

# Databases that are not ours, broken or too new.
# Text is a capture (tests/cli/t0350-captures.sh): info imports it, and
# says why not when it is no trace; SQLite's magic over garbage is a
# database that cannot be read.
expect_fail "info on text that is no trace" 1 "garbage.txt:1: no kvm events recognised" $VR info "$TMP/garbage.txt"
{ printf 'SQLite format 3\000'; head -c 200 /dev/zero | tr '\0' x; } > "$TMP/fake.db"
expect_fail "info on SQLite's magic over garbage" 1 "fake.db: not a readable SQLite database" $VR info "$TMP/fake.db"
sqlite3 "$TMP/foreign.db" "CREATE TABLE t(x)"
expect_fail "info on a foreign SQLite file" 1 "foreign.db: an SQLite database, but not a vgic-replay trace" $VR info "$TMP/foreign.db"
cp "$TMP/ok.db" "$TMP/newer.db"; sqlite3 "$TMP/newer.db" "PRAGMA user_version = 42"
expect_fail "info on a newer format" 1 "newer.db: trace format 42 is newer" $VR info "$TMP/newer.db"
head -c 8192 "$TMP/ok.db" > "$TMP/cut.db"
expect_fail "sql on a truncated database" 1 "cut.db" $VR sql "$TMP/cut.db" "SELECT count(*) FROM events"
expect_fail "info on a missing file" 1 "missing.db: no such file" $VR info "$TMP/missing.db"

# Garbage lines inside a real trace are counted with their line numbers.
{ head -n 30 "$in"; echo "garbage in the middle"; tail -n +31 "$in"; } > "$TMP/mixed.trace"
expect_ok "import with one garbage line" $VR import "$TMP/mixed.trace" -o "$TMP/mixed.db"
expect_eq "garbage line counted at its line number" \
	"$($VR sql --csv --no-header "$TMP/mixed.db" "SELECT src_pos || ' ' || problem FROM import_problems")" "31 unparsed"
expect_eq "the other lines still imported" \
	"$($VR sql --csv --no-header "$TMP/mixed.db" "SELECT events_total FROM trace_info")" "$(grep -vc '^#' "$in")"
# One byte of a real trace.dat's event formats changed (found by
# fuzz_tracedat): libtraceevent 1.7 crashes parsing it; import must not.
cp "$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.dat" "$TMP/crash.dat"
printf '(' | dd of="$TMP/crash.dat" bs=1 seek=82420 conv=notrunc 2>/dev/null
expect_fail "trace.dat whose headers crash libtraceevent" 1 \
	"crash.dat: not a readable trace.dat \\(corrupt headers" $VR import "$TMP/crash.dat" -o "$TMP/crash.db"
expect_eq "no output left after it" "$(ls "$TMP"/crash.db* 2>/dev/null)" ""
# A compressed capture cut short (issue 17 case 6): the decompressor's
# failure is the import's, in one line, and no trace is left behind.
full="$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.txt.xz"
xz -dc "$full" > "$TMP/whole.txt"
xz -c "$TMP/whole.txt" > "$TMP/whole.xz"; gzip -c "$TMP/whole.txt" > "$TMP/whole.gz"
zstd -q -c "$TMP/whole.txt" > "$TMP/whole.zst"
for z in xz gz zst; do
	head -c $(($(wc -c < "$TMP/whole.$z") / 2)) "$TMP/whole.$z" > "$TMP/cut.txt.$z"
	expect_fail "a .$z cut in half is refused" 1 "cut.txt.$z: the compressed data is damaged or cut short" \
		$VR import "$TMP/cut.txt.$z" -o "$TMP/cut-$z.db"
	test ! -e "$TMP/cut-$z.db"; expect_eq "no trace from the cut .$z" $? 0
	expect_ok "the whole .$z imports" $VR import -q "$TMP/whole.$z" -o "$TMP/whole-$z.db"
done
finish
