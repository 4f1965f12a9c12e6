#!/bin/sh
# A recording started while a guest is busy (what operators do: `record`
# attaches to a running VMM) begins with interrupts already pending, some
# on an AP list but in no LR. `check` must not mistake that for a
# divergence: each real collector trace of the corpus, cut at several
# points, has no findings.
#
# The retarget runs too: an SPI the guest routed elsewhere before the cut
# takes its target from its first Pending-only LR, not its first LR.
. "$(dirname "$0")/lib.sh"

for db in "$DATA"/lab/*/record.db.xz; do
	name=$(basename "$(dirname "$db")")
	[ -n "$(known_gap "$name")$(known_gap "$name:record")" ] && continue
	xz -dc "$db" > "$TMP/full.db"
	last=$(sqlite3 "$TMP/full.db" "SELECT max(id) FROM events")
	for pct in 23 41 58 77; do
		cut=$((last * pct / 100))
		rm -f "$TMP"/cut.db* # a WAL left by the last one would replay onto this copy
		cp "$TMP/full.db" "$TMP/cut.db"
		# format 1 keeps LRs in the snapshot_lrs table; format 2 in the
		# snapshots row, and GICv2's beyond 16 in snapshot_lrs_more
		lrs=$(sqlite3 "$TMP/cut.db" "SELECT name FROM sqlite_master WHERE type = 'table' AND
			name IN ('snapshot_lrs', 'snapshot_lrs_more')")
		for t in $lrs; do sqlite3 "$TMP/cut.db" "DELETE FROM $t WHERE event_id < $cut"; done
		sqlite3 "$TMP/cut.db" "DELETE FROM ap_list_entries WHERE event_id < $cut;
			DELETE FROM snapshots WHERE event_id < $cut;
			DELETE FROM events WHERE id < $cut;"
		out=$($VR_FAST check --no-store "$TMP/cut.db" 2>&1)
		expect_eq "$name from $pct% of its events: no findings" \
			"$?:$(echo "$out" | grep -c '^[A-Z_]* *\(error\|warning\)')" "0:0"
	done
done
finish
