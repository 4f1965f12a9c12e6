#!/bin/sh
# Check the data of one Linux-guest run (tests/lab/linux.sh): the recording
# itself, not yet the tool's verdict on it (issue 18: check is not exact on
# this traffic yet).
#   - entries, exits and LR snapshots for every vCPU, no ftrace overruns;
#   - every ftrace line understood by the importer, and trace.dat holding
#     the same events kind by kind;
#   - the collector's recording (record --pid of QEMU, started before the
#     ftrace window and stopped after it) holding at least as many events of
#     each kind as ftrace saw, the injections (kvm_set_irq,
#     vgic_update_irq_pending) from every thread and context but a second
#     VM's VMM (linux.sh vr.other=1, our VMM, comm "vmm"): --pid selects
#     QEMU's VM, so irqfd's kworker is in; and none of that second VMM's
#     threads' events;
#   - the guest's truth.csv: the timer PPI handled on every vCPU, and what
#     the scenario must make: LPIs (GICv3) or SPIs (GICv2m, virtio-mmio)
#     from the virtio devices, SGIs on every vCPU in linux-ipi.
# Usage: tests/lab/verify-linux.sh RUN_DIR [VGIC_REPLAY]
set -eu
run=$1
vr=${2:-build/vgic-replay}
m=$run/manifest.txt
work=${VERIFY_WORK:-$run}
mkdir -p "$work"
val() { sed -n "s/^$1=//p" "$m"; }
fail() { echo "verify $run: $*" >&2; exit 1; }
txt=$run/trace.txt
[ -f "$txt" ] || txt=$run/trace.txt.xz
scenario=$(val scenario)
vcpus=$(val vcpus)
gic=$(val gic_version)

for e in kvm_entry kvm_exit flush sync populate; do
	[ "$(val events_$e)" -gt 0 ] || fail "no $e events"
done
[ "$(val overruns)" = 0 ] || fail "ftrace overran $(val overruns) events"
[ "$(val lost_events)" = 0 ] || fail "ftrace lost events"
db=$work/trace.db
"$vr" import -q --force --kernel "$(val kernel_release)" "$txt" -o "$db"
unparsed=$("$vr" sql --csv --no-header "$db" "SELECT events_unparsed + events_unknown FROM trace_info")
[ "$unparsed" = 0 ] || fail "$unparsed trace lines not understood"
total=$("$vr" sql --csv --no-header "$db" "SELECT events_total FROM trace_info")
[ "$total" = "$(val trace_lines)" ] || fail "imported $total events of $(val trace_lines) trace lines"
q="SELECT kind || ':' || count(*) FROM events GROUP BY kind ORDER BY kind"
if [ -s "$run/trace.dat" ]; then
	"$vr" import -q --force "$run/trace.dat" -o "$work/trace-dat.db"
	[ "$("$vr" sql --csv --no-header "$db" "$q")" = "$("$vr" sql --csv --no-header "$work/trace-dat.db" "$q")" ] ||
		fail "trace.dat and ftrace text of the same run disagree"
	note="trace.dat agrees"
elif [ -f "$run/trace.txt.xz" ]; then
	note="trace.dat not kept in the corpus" # checked when the run was made
else
	fail "no trace.dat"
fi
rec=$run/record.db
if [ ! -f "$rec" ] && [ -f "$run/record.db.xz" ]; then
	xz -dc "$run/record.db.xz" > "$work/record.db"
	rec=$work/record.db
fi
[ -s "$rec" ] || fail "no record.db"
# ftrace's events but the second VM's VMM's (its threads: comm "vmm"), by kind, against the collector's
other_tids=$(xz -dcf "$txt" | awk '$1 ~ /^vmm-/ { n = split($1, a, "-"); print a[n] }' | sort -u | tr '\n' , | sed 's/,$//')
"$vr" sql --csv --no-header "$db" \
	"SELECT k.name, count(*) FROM events e JOIN event_kinds k ON k.kind = e.kind
	 WHERE e.pid NOT IN (${other_tids:-0}) GROUP BY k.name" |
	sort > "$work/ftrace-kinds.txt"
"$vr" sql --csv --no-header "$rec" \
	"SELECT k.name, count(*) FROM events e JOIN event_kinds k ON k.kind = e.kind GROUP BY k.name" |
	sort > "$work/record-kinds.txt"
qemu_only=$(awk '$1 !~ /^qemu-system-aar/ && / (kvm_set_irq|vgic_update_irq_pending): / { n++ } END { print n + 0 }' "$run/trace.txt" 2>/dev/null || echo 0)
# The injections ftrace saw outside the second VM's VMM, against the collector's
# (VERIFY_INJECTIONS=0: a recording made before --pid selected VMs, as the corpus's)
for e in kvm_set_irq vgic_update_irq_pending; do
	[ "${VERIFY_INJECTIONS:-1}" = 1 ] || break
	f=$(xz -dcf "$txt" | awk -v e="$e" '$1 !~ /^vmm-/ && index($0, " " e ": ") { n++ } END { print n + 0 }')
	r=$(sed -n "s/^$e,//p" "$work/record-kinds.txt")
	[ "${r:-0}" -ge "$f" ] || fail "the collector recorded ${r:-0} $e events, ftrace $f outside the second VM"
done
if [ -n "$other_tids" ]; then
	n=$("$vr" sql --csv --no-header "$rec" "SELECT count(*) FROM events WHERE pid IN ($other_tids)")
	[ "$n" = 0 ] || fail "the collector recorded $n events of the second VM's VMM (threads $other_tids)"
	note2="second VM's threads $other_tids: none recorded; "
fi
short=$(join -t, -a1 -e0 -o 0,1.2,2.2 "$work/ftrace-kinds.txt" "$work/record-kinds.txt" |
	awk -F, '$1 != "kvm_set_irq" && $1 != "vgic_update_irq_pending" && $1 != "vgic_queue_lpi" && $3 < $2 { printf "%s %s<%s ", $1, $3, $2 }')
[ -z "$short" ] || fail "the collector recorded fewer events than ftrace: $short"
note="$note; ${note2:-}collector holds every kind ($qemu_only injection lines from other threads than QEMU's)"
seen=$("$vr" sql --csv --no-header "$db" \
	"SELECT count(DISTINCT vcpu) FROM events_v WHERE event IN ('kvm_entry', 'kvm_exit') AND vcpu IS NOT NULL")
[ "$seen" = "$vcpus" ] || fail "entries/exits attributed to $seen vCPUs, expected $vcpus"

t=$run/truth.csv
[ "$(head -1 "$t")" = "vcpu,intid,handled,linux_irq,chip,name" ] || fail "truth.csv has the wrong header"
v=0
while [ $v -lt "$vcpus" ]; do
	awk -F, -v v=$v '$1 == v && $2 == 27 && $3 > 0 { ok = 1 } END { exit !ok }' "$t" ||
		fail "the guest handled no timer interrupt on vCPU $v"
	[ "$scenario" = linux-ipi ] && { awk -F, -v v=$v '$1 == v && $2 != "" && $2 < 16 && $3 > 0 { ok = 1 } END { exit !ok }' "$t" ||
		fail "linux-ipi: no SGI handled on vCPU $v"; }
	v=$((v + 1))
done
case $scenario in
linux-blk | linux-net | linux-affinity)
	if [ "$gic" = 3 ]; then
		[ "$(val l2_handled_lpi)" -gt 0 ] || fail "no LPI handled by the guest"
	else
		[ "$(val l2_handled_spi)" -gt 0 ] || fail "no SPI handled by the guest"
	fi ;;
esac
[ "$(val l2_handled_unknown)" = 0 ] || fail "$(val l2_handled_unknown) handled interrupts without an INTID in truth.csv"
# VERIFY_ACCOUNTING=1: check's per-vCPU, per-INTID acknowledgements next to
# what the guest handled (truth.csv), as a report: check is not exact on
# this traffic yet (issue 18), so this never fails the run.
if [ "${VERIFY_ACCOUNTING:-0}" = 1 ]; then
	# only the guest's counting window (the manifest's guest_window): the
	# trace cut to it, as a recording started mid-run
	set -- $(val guest_window)
	[ $# = 2 ] || fail "no guest_window in the manifest"
	awk -v s="$1" -v e="$2" '/^#/ { print; next }
		{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1) + 0; break }
		  if (t >= s + 0 && t < e + 0) print }' "$run/trace.txt" > "$work/trace-window.txt"
	"$vr" import -q --force --kernel "$(val kernel_release)" "$work/trace-window.txt" -o "$work/trace-window.db"
	"$vr" check --no-store "$work/trace-window.db" > "$work/check.txt" 2>&1 || true
	awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { print $1 "," $2 "," $4 }' "$work/check.txt" |
		sort -t, -k1,1 -k2,2 > "$work/check-acked.csv"
	awk -F, 'NR > 1 && $2 != "" { print $1 "," $2 "," $3 }' "$run/truth.csv" | sort -t, -k1,1 -k2,2 \
		> "$work/truth-handled.csv"
	echo "verify $run: in the guest's window $1-$2: vcpu intid guest-handled check-acked ($(grep -m1 '^model:' "$work/check.txt"))"
	join -t, -a1 -a2 -e- -o 0,1.2,2.2 \
		"$(awk -F, '{ print $1 ":" $2 "," $3 }' "$work/truth-handled.csv" | sort > "$work/t.j"; echo "$work/t.j")" \
		"$(awk -F, '{ print $1 ":" $2 "," $3 }' "$work/check-acked.csv" | sort > "$work/c.j"; echo "$work/c.j")" |
		sort -t: -k1,1n -k2,2n | awk -F, '{ split($1, k, ":"); printf "  %s %s %s %s%s\n", k[1], k[2], $2, $3, ($2 == $3 ? "" : "  differs") }'
fi
echo "verify $run: data ok (guest handled sgi/ppi/spi/lpi $(val l2_handled_sgi)/$(val l2_handled_ppi)/$(val l2_handled_spi)/$(val l2_handled_lpi); $note)"
