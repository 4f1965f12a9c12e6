#!/bin/sh
# A lab run of `vgic-replay top -b -c` live (LAB_RECORD=top): the BPF
# probes attached by top, their records read on its thread through the
# live stream, counted per interval. Held to the same run's ftrace: the
# guest exits and trapped DIRs over every interval are the kvm_exit and
# vgic deactivate events ftrace recorded, as long as neither lost any;
# the vCPUs top shows are the run's.
# Usage: tests/lab/verify-top.sh OUTDIR
set -u
out=$1
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
else
	echo "ok - # SKIP counts against ftrace: events were lost (top $lost, ftrace $ftrace_lost)"
fi
[ "$(sum_col EXIT)" -gt 0 ]; ok "top saw guest exits" $? 0
ok "live, the findings are said not to be counted (no replay on the stream yet)" \
	"$(grep -c '^findings so far: not counted' "$out/top.txt")" "$intervals"
echo "# verify-top: $failures failed"
[ "$failures" -eq 0 ]
