/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay tui trace.db`: an ncurses timeline of a trace.
 *
 * One lane per vCPU (guest running, in the host, in WFI), under it the
 * interrupt strip of that vCPU (injections, pending and active LRs, LR
 * occupancy), a findings row with markers and gaps, a detail pane for the
 * event under the cursor and a list of findings. Everything on screen is
 * read through indexed queries for the visible time window only, so the
 * trace is never loaded whole. Keys come from one table, which also
 * generates the help overlay (as tig's request table does).
 */
#define _XOPEN_SOURCE_EXTENDED
#include <curses.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "../schemas/tracedb.h"

#define LANE_LABEL 9

enum action {
	ACT_QUIT, ACT_LEFT, ACT_RIGHT, ACT_PAGE_LEFT, ACT_PAGE_RIGHT, ACT_ZOOM_IN, ACT_ZOOM_OUT,
	ACT_HOME, ACT_END, ACT_NEXT_FINDING, ACT_PREV_FINDING, ACT_MARK_A, ACT_MARK_B, ACT_HELP,
	ACT_SEARCH, ACT_GOTO, ACT_NEXT_EVENT, ACT_PREV_EVENT, ACT_REDRAW, ACT_FILTER,
};

/* The one key table: key handling and the help screen both come from it. */
static const struct binding {
	int key;
	const char *name;
	enum action action;
	const char *help;
} bindings[] = {
	{'q', "q", ACT_QUIT, "quit"},
	{'h', "h, Left", ACT_LEFT, "move the cursor one column left"},
	{KEY_LEFT, NULL, ACT_LEFT, NULL},
	{'l', "l, Right", ACT_RIGHT, "move the cursor one column right"},
	{KEY_RIGHT, NULL, ACT_RIGHT, NULL},
	{'H', "H, PgUp", ACT_PAGE_LEFT, "scroll a screen left"},
	{KEY_PPAGE, NULL, ACT_PAGE_LEFT, NULL},
	{'L', "L, PgDn", ACT_PAGE_RIGHT, "scroll a screen right"},
	{KEY_NPAGE, NULL, ACT_PAGE_RIGHT, NULL},
	{'+', "+", ACT_ZOOM_IN, "zoom in around the cursor"},
	{'-', "-", ACT_ZOOM_OUT, "zoom out around the cursor"},
	{'g', "g, Home", ACT_HOME, "go to the start of the trace"},
	{KEY_HOME, NULL, ACT_HOME, NULL},
	{'G', "G, End", ACT_END, "go to the end of the trace"},
	{KEY_END, NULL, ACT_END, NULL},
	{'j', "j, Down", ACT_NEXT_EVENT, "cursor to the next event"},
	{KEY_DOWN, NULL, ACT_NEXT_EVENT, NULL},
	{'k', "k, Up", ACT_PREV_EVENT, "cursor to the previous event"},
	{KEY_UP, NULL, ACT_PREV_EVENT, NULL},
	{'n', "n", ACT_NEXT_FINDING, "next finding, centred"},
	{'N', "N", ACT_PREV_FINDING, "previous finding, centred"},
	{'m', "m", ACT_MARK_A, "set marker A at the cursor"},
	{'M', "M", ACT_MARK_B, "set marker B at the cursor (shows B - A)"},
	{'/', "/", ACT_SEARCH, "search: INTID (44), vCPU (v1), event kind (kvm_exit)"},
	{'t', "t", ACT_GOTO, "go to a time (seconds, as shown)"},
	{'f', "f", ACT_FILTER, "show one INTID only (strips, findings); empty: all"},
	{'?', "?", ACT_HELP, "this help"},
	{12, "^L", ACT_REDRAW, "redraw"},
};

/* Glyphs: UTF-8 blocks, or ASCII when the locale is not UTF-8 or --ascii. */
struct glyphs {
	const char *run, *host, *wfi, *pend, *act, *inject, *finding, *gap, *cursor, *mark;
	int rule; /* ACS_HLINE or '-' */
};

static const struct glyphs utf8 = {"\u2588", "\u2500", "\u2591", "\u2592", "\u2593", "\u2502",
				   "\u25c6", "\u2573", "\u25bc", "\u2691", 0};
static const struct glyphs ascii = {"#", "-", ".", "p", "A", "|", "X", "~", "v", "^", '-'};

struct tui {
	struct tracedb *db;
	sqlite3 *sql;
	const char *path;
	const struct glyphs *g;
	int64_t t0, t1;	      /* trace span */
	int64_t vstart, vspan; /* visible window */
	int64_t cursor, mark_a, mark_b;
	int nvcpus;
	int64_t run;	/* latest replay run, 0: none */
	int64_t filter; /* the one INTID shown, -1: all */
	int help, color;
	char status[160];
	char search[64];
};

/*
 * One integer from a query with up to three integer parameters; dflt if
 * none. ?4 is always the INTID filter, so every query can honour it.
 */
static int64_t q_int(struct tui *t, const char *q, int64_t a, int64_t b, int64_t c, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(t->sql, q, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, c);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_int64(st, 4, t->filter);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The time at the left edge of screen column col of the timeline. */
static int64_t col_time(const struct tui *t, int col, int width)
{
	return t->vstart + t->vspan * col / (width > 0 ? width : 1);
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

/* Draw a vCPU's lane: for each column, the state at its start (running, host, WFI). */
static void draw_lane(struct tui *t, int row, int vcpu, int width)
{
	sqlite3_stmt *st;
	int col;

	mvprintw(row, 0, "vcpu%-4d", vcpu);
	if (sqlite3_prepare_v2(t->sql,
			       "SELECT kind FROM events WHERE vcpu = ?1 AND ts_ns <= ?2 "
			       "AND kind IN (5, 6, 7, 8) ORDER BY ts_ns DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	for (col = 0; col < width; col++) {
		int64_t ts = col_time(t, col + 1, width) - 1;
		int kind = 6;
		const char *glyph;

		sqlite3_bind_int(st, 1, vcpu);
		sqlite3_bind_int64(st, 2, ts);
		if (sqlite3_step(st) == SQLITE_ROW)
			kind = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		/* After kvm_entry the guest runs; after kvm_wfx_arm64 it waits until the wake-up. */
		glyph = kind == 5 ? t->g->run : kind == 8 ? t->g->wfi : t->g->host;
		if (t->color)
			attron(COLOR_PAIR(kind == 5 ? 1 : kind == 8 ? 3 : 2));
		mvaddstr(row, LANE_LABEL + col, glyph);
		if (t->color)
			attroff(COLOR_PAIR(kind == 5 ? 1 : kind == 8 ? 3 : 2));
	}
	sqlite3_finalize(st);
}

/*
 * Draw a vCPU's interrupt strip: per column, an injection mark, or the LR
 * state of the last snapshot in it (active, pending), or its LR count.
 * Under a filter the strip follows that INTID alone: active, pending in an
 * LR, or injected.
 */
static void draw_irq_strip(struct tui *t, int row, int vcpu, int width)
{
	sqlite3_stmt *inj, *snap;
	int col;

	mvprintw(row, 0, "  irq   ");
	if (sqlite3_prepare_v2(t->sql,
			       "SELECT count(*) FROM events WHERE kind = 1 AND ts_ns >= ?1 AND ts_ns < ?2 "
			       "AND (vcpu = ?3 OR (vcpu IS NULL AND intid >= 32)) "
			       "AND (?4 < 0 OR intid = ?4)",
			       -1, &inj, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(t->sql,
			       "SELECT s.used_lrs, (SELECT max(A) FROM lrs_v l WHERE l.event_id = s.event_id "
			       "AND l.in_use AND (?4 < 0 OR l.vintid = ?4)), (SELECT count(*) FROM lrs_v l "
			       "WHERE l.event_id = s.event_id AND l.in_use AND l.vintid = ?4) "
			       "FROM snapshots s JOIN events e ON e.id = s.event_id "
			       "WHERE e.vcpu = ?3 AND e.ts_ns >= ?1 AND e.ts_ns < ?2 AND s.phase = 'flush' "
			       "ORDER BY e.ts_ns DESC LIMIT 1",
			       -1, &snap, NULL) != SQLITE_OK) {
		sqlite3_finalize(inj);
		return;
	}
	for (col = 0; col < width; col++) {
		int64_t a = col_time(t, col, width), b = col_time(t, col + 1, width);
		char buf[8] = " ";
		const char *glyph = buf;

		sqlite3_bind_int64(inj, 1, a);
		sqlite3_bind_int64(inj, 2, b);
		sqlite3_bind_int(inj, 3, vcpu);
		sqlite3_bind_int64(snap, 1, a);
		sqlite3_bind_int64(snap, 2, b);
		sqlite3_bind_int(snap, 3, vcpu);
		sqlite3_bind_int64(inj, 4, t->filter);
		sqlite3_bind_int64(snap, 4, t->filter);
		if (sqlite3_step(snap) == SQLITE_ROW && sqlite3_column_int(snap, 0) > 0) {
			if (sqlite3_column_int(snap, 1))
				glyph = t->g->act;
			else if (t->filter >= 0)
				glyph = sqlite3_column_int(snap, 2) ? t->g->pend : buf;
			else
				snprintf(buf, sizeof(buf), "%d", sqlite3_column_int(snap, 0));
		}
		if (sqlite3_step(inj) == SQLITE_ROW && sqlite3_column_int(inj, 0) > 0 && glyph == buf &&
		    buf[0] == ' ')
			glyph = t->g->inject;
		sqlite3_reset(inj);
		sqlite3_reset(snap);
		mvaddstr(row, LANE_LABEL + col, glyph);
	}
	sqlite3_finalize(inj);
	sqlite3_finalize(snap);
}

/* The findings and gaps row, and the cursor/marker row above the lanes. */
static void draw_marks(struct tui *t, int row, int width)
{
	int col;

	mvprintw(row, 0, "findings");
	for (col = 0; col < width; col++) {
		int64_t a = col_time(t, col, width), b = col_time(t, col + 1, width);
		const char *glyph = " ";

		if (q_int(t, "SELECT count(*) FROM gaps WHERE coalesce(end_ts_ns, start_ts_ns) >= ?1 "
			     "AND start_ts_ns < ?2",
			  a, b, 0, 0))
			glyph = t->g->gap;
		if (t->run && q_int(t, "SELECT count(*) FROM findings WHERE run = ?3 AND ts_ns >= ?1 "
				       "AND ts_ns < ?2 AND kind != 'TRACE_GAP' "
				       "AND (?4 < 0 OR intid = ?4)",
				    a, b, t->run, 0))
			glyph = t->g->finding;
		if (t->color && glyph == t->g->finding)
			attron(COLOR_PAIR(4) | A_BOLD);
		mvaddstr(row, LANE_LABEL + col, glyph);
		if (t->color && glyph == t->g->finding)
			attroff(COLOR_PAIR(4) | A_BOLD);
	}
}

/* Column of a time, or -1 when outside the window. */
static int time_col(const struct tui *t, int64_t ts, int width)
{
	if (ts < t->vstart || ts >= t->vstart + t->vspan)
		return -1;
	return (int)((ts - t->vstart) * width / t->vspan);
}

/* Describe the event nearest to the cursor, and the nearest snapshot's LRs. */
static void draw_detail(struct tui *t, int row, int rows, int cols)
{
	sqlite3_stmt *st;
	int64_t snap_id = 0;

	mvhline(row, 0, t->g->rule ? (chtype)t->g->rule : ACS_HLINE, cols);
	mvprintw(row, 1, " event at cursor ");
	if (sqlite3_prepare_v2(t->sql,
			       "SELECT id, printf('%.6f', ts_ns / 1e9), cpu, coalesce(vcpu, '-'), event, "
			       "coalesce(intid, '-'), coalesce(arg0, '-'), coalesce(arg1, '-'), "
			       "coalesce(arg2, '-'), coalesce(arg3, '-') FROM events_v "
			       "WHERE ts_ns >= ?1 ORDER BY ts_ns LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, t->cursor);
		if (sqlite3_step(st) == SQLITE_ROW)
			mvprintw(row + 1, 1, "#%s t=%s cpu %s vcpu %s %s intid %s args %s %s %s %s",
				 sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
				 sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
				 sqlite3_column_text(st, 4), sqlite3_column_text(st, 5),
				 sqlite3_column_text(st, 6), sqlite3_column_text(st, 7),
				 sqlite3_column_text(st, 8), sqlite3_column_text(st, 9));
		sqlite3_finalize(st);
	}
	snap_id = q_int(t, "SELECT e.id FROM events e WHERE e.kind IN (20, 21) AND e.ts_ns <= ?1 "
			   "ORDER BY e.ts_ns DESC LIMIT 1",
			t->cursor, 0, 0, 0);
	if (snap_id && sqlite3_prepare_v2(t->sql,
					  "SELECT phase, used_lrs, hcr, eoicount, vmcr FROM snapshots_v "
					  "WHERE event_id = ?1",
					  -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snap_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			mvprintw(row + 2, 1, "snapshot #%lld %s: %d LRs, HCR %s (EOIcount %d), VMCR %s",
				 (long long)snap_id, sqlite3_column_text(st, 0),
				 sqlite3_column_int(st, 1), sqlite3_column_text(st, 2),
				 sqlite3_column_int(st, 3), sqlite3_column_text(st, 4));
		sqlite3_finalize(st);
	}
	if (snap_id && sqlite3_prepare_v2(t->sql,
					  "SELECT lr, vintid, state, priority, H, G FROM lrs_v "
					  "WHERE event_id = ?1 AND in_use ORDER BY lr",
					  -1, &st, NULL) == SQLITE_OK) {
		int x = 1;

		sqlite3_bind_int64(st, 1, snap_id);
		move(row + 3, 1);
		while (sqlite3_step(st) == SQLITE_ROW && x < cols - 30) {
			mvprintw(row + 3, x, "LR%d %d %s p%02x%s ", sqlite3_column_int(st, 0),
				 sqlite3_column_int(st, 1), sqlite3_column_text(st, 2),
				 sqlite3_column_int(st, 3), sqlite3_column_int(st, 4) ? " H" : "");
			x = getcurx(stdscr);
		}
		sqlite3_finalize(st);
	}
	/* Findings list. */
	mvhline(row + 4, 0, t->g->rule ? (chtype)t->g->rule : ACS_HLINE, cols);
	if (!t->run)
		mvprintw(row + 4, 1, " findings (run `vgic-replay check` first) ");
	else if (t->filter >= 0)
		mvprintw(row + 4, 1, " findings of INTID %lld ", (long long)t->filter);
	else
		mvprintw(row + 4, 1, " findings ");
	if (t->run && sqlite3_prepare_v2(t->sql,
					 "SELECT kind, printf('%.6f', ts_ns / 1e9), coalesce(vcpu, '-'), "
					 "coalesce(intid, '-'), explanation FROM findings WHERE run = ?1 "
					 "AND (?4 < 0 OR intid = ?4) ORDER BY abs(ts_ns - ?2), id LIMIT ?3",
					 -1, &st, NULL) == SQLITE_OK) {
		int r = row + 5;

		sqlite3_bind_int64(st, 1, t->run);
		sqlite3_bind_int64(st, 2, t->cursor);
		sqlite3_bind_int(st, 3, rows - row - 6 > 0 ? rows - row - 6 : 0);
		sqlite3_bind_int64(st, 4, t->filter);
		while (sqlite3_step(st) == SQLITE_ROW && r < rows - 1) {
			mvprintw(r++, 1, "%-16s t=%s vcpu %s intid %s: %.*s", sqlite3_column_text(st, 0),
				 sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
				 sqlite3_column_text(st, 3), cols > 60 ? cols - 60 : 10,
				 sqlite3_column_text(st, 4));
		}
		sqlite3_finalize(st);
	}
}

/* The help overlay, generated from the key table. */
static void draw_help(int rows, int cols)
{
	size_t i;
	int r = 2, w = cols > 70 ? 66 : cols - 4;

	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++)
		if (bindings[i].name)
			r++;
	for (i = 0; i < (size_t)r + 3 && (int)i < rows - 1; i++)
		mvhline(1 + (int)i, 2, ' ', w);
	mvprintw(1, 3, "keys (any key closes)");
	r = 3;
	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]) && r < rows - 1; i++) {
		if (!bindings[i].name)
			continue;
		mvprintw(r++, 4, "%-10s %s", bindings[i].name, bindings[i].help);
	}
}

/* Draw everything. */
static void draw(struct tui *t)
{
	int rows, cols, width, v, row = 2, cc;

	getmaxyx(stdscr, rows, cols);
	erase();
	if (rows < 24 || cols < 80) {
		mvprintw(0, 0, "vgic-replay tui needs at least 80x24 (now %dx%d)", cols, rows);
		refresh();
		return;
	}
	width = cols - LANE_LABEL - 1;
	mvprintw(0, 0, "%s  %.6f..%.6f s  window %.6f s  cursor %.6f", t->path, t->vstart / 1e9,
		 (t->vstart + t->vspan) / 1e9, t->vspan / 1e9, t->cursor / 1e9);
	if (t->mark_a >= 0 && t->mark_b >= 0)
		printw("  B-A %.6f s", (t->mark_b - t->mark_a) / 1e9);
	if (t->filter >= 0)
		printw("  INTID %lld only", (long long)t->filter);
	cc = time_col(t, t->cursor, width);
	if (cc >= 0)
		mvaddstr(1, LANE_LABEL + cc, t->g->cursor);
	if (time_col(t, t->mark_a, width) >= 0)
		mvaddstr(1, LANE_LABEL + time_col(t, t->mark_a, width), "A");
	if (time_col(t, t->mark_b, width) >= 0)
		mvaddstr(1, LANE_LABEL + time_col(t, t->mark_b, width), "B");
	for (v = 0; v < t->nvcpus && row < rows - 12; v++) {
		draw_lane(t, row++, v, width);
		draw_irq_strip(t, row++, v, width);
	}
	draw_marks(t, row++, width);
	draw_detail(t, row, rows, cols);
	mvprintw(rows - 1, 0, "%s", t->status[0] ? t->status : "? help  q quit  +/- zoom  n/N findings  / search");
	if (t->help)
		draw_help(rows, cols);
	refresh();
}

/* Move the cursor to the next (dir 1) or previous (-1) finding. */
static void jump_finding(struct tui *t, int dir)
{
	int64_t ts = q_int(t,
			   dir > 0 ? "SELECT min(ts_ns) FROM findings WHERE run = ?2 AND ts_ns > ?1 AND kind != 'TRACE_GAP' AND (?4 < 0 OR intid = ?4)"
				   : "SELECT max(ts_ns) FROM findings WHERE run = ?2 AND ts_ns < ?1 AND kind != 'TRACE_GAP' AND (?4 < 0 OR intid = ?4)",
			   t->cursor, t->run, 0, -1);

	if (ts < 0) {
		snprintf(t->status, sizeof(t->status), "no %s finding", dir > 0 ? "next" : "previous");
		return;
	}
	centre(t, ts);
}

/* Read a line at the bottom of the screen. */
static void prompt(const char *what, char *buf, size_t n)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	(void)cols;
	move(rows - 1, 0);
	clrtoeol();
	printw("%s", what);
	echo();
	curs_set(1);
	getnstr(buf, (int)n - 1);
	noecho();
	curs_set(0);
}

/* Search: INTID, vCPU (v1) or event kind, after the cursor. */
static void search(struct tui *t)
{
	char q[128];
	int64_t ts;

	prompt("search (INTID, vN, event name): ", t->search, sizeof(t->search));
	if (!t->search[0])
		return;
	if (t->search[0] == 'v' && t->search[1] >= '0' && t->search[1] <= '9')
		ts = q_int(t, "SELECT min(ts_ns) FROM events WHERE vcpu = ?2 AND ts_ns > ?1", t->cursor,
			   atoll(t->search + 1), 0, -1);
	else if (t->search[0] >= '0' && t->search[0] <= '9')
		ts = q_int(t, "SELECT min(ts_ns) FROM events WHERE intid = ?2 AND ts_ns > ?1",
			   t->cursor, atoll(t->search), 0, -1);
	else {
		sqlite3_stmt *st;

		ts = -1;
		snprintf(q, sizeof(q), "SELECT min(e.ts_ns) FROM events e JOIN event_kinds k "
				       "ON k.kind = e.kind WHERE k.name = ?1 AND e.ts_ns > ?2");
		if (sqlite3_prepare_v2(t->sql, q, -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, t->search, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, t->cursor);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
				ts = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	if (ts < 0)
		snprintf(t->status, sizeof(t->status), "'%s' not found after the cursor", t->search);
	else
		centre(t, ts);
}

/* Apply one action; returns 0 to quit. */
static int act(struct tui *t, enum action a)
{
	int rows, cols, width;
	char buf[64];

	getmaxyx(stdscr, rows, cols);
	(void)rows;
	width = cols - LANE_LABEL - 1 > 1 ? cols - LANE_LABEL - 1 : 1;
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
		t->cursor = q_int(t, "SELECT min(ts_ns) FROM events WHERE ts_ns > ?1", t->cursor, 0, 0,
				  t->cursor);
		if (t->cursor >= t->vstart + t->vspan)
			centre(t, t->cursor);
		break;
	case ACT_PREV_EVENT:
		t->cursor = q_int(t, "SELECT max(ts_ns) FROM events WHERE ts_ns < ?1", t->cursor, 0, 0,
				  t->cursor);
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
	case ACT_GOTO:
		prompt("time (s): ", buf, sizeof(buf));
		if (buf[0])
			centre(t, (int64_t)(atof(buf) * 1e9));
		break;
	case ACT_REDRAW:
		clear();
		break;
	case ACT_FILTER:
		prompt("show only INTID (empty: all): ", buf, sizeof(buf));
		if (!buf[0])
			t->filter = -1;
		else if (buf[0] >= '0' && buf[0] <= '9')
			t->filter = atoll(buf);
		else
			snprintf(t->status, sizeof(t->status), "'%s' is not an INTID", buf);
		break;
	}
	clamp(t);
	return 1;
}

/* Translate a mouse event: a click moves the cursor, the wheel zooms. */
static void mouse_event(struct tui *t)
{
	MEVENT me;
	int rows, cols, width;

	if (getmouse(&me) != OK)
		return;
	getmaxyx(stdscr, rows, cols);
	(void)rows;
	width = cols - LANE_LABEL - 1;
	if (me.bstate & BUTTON4_PRESSED)
		act(t, ACT_ZOOM_IN);
	else if (me.bstate & BUTTON5_PRESSED)
		act(t, ACT_ZOOM_OUT);
	else if (me.x >= LANE_LABEL && width > 0)
		t->cursor = col_time(t, me.x - LANE_LABEL, width);
	clamp(t);
}

static const char tui_usage[] =
	"Usage: vgic-replay tui [--ascii] [--no-color] TRACE.db\n"
	"\n"
	"Browse a trace: one lane per vCPU (guest running, host, WFI), its interrupt\n"
	"strip (injections, LR occupancy, active LRs), findings and gaps, the event\n"
	"and LRs under the cursor. Press ? inside for the keys. Needs 80x24.\n"
	"\n"
	"Options:\n"
	"      --ascii     ASCII instead of UTF-8 block characters\n"
	"      --no-color  monochrome\n"
	"  -h, --help      show this help\n";

/* Run the browser. */
int cmd_tui(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"ascii", no_argument, NULL, 'a'},
		{"no-color", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vr_error err = {{0}};
	struct tui t;
	int c, use_ascii = 0, no_color = 0, running = 1;
	const char *codeset;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'a')
			use_ascii = 1;
		else if (c == 'c')
			no_color = 1;
		else if (c == 'h') {
			fputs(tui_usage, stdout);
			return 0;
		} else {
			fputs(tui_usage, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(tui_usage, stderr);
		return 2;
	}
	memset(&t, 0, sizeof(t));
	t.path = argv[optind];
	t.db = tracedb_open(t.path, TRACEDB_READONLY, &err);
	if (!t.db) {
		cli_error("%s", err.msg);
		return 2;
	}
	t.sql = tracedb_sqlite(t.db);
	t.t0 = q_int(&t, "SELECT first_ts_ns FROM trace_info", 0, 0, 0, 0);
	t.t1 = q_int(&t, "SELECT last_ts_ns FROM trace_info", 0, 0, 0, t.t0 + 1);
	t.nvcpus = (int)q_int(&t, "SELECT max(vcpu) + 1 FROM vcpus", 0, 0, 0, 1);
	t.run = q_int(&t, "SELECT max(run) FROM replay_runs WHERE status = 'done'", 0, 0, 0, 0);
	t.vstart = t.cursor = t.t0;
	t.vspan = t.t1 - t.t0 + 1;
	t.mark_a = t.mark_b = -1;
	t.filter = -1;

	setlocale(LC_ALL, "");
	codeset = setlocale(LC_CTYPE, NULL);
	t.g = use_ascii || !codeset || (!strstr(codeset, "UTF-8") && !strstr(codeset, "utf8")) ? &ascii
												 : &utf8;
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	t.color = !no_color && has_colors();
	if (t.color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_GREEN, -1);
		init_pair(2, COLOR_BLUE, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_RED, -1);
	}
	while (running) {
		int key;
		size_t i;

		draw(&t);
		key = getch();
		if (t.help) {
			t.help = 0;
			continue;
		}
		if (key == KEY_RESIZE)
			continue;
		if (key == KEY_MOUSE) {
			mouse_event(&t);
			continue;
		}
		for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
			if (bindings[i].key == key) {
				running = act(&t, bindings[i].action);
				break;
			}
		}
	}
	endwin();
	tracedb_close(t.db);
	return 0;
}
