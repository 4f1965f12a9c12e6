/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The import core (import_core.h): the interruption both formats honour,
 * the trace.dat magic, and the trace's metadata (kernel release, GIC
 * version, number of LRs), decided from the options, from what the trace
 * says, or inferred from its snapshots, and stored with how it was
 * obtained.
 */
#define _GNU_SOURCE
#include "import_core.h"

#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t interrupted;

static const unsigned char tracedat_magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};

/* SIGINT/SIGTERM: ask the importer to stop so the temporary file is cleaned up. */
static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* See import_core.h. */
void import_catch_signals(struct import_signals *saved)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &saved->old_int);
	sigaction(SIGTERM, &sa, &saved->old_term);
	interrupted = 0;
}

/* See import_core.h. */
void import_restore_signals(const struct import_signals *saved)
{
	sigaction(SIGINT, &saved->old_int, NULL);
	sigaction(SIGTERM, &saved->old_term, NULL);
}

/* See import_core.h. */
int import_interrupted(void)
{
	return interrupted;
}

/* See import_core.h. */
void import_order_init(struct import_order *o)
{
	memset(o, 0, sizeof(*o));
	o->latest_ns = VR_NO_VALUE;
}

/* See import_core.h. */
int import_order_check(struct import_order *o, struct trace_writer *w, int64_t ts_ns, int64_t pos)
{
	if (o->latest_ns == VR_NO_VALUE || ts_ns >= o->latest_ns) {
		o->latest_ns = ts_ns;
		return 0;
	}
	if (!o->places++)
		o->first_pos = pos;
	if (o->latest_ns - ts_ns > o->largest_ns)
		o->largest_ns = o->latest_ns - ts_ns;
	o->latest_ns = ts_ns; /* what follows is ordered against the new time */
	return trace_writer_gap(w, -1, -1, pos);
}

/* See import_core.h. */
void import_order_result(const struct import_order *o, struct import_result *res)
{
	res->backward_places = o->places;
	res->backward_pos = o->first_pos;
	res->backward_largest_ns = o->largest_ns;
}

/* See import_core.h. */
int import_sniff_tracedat(const unsigned char *head, size_t nhead)
{
	return nhead >= sizeof(tracedat_magic) && !memcmp(head, tracedat_magic, sizeof(tracedat_magic));
}

/* See import_core.h. */
void kernel_evidence_init(struct kernel_evidence *k)
{
	memset(k, 0, sizeof(*k));
	k->new_hcr_pos = -1;
}

/* HCR bits only 6.19+ kernels program: LRENPIE and the VGrp{0,1}{E,D}IE enables. */
#define HCR_NEW_IN_619 ((1u << 2) | (0xfu << 4))

/* See import_core.h. */
void kernel_evidence_observe(struct kernel_evidence *k, int64_t pos, const struct vr_event *ev,
			     const struct vr_snapshot *snap)
{
	int i;

	if (snap->gic_version && !k->gic_version) {
		k->gic_version = snap->gic_version;
		k->gic_pos = pos;
	}
	if (ev->kind != VR_EV_FLUSH && ev->kind != VR_EV_SYNC && ev->kind != VR_EV_POST)
		return;
	k->snapshots++;
	for (i = 0; i < snap->nr_lrs; i++)
		if (snap->lr[i] >> 32)
			k->wide_lr_seen = 1;
	if (snap->hcr != VR_NO_VALUE && k->new_hcr_pos < 0 &&
	    (((uint64_t)snap->hcr & HCR_NEW_IN_619) || ((uint64_t)snap->hcr >> 27))) {
		k->new_hcr_pos = pos;
		k->new_hcr_value = (uint64_t)snap->hcr;
	}
}

/* Pull the release out of a uname string "Linux host 6.12.1 #1 SMP ..." (or a bare release). */
static void release_from_uname(const char *uname, char *out, size_t n)
{
	char buf[256], *tok, *save = NULL;
	int field = 0;

	snprintf(buf, sizeof(buf), "%s", uname);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 2 || (field == 0 && tok[0] >= '0' && tok[0] <= '9')) {
			snprintf(out, n, "%s", tok);
			return;
		}
	}
	snprintf(out, n, "%s", uname);
}

/* The kernel release: stated (--kernel), recorded (trace.dat's uname), inferred, or unknown. */
static void decide_kernel(const struct import_job *job, const struct kernel_evidence *k,
			  const char *uname_release)
{
	struct import_result *res = job->res;

	if (job->opt->kernel) {
		snprintf(res->kernel_release, sizeof(res->kernel_release), "%s", job->opt->kernel);
		snprintf(res->kernel_source, sizeof(res->kernel_source), "option: --kernel");
	} else if (uname_release && *uname_release) {
		release_from_uname(uname_release, res->kernel_release,
				   sizeof(res->kernel_release));
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "recorded: trace.dat uname");
	} else if (k->gic_version == 5) {
		/* no ICH_HCR in a GICv5 snapshot: nothing tells 7.1 from a later release */
		res->kernel_release[0] = '\0';
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "unknown: GICv5 snapshots (native GICv5 guests exist from 7.1) say no more; "
			 "state it with --kernel");
	} else if (k->new_hcr_pos >= 0) {
		snprintf(res->kernel_release, sizeof(res->kernel_release), ">=6.19");
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "inferred: saved ICH_HCR 0x%llx at position %lld sets LRENPIE, a group "
			 "enable interrupt or EOIcount, which only kernels >= 6.19 do",
			 (unsigned long long)k->new_hcr_value, (long long)k->new_hcr_pos);
	} else if (k->snapshots > 0) {
		snprintf(res->kernel_release, sizeof(res->kernel_release), "<=6.18");
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "inferred: none of %lld snapshots sets LRENPIE, a group enable interrupt "
			 "or EOIcount in ICH_HCR, as kernels <= 6.18 never do",
			 (long long)k->snapshots);
	} else {
		res->kernel_release[0] = '\0';
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "unknown: the input names no kernel and has no LR snapshots; "
			 "state it with --kernel");
	}
	trace_writer_info_text(job->w, "kernel_release",
			       res->kernel_release[0] ? res->kernel_release : NULL);
	trace_writer_info_text(job->w, "kernel_release_source", res->kernel_source);
}

/*
 * The GIC version: stated (--gic), from probe names, from LR width, or
 * unknown. Snapshots stored without one (text probes that do not name
 * their GIC) are given it.
 */
static void decide_gic(const struct import_job *job, const struct kernel_evidence *k)
{
	char src[256];
	int gic = 0;

	if (job->opt->gic_version) {
		gic = job->opt->gic_version;
		snprintf(src, sizeof(src), "option: --gic");
	} else if (k->gic_version) {
		gic = k->gic_version;
		snprintf(src, sizeof(src), "inferred: vgic_v%d_* probe at position %lld", gic,
			 (long long)k->gic_pos);
	} else if (k->wide_lr_seen) {
		gic = 3;
		snprintf(src, sizeof(src), "inferred: 64-bit list register values (ICH_LR<n>_EL2)");
	} else {
		snprintf(src, sizeof(src), "unknown: no snapshot names its GIC; state it with --gic");
	}
	job->res->gic_version = gic;
	if (gic) {
		trace_writer_info_int(job->w, "gic_version", gic);
	}
	trace_writer_info_text(job->w, "gic_version_source", src);
}

/* See import_core.h. The number of LRs is the most any snapshot recorded. */
void import_finish_metadata(const struct import_job *job, const struct kernel_evidence *k,
			    const char *uname_release)
{
	const struct trace_writer_stats *st = trace_writer_stats(job->w);
	char src[256];

	decide_kernel(job, k, uname_release);
	decide_gic(job, k);
	if (st->max_nr_lrs_seen) {
		trace_writer_info_int(job->w, "nr_lrs", st->max_nr_lrs_seen);
		snprintf(src, sizeof(src), "inferred: snapshots recorded lr0..lr%d",
			 st->max_nr_lrs_seen - 1);
		trace_writer_info_text(job->w, "nr_lrs_source", src);
	}
}

/* See import_core.h. */
int64_t import_align_ts(const struct import_job *job, int64_t ts_ns)
{
	if (!job->opt->align)
		return ts_ns;
	return ts_ns - vr_clock_offset_at(job->opt->align, ts_ns);
}

/* See import_core.h. trace-cmd names its clock as trace_clock lists it ("[local] global") or alone. */
int import_write_clock(const struct import_job *job, const char *capture_clock,
		       struct vr_error *err)
{
	const struct vr_clock_offsets *a = job->opt->align;
	char name[64] = "", text[512];
	const char *open_b = capture_clock ? strchr(capture_clock, '[') : NULL;

	if (open_b)
		sscanf(open_b + 1, "%63[^]]", name);
	else if (capture_clock)
		snprintf(name, sizeof(name), "%s", capture_clock);
	if (!a) {
		trace_writer_info_text(job->w, "clock", name[0] ? capture_clock : NULL);
		return 0;
	}
	if (name[0] && strcmp(name, a->tracefs_clock))
		return vr_error_set(err,
				    "%s: its clock is %s, but %s measured the offset of the %s "
				    "clock; capture with the same trace_clock",
				    job->name, name, job->opt->align_name, a->tracefs_clock);
	snprintf(text, sizeof(text), "CLOCK_MONOTONIC of %s (aligned by import --align)",
		 job->opt->align_name);
	if (vr_clock_append(text, sizeof(text), a))
		snprintf(text, sizeof(text), "CLOCK_MONOTONIC of a recording (import --align)");
	trace_writer_info_text(job->w, "clock", text);
	return 0;
}
