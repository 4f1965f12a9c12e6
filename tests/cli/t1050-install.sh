#!/bin/sh
# make install / make uninstall with DESTDIR and PREFIX: the binary, every
# man page and the bash completion land where they belong, the completion
# completes from the installed binary's --help, and uninstall removes every
# file install put there.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
stage=$TMP/stage
make -s -C "$top" --no-print-directory install DESTDIR="$stage" PREFIX=/opt/vr VR_BIN="$VR_FAST" \
	> "$TMP/install.log" 2>&1
expect_eq "make install DESTDIR= PREFIX= succeeds" "$?" 0
expect_eq "the binary is installed and runs" \
	"$("$stage/opt/vr/bin/vgic-replay" --version)" "$($VR_FAST --version)"
nman=$(ls "$top"/docs/man/*.scd | wc -l)
expect_eq "every man page is installed ($nman)" \
	"$(ls "$stage/opt/vr/share/man/man1" "$stage/opt/vr/share/man/man5" | grep -c '\.[15]$')" "$nman"
expect_eq "the trace format page is in section 5" \
	"$(ls "$stage/opt/vr/share/man/man5")" "vgic-replay-trace-format.5"
comp=$stage/opt/vr/share/bash-completion/completions/vgic-replay
test -f "$comp"; expect_eq "bash completion installed" $? 0

# The completion, run as bash would on <TAB>, with the installed binary on PATH.
complete_words() { # complete_words WORD...: what <TAB> offers after them
	PATH="$stage/opt/vr/bin:$PATH" bash -c '. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vgic_replay
		printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" vgic-replay "$@"
}
expect_eq "completes subcommands" "$(complete_words ch | tr '\n' ' ')" "check "
expect_eq "completes a subcommand's options" "$(complete_words record --fl | tr '\n' ' ')" "--flight "
expect_eq "completes profile names" "$(complete_words check --profile linux-7 | tr '\n' ' ')" \
	"$($VR_FAST check --list-profiles | awk '$1 ~ /^linux-7/ { printf "%s ", $1 }')"

make -s -C "$top" --no-print-directory uninstall DESTDIR="$stage" PREFIX=/opt/vr > /dev/null 2>&1
expect_eq "make uninstall succeeds" "$?" 0
expect_eq "uninstall leaves no file behind" "$(find "$stage" -type f | wc -l)" 0
finish
