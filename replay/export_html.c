// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report (see export_html.h). What the page shows of each
 * finding is gathered while export.c streams the trace: the finding's
 * window runs from its earliest proving event to a little after it, and
 * every lane or interrupt slice of its vCPU that overlaps the window is
 * kept for its SVG. Everything the trace supplies goes through html_text(),
 * so a hostile trace cannot add markup.
 */
#include "export_html.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"

#define HTML_MAX_FINDINGS 200 /* findings drawn; the rest are counted */
#define HTML_MAX_PROOF 8
#define LAT_BUCKETS 32	/* log2 microseconds */
#define SVG_W 960
#define SVG_LABEL 120
#define SVG_PLOT (SVG_W - SVG_LABEL - 20)

struct h_slice {
	int64_t intid; /* -1: the lane */
	const char *state;
	int64_t start, end;
};

struct h_event {
	int64_t id;
	struct vr_event ev;
};

struct h_window {
	const struct replay_finding *f;
	int64_t t0, t1;
	struct h_slice *slices;
	size_t n, cap;
};

struct h_latency {
	int64_t count[2][LAT_BUCKETS];
	int64_t max[2];
};

struct html_report {
	const struct replay_finding *findings;
	size_t nfindings, nshown;
	struct h_window *win;
	struct h_event *events; /* the proving events, by id */
	size_t nevents, capevents;
	int windows_set;
	struct h_latency *lat; /* per vCPU */
	int64_t nlat;
	int64_t gaps, lost;
};

/* ---------------------------------------------------------------- collecting */

/* See export_html.h. */
struct html_report *html_report_new(void)
{
	return vr_xcalloc(1, sizeof(struct html_report));
}

/* See export_html.h. */
void html_report_forget_latencies(struct html_report *h)
{
	free(h->lat);
	h->lat = NULL;
	h->nlat = 0;
}

/* See export_html.h. */
void html_report_set_findings(struct html_report *h, const struct replay_finding *findings,
			      size_t n)
{
	h->findings = findings;
	h->nfindings = n;
	h->nshown = n < HTML_MAX_FINDINGS ? n : HTML_MAX_FINDINGS;
	h->win = vr_xcalloc(h->nshown ? h->nshown : 1, sizeof(*h->win));
	for (size_t i = 0; i < h->nshown; i++)
		h->win[i].f = &findings[i];
}

/* The log2 bucket of a latency in microseconds. */
static int lat_bucket(int64_t ns)
{
	int b = 0;

	for (int64_t us = ns / 1000; us > 1 && b < LAT_BUCKETS - 1; us >>= 1)
		b++;
	return b;
}

/* See export_html.h. */
void html_report_latency(enum replay_latency_kind kind, int64_t ts_ns, int64_t vcpu,
			 uint32_t intid, int64_t ns, void *report)
{
	struct html_report *h = report;
	int k = kind == LATENCY_INJECT_TO_ACK ? 0 : 1;

	(void)ts_ns;
	(void)intid;
	if (vcpu < 0 || vcpu >= TRACE_MAX_VCPUS || ns < 0)
		return;
	if (vcpu >= h->nlat) {
		h->lat = vr_xrealloc(h->lat, (size_t)(vcpu + 1) * sizeof(*h->lat));
		memset(h->lat + h->nlat, 0, (size_t)(vcpu + 1 - h->nlat) * sizeof(*h->lat));
		h->nlat = vcpu + 1;
	}
	h->lat[vcpu].count[k][lat_bucket(ns)]++;
	if (ns > h->lat[vcpu].max[k])
		h->lat[vcpu].max[k] = ns;
}

/* A kept proving event by id, or NULL. */
static const struct h_event *event_by_id(const struct html_report *h, int64_t id)
{
	for (size_t i = 0; i < h->nevents; i++)
		if (h->events[i].id == id)
			return &h->events[i];
	return NULL;
}

/* See export_html.h. */
void html_report_event(struct html_report *h, const struct trace_item *it)
{
	if (it->type != TRACE_ITEM_EVENT || event_by_id(h, it->id))
		return;
	if (h->nevents == h->capevents) {
		h->capevents = h->capevents ? 2 * h->capevents : 32;
		h->events = vr_xrealloc(h->events, h->capevents * sizeof(*h->events));
	}
	h->events[h->nevents].id = it->id;
	h->events[h->nevents].ev = it->ev;
	h->nevents++;
}

/*
 * Each finding's window: from its earliest proving event (or 1 ms before
 * it) to a tenth of that span after it, at least 20 us wide.
 */
static void set_windows(struct html_report *h)
{
	for (size_t i = 0; i < h->nshown; i++) {
		struct h_window *w = &h->win[i];
		int64_t t0 = w->f->ts_ns, span;

		for (int p = 0; p < w->f->nproof; p++) {
			const struct h_event *e = event_by_id(h, w->f->proof[p]);

			if (e && e->ev.ts_ns < t0)
				t0 = e->ev.ts_ns;
		}
		if (t0 == w->f->ts_ns)
			t0 -= 1000000;
		span = w->f->ts_ns - t0;
		if (span < 20000)
			span = 20000;
		w->t0 = w->f->ts_ns - span - span / 10;
		w->t1 = w->f->ts_ns + span / 5;
	}
	h->windows_set = 1;
}

/* See export_html.h. */
void html_report_slice(struct html_report *h, int64_t vcpu, int64_t intid, const char *state,
		       int64_t start, int64_t end)
{
	if (!h->windows_set)
		set_windows(h);
	for (size_t i = 0; i < h->nshown; i++) {
		struct h_window *w = &h->win[i];

		if (w->f->vcpu != vcpu || end < w->t0 || start > w->t1)
			continue;
		if (intid >= 0 && w->f->intid != intid)
			continue;
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 64;
			w->slices = vr_xrealloc(w->slices, w->cap * sizeof(*w->slices));
		}
		w->slices[w->n++] = (struct h_slice){intid, state, start, end};
	}
}

/* See export_html.h. */
void html_report_gap(struct html_report *h, const struct trace_item *it)
{
	h->gaps++;
	if (it->gap.lost > 0)
		h->lost += it->gap.lost;
}

/* ---------------------------------------------------------------- writing */

/* Text from the trace, escaped for HTML; control characters as U+FFFD. */
static void html_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fputs("&#xfffd;", out);
			else
				fputc(c, out);
		}
	}
}

/* A time in seconds with six decimals. */
static void html_seconds(FILE *out, int64_t ns)
{
	fprintf(out, "%" PRId64 ".%06" PRId64, ns / 1000000000, (ns % 1000000000) / 1000);
}

static const char page_style[] =
	"body{font:14px/1.4 sans-serif;margin:24px;color:#212121;max-width:1000px}"
	"h1{font-size:20px}h2{font-size:17px;border-bottom:1px solid #ccc;margin-top:28px}"
	"h3{font-size:15px;margin:18px 0 4px}table{border-collapse:collapse;margin:6px 0}"
	"td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;font-variant-numeric:"
	"tabular-nums}th{background:#f3f3f3}.k-error{color:#c62828}.k-warning{color:#ef6c00}"
	"section.finding{border-left:4px solid #d32f2f;padding-left:12px;margin:16px 0}"
	"svg text{font:11px sans-serif}.num{text-align:right}";

/* The colour of a lane or interrupt state in the SVGs. */
static const char *state_colour(const char *state)
{
	static const struct {
		const char *state, *colour;
	} colours[] = {
		{"guest", "#4caf50"},	{"host", "#9e9e9e"},	{"WFI", "#cfd8dc"},
		{"pending", "#fbc02d"}, {"active", "#e53935"}, {"pending+active", "#fb8c00"},
	};

	for (size_t i = 0; i < sizeof(colours) / sizeof(colours[0]); i++)
		if (!strcmp(colours[i].state, state))
			return colours[i].colour;
	return "#000";
}

/* The x of a time in a window's SVG. */
static double svg_x(const struct h_window *w, int64_t ts)
{
	double x = (double)(ts - w->t0) / (double)(w->t1 - w->t0);

	return SVG_LABEL + (x < 0 ? 0 : x > 1 ? 1 : x) * SVG_PLOT;
}

/*
 * A finding's timeline: its vCPU's lane and its interrupt's LR states
 * over the window, its proving events (numbered as in the table below)
 * and the finding itself, with a time axis relative to the finding.
 */
static void write_finding_svg(FILE *out, const struct html_report *h, const struct h_window *w)
{
	const struct replay_finding *f = w->f;
	int64_t span = w->t1 - w->t0;

	fprintf(out, "<svg class=\"timeline\" width=\"%d\" height=\"120\" viewBox=\"0 0 %d 120\" "
		     "xmlns=\"http://www.w3.org/2000/svg\">\n", SVG_W, SVG_W);
	fprintf(out, "<text x=\"4\" y=\"33\">vcpu%" PRId64 "</text>\n", f->vcpu);
	if (f->intid != VR_NO_VALUE)
		fprintf(out, "<text x=\"4\" y=\"57\">INTID %" PRId64 "</text>\n", f->intid);
	for (size_t i = 0; i < w->n; i++) {
		const struct h_slice *s = &w->slices[i];
		double x0 = svg_x(w, s->start), x1 = svg_x(w, s->end);

		fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\">"
			     "<title>%s</title></rect>\n",
			x0, s->intid < 0 ? 22 : 46, x1 - x0 < 0.5 ? 0.5 : x1 - x0, state_colour(s->state),
			s->state);
	}
	for (int p = 0; p < f->nproof; p++) {
		const struct h_event *e = event_by_id(h, f->proof[p]);
		double x;

		if (!e)
			continue;
		x = svg_x(w, e->ev.ts_ns);
		fprintf(out, "<line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"66\" stroke=\"#1565c0\" "
			     "stroke-width=\"2\"/><text x=\"%.1f\" y=\"11\" fill=\"#1565c0\">%d</text>\n",
			x, x, x + 2, p + 1);
	}
	fprintf(out, "<line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"66\" stroke=\"#d32f2f\" "
		     "stroke-width=\"3\"/>\n",
		svg_x(w, f->ts_ns), svg_x(w, f->ts_ns));
	fprintf(out, "<line x1=\"%d\" y1=\"76\" x2=\"%d\" y2=\"76\" stroke=\"#757575\"/>\n",
		SVG_LABEL, SVG_LABEL + SVG_PLOT);
	for (int t = 0; t <= 4; t++) {
		int64_t ts = w->t0 + span * t / 4;
		double x = svg_x(w, ts);

		fprintf(out, "<line x1=\"%.1f\" y1=\"72\" x2=\"%.1f\" y2=\"80\" stroke=\"#757575\"/>"
			     "<text x=\"%.1f\" y=\"94\" text-anchor=\"%s\">%+.1f us</text>\n",
			x, x, x, t == 0 ? "start" : t == 4 ? "end" : "middle",
			(double)(ts - f->ts_ns) / 1000.0);
	}
	fprintf(out, "<text x=\"%d\" y=\"112\"><tspan fill=\"#4caf50\">&#9632;</tspan> guest "
		     "<tspan fill=\"#9e9e9e\">&#9632;</tspan> host <tspan fill=\"#cfd8dc\">&#9632;"
		     "</tspan> WFI   <tspan fill=\"#fbc02d\">&#9632;</tspan> pending "
		     "<tspan fill=\"#e53935\">&#9632;</tspan> active <tspan fill=\"#fb8c00\">&#9632;"
		     "</tspan> both   <tspan fill=\"#1565c0\">|</tspan> proving event (numbered) "
		     "<tspan fill=\"#d32f2f\">|</tspan> finding   (time from the finding)</text>\n"
		     "</svg>\n",
		SVG_LABEL);
}

/* A finding's proving events as a table, numbered as in its SVG. */
static void write_proof_table(FILE *out, const struct html_report *h, const struct replay_finding *f)
{
	fputs("<table class=\"proof\"><tr><th>#</th><th>role</th><th>event</th><th>t (s)</th>"
	      "<th>kind</th><th>vCPU</th><th>INTID</th><th>args</th></tr>\n", out);
	for (int p = 0; p < f->nproof; p++) {
		const struct h_event *e = event_by_id(h, f->proof[p]);

		fprintf(out, "<tr><td>%d</td><td>", p + 1);
		html_text(out, f->proof_role[p] ? f->proof_role[p] : "");
		fprintf(out, "</td><td class=\"num\">%" PRId64 "</td>", f->proof[p]);
		if (!e) {
			fputs("<td colspan=\"5\">not in the exported window</td></tr>\n", out);
			continue;
		}
		fputs("<td class=\"num\">", out);
		html_seconds(out, e->ev.ts_ns);
		fprintf(out, "</td><td>%s</td><td class=\"num\">", vr_event_kind_name(e->ev.kind));
		if (e->ev.vcpu != VR_NO_VALUE)
			fprintf(out, "%" PRId64, e->ev.vcpu);
		fputs("</td><td class=\"num\">", out);
		if (e->ev.intid != VR_NO_VALUE)
			fprintf(out, "%" PRId64, e->ev.intid);
		fputs("</td><td>", out);
		for (int a = 0; a < 4; a++)
			if (e->ev.arg[a] != VR_NO_VALUE)
				fprintf(out, "%s%" PRId64, a ? " " : "", e->ev.arg[a]);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* Every finding drawn (of total): its line, explanation, timeline and proof. */
static void write_findings(FILE *out, const struct html_report *h, int64_t total)
{
	fprintf(out, "<h2 id=\"findings\">Findings (%" PRId64 ")</h2>\n", total);
	if (!total)
		fputs("<p>None: every interrupt the trace shows was delivered and deactivated as "
		      "the profile says.</p>\n", out);
	for (size_t i = 0; i < h->nshown; i++) {
		const struct replay_finding *f = h->win[i].f;

		fprintf(out, "<section class=\"finding\" id=\"f%zu\"><h3 class=\"k-%s\">%s &mdash; t=",
			i + 1, finding_severity_name(f->severity), finding_kind_name(f->kind));
		html_seconds(out, f->ts_ns);
		if (f->vcpu != VR_NO_VALUE)
			fprintf(out, " vCPU %" PRId64, f->vcpu);
		if (f->intid != VR_NO_VALUE)
			fprintf(out, " INTID %" PRId64, f->intid);
		fputs("</h3>\n<p class=\"explanation\">", out);
		html_text(out, f->explanation);
		fputs("</p>\n", out);
		if (f->vcpu != VR_NO_VALUE)
			write_finding_svg(out, h, &h->win[i]);
		write_proof_table(out, h, f);
		fputs("</section>\n", out);
	}
	if ((int64_t)h->nshown < total)
		fprintf(out, "<p>%" PRId64 " more findings not drawn: <code>vgic-replay check</code> "
			     "lists them all.</p>\n", total - (int64_t)h->nshown);
}

/* One latency histogram as horizontal SVG bars. */
static void write_histogram(FILE *out, const struct h_latency *l, int k, const char *title)
{
	int lo = LAT_BUCKETS, hi = -1, rows;
	int64_t most = 0, total = 0;

	for (int b = 0; b < LAT_BUCKETS; b++)
		if (l->count[k][b]) {
			lo = b < lo ? b : lo;
			hi = b;
			most = l->count[k][b] > most ? l->count[k][b] : most;
			total += l->count[k][b];
		}
	fprintf(out, "<h3>%s: %" PRId64 " samples", title, total);
	if (total)
		fprintf(out, ", max %.1f us", (double)l->max[k] / 1000.0);
	fputs("</h3>\n", out);
	if (!total)
		return;
	rows = hi - lo + 1;
	fprintf(out, "<svg class=\"histogram\" width=\"620\" height=\"%d\" "
		     "xmlns=\"http://www.w3.org/2000/svg\">\n", rows * 18 + 4);
	for (int b = lo; b <= hi; b++) {
		int y = (b - lo) * 18 + 2;
		double w = 400.0 * (double)l->count[k][b] / (double)most;

		fprintf(out, "<text x=\"0\" y=\"%d\">%lld-%lld us</text><rect x=\"150\" y=\"%d\" "
			     "width=\"%.1f\" height=\"14\" fill=\"#5c6bc0\"/><text x=\"%.1f\" "
			     "y=\"%d\">%" PRId64 "</text>\n",
			y + 12, b ? 1LL << b : 0LL, (1LL << (b + 1)) - 1, y, w, 154 + w, y + 12,
			l->count[k][b]);
	}
	fputs("</svg>\n", out);
}

/* The accounting, as check prints it. */
static void write_accounting(FILE *out, const struct replay_result *r)
{
	fputs("<h2 id=\"accounting\">Accounting</h2>\n<p>injected = acknowledged + coalesced + "
	      "lost + pending at the end, per vCPU and INTID.</p>\n<table><tr><th>vCPU</th>"
	      "<th>INTID</th><th>injected</th><th>acked</th><th>coalesced</th><th>lost</th>"
	      "<th>pending</th><th>deactivated</th></tr>\n", out);
	for (size_t i = 0; i < r->ncounts; i++) {
		const struct replay_irq_count *c = &r->counts[i];

		fprintf(out, "<tr><td class=\"num\">%" PRId64 "</td><td class=\"num\">%u</td>"
			     "<td class=\"num\">%" PRId64 "</td><td class=\"num\">%" PRId64 "</td>"
			     "<td class=\"num\">%" PRId64 "</td><td class=\"num%s\">%" PRId64 "</td>"
			     "<td class=\"num\">%" PRId64 "</td><td class=\"num\">%" PRId64 "</td></tr>\n",
			c->vcpu, c->intid, c->injected, c->acked, c->coalesced, c->lost ? " k-error" : "",
			c->lost, c->pending_at_end, c->deactivated);
	}
	fputs("</table>\n", out);
}

/* The head of the page: what was checked and how it went. */
static void write_summary(FILE *out, const struct html_report *h, const struct html_report_facts *fa)
{
	const struct replay_result *r = fa->result;

	fputs("<h1>vgic-replay report: ", out);
	html_text(out, fa->trace_name);
	fputs("</h1>\n<table class=\"facts\">\n<tr><th>kernel</th><td>", out);
	html_text(out, r->kernel_release[0] ? r->kernel_release : "unknown");
	fprintf(out, "</td></tr>\n<tr><th>GIC</th><td>v%d</td></tr>\n<tr><th>profile</th><td>%s "
		     "(",
		r->gic_version, vgic_profile_name(r->profile));
	html_text(out, r->profile_reason);
	fputs(")</td></tr>\n", out);
	if (fa->diagnosis && fa->diagnosis[0]) {
		fputs("<tr><th>diagnosis</th><td>", out);
		html_text(out, fa->diagnosis);
		fputs("</td></tr>\n", out);
	}
	fprintf(out, "<tr><th>events replayed</th><td>%" PRId64 "</td></tr>\n<tr><th>findings</th>"
		     "<td>%" PRId64,
		r->events, r->findings);
	for (int k = 0; k < FINDING_KIND_MAX; k++)
		if (r->findings_by_kind[k])
			fprintf(out, ", %" PRId64 " %s", r->findings_by_kind[k],
				finding_kind_name((enum finding_kind)k));
	fprintf(out, "</td></tr>\n<tr><th>model</th><td>%" PRId64 " of %" PRId64
		     " flushes as the profile predicts, %" PRId64 " not compared</td></tr>\n",
		r->model_agree, r->model_flushes, r->model_unknown);
	if (h->gaps)
		fprintf(out, "<tr><th>gaps</th><td class=\"k-warning\">%" PRId64 " (%" PRId64
			     " events lost)</td></tr>\n",
			h->gaps, h->lost);
	fputs("</table>\n", out);
}

/* See export_html.h. */
int html_report_write(struct html_report *h, const struct html_report_facts *facts, FILE *out,
		      struct vr_error *err)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
	      "vgic-replay: ", out);
	html_text(out, facts->trace_name);
	fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n", page_style);
	write_summary(out, h, facts);
	write_findings(out, h, facts->result->findings);
	fputs("<h2 id=\"latencies\">Latencies</h2>\n<p>Observed at guest exits, so upper bounds "
	      "with the resolution of the exits.</p>\n", out);
	for (int64_t v = 0; v < h->nlat; v++) {
		fprintf(out, "<h3>vCPU %" PRId64 "</h3>\n", v);
		write_histogram(out, &h->lat[v], 0, "injection &rarr; acknowledge");
		write_histogram(out, &h->lat[v], 1, "acknowledge &rarr; deactivate");
	}
	write_accounting(out, facts->result);
	fputs("<p><small>Generated by vgic-replay " VR_VERSION "</small></p>\n</body></html>\n",
	      out);
	if (fflush(out) || ferror(out))
		return vr_error_set(err, "writing the report: %s", strerror(errno));
	return 0;
}

/* See export_html.h. */
void html_report_free(struct html_report *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nshown; i++)
		free(h->win[i].slices);
	free(h->win);
	free(h->events);
	free(h->lat);
	free(h);
}
