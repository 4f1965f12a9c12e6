#!/bin/sh
# The clocks of one run (issue 23 item 4): `import --align RECORDING` puts
# an ftrace capture on the recording's clock. The corpus's Linux-guest blk
# run has a recording and an ftrace capture of the same window, taken
# before recordings measured the clock offset; its recording is given the
# offset (tracefs = recording + 157.650 ms, found by matching the events)
# as the recorder writes it, then: the capture's times land on the
# recording's, the events both have move it by what is left (a few us)
# and after that their median difference is under a microsecond; an
# offset planted 50 us wrong is corrected by -50 us (the matching looks
# 200 us around each event: it corrects a measurement, it cannot find an
# offset alone); a recording without offsets is refused, and so is a
# missing one.
. "$(dirname "$0")/lib.sh"

run=$DATA/lab/linux-6.12-gicv3-vhe-linux-blk-2vcpu
xz -dc "$run/record.db.xz" > "$TMP/rec.db"
cp "$TMP/rec.db" "$TMP/plain.db"
plant() { # plant OFFSET_NS: the recorder's clock text, measured at 34 s and 47 s
	sqlite3 "$TMP/rec.db" "UPDATE trace_info SET clock = 'CLOCK_MONOTONIC (bpf_ktime_get_ns); tracefs trace_clock local: offset_ns $1+-4000@34000000000 $1+-4000@47000000000'"
}
plant 157650000
$VR import -f --align "$TMP/rec.db" "$run/trace.txt.xz" -o "$TMP/al.db" > "$TMP/out" 2>&1
expect_eq "import --align succeeds" $? 0
grep -q "on the clock of $TMP/rec.db: tracefs local clock offset +157.650000 ms (+-4.0 us) at its start" \
	"$TMP/out"
expect_eq "and says which offset it applied" $? 0
more=$(sqlite3 "$TMP/al.db" "SELECT clock FROM trace_info" | sed -n 's/.*moved by \(-*[0-9]*\) ns more.*/\1/p')
[ -n "$more" ] && [ "${more#-}" -lt 20000 ] && [ "${more#-}" -gt 1000 ]
expect_eq "the events both have moved it by a few us more ($more ns)" $? 0
# The first and last times now lie within the recording's.
inside=$(sqlite3 "$TMP/al.db" "ATTACH '$TMP/rec.db' AS r;
	SELECT (SELECT min(ts_ns) FROM main.events) >= (SELECT min(ts_ns) FROM r.events)
	   AND (SELECT max(ts_ns) FROM main.events) <= (SELECT max(ts_ns) FROM r.events)")
expect_eq "the capture's window lies inside the recording's" "$inside" 1
mkdir -p "$TMP/run" && cp "$TMP/rec.db" "$TMP/run/record.db" && cp "$run/trace.txt.xz" "$TMP/run/"
"$(dirname "$0")/../lab/clock-align.sh" "$TMP/run" "${VR_FAST:-$VR}" "$TMP/w" > "$TMP/align" 2>&1
expect_eq "clock-align.sh: the median of the matched events under a microsecond" $? 0
grep -q 'clock-align: [0-9]* events matched; aligned ftrace - recording: median -*[0-9]\{1,3\} ns' "$TMP/align"
expect_eq "and it says so" $? 0

# An offset 50 us wrong (ten times the error the lab's measurements give):
# the events correct it, by -50 us give or take the probes' few us.
plant 157700000
$VR import -q -f --align "$TMP/rec.db" "$run/trace.txt.xz" -o "$TMP/al2.db"
more=$(sqlite3 "$TMP/al2.db" "SELECT clock FROM trace_info" | sed -n 's/.*moved by \(-*[0-9]*\) ns more.*/\1/p')
[ "$more" -lt -40000 ] && [ "$more" -gt -50000 ]
expect_eq "an offset 50 us too large is moved back by about 50 us ($more ns)" $? 0
expect_eq "and both imports agree on every event's time, to the microsecond ftrace prints" \
	"$(sqlite3 "$TMP/al.db" "ATTACH '$TMP/al2.db' AS b; SELECT count(*) FROM main.events a JOIN b.events c ON c.id = a.id WHERE abs(c.ts_ns - a.ts_ns) > 1000")" 0

# Refusals.
$VR import -q -f --align "$TMP/plain.db" "$run/trace.txt.xz" -o "$TMP/x.db" 2> "$TMP/err"
expect_eq "a recording without offsets is refused (exit 1)" $? 1
expect_eq "with one line saying why" "$(cat "$TMP/err")" \
	"vgic-replay: import: --align: $TMP/plain.db: its clock (CLOCK_MONOTONIC (bpf_ktime_get_ns)) holds no tracefs clock offset (a recording by vgic-replay record's BPF backend has one)"
test -e "$TMP/x.db"; expect_eq "and nothing is written" $? 1
$VR import -q -f --align "$TMP/none.db" "$run/trace.txt.xz" -o "$TMP/x.db" 2> /dev/null
expect_eq "a missing recording is refused (exit 1)" $? 1
$VR import -q -f --align 2> /dev/null
expect_eq "--align without its argument is a usage error (exit 2)" $? 2
finish
