#!/bin/sh
# Run the lab matrix (tests/lab/matrix.sh), verify each run's data and its
# ground truth (tests/lab/verify.sh), and keep the verified runs in the
# corpus. A run whose VMM or verification fails is reported and kept under
# the runs directory with its console log, never copied into the corpus.
#
# Usage: tests/lab/run-matrix.sh VGIC_REPLAY RUNS_DIR CORPUS_DIR [PATTERN...]
#   LAB_DIR (build/lab) holds the kernels; LAB_KEEP_DAT is a case pattern of
#   run names whose trace.dat is kept too (it is large: one per kernel).
set -u
vr=$1
runs=$2
corpus=$3
shift 3
lab=${LAB_DIR:-build/lab}
keep_dat=${LAB_KEEP_DAT:-*-gicv3-vhe-spi-burst}
here=$(cd "$(dirname "$0")" && pwd)
ok=0
failed=0
failures=

# keep NAME: manifest, truth, compressed trace and recording, console log without data blocks
keep() {
	src=$runs/$1
	dst=$corpus/$1
	rm -rf "$dst" && mkdir -p "$dst"
	cp "$src/manifest.txt" "$src/truth.csv" "$dst/"
	xz -9 -c "$src/trace.txt" > "$dst/trace.txt.xz"
	[ -f "$src/record.db" ] && xz -9 -c "$src/record.db" > "$dst/record.db.xz"
	awk '/^===VR-BEGIN/ { skip = 1; print; next } /^===VR-END/ { skip = 0 } !skip' \
		"$src/console.log" | xz -9 > "$dst/console.log.xz"
	case $1 in
	$keep_dat) cp "$src/trace.dat" "$dst/" ;;
	esac
}

set -f
matrix=$("$here/matrix.sh" "$@")
set +f
total=$(printf '%s\n' "$matrix" | grep -c .)
i=0
while read -r name kernel gic mode scenario vcpus count; do
	[ -n "$name" ] || continue
	i=$((i + 1))
	echo "lab: [$i/$total] $name"
	rm -rf "${runs:?}/$name"
	if LAB_RECORD=1 LAB_COUNT=$count "$here/run.sh" "$lab/kernel-$kernel/Image" "$runs/$name" \
		"$scenario" "$vcpus" "$gic" "$mode" < /dev/null &&
		VERIFY_CHECK=0 "$here/verify.sh" "$runs/$name" "$vr" < /dev/null; then
		keep "$name"
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done <<EOF
$matrix
EOF
echo "lab: $ok of $total runs verified and kept in $corpus${failures:+; failed:$failures}"
[ "$failed" -eq 0 ]
