#!/bin/sh
# Build the lab's own arm64 kernels from Debian sid's kernel source
# (linux-source-7.2, fetched through the private sid apt configuration of
# tests/lab/sid-apt.sh): first as it is (kernel-7.2-fixed), then with
# commit 6da5e537f5af ("KVM: arm64: Pick EOIcount deactivations from
# AP-list tail") reverted (kernel-7.2-buggy, an incremental rebuild), so
# that the lab can record a kernel with the seed bug and the same kernel
# without it (issue 19). The config is tests/lab/kernel/lab.config on top
# of allnoconfig, everything built in; the revert is
# tests/lab/kernel/revert-6da5e537f5af.patch. Each OUTDIR gets Image and
# release (as fetch-kernel.sh writes them, for tests/lab/run.sh), config,
# build.log and build-time (the make's wall and CPU seconds: on a shared
# machine the wall time depends on the other jobs). Long on two cores,
# hence niced and outside make test. Already built kernels are kept.
#
# Usage: tests/lab/build-kernel-buggy.sh [LAB_DIR]     (default build/lab)
#   LAB_CACHE  (LAB_DIR/cache) the sid apt state, shared with fetch-kernel.sh
#   LAB_KSRC   (LAB_DIR/kernel-7.2-src) the source package, its tree, the objects
#   LAB_KJOBS  (2) make -j
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lab=${1:-build/lab}
series=7.2
mkdir -p "$lab"
lab=$(cd "$lab" && pwd)
cache=${LAB_CACHE:-$lab/cache}
ksrc=${LAB_KSRC:-$lab/kernel-$series-src}
jobs=${LAB_KJOBS:-2}
fixed=$lab/kernel-$series-fixed
buggy=$lab/kernel-$series-buggy
fragment=$here/kernel/lab.config
revert=$here/kernel/revert-6da5e537f5af.patch
if [ -s "$fixed/Image" ] && [ -s "$buggy/Image" ]; then
	echo "build-kernel-buggy: $(cat "$fixed/release") and $(cat "$buggy/release") already built"
	exit 0
fi
mkdir -p "$cache" "$ksrc" "$fixed" "$buggy"
cache=$(cd "$cache" && pwd)
ksrc=$(cd "$ksrc" && pwd)

# The source package: the newest linux-source-7.2 the sid lists know.
. "$here/sid-apt.sh"
sid_apt_init "$cache"
pkg=linux-source-$series
ver=$(sid_aptcache show "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1)
[ -n "$ver" ] || { echo "build-kernel-buggy: no $pkg in sid" >&2; exit 1; }
deb=$ksrc/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_all.deb
if [ ! -s "$deb" ]; then
	(cd "$ksrc" && sid_aptget download "$pkg" 2>/dev/null) ||
		(sid_aptget update > /dev/null && cd "$ksrc" && sid_aptget download "$pkg" 2>/dev/null)
fi
[ -s "$deb" ] || { echo "build-kernel-buggy: $deb not downloaded" >&2; exit 1; }

# The tree, extracted once per package version.
src=$ksrc/linux-source-$series
if [ "$(cat "$src/.vr-source" 2>/dev/null)" != "${deb##*/}" ]; then
	echo "build-kernel-buggy: extracting ${deb##*/}"
	rm -rf "$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" | xz -dc | tar -x -C "$ksrc"
	echo "${deb##*/}" > "$src/.vr-source"
fi

obj=$ksrc/obj
kmake() {
	nice -n 10 make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		KBUILD_BUILD_USER=vgic-replay KBUILD_BUILD_HOST=lab "$@"
}

# The config: allnoconfig plus the fragment; every =y of it must be there.
if [ ! -s "$obj/.config" ] || [ -n "$(find "$fragment" -newer "$obj/.config")" ]; then
	mkdir -p "$obj"
	kmake -s allnoconfig KCONFIG_ALLCONFIG="$fragment"
fi
missing=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*=y\)$/\1/p' "$fragment" | while read -r l; do
	grep -qx "$l" "$obj/.config" || echo "${l%=y}"; done)
[ -z "$missing" ] || { echo "build-kernel-buggy: the config lacks:" $missing >&2; exit 1; }

# patched: is the revert applied to the tree?
patched() {
	patch -p1 -R -f -s --dry-run -d "$src" < "$revert" > /dev/null 2>&1
}

# child_ticks: the CPU time of this shell's finished children, in clock ticks
child_ticks() {
	awk '{ print $16 + $17 }' "/proc/$$/stat"
}

# build OUTDIR LOCALVERSION: make Image, keep it with its release, config and time
build() {
	t0=$(date +%s)
	c0=$(child_ticks)
	kmake -j"$jobs" LOCALVERSION="$2" Image > "$1/build.log" 2>&1 || {
		tail -n 30 "$1/build.log" >&2
		echo "build-kernel-buggy: the build failed, log in $1/build.log" >&2
		exit 1
	}
	t1=$(date +%s)
	c1=$(child_ticks)
	cp "$obj/arch/arm64/boot/Image" "$1/Image"
	kmake -s LOCALVERSION="$2" kernelrelease > "$1/release"
	cp "$obj/.config" "$1/config"
	cpu=$(((c1 - c0) / $(getconf CLK_TCK)))
	printf 'wall_seconds=%s\ncpu_seconds=%s\njobs=%s\n' $((t1 - t0)) "$cpu" "$jobs" > "$1/build-time"
	echo "build-kernel-buggy: $(cat "$1/release") -> $1/Image ($((t1 - t0)) s, CPU $cpu s)"
}

if [ ! -s "$fixed/Image" ]; then
	! patched || patch -p1 -R -f -s -d "$src" < "$revert"
	build "$fixed" -vr-fixed
fi
if [ ! -s "$buggy/Image" ]; then
	patched || patch -p1 -f -s -d "$src" < "$revert"
	build "$buggy" -vr-buggy
fi
