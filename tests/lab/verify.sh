#!/bin/sh
# Check one lab run against its ground truth: the trace holds injections,
# LR snapshots and guest entries/exits for every vCPU; `vgic-replay check`
# finds nothing; and its accounting agrees with what the VMM injected and
# what the guest itself counted, per INTID. In a paced scenario every
# injected interrupt must have been acknowledged.
# Usage: tests/lab/verify.sh RUN_DIR [VGIC_REPLAY]   (VERIFY_CHECK=0: the data only)
set -eu
run=$1
tdat=
vr=${2:-build/vgic-replay}
m=$run/manifest.txt
work=${VERIFY_WORK:-$run}   # where derived files go (the corpus stays read-only)
mkdir -p "$work"
txt=$run/trace.txt
[ -f "$txt" ] || txt=$run/trace.txt.xz
val() { sed -n "s/^$1=//p" "$m"; }
fail() { echo "verify $run: $*" >&2; exit 1; }

# What each scenario must have injected through: KVM_IRQ_LINE for SPIs, the
# arch timer for PPI 27, the guest's own SGI writes for SGIs, its
# distributor writes for dist-race.
case $(val scenario) in
sgi) need="sgi" ;;
dist-race) need="kvm_mmio" ;; # the guest's own GICD_ISPENDR/ISENABLER writes
timer) need="vgic_update_irq_pending kvm_timer_update_irq" ;;
*) need="vgic_update_irq_pending kvm_irq_line" ;;
esac
for e in $need kvm_entry kvm_exit flush; do
	[ "$(val events_$e)" -gt 0 ] || fail "no $e events"
done
[ "$(val events_sync)" -gt 0 ] || fail "no sync snapshots"
db=$work/trace.db
"$vr" import -q --force --kernel "$(val kernel_release)" "$txt" -o "$db"
unparsed=$("$vr" sql --csv --no-header "$db" "SELECT events_unparsed + events_unknown FROM trace_info")
[ "$unparsed" = 0 ] || fail "$unparsed trace lines not understood: $("$vr" sql --csv --no-header "$db" "SELECT src_pos || ': ' || coalesce(reason, event) FROM import_problems LIMIT 3")"
total=$("$vr" sql --csv --no-header "$db" "SELECT events_total FROM trace_info")
[ "$total" = "$(val trace_lines)" ] || fail "imported $total events of $(val trace_lines) trace lines"
# The same buffer as trace.dat: the same events, kind by kind.
if [ -s "$run/trace.dat" ]; then
	"$vr" import -q --force "$run/trace.dat" -o "$work/trace-dat.db"
	q="SELECT kind || ':' || count(*) FROM events GROUP BY kind ORDER BY kind"
	[ "$("$vr" sql --csv --no-header "$db" "$q")" = "$("$vr" sql --csv --no-header "$work/trace-dat.db" "$q")" ] ||
		fail "trace.dat and ftrace text of the same run disagree"
	tdat="; trace.dat agrees"
fi
# The BPF collector's recording of the same run: the same events, kind by kind,
# and the same verdict.
if [ -f "$run/record.db.xz" ] && [ ! -f "$run/record.db" ]; then
	xz -dc "$run/record.db.xz" > "$work/record.db"
	rec=$work/record.db
elif [ -f "$run/record.db" ]; then
	rec=$run/record.db
else
	rec=
fi
if [ -n "$rec" ]; then
	q="SELECT kind || ':' || count(*) FROM events GROUP BY kind ORDER BY kind"
	[ "$("$vr" sql --csv --no-header "$db" "$q")" = "$("$vr" sql --csv --no-header "$rec" "$q")" ] ||
		fail "the collector's trace and the ftrace capture disagree: $("$vr" sql --csv --no-header "$rec" "$q" | tr '\n' ' ')"
	# Values, not only counts, where the BPF program decodes them itself: the
	# guest's MMIO writes and the trapped DIR / SGI register values.
	q="SELECT kind || ':' || coalesce(vcpu, '') || ':' || coalesce(intid, '') || ':' || arg0 || ':' || coalesce(arg2, '') || ':' || coalesce(arg3, '') FROM events WHERE kind IN (SELECT kind FROM event_kinds WHERE name IN ('kvm_mmio', 'vgic_deactivate', 'vgic_sgi')) ORDER BY 1"
	[ "$("$vr" sql --csv --no-header "$db" "$q")" = "$("$vr" sql --csv --no-header "$rec" "$q")" ] ||
		fail "the collector's MMIO/DIR/SGI values differ from the ftrace capture"
	tdat="${tdat}; collector agrees"
fi
vcpus=$(val vcpus)
seen=$("$vr" sql --csv --no-header "$db" \
	"SELECT count(DISTINCT vcpu) FROM events_v WHERE event IN ('kvm_entry', 'kvm_exit') AND vcpu IS NOT NULL")
[ "$seen" = "$vcpus" ] || fail "entries/exits attributed to $seen vCPUs, expected $vcpus"
# Only bursts may coalesce; in every other scenario each injection waits
# for the acknowledgement of the previous one of its INTID.
case $(val scenario) in
spi-burst | eoimode1-remote* | eoi-ooo) ;; # eoi-ooo: two SPIs stay active for good
dist-race) # a pending state cleared and set again while vCPU 1 held it may be taken twice
	awk -F, 'NR > 1 && $4 < $3 { bad = 1 } END { exit bad }' "$run/truth.csv" ||
		fail "dist-race: an SPI the guest made pending was never acknowledged" ;;
*)	awk -F, 'NR > 1 && $3 != $4 { bad = 1 } END { exit bad }' "$run/truth.csv" ||
		fail "paced scenario: not every injected interrupt was acknowledged" ;;
esac
summary=$(awk -F, 'NR > 1 { i += $3; a += $4 } END { print i " injected, " a " acknowledged" }' "$run/truth.csv")
# VERIFY_CHECK=0: the recording itself only (what the lab keeps); check's
# verdict and accounting are judged separately (tests/cli/t0600-corpus.sh).
if [ "${VERIFY_CHECK:-1}" = 0 ]; then
	echo "verify $run: data ok ($summary${tdat:-})"
	exit 0
fi
"$vr" check --no-store "$db" > "$work/check.txt" || fail "check reported findings: $(head -5 "$work/check.txt")"
if [ -n "$rec" ]; then
	"$vr" check --no-store "$rec" > "$work/check-record.txt" ||
		fail "check on the collector's trace reported findings: $(head -3 "$work/check-record.txt")"
fi
# Per INTID: injected and acked from check vs the VMM's truth (an SPI moved
# between vCPUs has a row per vCPU in check's accounting: summed here).
# The arch timer is a level interrupt whose line KVM updates at every vCPU
# load and put (kvm_timer_update_irq), not once per expiry the guest armed:
# there only the acknowledgements are comparable (check balances its own
# injected = acked + coalesced + lost + pending).
per_intid='$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { i[$2] += $3; a[$2] += $4 } END { for (k in i) print k, i[k], a[k] }'
truth_cols='NR > 1 { print $2, $3, $4 }'
if [ "$(val scenario)" = timer ]; then
	per_intid='$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { a[$2] += $4 } END { for (k in a) print k, a[k] }'
	truth_cols='NR > 1 { print $2, $4 }'
fi
# dist-race: the truth's injected counts the guest's rounds (sent[]), and
# check counts each SPI a GICD_ISPENDR write names as an injection (the
# guest's own): one per round, two in the rounds that also clear and set
# the pending state (guest.S dist_writer: round r takes SPI 32 + r % 16,
# and every round with r % 4 == 3 writes ICPENDR, ISPENDR again).
if [ "$(val scenario)" = dist-race ]; then
	truth_cols='NR > 1 { print $2, $3 * (($2 - 32) % 4 == 3 ? 2 : 1), $4 }'
fi
awk -F, "$truth_cols" "$run/truth.csv" | sort -n > "$work/truth.sorted"
awk "$per_intid" "$work/check.txt" | sort -n > "$work/check.sorted"
diff -u "$work/truth.sorted" "$work/check.sorted" > "$work/accounting.diff" ||
	fail "accounting differs from the ground truth (intid injected acked):
$(cat "$work/accounting.diff")"
if [ -n "$rec" ]; then
	awk "$per_intid" "$work/check-record.txt" | sort -n |
		diff -u "$work/truth.sorted" - > "$work/accounting-record.diff" ||
		fail "the collector's accounting differs from the ground truth:
$(cat "$work/accounting-record.diff")"
fi
echo "verify $run: ok ($summary, accounting equals the ground truth${tdat:-})"
