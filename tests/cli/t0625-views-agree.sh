#!/bin/sh
# check, predict, report and the TUI are consumers of the one replay
# driver: on every trace of the corpus (tests/data/lab, lab-findings,
# lab-buggy, samples; the ftrace text and the collector's recording of
# each run) they must give the same findings, agreement counts and
# accounting, run by run. check --json is the reference; the TUI's view
# is what it shows of the run `check --store` kept (build/tests/tl_dump
# --run reads it through ui/tui_run.h, as the TUI does) and its timeline's
# interrupt rows (tl_dump: the injections each row marks, its pending and
# active bars, which the driver's lifecycle tracker gives), predict's the
# flushes it agreed on, report's its findings and per-INTID counts.
# The release build runs the corpus (t0620 does the same for its golden
# comparison); the comparison is tests/cli/compare-views.py.
. "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${TL_DUMP:=$root/build/tests/tl_dump}"
vr=${VR_FAST:-$VR}

# compare NAME DB: the four views of one trace, compared.
compare() {
	cname=$1 db=$2
	"$vr" check --json --store "$db" > "$TMP/check.json" 2> /dev/null
	"$vr" predict "$db" > "$TMP/predict.txt" 2>&1
	"$vr" report --json "$db" > "$TMP/report.json" 2> /dev/null
	"$TL_DUMP" --run "$db" > "$TMP/tui.txt" 2>&1
	"$TL_DUMP" "$db" > "$TMP/timeline.txt" 2>&1
	checks=$((checks + 1))
	if python3 "$root/tests/cli/compare-views.py" "$TMP/check.json" "$TMP/predict.txt" \
		"$TMP/report.json" "$TMP/tui.txt" "$TMP/timeline.txt" > "$TMP/diff" 2>&1; then
		echo "ok - $cname: check, predict, report and the TUI agree"
	else
		echo "not ok - $cname: the views differ:"
		head -5 "$TMP/diff" | sed 's/^/#   /'
		failures=$((failures + 1))
	fi
}

traces=0
for run in "$DATA"/lab/*/ "$DATA"/lab-findings/*/ "$DATA"/lab-buggy/*/; do
	[ -f "$run/manifest.txt" ] || continue
	name=$(basename "$run")
	kernel=$(sed -n 's/^kernel_release=//p' "$run/manifest.txt")
	xz -dc "$run/trace.txt.xz" > "$TMP/trace.txt"
	"$vr" import -q --force --kernel "$kernel" "$TMP/trace.txt" -o "$TMP/t.db"
	compare "$name.ftrace" "$TMP/t.db"
	traces=$((traces + 1))
	if [ -f "$run/record.db.xz" ]; then
		xz -dc "$run/record.db.xz" > "$TMP/t.db"
		compare "$name.record" "$TMP/t.db"
		traces=$((traces + 1))
	fi
	rm -f "$TMP/t.db" "$TMP/trace.txt"
done
for s in "$DATA"/samples/*.trace; do
	"$vr" import -q --force "$s" -o "$TMP/t.db"
	compare "$(basename "$s" .trace).sample" "$TMP/t.db"
	traces=$((traces + 1))
	rm -f "$TMP/t.db"
done
# A trace whose run was stored by an older vgic-replay (no replay_counts): the TUI
# shows its findings and says nothing of accounting rather than zeros.
"$vr" import -q --force "$DATA/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace" -o "$TMP/old.db"
"$vr" check -q --store "$TMP/old.db" > /dev/null 2>&1
sqlite3 "$TMP/old.db" "DROP TABLE replay_counts; DROP TABLE replay_agreement"
"$TL_DUMP" --run "$TMP/old.db" > "$TMP/tui.txt" 2>&1
expect_eq "a run stored without accounting: the TUI shows no counts" \
	"$(grep -c '^count\|^agreement' "$TMP/tui.txt")" 0
expect_eq "... and still its run" "$(sed -n 1p "$TMP/tui.txt" | cut -d' ' -f1-2)" "run profile"
expect_eq "every corpus trace compared" "$([ "$traces" -ge 200 ] && echo yes)" yes
finish
