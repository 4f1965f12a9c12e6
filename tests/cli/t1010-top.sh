#!/bin/sh
# `top` in batch mode on corpus recordings: its intervals add up to what
# check counts of the same trace (acknowledgements and injections of the
# accounting, findings per kind) and to the trace's own events (guest
# exits, trapped DIRs, events), replayed as a trace and played through the
# live path (--from-trace); -n, -s and rates; one-line refusals.
. "$(dirname "$0")/lib.sh"

expect_ok "top --help" $VR top --help
grep -q -- '--iterations' "$TMP/out"; expect_eq "top --help names --iterations" $? 0
expect_ok "top --keys" $VR top --keys
expect_eq "top --keys: the key table and a sort key per column" "$(grep -c '^| `' "$TMP/out")" 18
expect_fail "top: --delay 0 refused" 2 "top: --delay '0' is not a number of seconds above 0" $VR top -b -d 0 "$TMP/x.db"
expect_fail "top: an unknown --sort column" 2 "top: --sort 'zz' is not a column" $VR top -s zz
expect_fail "top: --pid is for the live view" 2 "top: --pid, --vcpu and --gic are for the live view" \
	$VR top --pid 1 "$TMP/x.db"
expect_fail "top on a missing file" 2 'no such file' $VR top -b "$TMP/missing.db"
expect_fail "top: two traces" 2 "top: more than one TRACE given" $VR top -b a.db b.db

# sum_col FILE TITLE: the sum of a column of every interval's table
sum_col() {
	awk -v t="$2" '/^ *VM +VCPU/ {c = 0; for (i = 1; i <= NF; i++) if ($i == t) c = i; next}
		/^$/ {c = 0} c && NF > 5 {s += $c} END {print s + 0}' "$1"
}
# last_col FILE TITLE: a column's sum over the rows of the last interval's table
last_col() {
	awk -v t="$2" '/^ *VM +VCPU/ {c = 0; s = 0; for (i = 1; i <= NF; i++) if ($i == t) c = i; next}
		/^$/ {c = 0} c && NF > 5 {s += $c} END {print s + 0}' "$1"
}
# check_sum FILE FIELD: the sum of an accounting field in check --json
check_sum() {
	grep -o "\"$2\": [0-9]*" "$1" | awk '{s += $2} END {print s + 0}'
}

# top_matches_check NAME TRACE [PROFILE [live]]: the intervals add up to check's numbers;
# live: the trace played through the live view's path (--from-trace: the watcher's checks)
top_matches_check() {
	name=$1 db=$2 p=${3:+--profile $3}
	# shellcheck disable=SC2086 # $p is an option and its value, or nothing
	$VR check --json $p "$db" > "$TMP/check.json" 2>/dev/null
	if [ "${4:-}" = live ]; then
		expect_ok "$name: top -b -c -d 0.05 --from-trace" $VR top -b -c -d 0.05 --from-trace "$db"
	else
		# shellcheck disable=SC2086
		expect_ok "$name: top -b -c -d 0.05" $VR top -b -c -d 0.05 $p "$db"
	fi
	cp "$TMP/out" "$TMP/top.out"
	expect_eq "$name: the guest acknowledged interrupts" "$([ "$(sum_col "$TMP/top.out" ACK)" -gt 0 ]; echo $?)" 0
	expect_eq "$name: acknowledgements over the intervals are check's" \
		"$(sum_col "$TMP/top.out" ACK)" "$(check_sum "$TMP/check.json" acked)"
	expect_eq "$name: injections over the intervals are check's" \
		"$(sum_col "$TMP/top.out" INJ)" "$(check_sum "$TMP/check.json" injected)"
	expect_eq "$name: guest exits over the intervals are the trace's kvm_exit events" \
		"$(sum_col "$TMP/top.out" EXIT)" \
		"$($VR sql --csv "$db" "SELECT count(*) FROM events_v WHERE event = 'kvm_exit'" | tail -1)"
	expect_eq "$name: trapped DIRs over the intervals are the trace's vgic_deactivate events" \
		"$(sum_col "$TMP/top.out" DIR)" \
		"$($VR sql --csv "$db" "SELECT count(*) FROM events_v WHERE event = 'vgic_deactivate'" | tail -1)"
	expect_eq "$name: the events of the last interval's total are the trace's" \
		"$(sed -n 's/^events [0-9]* (\([0-9]*\) total).*/\1/p' "$TMP/top.out" | tail -1)" \
		"$(sed -n 's/.*"events": \([0-9]*\),.*/\1/p' "$TMP/check.json")"
	for kind in $(grep -o '"kind": "[A-Z_]*"' "$TMP/check.json" | sort -u | sed 's/.*"\([A-Z_]*\)"/\1/'); do
		expect_eq "$name: $kind findings so far at the end are check's" \
			"$(tail -n 30 "$TMP/top.out" | grep '^findings so far' | tail -1 | sed -n "s/.* $kind \([0-9]*\).*/\1/p")" \
			"$(grep -c "\"kind\": \"$kind\"" "$TMP/check.json")"
	done
	expect_eq "$name: the findings column at the end adds up to check's findings with a vCPU" \
		"$(last_col "$TMP/top.out" FIND)" \
		"$(grep -c '"kind": "[A-Z_]*", "severity": "[a-z]*", "ts_ns": [0-9]*, "cpu": -*[0-9]*, "vcpu": [0-9]' "$TMP/check.json")"
}

xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-seed-trigger/record.db.xz" > "$TMP/seed.db"
top_matches_check "seed-trigger under linux-6.19" "$TMP/seed.db" linux-6.19
xz -dc "$DATA/lab-findings/linux-7.2-gicv3-vhe-eoimode1-remote-race-2vcpu/record.db.xz" > "$TMP/race.db"
top_matches_check "remote-DIR race, 2 vCPUs" "$TMP/race.db"
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-sgi-4vcpu/record.db.xz" > "$TMP/sgi4.db"
top_matches_check "SGIs between 4 vCPUs" "$TMP/sgi4.db"
xz -dc "$DATA/lab/linux-6.12-gicv2-vhe-linux-ipi-2vcpu/record.db.xz" > "$TMP/v2.db"
top_matches_check "GICv2, a Linux guest's IPIs" "$TMP/v2.db"

# The live path (top --from-trace): the records checked as they arrive by the
# watcher (record --watch's checks, check's code) add up to check's numbers
# too, on clean runs and on runs with findings (lost interrupts on 7.2, and
# the buggy kernel's, which the live diagnosis reports as linux-6.19's).
top_matches_check "live: remote-DIR race, 2 vCPUs" "$TMP/race.db" "" live
expect_eq "live: the header says the checks skipped nothing" \
	"$(grep -c '^note: checks behind: 0 records skipped$' "$TMP/top.out" | awk '{print ($1 > 0)}')" 1
top_matches_check "live: SGIs between 4 vCPUs" "$TMP/sgi4.db" "" live
top_matches_check "live: GICv2, a Linux guest's IPIs (its first SGIs after the learning)" \
	"$TMP/v2.db" "" live
xz -dc "$DATA/lab/linux-7.2-gicv2-vhe-sgi-2vcpu/record.db.xz" > "$TMP/sgi2v2.db"
top_matches_check "live: GICv2, SGIs between 2 vCPUs" "$TMP/sgi2v2.db" "" live
LF=$DATA/lab-findings
xz -dc "$LF/linux-7.2-gicv3-nvhe-eoimode1-remote-race-2vcpu-run2/record.db.xz" > "$TMP/race2.db"
top_matches_check "live: remote-DIR race, nVHE" "$TMP/race2.db" "" live
xz -dc "$LF/linux-7.2-gicv2-nvhe-eoimode1-remote-2vcpu/record.db.xz" > "$TMP/remote2.db"
top_matches_check "live: remote DIRs on GICv2" "$TMP/remote2.db" "" live
xz -dc "$DATA/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger/record.db.xz" > "$TMP/buggy.db"
top_matches_check "live: the buggy kernel's seed-trigger" "$TMP/buggy.db" "" live
expect_eq "live: the buggy kernel's findings are linux-6.19's, as check's diagnosis says" \
	"$(grep '^findings so far' "$TMP/top.out" | tail -1 | cut -d: -f1)" "findings so far (linux-6.19)"
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/record.db.xz" > "$TMP/burst.db"
top_matches_check "live: an SPI burst" "$TMP/burst.db" "" live
xz -dc "$DATA/lab/linux-6.12-gicv3-vhe-linux-affinity-2vcpu/record.db.xz" > "$TMP/affinity.db"
top_matches_check "live: a Linux guest, SPIs first seen after the learning" "$TMP/affinity.db" "" live
expect_fail "top: --from-trace and a TRACE" 2 "top: --from-trace plays its TRACE as live" \
	$VR top -b --from-trace "$TMP/race.db" "$TMP/race.db"
expect_fail "top: --from-trace with --pid" 2 "not --from-trace" \
	$VR top -b --pid 1 --from-trace "$TMP/race.db"
expect_fail "top --from-trace of a missing file" 2 'no such file' \
	$VR top -b --from-trace "$TMP/missing.db"

# The remote-DIR race: the guest's DIRs trap, and its exits show EOIcounts.
$VR top -b -c -d 100 "$TMP/race.db" > "$TMP/one.out"
expect_eq "one interval of 100 s holds the whole race trace" "$(grep -c '^vgic-replay top' "$TMP/one.out")" 1
expect_eq "its findings line names check's STUCK_ACTIVE findings" \
	"$(grep -c '^findings so far (linux-7.0): 2  STUCK_ACTIVE 2$' "$TMP/one.out")" 1

# -n stops after N intervals; -s a sorts on the acknowledgements, the most first.
expect_ok "top -n 3" $VR top -b -c -d 0.01 -n 3 "$TMP/sgi4.db"
expect_eq "-n 3 prints three intervals" "$(grep -c '^vgic-replay top' "$TMP/out")" 3
$VR top -b -c -d 100 -s a "$TMP/sgi4.db" > "$TMP/sorted.out"
awk '/^ *VM +VCPU/ {on = 1; next} on && NF > 5 {print $4}' "$TMP/sorted.out" > "$TMP/acks"
expect_eq "-s a: rows by acknowledgements, the most first" "$(sort -rn "$TMP/acks" | tr '\n' ' ')" \
	"$(tr '\n' ' ' < "$TMP/acks")"
$VR top -b -c -d 100 -s a -r "$TMP/sgi4.db" > "$TMP/sorted.out"
awk '/^ *VM +VCPU/ {on = 1; next} on && NF > 5 {print $4}' "$TMP/sorted.out" > "$TMP/acks"
expect_eq "-s a -r: the fewest first" "$(sort -n "$TMP/acks" | tr '\n' ' ')" "$(tr '\n' ' ' < "$TMP/acks")"
# Rates: an interval of 0.5 s shows twice its counts per second.
$VR top -b -c -d 0.5 -n 1 "$TMP/race.db" | awk '/^ *VM +VCPU/ {on = 1; next} on && NF > 5 {print $5}' > "$TMP/counts"
$VR top -b -d 0.5 -n 1 "$TMP/race.db" | awk '/^ *VM +VCPU/ {on = 1; next} on && NF > 5 {print $5}' > "$TMP/rates"
expect_eq "rates are the counts per second of the interval" \
	"$(awk '{printf "%s ", $1 * 2}' "$TMP/counts")" "$(awk '{printf "%s ", $1 + 0}' "$TMP/rates")"
finish
