#!/bin/sh
# Fetch a Debian arm64 kernel package into the lab cache and extract its
# Image. Debian 12's 6.12 and 6.1 come from the system's own apt sources
# (arm64 is added as a foreign architecture; for 6.1 the -unsigned package,
# whose vmlinuz is the plain Image without the EFI signature wrapper); sid's 7.x comes through a PRIVATE apt
# configuration with its own sources list, state and cache directories, so
# the system's apt sources are never touched (tests/lab/sid-apt.sh). The
# newest version wins; the release is printed and written next to the Image.
#
# Usage: tests/lab/fetch-kernel.sh 6.1|6.12|7.2 OUTDIR    (OUTDIR/Image, OUTDIR/release)
set -eu
series=$1
out=$2
cache=${LAB_CACHE:-build/lab/cache}
mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)
[ -s "$out/Image" ] && [ -s "$out/release" ] && exit 0

case "$series" in
6.12 | 6.1)
	dpkg --print-foreign-architectures | grep -qx arm64 || {
		dpkg --add-architecture arm64
		apt-get update -qq
	}
	# Debian 12 names 6.12 by its upstream version, 6.1 by its ABI (6.1.0-N)
	if [ "$series" = 6.12 ]; then
		re='^linux-image-6\.12\.[0-9]+\+deb12-arm64$'
	else
		re='^linux-image-6\.1\.0-[0-9]+-arm64-unsigned$'
	fi
	pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
	[ -n "$pkg" ] || { apt-get update -qq; pkg=$(apt-cache search --names-only "$re" |
		awk '{print $1}' | sort -V | tail -1); }
	[ -n "$pkg" ] || { echo "fetch-kernel: no linux-image-$series*-arm64 in apt" >&2; exit 1; }
	(cd "$cache" && ls "${pkg}"_*_arm64.deb >/dev/null 2>&1 || apt-get download -q "$pkg:arm64")
	deb=$(ls "$cache/${pkg}"_*_arm64.deb | head -1)
	;;
7.*)
	# Private apt configuration for sid (arm64 only): tests/lab/sid-apt.sh
	. "$(cd "$(dirname "$0")" && pwd)/sid-apt.sh"
	sid_apt_init "$cache"
	pkg=$(sid_aptcache search --names-only "^linux-binary-$(echo "$series" | sed 's/\./\\./')\.[0-9]+\+deb[0-9]+-arm64\$" |
		awk '{print $1}' | sort -V | tail -1)
	[ -n "$pkg" ] || { echo "fetch-kernel: no linux-binary-$series*-arm64 in sid" >&2; exit 1; }
	(cd "$cache" && ls "${pkg}"_*_arm64.deb >/dev/null 2>&1 || sid_aptget download "$pkg:arm64")
	deb=$(ls "$cache/${pkg}"_*_arm64.deb | head -1)
	;;
*)
	echo "fetch-kernel: unknown series $series" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d)
dpkg-deb -x "$deb" "$tmp"
img=$(find "$tmp/boot" "$tmp/usr/lib/modules" -name 'vmlinuz*' 2>/dev/null | head -1)
[ -n "$img" ] || { echo "fetch-kernel: no vmlinuz in $deb" >&2; rm -rf "$tmp"; exit 1; }
cp "$img" "$out/Image"
case "$img" in
*/boot/vmlinuz-*) basename "$img" | sed 's/^vmlinuz-//' > "$out/release" ;;
*) basename "$(dirname "$img")" > "$out/release" ;;
esac
rm -rf "$tmp"
echo "fetch-kernel: $(cat "$out/release") -> $out/Image"
