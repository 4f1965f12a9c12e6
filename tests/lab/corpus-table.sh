#!/bin/sh
# Print the corpus as a markdown table, one row per run, from the runs'
# manifests and ground truth: kernel, boot and run seconds, trace lines,
# guest entries, flush/sync snapshots, trapped DIRs, SGIs, MMIO events and
# injected/acknowledged. docs/lab.md carries its output.
#
# Usage: tests/lab/corpus-table.sh [CORPUS_DIR]   (default tests/data/lab)
set -eu
corpus=${1:-tests/data/lab}
echo "| run | kernel | boot s | run s | trace lines | entries | flush/sync | DIR | SGI | MMIO | injected/acked |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for m in "$corpus"/*/manifest.txt; do
	d=$(dirname "$m")
	awk -F= -v run="$(basename "$d")" -v truth="$d/truth.csv" '
		{ v[$1] = $2 }
		END {
			inj = 0; ack = 0
			while ((getline line < truth) > 0) {
				n = split(line, f, ",")
				if (f[1] ~ /^[0-9]+$/) { inj += f[3]; ack += f[4] }
			}
			dir = ("events_deactivate" in v) ? v["events_deactivate"] : "-"
			sgi = ("events_sgi" in v) ? v["events_sgi"] : "-"
			mmio = ("events_kvm_mmio" in v) ? v["events_kvm_mmio"] : "-"
			printf "| %s | %s | %s | %s | %s | %s | %s/%s | %s | %s | %s | %d/%d |\n", run,
				v["kernel_release"], v["boot_seconds"], v["run_seconds"], v["trace_lines"],
				v["events_kvm_entry"], v["events_flush"], v["events_sync"], dir, sgi, mmio,
				inj, ack
		}' "$m"
done
