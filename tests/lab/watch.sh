#!/bin/sh
# make lab-watch (issue 21): record --flight 1 --watch in the lab, on the
# runs where 7.2 loses interrupts (eoimode1-remote-race and eoimode1-remote:
# the remote-DIR race, tests/data/lab-findings), on the buggy kernel's
# seed-trigger run (tests/data/lab-buggy) and on clean runs (the fixed
# kernel's seed-trigger, 7.2's spi-paced). Each run boots once
# (tests/lab/run.sh with LAB_RECORD=watch, under flock LAB_LOCK) and is
# judged against the same run's ftrace capture, checked offline:
#   - a run check finds losses in must get a dump from the watcher, on its
#     own, and check on that dump must report every finding the dump was
#     written for;
#   - a run check finds nothing in must get no dump.
# Prints one line per run: offline and live findings, dumps and their
# size, what check says of each dump, the watcher's CPU per 1000 events.
# Usage: tests/lab/watch.sh VGIC_REPLAY OUTDIR [NAME...]   (NAME: a case below)
# LAB_WATCH_NO_BOOT=1 judges the runs already in OUTDIR again, without booting.
set -eu
vr=$1
out=$2
shift 2
lab=${LAB_DIR:-build/lab}
export LAB_LOCK=${LAB_LOCK:-/tmp/vr-lab.lock}
export LAB_RECORD=watch
mkdir -p "$out"

# The cases: NAME KERNEL SCENARIO VCPUS GIC MODE COUNT EXPECT (lossy: a dump; clean: none)
cases='race-vhe 7.2 eoimode1-remote-race 2 3 vhe 30 lossy
remote-nvhe 7.2 eoimode1-remote 2 3 nvhe 100 lossy
buggy-vhe 7.2-buggy seed-trigger 1 3 vhe 50 lossy
fixed-vhe 7.2-fixed seed-trigger 1 3 vhe 50 clean
paced-vhe 7.2 spi-paced 1 3 vhe 100 clean'

# findings FILE: "KIND vCPU INTID" of each error finding in check's text output, sorted
findings() {
	awk '/^[A-Z_]+ +error/ {print $1, $7, $9}' "$1" | sort
}

failed=0
echo "$cases" | while read -r name kernel scenario vcpus gic mode count expect; do
	if [ $# -gt 0 ]; then
		want=0
		for n in "$@"; do [ "$n" = "$name" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	d=$out/$name
	if [ "${LAB_WATCH_NO_BOOT:-0}" = 1 ]; then
		[ -f "$d/record.log" ] || continue
	elif ! rm -rf "$d" || ! LAB_COUNT=$count tests/lab/run.sh "$lab/kernel-$kernel/Image" "$d" "$scenario" "$vcpus" \
		"$gic" "$mode" < /dev/null > "$d.run.log" 2>&1; then
		echo "lab-watch: $name: the boot failed: $(tail -3 "$d.run.log")"
		echo fail >> "$out/failed"
		continue
	fi
	rm -rf "$d/watch" && tar -C "$d" -xf "$d/watch.tar" # its dumps into $d/watch
	"$vr" check -q "$d/trace.txt" > "$d/offline.txt" 2>/dev/null || true
	"$vr" check -q "$d/record.db" > "$d/window.txt" 2>/dev/null || true
	findings "$d/offline.txt" > "$d/offline.f"
	findings "$d/window.txt" > "$d/window.f"
	sed -n 's/^record: watch: \([A-Z_]*\) vCPU \([0-9]*\) INTID \([0-9]*\) at .*/\1 \2 \3/p' \
		"$d/record.log" | sort > "$d/live.f"
	sed -n 's/^record: watch: \([A-Z_]*\) vCPU \([0-9]*\) INTID \([0-9]*\) at [^:]*: \(dump due\|joins the dump due\);.*/\1 \2 \3/p' \
		"$d/record.log" | sort > "$d/dumped.f"
	ndumps=0 sizes= dumpf=
	: > "$d/dump.f"
	for f in "$d"/watch/vgic-watch-*.db; do
		[ -f "$f" ] || continue
		ndumps=$((ndumps + 1))
		sizes="$sizes $(du -k "$f" | cut -f1)K"
		"$vr" check -q "$f" > "$f.check" 2>/dev/null || true
		findings "$f.check" >> "$d/dump.f"
	done
	sort -o "$d/dump.f" "$d/dump.f"
	cpu=$(sed -n 's/.*(\([0-9.]*\) us per 1000 events).*/\1/p' "$d/record.log")
	verdict=ok
	if [ "$expect" = lossy ]; then
		[ -s "$d/offline.f" ] || [ -s "$d/window.f" ] ||
			verdict="NOT LOSSY THIS TIME (check finds nothing offline)"
		if [ -s "$d/offline.f" ] || [ -s "$d/window.f" ]; then
			[ $ndumps -ge 1 ] || verdict="FAIL: no dump"
			missing=$(comm -23 "$d/dumped.f" "$d/dump.f" | tr '\n' ';')
			[ -z "$missing" ] || verdict="FAIL: the dump lacks $missing"
		fi
	else
		[ $ndumps -eq 0 ] || verdict="FAIL: $ndumps dumps on a clean run"
		[ ! -s "$d/offline.f" ] && [ ! -s "$d/window.f" ] ||
			verdict="NOT CLEAN THIS TIME (check finds losses offline)"
	fi
	echo "lab-watch: $name ($kernel $scenario ${vcpus}vCPU GICv$gic $mode): $verdict"
	echo "  offline (ftrace, check): $(uniq -c < "$d/offline.f" | tr -s ' ' | tr '\n' ';')"
	echo "  offline (last window):   $(uniq -c < "$d/window.f" | tr -s ' ' | tr '\n' ';')"
	echo "  live (record --watch):   $(uniq -c < "$d/live.f" | tr -s ' ' | tr '\n' ';')"
	echo "  dumps: $ndumps$sizes; check on them: $(uniq -c < "$d/dump.f" | tr -s ' ' | tr '\n' ';')"
	echo "  watcher: ${cpu:-?} us CPU per 1000 events; $(grep -m1 'records skipped' "$d/record.log" | sed 's/.*behind the newest record; //')"
	case $verdict in FAIL*) echo fail >> "$out/failed" ;; esac
done
[ ! -s "$out/failed" ] || { rm -f "$out/failed"; exit 1; }
