#!/bin/sh
# `export --postgres` against a real PostgreSQL server this test starts
# and stops itself: a temporary cluster (Debian's postgresql package) in
# a directory of its own, listening on a Unix socket there and on no TCP
# port, run as nobody when the test runs as root (initdb refuses root),
# stopped and removed at the end whatever happens. Checked: the tables
# created on first use with their schema version, the findings rows per
# kind equal to check's, the accounting equal to check's, a second export
# of the same trace replacing its rows rather than adding to them, two
# traces side by side, and a schema version from the future refused.
. "$(dirname "$0")/lib.sh"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "not ok - PostgreSQL's server is not installed (make deps installs postgresql)"
	exit 1
fi
pg=$(mktemp -d /tmp/vr-pg-XXXXXX)
as_pg=""
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$pg"
	as_pg="runuser -u nobody --"
fi
stop_pg() {
	$as_pg "$bindir/pg_ctl" -D "$pg/data" -m immediate stop > /dev/null 2>&1
	rm -rf "$pg" "$TMP"
}
trap stop_pg EXIT
trap 'exit 2' INT TERM HUP
$as_pg "$bindir/initdb" -D "$pg/data" -A trust -U vr --no-sync > "$pg.initdb.log" 2>&1 ||
	{ echo "not ok - initdb failed"; sed 's/^/#   /' "$pg.initdb.log"; rm -f "$pg.initdb.log"; exit 1; }
rm -f "$pg.initdb.log"
$as_pg "$bindir/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o "-k $pg -c listen_addresses= -c fsync=off" \
	start > /dev/null 2>&1 || { echo "not ok - the server did not start"; sed 's/^/#   /' "$pg/log"; exit 1; }
conn="host=$pg user=vr dbname=postgres"
psql_at() {
	"$bindir/psql" -X -q -At -d "$conn" -c "$1"
}

xz -dc "$DATA/lab-findings/linux-7.2-gicv3-vhe-eoimode1-remote-race-2vcpu/record.db.xz" > "$TMP/race.db"
xz -dc "$DATA/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger-repend/record.db.xz" > "$TMP/buggy.db"

expect_ok "export --postgres: a first trace" $VR export --postgres "$conn" "$TMP/race.db"
grep -q 'loaded (profile linux-7.0, trace key fnv1a64:' "$TMP/err"; expect_eq "it says what it loaded" $? 0
expect_eq "the tables were created at schema version 1" "$(psql_at 'SELECT version FROM vgic_schema_version')" 1

# findings_match NAME DB: the findings rows per kind and the accounting are check's
findings_match() {
	$VR check --json "$2" > "$TMP/check.json" 2>/dev/null
	grep -o '"kind": "[A-Z_]*"' "$TMP/check.json" | sed 's/.*"\([A-Z_]*\)"/\1/' | sort | uniq -c |
		awk '{print $2 "|" $1}' > "$TMP/want"
	psql_at "SELECT f.kind, count(*) FROM vgic_findings f JOIN vgic_traces t USING (trace_id)
		WHERE t.path = '$2' GROUP BY f.kind ORDER BY f.kind" > "$TMP/got"
	expect_eq "$1: findings rows per kind are check's ($(tr '\n' ' ' < "$TMP/want"))" \
		"$(cat "$TMP/got")" "$(cat "$TMP/want")"
	expect_eq "$1: the acknowledgements in vgic_accounting are check's" \
		"$(psql_at "SELECT sum(acked) FROM vgic_accounting a JOIN vgic_traces t USING (trace_id)
			WHERE t.path = '$2'")" \
		"$(grep -o '"acked": [0-9]*' "$TMP/check.json" | awk '{s += $2} END {print s}')"
	expect_eq "$1: the trace row's events are check's" \
		"$(psql_at "SELECT events FROM vgic_traces WHERE path = '$2'")" \
		"$(sed -n 's/.*"events": \([0-9]*\),.*/\1/p' "$TMP/check.json")"
	expect_eq "$1: the trace row's profile is check's" \
		"$(psql_at "SELECT profile FROM vgic_traces WHERE path = '$2'")" \
		"$(sed -n 's/^  "profile": "\(.*\)",$/\1/p' "$TMP/check.json")"
}
findings_match "remote-DIR race" "$TMP/race.db"
expect_eq "a STUCK_ACTIVE finding keeps its proof events" \
	"$(psql_at "SELECT count(*) FROM vgic_findings WHERE kind = 'STUCK_ACTIVE' AND cardinality(proof_events) > 0")" \
	"$(grep -c '"kind": "STUCK_ACTIVE"' "$TMP/check.json")"

rows_before=$(psql_at "SELECT (SELECT count(*) FROM vgic_traces) || ' ' || (SELECT count(*) FROM vgic_findings) || ' ' || (SELECT count(*) FROM vgic_accounting)")
expect_eq "one trace, its 2 findings and its 16 accounting rows" "$rows_before" "1 2 16"
expect_ok "export --postgres of the same trace again" $VR export -q --postgres "$conn" "$TMP/race.db"
expect_eq "a second export replaces the trace's rows, it does not add to them" \
	"$(psql_at "SELECT (SELECT count(*) FROM vgic_traces) || ' ' || (SELECT count(*) FROM vgic_findings) || ' ' || (SELECT count(*) FROM vgic_accounting)")" \
	"$rows_before"
# The same recording copied elsewhere and checked with --store is still the same trace.
cp "$TMP/race.db" "$TMP/race-copy.db"
$VR check -q --store "$TMP/race-copy.db" > /dev/null
expect_ok "export --postgres of a stored-into copy" $VR export -q --postgres "$conn" "$TMP/race-copy.db"
expect_eq "the copy is the same trace (its key): still one row, now at the copy's path" \
	"$(psql_at "SELECT count(*) || ' ' || min(path) FROM vgic_traces")" "1 $TMP/race-copy.db"

expect_ok "export --postgres of a second trace" $VR export -q --postgres "$conn" "$TMP/buggy.db" "$TMP/race.db"
expect_eq "two traces side by side" "$(psql_at 'SELECT count(*) FROM vgic_traces')" 2
findings_match "7.2 with the seed bug reverted" "$TMP/buggy.db"
findings_match "remote-DIR race, again" "$TMP/race.db"
expect_eq "the findings of both are there, none twice" \
	"$(psql_at 'SELECT count(*) FROM vgic_findings')" \
	"$(psql_at 'SELECT sum(findings) FROM vgic_traces')"

psql_at "INSERT INTO vgic_schema_version (version) VALUES (99)"
expect_fail "tables of a newer schema version are refused" 2 \
	"postgres: the tables are at vgic-replay schema version 99; this vgic-replay writes version 1" \
	$VR export --postgres "$conn" "$TMP/race.db"
expect_fail "a server that is not there: one line" 2 "export: postgres: cannot connect" \
	$VR export --postgres "host=$pg/none user=vr" "$TMP/race.db"
expect_fail "--postgres with -o" 2 "export: --postgres writes no file" \
	$VR export --postgres "$conn" -o x.json "$TMP/race.db"
finish
