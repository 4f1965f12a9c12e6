/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top`'s model (see top_model.h): counters per VM and vCPU,
 * kept for the open interval and in total, closed into a sorted table.
 * Memory is one row per vCPU seen, nothing per event.
 */
#include "top_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"

/* The columns, left to right; a counter column is shown as a rate or a count. */
const struct top_column top_columns[] = {
	{"VM", 'm', 8, "the VMM's pid", -1},
	{"VCPU", 'v', 5, "vCPU (-: SPI injections not yet seen in an LR)", -1},
	{"INJ", 'i', 8, "injections (check's accounting)", TOP_INJECTED},
	{"ACK", 'a', 8, "acknowledgements by the guest (check's accounting)", TOP_ACKED},
	{"EXIT", 'x', 8, "guest exits (kvm_exit)", TOP_EXITS},
	{"LRS", 'l', 8, "LR occupancy: mean in use at a flush / LRs", -1},
	{"OVFL", 'o', 7, "exits with the LRs overflowed (the flush set UIE)", TOP_OVERFLOW},
	{"EOIC", 'e', 7, "exits with an EOIcount in the HCR", TOP_EOICOUNT},
	{"DIR", 't', 7, "trapped DIRs KVM handled (vgic_deactivate)", TOP_DIRS},
	{"FIND", 'f', 6, "findings so far on this vCPU", -1},
};

const int top_ncolumns = (int)(sizeof(top_columns) / sizeof(top_columns[0]));

enum { COL_VM, COL_VCPU, COL_LRS = 5, COL_FIND = 9 };

#define TOP_MAX_VCPU_VM 4096 /* the VM last seen running each vCPU id */

struct top_model {
	top_vm_fn vm_of;
	void *vm_arg;
	struct top_row *rows;
	int nrows, cap;
	int last;	    /* the row the last item went to (a cache) */
	int64_t last_vm;    /* the VM of the last item that had one */
	int64_t vm_of_vcpu[TOP_MAX_VCPU_VM];
	int64_t index;
	int64_t events_now, events_total, lost_now, lost_total, gaps_now, gaps_total;
	int64_t findings_by_kind[FINDING_KIND_MAX];
	int64_t findings_total;
	int32_t pid_cached; /* the last thread the resolver was asked about */
	int64_t vm_cached;
};

/* See top_model.h. */
int top_column_of_key(int key)
{
	for (int i = 0; i < top_ncolumns; i++)
		if (top_columns[i].key == key)
			return i;
	return -1;
}

/* See top_model.h. */
struct top_model *top_model_new(top_vm_fn vm_of, void *vm_arg)
{
	struct top_model *m = vr_xcalloc(1, sizeof(*m));

	m->vm_of = vm_of;
	m->vm_arg = vm_arg;
	m->last_vm = VR_NO_VALUE;
	m->pid_cached = -1;
	for (int i = 0; i < TOP_MAX_VCPU_VM; i++)
		m->vm_of_vcpu[i] = VR_NO_VALUE;
	return m;
}

/* See top_model.h. */
void top_model_free(struct top_model *m)
{
	if (!m)
		return;
	free(m->rows);
	free(m);
}

/* The row of (vm, vcpu), added on first sight. */
static struct top_row *row_of(struct top_model *m, int64_t vm, int64_t vcpu)
{
	struct top_row *r;

	if (m->last < m->nrows && m->rows[m->last].vm == vm && m->rows[m->last].vcpu == vcpu)
		return &m->rows[m->last];
	for (int i = 0; i < m->nrows; i++)
		if (m->rows[i].vm == vm && m->rows[i].vcpu == vcpu) {
			m->last = i;
			return &m->rows[i];
		}
	if (m->nrows == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->rows = vr_xrealloc(m->rows, (size_t)m->cap * sizeof(*m->rows));
	}
	r = &m->rows[m->nrows];
	memset(r, 0, sizeof(*r));
	r->vm = vm;
	r->vcpu = vcpu;
	m->last = m->nrows++;
	return r;
}

/* The VM of a thread, asking the resolver once per run of the same thread. */
static int64_t vm_of_pid(struct top_model *m, int32_t pid)
{
	if (pid != m->pid_cached) {
		m->pid_cached = pid;
		m->vm_cached = m->vm_of ? m->vm_of(m->vm_arg, pid) : VR_NO_VALUE;
	}
	return m->vm_cached;
}

/*
 * The row an item counts on: its thread's VM, which the vCPU id then
 * remembers for the accounting's counts (which name a vCPU only).
 */
static struct top_row *item_row(struct top_model *m, const struct vr_event *e)
{
	int64_t vm = vm_of_pid(m, e->pid);

	if (vm == VR_NO_VALUE && e->vcpu >= 0 && e->vcpu < TOP_MAX_VCPU_VM)
		vm = m->vm_of_vcpu[e->vcpu];
	if (vm == VR_NO_VALUE)
		vm = m->last_vm;
	if (vm != VR_NO_VALUE)
		m->last_vm = vm;
	if (e->vcpu >= 0 && e->vcpu < TOP_MAX_VCPU_VM && vm != VR_NO_VALUE)
		m->vm_of_vcpu[e->vcpu] = vm;
	return row_of(m, vm, e->vcpu);
}

/* Count n of counter c on row r. */
static void count(struct top_row *r, enum top_counter c, int64_t n)
{
	r->now[c] += n;
	r->total[c] += n;
}

/*
 * A snapshot's share: at a flush the LRs KVM filled (the occupancy), at a
 * sync the exit's HCR as KVM programmed it: UIE set by
 * vgic_set_underflow() when the AP list had more than the LRs took
 * (vgic_flush_lr_state()), EOIcount as the hardware counted EOIs that
 * found no LR (read by vgic_v3_fold_lr_state()'s callers on 6.19+).
 */
static void snapshot_counts(struct top_row *r, const struct trace_item *it)
{
	const struct vr_snapshot *s = &it->snap;

	if (it->ev.kind == VR_EV_FLUSH) {
		int used = s->used_lrs < 0 ? 0 : (int)s->used_lrs;

		count(r, TOP_FLUSHES, 1);
		r->lrs_used_now += used;
		if (used > r->lrs_max_now)
			r->lrs_max_now = used;
		if (s->nr_lrs > r->nr_lrs)
			r->nr_lrs = s->nr_lrs;
	} else if (it->ev.kind == VR_EV_SYNC && s->hcr != VR_NO_VALUE) {
		if (s->hcr & VGIC_HCR_UIE)
			count(r, TOP_OVERFLOW, 1);
		if (vgic_hcr_eoicount(s->hcr))
			count(r, TOP_EOICOUNT, 1);
	}
}

/* See top_model.h. */
void top_model_item(struct top_model *m, const struct trace_item *it)
{
	struct top_row *r;

	if (it->type == TRACE_ITEM_GAP) {
		int64_t lost = it->gap.lost > 0 ? it->gap.lost : 0;

		m->gaps_now++;
		m->gaps_total++;
		m->lost_now += lost;
		m->lost_total += lost;
		return;
	}
	m->events_now++;
	m->events_total++;
	switch (it->ev.kind) {
	case VR_EV_EXIT:
		count(item_row(m, &it->ev), TOP_EXITS, 1);
		break;
	case VR_EV_DEACTIVATE:
		count(item_row(m, &it->ev), TOP_DIRS, 1);
		break;
	case VR_EV_FLUSH:
	case VR_EV_SYNC:
		if (!it->has_snapshot || it->ev.vcpu == VR_NO_VALUE)
			break;
		r = item_row(m, &it->ev);
		snapshot_counts(r, it);
		break;
	default:
		if (it->ev.vcpu != VR_NO_VALUE && vr_event_kind_on_vcpu_thread(it->ev.kind))
			(void)item_row(m, &it->ev); /* a vCPU shows up with its first event */
		break;
	}
}

/* The row of a count that names a vCPU only: the VM that vCPU id was last seen in. */
static struct top_row *vcpu_row(struct top_model *m, int64_t vcpu)
{
	int64_t vm = vcpu >= 0 && vcpu < TOP_MAX_VCPU_VM ? m->vm_of_vcpu[vcpu] : VR_NO_VALUE;

	return row_of(m, vm == VR_NO_VALUE ? m->last_vm : vm, vcpu);
}

/* See top_model.h. */
void top_model_tally(enum replay_tally what, int64_t ts_ns, int64_t vcpu, uint32_t intid,
		     void *model)
{
	struct top_model *m = model;

	(void)ts_ns;
	(void)intid;
	count(vcpu_row(m, vcpu), what == REPLAY_TALLY_ACKED ? TOP_ACKED : TOP_INJECTED, 1);
}

/* See top_model.h. */
void top_model_finding(const struct replay_finding *f, void *model)
{
	struct top_model *m = model;

	if ((unsigned)f->kind < FINDING_KIND_MAX)
		m->findings_by_kind[f->kind]++;
	m->findings_total++;
	if (f->vcpu != VR_NO_VALUE)
		count(vcpu_row(m, f->vcpu), TOP_FINDINGS, 1);
}

/* The mean LRs in use at a row's flushes this interval, in hundredths (-1: no flush). */
static int64_t occupancy_centi(const struct top_row *r)
{
	if (!r->now[TOP_FLUSHES])
		return -1;
	return r->lrs_used_now * 100 / r->now[TOP_FLUSHES];
}

/* -1, 0 or 1 as a is below, at or above b. */
static int order(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* The sort: its column and direction (qsort has no argument for them). */
static int sort_col, sort_reverse;

/*
 * Compare two rows: by VM then vCPU (or vCPU then VM) ascending, or by a
 * value the biggest first as top does, ties by VM and vCPU; reverse
 * turns the order of the column round.
 */
static int compare_rows(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;
	int c = top_columns[sort_col].counter, d;
	int64_t x, y;

	if (sort_col == COL_VM || sort_col == COL_VCPU) {
		d = sort_col == COL_VM ? order(a->vm, b->vm) : order(a->vcpu, b->vcpu);
		if (!d)
			d = sort_col == COL_VM ? order(a->vcpu, b->vcpu) : order(a->vm, b->vm);
		return sort_reverse ? -d : d;
	}
	if (sort_col == COL_FIND) {
		x = a->total[TOP_FINDINGS];
		y = b->total[TOP_FINDINGS];
	} else if (sort_col == COL_LRS) {
		x = occupancy_centi(a);
		y = occupancy_centi(b);
	} else {
		x = a->now[c];
		y = b->now[c];
	}
	if (x != y)
		return sort_reverse ? order(x, y) : order(y, x);
	d = order(a->vm, b->vm);
	return d ? d : order(a->vcpu, b->vcpu);
}

/* See top_model.h. */
void top_interval_sort(struct top_interval *iv, int sort, int reverse)
{
	sort_col = sort >= 0 && sort < top_ncolumns ? sort : COL_VCPU;
	sort_reverse = reverse;
	if (iv->nrows > 1)
		qsort(iv->rows, (size_t)iv->nrows, sizeof(*iv->rows), compare_rows);
}

/* See top_model.h. */
void top_model_close(struct top_model *m, int64_t start_ns, int64_t end_ns, int sort, int reverse,
		     struct top_interval *out)
{
	memset(out, 0, sizeof(*out));
	out->index = ++m->index;
	out->start_ns = start_ns;
	out->end_ns = end_ns;
	out->events_now = m->events_now;
	out->events_total = m->events_total;
	out->lost_now = m->lost_now;
	out->lost_total = m->lost_total;
	out->gaps_now = m->gaps_now;
	out->gaps_total = m->gaps_total;
	memcpy(out->findings_by_kind, m->findings_by_kind, sizeof(out->findings_by_kind));
	out->findings_total = m->findings_total;
	out->nrows = m->nrows;
	out->rows = vr_xmalloc((size_t)(m->nrows ? m->nrows : 1) * sizeof(*out->rows));
	if (m->nrows)
		memcpy(out->rows, m->rows, (size_t)m->nrows * sizeof(*out->rows));
	top_interval_sort(out, sort, reverse);
	for (int i = 0; i < m->nrows; i++) {
		memset(m->rows[i].now, 0, sizeof(m->rows[i].now));
		m->rows[i].lrs_used_now = 0;
		m->rows[i].lrs_max_now = 0;
	}
	m->events_now = m->lost_now = m->gaps_now = 0;
}

/* See top_model.h. */
void top_interval_free(struct top_interval *iv)
{
	free(iv->rows);
	iv->rows = NULL;
	iv->nrows = 0;
}

/* See top_model.h. */
void top_cell(const struct top_interval *iv, const struct top_row *r, int col, int counts,
	      char *buf, size_t n)
{
	int c = top_columns[col].counter;
	double secs = (double)(iv->end_ns - iv->start_ns) / 1e9;
	int64_t centi;

	if (col == COL_VM) {
		if (r->vm == VR_NO_VALUE)
			snprintf(buf, n, "-");
		else
			snprintf(buf, n, "%lld", (long long)r->vm);
	} else if (col == COL_VCPU) {
		if (r->vcpu == VR_NO_VALUE)
			snprintf(buf, n, "-");
		else
			snprintf(buf, n, "%lld", (long long)r->vcpu);
	} else if (col == COL_LRS) {
		centi = occupancy_centi(r);
		if (centi < 0)
			snprintf(buf, n, "-");
		else if (r->nr_lrs)
			snprintf(buf, n, "%lld.%lld/%d", (long long)(centi / 100),
				 (long long)(centi % 100 / 10), r->nr_lrs);
		else /* no flush of the vCPU recorded its LRs */
			snprintf(buf, n, "%lld.%lld", (long long)(centi / 100),
				 (long long)(centi % 100 / 10));
	} else if (iv->no_replay && (col == COL_FIND || c == TOP_INJECTED || c == TOP_ACKED)) {
		snprintf(buf, n, "-");
	} else if (col == COL_FIND) {
		snprintf(buf, n, "%lld", (long long)r->total[TOP_FINDINGS]);
	} else if (counts || secs <= 0) {
		snprintf(buf, n, "%lld", (long long)r->now[c]);
	} else {
		double rate = (double)r->now[c] / secs;

		snprintf(buf, n, rate >= 100 || rate == 0 ? "%.0f" : "%.1f", rate);
	}
}
