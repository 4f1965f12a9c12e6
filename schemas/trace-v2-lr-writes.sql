-- vgic-replay trace format, version 2: writing the snapshot_lrs view.
--
-- Tools written for format 1 (the mutation tests, bench/) write LRs
-- through snapshot_lrs. In format 2 it is a view, which these triggers make
-- writable. They are TEMP triggers, created by tracedb_open() on every
-- connection it opens for writing, never stored in the file: a trace file
-- is input from a stranger and carries no trigger. With sqlite3 by hand,
-- write snapshots.lr<n> (and snapshot_lrs_more) instead.
--
-- Writing snapshot_lrs writes the snapshot's LR: an insert fills an empty
-- LR below nr_lrs of an existing snapshot, a delete empties it, an update
-- of lr or value is both. A changed event_id is ignored, since the LRs
-- follow their snapshots row (renumber snapshots.event_id instead).
CREATE TEMP TRIGGER IF NOT EXISTS snapshot_lrs_insert INSTEAD OF INSERT ON main.snapshot_lrs
BEGIN
	SELECT RAISE(ABORT, 'NOT NULL constraint failed: snapshot_lrs.value')
	WHERE NEW.value IS NULL;
	SELECT RAISE(ABORT, 'snapshot_lrs: no such snapshot, or lr not below its nr_lrs')
	WHERE NOT EXISTS (SELECT 1 FROM snapshots
			  WHERE event_id = NEW.event_id AND NEW.lr >= 0 AND NEW.lr < nr_lrs);
	SELECT RAISE(ABORT, 'UNIQUE constraint failed: snapshot_lrs.event_id, snapshot_lrs.lr')
	WHERE EXISTS (SELECT 1 FROM snapshot_lrs WHERE event_id = NEW.event_id AND lr = NEW.lr);
	UPDATE snapshots SET
		lr0 = CASE NEW.lr WHEN 0 THEN NEW.value ELSE lr0 END,
		lr1 = CASE NEW.lr WHEN 1 THEN NEW.value ELSE lr1 END,
		lr2 = CASE NEW.lr WHEN 2 THEN NEW.value ELSE lr2 END,
		lr3 = CASE NEW.lr WHEN 3 THEN NEW.value ELSE lr3 END,
		lr4 = CASE NEW.lr WHEN 4 THEN NEW.value ELSE lr4 END,
		lr5 = CASE NEW.lr WHEN 5 THEN NEW.value ELSE lr5 END,
		lr6 = CASE NEW.lr WHEN 6 THEN NEW.value ELSE lr6 END,
		lr7 = CASE NEW.lr WHEN 7 THEN NEW.value ELSE lr7 END,
		lr8 = CASE NEW.lr WHEN 8 THEN NEW.value ELSE lr8 END,
		lr9 = CASE NEW.lr WHEN 9 THEN NEW.value ELSE lr9 END,
		lr10 = CASE NEW.lr WHEN 10 THEN NEW.value ELSE lr10 END,
		lr11 = CASE NEW.lr WHEN 11 THEN NEW.value ELSE lr11 END,
		lr12 = CASE NEW.lr WHEN 12 THEN NEW.value ELSE lr12 END,
		lr13 = CASE NEW.lr WHEN 13 THEN NEW.value ELSE lr13 END,
		lr14 = CASE NEW.lr WHEN 14 THEN NEW.value ELSE lr14 END,
		lr15 = CASE NEW.lr WHEN 15 THEN NEW.value ELSE lr15 END
	WHERE event_id = NEW.event_id AND NEW.lr < 16;
	INSERT INTO snapshot_lrs_more SELECT NEW.event_id, NEW.lr, NEW.value WHERE NEW.lr >= 16;
END;

CREATE TEMP TRIGGER IF NOT EXISTS snapshot_lrs_delete INSTEAD OF DELETE ON main.snapshot_lrs
BEGIN
	UPDATE snapshots SET
		lr0 = CASE OLD.lr WHEN 0 THEN NULL ELSE lr0 END,
		lr1 = CASE OLD.lr WHEN 1 THEN NULL ELSE lr1 END,
		lr2 = CASE OLD.lr WHEN 2 THEN NULL ELSE lr2 END,
		lr3 = CASE OLD.lr WHEN 3 THEN NULL ELSE lr3 END,
		lr4 = CASE OLD.lr WHEN 4 THEN NULL ELSE lr4 END,
		lr5 = CASE OLD.lr WHEN 5 THEN NULL ELSE lr5 END,
		lr6 = CASE OLD.lr WHEN 6 THEN NULL ELSE lr6 END,
		lr7 = CASE OLD.lr WHEN 7 THEN NULL ELSE lr7 END,
		lr8 = CASE OLD.lr WHEN 8 THEN NULL ELSE lr8 END,
		lr9 = CASE OLD.lr WHEN 9 THEN NULL ELSE lr9 END,
		lr10 = CASE OLD.lr WHEN 10 THEN NULL ELSE lr10 END,
		lr11 = CASE OLD.lr WHEN 11 THEN NULL ELSE lr11 END,
		lr12 = CASE OLD.lr WHEN 12 THEN NULL ELSE lr12 END,
		lr13 = CASE OLD.lr WHEN 13 THEN NULL ELSE lr13 END,
		lr14 = CASE OLD.lr WHEN 14 THEN NULL ELSE lr14 END,
		lr15 = CASE OLD.lr WHEN 15 THEN NULL ELSE lr15 END
	WHERE event_id = OLD.event_id AND OLD.lr < 16;
	DELETE FROM snapshot_lrs_more WHERE event_id = OLD.event_id AND lr = OLD.lr;
END;

CREATE TEMP TRIGGER IF NOT EXISTS snapshot_lrs_update INSTEAD OF UPDATE ON main.snapshot_lrs
WHEN NEW.lr IS NOT OLD.lr OR NEW.value IS NOT OLD.value
BEGIN
	DELETE FROM snapshot_lrs WHERE event_id = OLD.event_id AND lr = OLD.lr;
	INSERT INTO snapshot_lrs(event_id, lr, value) VALUES (OLD.event_id, NEW.lr, NEW.value);
END;

-- LRs 16..63 follow their snapshot when it is renumbered or deleted, as
-- the columns do.
CREATE TEMP TRIGGER IF NOT EXISTS snapshots_renumber_lrs AFTER UPDATE OF event_id ON main.snapshots
BEGIN
	UPDATE snapshot_lrs_more SET event_id = NEW.event_id WHERE event_id = OLD.event_id;
END;

CREATE TEMP TRIGGER IF NOT EXISTS snapshots_delete_lrs AFTER DELETE ON main.snapshots
BEGIN
	DELETE FROM snapshot_lrs_more WHERE event_id = OLD.event_id;
END;
