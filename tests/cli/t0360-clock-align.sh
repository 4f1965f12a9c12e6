#!/bin/sh
# The clocks of one run (issue 23 item 4): `import --align RECORDING` puts
# an ftrace capture on the recording's clock. The corpus's Linux-guest blk
# run has a recording and an ftrace capture of the same window; its
# recording's measured offset (tracefs = recording + OFFSET, at two times)
# is planted again as one value at both times, then: the capture's times
# land on the recording's, the events both have move it by what is left
# (a few us) and after that their median difference is under a
# microsecond; an offset planted 50 us wrong is corrected by -50 us (the
# matching looks 200 us around each event: it corrects a measurement, it
# cannot find an offset alone); a recording without offsets is refused,
# and so is a missing one.
. "$(dirname "$0")/lib.sh"

run=$DATA/lab/linux-6.12-gicv3-vhe-linux-blk-2vcpu
xz -dc "$run/record.db.xz" > "$TMP/rec.db"
measured=$(sqlite3 "$TMP/rec.db" "SELECT clock FROM trace_info")
# offset_ns A+-E@T1 B+-E@T2: the offset at the start, and the two times
set -- $(echo "$measured" | sed -n 's/.*offset_ns \([0-9]*\)+-[0-9]*@\([0-9]*\) [0-9]*+-[0-9]*@\([0-9]*\).*/\1 \2 \3/p')
offset=$1 at_start=$2 at_stop=$3
[ -n "$offset" ] && [ -n "$at_stop" ]
expect_eq "the recording holds its measured offset ($measured)" $? 0
cp "$TMP/rec.db" "$TMP/plain.db"
sqlite3 "$TMP/plain.db" "UPDATE trace_info SET clock = 'CLOCK_MONOTONIC (bpf_ktime_get_ns)'"
plant() { # plant OFFSET_NS: the recorder's clock text, at the times it measured
	sqlite3 "$TMP/rec.db" "UPDATE trace_info SET clock = 'CLOCK_MONOTONIC (bpf_ktime_get_ns); tracefs trace_clock local: offset_ns $1+-4000@$at_start $1+-4000@$at_stop'"
}
plant "$offset"
$VR import -f --align "$TMP/rec.db" "$run/trace.txt.xz" -o "$TMP/al.db" > "$TMP/out" 2>&1
expect_eq "import --align succeeds" $? 0
grep -q "on the clock of $TMP/rec.db: tracefs local clock offset +$(awk -v o="$offset" 'BEGIN { printf "%.6f", o / 1e6 }') ms (+-4.0 us) at its start" \
	"$TMP/out"
expect_eq "and says which offset it applied" $? 0
first_more=$(sqlite3 "$TMP/al.db" "SELECT clock FROM trace_info" | sed -n 's/.*moved by \(-*[0-9]*\) ns more.*/\1/p')
more=$first_more
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
# the events correct it by 50 us more than they moved the right one, give
# or take a microsecond.
plant $((offset + 50000))
$VR import -q -f --align "$TMP/rec.db" "$run/trace.txt.xz" -o "$TMP/al2.db"
more=$(sqlite3 "$TMP/al2.db" "SELECT clock FROM trace_info" | sed -n 's/.*moved by \(-*[0-9]*\) ns more.*/\1/p')
[ $((more - first_more)) -lt -49000 ] && [ $((more - first_more)) -gt -51000 ]
expect_eq "an offset 50 us too large is moved back by 50 us more ($more ns against $first_more)" $? 0
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
