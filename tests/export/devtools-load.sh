#!/bin/sh
# Load export --format perfetto documents in a real viewer's parser: the
# trace engine of Chrome DevTools' Performance panel (npm package
# @paulirish/trace_engine, Chromium's own code), run by node. It needs
# node and npm (not part of make deps: make export-viewer-test only), and
# the package is fetched once into build/trace-engine.
# Usage: tests/export/devtools-load.sh VGIC_REPLAY
set -eu
vr=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
engine=$root/build/trace-engine
command -v node > /dev/null && command -v npm > /dev/null ||
	{ echo "export-viewer-test: needs node and npm (apt-get install nodejs npm)" >&2; exit 2; }
if [ ! -d "$engine/node_modules/@paulirish/trace_engine" ]; then
	mkdir -p "$engine"
	(cd "$engine" && npm install --silent --no-audit --no-fund @paulirish/trace_engine@0.0.65 > /dev/null)
fi
tmp=$(mktemp -d /tmp/vr-export-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat > "$engine/load.mjs" << 'JS'
import {analyzeTrace} from './node_modules/@paulirish/trace_engine/analyze-trace.mjs';
const {parsedTrace} = await analyzeTrace(process.argv[2]);
const d = parsedTrace.data, threads = [];
for (const [, proc] of d.Renderer.processes) for (const [, t] of proc.threads) threads.push(t.name);
console.log(JSON.stringify({threads: threads.sort(), flows: d.Flows.flows.length}));
JS
failures=0
for run in lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger-repend lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu \
	lab-findings/linux-6.12-gicv3-vhe-sgi-4vcpu; do
	xz -dc "$root/tests/data/$run/record.db.xz" > "$tmp/t.db"
	"$vr" export -q -f perfetto -o "$tmp/t.json" "$tmp/t.db"
	findings=$("$vr" check -q "$tmp/t.db" | grep -c '^[A-Z_]* *error' || true)
	out=$(node "$engine/load.mjs" "$tmp/t.json")
	# every vCPU lane is a thread DevTools knows; findings with proof draw flows
	lanes=$(echo "$out" | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["threads"] if t.startswith("vcpu") and " " not in t))')
	vcpus=$("$vr" sql --csv --no-header "$tmp/t.db" "SELECT count(DISTINCT vcpu) FROM events WHERE vcpu IS NOT NULL")
	flows=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"])')
	if [ "$lanes" = "$vcpus" ] && { [ "$findings" = 0 ] || [ "$flows" -gt 0 ]; }; then
		echo "ok - $run: DevTools' trace engine loads it: $lanes vCPU lanes, $flows flows ($findings findings)"
	else
		echo "not ok - $run: $out (vCPUs $vcpus, findings $findings)"
		failures=$((failures + 1))
	fi
done
[ "$failures" -eq 0 ]
