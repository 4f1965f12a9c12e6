#!/bin/sh
# Hold check's accounting of a Linux-guest run to the guest's own counts,
# with no slack: each count has the exact range of acknowledgements the
# trace allows, and is an equality wherever that range is a single value.
#
# truth.csv holds, per vCPU and GIC INTID, how many interrupts the guest
# handled between its two readings of /sys/kernel/irq/*/per_cpu_count
# (Linux's kstat_irqs, incremented by the handler right after the
# acknowledgement). The guest prints ===L2-COUNT before each reading,
# ===L2-GO after the first and ===L2-STOP after the second; each character
# it writes to the PL011's data register (0x09000000) is a kvm_mmio event,
# so the trace says, on its own clock, that the first reading happened in
# [COUNT1, GO] and the second in [COUNT2, STOP]. A guest that prints a
# line of dots after COUNT, one before each IRQ it reads and one after the
# last (tests/lab/l2-init.sh since the exact accounting), ends each IRQ's
# bracket at the dot after its reading (in the order of its snapshot). A
# guest without COUNT lines (the first runs) read in [start, GO] and
# [GO, STOP]: wide ranges, but true ones.
#
# check counts an acknowledgement at the exit whose LRs show it (the
# vgic_sync/vgic_post that follow it): the guest took it somewhere in that
# run of the vCPU, between its kvm_entry and that exit. So an
# acknowledgement counted at A is certainly after a reading made in
# [T0, T1] when its run began after T1: when A is later than X(T1), the
# end of the vCPU's run that holds T1 (the first vgic_post after T1 when
# the vCPU had entered and not yet synced at T1; T1 itself otherwise); it
# is certainly before the reading when A < T0. For the guest's count C of
# a vCPU and IRQ:
#   exact      = acks in (X(T1 before), T0 after)
#   ambiguous  = acks in [T0 before, X(T1 before)] + [T0 after, X(T1 after)]
#   exact <= C <= exact + ambiguous
# and C = exact when nothing is ambiguous. What can stay ambiguous is an
# acknowledgement in a run of that vCPU that spans a reading (the reading
# runs on one vCPU, the count is another's, or the IRQ came while the
# reading was in progress): that is the residual, printed per count.
#
# Usage: tests/lab/linux-accounting.sh RUN_DIR VGIC_REPLAY TRACE_DB...
#   VERIFY_VERBOSE=1 prints every count with its range; VERIFY_CLASSES=1 a
#   line per trace with the counts equal, within a range and outside it by
#   class of INTID (SGI, PPI, SPI, LPI). Prints one line per trace (counts
#   equal, counts with an ambiguous range, total ambiguous); exit 1 on a
#   count outside its range, with the table of them.
set -eu
run=$1
vr=$2
shift 2
fail() { echo "linux-accounting $run: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the guest's console log, for the order in which it read the IRQs
con=$run/l2-console.log
[ -f "$con" ] || { [ -f "$con.xz" ] && xz -dc "$con.xz" > "$tmp/con" && con=$tmp/con; } || true

# markers DB: one line per reading, "before|after IRQ T0 T1" in ns: IRQ
# "*" for the whole reading, and 1, 2... for the IRQs in the guest's
# reading order when it printed a dot before each IRQ and one after the
# last (a line of dots after the COUNT line). The console's characters
# reach the PL011 late when its driver has a backlog (it writes half a
# FIFO from write() and the rest from its TX interrupt), so T1, a
# character written after the reading, is when it reached the PL011, and
# T0, one written before, counts only when nothing was queued before it:
# the COUNT line's first character (the console idle since READY). A dot
# is not such a bound: in two runs with the dots (7.2 and 6.1
# linux-affinity) the guest's count of an IRQ matched the
# acknowledgements up to a time before the dot that preceded its reading
# reached the PL011 (by 0.1 and 0.9 s), though l2-init.sh lets the
# console drain first. So each IRQ's bracket is [COUNT, the dot after it].
markers() {
	"$vr" sql --csv --no-header "$1" "SELECT ts_ns, arg3 FROM events WHERE kind =
		(SELECT kind FROM event_kinds WHERE name = 'kvm_mmio') AND arg0 = 2 AND arg2 = 150994944
		ORDER BY ts_ns, id" |
		awk -F, '
		{ if (line == "") { t0 = $1; ndots = 0 }
			if ($2 == 10) {
				side = go == "" ? "before" : "after"
				if (line ~ /^===L2-COUNT/ && !(side in c)) c[side] = t0
				else if (line ~ /^\.+$/ && last ~ /^===L2-COUNT/ && !(side in nd)) {
					nd[side] = ndots; for (i = 1; i <= ndots; i++) dot[side, i] = dt[i] }
				if (line ~ /^===L2-GO/ && go == "") go = t0
				if (line ~ /^===L2-STOP/ && stop == "") stop = t0
				last = line; line = ""
			} else if ($2 != 13) {
				ch = sprintf("%c", $2)
				if (ch == ".") dt[++ndots] = $1
				line = line ch
			}
		}
		END { if (line ~ /^===L2-STOP/ && stop == "") stop = t0
			if (go == "" || stop == "") exit
			# a guest without COUNT lines read its counts before GO and before
			# STOP, the first after READY, the second after the workload
			if (!("before" in c) || !("after" in c)) { c["before"] = 0; c["after"] = go }
			end["before"] = go; end["after"] = stop
			for (s = 1; s <= 2; s++) { side = s == 1 ? "before" : "after"; n = nd[side]
				if (n >= 2) {
					print side, "*", c[side], dot[side, n]
					for (i = 1; i < n; i++) print side, i, c[side], dot[side, i + 1]
				} else print side, "*", c[side], end[side]
			}
		}'
}
# irq_order SIDE: "SIDE IRQ POSITION" of each Linux IRQ in the guest's
# reading order (its snapshot irqs-SIDE.txt lists them in that order)
irq_order() {
	[ -s "$con" ] || return 0
	tr -d '\r' < "$con" | awk -F'|' -v s="$1" '$0 == "===L2-BEGIN irqs-" s ".txt" { on = 1; next }
		index($0, "===L2-END irqs-" s ".txt") == 1 { on = 0 }
		on && $1 ~ /^[0-9]+$/ { print s, $1, ++n }'
}
# run_end DB VCPU T: the end of VCPU's run that holds T (see the header)
run_end() {
	"$vr" sql --csv --no-header "$1" "WITH k(e, p) AS (SELECT
		(SELECT kind FROM event_kinds WHERE name = 'kvm_entry'),
		(SELECT kind FROM event_kinds WHERE name = 'vgic_post'))
	SELECT CASE WHEN coalesce((SELECT max(ts_ns) FROM events, k WHERE vcpu = $2 AND kind = e AND ts_ns <= $3), 0) >
		coalesce((SELECT max(ts_ns) FROM events, k WHERE vcpu = $2 AND kind = p AND ts_ns <= $3), 0)
	THEN coalesce((SELECT min(ts_ns) FROM events, k WHERE vcpu = $2 AND kind = p AND ts_ns > $3), $3)
	ELSE $3 END"
}
# acked DB VCPU FROM TO: "vcpu,intid acked" of VCPU counted in [FROM, TO]
# (kept per trace and window: the counts of one vCPU often share them)
acked() {
	if [ "$3" -gt "$4" ]; then return 0; fi
	c="$tmp/acked-$dbn-$2-$3-$4"
	[ -f "$c" ] || "$vr" check --no-store --vcpu "$2" --from "$3" --to "$4" "$1" 2>/dev/null |
		awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { a[$1 "," $2] += $4 }
			END { for (k in a) print k, a[k] }' | sort > "$c"
	cat "$c"
}
# truth rows: "vcpu,intid handled linux_irq"
awk -F, 'NR > 1 && $2 != "" { print $1 "," $2, $3, $4 }' "$run/truth.csv" | sort > "$tmp/truth"
total=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/truth")
{ irq_order before; irq_order after; } > "$tmp/order"
rc=0
dbn=0
for db in "$@"; do
	dbn=$((dbn + 1))
	markers "$db" > "$tmp/markers"
	grep -q '^before \*' "$tmp/markers" || fail "$(basename "$db"): the guest's ===L2-GO/===L2-STOP lines are not in it"
	: > "$tmp/ranges"
	# one range per truth row: its IRQ's brackets (the whole reading
	# without dots, or when the dots do not match the IRQs read)
	while read -r key handled irq; do
		v=${key%,*}
		for side in before after; do
			pos=$(awk -v s=$side -v q="$irq" '$1 == s && $2 == q { print $3 }' "$tmp/order")
			b=$(awk -v s=$side -v p="${pos:-x}" '$1 == s && $2 == p { print $3, $4 }' "$tmp/markers")
			[ -n "$b" ] || b=$(awk -v s=$side '$1 == s && $2 == "*" { print $3, $4 }' "$tmp/markers")
			eval "${side}_t0=\${b% *} ${side}_t1=\${b#* }"
		done
		xb=$(run_end "$db" "$v" "$before_t1")
		xa=$(run_end "$db" "$v" "$after_t1")
		ex=$(acked "$db" "$v" $((xb + 1)) $((after_t0 - 1)) | awk -v k="$key" '$1 == k { print $2 }')
		a1=$(acked "$db" "$v" "$before_t0" "$xb" | awk -v k="$key" '$1 == k { print $2 }')
		a2=$(acked "$db" "$v" "$after_t0" "$xa" | awk -v k="$key" '$1 == k { print $2 }')
		echo "$key $handled ${ex:-0} $((${a1:-0} + ${a2:-0}))" >> "$tmp/ranges"
	done < "$tmp/truth"
	[ "${VERIFY_VERBOSE:-0}" = 1 ] &&
		awk '{ printf "  vcpu,intid %s: handled %s, acked %s%s\n", $1, $2, $3, ($4 ? " + " $4 " ambiguous" : "") }' "$tmp/ranges"
	bad=$(awk '$2 < $3 || $2 > $3 + $4 { printf "  vcpu,intid %s: handled %s, acked %s + %s ambiguous\n", $1, $2, $3, $4 }' \
		"$tmp/ranges")
	sum=$(awk '{ n++; if ($4) { a++; s += $4 } else if ($2 == $3) e++ }
		END { printf "%d of %d counts equal, %d with a range (%d ambiguous acknowledgements)", e, n, a, s }' "$tmp/ranges")
	# by class of INTID: counts equal / within a range / outside it
	classes=$(awk '{ split($1, k, ","); i = k[2] + 0
		c = i < 16 ? "SGI" : i < 32 ? "PPI" : i < 8192 ? "SPI" : "LPI"
		if ($2 < $3 || $2 > $3 + $4) o[c]++; else if ($4) r[c]++; else e[c]++ }
		END { n = split("SGI PPI SPI LPI", cl, " ")
			for (j = 1; j <= n; j++) printf "%s%s %d/%d/%d", (j > 1 ? ", " : ""), cl[j],
				e[cl[j]], r[cl[j]], o[cl[j]] }' "$tmp/ranges")
	if [ -n "$bad" ]; then
		echo "linux-accounting $run: $(basename "$db"): counts outside the acknowledgements check saw ($sum):" >&2
		echo "$bad" >&2
		rc=1
	else
		echo "linux-accounting $run: $(basename "$db"): $sum; $total handled"
	fi
	[ "${VERIFY_CLASSES:-0}" = 1 ] &&
		echo "linux-accounting $run: $(basename "$db"): equal/in range/out of range by class: $classes"
done
exit $rc
