#!/bin/sh
# Install what the lab needs, only what is missing: QEMU for arm64, the
# aarch64 cross compiler, and the arm64 -dev packages (multiarch) that the
# static aarch64 vgic-replay links with. Run as root on Debian 12.
# With the argument kernel-build: what building an arm64 kernel from source
# needs instead (tests/lab/build-kernel-buggy.sh, make lab-kernel-buggy),
# kept out of make deps since only that target builds a kernel.
#
# Usage: tests/lab/deps.sh [kernel-build]
set -eu
dpkg --print-foreign-architectures | grep -qx arm64 || {
	dpkg --add-architecture arm64
	apt-get update -qq
}
PACKAGES="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
cpio gzip xz-utils libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64 liblzma-dev:arm64
libsqlite3-dev:arm64 libjson-c-dev:arm64"
[ "${1:-}" = kernel-build ] && PACKAGES="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu make bc
bison flex libssl-dev libelf-dev dwarves xz-utils cpio python3"
missing=""
for p in $PACKAGES; do
	case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "lab deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing || {
	apt-get update -qq
	apt-get install -y --no-install-recommends $missing
}
