-- vgic-replay trace format, version 1.
--
-- One SQLite file holds one recording: what the kernel's kvm tracepoints and
-- the vGIC probes said, in trace order, plus what replay later concludes.
-- Every table and column is documented in docs/trace-format.md.
--
-- Conventions: times are integer nanoseconds of the recording clock
-- (ts_ns); register values are stored as raw integers exactly as recorded
-- and decoded only by views; NULL means "not recorded / unknown", never 0.
--
-- The importer creates the indexes after the bulk load (see trace-v1-index.sql).

PRAGMA application_id = 1986488675; -- 0x76676963, "vgic": marks our files

-- One row: what was recorded, where, how, and what was lost.
CREATE TABLE trace_info (
	id                    INTEGER PRIMARY KEY CHECK (id = 1),
	format_version        INTEGER NOT NULL,
	created_by            TEXT NOT NULL,
	created_at            TEXT NOT NULL,
	source_file           TEXT,
	source_format         TEXT,
	capture_tool          TEXT,
	capture_options       TEXT,
	host                  TEXT,
	kernel_release        TEXT,
	kernel_release_source TEXT,
	gic_version           INTEGER,
	gic_version_source    TEXT,
	vgic_model            TEXT,
	nr_lrs                INTEGER,
	nr_lrs_source         TEXT,
	clock                 TEXT,
	first_ts_ns           INTEGER,
	last_ts_ns            INTEGER,
	input_records         INTEGER,
	events_total          INTEGER,
	snapshots_total       INTEGER,
	events_unparsed       INTEGER,
	events_unknown        INTEGER,
	events_lost           INTEGER,
	gaps_total            INTEGER
);

-- Event kinds: the stable numbering of events.kind and what arg0..arg3 mean.
CREATE TABLE event_kinds (
	kind        INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	source      TEXT NOT NULL,
	arg0        TEXT,
	arg1        TEXT,
	arg2        TEXT,
	arg3        TEXT,
	description TEXT NOT NULL
);

-- Its rows come from the kinds table, schemas/event_kinds.h (written at creation).

-- Virtual machines. vm is the VMM process id (tgid) when the trace has it, else 0.
CREATE TABLE vms (
	vm       INTEGER PRIMARY KEY,
	vmm_pid  INTEGER,
	source   TEXT NOT NULL
);

-- Which host thread ran which vCPU, and how we know.
CREATE TABLE vcpus (
	vm          INTEGER NOT NULL,
	vcpu        INTEGER NOT NULL,
	thread_id   INTEGER NOT NULL,
	source      TEXT NOT NULL,
	first_ts_ns INTEGER,
	PRIMARY KEY (vm, vcpu, thread_id)
);

-- Every recorded event, in trace order (id).
CREATE TABLE events (
	id      INTEGER PRIMARY KEY,
	ts_ns   INTEGER NOT NULL,
	cpu     INTEGER NOT NULL,
	pid     INTEGER NOT NULL,
	vm      INTEGER,
	vcpu    INTEGER,
	kind    INTEGER NOT NULL,
	intid   INTEGER,
	arg0    INTEGER,
	arg1    INTEGER,
	arg2    INTEGER,
	arg3    INTEGER,
	src_pos INTEGER
);

-- LR and control-register snapshots; event_id is the vgic_flush/sync/post event.
CREATE TABLE snapshots (
	event_id    INTEGER PRIMARY KEY,
	phase       TEXT NOT NULL CHECK (phase IN ('flush', 'sync', 'post')),
	gic_version INTEGER NOT NULL,
	used_lrs    INTEGER,
	nr_lrs      INTEGER NOT NULL,
	hcr         INTEGER,
	vmcr        INTEGER,
	apr         INTEGER,
	ap0r0       INTEGER,
	ap0r1       INTEGER,
	ap0r2       INTEGER,
	ap0r3       INTEGER,
	ap1r0       INTEGER,
	ap1r1       INTEGER,
	ap1r2       INTEGER,
	ap1r3       INTEGER,
	ap_list_truncated INTEGER
);

-- The list registers of each snapshot, raw (ICH_LR<n>_EL2 or GICH_LR<n>).
CREATE TABLE snapshot_lrs (
	event_id INTEGER NOT NULL,
	lr       INTEGER NOT NULL,
	value    INTEGER NOT NULL,
	PRIMARY KEY (event_id, lr)
) WITHOUT ROWID;

-- The vCPU's AP list after fold, EOIcount walk and prune (collector only),
-- attached to the vgic_post snapshot event, in list order.
CREATE TABLE ap_list_entries (
	event_id      INTEGER NOT NULL,
	pos           INTEGER NOT NULL,
	intid         INTEGER NOT NULL,
	priority      INTEGER,
	active        INTEGER,
	pending_latch INTEGER,
	line_level    INTEGER,
	enabled       INTEGER,
	hw            INTEGER,
	config        TEXT CHECK (config IN ('edge', 'level')),
	target_vcpu   INTEGER,
	PRIMARY KEY (event_id, pos)
) WITHOUT ROWID;

-- Where the tracer lost events (ftrace "LOST n EVENTS", trace-cmd missed events).
CREATE TABLE gaps (
	id             INTEGER PRIMARY KEY,
	cpu            INTEGER NOT NULL,
	lost           INTEGER,
	after_event_id INTEGER,
	start_ts_ns    INTEGER,
	end_ts_ns      INTEGER,
	src_pos        INTEGER
);

-- Input the importer could not turn into events (first 1000 kept verbatim).
CREATE TABLE import_problems (
	src_pos INTEGER NOT NULL,
	problem TEXT NOT NULL CHECK (problem IN ('unparsed', 'unknown_event')),
	event   TEXT,
	reason  TEXT,
	text    TEXT
);

-- Events of kinds the importer does not model, counted by name.
CREATE TABLE unknown_events (
	name  TEXT PRIMARY KEY,
	count INTEGER NOT NULL
);

-- One row per `vgic-replay check` run.
CREATE TABLE replay_runs (
	run            INTEGER PRIMARY KEY,
	started_at     TEXT NOT NULL,
	tool_version   TEXT NOT NULL,
	profile        TEXT NOT NULL,
	profile_reason TEXT,
	options        TEXT,
	checks_run     TEXT,
	events_replayed INTEGER,
	findings       INTEGER,
	status         TEXT
);

-- What replay found; finding_events ties each finding to its proof.
CREATE TABLE findings (
	id          INTEGER PRIMARY KEY,
	run         INTEGER NOT NULL REFERENCES replay_runs(run),
	kind        TEXT NOT NULL,
	severity    TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info', 'unknown')),
	ts_ns       INTEGER,
	cpu         INTEGER,
	vm          INTEGER,
	vcpu        INTEGER,
	intid       INTEGER,
	explanation TEXT NOT NULL
);

CREATE TABLE finding_events (
	finding  INTEGER NOT NULL REFERENCES findings(id),
	event_id INTEGER NOT NULL,
	role     TEXT,
	PRIMARY KEY (finding, event_id)
) WITHOUT ROWID;

-- ---------------------------------------------------------------- views

-- Events with their kind's name and time in seconds, for reading by hand.
CREATE VIEW events_v AS
SELECT e.id, e.ts_ns, printf('%.6f', e.ts_ns / 1e9) AS ts, e.cpu, e.pid, e.vm, e.vcpu,
       k.name AS event, e.intid, e.arg0, e.arg1, e.arg2, e.arg3, e.src_pos
FROM events e JOIN event_kinds k ON k.kind = e.kind;

-- Interrupt injections of every source, with the level they set.
CREATE VIEW injections_v AS
SELECT e.id, e.ts_ns, e.cpu, e.pid, e.vm, e.vcpu, k.name AS event, e.intid,
       CASE k.name WHEN 'kvm_irq_line' THEN e.arg3 ELSE e.arg1 END AS level
FROM events e JOIN event_kinds k ON k.kind = e.kind
WHERE k.name IN ('vgic_update_irq_pending', 'kvm_irq_line', 'kvm_set_irq', 'kvm_timer_update_irq');

-- Guest exits, decoded as kvm_exit prints them.
CREATE VIEW exits_v AS
SELECT e.id, e.ts_ns, e.cpu, e.pid, e.vm, e.vcpu,
       CASE e.arg0 WHEN 0 THEN 'IRQ' WHEN 1 THEN 'SERROR' WHEN 2 THEN 'TRAP'
                   WHEN 3 THEN 'ILLEGAL' ELSE printf('0x%x', e.arg0) END AS exception,
       e.arg1 AS esr_ec, printf('0x%016x', e.arg2) AS pc
FROM events e JOIN event_kinds k ON k.kind = e.kind WHERE k.name = 'kvm_exit';

-- Snapshots with their event's time and vCPU, and the control registers decoded.
-- HCR bits follow ICH_HCR_EL2 (GICH_HCR on GICv2); VMCR follows ICH_VMCR_EL2 or GICH_VMCR.
CREATE VIEW snapshots_v AS
SELECT s.event_id, e.ts_ns, e.cpu, e.pid, e.vm, e.vcpu, s.phase, s.gic_version, s.used_lrs,
       s.nr_lrs, printf('0x%x', s.hcr) AS hcr,
       s.hcr & 1 AS hcr_en, (s.hcr >> 1) & 1 AS hcr_uie, (s.hcr >> 2) & 1 AS hcr_lrenpie,
       (s.hcr >> 3) & 1 AS hcr_npie, (s.hcr >> 14) & 1 AS hcr_tdir,
       (s.hcr >> 27) & 31 AS eoicount,
       printf('0x%x', s.vmcr) AS vmcr,
       (s.vmcr >> 9) & 1 AS vmcr_eoimode, s.vmcr & 1 AS vmcr_grp0_en, (s.vmcr >> 1) & 1 AS vmcr_grp1_en,
       CASE s.gic_version WHEN 2 THEN ((s.vmcr >> 27) & 31) << 3 ELSE (s.vmcr >> 24) & 255 END AS vmcr_pmr,
       printf('0x%x', s.ap1r0) AS ap1r0, printf('0x%x', s.apr) AS apr
FROM snapshots s JOIN events e ON e.id = s.event_id;

-- Every list register of every snapshot, decoded in the vocabulary of the
-- kernel's vgic-state debugfs file: P pending, A active, H hw, G group.
CREATE VIEW lrs_v AS
SELECT l.event_id, e.ts_ns, e.cpu, e.vcpu, s.phase, l.lr, l.lr < s.used_lrs AS in_use,
       printf('0x%016x', l.value) AS raw,
       CASE s.gic_version WHEN 2 THEN ((l.value >> 28) & 1) ELSE ((l.value >> 62) & 1) END AS P,
       CASE s.gic_version WHEN 2 THEN ((l.value >> 29) & 1) ELSE ((l.value >> 63) & 1) END AS A,
       CASE s.gic_version WHEN 2 THEN ((l.value >> 31) & 1) ELSE ((l.value >> 61) & 1) END AS H,
       CASE s.gic_version WHEN 2 THEN ((l.value >> 30) & 1) ELSE ((l.value >> 60) & 1) END AS G,
       CASE s.gic_version WHEN 2 THEN ((l.value >> 23) & 31) << 3 ELSE (l.value >> 48) & 255 END AS priority,
       CASE s.gic_version WHEN 2 THEN l.value & 1023 ELSE l.value & 4294967295 END AS vintid,
       CASE WHEN (CASE s.gic_version WHEN 2 THEN (l.value >> 31) & 1 ELSE (l.value >> 61) & 1 END) = 1
            THEN (CASE s.gic_version WHEN 2 THEN (l.value >> 10) & 1023 ELSE (l.value >> 32) & 8191 END)
       END AS pintid,
       CASE WHEN (CASE s.gic_version WHEN 2 THEN (l.value >> 31) & 1 ELSE (l.value >> 61) & 1 END) = 0
            THEN (CASE s.gic_version WHEN 2 THEN (l.value >> 19) & 1 ELSE (l.value >> 41) & 1 END)
       END AS eoi,
       CASE WHEN (CASE s.gic_version WHEN 2 THEN (l.value >> 31) & 1 ELSE (l.value >> 61) & 1 END) = 0
            THEN (l.value >> 10) & 7
       END AS sgi_source,
       CASE (CASE s.gic_version WHEN 2 THEN (l.value >> 28) & 3 ELSE (l.value >> 62) & 3 END)
            WHEN 0 THEN 'invalid' WHEN 1 THEN 'pending' WHEN 2 THEN 'active'
            ELSE 'pending+active' END AS state
FROM snapshot_lrs l
JOIN snapshots s ON s.event_id = l.event_id
JOIN events e ON e.id = l.event_id;

-- Findings with their run's profile, for reading by hand.
CREATE VIEW findings_v AS
SELECT f.id, f.run, r.profile, f.kind, f.severity, f.ts_ns, f.cpu, f.vm, f.vcpu, f.intid,
       f.explanation,
       (SELECT group_concat(event_id) FROM finding_events fe WHERE fe.finding = f.id) AS event_ids
FROM findings f JOIN replay_runs r ON r.run = f.run;
