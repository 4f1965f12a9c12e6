#!/bin/sh
# Install the Debian packages vgic-replay needs to build and test, and only
# those that are missing: running it twice does nothing the second time.
# Usage: scripts/deps.sh [extra packages...]   (as root, or with sudo available)
set -eu

PACKAGES="gcc make pkg-config libc6-dev libsqlite3-dev sqlite3 libjson-c-dev libtracecmd-dev
libtraceevent-dev libtracefs-dev libbpf-dev libelf-dev zlib1g-dev liblzma-dev libzstd-dev bpftool trace-cmd clang libclang-rt-14-dev libncurses-dev tmux xz-utils
zstd gzip python3 python3-jsonschema scdoc dpkg-dev lintian debootstrap qemu-user-static chromium
prometheus libpq-dev postgresql"

# A name without an architecture means the native one: libzstd-dev:arm64
# (for make cross) must not pass for libzstd-dev, which dpkg-query would
# report for a bare name when only the foreign one is installed.
native=$(dpkg --print-architecture)
missing=""
for p in $PACKAGES "$@"; do
	status=$(dpkg-query -W -f='${Status} ${Architecture}\n' "$p" 2>/dev/null || true)
	case "$p" in
	*:*) want="install ok installed [a-z0-9]+" ;;
	*) want="install ok installed ($native|all)" ;;
	esac
	printf '%s\n' "$status" | grep -qE "^$want\$" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Install straight away when the package lists are fresh enough; refresh them once otherwise.
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
