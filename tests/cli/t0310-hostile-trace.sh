#!/bin/sh
# A trace from a bug report is input from a stranger: values no trace can
# hold, set with sqlite3 in a real collector recording, give check,
# predict and report one line naming the file and the event, exit 2, and
# never a crash (this build runs under ASan/UBSan). The reader validates
# each event once (schemas/trace_reader.c); nothing downstream indexes
# with an unchecked value.
. "$(dirname "$0")/lib.sh"

rec="$DATA/lab/linux-7.2-gicv3-vhe-sgi-2vcpu/record.db.xz"

# hostile NAME SQL WHAT: the mutation, then each reader's verdict.
hostile() {
	h_name=$1 h_sql=$2 h_what=$3
	xz -dc "$rec" > "$TMP/$h_name.db"
	sqlite3 "$TMP/$h_name.db" "$h_sql"
	for h_cmd in "check --no-store" predict report; do
		expect_fail "$h_name: $h_cmd refuses it" 2 \
			"$h_name.db: event [0-9]+: $h_what out of range" $VR $h_cmd "$TMP/$h_name.db"
	done
}

# Issue 17 case 1: an SGI with a negative INTID wrote at a negative offset.
hostile sgi-negative-intid \
	"UPDATE events SET intid = -100000 WHERE id = (SELECT min(id) FROM events WHERE kind = (SELECT kind FROM event_kinds WHERE name = 'vgic_sgi'))" \
	"INTID -100000"
hostile huge-vcpu "UPDATE events SET vcpu = 2000000 WHERE id = 100" "vCPU 2000000"
hostile negative-vcpu "UPDATE events SET vcpu = -3 WHERE id = 100" "vCPU -3"
hostile used-lrs \
	"UPDATE snapshots SET used_lrs = 100000 WHERE event_id = (SELECT min(event_id) FROM snapshots)" \
	"LRs in use 100000"
hostile gic-version \
	"UPDATE snapshots SET gic_version = 9 WHERE event_id = (SELECT min(event_id) FROM snapshots)" \
	"GIC version 9"
hostile negative-time "UPDATE events SET ts_ns = -5 WHERE id = 100" "timestamp -5"

# A kind outside the kinds table is not read by anyone (readers ask for theirs).
xz -dc "$rec" > "$TMP/unknown-kind.db"
sqlite3 "$TMP/unknown-kind.db" "UPDATE events SET kind = 77 WHERE id = 100"
expect_ok "an event of an unknown kind is not read" $VR check --no-store "$TMP/unknown-kind.db"

# Issue 17 case 4: SQL stored in the file never runs with our rights.
xz -dc "$rec" > "$TMP/trigger.db"
sqlite3 "$TMP/trigger.db" "CREATE TRIGGER t AFTER INSERT ON replay_runs BEGIN INSERT INTO gaps(cpu) SELECT 1 FROM events; END"
for cmd in check "check --no-store" predict report tui; do
	expect_fail "a trigger in the file: $cmd refuses it" 2 \
		"trigger.db: a foreign schema object \(trigger t\)" $VR $cmd "$TMP/trigger.db"
done
expect_fail "a trigger in the file: info refuses it" 1 \
	"trigger.db: a foreign schema object \(trigger t\)" $VR info "$TMP/trigger.db"
expect_eq "the trigger never ran" "$(sqlite3 "$TMP/trigger.db" 'SELECT count(*) FROM gaps')" 0
xz -dc "$rec" > "$TMP/shadow.db"
sqlite3 "$TMP/shadow.db" "ALTER TABLE events RENAME TO events_real; CREATE VIEW events AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT * FROM events_real, r"
expect_fail "a view shadowing events is refused" 2 "shadow.db: a foreign schema object \(view events\)" \
	$VR check --no-store "$TMP/shadow.db"
xz -dc "$rec" > "$TMP/plain.db"
expect_fail "sql: VACUUM INTO writes nothing" 1 "only reading is allowed" \
	$VR sql "$TMP/plain.db" "VACUUM INTO '$TMP/copy.db'"
test ! -e "$TMP/copy.db"; expect_eq "no file written by VACUUM INTO" $? 0
expect_fail "sql: ATTACH is refused" 1 "not authorized" $VR sql "$TMP/plain.db" "ATTACH '$TMP/x.db' AS x"
expect_fail "sql: the two-argument fts3_tokenizer is refused" 1 "not authorized" \
	$VR sql "$TMP/plain.db" "SELECT fts3_tokenizer('simple', x'0000000000000000')"
expect_fail "sql: an endless query stops at --timeout" 1 "stopped after --timeout" \
	$VR sql --timeout 1 --csv --no-header "$TMP/plain.db" \
	"WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r"

# Issue 17 case 7: escape sequences in trace_info never reach the terminal.
xz -dc "$rec" > "$TMP/escape.db"
sqlite3 "$TMP/escape.db" "UPDATE trace_info SET kernel_release = '7.2' || char(27) || '[2J' || char(27) || ']0;owned' || char(7), source_file = 'a' || char(27) || '[31m' || char(194, 155) || '31m'"
for cmd in info "check --no-store" "check --no-store --json" report predict; do
	$VR $cmd "$TMP/escape.db" > "$TMP/escape.out" 2>&1
	expect_eq "$cmd prints no control character of the file" \
		"$(LC_ALL=C tr -d '\n\t' < "$TMP/escape.out" | LC_ALL=C grep -c "$(printf '[\001-\037\177]')")" 0
done

# Issue 17 case 8: a gap names no INTID, and report does not invent one.
xz -dc "$rec" > "$TMP/gap.db"
sqlite3 "$TMP/gap.db" "INSERT INTO gaps(cpu, lost, after_event_id, start_ts_ns) VALUES (0, 5, 100, (SELECT ts_ns FROM events WHERE id = 100))"
$VR report "$TMP/gap.db" > "$TMP/gap.out" 2>&1
grep -q "TRACE_GAP" "$TMP/gap.out"; expect_eq "report lists the gap" $? 0
expect_eq "report prints no INT64_MIN INTID" "$(grep -c -- '-9223372036854775808' "$TMP/gap.out")" 0

# The file is left as it was: a refused check stores nothing.
expect_eq "a refused check stores no run" \
	"$(sqlite3 "$TMP/negative-time.db" 'SELECT count(*) FROM replay_runs')" 0
finish
