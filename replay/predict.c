/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drive the vGIC model (engine/) with a recorded trace and compare every
 * flush it predicts with the list registers the kernel really programmed.
 *
 * The model needs the guest's distributor configuration, which no
 * tracepoint shows; it is learned from the LRs themselves before the run
 * (an interrupt seen in an LR was enabled; its priority, group, HW mapping
 * and, through the EOI bit, its trigger mode are in the LR; an SPI targets
 * the vCPU whose LRs hold it). Then, in trace order: injections go to
 * kvm_vgic_inject_irq(), flush snapshots are predicted and compared, sync
 * snapshots (the registers the hardware handed back) are folded, and the
 * return of kvm_vgic_sync_hwstate prunes the AP list.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "predict.h"

/* Learn each interrupt's configuration from the LRs it appears in. */
static int learn_config(struct tracedb *db, struct vgic_engine *e, int gic, int nr_vcpus)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(tracedb_sqlite(db),
			       "SELECT e.vcpu, l.value FROM snapshot_lrs l "
			       "JOIN snapshots s ON s.event_id = l.event_id "
			       "JOIN events e ON e.id = l.event_id "
			       "WHERE l.lr < s.used_lrs AND e.vcpu IS NOT NULL ORDER BY l.event_id",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int vcpu = sqlite3_column_int(st, 0);
		uint64_t lr = (uint64_t)sqlite3_column_int64(st, 1);
		uint32_t intid = vgic_lr_intid(gic, lr);
		struct vgic_irq_state s;
		struct vgic_irq_config_desc c = {0};
		bool hw = gic == 2 ? (lr >> 31) & 1 : (lr >> 61) & 1;

		if (vcpu >= nr_vcpus || vgic_engine_irq(e, vcpu, intid, &s) || s.enabled)
			continue;
		c.enabled = true;
		c.priority = vgic_lr_priority(gic, lr);
		c.group = gic == 2 ? (lr >> 30) & 1 : (lr >> 60) & 1;
		c.hw = hw;
		c.hwintid = hw ? (gic == 2 ? (uint32_t)((lr >> 10) & 0x3ff) : (uint32_t)((lr >> 32) & 0x1fff)) : 0;
		/* Only non-HW level interrupts carry EOI (vgic_v3_populate_lr); HW ones are level. */
		c.config = hw || (gic == 2 ? (lr >> 19) & 1 : (lr >> 41) & 1) ? VGIC_LEVEL : VGIC_EDGE;
		c.target_vcpu = vcpu;
		vgic_engine_configure(e, vcpu, intid, &c);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * Injections whose tracepoint fired on another thread are queued here:
 * vgic_update_irq_pending fires before vgic_queue_irq_unlock() takes the
 * AP-list lock, so one that fires while a flush is already running on the
 * vCPU's thread joins the list only after it. One whose thread has since
 * emitted another event has returned from kvm_vgic_inject_irq() and is
 * certainly queued; one that fired after the flush's first populate_lr is
 * certainly not; the others are in flight.
 */
struct pending_injection {
	int64_t ts;
	int vcpu;
	uint32_t intid;
	bool level;
	int pid;  /* the injecting thread */
	bool done; /* that thread emitted a later event: the call has returned */
};

#define MAX_QUEUED 4096

struct injection_queue {
	struct pending_injection q[MAX_QUEUED];
	int n;
};

/* Apply queued injections older than before_ts (all when before_ts < 0). */
static void apply_queued(struct vgic_engine *e, struct injection_queue *iq, int64_t before_ts)
{
	int i, kept = 0;

	for (i = 0; i < iq->n; i++) {
		struct pending_injection *p = &iq->q[i];

		if (before_ts < 0 || p->ts < before_ts)
			vgic_engine_inject(e, p->vcpu, p->intid, p->level);
		else
			iq->q[kept++] = *p;
	}
	iq->n = kept;
}

/* Did the model program exactly the LRs the kernel did? */
static int flush_matches(const struct vgic_flush_result *fr, const struct vgic_cpuif *regs)
{
	return fr->regs.used_lrs == regs->used_lrs &&
	       !memcmp(fr->regs.lr, regs->lr, sizeof(uint64_t) * (size_t)regs->used_lrs);
}

/*
 * Apply the injections certainly queued before this flush: their call has
 * returned and they fired before the vCPU thread's previous event (a
 * re-injection of an interrupt already on the AP list only sets its latch
 * under the IRQ lock, so a flush already past it misses it even then).
 */
static void apply_done(struct vgic_engine *e, struct injection_queue *iq, int64_t before_ts)
{
	int i, kept = 0;

	for (i = 0; i < iq->n; i++) {
		struct pending_injection *p = &iq->q[i];

		if (p->done && p->ts < before_ts)
			vgic_engine_inject(e, p->vcpu, p->intid, p->level);
		else
			iq->q[kept++] = *p;
	}
	iq->n = kept;
}

/* Same LRs in a different order: allowed when the kernel's sort leaves ties unordered. */
static int same_multiset(const uint64_t *a, const uint64_t *b, int n)
{
	int used[VGIC_ENGINE_MAX_LRS] = {0}, i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			if (!used[j] && a[i] == b[j]) {
				used[j] = 1;
				break;
			}
		if (j == n)
			return 0;
	}
	return 1;
}

/* See predict.h. */
int replay_predict(struct tracedb *db, const char *profile_name, struct predict_result *res,
		   struct vr_error *err)
{
	static const char q[] =
		"SELECT e.id, e.kind, e.vcpu, e.intid, e.arg1, s.used_lrs, s.hcr, e.ts_ns, e.pid "
		"FROM events e LEFT JOIN snapshots s ON s.event_id = e.id "
		"WHERE +e.kind IN (1, 2, 3, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23) ORDER BY e.id";
	struct vgic_engine_config cfg = {0};
	struct vgic_engine *e = NULL;
	sqlite3 *sql = tracedb_sqlite(db);
	sqlite3_stmt *st = NULL, *lrs = NULL;
	static struct injection_queue iq;
	int64_t last_ts[VGIC_ENGINE_MAX_VCPUS] = {0};
	int64_t first_populate[VGIC_ENGINE_MAX_VCPUS] = {0};
	int thread_of[VGIC_ENGINE_MAX_VCPUS];
	int lrs_row, has_post, rc = -1;

	memset(res, 0, sizeof(*res));
	memset(thread_of, -1, sizeof(thread_of));
	iq.n = 0;
	cfg.profile = vgic_profile_find(profile_name);
	if (!cfg.profile)
		return vr_error_set(err, "unknown engine profile '%s'", profile_name);
	snprintf(res->profile, sizeof(res->profile), "%s", profile_name);
	if (sqlite3_prepare_v2(sql,
			       "SELECT coalesce(gic_version, 3), coalesce(nr_lrs, 4), "
			       "(SELECT coalesce(max(vcpu), 0) + 1 FROM events), "
			       "(SELECT count(*) FROM events WHERE kind = 22) FROM trace_info",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		vr_error_set(err, "reading trace_info: %s", sqlite3_errmsg(sql));
		goto out;
	}
	cfg.gic_version = sqlite3_column_int(st, 0);
	cfg.nr_lrs = sqlite3_column_int(st, 1);
	cfg.nr_vcpus = sqlite3_column_int(st, 2);
	has_post = sqlite3_column_int(st, 3) > 0;
	cfg.nr_spis = 988;
	sqlite3_finalize(st);
	st = NULL;
	if (cfg.nr_vcpus > VGIC_ENGINE_MAX_VCPUS)
		cfg.nr_vcpus = VGIC_ENGINE_MAX_VCPUS;
	e = vgic_engine_create(&cfg);
	if (!e) {
		vr_error_set(err, "cannot model %d vCPUs with %d LRs on GICv%d", cfg.nr_vcpus,
			     cfg.nr_lrs, cfg.gic_version);
		goto out;
	}
	res->configured = learn_config(db, e, cfg.gic_version, cfg.nr_vcpus);
	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, "SELECT event_id, lr, value FROM snapshot_lrs ORDER BY event_id, lr",
			       -1, &lrs, NULL) != SQLITE_OK) {
		vr_error_set(err, "reading the trace: %s", sqlite3_errmsg(sql));
		goto out;
	}
	lrs_row = sqlite3_step(lrs);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int kind = sqlite3_column_int(st, 1);
		int vcpu = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
		int64_t ts = sqlite3_column_int64(st, 7);
		int pid = sqlite3_column_int(st, 8);
		struct vgic_cpuif regs = {0};
		int i;

		for (i = 0; i < iq.n; i++) /* this thread has moved on from its injections */
			if (iq.q[i].pid == pid)
				iq.q[i].done = true;
		if (kind == 2 || kind == 3 || kind == 9)
			continue;
		if (kind == 1) {
			uint32_t intid = (uint32_t)sqlite3_column_int64(st, 3);
			int target = intid < 32 ? vcpu : -1;
			bool level = sqlite3_column_int(st, 4);

			if (target >= 0 && target < cfg.nr_vcpus && thread_of[target] == pid) {
				vgic_engine_inject(e, target, intid, level); /* program order */
			} else if (iq.n < MAX_QUEUED) {
				iq.q[iq.n++] = (struct pending_injection){ts, target, intid, level, pid,
									  false};
			} else {
				apply_queued(e, &iq, -1);
				vgic_engine_inject(e, target, intid, level);
			}
			continue;
		}
		if (vcpu < 0 || vcpu >= cfg.nr_vcpus)
			continue;
		if (kind != 20 && kind != 23) {
			thread_of[vcpu] = pid;
			last_ts[vcpu] = ts;
		}
		if (kind == 23) {
			if (!first_populate[vcpu])
				first_populate[vcpu] = ts; /* the flush holds the AP-list lock by now */
			continue;
		}
		if (kind == 22) {
			apply_done(e, &iq, ts);
			vgic_engine_prune(e, vcpu);
			continue;
		}
		regs.used_lrs = sqlite3_column_int(st, 5);
		regs.hcr = (uint32_t)sqlite3_column_int64(st, 6);
		while (lrs_row == SQLITE_ROW && sqlite3_column_int64(lrs, 0) < id)
			lrs_row = sqlite3_step(lrs);
		while (lrs_row == SQLITE_ROW && sqlite3_column_int64(lrs, 0) == id) {
			int lr = sqlite3_column_int(lrs, 1);

			if (lr >= 0 && lr < VGIC_ENGINE_MAX_LRS)
				regs.lr[lr] = (uint64_t)sqlite3_column_int64(lrs, 2);
			lrs_row = sqlite3_step(lrs);
		}
		if (kind == 20) {
			static struct pending_injection flight[MAX_QUEUED];
			struct vgic_flush_result fr;
			int64_t late_from;
			int nflight, match, apply_late;

			late_from = first_populate[vcpu] ? first_populate[vcpu] : ts + 1;
			apply_done(e, &iq, last_ts[vcpu]);
			/*
			 * Those after the flush's first populate_lr came too late; those
			 * in between are in flight: the kernel may have flushed first.
			 */
			first_populate[vcpu] = 0;
			nflight = 0;
			for (i = 0; i < iq.n; i++)
				if (iq.q[i].ts < late_from)
					flight[nflight++] = iq.q[i];
			apply_late = iq.n - nflight;
			{
				int k = 0;

				for (i = 0; i < iq.n; i++)
					if (iq.q[i].ts >= late_from)
						iq.q[k++] = iq.q[i];
				iq.n = k;
			}
			(void)apply_late;
			if (nflight) {
				/*
				 * The flush took the AP-list lock at some moment inside the
				 * window: the in-flight injections before it made it, the
				 * rest did not. Try every split, latest first.
				 */
				int k;

				match = 0;
				for (k = nflight; k >= 0 && !match; k--) {
					struct vgic_engine *c = vgic_engine_clone(e);

					if (!c)
						break;
					for (i = 0; i < k; i++)
						vgic_engine_inject(c, flight[i].vcpu, flight[i].intid,
								   flight[i].level);
					vgic_engine_flush(c, vcpu, &fr);
					if (flush_matches(&fr, &regs) || k == 0) {
						match = flush_matches(&fr, &regs);
						if (!match) {
							/* No split explains it: keep all of them in. */
							vgic_engine_destroy(c);
							c = vgic_engine_clone(e);
							for (i = 0; c && i < nflight; i++)
								vgic_engine_inject(c, flight[i].vcpu,
										   flight[i].intid,
										   flight[i].level);
							if (c)
								vgic_engine_flush(c, vcpu, &fr);
							k = nflight;
						} else if (k < nflight) {
							res->raced++;
						}
						vgic_engine_destroy(e);
						e = c;
						for (i = k; i < nflight; i++)
							vgic_engine_inject(e, flight[i].vcpu, flight[i].intid,
									   flight[i].level);
						break;
					}
					vgic_engine_destroy(c);
				}
			} else {
				vgic_engine_flush(e, vcpu, &fr);
				match = flush_matches(&fr, &regs);
			}
			res->flushes++;
			if (match) {
				res->exact++;
			} else if (fr.regs.used_lrs == regs.used_lrs &&
				   same_multiset(fr.regs.lr, regs.lr, regs.used_lrs)) {
				res->reordered++;
			} else {
				if (!res->first_mismatch_event) {
					res->first_mismatch_event = id;
					res->mismatch_used[0] = regs.used_lrs;
					res->mismatch_used[1] = fr.regs.used_lrs;
					for (i = 0; i < 4; i++) {
						res->mismatch_lr[0][i] = regs.lr[i];
						res->mismatch_lr[1][i] = fr.regs.lr[i];
					}
				}
				res->mismatched++;
			}
		} else if (kind == 21) {
			struct vgic_sync_result sr;

			vgic_engine_fold(e, vcpu, &regs, &sr);
			res->folds++;
			for (i = 0; i < sr.ndeactivated; i++)
				if (sr.by_eoicount[i])
					res->eoicount_deactivations++;
			if (!has_post)
				vgic_engine_prune(e, vcpu);
		}
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(lrs);
	vgic_engine_destroy(e);
	return rc;
}
