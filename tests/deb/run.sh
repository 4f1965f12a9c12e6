#!/bin/sh
# make deb-test: the Debian packages of make deb, checked as an operator
# would meet them.
#  1. lintian: an error fails (listed overrides carry their reason in the
#     package), warnings are printed;
#  2. a clean Debian 12 root (debootstrap --variant=minbase, made once and
#     kept under build/deb as a pristine copy): the native package installed
#     with apt (which fetches its dependencies), `vgic-replay --version` and
#     an import + check of a real trace run there, its man pages and bash
#     completion in place, then `dpkg -r` leaves none of its files;
#  3. the arm64 package installed into the same kind of root with dpkg (it
#     has no dependencies) and its binary run under qemu-aarch64-static.
#
# Usage: tests/deb/run.sh NATIVE.deb ARM64.deb WORKDIR
set -eu
native=$1 arm64=$2 work=$3
version=$(dpkg-deb -f "$native" Version)
suite=bookworm
failures=0 checks=0

ok() { checks=$((checks + 1)); echo "ok - $*"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok - $*"; }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
	name=$1; shift
	if "$@" > "$work/last.log" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/#   /' "$work/last.log" | tail -5; fi
}

# The mirror this machine's apt uses (scripts/debian-mirror.sh).
. "$(dirname "$0")/../../scripts/debian-mirror.sh"
mirror_uri=$(debian_mirror) || exit 2
mirror() {
	echo "$mirror_uri"
}

# 1. lintian
for deb in "$native" "$arm64"; do
	name=$(basename "$deb")
	lintian --tag-display-limit 0 --fail-on error "$deb" > "$work/lintian-$name.txt" 2>/dev/null
	rc=$?
	sed 's/^/#   /' "$work/lintian-$name.txt"
	if [ $rc -eq 0 ]; then ok "lintian $name: no errors ($(grep -c '^W:' "$work/lintian-$name.txt") warnings)"
	else not_ok "lintian $name: errors (exit $rc)"; fi
done

# 2. a clean root, made once (minutes, from the Debian mirror), then copied
pristine=$work/root-$suite
if [ ! -f "$pristine/.complete" ]; then
	rm -rf "$pristine"
	echo "# debootstrap $suite into $pristine from $(mirror) (once; kept for later runs)"
	t0=$(date +%s)
	debootstrap --variant=minbase "$suite" "$pristine" "$(mirror)" > "$work/debootstrap.log" 2>&1 ||
		{ tail -5 "$work/debootstrap.log"; echo "deb-test: debootstrap failed" >&2; exit 1; }
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror) $suite main" \
		> "$pristine/etc/apt/sources.list"
	cp /etc/resolv.conf "$pristine/etc/resolv.conf"
	chroot "$pristine" apt-get -q update > "$work/apt-update.log" 2>&1 ||
		{ tail -5 "$work/apt-update.log"; echo "deb-test: apt-get update in the root failed" >&2; exit 1; }
	touch "$pristine/.complete"
	echo "# debootstrap + apt-get update: $(($(date +%s) - t0)) s"
fi
root=$work/root
mounted=
cleanup() {
	[ -n "$mounted" ] && umount "$root/proc" 2>/dev/null
	rm -rf "$root"
}
trap cleanup EXIT INT TERM
rm -rf "$root"
cp -a "$pristine" "$root"
mount -t proc proc "$root/proc" && mounted=1
cp "$native" "$root/tmp/vgic-replay.deb"
cp tests/data/samples/linux-6.12-gicv3-1vcpu-spi-burst.trace "$root/tmp/sample.trace"

check "no vgic-replay in the clean root before" sh -c "! chroot '$root' sh -c 'command -v vgic-replay'"
check "apt-get install ./vgic-replay.deb (with its dependencies)" \
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/vgic-replay.deb
check "vgic-replay --version runs in the root" \
	sh -c "chroot '$root' vgic-replay --version | grep -qx 'vgic-replay $version'"
check "import of a real trace there" chroot "$root" vgic-replay import -q /tmp/sample.trace -o /tmp/s.db
check "check of it there: exit 0, no findings" \
	sh -c "chroot '$root' vgic-replay check /tmp/s.db | grep -q ' 0 findings'"
check "man pages installed" test -f "$root/usr/share/man/man1/vgic-replay-record.1.gz" -a \
	-f "$root/usr/share/man/man5/vgic-replay-trace-format.5.gz"
check "bash completion installed" test -f "$root/usr/share/bash-completion/completions/vgic-replay"
check "the watcher's service installed, with its options as a conffile" sh -c \
	"test -f '$root/lib/systemd/system/vgic-replay-watch.service' &&
	 chroot '$root' dpkg-query -W -f='\${Conffiles}' vgic-replay | grep -q /etc/default/vgic-replay-watch"
check "the watcher's service is not enabled" sh -c \
	"! ls '$root'/etc/systemd/system/*.wants/vgic-replay-watch.service 2>/dev/null | grep -q ."
check "dpkg -s says installed" sh -c "chroot '$root' dpkg -s vgic-replay | grep -q '^Status: install ok installed'"
# (dpkg -r keeps conffiles by design, until a purge: not counted here)
files=$(chroot "$root" dpkg -L vgic-replay | grep -vx /etc/default/vgic-replay-watch |
	while read -r f; do [ -f "$root$f" ] && echo "$f"; done)
check "dpkg -r vgic-replay" chroot "$root" dpkg -r vgic-replay
left=$(for f in $files; do [ -e "$root$f" ] && echo "$f"; done; true)
if [ -z "$left" ]; then ok "dpkg -r removed all $(echo "$files" | wc -l) files"
else not_ok "dpkg -r left: $left"; fi

# 3. the arm64 package: no dependencies, so dpkg alone installs it
cp "$arm64" "$root/tmp/vgic-replay-arm64.deb"
check "dpkg --add-architecture arm64" chroot "$root" dpkg --add-architecture arm64
check "dpkg -i the arm64 package (no dependencies to fetch)" \
	chroot "$root" dpkg -i /tmp/vgic-replay-arm64.deb
if command -v qemu-aarch64-static > /dev/null; then
	cp "$(command -v qemu-aarch64-static)" "$root/tmp/"
	check "the arm64 vgic-replay --version runs (qemu-aarch64-static)" \
		sh -c "chroot '$root' /tmp/qemu-aarch64-static /usr/bin/vgic-replay --version | grep -qx 'vgic-replay $version'"
	check "the arm64 binary imports and checks a real trace" \
		sh -c "chroot '$root' /tmp/qemu-aarch64-static /usr/bin/vgic-replay import -q --force /tmp/sample.trace -o /tmp/a.db &&
			chroot '$root' /tmp/qemu-aarch64-static /usr/bin/vgic-replay check /tmp/a.db | grep -q ' 0 findings'"
else
	not_ok "qemu-aarch64-static missing (make deps installs qemu-user-static)"
fi
echo "# deb-test: $checks checks, $failures failed"
[ $failures -eq 0 ]
