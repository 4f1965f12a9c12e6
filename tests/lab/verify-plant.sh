#!/bin/sh
# A planted miss (issue 23): a lab run recorded with the test knob
# VR_TEST_PLANT_MISS=3 (init.sh vr.record=plant). The collector attached
# kp_plant to bpf_percpu_array_update() and updated its map three times
# from user space once 1000 records were in; each update holds
# bpf_prog_active, so the kernel skipped the program: three recursion
# misses, counted by the kernel as a nested kprobe's are. Holds the run to:
# the knob said so on stderr; the summary line counts 3 recursion misses
# and names kp_plant; the recording has a gap of those 3 events on no
# known CPU over the interval they fell in, inside the recording; check
# reports that gap as TRACE_GAP (info: interrupts in flight are unknown
# there) and nothing else, exit 0; and the recording still holds ftrace's
# events kind by kind (verify.sh: the planted misses lost no real event).
# Usage: tests/lab/verify-plant.sh RUN_DIR VGIC_REPLAY
set -eu
run=$1
vr=$2
work=$run/verify
mkdir -p "$work"
fail() { echo "verify-plant $run: $*" >&2; exit 1; }
log=$run/record.log
[ -f "$log" ] || fail "no record.log"
grep -q "VR_TEST_PLANT_MISS=3 (a test's knob)" "$log" || fail "the knob did not announce itself"
grep -q "VR_TEST_PLANT_MISS: 3 updates of plant made" "$log" || fail "the misses were not planted: $(grep PLANT "$log" | tr '\n' ' ')"
grep -q "(3 of them recursion misses)" "$log" || fail "the summary does not count 3 recursion misses: $(grep 'dropped' "$log")"
grep -q "record: kp_plant missed 3 events (recursion misses): stored as gaps" "$log" ||
	fail "the summary does not name kp_plant: $(grep missed "$log" | tr '\n' ' ')"
rec=$run/record.db
[ -f "$rec" ] || { xz -dc "$rec.xz" > "$work/record.db"; rec=$work/record.db; }
gap=$("$vr" sql --csv --no-header "$rec" "SELECT cpu || ' ' || lost || ' ' ||
	(start_ts_ns > (SELECT min(ts_ns) FROM events)) || ' ' || (end_ts_ns < (SELECT max(ts_ns) FROM events))
	FROM gaps")
[ "$gap" = "-1 3 1 1" ] || fail "the recording's gaps are not one of 3 events inside it on no CPU: $gap"
set +e
"$vr" check --no-store --json "$rec" > "$work/check-plant.json"
rc=$?
set -e
[ $rc = 0 ] || fail "check exited $rc"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
kinds=$(jget "$work/check-plant.json" '" ".join(f["kind"] + ":" + f["severity"] for f in d["findings"])')
[ "$kinds" = "TRACE_GAP:info" ] || fail "check's findings are not one TRACE_GAP: $kinds"
jget "$work/check-plant.json" 'd["findings"][0]["explanation"]' | grep -q "recursion misses" ||
	fail "the gap's explanation does not say recursion misses"
VERIFY_CHECK=0 tests/lab/verify.sh "$run" "$vr" > /dev/null
echo "verify-plant $run: ok (3 planted misses: one gap of 3 events, check exit 0 with TRACE_GAP only; kinds equal ftrace's)"
