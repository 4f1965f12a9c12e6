/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay/: drive a recorded trace through the checks and report what the
 * kernel got wrong, each finding tied to the events that prove it.
 *
 * The observational checks follow every interrupt from injection to
 * acknowledgement to deactivation using only what the trace shows: the
 * injections (vgic_update_irq_pending), the list registers KVM programmed
 * at each flush and the ones the hardware handed back at each sync. A
 * profile (named after a kernel) says how that kernel's EOIcount walk
 * picks the interrupts it deactivates, so a trace recorded on one kernel
 * can be replayed "what if" under another.
 */
#ifndef VR_REPLAY_H
#define VR_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/vr_common.h"
#include "../schemas/trace_reader.h"
#include "../schemas/tracedb.h"
#include "predict.h"

#define REPLAY_MAX_PROOF 8

struct findings_store;

enum finding_kind {
	FINDING_LOST_INTERRUPT,
	FINDING_MIS_DEACTIVATION,
	FINDING_STUCK_ACTIVE,
	FINDING_LR_DIVERGENCE,
	FINDING_PRIORITY_INVERSION,
	FINDING_TRACE_GAP,
	FINDING_KIND_MAX
};

enum finding_severity { SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO, SEVERITY_UNKNOWN };

struct replay_finding {
	enum finding_kind kind;
	enum finding_severity severity;
	int64_t ts_ns;
	int32_t cpu;
	int64_t vcpu;  /* VR_NO_VALUE when not tied to one vCPU */
	int64_t intid; /* VR_NO_VALUE when not tied to one INTID */
	int64_t proof[REPLAY_MAX_PROOF]; /* event ids, first is the decisive one */
	const char *proof_role[REPLAY_MAX_PROOF];
	int nproof;
	char explanation[768];
};

/* Per-INTID accounting: injected = acked + coalesced + lost + in flight at the end. */
struct replay_irq_count {
	int64_t vcpu; /* the vCPU that received it (SPIs: where it was seen in LRs) */
	uint32_t intid;
	int64_t injected;
	int64_t acked;
	int64_t coalesced;
	int64_t lost;
	int64_t pending_at_end;
	int64_t pending_at_start; /* presented in LRs with no injection in the trace */
	int64_t deactivated;
	int64_t eoicount_deactivations; /* attributed to this INTID by the profile's walk */
	int level;			/* 1 level, 0 edge, -1 unknown */
	int injection_unrecorded;	/* its injection path is not in the trace (LPIs without
					   vgic_queue_lpi): acknowledgements only, never judged */
	int stuck_active;		/* a STUCK_ACTIVE finding names it, still active at the end */
};

/* Latencies as the trace shows them, observed at guest exits (see docs). */
enum replay_latency_kind {
	LATENCY_INJECT_TO_ACK,	  /* injection -> the exit whose LRs show it acknowledged */
	LATENCY_ACK_TO_DEACTIVATE, /* that exit -> the exit whose LRs (or EOIcount) show it
				      deactivated */
	LATENCY_ACK_TO_DIR,	  /* that exit -> the guest's trapped DIR (vgic_deactivate) */
};

/* One latency of intid on vcpu, ns long, observed at ts_ns (the exit that showed its end). */
typedef void (*replay_latency_fn)(enum replay_latency_kind kind, int64_t ts_ns, int64_t vcpu,
				  uint32_t intid, int64_t ns, void *arg);

/* What the tracker counted (check's accounting, as it counts it). */
enum replay_tally {
	REPLAY_TALLY_INJECTED, /* an injection of intid (replay_irq_count.injected) */
	REPLAY_TALLY_ACKED,    /* the guest acknowledged intid (replay_irq_count.acked) */
};

/*
 * One count of the accounting, at the event that made it: vcpu is the
 * one the count is kept under (VR_NO_VALUE for an SPI not yet seen in
 * an LR). The accounting check prints is the sum of these.
 */
typedef void (*replay_tally_fn)(enum replay_tally what, int64_t ts_ns, int64_t vcpu,
				uint32_t intid, void *arg);

/*
 * An interrupt's lifecycle as the tracker follows it, for a consumer that
 * draws it (the TUI): intid is in a state from ts_ns on, under the vCPU
 * its accounting row is kept under (VR_NO_VALUE for an SPI or LPI no LR or
 * queueing has placed yet), or an injection was counted there, or such
 * an interrupt's first vCPU became known: what was given for no vCPU is
 * that vCPU's (the accounting moves it there too). An interrupt
 * acknowledged and deactivated within one guest run is ACTIVE and IDLE
 * at the same ts_ns.
 */
enum replay_life {
	REPLAY_LIFE_IDLE,	/* neither pending nor active */
	REPLAY_LIFE_PENDING,	/* pending: injected or presented, not acknowledged */
	REPLAY_LIFE_ACTIVE,	/* acknowledged, not deactivated as far as the trace shows */
	REPLAY_LIFE_INJECTED,	/* an injection counted (replay_irq_count.injected) */
	REPLAY_LIFE_ATTRIBUTED, /* vcpu is the first vCPU of an interrupt given for none */
};

typedef void (*replay_life_fn)(enum replay_life what, int64_t ts_ns, int64_t vcpu, uint32_t intid,
			       void *arg);

/* Each item of the stream as the driver takes it (events only), for a consumer drawing them. */
typedef void (*replay_item_fn)(const struct trace_item *it, void *arg);

struct replay_options {
	const char *profile; /* NULL: from the trace's kernel release */
	int64_t vcpu;	     /* VR_NO_VALUE: all */
	int64_t intid;	     /* VR_NO_VALUE: all */
	int64_t from_ns;     /* VR_NO_VALUE: start of trace */
	int64_t to_ns;	     /* VR_NO_VALUE: end of trace */
	int store;	     /* write replay_runs/findings into the trace */
	int store_open;	     /* ... and leave the run uncommitted for replay_store_close() */
	const char *reason;  /* why the caller chose the profile (check's diagnosis), or NULL */
	int progress;	     /* progress line on a terminal */
	int diagnose_asked;  /* replay_check_diagnosed: diagnose under opt->profile too */
	replay_latency_fn latency; /* optional: called for every observed latency */
	void *latency_arg;
	replay_tally_fn tally; /* optional: called for every count of the accounting */
	void *tally_arg;
	replay_life_fn life; /* optional: every change of an interrupt's lifecycle */
	void *life_arg;
	replay_item_fn item; /* optional: every event, before the checks take it */
	void *item_arg;
};

/* Called for each finding as it is made. */
typedef void (*replay_finding_fn)(const struct replay_finding *f, void *arg);

struct replay_result {
	const struct vgic_profile *profile; /* engine/: vgic_profile_name() */
	char profile_reason[768];
	char kernel_release[128]; /* the trace's, "" unknown */
	char synthetic[256];	  /* the trace's trace_info.synthetic: "" a recording */
	int gic_version;	  /* the trace's, 3 when it does not say */
	char checks_run[512];
	int64_t events;
	int64_t findings;
	int64_t findings_by_kind[FINDING_KIND_MAX];
	struct replay_irq_count *counts; /* sorted by vcpu, intid */
	size_t ncounts;
	int64_t run_id; /* replay_runs.run when stored */
	int has_snapshots;
	/* The engine replay: flushes predicted, agreeing, not compared (state unknown). */
	int64_t model_flushes, model_agree, model_unknown;
	int64_t model_dir_exits, model_dir_found; /* trapped DIRs the trace does not name */
	struct predict_result model;		   /* the model's tallies in full (predict) */
	struct findings_store *open_store;	   /* a run stored with store_open, not committed */
};

/* Run the checks over a trace database; findings go to fn as they are made. */
int replay_check(struct tracedb *db, const struct replay_options *opt, replay_finding_fn fn,
		 void *fn_arg, struct replay_result *res, struct vr_error *err);

/*
 * The same checks as replay_check, fed one item at a time, so that a
 * stream that is not a file (a live recording: `record --watch`) goes
 * through the same code as check does (replay_check is built on it). The
 * steps: begin with the facts known of the run (trace_facts: GIC, LRs,
 * vCPUs, the kinds recorded, the kernel release that picks the profile);
 * teach the model the guest's configuration from items (their flushes'
 * LRs: a file's all, a live stream's first ones); start (learn_late: a
 * flush that names an interrupt not taught configures it then, its vCPU
 * unknown until a flush matches again); push items in order, findings
 * going to fn as they are made; end (the end-of-trace checks, counts and
 * the model's tallies into res); free. GICv2 and GICv3 only (a GICv5
 * VM's checks read the whole stream: replay_check only). Storing
 * (opt->store) needs a trace database, so only replay_check stores.
 * Memory: per vCPU and per interrupt seen, never per event.
 */
struct replay_stream;

struct replay_stream *replay_stream_begin(const struct trace_facts *facts,
					  const struct replay_options *opt,
					  replay_finding_fn fn, void *fn_arg,
					  struct replay_result *res, struct vr_error *err);
/* The GIC the stream is checked as (facts' gic_version, 3 when it says none). */
int replay_stream_gic_version(const struct replay_stream *s);
/* Teach the model from one item, before replay_stream_start(). */
void replay_stream_learn(struct replay_stream *s, const struct trace_item *it);
int replay_stream_start(struct replay_stream *s, int learn_late, struct vr_error *err);
/* One item, in stream order: 0, 1 once --to's window has ended (push no more), -1 with err. */
int replay_stream_push(struct replay_stream *s, const struct trace_item *it, struct vr_error *err);
int replay_stream_end(struct replay_stream *s, struct vr_error *err);
/* The model's tallies so far (NULL: no model, a trace without snapshots). */
const struct predict_result *replay_stream_model(const struct replay_stream *s);
/*
 * The run as it stands, for replay_disagrees() and replay_diagnose_runs():
 * res's profile, facts and finding counts with the model's tallies so far
 * (no accounting: out->counts is NULL; nothing to free).
 */
void replay_stream_snapshot(const struct replay_stream *s, struct replay_result *out);
void replay_stream_free(struct replay_stream *s);

/*
 * Close a run stored with store_open: commit it (keep), saying why its
 * profile was replayed when reason is not NULL, or roll it back. Nothing
 * to do without an open run.
 */
int replay_store_close(struct replay_result *res, int keep, const char *reason,
		       struct vr_error *err);

/*
 * check's diagnosis: how well each profile explains a recording (flushes
 * the model predicted as the kernel programmed them, AP lists after the
 * prune alike), and the one that explains all of them.
 */
#define REPLAY_MAX_PROFILES 8

struct replay_fit {
	const struct vgic_profile *profile;
	int64_t flushes, compared;  /* flushes, those compared (the vCPU's state known) */
	int64_t agree;		    /* ... predicted as the kernel programmed them */
	int64_t ap_lists, ap_agree; /* AP lists compared, alike */
	int64_t lr_divergences;	    /* LR_DIVERGENCE findings (the sort check's too) */
	int64_t first_event;	    /* the first flush or AP list that differs, 0 none */
	int64_t hcr_foreign;	    /* flushes with HCR bits only a later kernel sets */
	int matches;		    /* every compared flush (most of them) and AP list, no LR_DIVERGENCE */
};

struct replay_diagnosis {
	int nfits;
	struct replay_fit fit[REPLAY_MAX_PROFILES];
	int chosen;	/* the profile the run was replayed under */
	int matched;	/* the profile the kernel behaves like, -1 none */
	char text[640]; /* "kernel behaviour matches linux-6.19 (...), not linux-7.0 (...): ..." */
};

/*
 * Does a run show the kernel behaving otherwise than its profile: a flush
 * or an AP list that differs, or most flushes never compared?
 */
bool replay_disagrees(const struct replay_result *res);

/*
 * Replay the trace under every other profile that fits its GIC, with
 * opt's window and nothing stored, and say which profile explains every
 * flush and AP list: the recording kernel's if it does, else the newest
 * that does. chosen is the run that disagreed.
 */
int replay_diagnose(struct tracedb *db, const struct replay_options *opt,
		    const struct replay_result *chosen, struct replay_diagnosis *d,
		    struct vr_error *err);

/*
 * The same judgement on runs already made (n of them, in the engine's
 * profile order, runs[chosen] the one that disagreed): a live watcher's
 * streams, one per profile, as they stand (replay_stream_snapshot()).
 */
void replay_diagnose_runs(const struct replay_result *const *runs, int n, int chosen,
			  struct replay_diagnosis *d);

/* A check's outcome: the run whose findings it reports, and the diagnosis if one ran. */
struct replay_checked {
	struct replay_result res;
	struct replay_diagnosis diag;
	int diagnosed; /* the first run disagreed with the kernel: diag holds every profile's fit */
	int switched;  /* ... and res is the matched profile's run, not the one first assumed */
};

/*
 * Replay as check picks its findings: under opt->profile, or the
 * recording kernel's; when the kernel disagrees with it, diagnose which
 * profile it behaves like (under an asked profile only with
 * opt->diagnose_asked, as check says it) and, when none was asked for,
 * replay under that one (restart(fn_arg) first, so that the first run's findings and
 * counts can be dropped). With opt->store the run kept is stored once it
 * is known which it is, the diagnosis in its profile_reason. out->res is
 * the run whose findings fn was given last; free it with
 * replay_result_free().
 */
int replay_check_diagnosed(struct tracedb *db, const struct replay_options *opt,
			   replay_finding_fn fn, void *fn_arg, void (*restart)(void *fn_arg),
			   struct replay_checked *out, struct vr_error *err);

/* Free what replay_check allocated in res (an open run is rolled back). */
void replay_result_free(struct replay_result *res);

const char *finding_kind_name(enum finding_kind k);
const char *finding_severity_name(enum finding_severity s);

#endif
