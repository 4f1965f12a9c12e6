#!/bin/sh
# The vGIC model against real kernels: run over every trace of the lab
# corpus and both samples, it must predict every flush the kernel made
# under the recording kernel's profile; under the other kernel's profile
# the samples (which overflow the LRs with pending+active entries) must
# diverge, so the profiles really differ where the kernels do.
. "$(dirname "$0")/lib.sh"

for run in "$DATA"/lab/*/; do
	name=$(basename "$run")
	$VR import -q --kernel "$(sed -n 's/kernel_release=//p' "$run/manifest.txt")" \
		"$run/trace.txt.xz" -o "$TMP/$name.db"
	case $name in
	linux-7.*-eoimode1)
		# Known gap, not a pass: from 6.19 the guest's ICC_DIR_EL1 traps (TDIR) and
		# KVM deactivates through vgic_v3_deactivate(), which no trace event names
		# the INTID of; the model does not replay it yet (docs/engine.md).
		echo "# skip - $name: trapped DIR (vgic_v3_deactivate / vgic_v2_deactivate) is not modelled yet"
		continue ;;
	esac
	expect_ok "$name: every flush predicted" $VR predict "$TMP/$name.db"
done
for k in 6.12 7.2; do
	$VR import -q "$DATA/samples/linux-$k-gicv3-1vcpu-spi-burst.trace" -o "$TMP/s$k.db"
	expect_ok "sample $k: every flush predicted under its own profile" $VR predict "$TMP/s$k.db"
done
expect_fail_quiet() { # the command must exit 1
	checks=$((checks + 1))
	if "$@" > /dev/null 2>&1; then echo "not ok - $*: expected differences"; failures=$((failures + 1))
	elif [ $? -eq 1 ]; then echo "ok - $*: differs as expected"
	else echo "not ok - $*: error"; failures=$((failures + 1)); fi
}
expect_fail_quiet $VR predict --profile linux-7.0 "$TMP/s6.12.db"
expect_fail_quiet $VR predict --profile linux-6.12 "$TMP/s7.2.db"
finish
