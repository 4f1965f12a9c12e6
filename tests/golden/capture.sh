#!/bin/sh
# Capture what check, predict, report and the TUI's model say of every
# real trace of the corpus (tests/data/lab, lab-findings, samples): the
# ftrace text and the collector's recording of each run, under the
# profile of its kernel (and under linux-6.19 for the seed-bug runs).
# tests/golden/expected holds the capture of the tool before the
# one-pipeline rebuild; tests/cli/t0620 holds every later build to it.
# Usage: tests/golden/capture.sh OUT_DIR VGIC_REPLAY TL_DUMP
set -eu
out=$1 vr=$2 tldump=$3
data=$(cd "$(dirname "$0")/../data" && pwd)
work=$(mktemp -d /tmp/vr-golden-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# capture NAME DB: the four views of one trace database, the path made neutral.
capture() {
	cname=$1 db=$2
	{
		echo "# check"
		"$vr" check --json --no-store "$db" || true
		case $cname in
		*seed*)
			echo "# check --profile linux-6.19"
			"$vr" check --json --no-store --profile linux-6.19 "$db" || true ;;
		esac
		echo "# predict"
		"$vr" predict "$db" 2>&1 || true
		echo "# report"
		"$vr" report --json "$db" || true
		echo "# timeline"
		"$tldump" "$db"
	} 2>&1 | sed "s|$work/[^\"]*\.db|TRACE|g" > "$out/$cname"
}

for run in "$data"/lab/*/ "$data"/lab-findings/*/; do
	name=$(basename "$run")
	kernel=$(sed -n 's/^kernel_release=//p' "$run/manifest.txt")
	xz -dc "$run/trace.txt.xz" > "$work/trace.txt"
	"$vr" import -q --force --kernel "$kernel" "$work/trace.txt" -o "$work/$name.db"
	capture "$name.ftrace" "$work/$name.db"
	if [ -f "$run/record.db.xz" ]; then
		xz -dc "$run/record.db.xz" > "$work/$name-rec.db"
		capture "$name.record" "$work/$name-rec.db"
	fi
	rm -f "$work"/*.db "$work/trace.txt"
done
for s in "$data"/samples/*.trace; do
	name=$(basename "$s" .trace)
	"$vr" import -q --force "$s" -o "$work/$name.db"
	capture "$name.sample" "$work/$name.db"
	rm -f "$work"/*.db
done
