# Sourced (POSIX sh), not run: debian_mirror prints the Debian mirror this
# machine's apt already uses, read from the system's apt sources (deb822
# /etc/apt/sources.list.d/*.sources, one-line /etc/apt/sources.list and
# /etc/apt/sources.list.d/*.list), so that scripts fetching arm64 or sid
# packages reach the same mirror the machine is allowed to reach. The
# security archive is skipped (it has no arm64 kernels of other suites).
# With no mirror there, it says so on stderr and fails: there is no
# fallback host name, since a guessed one is often unreachable or not the
# one the machine may use.
#
#   . scripts/debian-mirror.sh
#   mirror=$(debian_mirror) || exit 1

# debian_mirror [ETC]: the mirror's URI without a trailing slash; ETC
# (default /etc/apt) is for tests.
debian_mirror() {
	dm_etc=${1:-/etc/apt}
	dm_uri=$(
		for f in "$dm_etc"/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			# one stanza per blank-line-separated block; Enabled: no skips it
			awk 'function flush() {
					if (deb && enabled && uri != "" && suites !~ /-security/ && uri !~ /security/)
						print uri
					deb = 0; enabled = 1; uri = ""; suites = ""
				}
				BEGIN { enabled = 1 }
				/^[[:space:]]*$/ { flush(); next }
				/^#/ { next }
				tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
				tolower($1) == "uris:" && uri == "" { uri = $2 }
				tolower($1) == "suites:" { suites = $0 }
				tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
				END { flush() }' "$f"
		done
		for f in "$dm_etc/sources.list" "$dm_etc"/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			# deb [options] URI SUITE COMPONENTS...
			awk '$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) !~ /-security/ && $i !~ /security/) print $i }' "$f"
		done | sed -n '/^[a-z]*:\/\//p'
	)
	dm_uri=$(echo "$dm_uri" | sed -n '1s|/*$||p')
	if [ -z "$dm_uri" ]; then
		echo "no Debian mirror in $dm_etc/sources.list or $dm_etc/sources.list.d/ (apt must be set up on this machine first)" >&2
		return 1
	fi
	echo "$dm_uri"
}
