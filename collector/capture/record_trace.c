/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --from-trace TRACE --flight MB [--watch]`: a stored trace's
 * events played into a flight recording as the collector's records, to
 * rehearse --watch (its dumps, its thresholds) on a recording already
 * made, and to test the watcher without a live kernel.
 *
 * Each item of the trace's stream is encoded back into the record the
 * BPF programs would have put in the ring buffer (rec_encode.h), and handed to the flight recording exactly as the BPF backend
 * hands its records (flight_rec_push()): from there on, ring, watcher,
 * dumps and the last window are the live recording's code. Only the
 * pace differs: a file is read as fast as the watcher checks it (the
 * feeder waits for room in its queue), so nothing is skipped, and the
 * dumps' trace_info names the trace's kernel, whose profile applies.
 */
#define _GNU_SOURCE
#include "backends.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../schemas/trace_reader.h"
#include "flight_rec.h"
#include "rec_encode.h"
#include "store.h"

#define ITEMS_PER_POLL 64 /* a tick (a due dump begun) every 64 items: as often as a live poll */

/* The trace backend's state (record_run.priv). */
struct trace_recorder {
	struct tracedb *db;
	struct trace_cursor *cur;
	struct trace_facts facts;
	struct flight_rec flight;
	int flight_open;
};

/* rec_emit_fn: a record into the flight recording, as the BPF backend hands one. */
static void push_record(void *arg, const void *rec, size_t size)
{
	flight_rec_push(arg, rec, size);
}

/* Preflight: the trace readable, --flight given; the run's GIC and kernel are the trace's. */
static int trace_preflight(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = vr_xcalloc(1, sizeof(*t));
	const struct record_options *opt = run->opt;

	run->priv = t;
	if (!opt->flight_bytes)
		return vr_error_set(err, "--from-trace needs --flight MB (it rehearses a flight "
					 "recording)");
	t->db = tracedb_open(opt->trace_input, TRACEDB_READONLY, err);
	if (!t->db || trace_facts_read(t->db, &t->facts, err))
		return -1;
	if (t->facts.gic_version == 5)
		return vr_error_set(err, "%s: a GICv5 trace; the collector records GICv2 and GICv3",
				    opt->trace_input);
	run->gic = t->facts.gic_version ? t->facts.gic_version : 3;
	run->kernel_release = t->facts.kernel_release[0] ? t->facts.kernel_release : NULL;
	run->st->kinds_recordable = t->facts.kinds_present; /* what the trace's records can hold */
	return 0;
}

/* Attach: nothing to attach. */
static int trace_attach(struct record_run *run, struct vr_error *err)
{
	(void)run;
	(void)err;
	return 0;
}

/* Open: the trace's stream, with registers, walks and gaps, and the flight recording. */
static int trace_open(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct trace_filter f;

	trace_filter_init(&f);
	f.gaps = f.snapshots = f.apr = f.ap_len = f.ap_entries = 1;
	t->cur = trace_cursor_open(t->db, &f, err);
	if (!t->cur || flight_rec_open(&t->flight, run, 1, err))
		return -1;
	t->flight_open = 1;
	run->start_ns = vr_now_ns();
	run->records_start_ns =
		t->facts.first_ts_ns == VR_NO_VALUE ? 0 : (uint64_t)t->facts.first_ts_ns;
	record_catch_dump(1);
	fprintf(stderr, "record: playing %s into a flight recording of %.2f MB; the last window "
			"goes to %s\n",
		run->opt->trace_input, run->opt->flight_bytes / 1048576.0, run->opt->output);
	return 0;
}

/* Poll: the next items of the trace, as records; stop at its end. */
static enum record_step trace_poll(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct trace_item it;
	int rc = 1;

	for (int i = 0; i < ITEMS_PER_POLL && (rc = trace_cursor_next(t->cur, &it, err)) == 1; i++) {
		rec_encode_item(&it, t->facts.gic_version, push_record, &t->flight);
	}
	if (rc < 0)
		return RECORD_FAILED;
	return rc == 0 ? RECORD_STOP : RECORD_GO_ON;
}

/* Tick: SIGUSR1's window, the watcher's dumps, --metrics. */
static enum record_step trace_tick(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct vr_metrics m;

	(void)err;
	if (record_take_dump_request())
		flight_rec_usr1(&t->flight);
	memset(&m, 0, sizeof(m));
	flight_rec_tick(&t->flight, &m, 0);
	return RECORD_GO_ON;
}

/* Stop: the watcher's end, its last dump, the last window. */
static int trace_stop(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct vr_metrics m;

	memset(&m, 0, sizeof(m));
	return flight_rec_stop(&t->flight, run->st, &m, err);
}

/* Cleanup: the flight recording (--prog-stats printed), the cursor, the trace. */
static void trace_cleanup(struct record_run *run)
{
	struct trace_recorder *t = run->priv;

	if (!t)
		return;
	if (t->flight_open)
		flight_rec_free(&t->flight);
	trace_cursor_close(t->cur);
	tracedb_close(t->db);
	free(t);
	run->priv = NULL;
	run->kernel_release = NULL;
}

/* See backends.h. */
const struct record_backend record_backend_trace = {
	.name = "trace",
	.clock = "the input trace's",
	.preflight = trace_preflight,
	.attach = trace_attach,
	.open = trace_open,
	.poll = trace_poll,
	.tick = trace_tick,
	.stop = trace_stop,
	.cleanup = trace_cleanup,
};
