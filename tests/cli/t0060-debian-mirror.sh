#!/bin/sh
# scripts/debian-mirror.sh, which the lab's sid fetches and the package
# test use: the mirror comes only from the system's apt sources (deb822 and
# one-line forms, options, disabled and deb-src stanzas, the security
# archive skipped), and with none it fails with one line, never a guessed
# host name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/debian-mirror.sh"

etc=$TMP/etc
mkdir -p "$etc/sources.list.d"
got() { debian_mirror "$etc" 2> "$TMP/err"; }

printf 'Types: deb\nURIs: http://deb.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\n# a comment\nURIs: http://deb.example/debian/\nSuites: bookworm bookworm-updates\n' \
	> "$etc/sources.list.d/debian.sources"
expect_eq "deb822: the first non-security stanza, trailing slash dropped" "$(got)" http://deb.example/debian

printf 'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\nTypes: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://on.example/mirror\nSuites: bookworm\n' \
	> "$etc/sources.list.d/debian.sources"
expect_eq "deb822: disabled and deb-src stanzas skipped" "$(got)" http://on.example/mirror

rm "$etc/sources.list.d/debian.sources"
printf '# deb http://commented.example/debian bookworm main\ndeb http://security.debian.org/debian-security bookworm-security main\ndeb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n' \
	> "$etc/sources.list"
expect_eq "one-line sources.list: options skipped, security skipped" "$(got)" http://one.example/debian

rm "$etc/sources.list"
printf 'deb [ arch=amd64 ] http://list.example/debian bookworm main\n' > "$etc/sources.list.d/x.list"
expect_eq "one-line sources.list.d/*.list with spaced options" "$(got)" http://list.example/debian

rm "$etc/sources.list.d/x.list"
got > /dev/null
expect_eq "no mirror: exit 1" "$?" 1
expect_eq "no mirror: one line naming where it looked" \
	"$(wc -l < "$TMP/err") $(grep -c "no Debian mirror in $etc/sources.list" "$TMP/err")" "1 1"
expect_eq "no fallback host name in the scripts that fetch packages" \
	"$(grep -l 'deb\.debian\.org' "$(dirname "$0")/../lab/"*.sh "$(dirname "$0")/../deb/"*.sh "$(dirname "$0")/../../scripts/"*.sh 2>/dev/null)" ""
finish
