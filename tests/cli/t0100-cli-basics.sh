#!/bin/sh
# Every command answers --help and bad usage the way the docs say.
. "$(dirname "$0")/lib.sh"

expect_ok "--version" $VR --version
expect_eq "--version prints the version" "$(cut -d' ' -f1 "$TMP/out")" "vgic-replay"
expect_ok "--help" $VR --help
for cmd in import info sql check report; do
	expect_ok "$cmd --help" $VR $cmd --help
	checks=$((checks + 1))
	if grep -q "^Usage: vgic-replay $cmd" "$TMP/out"; then echo "ok - $cmd --help shows usage"; else
		echo "not ok - $cmd --help shows usage"; failures=$((failures + 1)); fi
done
expect_fail "unknown command" 2 "'frobnicate' is not a command" $VR frobnicate
for cmd in record import info sql check predict tui report probes top export; do
	expect_eq "help $cmd is $cmd --help" "$($VR help $cmd)" "$($VR $cmd --help)"
done
expect_eq "help alone is --help" "$($VR help)" "$($VR --help)"
expect_fail "help of an unknown command" 2 "'frobnicate' is not a command" $VR help frobnicate
checks=$((checks + 1))
if $VR >/dev/null 2>&1; then echo "not ok - no arguments is a usage error"; failures=$((failures + 1)); else echo "ok - no arguments is a usage error"; fi
finish
