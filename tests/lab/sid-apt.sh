# Sourced (POSIX sh), not run: a PRIVATE apt configuration for Debian sid,
# arm64, so that the lab can fetch sid's packages (the 7.x kernels, the
# kernel source) on a Debian 12 host without touching the system's apt
# sources. Its sources list, package lists and cache live under
# CACHE/sid-apt; the mirror is the one the system's own sources name.
# fetch-kernel.sh and build-kernel-buggy.sh share it.
#
#   . tests/lab/sid-apt.sh
#   sid_apt_init CACHE     # sets sid_apt (the directory); updates the lists once
#   sid_aptget download PKG:arm64
#   sid_aptcache search --names-only REGEX

. "$(dirname "$0")/../../scripts/debian-mirror.sh"

# sid_apt_init CACHE: create CACHE/sid-apt with its own sources list (left as
# it is when it already says the same, so a shared cache stays untouched),
# and fetch the package lists if there are none yet.
sid_apt_init() {
	sid_apt=$1/sid-apt
	mkdir -p "$sid_apt/lists/partial" "$sid_apt/cache/archives/partial"
	sid_mirror=$(debian_mirror) || return 1
	sid_line="deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sid_mirror sid main"
	[ "$(cat "$sid_apt/sources.list" 2>/dev/null)" = "$sid_line" ] ||
		echo "$sid_line" > "$sid_apt/sources.list"
	for sid_list in "$sid_apt"/lists/*_Packages*; do
		[ -e "$sid_list" ] || sid_aptget update > /dev/null
		break
	done
}

# sid_aptget ARGS: apt-get with the private configuration
sid_aptget() {
	apt-get -q -o Dir::Etc::sourcelist="$sid_apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$sid_apt/lists" -o Dir::Cache="$sid_apt/cache" \
		-o APT::Architectures::=arm64 -o APT::Architecture=arm64 "$@"
}

# sid_aptcache ARGS: apt-cache with the private configuration
sid_aptcache() {
	apt-cache -o Dir::Etc::sourcelist="$sid_apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$sid_apt/lists" -o Dir::Cache="$sid_apt/cache" \
		-o APT::Architectures::=arm64 -o APT::Architecture=arm64 "$@"
}
