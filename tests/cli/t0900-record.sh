#!/bin/sh
# `record` under bad conditions, as far as an x86 host can show them: one
# clear line each and a non-zero exit (not root, root without CAP_BPF, no
# BTF, a kernel without the vGIC, no tracefs), and a full disk stops the
# recording with what was committed kept. The tracefs backend's line reader
# is run on a real lab trace through --from-pipe and must give the rows the
# importer gives. Checks that need root, unshare or setpriv are skipped
# (with a note) where those are not available.
. "$(dirname "$0")/lib.sh"

run=$DATA/lab/linux-7.2-gicv3-vhe-spi-level
xz -dc "$run/trace.txt.xz" | grep -v '^#' > "$TMP/pipe.txt"
kernel=$(sed -n 's/^kernel_release=//p' "$run/manifest.txt")

# The tracefs backend's reader against the importer, kind by kind.
$VR record --from-pipe "$TMP/pipe.txt" --gic 3 -o "$TMP/rec.db" > /dev/null 2>&1
expect_eq "record --from-pipe exits 0" $? 0
# A finished recording leaves WAL mode (header bytes 18-19: 1 1), so a
# reader who cannot write its directory needs no -shm or -wal beside it.
expect_eq "the finished recording is in rollback mode" "$(od -An -tu1 -j18 -N2 "$TMP/rec.db" | tr -s ' ')" " 1 1"
$VR import -q --kernel "$kernel" "$TMP/pipe.txt" -o "$TMP/imp.db"
q="SELECT kind || ':' || count(*) FROM events GROUP BY kind ORDER BY kind"
expect_eq "tracefs reader and importer give the same events by kind" \
	"$($VR sql --csv --no-header "$TMP/rec.db" "$q" | tr '\n' ' ')" \
	"$($VR sql --csv --no-header "$TMP/imp.db" "$q" | tr '\n' ' ')"
q="SELECT count(*), sum(value >> 32), sum(value & 4294967295) FROM snapshot_lrs"
expect_eq "and the same LR values" "$($VR sql --csv --no-header "$TMP/rec.db" "$q")" \
	"$($VR sql --csv --no-header "$TMP/imp.db" "$q")"
# The TUI's per-zoom summaries are stored by record as by import, the same ones.
q="SELECT count(*) || ':' || sum(injections) || ':' || sum(flushes) || ':' || sum(run_ns) FROM tui_summary"
expect_eq "record stores the TUI's summaries, the same as import's" \
	"$($VR sql --csv --no-header "$TMP/rec.db" "$q")" "$($VR sql --csv --no-header "$TMP/imp.db" "$q")"
expect_eq "and they are not empty" "$($VR sql --csv --no-header "$TMP/rec.db" "SELECT count(*) > 0 FROM tui_summary")" 1
expect_fail "existing output" 1 "rec.db: already exists" \
	$VR record --from-pipe "$TMP/pipe.txt" --gic 3 -o "$TMP/rec.db"

expect_fail "bad --backend" 2 "--backend must be bpf or tracefs" $VR record --backend dtrace -o "$TMP/x.db"
expect_fail "tiny --flight" 2 "--flight needs at least" $VR record --flight 0.001 -o "$TMP/x.db"
expect_fail "--max-size with --flight" 2 "--max-size does not apply to --flight" \
	$VR record --flight 4 --max-size 10 -o "$TMP/x.db"
expect_fail "--check writes nothing" 2 "--check writes nothing .*no -o" $VR record --check -o "$TMP/x.db"
expect_fail "--check is for BPF" 2 "--check writes nothing .*--backend tracefs" \
	$VR record --check --backend tracefs
expect_fail "--finish takes nothing else" 2 "--finish FILE takes no other options" \
	$VR record --finish "$TMP/rec.db" -o "$TMP/x.db"
expect_fail "--finish without a spool" 1 "rec.db: no .*rec.db.spool next to it: nothing to finish" \
	$VR record --finish "$TMP/rec.db"
printf 'VRSPOOL1' > "$TMP/rec.db.spool"
expect_fail "--finish on a finished trace" 1 "rec.db: already holds [0-9]+ events" \
	$VR record --finish "$TMP/rec.db"
rm -f "$TMP/rec.db.spool"
test ! -e "$TMP/x.db"; expect_eq "no file from refused options" $? 0

if [ "$(id -u)" != 0 ]; then
	echo "ok - # skip: not root, the remaining checks need root"
	finish
	exit $?
fi

# This host is no arm64 KVM host: the BPF collector says so.
expect_fail "no vGIC in this kernel" 1 "no KVM vGIC .*not an arm64 KVM host" $VR record -o "$TMP/x.db"
expect_fail "record --check on a host without a vGIC" 1 "no KVM vGIC .*not an arm64 KVM host" \
	$VR record --check
if command -v setpriv > /dev/null; then
	chmod 755 "$TMP"
	expect_fail "not root" 1 "needs CAP_BPF and CAP_PERFMON .*run it as root \\(uid 65534" \
		setpriv --reuid=65534 --regid=65534 --clear-groups $VR record -o "$TMP/x.db"
	expect_fail "record --check, not root" 1 "needs CAP_BPF and CAP_PERFMON .*run it as root \\(uid 65534" \
		setpriv --reuid=65534 --regid=65534 --clear-groups $VR record --check
	expect_fail "root without CAP_BPF" 1 "needs CAP_BPF and CAP_PERFMON .*which this root process lacks" \
		setpriv --bounding-set=-bpf,-perfmon,-sys_admin $VR record -o "$TMP/x.db"
	expect_fail "tracefs backend, not root" 1 "tracefs is not mounted|needs root" \
		setpriv --reuid=65534 --regid=65534 --clear-groups $VR record --backend tracefs -o "$TMP/x.db"
else
	echo "ok - # skip: no setpriv"
fi
if unshare -m true 2> /dev/null; then
	expect_fail "kernel without BTF" 1 "this kernel has no BTF" \
		unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $VR record -o $TMP/x.db"
	# A full disk: 1 MB of tmpfs holds a third of the trace.
	mkdir -p "$TMP/full"
	unshare -m sh -c "mount -t tmpfs -o size=1m none $TMP/full &&
		$VR record --from-pipe $TMP/pipe.txt --gic 3 -o $TMP/full/t.db 2> $TMP/full.err;
		echo \$? > $TMP/full.rc; cp $TMP/full/t.db* $TMP/" > /dev/null 2>&1
	expect_eq "disk full: exit 1" "$(cat "$TMP/full.rc")" 1
	last=$(tail -1 "$TMP/full.err")
	kept=$(echo "$last" | sed -n 's/.*t.db: disk full: recording stopped; the file keeps the \([0-9]*\) events committed before$/\1/p')
	expect_eq "disk full: one line saying so ($last)" "$(test -n "$kept" && echo yes)" yes
	expect_eq "disk full: the file opens with the events it says it kept" \
		"$($VR sql --csv --no-header "$TMP/t.db" "SELECT count(*) > 0, count(*) FROM events")" "1,$kept"
else
	echo "ok - # skip: unshare -m not allowed"
fi
finish
