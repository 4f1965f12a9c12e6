/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of `check` share, private to replay/: the driver
 * (driver.c) feeds the event stream to the interrupt lifecycle tracker
 * (lifecycle.c) and the model (model.c), and both make their findings
 * through findings.c (the model's through model_findings.c). Nothing outside replay/ includes this.
 */
#ifndef VR_REPLAY_INTERNAL_H
#define VR_REPLAY_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "../schemas/findings_store.h"
#include "predict.h"
#include "replay.h"

#define NR_PRIVATE 32
#define NR_SHARED_MAX 1020
#define LPI_MIN 8192
#define MAX_LRS 64

/* What is known about one interrupt (per vCPU for SGIs/PPIs, global for SPIs). */
struct irq_track {
	uint32_t intid;
	int used;
	int64_t vcpu;	  /* target: owner of a private IRQ, or where an SPI was last seen */
	int64_t lpi_target; /* an LPI's target_vcpu as vgic_lpi_target last said, */
	int has_lpi_target; /* ... once the trace has said it (then queue_lpi too) */
	int level_cfg;	  /* 1 level, 0 edge, -1 not yet seen in an LR */
	int hw;
	int priority;	  /* -1 unknown */
	int seen_in_lr;	  /* proves the guest enabled it */
	int uncertain;	  /* a gap intervened: state may be wrong, checks say unknown */
	int sw_pending;	  /* pending latch set, not in an LR */
	int64_t sw_pending_event, sw_pending_ts;
	int64_t inject_ts; /* the injection that began the instance (kept across folds), 0 unknown */
	int lr_pending;	  /* presented Pending in the current LRs of vcpu lr_vcpu */
	int64_t lr_vcpu;
	int run_injections; /* injections while lr_pending during a guest run */
	int64_t run_injection_event, run_injection_ts;
	int32_t run_injection_pid;
	int active;	  /* acked, not yet deactivated as far as the trace shows */
	int in_lr;	  /* resident in the last flush's LRs */
	int64_t active_event, active_ts;
	int64_t active_vcpu; /* the vCPU whose exit showed the acknowledgement */
	int deact_timed;     /* this active instance's deactivation latency was given */
	int line_high;
	int64_t first_skipped_flush;	/* first flush that left the instance out */
	int sw_from_fold;		/* the pending state came back from a fold */
	int reported;			/* this instance already made a finding */
	int64_t last_presented_event; /* the last flush that put it in an LR */
	int state_known;	      /* seen in an LR: its active state is tracked */
	int64_t last_seen_event;      /* the last snapshot that showed it */
	int path_unrecorded;	      /* an LPI on a trace without vgic_queue_lpi: never judged */
	int32_t inj_pid;	      /* the thread whose injection began the pending instance */
	int inj_returned;	      /* ... has emitted a later event: the IRQ is certainly queued */
	int64_t inj_returned_ts;
	int inj_by_guest;	      /* ... began by a guest's GICD_ISPENDR write (kvm_mmio) */
	/* A guest's GICD_ICPENDR withdrew the instance (counted coalesced) from this
	 * thread, which has not moved on since: another vCPU's flush may precede it. */
	int32_t withdraw_pid;
	int withdrawing;
	int resampled; /* HW level: the fold read the physical line, which the trace does not show */
	/*
	 * Active with an instance pending behind it: the flushes of its vCPU
	 * since its acknowledgement (behind_ack) that found it so, the first
	 * and last of them. A STUCK_ACTIVE finding already made names it.
	 */
	int64_t behind_flushes, behind_first_event, behind_last_event, behind_ack;
	int stuck_reported;
	int stranded;		 /* the model found it left on no AP list to the end (LOST) */
	int group;		 /* its LR's group, as learned */
	enum replay_life shown;	 /* the lifecycle state opt->life was last given, */
	int64_t shown_vcpu;	 /* ... and under which vCPU */
	int64_t last_dir_event;	 /* the last trapped DIR (vgic_deactivate) that named it */
	/*
	 * The accounting: a private IRQ has one row (own); a shared one (SPI,
	 * LPI) a row per vCPU it was presented to or aimed at, so that one the
	 * guest moves between vCPUs is counted where each instance went.
	 * count is the row of its current vCPU (own until one is known).
	 */
	struct replay_irq_count *count;
	struct replay_irq_count own;
	struct replay_irq_count *rows;
	int nrows;
};

/* The list registers of the last flush of one vCPU. */
struct vcpu_track {
	int used;
	int32_t thread_pid; /* the thread that runs it (its flushes' pid), 0 not yet seen */
	int64_t thread_last_ts; /* that thread's last event before a flush, 0 none */
	int64_t flush_event, flush_ts, prev_flush_ts;
	int32_t flush_cpu;
	uint32_t hcr;
	uint32_t vmcr_sync; /* ICH_VMCR at the exit being checked (0: not recorded) */
	/*
	 * The active priorities KVM holds for it, as its last sync showed
	 * them (apr.ap0r[0], apr.ap1r[0]; GICv2: GICH_APR in ap0r[0]). KVM
	 * saves them only at vcpu_put (vgic_v3_put(), vgic_v2_put()), so they
	 * are as fresh as the last put: apr_put_event is the last sync known
	 * to follow one (a return to userspace before it, or APRs that
	 * changed since the sync before).
	 */
	struct vgic_cpuif apr;
	int has_apr, put_pending;
	int64_t apr_event, apr_put_event;
	int64_t eoicount_exit; /* its last exit with EOIcount the walk replayed */
	int nr_lrs;
	int used_lrs;
	uint64_t lr[MAX_LRS];
	struct irq_track priv[NR_PRIVATE];
};

struct checker {
	struct tracedb *db;
	const struct replay_options *opt;
	const struct vgic_profile *profile;	/* what-if: the EOIcount walk replayed */
	const struct vgic_profile *recorded;	/* the recording kernel: its LR sort */
	replay_finding_fn fn;
	void *fn_arg;
	struct replay_result *res;
	int gic_version;
	struct vcpu_track **vcpus; /* stable addresses: tracked[] points into them */
	size_t nvcpus;
	struct irq_track shared[NR_SHARED_MAX];
	struct irq_track **tracked; /* every interrupt seen, so loops skip the unused ones */
	size_t ntracked, cap_tracked;
	int64_t vcpus_seen;
	struct irq_track **lpis; /* LPIs, in order of first sight (few: a handful per device) */
	size_t nlpis, cap_lpis, last_lpi;
	int has_lpi_queue;	 /* the trace records LPI queueing (vgic_queue_lpi) */
	int has_lpi_target;	 /* ... and the ITS's LPI moves (vgic_lpi_target) */
	/* Instances injected from another thread than their vCPU's, until that thread moves on. */
	struct irq_track *inflight[256];
	int ninflight;
	struct irq_track *withdrawing[64]; /* ... and instances withdrawn so (track_pending_write()) */
	int nwithdrawing;
	struct thread_seen {
		int32_t pid;
		int64_t ts; /* its first event after the last injection it made */
	} threads[64];	    /* threads that injected, most recent first */
	int nthreads;
	struct findings_store *store; /* the run being stored, or NULL */
	int failed;
	struct replay_model *model;  /* the engine replay under c->profile */
	int64_t last_finding_event;  /* decisive event of the last finding made */
	struct replay_finding deferred; /* a sort-based LR_DIVERGENCE the model has yet to judge */
	int has_deferred;
	struct vr_progress *progress; /* the progress line on a terminal, or NULL */
	/* --from: the accounting as it stood when the window opened, subtracted at the end. */
	struct replay_irq_count *base; /* each track's own row, then its rows[], in track order */
	size_t *base_start;	       /* per track then known: where its rows begin in base */
	int *base_nrows;	       /* ... and how many rows[] it had */
	size_t nbase_tracks;
	int base_taken;
	int stopped_early; /* --to ended the replay before the end of the trace */
};

/* One row of the event stream, with its snapshot if it has one. */
struct row {
	int64_t id, ts_ns, vcpu, intid, arg0, arg1, arg2, arg3;
	int32_t cpu, pid;
	int kind;
	int gic_version, nr_lrs, used_lrs, ap_len;
	int64_t hcr;
	int64_t vmcr;
	int has_apr;		/* the snapshot recorded its active-priority registers */
	uint32_t ap0r0, ap1r0;	/* ... GICv2: GICH_APR in ap0r0 */
	uint64_t lr[MAX_LRS];
};

/* lifecycle.c: the tracker, one function per kind of event it follows. */
struct vcpu_track *track_vcpu(struct checker *c, int64_t vcpu);
struct irq_track *track_irq(struct checker *c, int64_t vcpu, int64_t intid);
void track_injection(struct checker *c, const struct row *r);
void track_lpi_queue(struct checker *c, const struct row *r);
void track_lpi_target(struct checker *c, const struct row *r);
void track_mmio(struct checker *c, const struct row *r);
void track_thread_moved_on(struct checker *c, const struct row *r);
void track_sgi(struct checker *c, const struct row *r);
void track_userspace_exit(struct checker *c, const struct row *r);
void track_trapped_dir(struct checker *c, const struct row *r);
void track_flush(struct checker *c, const struct row *r);
void track_flush_judged(struct checker *c, const struct row *r);
void track_sync(struct checker *c, const struct row *r);
void track_gap(struct checker *c, int64_t after_event, int64_t lost, int32_t cpu, int64_t ts,
	       int64_t end_ts);
void track_finish(struct checker *c);
void track_life_changes(struct checker *c, int64_t ts);

/*
 * v5_check.c: the checks of a GICv5 trace (PPIs in bitmaps, no LRs): the
 * whole stream, its findings (LOST_INTERRUPT, STUCK_ACTIVE) and per-PPI
 * counts. 0, or -1 with err set.
 */
#define V5_KINDS (VR_KIND_BIT(VR_EV_IRQ_PENDING) | VR_KIND_BIT(VR_EV_FLUSH) | VR_KIND_BIT(VR_EV_SYNC))
int v5_check_stream(struct checker *c, struct trace_source *src, struct vr_error *err);
void track_collect_counts(struct checker *c);
void track_open_window(struct checker *c);

/* findings.c: making a finding; model_findings.c: what the model's divergences become. */
void finding_init(struct replay_finding *f, enum finding_kind kind, enum finding_severity sev,
		  int64_t ts, int32_t cpu, int64_t vcpu, int64_t intid);
void finding_proof(struct replay_finding *f, int64_t event_id, const char *role);
void finding_report(struct checker *c, struct replay_finding *f);
void finding_from_divergence(const struct replay_model_divergence *d, void *arg);

#endif
