#!/bin/sh
# Keep verified Linux-guest runs in the corpus: the manifest, the guest's
# truth and console, the ftrace capture and the collector's recording
# compressed, L1's console without its data blocks. trace.dat is left out
# (its agreement with the ftrace text was checked when the run was made).
#
# Usage: tests/lab/keep-linux.sh RUNS_DIR CORPUS_DIR NAME...
set -eu
runs=$1
corpus=$2
shift 2
for name in "$@"; do
	src=$runs/$name
	dst=$corpus/$name
	[ -f "$src/manifest.txt" ] && [ -f "$src/truth.csv" ] || {
		echo "keep-linux: $src is not a finished run" >&2
		exit 1
	}
	# the collector checkpoints its recording when it stops: a WAL with
	# pages in it would hold events the file alone does not
	[ ! -s "$src/record.db-wal" ] || {
		echo "keep-linux: $src/record.db has a WAL with pages in it" >&2
		exit 1
	}
	rm -rf "$dst" && mkdir -p "$dst"
	cp "$src/manifest.txt" "$src/truth.csv" "$dst/"
	xz -9 -c "$src/trace.txt" > "$dst/trace.txt.xz"
	xz -9 -c "$src/record.db" > "$dst/record.db.xz"
	xz -9 -c "$src/l2-console.log" > "$dst/l2-console.log.xz"
	awk '/^===VR-BEGIN/ { skip = 1; print; next } /^===VR-END/ { skip = 0 } !skip' \
		"$src/console.log" | xz -9 > "$dst/console.log.xz"
	[ -f "$src/dmesg.txt" ] && cp "$src/dmesg.txt" "$dst/"
	echo "keep-linux: $name ($(du -sk "$dst" | cut -f1) KB)"
done
