-- vgic-replay trace format, version 3: what changed since version 2.
--
-- A file of format 2 becomes format 3 by this file alone, run in one
-- transaction when it is opened for writing (schemas/tracedb.c); a new
-- file is format 1 migrated through 2 to 3. Every table and column is
-- documented in docs/trace-format.md.
--
-- GICv5 (native GICv5 VMs, kernel 7.1+): a vCPU's PPIs are not in list
-- registers but in per-PPI bitmaps the hypervisor writes at entry and
-- reads back at exit. A GICv5 snapshot is a snapshots row with
-- gic_version 5, nr_lrs 0, vmcr = ICH_VMCR_EL2 and apr = ICH_APR_EL2,
-- plus one ppi_snapshots row with the PPI registers. Nothing older
-- changes meaning.

-- The PPI registers of a GICv5 snapshot (the flush: what the entry wrote;
-- the sync: what the exit read), raw. Register x covers PPIs 64x..64x+63,
-- bit n of x is PPI 64x+n. priorityr is the sixteen ICH_PPI_PRIORITYRx_EL2
-- as little-endian bytes: byte n holds PPI n's priority (low 5 bits).
CREATE TABLE ppi_snapshots (
	event_id  INTEGER PRIMARY KEY,
	pendr0    INTEGER,
	pendr1    INTEGER,
	activer0  INTEGER,
	activer1  INTEGER,
	enabler0  INTEGER,
	enabler1  INTEGER,
	dvir0     INTEGER,
	dvir1     INTEGER,
	priorityr BLOB CHECK (priorityr IS NULL OR length(priorityr) = 128)
);

-- Who made the trace when no kernel did: NULL for a recording or an
-- import; else how it was generated (e.g. "engine scenario gicv5-lost.scn,
-- profile gicv5"). Every output that reads a trace with it says so.
ALTER TABLE trace_info ADD COLUMN synthetic TEXT;

-- GICv5 snapshots decoded: one row per PPI (0-63, all KVM has since
-- 35a4f8d151d6) set in any of the bitmaps.
CREATE VIEW ppis_v AS
SELECT p.event_id, e.ts_ns, e.cpu, e.vcpu, s.phase, n.lr AS ppi,
       ((CASE WHEN n.lr < 64 THEN p.pendr0 ELSE p.pendr1 END) >> (n.lr % 64)) & 1 AS pending,
       ((CASE WHEN n.lr < 64 THEN p.activer0 ELSE p.activer1 END) >> (n.lr % 64)) & 1 AS active,
       ((CASE WHEN n.lr < 64 THEN p.enabler0 ELSE p.enabler1 END) >> (n.lr % 64)) & 1 AS enabled,
       ((CASE WHEN n.lr < 64 THEN p.dvir0 ELSE p.dvir1 END) >> (n.lr % 64)) & 1 AS dvi,
       CASE WHEN p.priorityr IS NOT NULL
            THEN '0x' || hex(substr(p.priorityr, n.lr + 1, 1)) END AS priority
FROM ppi_snapshots p
JOIN snapshots s ON s.event_id = p.event_id
JOIN events e ON e.id = p.event_id
CROSS JOIN lr_numbers n
WHERE ((CASE WHEN n.lr < 64 THEN p.pendr0 | p.activer0 | p.enabler0 | p.dvir0
	     ELSE p.pendr1 | p.activer1 | p.enabler1 | p.dvir1 END) >> (n.lr % 64)) & 1 = 1;

UPDATE trace_info SET format_version = 3;
