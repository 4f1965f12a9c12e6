/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model driver's own header: struct replay_model and what its files
 * share. Only replay/model*.c include it; everyone else goes through
 * predict.h.
 *
 * The driver is five files. Each calls only those listed below it, so a
 * maintainer can read them from the bottom up:
 *
 *   model.c             the driver: open, one handler per event kind, finish
 *   model_races.c       DIRs from another vCPU racing their owner's fold
 *   model_divergence.c  a flush predicted, compared with the kernel's, reported
 *   model_dist.c        distributor writes of one vCPU racing another's flush
 *   model_inflight.c    injections from other threads, held until certainly queued
 *   model_learn.c       the distributor configuration, learned from the LRs
 *
 * The state they share is struct replay_model: the engine's model of the
 * vGIC, what the driver knows of each vCPU beside it (struct model_vcpu)
 * and the tallies. Functions shared between the files carry the model_
 * prefix; the rest are static to their file.
 */
#ifndef VR_MODEL_INTERNAL_H
#define VR_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "predict.h"
#include "replay.h"

#define MAX_QUEUED     4096
#define MAX_CANDIDATES 64
#define MAX_RACES      8
#define MAX_SUBSET_FLIGHT 6 /* in flight at one flush: every subset tried up to this many */
#define MAX_SPLITS     128 /* prefixes (the first ones, should more be in flight) and subsets */

/* A split of the injections in flight at a flush: the first k, or the set mask (when not 0). */
struct flight_split {
	int k;
	uint32_t mask;
};

/* One interrupt's configuration as its first LR shows it. */
struct learned {
	int vcpu;
	uint32_t intid;
	struct vgic_irq_config_desc c;
};

/*
 * Injections whose tracepoint fired on another thread are queued here:
 * vgic_update_irq_pending fires before vgic_queue_irq_unlock() takes the
 * AP-list lock, so one that fires while a flush is already running on the
 * vCPU's thread joins the list only after it. One whose thread has since
 * emitted another event has returned from kvm_vgic_inject_irq() and is
 * certainly queued; one that fired after the flush's first populate_lr is
 * certainly not; the others are in flight. SGIs sent to another vCPU
 * (vgic_v3_dispatch_sgi on the sender's thread) race the same way.
 */
/* SPI raises remembered for flushes that may race them (spis_raise). */
#define MAX_SPIS_RAISES 8
#define MAX_MIGRATIONS 8

struct pending_injection {
	int64_t ts;
	int vcpu;
	uint32_t intid;
	bool level;
	int pid;     /* the injecting thread */
	bool done;   /* that thread emitted a later event: the call has returned */
	int sgi_src; /* an SGI from this vCPU, -1 for an injection */
	/* An LPI (intid >= 8192): level is its latch; vgic_queue_irq_unlock() saw these. */
	bool enabled;
	uint8_t priority;
	int64_t done_ts; /* the thread's next event, once done */
	/*
	 * A vCPU's distributor write of one SPI racing another vCPU's flush
	 * (model_dist.c): writer's write of val (len bytes) at gpa in layout;
	 * sets: a GICD_ISENABLER or ISPENDR, which may queue the SPI.
	 */
	bool mmio, sets;
	uint8_t len;
	int writer;
	uint64_t gpa, val;
	const struct vgic_mmio_layout *layout;
};

/* A remote DIR that raced its owner's fold: taken or undone, the owner's next flush tells. */
struct dir_race {
	uint32_t intid;
	int dir_vcpu;
	int64_t dir_event;
	int ap_index; /* its place in the owner's AP list after the prune, -1 unknown */
	int pid;      /* the DIR's thread */
	bool done;    /* that thread emitted a later event: vgic_v3_deactivate() returned */
};

/* What the driver knows of one vCPU, beside the model's own state of it. */
struct model_vcpu {
	int64_t last_ts;	       /* its thread's last event (not a flush or populate_lr) */
	int64_t first_populate;	       /* this flush's first populate_lr (lock held), 0 none */
	int thread_of;		       /* the thread (pid) that last ran it, -1 none yet */
	uint32_t flushed_hcr;	       /* the HCR its last flush programmed */
	int64_t last_sync, last_flush; /* its last fold and flush events, 0 none */
	int64_t sync_ts;	       /* when its last fold began */
	bool dir_pending;	       /* a trapped DIR not named by the trace */
	bool unknown;		       /* state unknown until a flush matches */
	uint32_t populated[VGIC_ENGINE_MAX_LRS]; /* this flush's populate_lr */
	int npopulated;
	bool fresh;	 /* no flush seen yet: the first is not compared */
	bool diverged;	 /* reported; the next ones until a match are not */
	bool lost;	 /* after a gap: known again only once a matching
			    flush shows the whole AP list */
	bool in_fold;	 /* between its sync (fold entry) and its post */
	bool walk_known; /* the last walk had no entry the model lacks */
	/* Remote DIRs that raced this vCPU's fold: taken or undone, its next flush tells. */
	struct dir_race races[MAX_RACES];
	int nraces;
	/* Undone at a flush while their DIR was still under way: retried after the next fold. */
	struct dir_race rearmed[MAX_RACES];
	int nrearmed;
	bool seen_priv[VGIC_ENGINE_NR_PRIVATE];	       /* configuration learned */
	int64_t last_inj_priv[VGIC_ENGINE_NR_PRIVATE]; /* the last injection of each, 0 none */
};

/* The driver: the engine's model of the vGIC and what the trace showed beside it. */
struct replay_model {
	struct vgic_engine_config cfg;
	struct vgic_engine *e;
	struct vgic_mmio_layout layout; /* where the guest sees the vGIC frames (kvm_mmio) */
	replay_model_divergence_fn fn;
	void *fn_arg;
	int has_post, has_deactivate;
	int has_sgi; /* vgic_sgi events: GICD_SGIR writes are applied from those, not kvm_mmio */
	int has_lpi_queue; /* vgic_queue_lpi events: LPIs are injected, else never judged */
	/*
	 * The guest's last GITS_CWRITER write: the ITS ran commands no event
	 * shows (MOVI moves an LPI to another vCPU, DISCARD drops it), so an
	 * LPI not queued since may be elsewhere. lpi_queued_at: each LPI's last
	 * vgic_queue_lpi or vgic_lpi_target (where the model learned its
	 * target), by INTID - 8192 (nr_lpis of them).
	 */
	int64_t its_commands_at;
	int64_t forget_until; /* a gap's window: no flush before it makes a vCPU known */
	int64_t judging_ts;   /* the flush being judged */
	int64_t *lpi_queued_at;
	/*
	 * Interrupts a GICD_CTLR enable left pending on no AP list
	 * (vgic_kick_vcpus() only kicks).
	 */
	struct stranded {
		int vcpu, cpu;
		uint32_t intid;
		int64_t enable_event, ts_ns, cause_event;
	} stranded[64];
	int nstranded;
	int hcr_exact; /* the profile rebuilds the HCR: compare it too */
	/*
	 * The VM's active_spis (6.19+, sets TDIR) is not known: SPIs counted
	 * before the trace starts or during a gap. TDIR is not compared until
	 * a flush leaves it clear, which says the count is zero.
	 */
	bool spis_unknown;
	/*
	 * This flush's TDIR is set by an SPI queued on another vCPU's list:
	 * its call has returned (so active_spis counts it) but the model keeps
	 * it for its target's flush window.
	 */
	bool tdir_from_queue;
	bool tdir_maybe; /* ... or may be: an SPI injection for another vCPU still under way */
	/*
	 * Changes of active_spis (6.19+) made on another CPU than a flush
	 * that reads it (vgic_v3_configure_hcr()), which the trace cannot
	 * order against that read (model_spis_ambiguous()): the last SPI
	 * raises (vgic_queue_irq_unlock() counts each SPI it queues), and
	 * the last fold that dropped the count (a level SPI deactivated,
	 * vgic_v3_fold_lr()). ts is the event, done_ts when its thread next
	 * moved on (the change certainly made; 0 not yet).
	 */
	struct spis_change {
		int64_t ts, done_ts;
		int pid, vcpu;
	} spis_raise[MAX_SPIS_RAISES], spis_drop;
	int spis_raise_next;
	/*
	 * SPIs the last prunes moved to another vCPU's AP list
	 * (vgic_prune_ap_list(), routed elsewhere): the move lands between
	 * the pruning vCPU's sync and post events, and the new vCPU's flush
	 * may have read its list before it (model_predict_flush()).
	 */
	struct migration {
		uint32_t intid;
		int from, to;
		int64_t ts; /* the post event */
	} migrated[MAX_MIGRATIONS];
	int migrated_next;
	struct pending_injection q[MAX_QUEUED], flight[MAX_QUEUED];
	uint32_t flight_must; /* the in-flight ones this flush populated: certainly in */
	int nq;
	bool walks;	/* the trace has AP-list walks (vgic_post) */
	int open_races; /* races + rearmed, all vCPUs: skip the per-event scan when 0 */
	struct model_vcpu vcpu[VGIC_ENGINE_MAX_VCPUS];
	int64_t last_inj_spi[VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE];
	bool seen_spi[VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE]; /* configuration learned */
	struct predict_result res;
	/* The flushes and AP lists compared and counted (replay_model_set_window()). */
	struct model_learning *learning; /* until replay_model_start() */
	bool learn_late; /* a live stream: flushes may name interrupts not learned yet */
	int64_t facts_max_intid;
	struct model_window {
		int64_t vcpu, intid, from_ns, to_ns; /* VR_NO_VALUE: no bound */
	} window;
};

/* What was known of a vCPU as its flush began (on_flush()). */
struct flush_known {
	bool was_unknown; /* a trapped DIR the trace does not name, or the state unknown */
	bool searching;	  /* ... or no flush seen yet: each possible unnamed DIR is tried */
	bool hidden;	  /* more than one unnamed DIR is unknown */
};

/*
 * model_learn.c: each interrupt's configuration from the first LR it
 * appears in, an SPI's target from its first Pending-only LR (the flushes
 * are enough: LRs are only programmed there), gathered before the engine
 * exists so that it is sized to the INTIDs seen (a clone, made for every
 * race and DIR tried, copies every IRQ).
 */
struct model_learning;
struct model_learning *model_learning_new(void);
void model_learning_free(struct model_learning *l);
/* Learn from one item of the stream (its flushes' LRs; the rest is passed over). */
void model_learn_item(struct replay_model *m, struct model_learning *l,
		      const struct trace_item *it);
/* What was learned: the count, *out (owned by l), *max_intid the highest INTID seen. */
int model_learned(const struct model_learning *l, const struct learned **out,
		  uint32_t *max_intid);
/* A live stream's flush naming an interrupt not learned yet: configure it now (see model_learn.c). */
void model_learn_late(struct replay_model *m, const struct replay_model_row *r);

/* model_inflight.c */
bool model_row_moves_thread_on(const struct replay_model *m, const struct replay_model_row *r);
void model_note_spis_raise(struct replay_model *m, const struct replay_model_row *r);
void model_note_spis_drop(struct replay_model *m, const struct replay_model_row *r);
void model_note_spis_changes_done(struct replay_model *m, const struct replay_model_row *r);
void model_apply_one(struct vgic_engine *e, const struct pending_injection *p);
void model_enqueue(struct replay_model *m, const struct pending_injection *p);
void model_note_injections_returned(struct replay_model *m, const struct replay_model_row *r);
void model_apply_done(struct replay_model *m, int vcpu, int64_t before_ts, int64_t mmio_before);
void model_settle_before_dist_write(struct replay_model *m);
int model_injections_at_flush(struct replay_model *m, const struct replay_model_row *r, int *min_k);

/* model_dist.c */
/* A kvm_mmio write: held in flight (true) where it races another vCPU's flush, else applied. */
bool model_defer_dist_write(struct replay_model *m, const struct replay_model_row *r);
bool model_dist_writes_count(const struct replay_model *m, int vcpu);

void model_prune_noting_moves(struct replay_model *m, const struct replay_model_row *r);
/*
 * SPIs another vCPU's prune moved onto vcpu's list after vcpu's thread
 * last moved on (its flush may have read the list before): their INTIDs
 * and where they came from; returns how many (at most MAX_MIGRATIONS).
 */
int model_moves_racing(const struct replay_model *m, int vcpu, uint32_t *ids, int *from);

/* model_divergence.c */
int model_try_flush(struct replay_model *m, struct vgic_engine **pe, int vcpu,
		    const struct vgic_cpuif *regs, int nflight, int min_k,
		    struct vgic_flush_result *fr, int *raced, struct flight_split *taken);
int model_predict_flush(struct replay_model *m, int vcpu, const struct vgic_cpuif *regs,
			bool searching, int nflight, int min_k, struct vgic_flush_result *fr,
			int *raced);
void model_judge_flush(struct replay_model *m, const struct replay_model_row *r,
		       const struct vgic_cpuif *regs, const struct vgic_flush_result *fr, int match,
		       const struct flush_known *k);
void model_divergence_init(struct replay_model_divergence *d, const struct replay_model *m,
			   const struct replay_model_row *r,
			   enum replay_model_divergence_kind kind);
void model_judge_ap_list(struct replay_model *m, const struct replay_model_row *r);
void model_report_event(struct replay_model *m, const struct replay_model_row *r,
			enum replay_model_divergence_kind kind, int64_t intid, int eoicount,
			int left);
int64_t model_last_injection(const struct replay_model *m, int vcpu, int64_t intid);

/* model_races.c */
void model_on_deactivate(struct replay_model *m, const struct replay_model_row *r);
void model_note_dir_returns(struct replay_model *m, const struct replay_model_row *r);
void model_retry_rearmed(struct replay_model *m, int vcpu);
void model_prune_with_races(struct replay_model *m, const struct replay_model_row *r);
void model_settle_dir_races_at_flush(struct replay_model *m, const struct replay_model_row *r,
				     const struct vgic_cpuif *regs, int nflight, int min_k);

#endif
