#!/bin/sh
# Run every command a guide shows, in order, in one shell inside WORKDIR,
# and compare what each prints and its exit status with the guide
# (tests/guide/extract.awk, compare.awk). `vgic-replay tui ...` runs in a
# 100x30 tmux terminal: its first screen is its output, then `q` quits.
# The caller puts the files the guide starts from into WORKDIR and a
# vgic-replay on PATH. TRANSCRIPT=FILE keeps what the commands printed.
# Usage: tests/guide/run.sh GUIDE.md WORKDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
guide=$1
work=$2
name=$(basename "$guide" .md)
awk -v script="$work/.$name.sh" -v expect="$work/.$name.expect" -f "$here/extract.awk" "$guide" ||
	exit 1
cat > "$work/.$name.preamble" <<'PRE'
# guide_tui ARGS: the TUI in a detached terminal; print its first screen, quit.
guide_tui() {
	sock=$(pwd)/.tmux.sock
	tmux -S "$sock" -f /dev/null new-session -d -s guide -x 100 -y 30 \
		"env TERM=xterm LANG=C.UTF-8 vgic-replay tui $*; echo \$? > .tui.rc; sleep 30"
	n=0
	until tmux -S "$sock" capture-pane -p -t guide | grep -q 'q quit\|?:help\|help'; do
		n=$((n + 1)); [ $n -ge 100 ] && break; sleep 0.2
	done
	sleep 0.5
	tmux -S "$sock" capture-pane -p -t guide | sed -e 's/[[:space:]]*$//' > .tui.screen
	rm -f .tui.rc
	tmux -S "$sock" send-keys -t guide q
	n=0
	until [ -s .tui.rc ]; do n=$((n + 1)); [ $n -ge 100 ] && break; sleep 0.1; done
	tmux -S "$sock" kill-server 2>/dev/null
	# The screen without its trailing blank lines.
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' .tui.screen
	return "$(cat .tui.rc 2>/dev/null || echo 125)"
}
PRE
cat "$work/.$name.preamble" "$work/.$name.sh" > "$work/.$name.run"
transcript=${TRANSCRIPT:-$work/.$name.transcript}
(cd "$work" && sh ./".$name.run") > "$transcript" 2>&1
awk -f "$here/compare.awk" "$work/.$name.expect" "$transcript"
