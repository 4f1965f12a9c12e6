#!/bin/sh
# Golden-screen tests of `vgic-replay tui`, in the style of tig's: drive the
# real binary in tmux on a real trace (the lab's 7.2 seed-trigger run,
# checked under linux-6.19 so that it carries findings), send scripted keys,
# capture the screen after each step and compare it with the saved screen
# in tests/ui/screens/; a mismatch prints the diff. UPDATE=1 rewrites the
# saved screens (review them before committing).
# Usage: tests/ui/run.sh VGIC_REPLAY
set -u
vr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data/lab/linux-7.2-gicv3-vhe-seed-trigger
tmp=$(mktemp -d /tmp/vr-ui-XXXXXX)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
checks=0

"$vr" import -q --kernel 7.2.13+deb14-arm64 "$data/trace.txt.xz" -o "$tmp/t.db" || exit 1
"$vr" check -q --profile linux-6.19 "$tmp/t.db" > /dev/null

# start COLS ROWS: the TUI in a detached tmux session of that size
start() {
	tmux -S "$sock" kill-server 2>/dev/null
	tmux -S "$sock" -f /dev/null new-session -d -s ui -x "$1" -y "$2" \
		"cd '$tmp' && env TERM=xterm LANG=C LC_ALL=C sh -c '\"$vr\" tui --ascii --no-color t.db; echo EXIT=\$?; sleep 60'"
	sleep 1.5
}
# keys KEY...: send keys, let the screen settle
keys() {
	tmux -S "$sock" send-keys -t ui "$@"
	sleep 0.8
}
# screen NAME: capture and compare with screens/NAME.screen
screen() {
	checks=$((checks + 1))
	tmux -S "$sock" capture-pane -p -t ui | sed -e 's/[[:space:]]*$//' > "$tmp/$1.screen"
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

start 120 32
screen open
keys n
screen first-finding
keys + +
screen zoomed
keys m l l l l M
screen markers
keys /
keys 4 5 Enter
screen search-intid-45
keys f
keys 3 2 Enter
screen filter-intid-32
keys f
keys Enter
keys '?'
screen help
keys x N
screen previous-finding
tmux -S "$sock" resize-window -t ui -x 80 -y 24 2>/dev/null || tmux -S "$sock" resize-pane -t ui -x 80 -y 24
sleep 1
screen resized-80x24
keys q
checks=$((checks + 1))
if tmux -S "$sock" capture-pane -p -t ui | grep -q '^EXIT=0'; then echo "ok - q quits with status 0"; else
	echo "not ok - q did not quit cleanly"; failures=$((failures + 1)); fi
echo "# tests/ui: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
