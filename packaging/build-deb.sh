#!/bin/sh
# Build a Debian binary package of vgic-replay from a built binary: the
# files `make install PREFIX=/usr` puts in place (binary, man pages, bash
# completion), stripped and compressed as Debian policy wants, a DEP-5
# copyright file, a changelog, md5sums and a control file whose Depends
# come from dpkg-shlibdeps (none for the static arm64 binary).
#
# Usage: packaging/build-deb.sh ARCH BINARY OUT.deb VERSION
set -eu
arch=$1 binary=$2 out=$3 version=$4
top=$(pwd)
work=$(dirname "$out")/work-$arch
stage=$work/root
maint="vgic-replay maintainers <maintainers@users.noreply.r-seed-7da21f95.example>"
# Reproducible: every date is the last commit's (or now, outside git).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

rm -rf "$work"
mkdir -p "$stage/DEBIAN"
${MAKE:-make} --no-print-directory -s install DESTDIR="$top/$stage" PREFIX=/usr VR_BIN="$binary" > /dev/null

case $arch in
arm64) strip=aarch64-linux-gnu-strip ;;
*) strip=strip ;;
esac
$strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/vgic-replay"
gzip -9n "$stage"/usr/share/man/man*/*

# The watcher's service, installed disabled (nothing enables it), and its options.
install -D -m 0644 packaging/vgic-replay-watch.service "$stage/lib/systemd/system/vgic-replay-watch.service"
install -D -m 0644 packaging/vgic-replay-watch.default "$stage/etc/default/vgic-replay-watch"

doc=$stage/usr/share/doc/vgic-replay
mkdir -p "$doc"
if [ "$arch" = arm64 ]; then
	comment="Comment: The arm64 binary is statically linked with SQLite (public domain),
 libbpf (LGPL-2.1 or BSD-2-Clause), libelf of elfutils (GPL-2+ or
 LGPL-3+), liblzma of XZ Utils (public domain), zlib (Zlib), zstd
 (BSD-3-Clause or GPL-2) and the GNU C Library (LGPL-2.1+), from
 Debian's arm64 packages of the same names.
"
	note=" .
 This package holds the statically linked build for arm64 KVM hosts,
 which runs with nothing else installed: record, import of ftrace text,
 check, report, info and sql (no TUI and no trace.dat import)."
	mkdir -p "$stage/usr/share/lintian/overrides"
	printf '%s\n' "# A static build on purpose: operators copy it to hosts with nothing installed;" \
		"# zlib (for libelf and .gz captures) is linked in with the rest, from Debian's own zlib1g-dev:arm64." \
		"vgic-replay: statically-linked-binary [usr/bin/vgic-replay]" \
		"vgic-replay: embedded-library zlib [usr/bin/vgic-replay]" \
		> "$stage/usr/share/lintian/overrides/vgic-replay"
else
	comment=
	note=
fi
awk -v c="$comment" '$0 == "@COMMENT@" { printf "%s", c; next } { print }' packaging/copyright \
	> "$doc/copyright"
{
	printf 'vgic-replay (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * Built by make deb from commit %s.\n\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf ' -- %s  %s\n' "$maint" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} > "$doc/changelog"
gzip -9n "$doc/changelog"

depends=
if [ "$arch" != arm64 ]; then
	# dpkg-shlibdeps reads a source package's debian/control: give it a minimal one.
	mkdir -p "$work/src/debian"
	printf 'Source: vgic-replay\n\nPackage: vgic-replay\nArchitecture: any\n' > "$work/src/debian/control"
	deps=$(cd "$work/src" && dpkg-shlibdeps -O -e"$top/$stage/usr/bin/vgic-replay" 2>/dev/null |
		sed -n 's/^shlibs:Depends=//p')
	[ -n "$deps" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
	depends="Depends: $deps
"
fi
size=$(du -sk --apparent-size "$stage/usr" | cut -f1)
awk -v v="$version" -v a="$arch" -v s="$size" -v d="$depends" -v n="$note" '
	{ gsub(/@VERSION@/, v); gsub(/@ARCH@/, a); gsub(/@SIZE@/, s) }
	/^@DEPENDS@/ { sub(/^@DEPENDS@/, ""); printf "%s", d }
	$0 == "@NOTE@" { if (n != "") print n; next }
	{ print }' packaging/control.in > "$stage/DEBIAN/control"
(cd "$stage" && find usr lib -type f | LC_ALL=C sort | xargs md5sum) > "$stage/DEBIAN/md5sums"
echo /etc/default/vgic-replay-watch > "$stage/DEBIAN/conffiles"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage/usr/bin/vgic-replay"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" > /dev/null
echo "build-deb: $out ($(du -k "$out" | cut -f1) KB)"
