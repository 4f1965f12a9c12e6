#!/bin/sh
# Run the fuzzers of the importers and of the trace readers: `smoke` (part of make test, ~30 s each) or
# `long` (FUZZ_SECONDS each). Seeds come from the real traces in tests/data.
# Exits non-zero on any crash and prints the reproducer; a reproducer
# worth keeping goes into tests/fuzz/regressions/FUZZER/ and is run first.
# Usage: tests/fuzz/run.sh smoke|long BUILD_FUZZ_DIR
set -eu
mode=$1
dir=$2
data=$(cd "$(dirname "$0")/../data" && pwd)
secs=${FUZZ_SECONDS:-60}
[ "$mode" = smoke ] && secs=${FUZZ_SMOKE_SECONDS:-30}
# libtracecmd asks for absurd allocations on corrupt headers (they must fail,
# not abort) and leaks on those error paths (not ours: suppressed).
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")/.." && pwd)/sanitizer.supp:print_suppressions=0

seed() { # seed NAME: build the seed corpus of one fuzzer
	c=$dir/corpus-$1
	mkdir -p "$c"
	case $1 in
	fuzz_ftrace)
		for f in "$data"/samples/*.trace; do head -c 60000 "$f" > "$c/$(basename "$f")"; done
		for f in "$data"/lab/*/trace.txt.xz; do
			xz -dc "$f" | head -c 60000 > "$c/$(basename "$(dirname "$f")").txt"
		done ;;
	fuzz_tracedat)
		for f in "$data"/lab/*/trace.dat; do cp "$f" "$c/$(basename "$(dirname "$f")").dat"; done ;;
	fuzz_tracedb) # programs of edits; the file they edit is a real recording
		printf '\000\003\000\000\001' > "$c/one-edit"
		xz -dc "$data/lab/linux-7.2-gicv3-vhe-sgi-2vcpu/record.db.xz" > "$dir/seed-tracedb.db" ;;
	esac
}

rc=0
export VR_FUZZ_TRACEDB="$dir/seed-tracedb.db"
for fz in fuzz_ftrace fuzz_tracedat fuzz_tracedb; do
	seed $fz
	mkdir -p "$dir/artifacts-$fz"
	echo "fuzz: $fz for ${secs}s"
	max_len=65536
	[ $fz = fuzz_tracedat ] && max_len=2000000
	[ $fz = fuzz_tracedb ] && max_len=256
	# crashes found before, kept as inputs that must stay harmless
	regress=$(dirname "$0")/regressions/$fz
	if [ -n "$(ls "$regress" 2> /dev/null)" ] &&
		! "$dir/$fz" -runs=1 "$regress"/* > "$dir/$fz-regress.log" 2>&1; then
		echo "fuzz: $fz crashes again on a kept input:" >&2
		grep -E 'ERROR|SUMMARY|Running:' "$dir/$fz-regress.log" | tail -3 >&2
		rc=1
	fi
	if ! "$dir/$fz" -max_total_time="$secs" -max_len=$max_len -timeout=20 -rss_limit_mb=4096 \
		-artifact_prefix="$dir/artifacts-$fz/" -print_final_stats=1 \
		"$dir/corpus-$fz" > "$dir/$fz.log" 2>&1; then
		echo "fuzz: $fz FAILED; reproducer(s):" >&2
		ls "$dir/artifacts-$fz/" >&2
		grep -E 'ERROR|SUMMARY' "$dir/$fz.log" | head -5 >&2
		rc=1
	fi
	# executions, peak memory and the edges covered at the end, for the closing notes
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$dir/$fz.log" | tr '\n' ' '
	grep -Eo 'DONE +cov: [0-9]+ ft: [0-9]+' "$dir/$fz.log" | tail -1 || echo
done
exit $rc
