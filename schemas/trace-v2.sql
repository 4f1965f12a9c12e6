-- vgic-replay trace format, version 2: what changed since version 1.
--
-- A new file is trace-v1.sql followed by this file; a file of format 1
-- becomes format 2 by this file alone, run in one transaction when it is
-- opened for writing (schemas/tracedb.c). Every table and column is
-- documented in docs/trace-format.md.
--
-- The list registers of a snapshot now live in its snapshots row: columns
-- lr0..lr15 (GICv3 has at most 16 LRs), and, for a GICv2 that recorded
-- more than 16 (it allows 64), LRs 16..63 in snapshot_lrs_more. Format 1
-- stored one snapshot_lrs row per LR, so an import wrote about twice as
-- many rows as there are events. snapshot_lrs is now a view with the same
-- columns in the same order (event_id, lr, value), rows in the same order
-- under ORDER BY event_id, lr, so that queries written for format 1 run
-- unchanged on both formats. The file holds no trigger: connections that
-- vgic-replay opens for writing make the view writable with TEMP triggers
-- (trace-v2-lr-writes.sql).


ALTER TABLE snapshots ADD COLUMN lr0 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr1 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr2 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr3 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr4 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr5 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr6 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr7 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr8 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr9 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr10 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr11 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr12 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr13 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr14 INTEGER;
ALTER TABLE snapshots ADD COLUMN lr15 INTEGER;

-- LRs 16..63 of the snapshots that recorded more than 16 (GICv2 only).
CREATE TABLE snapshot_lrs_more (
	event_id INTEGER NOT NULL,
	lr       INTEGER NOT NULL CHECK (lr BETWEEN 16 AND 63),
	value    INTEGER NOT NULL,
	PRIMARY KEY (event_id, lr)
) WITHOUT ROWID;

-- The LR numbers 0..63: the snapshot_lrs view walks them for each snapshot.
CREATE TABLE lr_numbers (lr INTEGER PRIMARY KEY);
WITH RECURSIVE n(lr) AS (SELECT 0 UNION ALL SELECT lr + 1 FROM n WHERE lr < 63)
INSERT INTO lr_numbers SELECT lr FROM n;

-- Format 1's rows move into their snapshots (a new file has none). Rows of
-- LRs at or above a snapshot's nr_lrs, or of no snapshot, which no writer
-- made, are not carried over.
UPDATE snapshots SET
	lr0 = l.v0,
	lr1 = l.v1,
	lr2 = l.v2,
	lr3 = l.v3,
	lr4 = l.v4,
	lr5 = l.v5,
	lr6 = l.v6,
	lr7 = l.v7,
	lr8 = l.v8,
	lr9 = l.v9,
	lr10 = l.v10,
	lr11 = l.v11,
	lr12 = l.v12,
	lr13 = l.v13,
	lr14 = l.v14,
	lr15 = l.v15
FROM (SELECT event_id,
		max(CASE lr WHEN 0 THEN value END) AS v0,
		max(CASE lr WHEN 1 THEN value END) AS v1,
		max(CASE lr WHEN 2 THEN value END) AS v2,
		max(CASE lr WHEN 3 THEN value END) AS v3,
		max(CASE lr WHEN 4 THEN value END) AS v4,
		max(CASE lr WHEN 5 THEN value END) AS v5,
		max(CASE lr WHEN 6 THEN value END) AS v6,
		max(CASE lr WHEN 7 THEN value END) AS v7,
		max(CASE lr WHEN 8 THEN value END) AS v8,
		max(CASE lr WHEN 9 THEN value END) AS v9,
		max(CASE lr WHEN 10 THEN value END) AS v10,
		max(CASE lr WHEN 11 THEN value END) AS v11,
		max(CASE lr WHEN 12 THEN value END) AS v12,
		max(CASE lr WHEN 13 THEN value END) AS v13,
		max(CASE lr WHEN 14 THEN value END) AS v14,
		max(CASE lr WHEN 15 THEN value END) AS v15
	FROM snapshot_lrs WHERE lr BETWEEN 0 AND 15 GROUP BY event_id) AS l
WHERE snapshots.event_id = l.event_id;
INSERT INTO snapshot_lrs_more SELECT event_id, lr, value FROM snapshot_lrs
WHERE lr BETWEEN 16 AND 63 AND event_id IN (SELECT event_id FROM snapshots);
DROP TABLE snapshot_lrs;
UPDATE trace_info SET format_version = 2;

-- Every list register of every snapshot, raw (ICH_LR<n>_EL2 or GICH_LR<n>),
-- as format 1's table: one row per LR below nr_lrs. Walking snapshots in
-- event_id order and lr_numbers inside it gives ORDER BY event_id, lr
-- without a sort. An LR emptied by hand (NULL) has no row.
CREATE VIEW snapshot_lrs AS
SELECT s.event_id AS event_id, n.lr AS lr,
       CASE n.lr
		WHEN 0 THEN s.lr0
		WHEN 1 THEN s.lr1
		WHEN 2 THEN s.lr2
		WHEN 3 THEN s.lr3
		WHEN 4 THEN s.lr4
		WHEN 5 THEN s.lr5
		WHEN 6 THEN s.lr6
		WHEN 7 THEN s.lr7
		WHEN 8 THEN s.lr8
		WHEN 9 THEN s.lr9
		WHEN 10 THEN s.lr10
		WHEN 11 THEN s.lr11
		WHEN 12 THEN s.lr12
		WHEN 13 THEN s.lr13
		WHEN 14 THEN s.lr14
		WHEN 15 THEN s.lr15
		ELSE (SELECT m.value FROM snapshot_lrs_more m
		      WHERE m.event_id = s.event_id AND m.lr = n.lr) END AS value
FROM snapshots s CROSS JOIN lr_numbers n
WHERE n.lr < s.nr_lrs AND value IS NOT NULL;
