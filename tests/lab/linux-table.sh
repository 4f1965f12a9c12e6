#!/bin/sh
# Print the Linux-guest runs of the corpus as a markdown table, one row per
# run: kernel, GIC, host mode, vCPUs, the interrupts the guest handled by
# class (truth.csv), check's flush agreement and findings on the ftrace
# capture and on the collector's recording (errors, then "+Ngap" for the
# TRACE_GAP notes of a capture that lost events), and whether every count of the
# guest lies within check's accounting of its window
# (tests/lab/linux-accounting.sh). docs/lab.md carries its output.
#
# Usage: tests/lab/linux-table.sh VGIC_REPLAY [CORPUS_DIR]   (default tests/data/lab)
set -eu
vr=$1
corpus=${2:-tests/data/lab}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# summary DB: "agreed/compared findings" from check's text output
summary() {
	"$vr" check --no-store "$1" > "$tmp/check.txt" 2>/dev/null || true
	awk '/^model: / { split($0, a, " "); agreed = a[2]; flushes = a[4] }
		/ events replayed, / { line = $0; sub(/.* events replayed, /, "", line); f = line + 0
			if (match(line, /[0-9]+ TRACE_GAP/)) g = substr(line, RSTART, RLENGTH) + 0 }
		END { printf "%s/%s %d%s", agreed, flushes, f - g, g ? "+" g "gap" : "" }' "$tmp/check.txt"
}

echo "| run | kernel | GIC | host | vCPUs | guest handled SGI/PPI/SPI/LPI | flushes agreed (ftrace) | findings ftrace/collector | guest counts within check's |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in "$corpus"/*/manifest.txt; do
	d=$(dirname "$m")
	grep -q '^scenario=linux-' "$m" || continue
	val() { sed -n "s/^$1=//p" "$m"; }
	xz -dc "$d/trace.txt.xz" > "$tmp/trace.txt"
	"$vr" import -q --force --kernel "$(val kernel_release)" "$tmp/trace.txt" -o "$tmp/ft.db"
	xz -dc "$d/record.db.xz" > "$tmp/rec.db"
	ft=$(summary "$tmp/ft.db")
	rec=$(summary "$tmp/rec.db")
	classes=$(awk -F, 'NR > 1 && $2 != "" { c = $2 < 16 ? 0 : $2 < 32 ? 1 : $2 < 8192 ? 2 : 3; n[c] += $3 }
		END { printf "%d/%d/%d/%d", n[0], n[1], n[2], n[3] }' "$d/truth.csv")
	if "$here/linux-accounting.sh" "$d" "$vr" "$tmp/ft.db" "$tmp/rec.db" > /dev/null 2>&1; then
		acct=yes
	else
		acct=NO
	fi
	echo "| $(basename "$d") | $(val kernel_release) | v$(val gic_version) | $(val mode) | $(val vcpus) | $classes | ${ft% *} | ${ft##* }/${rec##* } | $acct |"
	rm -f "$tmp"/*.db*
done
