#!/bin/sh
# The collector's events against ftrace's, kind by kind, over the same
# window of one Linux-guest run (tests/lab/linux.sh): the ftrace capture
# (trace.txt) is imported with `--align record.db` (on the recording's
# clock, tests/lab/clock-align.sh), its first and last events bound the
# window (less MARGIN_NS, 5 ms, at each end: the two clocks agree to a
# few hundred microseconds there, and the kprobe instance stops after the
# main one), and each kind both captures have is counted in it, in ftrace's
# capture without the second VM's VMM's threads (comm "vmm", linux.sh
# vr.other=1) and in the recording. Equal counts pass; so does a
# recording with fewer, when the events its gaps in the window say were
# lost (gaps.lost: ring-buffer drops, recursion misses) make up the
# difference. Prints one line per kind, and the recursion misses the
# recording's summary reported (record.log) when it is there.
# Usage: tests/lab/linux-counts.sh RUN_DIR VGIC_REPLAY [WORK_DIR]
set -eu
run=$1
vr=$2
work=${3:-$run/counts}
margin=${MARGIN_NS:-5000000}
. "$(dirname "$0")/aligned-import.sh"
other=$(xz -dcf "$txt" | awk '$1 ~ /^vmm-/ { n = split($1, a, "-"); print a[n] }' | sort -u |
	tr '\n' , | sed 's/,$//')
sqlite3 -separator ' ' "$rec" <<SQL > "$work/counts.txt"
ATTACH '$work/aligned.db' AS a;
CREATE TEMP TABLE w AS SELECT min(ts_ns) + $margin AS t0, max(ts_ns) - $margin AS t1 FROM a.events;
CREATE TEMP TABLE f AS SELECT k.name AS name, count(*) AS n FROM a.events e
	JOIN a.event_kinds k ON k.kind = e.kind, w
	WHERE e.pid NOT IN (${other:-0}) AND e.ts_ns BETWEEN w.t0 AND w.t1 GROUP BY k.name;
CREATE TEMP TABLE r AS SELECT k.name AS name, count(*) AS n FROM main.events e
	JOIN main.event_kinds k ON k.kind = e.kind, w
	WHERE e.ts_ns BETWEEN w.t0 AND w.t1 GROUP BY k.name;
SELECT f.name, f.n, coalesce(r.n, 0) FROM f LEFT JOIN r USING (name)
	WHERE f.name IN (SELECT name FROM main.event_kinds k
		WHERE EXISTS (SELECT 1 FROM main.events e WHERE e.kind = k.kind))
	ORDER BY f.name;
SELECT 'gaps', coalesce(sum(max(lost, 0)), 0), count(*) FROM main.gaps, w
	WHERE coalesce(end_ts_ns, start_ts_ns) >= w.t0 AND start_ts_ns <= w.t1;
SELECT 'window', t0, t1 FROM w;
SQL
set -- $(sed -n 's/^window //p' "$work/counts.txt")
window="$(((${2} - ${1}) / 1000000)) ms"
set -- $(sed -n 's/^gaps //p' "$work/counts.txt")
lost=$1
gaps=$2
short=0
bad=
while read -r name f r; do
	case $name in gaps | window) continue ;; esac
	d=$((f - r))
	mark=
	[ $d = 0 ] || { mark="  differs by $d"; short=$((short + d)); }
	[ $d -ge 0 ] || bad="$bad $name"
	echo "  $name ftrace $f collector $r$mark"
done < "$work/counts.txt"
misses=
[ -f "$run/record.log" ] && misses=$(sed -n 's/.*(\([0-9]*\) of them recursion misses).*/\1/p' "$run/record.log" | tail -1)
echo "linux-counts $run: over ${window} of ftrace: the collector ${short} short; its gaps there: $gaps, $lost events lost; recursion misses reported: ${misses:-0}"
[ -z "$bad" ] || { echo "linux-counts: the collector has more events than ftrace:$bad" >&2; exit 1; }
[ $short = 0 ] || [ $short -le "$lost" ] ||
	{ echo "linux-counts: $short events missing, more than the $lost its gaps report" >&2; exit 1; }
