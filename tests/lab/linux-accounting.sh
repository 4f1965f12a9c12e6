#!/bin/sh
# Hold check's accounting of a Linux-guest run to the guest's own counts.
#
# truth.csv holds, per vCPU and GIC INTID, how many interrupts the guest
# handled between its two readings of /sys/kernel/irq/*/per_cpu_count.
# The guest prints ===L2-COUNT before each reading, ===L2-GO after the
# first and ===L2-STOP after the second; each character it writes to the
# PL011's data register (0x09000000) is a kvm_mmio event, so every trace
# says, on its own clock (the collector's is not ftrace's), when those
# lines began. A
# count's two readings fall somewhere in [COUNT1, GO] and [COUNT2, STOP],
# and check counts an acknowledgement at the exit whose LRs show it, a
# little (S) after the guest took the interrupt: so each count must lie
# between check's counts over the inner window [GO + S, COUNT2 - S] and the
# outer one [COUNT1 - S, STOP + S] (check --from/--to count only their
# window). Runs without COUNT lines use GO and STOP for both, +- S.
#
# Usage: tests/lab/linux-accounting.sh RUN_DIR VGIC_REPLAY TRACE_DB...
#   VERIFY_SLACK_MS (20): S; VERIFY_VERBOSE=1 prints every count with its
#   bounds. Prints one line per trace; exit 1 on a count outside its
#   bounds, with the table of them.
set -eu
run=$1
vr=$2
shift 2
slack_ms=${VERIFY_SLACK_MS:-20}
fail() { echo "linux-accounting $run: $*" >&2; exit 1; }

# markers DB: "COUNT1 GO COUNT2 STOP" in ns, when the first character of
# each marker line reached the PL011 (COUNTs as GO and STOP in older runs)
markers() {
	"$vr" sql --csv --no-header "$1" "SELECT ts_ns, arg3 FROM events WHERE kind =
		(SELECT kind FROM event_kinds WHERE name = 'kvm_mmio') AND arg0 = 2 AND
		arg2 = 150994944 ORDER BY ts_ns, id" |
		awk -F, '{ if (line == "") t0 = $1
			if ($2 == 10) {
				if (line ~ /^===L2-COUNT/) { if (go == "") c1 = t0; else if (c2 == "") c2 = t0 }
				if (line ~ /^===L2-GO/ && go == "") go = t0
				if (line ~ /^===L2-STOP/ && stop == "") stop = t0
				line = ""
			} else if ($2 != 13) line = line sprintf("%c", $2) }
			END { if (line ~ /^===L2-STOP/ && stop == "") stop = t0
				if (c1 == "" || c2 == "") { c1 = go; c2 = stop }
				if (go != "" && stop != "") print c1, go, c2, stop }'
}
ns() { awk -v t="$1" -v d="$2" 'BEGIN { printf "%.0f", t + d * 1e6 }'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# acked DB FROM TO: "vcpu,intid acked" per key, the accounting rows summed
acked() {
	"$vr" check --no-store --from "$2" --to "$3" "$1" 2>/dev/null |
		awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { a[$1 "," $2] += $4 }
			END { for (k in a) print k, a[k] }' | sort
}
awk -F, 'NR > 1 && $2 != "" { h[$1 "," $2] += $3 } END { for (k in h) print k, h[k] }' \
	"$run/truth.csv" | sort > "$tmp/truth"
total=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/truth")
rc=0
for db in "$@"; do
	set -- $(markers "$db")
	[ $# = 4 ] || fail "$(basename "$db"): the guest's ===L2-GO/===L2-STOP lines are not in it"
	acked "$db" "$(ns "$2" "$slack_ms")" "$(ns "$3" "-$slack_ms")" > "$tmp/inner"
	acked "$db" "$(ns "$1" "-$slack_ms")" "$(ns "$4" "$slack_ms")" > "$tmp/outer"
	join -a1 -a2 -e0 -o 0,1.2,2.2 "$tmp/truth" "$tmp/inner" |
		join -a1 -a2 -e0 -o 0,1.2,1.3,2.2 - "$tmp/outer" > "$tmp/bounds"
	[ "${VERIFY_VERBOSE:-0}" = 1 ] &&
		awk '{ printf "  vcpu,intid %s: handled %s, acked %s..%s\n", $1, $2, $3, $4 }' "$tmp/bounds"
	bad=$(awk '$3 > $2 || $2 > $4 { printf "  vcpu,intid %s: handled %s, acked %s..%s\n", $1, $2, $3, $4 }' \
		"$tmp/bounds")
	if [ -n "$bad" ]; then
		echo "linux-accounting $run: $(basename "$db"): counts outside check's bounds (inner..outer window, slack ${slack_ms} ms):" >&2
		echo "$bad" >&2
		rc=1
	else
		echo "linux-accounting $run: $(basename "$db"): all $(wc -l < "$tmp/truth") counts ($total handled) within check's acknowledgements of the window (slack ${slack_ms} ms)"
	fi
done
exit $rc
