#!/bin/sh
# Importing the real sample traces: info agrees with grep -c on the input.
. "$(dirname "$0")/lib.sh"

for k in 6.12 7.2; do
	in="$DATA/samples/linux-$k-gicv3-1vcpu-spi-burst.trace"
	db="$TMP/$k.db"
	expect_ok "import $k sample" $VR import "$in" -o "$db"
	expect_ok "info $k" $VR info "$db"
	cp "$TMP/out" "$TMP/info-$k"
	for ev in vgic_update_irq_pending kvm_irq_line kvm_entry kvm_exit kvm_vcpu_wakeup \
		kvm_wfx_arm64 kvm_timer_update_irq; do
		want=$(grep -c ": $ev: " "$in")
		got=$(awk -v ev="$ev" '$1 == ev || $3 == ev { print $NF }' "$TMP/info-$k" | head -1)
		expect_eq "$k: info count of $ev equals grep -c" "$got" "$want"
	done
	want=$(grep -c ': flush: ' "$in")
	got=$(awk '$1 == "vgic_flush" || $3 == "vgic_flush" { print $NF }' "$TMP/info-$k")
	expect_eq "$k: flush snapshots equal grep -c" "$got" "$want"
	want=$(grep -vc '^#' "$in")
	got=$($VR sql --csv --no-header "$db" "SELECT events_total FROM trace_info")
	expect_eq "$k: every non-comment line became an event" "$got" "$want"
	got=$($VR sql --csv --no-header "$db" "SELECT count(*) FROM lrs_v WHERE phase = 'sync' AND in_use AND state = 'invalid'")
	checks=$((checks + 1))
	if [ "$got" -gt 0 ]; then echo "ok - $k: some LRs came back invalid (guest EOIed them)"; else echo "not ok - $k: no LR came back invalid"; failures=$((failures + 1)); fi
done
grep -q 'kernel     <=6.18' "$TMP/info-6.12"; expect_eq "6.12 inferred as <=6.18" $? 0
grep -q 'kernel     >=6.19' "$TMP/info-7.2"; expect_eq "7.2 inferred as >=6.19" $? 0

# sql: table and CSV output, errors.
expect_ok "sql table" $VR sql "$TMP/7.2.db" "SELECT kind, name FROM event_kinds WHERE kind < 3"
expect_eq "sql table header" "$(head -1 "$TMP/out" | tr -s ' ')" "kind name"
expect_ok "sql csv" $VR sql --csv "$TMP/7.2.db" "SELECT 1 AS a, 'x,y' AS b"
expect_eq "sql csv quoting" "$(tail -1 "$TMP/out")" '1,"x,y"'
expect_fail "sql syntax error" 1 "SQL error at offset" $VR sql "$TMP/7.2.db" "SELEKT 1"
expect_fail "sql is read-only" 1 "only reading is allowed" $VR sql "$TMP/7.2.db" "DELETE FROM events"
finish
