/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF collector's records into trace rows (store.h), and
 * `record --finish`, which stores the spool a killed recorder left.
 *
 * Each record type has its function; they decode as the text importer
 * does (a trapped DIR or SGI in the layout its hook names, the vCPU
 * threads of private interrupts), so a recording and an ftrace capture
 * of the same run give the same rows. AP-list walks attach to the
 * vgic_post snapshot their vCPU took last.
 */
#define _GNU_SOURCE
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "../import/ftrace_parse.h"
#include "spool.h"

/* See store.h. */
void rec_store_init(struct rec_store *s, struct trace_writer *w, struct record_stats *st)
{
	memset(s, 0, sizeof(*s));
	s->w = w;
	s->st = st;
}

/* Fill the event fields every record shares. */
static void event_from_hdr(const struct vgic_rec_hdr *h, struct vr_event *ev)
{
	vr_event_clear(ev);
	ev->ts_ns = (int64_t)h->ts;
	ev->cpu = h->cpu;
	ev->pid = (int32_t)h->pid;
	ev->kind = (enum vr_event_kind)h->kind;
	if (h->vcpu >= 0)
		ev->vcpu = h->vcpu;
}

/* See store.h. */
void rec_decode_event(const struct vgic_rec_event *e, struct vr_event *ev)
{
	event_from_hdr(&e->h, ev);
	if (e->intid >= 0)
		ev->intid = e->intid;
	for (int i = 0; i < 4; i++)
		ev->arg[i] = e->arg[i] == -1 ? VR_NO_VALUE : e->arg[i];
	if (ev->kind == VR_EV_DEACTIVATE || ev->kind == VR_EV_SGI) {
		/* Decoded as the text importer does, in the layout the hook names. */
		int layout = (int)e->arg[3];

		ev->arg[3] = VR_NO_VALUE;
		if (ev->kind == VR_EV_DEACTIVATE)
			vr_decode_deactivate(layout, ev);
		else
			vr_decode_sgi(layout, ev);
	}
}

/* A kvm tracepoint, populate_lr, or a trapped DIR/SGI. */
static int store_event(struct rec_store *s, const struct vgic_rec_event *e)
{
	struct vr_event ev;

	rec_decode_event(e, &ev);
	if ((ev.kind == VR_EV_TIMER_IRQ || ev.kind == VR_EV_IRQ_PENDING) && ev.vcpu != VR_NO_VALUE)
		trace_writer_map_thread(s->w, ev.pid, ev.vcpu, "private-irq", 0, ev.ts_ns);
	s->st->events++;
	return trace_writer_event(s->w, &ev) < 0 ? -1 : 0;
}

/* See store.h. */
void rec_decode_snapshot(const struct vgic_rec_snapshot *r, struct vr_event *ev,
			 struct vr_snapshot *snap)
{
	event_from_hdr(&r->h, ev);
	vr_snapshot_clear(snap);
	snap->gic_version = r->gic_version;
	snap->nr_lrs = r->nr_lrs > VGIC_REC_MAX_LRS ? VGIC_REC_MAX_LRS : r->nr_lrs;
	snap->used_lrs = r->used_lrs;
	snap->hcr = r->hcr;
	snap->vmcr = r->vmcr;
	if (r->gic_version == 2) {
		snap->apr = r->apr;
	} else {
		for (int i = 0; i < 4; i++) {
			snap->ap0r[i] = r->ap0r[i];
			snap->ap1r[i] = r->ap1r[i];
		}
	}
	for (int i = 0; i < snap->nr_lrs; i++)
		snap->lr[i] = r->lr[i];
	ev->arg[0] = snap->used_lrs;
}

/* A snapshot of the LRs and control registers; a vgic_post one is what AP lists attach to. */
static int store_snapshot(struct rec_store *s, const struct vgic_rec_snapshot *r)
{
	struct vr_snapshot snap;
	struct vr_event ev;
	int64_t id;

	rec_decode_snapshot(r, &ev, &snap);
	s->st->events++;
	s->st->snapshots++;
	id = trace_writer_snapshot(s->w, &ev, &snap);
	if (id < 0)
		return -1;
	if (ev.kind == VR_EV_POST && r->h.vcpu >= 0 && r->h.vcpu < 256)
		s->last_post_event[r->h.vcpu] = id;
	return 0;
}

/* See store.h. */
int gap_rec_cpu(const struct gap_rec *g)
{
	return g->h.cpu == GAP_CPU_UNKNOWN ? -1 : g->h.cpu;
}

/* A gap the recorder queued: records lost on one CPU (or none known) within a window. */
static int store_gap(struct rec_store *s, const struct gap_rec *g)
{
	return trace_writer_gap_window(s->w, gap_rec_cpu(g), g->lost, (int64_t)g->start_ns,
				       (int64_t)g->h.ts);
}

/* See store.h: the flags of each entry as vr_ap_entry's fields. */
int rec_decode_aplist(const struct vgic_rec_aplist *a, struct vr_ap_entry *e)
{
	int n = a->n > VGIC_REC_MAX_AP ? VGIC_REC_MAX_AP : a->n, i;

	for (i = 0; i < n; i++) {
		const struct vgic_rec_ap_entry *x = &a->e[i];

		e[i].intid = x->intid;
		e[i].priority = x->priority;
		e[i].active = !!(x->flags & VGIC_AP_ACTIVE);
		e[i].pending_latch = !!(x->flags & VGIC_AP_PENDING_LATCH);
		e[i].line_level = !!(x->flags & VGIC_AP_LINE_LEVEL);
		e[i].enabled = !!(x->flags & VGIC_AP_ENABLED);
		e[i].hw = !!(x->flags & VGIC_AP_HW);
		e[i].level_config = !!(x->flags & VGIC_AP_LEVEL_CONFIG);
		e[i].target_vcpu = x->target_vcpu;
	}
	return n;
}

/* An AP-list walk, attached to its vCPU's last vgic_post snapshot (none yet: dropped). */
static int store_aplist(struct rec_store *s, const struct vgic_rec_aplist *a)
{
	struct vr_ap_entry e[VGIC_REC_MAX_AP];
	int vcpu = a->h.vcpu, n;

	if (vcpu < 0 || vcpu >= 256 || !s->last_post_event[vcpu])
		return 0;
	n = rec_decode_aplist(a, e);
	s->st->ap_lists++;
	return trace_writer_ap_list(s->w, s->last_post_event[vcpu], e, n, a->truncated);
}

/* See store.h. Records of a type this build does not know are passed over. */
int rec_store_one(struct rec_store *s, const unsigned char *slot)
{
	const struct vgic_rec_hdr *h = (const void *)slot;

	switch (h->type) {
	case VGIC_REC_EVENT:
		return store_event(s, (const void *)slot);
	case VGIC_REC_SNAPSHOT:
		return store_snapshot(s, (const void *)slot);
	case VGIC_REC_GAP:
		return store_gap(s, (const void *)slot);
	case VGIC_REC_APLIST:
		return store_aplist(s, (const void *)slot);
	default:
		return 0;
	}
}

/* See store.h. */
int rec_store_spool(struct rec_store *s, const char *path, const char *output,
		    struct vr_error *err)
{
	unsigned char slot[STORE_SLOT] __attribute__((aligned(8)));
	struct spool_reader *sr = spool_open(path, err);
	int tty = isatty(STDERR_FILENO), rc;
	uint64_t last_shown = 0;
	uint32_t n;

	if (!sr)
		return -1;
	while ((rc = spool_next(sr, slot, sizeof(slot), &n, err)) == 1) {
		memset(slot + n, 0, sizeof(slot) - n);
		if (rec_store_one(s, slot)) {
			rc = vr_error_set(err, "%s: %s", output, trace_writer_error(s->w));
			break;
		}
		if (tty && vr_now_ns() - last_shown > 200000000ull) {
			fprintf(stderr, "\rrecord: storing the recording: %.1f of %.1f MB   ",
				sr->pos / 1048576.0, sr->size / 1048576.0);
			last_shown = vr_now_ns();
		}
	}
	if (tty && last_shown)
		fputc('\n', stderr);
	s->st->spool_torn = sr->torn;
	spool_reader_close(sr);
	return rc < 0 ? -1 : 0;
}

/*
 * See record.h. The trace keeps the trace_info rows its recorder wrote as
 * it began, and the spool goes only once its records are committed.
 */
int vr_record_finish(const char *path, struct record_stats *st, struct vr_error *err)
{
	char *spool_path = spool_path_of(path);
	struct trace_writer *w = NULL;
	struct tracedb *db = NULL;
	struct rec_store store;
	long long events;
	struct stat sb;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (stat(spool_path, &sb)) {
		vr_error_set(err, "%s: no %s next to it: nothing to finish (a recording that "
				  "stops normally stores its records itself)",
			     path, spool_path);
		goto out;
	}
	db = tracedb_open(path, TRACEDB_READWRITE, err);
	if (!db)
		goto out;
	events = tracedb_count_events(db);
	if (events != 0) {
		vr_error_set(err, "%s: already holds %lld events: not a recording left unfinished",
			     path, events);
		goto out;
	}
	w = trace_writer_begin(db, err);
	rec_store_init(&store, w, st);
	if (!w || trace_writer_keep_info(w, err) || rec_store_spool(&store, spool_path, path, err))
		goto out;
	trace_writer_info_int(w, "input_records", st->events);
	rc = trace_writer_finish(w, err);
	w = NULL;
	if (!rc)
		unlink(spool_path);
out:
	if (w)
		trace_writer_abort(w);
	tracedb_close(db);
	if (!rc && !stat(path, &sb))
		st->bytes = sb.st_size;
	free(spool_path);
	return rc;
}
