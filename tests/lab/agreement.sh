#!/bin/sh
# The vGIC model's agreement with real kernels, run by run: every trace of
# the lab corpus (its ftrace text, and the collector's recording where the
# run kept one) imported, then `vgic-replay predict` under the recording
# kernel's profile. One line a trace: flushes predicted exactly (in the
# kernel's LR slots or an order its sort allows) of the flushes compared,
# and the flushes not compared (state from before the trace began); then
# the totals. Exits 1 if any trace falls short of 100%.
#
# Usage: tests/lab/agreement.sh [VGIC_REPLAY [CORPUS_DIR...]]
#   (default build/vgic-replay, tests/data/lab and tests/data/lab-findings)
set -u
vr=${1:-build/vgic-replay}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- tests/data/lab tests/data/lab-findings
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
short=0
printf '%-58s %-9s %13s %8s\n' trace source predicted uncompared
for corpus in "$@"; do
	for run in "$corpus"/*/; do
		[ -f "$run/manifest.txt" ] || continue
		name=$(basename "$run")
		kernel=$(sed -n 's/^kernel_release=//p' "$run/manifest.txt")
		"$vr" import -q --kernel "$kernel" "$run/trace.txt.xz" -o "$tmp/t.db" || { short=1; continue; }
		set -- ftrace "$tmp/t.db"
		if [ -f "$run/record.db.xz" ]; then
			xz -dc "$run/record.db.xz" > "$tmp/r.db"
			set -- "$@" collector "$tmp/r.db"
		fi
		while [ $# -gt 0 ]; do
			out=$("$vr" predict "$2" 2>&1)
			rc=$?
			line=$(printf '%s\n' "$out" | grep '^flushes ')
			total=$(echo "$line" | sed -n 's/^flushes \([0-9]*\): \([0-9]*\) exact.*/\1/p')
			exact=$(echo "$line" | sed -n 's/^flushes \([0-9]*\): \([0-9]*\) exact.*/\2/p')
			other=$(echo "$line" | sed -n 's/.* \([0-9]*\) same LRs in another order.*/\1/p')
			uncompared=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) flushes not compared.*/\1/p')
			ok=$((${exact:-0} + ${other:-0}))
			printf '%-58s %-9s %6s/%-6s %8s\n' "$name" "$1" "$ok" "${total:-?}" "${uncompared:-0}"
			[ "$rc" -eq 0 ] || short=1
			echo "$1 ${total:-0} $ok" >> "$tmp/sum"
			shift 2
		done
		rm -f "$tmp/t.db" "$tmp/r.db"
	done
done
awk '{ n[$1]++; t[$1] += $2; o[$1] += $3 }
	END { for (s in n) printf "%s: %d traces, %d of %d flushes predicted (%.2f%%)\n", s, n[s], o[s], t[s],
		t[s] ? 100 * o[s] / t[s] : 0 }' "$tmp/sum" | sort
exit $short
