#!/bin/sh
# Golden-screen tests of `vgic-replay tui`, in the style of tig's: drive the
# real binary in tmux on real traces from the lab corpus (the 7.2
# seed-trigger run, checked under linux-6.19 so that it carries findings,
# a two-vCPU SPI burst, the collector's recordings of SGI exchanges
# between two and four vCPUs), send scripted keys and mouse events, capture
# the screen after each step and compare it with the saved screen in
# tests/ui/screens/; a mismatch prints the diff. UPDATE=1 rewrites the
# saved screens (review them before committing).
# Usage: tests/ui/run.sh VGIC_REPLAY
set -u
vr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data/lab/linux-7.2-gicv3-vhe-seed-trigger
data2=$here/../data/lab/linux-7.2-gicv3-vhe-spi-burst-2vcpu
tmp=$(mktemp -d /tmp/vr-ui-XXXXXX)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
checks=0

"$vr" import -q --kernel 7.2.13+deb14-arm64 "$data/trace.txt.xz" -o "$tmp/t.db" || exit 1
"$vr" check -q --store --profile linux-6.19 "$tmp/t.db" > /dev/null
"$vr" import -q --kernel 7.2.13+deb14-arm64 "$data2/trace.txt.xz" -o "$tmp/t2.db" || exit 1
# without the summary tables `import` stored: tui never writes them unless --store-summaries
cp "$tmp/t.db" "$tmp/ro.db"
sqlite3 "$tmp/ro.db" "DROP TABLE tui_summary_levels; DROP VIEW tui_summary; DROP VIEW tui_summary_irq;
	DROP TABLE tui_summary_lane_chunks; DROP TABLE tui_summary_irq_chunks;
	DROP TABLE tui_summary_life_chunks"
# No corpus run lost events, so a gap is added to a copy of the two-vCPU trace the way the
# collector records a dropped ring-buffer reservation (a gaps row with its time window).
cp "$tmp/t2.db" "$tmp/gap.db"
sqlite3 "$tmp/gap.db" "INSERT INTO gaps(cpu, lost, start_ts_ns, end_ts_ns)
	VALUES (1, 1234, 6990000000, 7000000000); UPDATE trace_info SET gaps_total = 1, events_lost = 1234"

# session COLS ROWS LOCALE ARGS: vgic-replay ARGS in a detached tmux session of that size
session() {
	tmux -S "$sock" kill-server 2>/dev/null
	while [ -S "$sock" ] && tmux -S "$sock" has-session 2>/dev/null; do sleep 0.1; done
	rm -f "$sock"
	tmux -S "$sock" -f /dev/null new-session -d -s ui -x "$1" -y "$2" \
		"cd '$tmp' && env TERM=xterm ${UI_ENV:-} LANG=$3 LC_ALL=$3 sh -c '\"$vr\" $4; echo EXIT=\$?; sleep 60'"
}
# start COLS ROWS [FILE [LOCALE [OPTIONS]]]: the TUI in a detached tmux session of that size
start() {
	session "$1" "$2" "${4:-C}" "tui ${5:---ascii --no-color} ${3:-t.db}"
	sleep 1.5
}
# click X Y / wheel_up X Y: an SGR mouse event at screen cell (X, Y), 1-based
click() {
	tmux -S "$sock" send-keys -t ui -l "$(printf '\033[<0;%d;%dM' "$1" "$2")"
	tmux -S "$sock" send-keys -t ui -l "$(printf '\033[<0;%d;%dm' "$1" "$2")"
	sleep 0.8
}
wheel_up() {
	tmux -S "$sock" send-keys -t ui -l "$(printf '\033[<64;%d;%dM' "$1" "$2")"
	sleep 0.8
}
# pane_shows PATTERN: the pane shows a line matching PATTERN within 15 s
pane_shows() {
	n=0
	until tmux -S "$sock" capture-pane -p -t ui | grep -q "$1"; do
		n=$((n + 1))
		[ "$n" -ge 75 ] && return 1
		sleep 0.2
	done
}
# ok COND NAME: a check that is not a screen; on failure, what COND printed (a diff)
ok() {
	checks=$((checks + 1))
	if eval "$1" > "$tmp/ok.out" 2>&1; then echo "ok - $2"; else
		echo "not ok - $2"
		sed 's/^/#   /' "$tmp/ok.out"
		failures=$((failures + 1))
	fi
}
# keys KEY...: send keys, let the screen settle
keys() {
	tmux -S "$sock" send-keys -t ui "$@"
	sleep 0.8
}
# screen NAME: capture and compare with screens/NAME.screen
# (a loaded machine may take a while to draw: the capture is retried for up to 15 s
# until it matches, so a mismatch is a real one)
screen() {
	checks=$((checks + 1))
	tries=0
	while :; do
		tmux -S "$sock" capture-pane -p -t ui | sed -e 's/[[:space:]]*$//' > "$tmp/$1.screen"
		[ "${UPDATE:-0}" = 1 ] && break
		cmp -s "$here/screens/$1.screen" "$tmp/$1.screen" && break
		tries=$((tries + 1))
		[ "$tries" -ge 75 ] && break
		sleep 0.2
	done
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp/$1.screen" "$here/screens/$1.screen"
		echo "updated $1"
	elif diff -u "$here/screens/$1.screen" "$tmp/$1.screen" > "$tmp/$1.diff"; then
		echo "ok - screen $1"
	else
		echo "not ok - screen $1 differs:"
		sed 's/^/#   /' "$tmp/$1.diff"
		failures=$((failures + 1))
	fi
}

start 120 32 t.db C "--ascii --no-color --profile linux-6.19"
screen open
ok '[ "$("$vr" sql --csv "$tmp/t.db" "SELECT count(*) > 0 FROM tui_summary_levels" | tail -1)" = 1 ]' \
	"import stored the per-zoom summaries in the trace file"
keys ']'
screen first-finding
keys + + + +
screen zoomed-raw-events
keys - -
screen zoomed
keys m l l l l M
screen markers
keys /
keys 4 5 Enter
screen search-intid-45
# n and N repeat the search forward and backward (findings have [ and ])
c45=$(tmux -S "$sock" capture-pane -p -t ui | sed -n '1s/.*cursor \([0-9.]*\).*/\1/p')
keys n
n45=$(tmux -S "$sock" capture-pane -p -t ui | sed -n '1s/.*cursor \([0-9.]*\).*/\1/p')
ok 'awk -v a="$n45" -v b="$c45" "BEGIN { exit !(a > b) }" && tmux -S "$sock" capture-pane -p -t ui | grep -q "^ #[0-9]* .* intid 45 "' \
	"n finds INTID 45 again after the cursor ($c45 -> $n45)"
keys N
ok '[ "$(tmux -S "$sock" capture-pane -p -t ui | sed -n "1s/.*cursor \([0-9.]*\).*/\1/p")" = "$c45" ]' \
	"N goes back to the one before"
# : puts the cursor on an event id as check prints it, that very event shown
keys : 7 5 2 Enter
ok 'tmux -S "$sock" capture-pane -p -t ui | grep -q "^ #752 t="' ": 752 shows event #752 at the cursor"
keys : 9 9 9 9 9 9 Enter
ok 'tmux -S "$sock" capture-pane -p -t ui | grep -q "no event .999999. in this trace"' \
	": of an id the trace lacks says so"
keys t "$c45" Enter
keys f
keys 3 2 Enter
screen filter-intid-32
keys f
keys Enter
keys '?'
screen help
keys x '['
screen previous-finding
click 10 25
screen click-finding-in-list
tmux -S "$sock" resize-window -t ui -x 80 -y 24 2>/dev/null || tmux -S "$sock" resize-pane -t ui -x 80 -y 24
sleep 1
screen resized-80x24
keys '?'
screen help-80x24
keys x
tmux -S "$sock" resize-window -t ui -x 70 -y 20 2>/dev/null || tmux -S "$sock" resize-pane -t ui -x 70 -y 20
sleep 1
screen too-small-70x20
tmux -S "$sock" resize-window -t ui -x 80 -y 24 2>/dev/null || tmux -S "$sock" resize-pane -t ui -x 80 -y 24
sleep 1
keys q
ok 'pane_shows "^EXIT=0"' "q quits with status 0"

# A trace without summaries: they are computed in memory, the same timeline is shown, and
# the file is left byte for byte as it was; --store-summaries stores them in it.
cp "$tmp/ro.db" "$tmp/ro-before.db"
start 120 32 ro.db C "--ascii --no-color --profile linux-6.19"
screen read-only-open
ok '[ "$("$vr" sql --csv "$tmp/ro.db" "SELECT count(*) FROM sqlite_master WHERE name LIKE '"'tui_%'"'" | tail -1)" = 0 ]' \
	"the default open left the summaries out of the trace file"
keys q
ok 'cmp -s "$tmp/ro.db" "$tmp/ro-before.db"' "the default open left the trace file unchanged"
start 120 32 ro.db C "--ascii --no-color --store-summaries --profile linux-6.19"
screen read-only-open
keys q
ok '[ "$("$vr" sql --csv "$tmp/ro.db" "SELECT count(*) > 0 FROM tui_summary_levels" | tail -1)" = 1 ]' \
	"--store-summaries stored them in the trace file"

# Two vCPUs: lanes and bars of each, the host CPU on demand, a vCPU filter, the mouse, UTF-8.
start 120 40 t2.db
screen two-vcpus
keys c
screen two-vcpus-host-cpu
keys f
keys v 1 Enter
screen two-vcpus-filter-v1
keys f
keys Enter
click 60 3
screen mouse-click
wheel_up 60 3
screen mouse-wheel-zoom
keys q
# --vcpu on the command line opens on what the f key's vN shows (host CPU row on, as above).
start 120 40 t2.db C "--ascii --no-color --vcpu 1"
keys c
screen two-vcpus-filter-v1
keys q
start 120 40 t2.db C.UTF-8 "--no-color"
screen two-vcpus-utf8
keys q

# Colour: on by default where the terminal has it; off with NO_COLOR (no-color.org).
start 120 40 t2.db C "--ascii"
pane_shows "vCPU 0"
ok "tmux -S '$sock' capture-pane -e -p -t ui | grep -q '\[3[0-7];\|\[4[0-7]m\|\[3[0-7]m'" "colour on a colour terminal"
keys q
UI_ENV=NO_COLOR=1 start 120 40 t2.db C "--ascii"
pane_shows "vCPU 0"
ok "! tmux -S '$sock' capture-pane -e -p -t ui | grep -q '\[3[0-7];\|\[4[0-7]m\|\[3[0-7]m'" "no colour with NO_COLOR=1"
keys q

# The collector's recordings of SGI exchanges: SGIs pending on their targets from vgic_sgi.
xz -dc "$here/../data/lab/linux-7.2-gicv3-vhe-sgi-2vcpu/record.db.xz" > "$tmp/sgi2.db"
xz -dc "$here/../data/lab/linux-7.2-gicv3-vhe-sgi-4vcpu/record.db.xz" > "$tmp/sgi4.db"
start 120 40 sgi2.db
screen sgi-2vcpu-recorded
keys q
start 120 40 sgi4.db
screen sgi-4vcpu-recorded
keys q

# Lost events: marked on the lanes and the findings row, counted in the header.
start 120 40 gap.db
screen gap-marked
keys t
keys 6.995 Enter + + +
screen gap-zoomed
keys q

# Control characters a file carries (here in a stored finding's explanation)
# reach the terminal as ^X, never raw (issue 17 case 7): a raw ESC [2J would
# clear the screen, OSC 0 set the window title.
cp "$tmp/t.db" "$tmp/esc.db"
sqlite3 "$tmp/esc.db" "UPDATE findings SET explanation = 'A' || char(27) || '[2J' || char(27) ||
	']0;owned' || char(7) || 'B' || char(155) || '31mC end'"
start 120 32 esc.db C.UTF-8 "--no-color --profile linux-6.19"
keys "]"
tmux -S "$sock" capture-pane -p -t ui > "$tmp/esc.screen"
ok 'grep -F "A^[[2J^[]0;owned^GB" "$tmp/esc.screen"' \
	"control characters from the file are drawn as ^X, not sent to the terminal"
keys q
# A plain check that diagnosed the kernel (the lab's 7.2 with 6da5e537f5af
# reverted behaves like linux-6.19, not like its release's linux-7.0) is
# stored under the profile it chose; without -p the TUI shows that run,
# not nothing because no run is stored under the release's profile.
xz -dc "$here/../data/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger-repend/record.db.xz" > "$tmp/buggy.db"
"$vr" check -q --store "$tmp/buggy.db" > /dev/null
"$vr" check -q --store --intid 47 --profile linux-7.0 "$tmp/buggy.db" > /dev/null
start 120 32 buggy.db C "--ascii --no-color"
keys "]"
tmux -S "$sock" capture-pane -p -t ui > "$tmp/buggy.screen"
ok 'grep -q "findings (linux-6.19)" "$tmp/buggy.screen" && grep -q "MIS_DEACTIVATION" "$tmp/buggy.screen"' \
	"without -p the stored plain check's diagnosed profile and findings are shown"
keys q
# A filter on an interrupt only one vCPU has (an LPI of the Linux guest's
# virtio-blk) shows its bar: the other lanes, now without bars, must not
# take the rows the filtered interrupt's lane was given.
xz -dc "$here/../data/lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu/record.db.xz" > "$tmp/guest.db"
start 120 40 guest.db C "--ascii --no-color --read-only"
keys f
keys 8 1 9 3 Enter
tmux -S "$sock" capture-pane -p -t ui > "$tmp/guest.screen"
ok 'grep -q "^ *8193  *[A=|]" "$tmp/guest.screen" && grep -q "INTID 8193 only" "$tmp/guest.screen"' \
	"f 8193: the LPI's bar is drawn on its vCPU's lane"
ok 'sed -n 2p "$tmp/guest.screen" | grep -qE "[|][0-9]+([.][0-9]+)?s"' "the axis under the header labels round times in seconds"
keys q
# `top` on stored traces: replayed an interval of trace time at a time, each shown
# for as long, it ends on the last interval and waits; keys sort, switch to counts, help.
# start_top COLS ROWS ARGS: top in a detached tmux session of that size
start_top() {
	session "$1" "$2" C "top $3"
	sleep 1
}
start_top 100 24 "--no-color -d 0.2 -p linux-6.19 t.db"
ok 'pane_shows "end of t.db (3 intervals)"' "top replays the trace to its end and says so"
keys q
start_top 100 24 "--no-color -d 1 -p linux-6.19 t.db"
screen top-end
keys a
screen top-sort-ack
keys c
screen top-counts
keys '?'
screen top-help
keys x q
ok 'pane_shows "^EXIT=0"' "top: q quits with status 0"
xz -dc "$here/../data/lab-findings/linux-7.2-gicv3-vhe-eoimode1-remote-race-2vcpu/record.db.xz" > "$tmp/race.db"
start_top 100 24 "--no-color -d 2 race.db"
ok 'pane_shows "end of race.db"' "top on the remote-DIR race runs to its end"
keys f
screen top-race-by-findings
keys q
start_top 100 24 "--no-color -d 0.2 -n 2 sgi4.db"
ok 'pane_shows "^EXIT=0"' "top -n 2 stops by itself after two intervals"
start_top 70 20 "--no-color -d 0.2 race.db"
screen top-too-small-70x20
keys q
# doc_check DOC CMD: the page shows `vgic-replay CMD --keys` and the screens as captured
# (UPDATE=1 copies the captured screens and the key table into it).
doc_check() {
	doc=$1
	if [ "${UPDATE:-0}" = 1 ]; then
		awk -v dir="$here/screens" '
			/^<!-- screen .* -->$/ {print; name = $3; getline; print "```";
				while ((getline l < (dir "/" name ".screen")) > 0) print l
				close(dir "/" name ".screen"); skip = 1; next}
			skip && /^```$/ {print; skip = 0; next}
			!skip' "$doc" > "$tmp/doc.md"
		"$vr" "$2" --keys > "$tmp/keys.md"
		awk -v keys="$tmp/keys.md" '
			/^<!-- keys -->$/ {print; while ((getline l < keys) > 0) print l; skip = 1; next}
			/^<!-- \/keys -->$/ {skip = 0}
			!skip' "$tmp/doc.md" > "$doc"
	fi
	"$vr" "$2" --keys > "$tmp/keys.md"
	sed -n '/^<!-- keys -->$/,/^<!-- \/keys -->$/p' "$doc" | sed '1d;$d' > "$tmp/keys.doc"
	ok 'diff -u "$tmp/keys.doc" "$tmp/keys.md"' "docs/$(basename "$doc") carries the key table"
	for name in $(sed -n 's/^<!-- screen \(.*\) -->$/\1/p' "$doc"); do
		awk -v n="$name" '$0 == "<!-- screen " n " -->" {on = 1; next}
			on && /^```$/ {if (++f == 2) exit; next} on && f == 1' "$doc" > "$tmp/doc.screen"
		ok 'diff -u "$here/screens/$name.screen" "$tmp/doc.screen"' \
			"docs/$(basename "$doc") shows screen $name as captured"
	done
}
doc_check "$here/../../docs/tui.md" tui
doc_check "$here/../../docs/top.md" top
echo "# tests/ui: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
