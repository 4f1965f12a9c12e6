#!/bin/sh
# The two captures of one lab run laid on one clock: the ftrace capture
# (trace.txt) imported with `--align record.db` (the tracefs clock offsets
# the recording measured at its start and stop, then what the events both
# captures have say is left), then each event of a kind both have
# (kvm_entry, kvm_exit, vgic_update_irq_pending, kvm_set_irq,
# kvm_userspace_exit) matched with the recording's event of the same kind,
# CPU and thread nearest in time (within 200 us). Checked: more than 100
# matched; the median of the matched differences within LIMIT_NS (1000)
# of 0; and what the events moved it by after the measured clock offset
# within MEASURED_NS (50000) of 0, so the measurement itself is right to
# that (what is left is the probes' order on a tracepoint, see
# schemas/trace_align.h). Prints the numbers.
# Usage: tests/lab/clock-align.sh RUN_DIR VGIC_REPLAY [WORK_DIR]
set -eu
run=$1
vr=$2
work=${3:-$run/align}
limit=${LIMIT_NS:-1000}
measured=${MEASURED_NS:-50000}
. "$(dirname "$0")/aligned-import.sh"
cp "$rec" "$work/rec-copy.db"
kinds=$(sqlite3 "$work/rec-copy.db" "SELECT group_concat(kind) FROM event_kinds
	WHERE name IN ('kvm_entry', 'kvm_exit', 'vgic_update_irq_pending', 'kvm_set_irq',
	'kvm_userspace_exit')")
sqlite3 "$work/rec-copy.db" <<SQL > "$work/align.txt"
ATTACH '$work/aligned.db' AS a;
CREATE INDEX main.r_match ON events(kind, cpu, pid, ts_ns);
CREATE TEMP TABLE n AS
SELECT f.ts_ns AS t,
	(SELECT max(r.ts_ns) FROM main.events r WHERE r.kind = f.kind AND r.cpu = f.cpu
	 AND r.pid = f.pid AND r.ts_ns BETWEEN f.ts_ns - 200000 AND f.ts_ns) AS before,
	(SELECT min(r.ts_ns) FROM main.events r WHERE r.kind = f.kind AND r.cpu = f.cpu
	 AND r.pid = f.pid AND r.ts_ns BETWEEN f.ts_ns AND f.ts_ns + 200000) AS after
FROM a.events f WHERE f.kind IN ($kinds);
CREATE TEMP TABLE d AS
SELECT CASE WHEN after IS NULL OR (before IS NOT NULL AND t - before <= after - t)
	THEN t - before ELSE t - after END AS d FROM n;
DELETE FROM d WHERE d IS NULL;
SELECT count(*),
	(SELECT d FROM d ORDER BY d LIMIT 1 OFFSET (SELECT count(*) / 2 FROM d)),
	(SELECT d FROM d ORDER BY d LIMIT 1 OFFSET (SELECT count(*) / 10 FROM d)),
	(SELECT d FROM d ORDER BY d LIMIT 1 OFFSET (SELECT count(*) * 9 / 10 FROM d)),
	(SELECT clock FROM a.trace_info)
FROM d;
SQL
IFS='|' read -r n med p10 p90 clock < "$work/align.txt"
echo "clock-align: $n events matched; aligned ftrace - recording: median ${med} ns, p10 ${p10}, p90 ${p90}; ${clock#*; }"
[ "${n:-0}" -gt 100 ] || { echo "clock-align: too few events matched ($n)" >&2; exit 1; }
[ "${med#-}" -le "$limit" ] || { echo "clock-align: the median is more than $limit ns off" >&2; exit 1; }
more=$(echo "$clock" | sed -n 's/.*moved by \(-*[0-9]*\) ns more.*/\1/p')
[ -n "$more" ] || { echo "clock-align: the import did not refine by events" >&2; exit 1; }
[ "${more#-}" -le "$measured" ] ||
	{ echo "clock-align: the measured offset was $more ns off the events' (limit $measured)" >&2; exit 1; }
