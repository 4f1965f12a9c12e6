-- Indexes of trace format version 2 (and 1), created after the bulk load
-- because building them once is cheaper than maintaining them row by row.
-- Time-range scans, per-vCPU and per-INTID timelines, and per-kind counts.
-- Format 2 leaves the rows without a vCPU (half of them, SPI injections)
-- out of events_vcpu_ts: no query looks them up by vCPU, and a NULL first
-- key took the sorter off its integer comparison (the dearest index).
CREATE INDEX IF NOT EXISTS events_ts ON events(ts_ns);
CREATE INDEX IF NOT EXISTS events_vcpu_ts ON events(vcpu, ts_ns) WHERE vcpu IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_intid_ts ON events(intid, ts_ns) WHERE intid IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_kind ON events(kind);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run, ts_ns);
