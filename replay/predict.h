/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Model-based replay: run the engine's vGIC model over a trace and
 * compare each predicted flush with the LRs the kernel programmed.
 *
 * The model driver (struct replay_model) is fed the event stream in
 * order by the one replay driver (replay/driver.c), behind check, predict
 * and report alike, so the trace is read once. Every flush the kernel
 * programmed differently from the model is handed to a callback with the
 * events that led to it.
 *
 * The driver lives in replay/model.c and the files beside it that
 * replay/model_internal.h lists (learning, injections in flight, flush
 * comparison, DIR races); only predict.h is for use outside them.
 */
#ifndef VR_PREDICT_H
#define VR_PREDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_reader.h"

/*
 * Does an event of kind, on a thread that runs a vCPU or one that does
 * not, show that thread past every call it made before (an injection
 * whose tracepoint fired before the interrupt was queued)? Kinds outside
 * VR_KINDS_TASK_ONLY may come from an interrupt handler nested in such a
 * call; the handlers that inject (the arch timer's) run where a vCPU is
 * loaded, on that vCPU's thread, so any event of another thread does.
 */
static inline bool replay_event_moves_thread_on(int kind, bool vcpu_thread)
{
	return !vcpu_thread || (VR_KIND_BIT(kind) & VR_KINDS_TASK_ONLY);
}

struct predict_result {
	char profile[32];
	int configured;	     /* interrupts whose configuration was learned from LRs */
	int learned_late;    /* ... of them, first seen after a live stream's learning prefix */
	int64_t flushes, exact, reordered, mismatched, folds, eoicount_deactivations;
	int64_t raced;	     /* exact once in-flight injections are queued after the flush */
	int64_t unknown;     /* flushes on a vCPU whose state was unknown (not compared) */
	int64_t lpi_unrecorded; /* ... of them, holding LPIs on a trace without vgic_queue_lpi */
	int64_t lines_low;   /* flushes explained by a HW line the fold found low (the timer) */
	int64_t its_unseen;  /* not compared: an LPI the ITS's commands may have moved, unseen */
	int64_t dir_exits;   /* trapped-DIR exits without a vgic_deactivate event */
	int64_t dir_found;   /* ... whose deactivation the next flush pinned down */
	int64_t deactivates, sgis; /* vgic_deactivate / vgic_sgi events applied */
	int64_t stranded, rescued; /* left off every AP list at a GICD_CTLR enable: to the end, or queued later */
	int64_t dir_races;   /* remote DIRs that raced their owner's fold (either outcome possible) */
	int64_t dir_lost;    /* ... whose owner's next flush showed the interrupt still active */
	int64_t first_mismatch_event;
	/*
	 * Flushes whose HCR holds a bit only the 6.19 rework's configure_hcr()
	 * programs (LRENPIE, the VGrp enable/disable interrupts,
	 * vSGIEOICount), counted under a profile that does not rebuild the
	 * HCR: the kernel is not that profile's, whatever its LRs say.
	 */
	int64_t hcr_foreign;
	/* AP lists after the prune (collector walks at vgic_post), compared entry by entry. */
	int64_t ap_lists, ap_agree, ap_unknown; /* compared, alike, not compared (state unknown) */
	int64_t first_ap_diff_event;		/* 0: none differed */
	char first_ap_diff[200];		/* "INTID 47 active on the kernel's list, ..." */
	int mismatch_used[2];	   /* recorded, predicted */
	uint64_t mismatch_lr[2][4]; /* recorded, predicted */
};

/* One row of the trace as the model needs it (events LEFT JOIN snapshots + its LRs). */
struct replay_model_row {
	int64_t id, ts_ns, intid, arg0, arg1; /* intid: VR_NO_VALUE when NULL */
	int64_t arg2, arg3;		      /* kvm_mmio: gpa, data */
	int kind, vcpu, pid, cpu;	      /* vcpu: -1 when NULL */
	int used_lrs;
	int ap_len; /* vgic_post: the kernel's AP-list length (trace_item.ap_len), else -1 */
	int nap;    /* ... its entries in ap (trace_item.nap), 0 when not recorded whole */
	const struct vr_ap_entry *ap;
	uint32_t hcr, vmcr;
	const uint64_t *lr; /* the snapshot's LRs (kinds 20, 21, 22), else NULL */
};

enum replay_model_divergence_kind {
	MODEL_FLUSH_DIFFERS,	  /* the kernel programmed other LRs than predicted */
	MODEL_EOICOUNT_LEFT,	  /* EOIcount > the active AP-list entries the walk can take */
	MODEL_DIR_NOT_ACTIVE,	  /* a trapped DIR (vgic_deactivate) of an interrupt not active */
	MODEL_STRANDED,		  /* pending and enabled, distributor on, on no AP list to the end */
	MODEL_DIR_LOST,		  /* a remote DIR the owner's fold undid: the interrupt stays active */
};

/*
 * What the model found at one event: a flush the kernel programmed
 * differently from the prediction (flush_event is the flush), an exit
 * whose EOIcount the profile's walk could not account for, or a trapped
 * deactivation of an interrupt that was not active (flush_event is then
 * that sync or vgic_deactivate event).
 */
struct replay_model_divergence {
	enum replay_model_divergence_kind kind;
	int64_t flush_event, ts_ns;
	int cpu, vcpu;
	int64_t intid;		 /* the first INTID that differs */
	int64_t prev_sync_event; /* the fold the prediction started from, 0 none */
	int64_t prev_flush_event; /* the last flush of this vCPU before the event, 0 none */
	int eoicount, eoicount_left; /* MODEL_EOICOUNT_LEFT */
	int64_t cause_event;	 /* the last injection of that INTID (MODEL_DIR_LOST: the DIR), 0 none */
	int dir_vcpu;		 /* MODEL_DIR_LOST: the vCPU whose DIR was lost */
	struct vgic_cpuif recorded, predicted;
	char what[320];		 /* "INTID 45: recorded Active, predicted Pending; ..." */
};

typedef void (*replay_model_divergence_fn)(const struct replay_model_divergence *d, void *arg);

struct replay_model;

/*
 * Set up the model for a trace under the named engine profile: read
 * trace_info, learn the distributor configuration from the LRs. fn (may
 * be NULL) gets every divergent flush.
 */
struct replay_model *replay_model_open(struct tracedb *db, const char *profile,
				       replay_model_divergence_fn fn, void *arg,
				       struct vr_error *err);

/*
 * The same in steps, for a stream that is not a file (a live recording):
 * the model configured from the facts known of the run, then taught the
 * configuration from the items given to replay_model_learn() (its
 * flushes' LRs), then started. With learn_late, a flush that names an
 * interrupt nothing taught configures it when it comes, its vCPU unknown
 * until a flush matches again (a live stream learns from a prefix only).
 */
struct replay_model *replay_model_new(const struct trace_facts *facts, const char *profile,
				      replay_model_divergence_fn fn, void *arg,
				      struct vr_error *err);
void replay_model_learn(struct replay_model *m, const struct trace_item *it);
int replay_model_start(struct replay_model *m, int learn_late, struct vr_error *err);

/* The kinds the model reads; a caller's stream must include them. */
#define REPLAY_MODEL_KIND_SET                                                                     \
	(VR_KIND_BIT(VR_EV_IRQ_PENDING) | VR_KIND_BIT(VR_EV_IRQ_LINE) | VR_KIND_BIT(VR_EV_SET_IRQ) | \
	 VR_KIND_BIT(VR_EV_ACK_IRQ) | VR_KIND_BIT(VR_EV_ENTRY) | VR_KIND_BIT(VR_EV_EXIT) |           \
	 VR_KIND_BIT(VR_EV_WAKEUP) | VR_KIND_BIT(VR_EV_WFX) | VR_KIND_BIT(VR_EV_TIMER_IRQ) |         \
	 VR_KIND_BIT(VR_EV_USERSPACE_EXIT) | VR_KIND_BIT(VR_EV_MMIO) | VR_KINDS_SNAPSHOT |           \
	 VR_KIND_BIT(VR_EV_POPULATE) | VR_KIND_BIT(VR_EV_DEACTIVATE) | VR_KIND_BIT(VR_EV_SGI) |    \
	 VR_KIND_BIT(VR_EV_LPI_QUEUE) | VR_KIND_BIT(VR_EV_LPI_TARGET))

/*
 * Count only the flushes and AP lists of vcpu, holding intid (in the
 * recorded LRs or on the AP list), from from_ns to to_ns (VR_NO_VALUE: no
 * bound). The model still follows every event, so that the state of the
 * window's first flush is known; those outside are predicted, not counted.
 */
void replay_model_set_window(struct replay_model *m, int64_t vcpu, int64_t intid, int64_t from_ns,
			     int64_t to_ns);

/* Feed one row, in trace order. */
void replay_model_step(struct replay_model *m, const struct replay_model_row *r);

/* The tallies so far. */
const struct predict_result *replay_model_result(const struct replay_model *m);

/*
 * The end of the trace: report (MODEL_STRANDED) every interrupt that a
 * GICD_CTLR enable left pending on no AP list and that nothing queued
 * until the end. Call once, after the last replay_model_step().
 */
void replay_model_finish(struct replay_model *m);

/* The vCPU an SPI is routed to in the model (GICD_IROUTER/ITARGETSR writes applied), -1 if unknown. */
int replay_model_spi_target(const struct replay_model *m, uint32_t intid);

/*
 * The vCPU whose AP list holds an SPI in the model, -1 for none or
 * unknown: one routed elsewhere (GICD_IROUTER, ITARGETSR) while queued
 * stays there until that vCPU's prune (vgic_prune_ap_list()) moves it.
 */
int replay_model_spi_queued_on(const struct replay_model *m, uint32_t intid);

/*
 * Did another vCPU's prune move this SPI onto vcpu's AP list since vcpu's
 * thread last showed itself (model_moves_racing())? Then vcpu's flush may
 * have run before it arrived.
 */
int replay_model_spi_arriving(const struct replay_model *m, int vcpu, uint32_t intid);

/*
 * Has the guest disabled this SPI (GICD_ICENABLER, kvm_mmio), or may a
 * write still in flight have disabled it, cleared its pending state or
 * routed it elsewhere (GICD_ICENABLER, ICPENDR, ITARGETSR, IROUTER)? Then
 * vgic_flush_lr_state() may leave it out (vgic_target_oracle()).
 */
int replay_model_spi_withheld(const struct replay_model *m, uint32_t intid);

/* Is this vCPU's modelled state unknown now (a trapped DIR the trace does not name)? */
int replay_model_vcpu_unknown(const struct replay_model *m, int vcpu);

/*
 * The trace lost events here: every vCPU's state is unknown until a flush
 * matches again, and none before until_ns does (the loss may lie anywhere
 * up to it: the collector learns of BPF recursion misses at its next
 * poll); 0 when the loss is at this point.
 */
void replay_model_forget(struct replay_model *m, int64_t until_ns);

void replay_model_close(struct replay_model *m);

/* The model's view of one event of the stream (lr points into it). */
void replay_model_row_from_item(struct replay_model_row *r, const struct trace_item *it);

#endif
