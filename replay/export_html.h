/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTML report behind export --format html (export.c walks the trace,
 * this file collects what the page shows and writes it): one
 * self-contained page, no script and nothing fetched, with the summary,
 * every finding with an SVG timeline of its vCPU and interrupt around it
 * and its proving events, the latency histograms and the accounting.
 */
#ifndef VR_EXPORT_HTML_H
#define VR_EXPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "../schemas/trace_reader.h"
#include "replay.h"

struct html_report;

/* Start collecting: the latencies of the replay come first. */
struct html_report *html_report_new(void);

/* Forget the latencies collected so far (the replay is run again under another profile). */
void html_report_forget_latencies(struct html_report *h);

/* The findings to draw (kept by the caller until html_report_write). */
void html_report_set_findings(struct html_report *h, const struct replay_finding *findings,
			      size_t n);

/* A latency the replay observed (replay_options.latency's callback). */
void html_report_latency(enum replay_latency_kind kind, int64_t ts_ns, int64_t vcpu,
			 uint32_t intid, int64_t ns, void *report);

/* A slice of a vCPU's lane (intid -1) or of an interrupt's LR state on it. */
void html_report_slice(struct html_report *h, int64_t vcpu, int64_t intid, const char *state,
		       int64_t start, int64_t end);

/* An event of the stream: kept when a finding names it. */
void html_report_event(struct html_report *h, const struct trace_item *it);

/* A gap in the trace. */
void html_report_gap(struct html_report *h, const struct trace_item *it);

/* What the page's head says of the trace. */
struct html_report_facts {
	const char *trace_name;
	const char *diagnosis; /* "" none */
	const struct replay_result *result;
};

/* Write the page. 0, or -1 with err set when out fails. */
int html_report_write(struct html_report *h, const struct html_report_facts *facts, FILE *out,
		      struct vr_error *err);

void html_report_free(struct html_report *h);

#endif
