#!/bin/sh
# Check one lab run against its ground truth: the trace holds injections,
# LR snapshots and guest entries/exits for every vCPU; `vgic-replay check`
# finds nothing; and its accounting agrees with what the VMM injected and
# what the guest itself counted, per INTID. In a paced scenario every
# injected interrupt must have been acknowledged.
# Usage: tests/lab/verify.sh RUN_DIR [VGIC_REPLAY]
set -eu
run=$1
vr=${2:-build/vgic-replay}
m=$run/manifest.txt
val() { sed -n "s/^$1=//p" "$m"; }
fail() { echo "verify $run: $*" >&2; exit 1; }

for e in vgic_update_irq_pending kvm_irq_line kvm_entry kvm_exit flush; do
	[ "$(val events_$e)" -gt 0 ] || fail "no $e events"
done
[ "$(val events_sync)" -gt 0 ] || fail "no sync snapshots"
db=$run/trace.db
"$vr" import -q --force --kernel "$(val kernel_release)" "$run/trace.txt" -o "$db"
vcpus=$(val vcpus)
seen=$("$vr" sql --csv --no-header "$db" \
	"SELECT count(DISTINCT vcpu) FROM events WHERE kind IN (5, 6) AND vcpu IS NOT NULL")
[ "$seen" = "$vcpus" ] || fail "entries/exits attributed to $seen vCPUs, expected $vcpus"
"$vr" check --no-store "$db" > "$run/check.txt" || fail "check reported findings: $(head -5 "$run/check.txt")"
# Per INTID: injected and acked from check vs the VMM's truth.
awk -F, 'NR > 1 { print $2, $3, $4 }' "$run/truth.csv" | sort -n > "$run/truth.sorted"
awk '$1 ~ /^[0-9]+$/ && NF >= 8 { print $2, $3, $4 }' "$run/check.txt" | sort -n > "$run/check.sorted"
diff -u "$run/truth.sorted" "$run/check.sorted" > "$run/accounting.diff" ||
	fail "accounting differs from the ground truth (intid injected acked):
$(cat "$run/accounting.diff")"
if [ "$(val scenario)" = spi-paced ]; then
	awk '$2 != $3 { bad = 1 } END { exit bad }' "$run/truth.sorted" ||
		fail "paced scenario: not every injected interrupt was acknowledged"
fi
echo "verify $run: ok ($(awk '{ i += $2; a += $3 } END { print i " injected, " a " acknowledged" }' "$run/truth.sorted"), accounting equals the ground truth)"
