/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay tui trace.db`: an ncurses timeline of a trace.
 *
 * The screen is a stack of views, each a struct of callbacks (how many
 * rows it wants, how to draw itself), as in tig and htop: the header, the
 * timeline (per vCPU a lane of guest running / host / WFI, optionally the
 * host CPU, one bar per interrupt from injection through acknowledge to
 * deactivation, the LR occupancy), the findings and gaps row, the detail
 * pane of the event under the cursor and the findings list. The timeline
 * is read for the visible window only (ui/timeline.c: raw events when
 * zoomed in, per-zoom summaries stored in the trace file when zoomed
 * out), so a trace is never loaded whole; the detail pane and the
 * findings come from named lookups (schemas/tui_store.h). Keys come from
 * one table, which also generates the help overlay (as tig's request
 * table does).
 */
#define _XOPEN_SOURCE_EXTENDED
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_reader.h"
#include "../schemas/tui_store.h"
#include "screen.h"
#include "timeline.h"
#include "tui_run.h"

#define LANE_LABEL 9
#define MAX_IRQ_ROWS 8   /* interrupt bars per vCPU at most */
#define MAX_LIST_ROWS 128 /* findings list rows a click can pick */

enum action {
	ACT_QUIT, ACT_LEFT, ACT_RIGHT, ACT_PAGE_LEFT, ACT_PAGE_RIGHT, ACT_ZOOM_IN, ACT_ZOOM_OUT,
	ACT_HOME, ACT_END, ACT_NEXT_FINDING, ACT_PREV_FINDING, ACT_MARK_A, ACT_MARK_B, ACT_HELP,
	ACT_SEARCH, ACT_SEARCH_NEXT, ACT_SEARCH_PREV, ACT_GOTO, ACT_EVENT_ID, ACT_NEXT_EVENT,
	ACT_PREV_EVENT, ACT_REDRAW, ACT_FILTER, ACT_HOST_CPU, ACT_MOUSE, ACT_RESIZE,
};

/* The one key table: key handling and the help screen both come from it. */
static const struct screen_binding bindings[] = {
	{'q', "q", ACT_QUIT, "quit"},
	{'h', "h, Left", ACT_LEFT, "cursor a column left"},
	{KEY_LEFT, NULL, ACT_LEFT, NULL},
	{'l', "l, Right", ACT_RIGHT, "cursor a column right"},
	{KEY_RIGHT, NULL, ACT_RIGHT, NULL},
	{'H', "H, PgUp", ACT_PAGE_LEFT, "a screen left"},
	{KEY_PPAGE, NULL, ACT_PAGE_LEFT, NULL},
	{'L', "L, PgDn", ACT_PAGE_RIGHT, "a screen right"},
	{KEY_NPAGE, NULL, ACT_PAGE_RIGHT, NULL},
	{'+', "+, =", ACT_ZOOM_IN, "zoom in at the cursor"},
	{'=', NULL, ACT_ZOOM_IN, NULL},
	{'-', "-", ACT_ZOOM_OUT, "zoom out at the cursor"},
	{'g', "g, Home", ACT_HOME, "start of the trace"},
	{KEY_HOME, NULL, ACT_HOME, NULL},
	{'G', "G, End", ACT_END, "end of the trace"},
	{KEY_END, NULL, ACT_END, NULL},
	{'j', "j, Down", ACT_NEXT_EVENT, "next event"},
	{KEY_DOWN, NULL, ACT_NEXT_EVENT, NULL},
	{'k', "k, Up", ACT_PREV_EVENT, "previous event"},
	{KEY_UP, NULL, ACT_PREV_EVENT, NULL},
	{']', "]", ACT_NEXT_FINDING, "next finding, centred"},
	{'[', "[", ACT_PREV_FINDING, "previous finding, centred"},
	{'m', "m", ACT_MARK_A, "marker A at the cursor"},
	{'M', "M", ACT_MARK_B, "marker B (header: B - A)"},
	{'/', "/", ACT_SEARCH, "find INTID/vN/event/time"},
	{'n', "n", ACT_SEARCH_NEXT, "the search again, forward"},
	{'N', "N", ACT_SEARCH_PREV, "the search again, backward"},
	{'t', "t", ACT_GOTO, "go to a time (seconds)"},
	{':', ":", ACT_EVENT_ID, "go to an event id (check's)"},
	{'f', "f", ACT_FILTER, "only an INTID or vN"},
	{'c', "c", ACT_HOST_CPU, "host CPU lanes on/off"},
	{'?', "?", ACT_HELP, "this help"},
	{12, "^L", ACT_REDRAW, "redraw"},
	{KEY_MOUSE, "mouse", ACT_MOUSE, "click: go to; wheel: zoom"},
	{KEY_RESIZE, NULL, ACT_RESIZE, NULL},
};

#define NBINDINGS (sizeof(bindings) / sizeof(bindings[0]))

/* Glyphs: UTF-8 blocks, or ASCII when the locale is not UTF-8 or --ascii. */
struct glyphs {
	const char *run, *host, *wfi, *pend, *act, *inject, *finding, *gap, *cursor, *rule;
};

static const struct glyphs utf8 = {"\u2588", "\u2500", "\u2591", "\u2592", "\u2593", "\u2502",
				   "\u25c6", "\u2573", "\u25bc", "\u2500"};
static const struct glyphs ascii = {"#", "-", ".", "=", "A", "|", "X", "~", "v", "-"};

/* Colour pairs. */
enum { C_RUN = 1, C_HOST, C_WFI, C_FINDING, C_PENDING, C_ACTIVE, C_INFO, C_GAP };

struct tui {
	struct tracedb *db;
	struct timeline *tl;
	const char *path;
	const struct glyphs *g;
	int64_t t0, t1;	       /* trace span */
	int64_t vstart, vspan; /* visible window */
	int64_t cursor, mark_a, mark_b;
	int nvcpus;
	struct tui_run shown; /* the stored check run shown: what the replay driver found */
	int64_t run;	     /* its replay_runs.run, 0: none */
	const char *profile; /* that profile's name */
	int64_t cursor_event; /* the event ':' put the cursor on (0: the first at the cursor) */
	int irq_rows;	      /* interrupt bars per vCPU the timeline's height was chosen for */
	int synthetic;	     /* trace_info.synthetic: generated, not recorded */
	int64_t filter;	     /* the one INTID shown, -1: all */
	int filter_vcpu;     /* the one vCPU shown, -1: all */
	int help, color, show_cpu;
	int vcpus_drawn, vcpus_wanted; /* lanes the last screen had room for, of those asked */
	int list_row, list_n;	       /* the findings list on screen: first row, rows */
	int64_t list_ts[MAX_LIST_ROWS]; /* and the time of the finding on each (-1: none) */
	struct tl_window win; /* the timeline of the visible window */
	int win_valid, win_width;
	int64_t win_start, win_span, win_filter;
	char status[160];
	char search[64];
};

/* A view: one band of the screen (tig's and htop's struct of callbacks). */
struct view {
	const char *name;
	/* Rows it wants out of `avail` (the rest of the screen). */
	int (*height)(struct tui *t, int avail);
	/* Draw into rows [row, row + height) of a cols-wide screen. */
	void (*draw)(struct tui *t, int row, int height, int cols);
};

/* ---------------------------------------------------------------- helpers */

/*
 * A time in seconds with six decimals, rounded half up on the exact
 * nanoseconds (a double would round some half-microseconds down).
 */
static const char *seconds(char *buf, size_t n, int64_t ns)
{
	uint64_t u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns, us = (u + 500) / 1000;

	snprintf(buf, n, "%s%llu.%06llu", ns < 0 ? "-" : "", (unsigned long long)(us / 1000000),
		 (unsigned long long)(us % 1000000));
	return buf;
}

/* An optional integer as text: the number, or "-" when not recorded. */
static const char *opt_int(char *buf, size_t n, int64_t v)
{
	if (v == VR_NO_VALUE)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

/* Width of the timeline in columns for a screen cols wide. */
static int timeline_width(int cols)
{
	return cols - LANE_LABEL - 1 > 1 ? cols - LANE_LABEL - 1 : 1;
}

/* The time at the left edge of screen column col of the timeline. */
static int64_t col_time(const struct tui *t, int col, int width)
{
	return t->vstart + timeline_muldiv(t->vspan, col, width > 0 ? width : 1);
}

/* Column of a time, or -1 when outside the window. */
static int time_col(const struct tui *t, int64_t ts, int width)
{
	if (ts < t->vstart || ts >= t->vstart + t->vspan)
		return -1;
	return (int)timeline_muldiv(ts - t->vstart, width, t->vspan);
}

/* Keep the window inside the trace and the cursor inside the window. */
static void clamp(struct tui *t)
{
	int64_t span = t->t1 - t->t0 + 1;

	if (t->vspan < 1000)
		t->vspan = 1000;
	if (t->vspan > span)
		t->vspan = span;
	if (t->vstart < t->t0)
		t->vstart = t->t0;
	if (t->vstart + t->vspan > t->t1 + 1)
		t->vstart = t->t1 + 1 - t->vspan;
	if (t->cursor < t->vstart)
		t->cursor = t->vstart;
	if (t->cursor >= t->vstart + t->vspan)
		t->cursor = t->vstart + t->vspan - 1;
}

/* Centre the window on time ts. */
static void centre(struct tui *t, int64_t ts)
{
	t->cursor = ts;
	t->vstart = ts - t->vspan / 2;
	clamp(t);
}

/* Draw glyph at (row, col) in colour pair (0: none) when colour is on. */
static void put(struct tui *t, int row, int col, const char *glyph, int pair, attr_t extra)
{
	if (t->color && pair)
		attron(COLOR_PAIR(pair) | extra);
	mvaddstr(row, col, glyph);
	if (t->color && pair)
		attroff(COLOR_PAIR(pair) | extra);
}

/* A horizontal rule with a title. */
static void rule(struct tui *t, int row, int cols, const char *title)
{
	for (int c = 0; c < cols; c++)
		mvaddstr(row, c, t->g->rule);
	mvprintw(row, 1, " %s ", title);
}

/* Refresh the window's timeline when the window, width or filter changed. */
static void load_window(struct tui *t, int width)
{
	if (t->win_valid && t->win_start == t->vstart && t->win_span == t->vspan &&
	    t->win_width == width && t->win_filter == t->filter)
		return;
	if (t->win_valid)
		timeline_window_free(&t->win);
	timeline_window(t->tl, t->vstart, t->vspan, width, t->run, t->filter, &t->win);
	t->win_valid = 1;
	t->win_start = t->vstart;
	t->win_span = t->vspan;
	t->win_width = width;
	t->win_filter = t->filter;
}

/* ---------------------------------------------------------------- views */

/* Header: file, window, cursor, markers, filter, lost data; then the cursor/marker row. */
static int header_height(struct tui *t, int avail)
{
	(void)t;
	(void)avail;
	return 2;
}

/* The smallest step of 1, 2 or 5 times a power of ten ns that is at least min_ns. */
static int64_t tick_step(int64_t min_ns)
{
	int64_t p = 1;

	while (p <= INT64_MAX / 10 && p * 10 <= min_ns)
		p *= 10;
	if (p >= min_ns)
		return p;
	if (2 * p >= min_ns)
		return 2 * p;
	if (5 * p >= min_ns)
		return 5 * p;
	return p <= INT64_MAX / 10 ? 10 * p : p;
}

/* A tick's label: seconds with the decimals its step needs, and the unit. */
static void tick_label(char *buf, size_t n, int64_t ts, int64_t step)
{
	int decimals = 9;
	int64_t unit = 1;
	char frac[16];

	while (decimals > 0 && step % (unit * 10) == 0) {
		unit *= 10;
		decimals--;
	}
	snprintf(frac, sizeof(frac), "%09lld", (long long)(ts % 1000000000));
	frac[decimals] = '\0'; /* the step's digits: the rest are zeros */
	snprintf(buf, n, "%lld%s%ss", (long long)(ts / 1000000000), decimals ? "." : "", frac);
}

/*
 * The time axis under the header: a '|' and a label in seconds at round
 * times, as far apart as a label needs; the cursor and markers go over it.
 */
static void axis_draw(struct tui *t, int row, int width)
{
	int64_t step = tick_step(timeline_muldiv(t->vspan, 16, width > 0 ? width : 1) + 1);
	int64_t first = t->vstart / step * step;
	int free_from = 0;

	if (first < t->vstart)
		first += step;
	for (int64_t ts = first; ts < t->vstart + t->vspan && ts >= first; ts += step) {
		char label[48];
		int c = time_col(t, ts, width), len;

		if (c < free_from)
			continue;
		tick_label(label, sizeof(label), ts, step);
		len = (int)strlen(label);
		if (c + 1 + len > width)
			break;
		put(t, row, LANE_LABEL + c, "|", C_INFO, 0);
		put(t, row, LANE_LABEL + c + 1, label, C_INFO, 0);
		free_from = c + len + 3;
	}
}

/* Draw the header rows. */
static void header_draw(struct tui *t, int row, int height, int cols)
{
	int width = timeline_width(cols), c;

	char buf[256];
	size_t n;

	(void)height;
	n = (size_t)snprintf(buf, sizeof(buf), "%s  %.6f..%.6f s  window %.6f s  cursor %.6f",
			     t->path, t->vstart / 1e9, (t->vstart + t->vspan) / 1e9, t->vspan / 1e9,
			     t->cursor / 1e9);
	if (t->mark_a >= 0 && t->mark_b >= 0 && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  B-A %.6f s",
				      (t->mark_b - t->mark_a) / 1e9);
	if (t->filter >= 0 && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  INTID %lld only",
				      (long long)t->filter);
	if (t->filter_vcpu >= 0 && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  vCPU %d only", t->filter_vcpu);
	screen_line_at(row, 0, "%s", buf);
	if (t->synthetic && getcurx(stdscr) + 12 < cols)
		put(t, row, getcurx(stdscr) + 2, "SYNTHETIC", C_GAP, A_BOLD);
	if (t->win.lost && getcurx(stdscr) + 30 < cols) {
		put(t, row, getcurx(stdscr) + 2, "LOST", C_GAP, A_BOLD);
		if (t->win.lost > 0)
			printw(" %lld events here", (long long)t->win.lost);
		else
			printw(" events here");
	}
	axis_draw(t, row + 1, width);
	c = time_col(t, t->cursor, width);
	if (c >= 0)
		mvaddstr(row + 1, LANE_LABEL + c, t->g->cursor);
	if ((c = time_col(t, t->mark_a, width)) >= 0)
		mvaddstr(row + 1, LANE_LABEL + c, "A");
	if ((c = time_col(t, t->mark_b, width)) >= 0)
		mvaddstr(row + 1, LANE_LABEL + c, "B");
}

/* The interrupt rows of vCPU v in the window, the heaviest `max` of them (by index). */
static int pick_irq_rows(const struct tui *t, int v, int max, int *out, int *hidden)
{
	int n = 0, total = 0;

	for (int r = 0; r < t->win.nirqs; r++) {
		if (t->win.irqs[r].vcpu != v)
			continue;
		total++;
		if (n < max) {
			out[n++] = r;
			continue;
		}
		int lightest = 0; /* replace the lightest shown when this one is heavier */

		for (int j = 1; j < n; j++)
			if (t->win.irqs[out[j]].weight < t->win.irqs[out[lightest]].weight)
				lightest = j;
		if (n && t->win.irqs[r].weight > t->win.irqs[out[lightest]].weight)
			out[lightest] = r;
	}
	for (int i = 1; i < n; i++) /* back into INTID order */
		for (int j = i; j > 0 && out[j] < out[j - 1]; j--) {
			int x = out[j];

			out[j] = out[j - 1];
			out[j - 1] = x;
		}
	*hidden = total - n;
	return n;
}

/* vCPUs shown (all, or the filtered one). */
static int shown_vcpu(const struct tui *t, int v)
{
	return t->filter_vcpu < 0 || t->filter_vcpu == v;
}

/* Interrupt rows per vCPU that fit in avail rows. */
static int irq_rows_per_vcpu(struct tui *t, int avail)
{
	int nv = 0, fixed = 2 + t->show_cpu, k;

	for (int v = 0; v < t->nvcpus; v++)
		nv += shown_vcpu(t, v);
	if (!nv)
		return 0;
	k = avail / nv - fixed;
	return k < 0 ? 0 : k > MAX_IRQ_ROWS ? MAX_IRQ_ROWS : k;
}

/* Timeline: the lanes, host CPU, interrupt bars and LR strip of every vCPU that fits. */
static int timeline_height(struct tui *t, int avail)
{
	int k, h = 0, rows[MAX_IRQ_ROWS], hidden;

	avail -= 12; /* leave the detail pane and a few findings */
	k = t->irq_rows = irq_rows_per_vcpu(t, avail);
	for (int v = 0; v < t->nvcpus; v++) {
		int need;

		if (!shown_vcpu(t, v))
			continue;
		need = 2 + t->show_cpu + pick_irq_rows(t, v, k, rows, &hidden);
		if (h + need > avail)
			continue;
		h += need;
	}
	return h ? h : 1;
}

/* One vCPU's lane: the state it spent most of each column in; gaps override. */
static void draw_lane(struct tui *t, int row, int v, int width)
{
	mvprintw(row, 0, "vcpu%-4d", v);
	for (int c = 0; c < width; c++) {
		const struct tl_lane_bin *b = &t->win.lanes[(size_t)v * (size_t)t->win.ncols + (size_t)c];
		int64_t run = b->ns[TL_RUN], host = b->ns[TL_HOST], wfi = b->ns[TL_WFI];

		if (t->win.gaps[c])
			put(t, row, LANE_LABEL + c, t->g->gap, C_GAP, A_BOLD);
		else if (run + host + wfi == 0)
			continue;
		else if (run >= host && run >= wfi)
			put(t, row, LANE_LABEL + c, t->g->run, C_RUN, 0);
		else if (wfi > host)
			put(t, row, LANE_LABEL + c, t->g->wfi, C_WFI, 0);
		else
			put(t, row, LANE_LABEL + c, t->g->host, C_HOST, 0);
	}
}

/* The host CPU the vCPU's thread last ran on in each column (0-9, a-z, +). */
static void draw_cpu(struct tui *t, int row, int v, int width)
{
	mvprintw(row, 0, "  cpu");
	for (int c = 0; c < width; c++) {
		int cpu = t->win.lanes[(size_t)v * (size_t)t->win.ncols + (size_t)c].host_cpu;
		char s[2] = {0, 0};

		if (cpu < 0)
			continue;
		s[0] = (char)(cpu < 10 ? '0' + cpu : cpu < 36 ? 'a' + cpu - 10 : '+');
		put(t, row, LANE_LABEL + c, s, C_INFO, 0);
	}
}

/* One interrupt's bar: active, pending, or just injected in each column. */
static void draw_irq(struct tui *t, int row, const struct tl_irq_row *r, int width)
{
	mvprintw(row, 0, "  %6lld", (long long)r->intid);
	for (int c = 0; c < width; c++) {
		const struct tl_irq_bin *b = &r->bins[c];

		if (b->ns[TL_ACTIVE])
			put(t, row, LANE_LABEL + c, t->g->act, C_ACTIVE, A_BOLD);
		else if (b->ns[TL_PENDING])
			put(t, row, LANE_LABEL + c, t->g->pend, C_PENDING, 0);
		else if (b->injections)
			put(t, row, LANE_LABEL + c, t->g->inject, C_PENDING, 0);
	}
}

/* LR occupancy: the most LRs in use at a flush in each column; +n names hidden bars. */
static void draw_lrs(struct tui *t, int row, int v, int width, int hidden)
{
	if (hidden)
		mvprintw(row, 0, "  LRs+%d", hidden);
	else
		mvprintw(row, 0, "  LRs");
	for (int c = 0; c < width; c++) {
		const struct tl_lane_bin *b = &t->win.lanes[(size_t)v * (size_t)t->win.ncols + (size_t)c];
		char s[2] = {0, 0};

		if (!b->max_lrs)
			continue;
		s[0] = (char)(b->max_lrs < 10 ? '0' + b->max_lrs : '+');
		put(t, row, LANE_LABEL + c, s, C_INFO, 0);
	}
}

/* Draw the timeline view. */
static void timeline_draw(struct tui *t, int row, int height, int cols)
{
	int width = timeline_width(cols), end = row + height, k;
	int rows[MAX_IRQ_ROWS], hidden;

	/*
	 * The rows per vCPU the height was chosen for, not recomputed from the
	 * height: lanes with fewer bars (a filter on one INTID) would leave
	 * too few for the others and hide the very interrupt filtered on.
	 */
	k = t->irq_rows;
	t->vcpus_drawn = t->vcpus_wanted = 0;
	for (int v = 0; v < t->nvcpus; v++) {
		int n;

		if (!shown_vcpu(t, v))
			continue;
		t->vcpus_wanted++;
		n = pick_irq_rows(t, v, k, rows, &hidden);
		if (row + 2 + t->show_cpu + n > end)
			continue;
		t->vcpus_drawn++;
		draw_lane(t, row++, v, width);
		if (t->show_cpu)
			draw_cpu(t, row++, v, width);
		for (int i = 0; i < n; i++)
			draw_irq(t, row++, &t->win.irqs[rows[i]], width);
		draw_lrs(t, row++, v, width, hidden);
	}
}

/* The findings and gaps row. */
static int marks_height(struct tui *t, int avail)
{
	(void)t;
	(void)avail;
	return 1;
}

/* Draw the findings row: a finding marker, or the gap marker where data was lost. */
static void marks_draw(struct tui *t, int row, int height, int cols)
{
	int width = timeline_width(cols);

	(void)height;
	mvprintw(row, 0, "findings");
	for (int c = 0; c < width; c++) {
		if (t->win.findings[c])
			put(t, row, LANE_LABEL + c, t->g->finding, C_FINDING, A_BOLD);
		else if (t->win.gaps[c])
			put(t, row, LANE_LABEL + c, t->g->gap, C_GAP, A_BOLD);
	}
}

/*
 * Lay text out from column col of row to the right edge of a cols-wide
 * screen, continuing at column 3 and breaking at spaces, in at most max
 * rows; draws only when draw is set. Returns the rows it takes.
 */
static int wrap_text(const char *text, int row, int col, int cols, int max, int draw)
{
	int rows = 0, len = (int)strlen(text);

	while (len > 0 && rows < max) {
		int room = cols - 1 - col, head = room < len ? room : len;

		if (room < 1)
			break;
		if (head < len) { /* break at the last space that fits */
			int h = head;

			while (h > 0 && text[h] != ' ')
				h--;
			if (h > 0)
				head = h;
		}
		if (draw)
			mvaddnstr(row + rows, col, text, head);
		text += head;
		len -= head;
		while (len > 0 && *text == ' ') {
			text++;
			len--;
		}
		rows++;
		col = 3;
	}
	return rows;
}

/* Where the explanation of the finding nearest the cursor goes, and the rows it took. */
struct explain_at {
	int row, cols, max, draw, used;
};

/* Lay out (and draw, when asked) one finding's kind and explanation. */
static int explain_finding(void *arg, const struct tui_finding *f)
{
	struct explain_at *at = arg;
	int col = 1 + (int)strlen(f->kind) + 2;

	if (at->draw)
		mvprintw(at->row, 1, "%s: ", f->kind);
	at->used = wrap_text(f->explanation, at->row, col, at->cols, at->max, at->draw);
	if (!at->used)
		at->used = 1;
	return 1;
}

/* Rows of the finding nearest the cursor's explanation, in at most max (0: no finding). */
static int explanation_rows(struct tui *t, int cols, int max)
{
	struct explain_at at = {0, cols, max, 0, 0};

	if (t->run && max > 0)
		tui_store_findings_near(t->db, t->run, t->cursor, t->filter, 1, explain_finding, &at);
	return at.used;
}

/*
 * The detail pane: a rule, the event, the snapshot (two lines), then the
 * explanation of the finding nearest the cursor in as many rows as it
 * needs (at least two), leaving the findings list its rule and three rows.
 */
static int detail_height(struct tui *t, int avail)
{
	int room = avail - 1 - 4 - 4, need;

	if (avail < 6)
		return avail;
	need = explanation_rows(t, getmaxx(stdscr), room > 2 ? room : 2);
	return 4 + (need > 2 ? need : 2);
}

/* The event at the cursor, its arguments named as event_kinds names them. */
static void draw_event(struct tui *t, int row, int cols)
{
	struct tui_event e;
	char ts[32], vcpu[24];

	/* the event ':' went to, while the cursor is still on it; else the first at the cursor */
	if (!(t->cursor_event > 0 && tui_store_event_by_id(t->db, t->cursor_event, &e) &&
	      e.ev.ts_ns == t->cursor) &&
	    !tui_store_event_at(t->db, t->cursor, &e))
		return;
	mvprintw(row, 1, "#%lld t=%s cpu %d vcpu %s %s", (long long)e.id,
		 seconds(ts, sizeof(ts), e.ev.ts_ns), e.ev.cpu, opt_int(vcpu, sizeof(vcpu), e.ev.vcpu),
		 e.kind_name);
	if (e.ev.intid != VR_NO_VALUE)
		printw(" intid %lld", (long long)e.ev.intid);
	for (int a = 0; a < 4 && getcurx(stdscr) < cols - 24; a++) {
		const char *name = e.arg_name[a];

		if (!name[0] || e.ev.arg[a] == VR_NO_VALUE)
			continue;
		printw(strstr(name, "pc") ? " %s=0x%llx" : " %s=%lld", name, (long long)e.ev.arg[a]);
	}
}

/* The nearest snapshot before the cursor: control registers and decoded LRs. */
static void draw_snapshot(struct tui *t, int row, int cols)
{
	struct tui_snapshot s;
	int x = 1;

	if (!tui_store_snapshot_at(t->db, t->cursor, &s))
		return;
	if (s.has_ppis) { /* GICv5: PPIs in bitmaps, no LRs */
		screen_line_at(row, 1, "snapshot #%lld %s vcpu %d: GICv5 PPIs 0-63: PENDR %s ACTIVER %s",
			(long long)s.event_id, s.phase, s.vcpu, s.pendr, s.activer);
		screen_line_at(row + 1, 1, "ENABLER %s DVIR %s  VMCR %s APR %s", s.enabler, s.dvir, s.vmcr,
			s.apr);
		return;
	}
	if (s.has_regs)
		screen_line_at(row, 1,
			"snapshot #%lld %s vcpu %d: %d LRs, HCR %s (EOIcount %d%s%s%s%s%s), "
			"VMCR %s (EOImode %d, PMR 0x%02x)",
			(long long)s.event_id, s.phase, s.vcpu, s.used_lrs, s.hcr, s.eoicount,
			s.en ? " En" : "", s.uie ? " UIE" : "", s.npie ? " NPIE" : "",
			s.lrenpie ? " LRENPIE" : "", s.tdir ? " TDIR" : "", s.vmcr, s.eoimode, s.pmr);
	for (int i = 0; i < s.nlrs && x < cols - 30; i++) {
		mvprintw(row + 1, x, "LR%d %lld %s p%02x", s.lr[i].lr, (long long)s.lr[i].vintid,
			 s.lr[i].state, s.lr[i].priority);
		if (s.lr[i].hw)
			printw(" HW p%lld", (long long)s.lr[i].pintid);
		x = getcurx(stdscr) + 2;
	}
}

/* Draw the detail pane. */
static void detail_draw(struct tui *t, int row, int height, int cols)
{
	struct explain_at at = {row + 4, cols, height - 4, 1, 0};

	if (height < 1)
		return;
	rule(t, row, cols, "event at cursor");
	if (height > 1)
		draw_event(t, row + 1, cols);
	if (height > 3)
		draw_snapshot(t, row + 2, cols);
	if (height > 5 && t->run)
		tui_store_findings_near(t->db, t->run, t->cursor, t->filter, 1, explain_finding, &at);
}

/* The findings list takes what is left but the status line. */
static int findings_height(struct tui *t, int avail)
{
	(void)t;
	return avail - 1 > 0 ? avail - 1 : 0;
}

/* The findings list being drawn: where the next row goes and where the list ends. */
struct list_at {
	struct tui *t;
	int row, end, cols;
};

/* Draw one row of the findings list and remember its time for a click. */
static int draw_list_row(void *arg, const struct tui_finding *f)
{
	struct list_at *at = arg;
	struct tui *t = at->t;
	char ts[32], vcpu[24], intid[24];

	mvprintw(at->row, 1, "%-16s t=%s vcpu %s intid %s: %.*s", f->kind,
		 seconds(ts, sizeof(ts), f->ts_ns == VR_NO_VALUE ? 0 : f->ts_ns),
		 opt_int(vcpu, sizeof(vcpu), f->vcpu), opt_int(intid, sizeof(intid), f->intid),
		 at->cols > 60 ? at->cols - 60 : 10, f->explanation);
	if (t->list_n < MAX_LIST_ROWS)
		t->list_ts[t->list_n++] = f->ts_ns == VR_NO_VALUE ? -1 : f->ts_ns;
	return ++at->row >= at->end;
}

/*
 * The findings list's title: the run's profile and how well the engine
 * predicted the recording, or the filtered INTID's accounting, both as
 * check counted them (the stored run's replay_agreement, replay_counts).
 */
static void findings_title(struct tui *t, char *title, size_t n)
{
	const struct stored_agreement *a = &t->shown.agreement;
	struct stored_count c;

	if (!t->run)
		snprintf(title, n, "findings (none stored: `vgic-replay check --store`)");
	else if (t->filter >= 0 && !tui_run_total(t->db, &t->shown, t->filter, &c))
		snprintf(title, n,
			 "findings of INTID %lld: injected %lld, acked %lld, coalesced %lld, "
			 "lost %lld",
			 (long long)t->filter, (long long)c.injected, (long long)c.acked,
			 (long long)c.coalesced, (long long)c.lost);
	else if (t->filter >= 0)
		snprintf(title, n, "findings of INTID %lld", (long long)t->filter);
	else if (t->shown.has_agreement && a->flushes)
		snprintf(title, n, "findings (%s): the model predicted %lld of %lld flushes",
			 t->profile, (long long)a->agree, (long long)a->flushes);
	else
		snprintf(title, n, "findings (%s)", t->profile);
}

/* Draw the findings nearest to the cursor. */
static void findings_draw(struct tui *t, int row, int height, int cols)
{
	struct list_at at = {t, row + 1, row + height, cols};
	char title[160];

	if (height < 1)
		return;
	findings_title(t, title, sizeof(title));
	rule(t, row, cols, title);
	if (!t->run)
		return;
	t->list_row = row + 1;
	t->list_n = 0;
	if (height > 1)
		tui_store_findings_near(t->db, t->run, t->cursor, t->filter, height - 1, draw_list_row,
					&at);
}

/* The status line. */
static int status_height(struct tui *t, int avail)
{
	(void)t;
	return avail > 0 ? 1 : 0;
}

/* Draw the status line: a message, or the key reminder (and lanes left out for lack of room). */
static void status_draw(struct tui *t, int row, int height, int cols)
{
	(void)height;
	(void)cols;
	if (t->status[0])
		screen_line_at(row, 0, "%s", t->status);
	else if (t->vcpus_drawn < t->vcpus_wanted)
		screen_line_at(row, 0, "%d of %d vCPUs fit: f vN shows one  ? help  q quit", t->vcpus_drawn,
			t->vcpus_wanted);
	else
		screen_line_at(row, 0, "? help  q quit  +/- zoom  [/] findings  / n N search  : event  m/M marks");
}

/* The screen, top to bottom. */
static const struct view views[] = {
	{"header", header_height, header_draw},
	{"timeline", timeline_height, timeline_draw},
	{"findings row", marks_height, marks_draw},
	{"detail", detail_height, detail_draw},
	{"findings list", findings_height, findings_draw},
	{"status", status_height, status_draw},
};

/* What each glyph of the screen means (the help overlay's legend). */
static void draw_legend(struct tui *t, int y, int x)
{
	const struct glyphs *g = t->g;

	mvprintw(y, x, "lanes  %s in the guest  %s in the host  %s WFI  %s events lost  cpu: host CPU",
		 g->run, g->host, g->wfi, g->gap);
	mvprintw(y + 1, x, "bars   %s pending  %s active  %s injected   LRs: most in use at a flush",
		 g->pend, g->act, g->inject);
	mvprintw(y + 2, x, "axis   |S.s a time  %s cursor  A B markers   findings row: %s finding", g->cursor,
		 g->finding);
}

/*
 * The help overlay, generated from the key table, then the glyphs'
 * legend: one column of keys when the screen is tall enough, else two.
 */
static void draw_help(struct tui *t, int rows, int cols)
{
	int n = 0, per_col, ncol, w, r = 0;

	for (size_t i = 0; i < NBINDINGS; i++)
		n += bindings[i].name != NULL;
	ncol = n + 8 <= rows ? 1 : 2;
	per_col = (n + ncol - 1) / ncol;
	w = cols > 84 ? 80 : cols - 4;
	for (int i = 0; i < per_col + 7 && i < rows - 1; i++)
		mvhline(1 + i, 2, ' ', w);
	mvprintw(1, 3, "keys (any key closes)");
	for (size_t i = 0; i < NBINDINGS; i++) {
		int x, y;

		if (!bindings[i].name)
			continue;
		x = 4 + (r / per_col) * (w / ncol);
		y = 3 + r % per_col;
		mvprintw(y, x, "%-9s %.*s", bindings[i].name, w / ncol - 12, bindings[i].help);
		r++;
	}
	if (3 + per_col + 4 < rows - 1)
		draw_legend(t, 4 + per_col, 4);
}

/* The key table as Markdown, from the same rows the help overlay shows; see tui.h. */
void tui_print_keys(FILE *f)
{
	screen_print_keys(f, bindings, NBINDINGS);
}

/* Draw everything; see tui.h. */
void tui_draw(struct tui *t)
{
	int rows, cols, row = 0;

	getmaxyx(stdscr, rows, cols);
	erase();
	if (screen_too_small("vgic-replay tui", rows, cols, 24, 80))
		return;
	load_window(t, timeline_width(cols));
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		int h = views[i].height(t, rows - row);

		if (i + 1 == sizeof(views) / sizeof(views[0]))
			row = rows - 1; /* the status line is the last row */
		views[i].draw(t, row, h, cols);
		row += h;
	}
	if (t->help)
		draw_help(t, rows, cols);
	refresh();
}

/* ---------------------------------------------------------------- actions */

/* Move the cursor to the next (dir 1) or previous (-1) finding. */
static void jump_finding(struct tui *t, int dir)
{
	int64_t ts = tui_store_next_finding(t->db, t->run, t->cursor, dir, t->filter);

	if (ts == VR_NO_VALUE) {
		snprintf(t->status, sizeof(t->status), "no %s finding", dir > 0 ? "next" : "previous");
		return;
	}
	centre(t, ts);
}

/* Read a line at the bottom of the screen. */
static void prompt(const char *what, char *buf, size_t n)
{
	int rows = getmaxy(stdscr);

	move(rows - 1, 0);
	clrtoeol();
	printw("%s", what);
	echo();
	curs_set(1);
	getnstr(buf, (int)n - 1);
	noecho();
	curs_set(0);
}

/*
 * The last search (t->search) from the cursor on, forward (dir 1) or
 * backward (-1): an INTID, a vCPU (v1) or an event name; a time (it has a
 * '.') is a place, not something to find again.
 */
static void search_again(struct tui *t, int dir)
{
	struct tui_event_match m = {VR_NO_VALUE, VR_NO_VALUE, NULL};
	int64_t ts;

	if (!t->search[0]) {
		snprintf(t->status, sizeof(t->status), "no search yet: / searches");
		return;
	}
	if (t->search[0] >= '0' && t->search[0] <= '9' && strchr(t->search, '.')) {
		centre(t, (int64_t)(atof(t->search) * 1e9));
		return;
	}
	if (t->search[0] == 'v' && t->search[1] >= '0' && t->search[1] <= '9')
		m.vcpu = atoll(t->search + 1);
	else if (t->search[0] >= '0' && t->search[0] <= '9')
		m.intid = atoll(t->search);
	else
		m.kind_name = t->search;
	ts = tui_store_next_event(t->db, t->cursor, dir, &m);
	if (ts == VR_NO_VALUE)
		snprintf(t->status, sizeof(t->status), "'%s' not found %s the cursor", t->search,
			 dir > 0 ? "after" : "before");
	else
		centre(t, ts);
}

/* Ask what to search for, then find it after the cursor (n and N repeat it). */
static void search(struct tui *t)
{
	char buf[sizeof(t->search)];

	prompt("search (INTID, vN, event name, time): ", buf, sizeof(buf));
	if (!buf[0])
		return;
	memcpy(t->search, buf, sizeof(buf));
	search_again(t, 1);
}

/* Put the cursor on the event whose id check printed (or sql showed). */
static void goto_event(struct tui *t)
{
	char buf[32], *end;
	struct tui_event e;
	long long id;

	prompt("event id: ", buf, sizeof(buf));
	if (!buf[0])
		return;
	errno = 0;
	id = strtoll(buf[0] == '#' ? buf + 1 : buf, &end, 10);
	if (errno || *end || end == buf || id <= 0 || !tui_store_event_by_id(t->db, id, &e)) {
		snprintf(t->status, sizeof(t->status), "no event '%s' in this trace", buf);
		return;
	}
	centre(t, e.ev.ts_ns);
	t->cursor_event = e.id;
}

/* Filter: one INTID, one vCPU (v1), or everything again (empty answer). */
static void set_filter(struct tui *t)
{
	char buf[64];

	prompt("show only INTID or vN (empty: all): ", buf, sizeof(buf));
	if (!buf[0]) {
		t->filter = -1;
		t->filter_vcpu = -1;
	} else if (buf[0] >= '0' && buf[0] <= '9')
		t->filter = atoll(buf);
	else if (buf[0] == 'v' && buf[1] >= '0' && buf[1] <= '9' && atoi(buf + 1) < t->nvcpus)
		t->filter_vcpu = atoi(buf + 1);
	else
		snprintf(t->status, sizeof(t->status), "'%s' is neither an INTID nor a vCPU", buf);
}

/* Move the cursor to the next (dir 1) or previous (-1) event, if there is one. */
static void step_event(struct tui *t, int dir)
{
	int64_t ts = tui_store_next_event(t->db, t->cursor, dir, NULL);

	if (ts != VR_NO_VALUE)
		t->cursor = ts;
}

static int act(struct tui *t, enum action a);

/* A mouse event: a click moves the cursor (to a finding, in the list), the wheel zooms. */
static void mouse(struct tui *t)
{
	MEVENT me;
	int width = timeline_width(getmaxx(stdscr));

	if (getmouse(&me) != OK)
		return;
	if (me.bstate & BUTTON4_PRESSED)
		act(t, ACT_ZOOM_IN);
#ifdef BUTTON5_PRESSED
	else if (me.bstate & BUTTON5_PRESSED)
		act(t, ACT_ZOOM_OUT);
#endif
	else if (!(me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return; /* a release: the press already acted */
	else if (me.y >= t->list_row && me.y < t->list_row + t->list_n) {
		if (t->list_ts[me.y - t->list_row] >= 0)
			centre(t, t->list_ts[me.y - t->list_row]);
	} else if (me.x >= LANE_LABEL && width > 0)
		t->cursor = col_time(t, me.x - LANE_LABEL, width);
}

/*
 * Apply one action; returns 0 to quit. Longer than most functions here:
 * one case per action of the key table, a line or two each, which read
 * best side by side (as htop's and tig's request switches do).
 */
static int act(struct tui *t, enum action a)
{
	int width = timeline_width(getmaxx(stdscr));
	char buf[64];

	t->status[0] = '\0';
	switch (a) {
	case ACT_QUIT:
		return 0;
	case ACT_LEFT:
		t->cursor -= t->vspan / width;
		if (t->cursor < t->vstart)
			t->vstart -= t->vspan / width;
		break;
	case ACT_RIGHT:
		t->cursor += t->vspan / width;
		if (t->cursor >= t->vstart + t->vspan)
			t->vstart += t->vspan / width;
		break;
	case ACT_PAGE_LEFT:
		t->vstart -= t->vspan;
		t->cursor -= t->vspan;
		break;
	case ACT_PAGE_RIGHT:
		t->vstart += t->vspan;
		t->cursor += t->vspan;
		break;
	case ACT_ZOOM_IN:
		t->vspan /= 2;
		t->vstart = t->cursor - (t->cursor - t->vstart) / 2;
		break;
	case ACT_ZOOM_OUT:
		t->vstart = t->cursor - (t->cursor - t->vstart) * 2;
		t->vspan *= 2;
		break;
	case ACT_HOME:
		t->vstart = t->cursor = t->t0;
		break;
	case ACT_END:
		t->vstart = t->t1 - t->vspan;
		t->cursor = t->t1;
		break;
	case ACT_NEXT_EVENT:
		step_event(t, 1);
		if (t->cursor >= t->vstart + t->vspan)
			centre(t, t->cursor);
		break;
	case ACT_PREV_EVENT:
		step_event(t, -1);
		if (t->cursor < t->vstart)
			centre(t, t->cursor);
		break;
	case ACT_NEXT_FINDING:
	case ACT_PREV_FINDING:
		jump_finding(t, a == ACT_NEXT_FINDING ? 1 : -1);
		break;
	case ACT_MARK_A:
		t->mark_a = t->cursor;
		break;
	case ACT_MARK_B:
		t->mark_b = t->cursor;
		break;
	case ACT_HELP:
		t->help = 1;
		break;
	case ACT_SEARCH:
		search(t);
		break;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		search_again(t, a == ACT_SEARCH_NEXT ? 1 : -1);
		break;
	case ACT_EVENT_ID:
		goto_event(t);
		break;
	case ACT_GOTO:
		prompt("time (s): ", buf, sizeof(buf));
		if (buf[0])
			centre(t, (int64_t)(atof(buf) * 1e9));
		break;
	case ACT_REDRAW:
		clear();
		break;
	case ACT_FILTER:
		set_filter(t);
		break;
	case ACT_HOST_CPU:
		t->show_cpu = !t->show_cpu;
		break;
	case ACT_MOUSE:
		mouse(t);
		break;
	case ACT_RESIZE:
		break;
	}
	clamp(t);
	return 1;
}

/* Act on a key through the key table; see tui.h. */
int tui_key(struct tui *t, int key)
{
	int a;

	if (t->help && key != KEY_RESIZE) { /* any key closes the help */
		t->help = 0;
		return 1;
	}
	a = screen_action(bindings, NBINDINGS, key);
	return a < 0 ? 1 : act(t, (enum action)a);
}

/* ---------------------------------------------------------------- open, run */

/* Show the one-time summary build's progress on the status line. */
static void show_progress(int64_t done, int64_t total, void *arg)
{
	(void)arg;
	if (!stdscr)
		return;
	mvprintw(getmaxy(stdscr) - 1, 0, "building the per-zoom summaries (once per trace): %3.0f%%",
		 total > 0 ? 100.0 * (double)done / (double)total : 0.0);
	clrtoeol();
	refresh();
}

/* The stored check run shown (tui_run.h): its findings, accounting and agreement. */
static void choose_run(struct tui *t, const char *asked)
{
	tui_run_choose(t->db, asked, &t->shown);
	t->run = t->shown.run;
	t->profile = t->shown.profile;
}

/*
 * Start on the filter and window the command line asked for (o->start);
 * -1 with err when the vCPU is not in the trace, so that the mistake is
 * said instead of an empty screen.
 */
static int apply_start(struct tui *t, const struct tui_start *s, struct vr_error *err)
{
	if (s->vcpu != VR_NO_VALUE && s->vcpu >= t->nvcpus)
		return vr_error_set(err, "tui: --vcpu %lld: %s has vCPUs 0 to %d",
				    (long long)s->vcpu, t->path, t->nvcpus - 1);
	if (s->vcpu != VR_NO_VALUE)
		t->filter_vcpu = (int)s->vcpu;
	if (s->intid != VR_NO_VALUE)
		t->filter = s->intid;
	if (s->from_ns != VR_NO_VALUE)
		t->vstart = s->from_ns;
	if (s->to_ns != VR_NO_VALUE)
		t->vspan = s->to_ns - t->vstart + 1;
	else if (s->from_ns != VR_NO_VALUE)
		t->vspan = t->t1 - t->vstart + 1;
	t->cursor = t->vstart;
	clamp(t);
	return 0;
}

/* Was the trace generated rather than recorded (trace_info.synthetic)? */
static int is_synthetic(struct tracedb *db)
{
	struct trace_facts facts;

	return !trace_facts_read(db, &facts, NULL) && facts.synthetic[0];
}

/* Open a trace for browsing; see tui.h. */
struct tui *tui_open(const char *path, const struct tui_options *o, struct vr_error *err)
{
	struct tui *t = vr_xcalloc(1, sizeof(*t));
	const char *codeset;

	t->path = o->name ? o->name : path;
	/* A reader leaves the file alone unless asked to keep the summaries it builds. */
	t->db = o->store_summaries ? tracedb_open(path, TRACEDB_READWRITE, err) : NULL;
	if (!t->db)
		t->db = tracedb_open(path, TRACEDB_READONLY, err);
	if (!t->db) {
		free(t);
		return NULL;
	}
	t->tl = timeline_open(t->db, show_progress, t, err);
	if (!t->tl) {
		tracedb_close(t->db);
		free(t);
		return NULL;
	}
	t->t0 = timeline_first_ns(t->tl);
	t->t1 = timeline_last_ns(t->tl);
	t->nvcpus = timeline_nvcpus(t->tl);
	choose_run(t, o->profile);
	t->synthetic = is_synthetic(t->db);
	t->vstart = t->cursor = t->t0;
	t->vspan = t->t1 - t->t0 + 1;
	t->mark_a = t->mark_b = -1;
	t->filter = -1;
	t->filter_vcpu = -1;
	if (o->start && apply_start(t, o->start, err)) {
		tui_close(t);
		return NULL;
	}
	codeset = setlocale(LC_CTYPE, NULL);
	t->g = o->ascii || !codeset || (!strstr(codeset, "UTF-8") && !strstr(codeset, "utf8"))
		       ? &ascii
		       : &utf8;
	t->color = !o->no_color && stdscr && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
		init_pair(C_RUN, COLOR_GREEN, -1);
		init_pair(C_HOST, COLOR_BLUE, -1);
		init_pair(C_WFI, COLOR_CYAN, -1);
		init_pair(C_FINDING, COLOR_RED, -1);
		init_pair(C_PENDING, COLOR_YELLOW, -1);
		init_pair(C_ACTIVE, COLOR_MAGENTA, -1);
		init_pair(C_INFO, COLOR_WHITE, -1);
		init_pair(C_GAP, COLOR_RED, -1);
	}
	return t;
}

/* Seconds the summaries took to build on open; see tui.h. */
double tui_summary_build_seconds(const struct tui *t)
{
	return timeline_build_seconds(t->tl);
}

/* The summary level of the window on screen; see tui.h. */
int tui_window_level(const struct tui *t)
{
	return t->win_valid ? t->win.level : -1;
}

/* Close the trace; see tui.h. */
void tui_close(struct tui *t)
{
	if (!t)
		return;
	if (t->win_valid)
		timeline_window_free(&t->win);
	timeline_close(t->tl);
	tracedb_close(t->db);
	free(t);
}

/* Run the browser; see tui.h. */
int tui_run(const char *path, const struct tui_options *o)
{
	struct vr_error err = {{0}};
	struct tracedb *probe = tracedb_open(path, TRACEDB_READONLY, &err);
	struct tui *t;

	if (!probe) { /* say why before curses takes the terminal */
		fprintf(stderr, "vgic-replay: %s\n", err.msg);
		return 2;
	}
	tracedb_close(probe);
	screen_start();
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
			  | BUTTON5_PRESSED
#endif
		  ,
		  NULL);
	mouseinterval(0);
	t = tui_open(path, o, &err);
	if (!t) {
		endwin();
		fprintf(stderr, "vgic-replay: %s\n", err.msg);
		return 2;
	}
	do
		tui_draw(t);
	while (tui_key(t, getch()));
	endwin();
	tui_close(t);
	return 0;
}
