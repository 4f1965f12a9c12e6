/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flight recording (`record --flight MB`) as the backends that feed one
 * share it: the ring in memory (flight.h), the windows SIGUSR1 asks for
 * (flight_window.h), and with --watch the watcher (watch.h), its dumps,
 * and --metrics. A backend hands each record to flight_rec_push(), calls
 * flight_rec_tick() between polls, and flight_rec_stop() at the end; the
 * BPF backend does so from the ring buffer, `record --from-trace` from a
 * stored trace, through the same functions.
 */
#ifndef VR_FLIGHT_REC_H
#define VR_FLIGHT_REC_H

#include <stddef.h>
#include <stdint.h>

#include "flight_window.h"
#include "metrics.h"

struct watch;

struct flight_rec {
	struct record_run *run;
	struct flight_ring *ring;
	struct flight_dump dump; /* SIGUSR1's windows */
	int dumps;
	struct watch *watch;	  /* --watch, or NULL */
	struct flight_dump wdump; /* the watcher's dumps */
	char *wdir;		  /* where they go */
	int64_t dropped;	  /* records too large for the ring */
	uint64_t last_metrics;	  /* when --metrics was last written */
	int metrics_failed;	  /* said once */
};

/* The ring, and the watcher with --watch; 0, or -1 with err. pace: a file input (watch.h). */
int flight_rec_open(struct flight_rec *f, struct record_run *run, int pace, struct vr_error *err);

/* One record: into the ring, and to the watcher. */
void flight_rec_push(struct flight_rec *f, const void *data, size_t size);

/* SIGUSR1 came: write the ring to OUTPUT-k.db. */
void flight_rec_usr1(struct flight_rec *f);

/*
 * Between polls: a watcher's dump that is due is begun, one written is
 * counted; with --metrics, base (the backend's counters) and the
 * watcher's are written once a second, or now with force.
 */
void flight_rec_tick(struct flight_rec *f, const struct vr_metrics *base, int force);

/*
 * The recording stops: the watcher ends its checks, a dump still due is
 * written, then the last window to OUTPUT; st counts that window.
 */
int flight_rec_stop(struct flight_rec *f, struct record_stats *st, const struct vr_metrics *base,
		    struct vr_error *err);

/* Free what open made (the watcher stopped first); --prog-stats printed for it. */
void flight_rec_free(struct flight_rec *f);

#endif
