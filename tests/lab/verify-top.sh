#!/bin/sh
# A lab run of `vgic-replay top -b -c` live (LAB_RECORD=top): the BPF
# probes attached by top, their records checked on its thread as they
# arrive (record --watch's checks), counted per interval. Held to the same
# run's ftrace: the guest exits and trapped DIRs over every interval are
# the kvm_exit and vgic deactivate events ftrace recorded, and the
# injections and acknowledgements are check's accounting of ftrace's
# capture imported, as long as neither lost any (the findings of both are
# printed); the vCPUs top shows are the run's.
# Usage: tests/lab/verify-top.sh OUTDIR [VGIC_REPLAY]
set -u
out=$1
vr=${2:-build/vgic-replay}
failures=0
ok() { # ok DESC ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then echo "ok - $1"; else
		echo "not ok - $1: got '$2', want '$3'"; failures=$((failures + 1)); fi
}
# sum_col TITLE: a column's sum over every interval's table
sum_col() {
	awk -v t="$1" '/^ *VM +VCPU/ {c = 0; for (i = 1; i <= NF; i++) if ($i == t) c = i; next}
		/^$/ {c = 0} c && NF > 5 {s += $c} END {print s + 0}' "$out/top.txt"
}
intervals=$(grep -c '^vgic-replay top - live' "$out/top.txt")
[ "$intervals" -ge 2 ]; ok "top printed an interval every 0.5 s over the run ($intervals)" $? 0
lost=$(sed -n 's/.*lost [0-9]* in [0-9]* gaps (\([0-9]*\) in .*/\1/p' "$out/top.txt" | tail -1)
ftrace_lost=$(sed -n 's/^lost_events=//p' "$out/manifest.txt")
vcpus=$(sed -n 's/^vcpus=//p' "$out/manifest.txt")
ok "top's vCPU rows are the run's $vcpus vCPUs" \
	"$(awk '/^ *VM +VCPU/ {on = 1; next} /^$/ {on = 0} on && $2 != "-" {print $2}' "$out/top.txt" | sort -u | wc -l)" "$vcpus"
if [ "${lost:-0}" = 0 ] && [ "${ftrace_lost:-0}" = 0 ]; then
	ok "guest exits over the intervals are ftrace's kvm_exit events" "$(sum_col EXIT)" \
		"$(sed -n 's/^events_kvm_exit=//p' "$out/manifest.txt")"
	ok "trapped DIRs over the intervals are ftrace's deactivate events" "$(sum_col DIR)" \
		"$(sed -n 's/^events_deactivate=//p' "$out/manifest.txt")"
	txt=$out/trace.txt
	[ -f "$txt" ] || txt=$out/trace.txt.xz
	"$vr" import -q --force --kernel "$(sed -n 's/^kernel_release=//p' "$out/manifest.txt")" \
		"$txt" -o "$out/ftrace.db"
	"$vr" check --json "$out/ftrace.db" > "$out/ftrace-check.json"
	check_sum() { grep -o "\"$1\": [0-9]*" "$out/ftrace-check.json" | awk '{s += $2} END {print s + 0}'; }
	echo "# top live: INJ $(sum_col INJ) ACK $(sum_col ACK); check of ftrace's capture:" \
		"injected $(check_sum injected) acked $(check_sum acked)"
	ok "injections over the intervals are check's accounting of ftrace's capture" \
		"$(sum_col INJ)" "$(check_sum injected)"
	ok "acknowledgements over the intervals are check's accounting of ftrace's capture" \
		"$(sum_col ACK)" "$(check_sum acked)"
	# Findings are told, not held: BPF's records and ftrace's text of one run are
	# two captures (t1010 holds the live path's findings to check on the same records).
	echo "# findings: top live $(grep '^findings so far' "$out/top.txt" | tail -1 |
		sed 's/^findings so far ([^)]*): //'); check of ftrace's capture" \
		"$(grep -c '"kind": "[A-Z_]*"' "$out/ftrace-check.json")"
else
	echo "ok - # SKIP counts against ftrace: events were lost (top $lost, ftrace $ftrace_lost)"
fi
[ "$(sum_col EXIT)" -gt 0 ]; ok "top saw guest exits" $? 0
[ "$(sum_col ACK)" -gt 0 ]; ok "top counted acknowledgements live" $? 0
ok "the checks skipped no record" \
	"$(grep '^note: ' "$out/top.txt" | tail -1 | sed 's/.*checks behind: \([0-9]*\) records skipped.*/\1/')" 0
echo "# verify-top: $failures failed"
[ "$failures" -eq 0 ]
