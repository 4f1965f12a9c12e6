#!/bin/sh
# Run the lab matrix (tests/lab/matrix.sh), verify each run's data and its
# ground truth (tests/lab/verify.sh), and keep the verified runs in the
# corpus. A run whose VMM or verification fails is reported and kept under
# the runs directory with its console log, never copied into the corpus.
#
# A run of a lossy scenario (eoimode1-remote*) in which the guest's truth
# shows an interrupt never acknowledged goes to FINDINGS_DIR instead
# (LAB_FINDINGS, default CORPUS_DIR-findings), with an EXPECT naming each
# lost INTID: check must report an error for it (tests/cli/t0650-findings.sh).
# So does every eoi-ooo run (the guest's out-of-order EOIs: STUCK_ACTIVE).
#
# Usage: tests/lab/run-matrix.sh VGIC_REPLAY RUNS_DIR CORPUS_DIR [PATTERN...]
#   LAB_DIR (build/lab) holds the kernels; LAB_KEEP_DAT is a case pattern of
#   run names whose trace.dat is kept too (it is large: one per kernel).
set -u
vr=$1
runs=$2
corpus=$3
shift 3
lab=${LAB_DIR:-build/lab}
keep_dat=${LAB_KEEP_DAT:-*-gicv3-vhe-spi-burst}
here=$(cd "$(dirname "$0")" && pwd)
findings=${LAB_FINDINGS:-$corpus-findings}
ok=0
failed=0
failures=

# keep NAME [DIR]: manifest, truth, compressed trace and recording, console log without data blocks
keep() {
	src=$runs/$1
	dst=${2:-$corpus}/$1
	rm -rf "$dst" && mkdir -p "$dst"
	cp "$src/manifest.txt" "$src/truth.csv" "$dst/"
	xz -9 -c "$src/trace.txt" > "$dst/trace.txt.xz"
	[ -f "$src/record.db" ] && xz -9 -c "$src/record.db" > "$dst/record.db.xz"
	awk '/^===VR-BEGIN/ { skip = 1; print; next } /^===VR-END/ { skip = 0 } !skip' \
		"$src/console.log" | xz -9 > "$dst/console.log.xz"
	[ -f "$src/dmesg.txt" ] && cp "$src/dmesg.txt" "$dst/"
	case $1 in
	$keep_dat) cp "$src/trace.dat" "$dst/" ;;
	esac
}

# lost RUN_DIR: the INTIDs the guest never acknowledged as often as they were injected
lost() {
	awk -F, 'NR > 1 && $3 > $4 { print $2 }' "$1/truth.csv"
}

set -f
matrix=$("$here/matrix.sh" "$@")
set +f
total=$(printf '%s\n' "$matrix" | grep -c .)
i=0
while read -r name kernel gic mode scenario vcpus count; do
	[ -n "$name" ] || continue
	i=$((i + 1))
	echo "lab: [$i/$total] $name"
	rm -rf "${runs:?}/$name"
	case $scenario in
	linux-*) # a Linux guest: COUNT is the window in seconds; the recording
		# verified (verify-linux.sh), then kept in the corpus, where
		# tests/cli/t0600-corpus.sh holds check to it (no finding, the guest's
		# counts within its accounting: tests/lab/linux-accounting.sh)
		if LAB_SECS=$count "$here/run.sh" "$lab/kernel-$kernel/Image" "$runs/$name" \
			"$scenario" "$vcpus" "$gic" "$mode" < /dev/null &&
			"$here/verify-linux.sh" "$runs/$name" "$vr" < /dev/null; then
			"$here/keep-linux.sh" "$runs" "$corpus" "$name"
			ok=$((ok + 1))
		else
			failed=$((failed + 1))
			failures="$failures $name"
		fi
		continue ;;
	esac
	if LAB_RECORD=1 LAB_COUNT=$count "$here/run.sh" "$lab/kernel-$kernel/Image" "$runs/$name" \
		"$scenario" "$vcpus" "$gic" "$mode" < /dev/null &&
		VERIFY_CHECK=0 "$here/verify.sh" "$runs/$name" "$vr" < /dev/null; then
		case $scenario in
		eoimode1-remote*) lostids=$(lost "$runs/$name") ;;
		*) lostids= ;;
		esac
		if [ "$scenario" = eoi-ooo ]; then
			# the guest's out-of-order EOIs leave A and B active for good:
			# check must name both STUCK_ACTIVE
			keep "$name" "$findings"
			{
				echo "# the guest EOIed 32 before 40, which preempted it (EOImode 0): both stay active"
				for id in $(lost "$runs/$name"); do echo "STUCK_ACTIVE $id"; done
			} > "$findings/$name/EXPECT"
			echo "lab: $name: INTIDs $(lost "$runs/$name" | tr '\n' ' ')stuck active, kept in $findings"
		elif [ -n "$lostids" ]; then
			keep "$name" "$findings"
			{
				echo "# the guest never acknowledged these again (truth.csv); found by the lab"
				for id in $lostids; do echo "ANY $id"; done
			} > "$findings/$name/EXPECT"
			echo "lab: $name lost INTID(s) $(echo $lostids): kept in $findings"
		else
			keep "$name"
		fi
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done <<EOF
$matrix
EOF
echo "lab: $ok of $total runs verified and kept in $corpus (Linux-guest runs: in $runs only)${failures:+; failed:$failures}"
[ "$failed" -eq 0 ]
