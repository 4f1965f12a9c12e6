#!/bin/sh
# record --flight --watch (issue 21), driven by --from-trace: a stored
# recording's events go through the collector's push path, the flight
# ring, the watcher and its dumps as a live recording's do. On lab runs
# where 7.2 lost interrupts (tests/data/lab-findings) and on the buggy
# kernel's runs (tests/data/lab-buggy) the watcher must write a dump by
# itself, with the findings check makes on the whole recording, and check
# on that dump must report them; on the fixed kernel's runs, none. Then
# the dump policy (interval, disk budget), --metrics through promtool, and
# the usage errors.
. "$(dirname "$0")/lib.sh"

LF=$DATA/lab-findings
LB=$DATA/lab-buggy
HOST=$(uname -n)

# watch NAME TRACE_XZ [OPTIONS...]: play TRACE into a watched flight recording in $TMP/NAME
watch() {
	name=$1 xz=$2
	shift 2
	mkdir -p "$TMP/$name"
	xz -dc "$xz" > "$TMP/$name.db"
	$VR record --from-trace "$TMP/$name.db" --flight 1 --watch --watch-dir "$TMP/$name" \
		-o "$TMP/$name/last.db" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err"
}

# findings CHECK_OUTPUT: "KIND vCPU INTID" per error finding, sorted
findings() {
	awk '/^[A-Z_]+ +error/ {print $1, $7, $9}' "$1" | sort
}

# live_findings STDERR [VERDICT]: the same, from the watcher's lines (those dumped: "dump")
live_findings() {
	case ${2:-} in
	dump) v='\(dump due\|joins the dump due\)' ;;
	*) v='.*' ;;
	esac
	sed -n "s/^record: watch: \([A-Z_]*\) vCPU \([0-9]*\) INTID \([0-9]*\) at [^:]*: $v;.*/\1 \2 \3/p" \
		"$1" | sort
}

# dumps NAME: the watcher's dumps of run NAME
dumps() {
	ls "$TMP/$1" | grep "^vgic-watch-$HOST-.*\.db\$"
}

# lossy NAME DIR: a run check finds losses in; the watcher dumps once, findings alike
lossy() {
	watch "$1" "$2/record.db.xz"
	expect_eq "$1: record --watch exits 0" "$?" 0
	$VR check -q "$TMP/$1.db" > "$TMP/$1.check"
	findings "$TMP/$1.check" > "$TMP/$1.want"
	live_findings "$TMP/$1.err" > "$TMP/$1.live"
	expect_eq "$1: check finds losses in the whole recording" \
		"$(test -s "$TMP/$1.want" && echo yes)" yes
	expect_eq "$1: the watcher's findings are check's" "$(cat "$TMP/$1.live")" \
		"$(cat "$TMP/$1.want")"
	expect_eq "$1: one dump, named after the host, time and finding" \
		"$(dumps "$1" | sed 's/^vgic-watch-.*-[0-9]\{8\}T[0-9]\{6\}Z-\([A-Z_]*\)\.db$/\1/')" \
		"$(head -1 "$TMP/$1.live" | cut -d' ' -f1)"
	d=$(dumps "$1" | head -1)
	$VR check -q "$TMP/$1/$d" > "$TMP/$1.dumpcheck"
	findings "$TMP/$1.dumpcheck" > "$TMP/$1.dump"
	live_findings "$TMP/$1.err" dump > "$TMP/$1.dumped"
	missing=$(comm -23 "$TMP/$1.dumped" "$TMP/$1.dump")
	expect_eq "$1: check on the dump reports the findings it was written for" "$missing" ""
	# The dump starts mid-run: what was active before it is unknown, never a finding.
	expect_eq "$1: check on the dump reports no finding the whole recording lacks" \
		"$(comm -13 "$TMP/$1.want" "$TMP/$1.dump" | tr '\n' ' ')" ""
}

# clean NAME DIR: a run check finds nothing in; the watcher neither
clean() {
	watch "$1" "$2/record.db.xz"
	expect_eq "$1: record --watch exits 0" "$?" 0
	expect_eq "$1: no finding line" "$(live_findings "$TMP/$1.err")" ""
	expect_eq "$1: no dump" "$(dumps "$1")" ""
}

lossy race "$LF/linux-7.2-gicv3-vhe-eoimode1-remote-race-2vcpu"
lossy race-nvhe "$LF/linux-7.2-gicv3-nvhe-eoimode1-remote-race-2vcpu-run2"
lossy remote-v2 "$LF/linux-7.2-gicv2-nvhe-eoimode1-remote-2vcpu"
lossy buggy "$LB/linux-7.2-buggy-gicv3-vhe-seed-trigger"
expect_eq "buggy: the live diagnosis names linux-6.19, as check's" \
	"$(grep -c 'diagnosis: kernel behaviour matches linux-6.19' "$TMP/buggy.err")" 1
lossy buggy-repend "$LB/linux-7.2-buggy-gicv3-nvhe-seed-trigger-repend"
clean fixed "$LB/linux-7.2-fixed-gicv3-vhe-seed-trigger"
clean fixed-repend "$LB/linux-7.2-fixed-gicv3-nvhe-seed-trigger-repend"
# A Linux guest whose virtio SPI (INTID 79) first fires after the learning
# prefix, past every INTID the prefix named: it must be modelled all the same.
clean linux-blk "$DATA/lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu"
# A GICv2 Linux guest whose first SGIs come after the prefix: vgic_sgi is
# recorded all the same (the GICD_SGIR writes must not inject them again).
clean linux-ipi-v2 "$DATA/lab/linux-6.12-gicv2-vhe-linux-ipi-2vcpu"
# A recursion miss whose window (51 ms) holds a flush: unknown, as in check.
clean linux-blk-v2 "$DATA/lab/linux-7.2-gicv2-vhe-linux-blk-2vcpu"
# LPIs first queued after the prefix (virtio-net through the ITS).
clean linux-net "$DATA/lab/linux-6.1-gicv3-vhe-linux-net-2vcpu"

# The policy: a burst makes one dump; --watch-interval 0 lets findings far apart make more.
R=$LF/linux-7.2-gicv3-nvhe-eoimode1-remote-2vcpu/record.db.xz
watch interval "$R" --watch-after 0.1 --watch-interval 0.1
expect_eq "--watch-interval 0.1: a dump per finding far enough apart" "$(dumps interval | wc -l)" 3
$VR_FAST check -q "$TMP/interval.db" > "$TMP/interval.check"
findings "$TMP/interval.check" > "$TMP/interval.want"
for d in $(dumps interval); do # each starts mid-run, at another point
	$VR_FAST check -q "$TMP/interval/$d" > "$TMP/interval.dumpcheck"
	findings "$TMP/interval.dumpcheck" > "$TMP/interval.dump"
	expect_eq "interval: $d reports no finding the whole recording lacks" \
		"$(comm -13 "$TMP/interval.want" "$TMP/interval.dump" | tr '\n' ' ')" ""
done
watch every60 "$R" --watch-after 0.1
expect_eq "--watch-interval 60: one dump, the later findings logged and counted" \
	"$(dumps every60 | wc -l)" 1
expect_eq "--watch-interval 60: they say why they were not dumped" \
	"$(grep -c 'not dumped: the last dump is too recent' "$TMP/every60.err")" 2
watch disk "$R" --watch-max-disk 0.1
expect_eq "--watch-max-disk 0.1: a dump over the budget is removed" "$(dumps disk)" ""
expect_eq "--watch-max-disk: said so" "$(grep -c 'would exceed --watch-max-disk' "$TMP/disk.err")" 1
cp "$TMP/race/$(dumps race)" "$TMP/disk/vgic-watch-earlier-run.db"
watch disk2 "$R" --watch-max-disk 0.3 --watch-dir "$TMP/disk"
expect_eq "--watch-max-disk counts an earlier run's dumps" "$(dumps disk | wc -l)" 0

# --metrics: the exposition format, checked by Prometheus' own promtool.
watch metrics "$LF/linux-7.2-gicv3-vhe-eoimode1-remote-race-2vcpu/record.db.xz" \
	--metrics "$TMP/vgic.prom"
checks=$((checks + 1))
if ! command -v promtool >/dev/null; then
	echo "not ok - promtool is missing (scripts/deps.sh installs Debian's prometheus)"
	failures=$((failures + 1))
elif promtool check metrics < "$TMP/vgic.prom" > "$TMP/promtool.out" 2>&1; then
	echo "ok - --metrics passes promtool check metrics"
else
	echo "not ok - promtool check metrics:"; sed 's/^/#   /' "$TMP/promtool.out" | head -5
	failures=$((failures + 1))
fi
expect_eq "--metrics counts the findings by kind" \
	"$(sed -n 's/^vgic_replay_findings_total{.*kind="STUCK_ACTIVE"} //p' "$TMP/vgic.prom")" 2
expect_eq "--metrics counts the dump" "$(sed -n 's/^vgic_replay_dumps_total{.*} //p' "$TMP/vgic.prom")" 1
expect_eq "--metrics labels the profile" \
	"$(grep -c 'profile="linux-7.0"' "$TMP/vgic.prom" | awk '{print ($1 > 10)}')" 1
expect_eq "--metrics leaves no temporary file" "$(ls "$TMP" | grep -c 'vgic.prom.tmp')" 0
watch stats "$LF/linux-7.2-gicv3-vhe-eoimode1-remote-race-2vcpu/record.db.xz" --prog-stats
expect_eq "--prog-stats prints the watcher's CPU, lag and memory" \
	"$(grep -cE '^record: watcher: (.* us per 1000 events|memory: )' "$TMP/stats.err")" 2

# Falling behind: with the tests' knob (VR_TEST_WATCH_SLOW_US: a wait per item
# checked, and a file fed as the live ring feeds it, skipping when the queue is
# full) the watcher skips records, says so, counts them (--prog-stats and
# --metrics alike), checks each hole as a gap (TRACE_GAP), and makes no finding
# check does not make of the whole recording.
# behind NAME TRACE_XZ: a watched recording of TRACE by a watcher that falls behind
behind() {
	export VR_TEST_WATCH_SLOW_US=50
	watch "$1" "$2" --prog-stats --metrics "$TMP/$1.prom"
	rc=$?
	unset VR_TEST_WATCH_SLOW_US
	expect_eq "$1 behind: record --watch exits 0" "$rc" 0
	expect_eq "$1 behind: the knob says it is on" \
		"$(grep -c 'VR_TEST_WATCH_SLOW_US=50 (a test.s knob)' "$TMP/$1.err")" 1
	expect_eq "$1 behind: the watcher says it is behind and skipping" \
		"$(grep -c '^record: watch: behind: its queue (0.2 MB) is full; skipping records' \
			"$TMP/$1.err" | awk '{print ($1 > 0)}')" 1
	n=$(sed -n 's/.* \([0-9]*\) records skipped (\([0-9]*\) times behind)$/\1/p' "$TMP/$1.err")
	expect_eq "$1 behind: --prog-stats counts the records skipped" "$([ "${n:-0}" -gt 0 ]; echo $?)" 0
	expect_eq "$1 behind: --metrics counts as many" \
		"$(sed -n 's/^vgic_replay_watch_skipped_records_total{.*} //p' "$TMP/$1.prom")" "$n"
	expect_eq "$1 behind: the holes are checked as gaps" \
		"$(sed -n 's/^vgic_replay_findings_total{.*kind="TRACE_GAP"} //p' "$TMP/$1.prom" |
			awk '{print ($1 > 0)}')" 1
	$VR check -q "$TMP/$1.db" > "$TMP/$1.check"
	findings "$TMP/$1.check" > "$TMP/$1.want"
	live_findings "$TMP/$1.err" > "$TMP/$1.live"
	expect_eq "$1 behind: no finding that check does not make" \
		"$(comm -23 "$TMP/$1.live" "$TMP/$1.want")" ""
}
behind net "$DATA/lab/linux-7.2-gicv3-vhe-linux-net-2vcpu/record.db.xz"
expect_eq "net behind: a clean run, no finding line" "$(live_findings "$TMP/net.err")" ""
behind remote "$LF/linux-7.2-gicv2-nvhe-eoimode1-remote-2vcpu/record.db.xz"

# Usage errors: one line, exit 2.
expect_fail "--watch needs --flight" 2 "need --flight" $VR record --watch -o "$TMP/x.db"
expect_fail "--metrics needs --flight" 2 "need --flight" $VR record --metrics "$TMP/m" -o "$TMP/x.db"
expect_fail "--watch-dir goes with --watch" 2 "go with --watch" \
	$VR record --flight 1 --watch-dir "$TMP" -o "$TMP/x.db"
expect_fail "--watch-after takes seconds" 2 "watch-after" \
	$VR record --flight 1 --watch --watch-after soon -o "$TMP/x.db"
expect_fail "--from-trace with --pid" 2 "from-trace" \
	$VR record --from-trace "$TMP/race.db" --flight 1 --pid 1 -o "$TMP/x.db"
expect_fail "--from-trace of a missing file" 1 "no-such" \
	$VR record --from-trace "$TMP/no-such.db" --flight 1 -o "$TMP/x.db"

echo "# $(basename "$0"): $checks checks, $failures failed"
[ "$failures" -eq 0 ]
