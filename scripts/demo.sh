#!/bin/sh
# make demo: the tool's main job on real recordings bundled in tests/data,
# each made in the lab (docs/lab.md) on a Debian arm64 kernel running KVM:
#   1. a real lost interrupt (6.12, four vCPUs exchanging SGIs), found in
#      the ftrace capture and in the collector's recording;
#   2. the seed bug: sid's 7.2 built with 6da5e537f5af reverted; a plain
#      check names the kernel behaviour it sees and the wrong deactivations,
#      and the same trigger on the kernel with the fix is clean;
#   3. a Linux guest under QEMU (virtio-blk, the timer, IPIs, LPIs), clean.
# Usage: scripts/demo.sh [VGIC_REPLAY] (DEMO_DIR: where the databases go,
# default build/demo). Exits 0 when every step did what it says.
set -eu
VR=${1:-build/vgic-replay}
OUT=${DEMO_DIR:-build/demo}
LOST=tests/data/lab-findings/linux-6.12-gicv3-vhe-sgi-4vcpu
BUGGY=tests/data/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger-repend
FIXED=tests/data/lab-buggy/linux-7.2-fixed-gicv3-vhe-seed-trigger-repend
GUEST=tests/data/lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu
mkdir -p "$OUT"

# step TEXT: one line saying what the next command shows
step() {
	printf '\n\033[1m== %s\033[0m\n' "$1" | { [ -t 1 ] && cat || sed 's/\x1b\[[0-9;]*m//g'; }
}
# show CMD...: print the command as one would type it, then run it
show() {
	line='$ vgic-replay'
	for a in "$@"; do
		case $a in
		*[[:space:]]*) line="$line \"$a\"" ;;
		*) line="$line $a" ;;
		esac
	done
	echo "$line"
	"$VR" "$@"
}
# expect_exit N CMD...: show CMD; its exit status must be N (1: findings)
expect_exit() {
	want=$1
	shift
	rc=0
	show "$@" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "demo: 'vgic-replay $*' exited $rc, not $want" >&2
		exit 1
	fi
}
# unxz RUN NAME: the run's collector recording, decompressed into OUT
unxz() {
	xz -dc "$1/record.db.xz" > "$OUT/$2.db"
}

step "1. A lost interrupt: import an ftrace capture of Debian 12's 6.12 (4 vCPUs sending SGIs)"
# ftrace text does not name the kernel; the run's manifest does
release=$(sed -n 's/^kernel_release=//p' "$LOST/manifest.txt")
show import --force --kernel "$release" "$LOST/trace.txt.xz" -o "$OUT/lost-sgi.db"

step "check replays it through the model: the finding names the events that prove it; the accounting shows 'lost 1'"
expect_exit 1 check "$OUT/lost-sgi.db"
events=$("$VR" check -q "$OUT/lost-sgi.db" | sed -n 's/^LOST_INTERRUPT .* events \([0-9]*\) (.*), \([0-9]*\) (.*/\1,\2/p' | head -n 1)

step "The proving events, decoded (sql on the events_v view)"
show sql "$OUT/lost-sgi.db" "SELECT id, ts, vcpu, event, intid, arg0, arg1, arg2 FROM events_v WHERE id IN ($events)"

step "The collector's recording of the same run (its AP-list walks too) says the same"
unxz "$LOST" lost-sgi-record
expect_exit 1 check -q "$OUT/lost-sgi-record.db"

step "2. The seed bug: sid's 7.2 built with 6da5e537f5af reverted (make lab-kernel-buggy); a plain check diagnoses it"
unxz "$BUGGY" buggy
expect_exit 1 check "$OUT/buggy.db"

step "The same trigger on the same kernel with the fix: every flush as linux-7.0 predicts, no findings"
unxz "$FIXED" fixed
expect_exit 0 check "$OUT/fixed.db"
echo "# The difference: on the buggy kernel the EOIcount walk starts at the AP-list head,"
echo "# deactivates 47 (still in an LR) instead of 32 (EOIed outside the LRs), and 32 stays active."

step "3. A Linux guest under Debian's QEMU (virtio-blk over MSI-X/ITS, the timer, IPIs): clean"
unxz "$GUEST" linux-guest
expect_exit 0 check "$OUT/linux-guest.db"

step "Where to go next"
cat <<EOF
  vgic-replay check -q --store $OUT/lost-sgi.db; vgic-replay tui $OUT/lost-sgi.db
                                  # the timeline; ']' jumps to the finding, '?' for keys
  vgic-replay check --profile linux-6.19 $OUT/fixed.db
                                  # what-if: the fixed kernel's trace under the unfixed walk
  vgic-replay sql $OUT/buggy.db "SELECT * FROM lrs_v WHERE phase = 'sync' AND in_use LIMIT 20"
                                  # the list registers at each exit (docs/trace-format.md)
  make man; man -l build/man/vgic-replay.1   # or docs/guide-developers.md, docs/guide-operators.md
EOF
