#!/bin/sh
# Fetch Debian 12's arm64 qemu-system-aarch64 and the shared libraries it
# needs, for the lab's Linux guests: QEMU runs inside the emulated arm64
# host (L1) with KVM and boots a Linux guest (L2). The .debs of
# qemu-system-arm:arm64 and its runtime dependencies (apt-cache depends
# --recurse, no recommends) are downloaded into the lab cache with the
# system's own apt sources (arm64 as a foreign architecture, as
# fetch-kernel.sh does for 6.12) and extracted with dpkg-deb -x: nothing is
# installed, no second stage, no binfmt. Then every NEEDED library of the
# binary, recursively, is looked up with aarch64-linux-gnu-readelf -d in
# what was extracted and copied into OUTDIR; one that does not resolve
# fails the fetch.
#
# Usage: tests/lab/fetch-qemu.sh OUTDIR
#   OUTDIR/usr/bin/qemu-system-aarch64, OUTDIR/usr/lib/aarch64-linux-gnu/*.so.*
#   (the tree to put into the L1 initramfs), OUTDIR/version.
set -eu
out=$1
cache=${LAB_CACHE:-build/lab/cache}/qemu
[ -f "$out/.complete" ] && [ -x "$out/usr/bin/qemu-system-aarch64" ] && exit 0
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
READELF=${READELF:-aarch64-linux-gnu-readelf}

dpkg --print-foreign-architectures | grep -qx arm64 || {
	dpkg --add-architecture arm64
	apt-get update -qq
}
deps() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances qemu-system-arm:arm64 2>/dev/null |
		grep -v '^[ <]' | grep ':arm64$' | sort -u
}
pkgs=$(deps)
[ -n "$pkgs" ] || { apt-get update -qq; pkgs=$(deps); }
[ -n "$pkgs" ] || { echo "fetch-qemu: no qemu-system-arm:arm64 in apt" >&2; exit 1; }
missing=
for p in $pkgs; do
	ls "$cache/${p%:arm64}"_*_arm64.deb >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] || (cd "$cache" && apt-get download -q $missing)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for p in $pkgs; do
	dpkg-deb -x "$(ls "$cache/${p%:arm64}"_*_arm64.deb | head -1)" "$stage"
done
[ -x "$stage/usr/bin/qemu-system-aarch64" ] || { echo "fetch-qemu: no qemu-system-aarch64" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/usr/bin" "$out/usr/lib/aarch64-linux-gnu" "$out/lib/aarch64-linux-gnu"
cp "$stage/usr/bin/qemu-system-aarch64" "$out/usr/bin/"
# find SONAME: the file in the extracted tree, where the loader looks
find_lib() {
	for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
		[ -e "$stage/$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
todo=usr/bin/qemu-system-aarch64
done_libs=
while [ -n "$todo" ]; do
	next=
	for f in $todo; do
		for so in $($READELF -d "$stage/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case " $done_libs " in *" $so "*) continue ;; esac
			done_libs="$done_libs $so"
			rel=$(find_lib "$so") || { echo "fetch-qemu: $f needs $so: not found" >&2; exit 1; }
			cp -L "$stage/$rel" "$out/$rel"
			next="$next $rel"
		done
	done
	todo=$next
done
# the loader (libc6) is named by PT_INTERP, not NEEDED
cp -L "$stage/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" "$out/lib/aarch64-linux-gnu/"
ln -sf aarch64-linux-gnu/ld-linux-aarch64.so.1 "$out/lib/ld-linux-aarch64.so.1"
dpkg-deb -f "$(ls "$cache"/qemu-system-arm_*_arm64.deb | head -1)" Version > "$out/version"
touch "$out/.complete"
echo "fetch-qemu: qemu-system-aarch64 $(cat "$out/version"), $(echo $done_libs | wc -w) libraries, $(du -sh "$out" | cut -f1) -> $out"
