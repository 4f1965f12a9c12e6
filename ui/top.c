/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top`: the view (see top.h). As in ui/tui.c the screen is a
 * stack of views, each a struct of callbacks (the header, the findings
 * line, the table, the status line), and the keys come from one table,
 * which also makes the help overlay and `top --keys`; the column sort
 * keys come from the column table (top_columns). Batch mode prints the
 * same header and table as text, one block per interval, as top -b does.
 */
#define _XOPEN_SOURCE_EXTENDED
#include "top.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum action { ACT_QUIT, ACT_HELP, ACT_SORT_LEFT, ACT_SORT_RIGHT, ACT_REVERSE, ACT_COUNTS,
	      ACT_NOW, ACT_REDRAW, ACT_RESIZE };

/* The one key table: key handling, the help overlay and --keys come from it. */
static const struct binding {
	int key;
	const char *name; /* NULL: an alias of the line above, not listed again */
	enum action action;
	const char *help;
} bindings[] = {
	{'q', "q", ACT_QUIT, "quit"},
	{'?', "?, h", ACT_HELP, "this help"},
	{'h', NULL, ACT_HELP, NULL},
	{'<', "<", ACT_SORT_LEFT, "sort on the column to the left"},
	{'>', ">", ACT_SORT_RIGHT, "sort on the column to the right"},
	{'R', "R", ACT_REVERSE, "reverse the sort"},
	{'c', "c", ACT_COUNTS, "counts per interval / rates per second"},
	{' ', "space", ACT_NOW, "the next interval now"},
	{12, "^L", ACT_REDRAW, "redraw"},
	{KEY_RESIZE, NULL, ACT_RESIZE, NULL},
};

#define NBINDINGS (sizeof(bindings) / sizeof(bindings[0]))

/* Colour pairs. */
enum { C_TITLE = 1, C_FINDING, C_LOST };

struct top {
	struct top_input *in;
	struct top_options o; /* sort, reverse and counts change with keys */
	struct top_model *m;
	struct top_interval iv; /* the last interval closed */
	int have_iv;
	int ended; /* the input ended (a trace: its end) */
	int help, color;
	char status[160];
};

/* A view: one band of the screen (tig's and htop's struct of callbacks, as in tui.c). */
struct view {
	const char *name;
	int (*height)(struct top *t, int avail);
	void (*draw)(struct top *t, int row, int height, int cols);
};

/* ---------------------------------------------------------------- text */

/* A column's title: counters carry /s when shown as rates. */
static const char *column_title(const struct top *t, int col, char *buf, size_t n)
{
	if (top_columns[col].counter >= 0 && top_columns[col].counter != TOP_FINDINGS &&
	    !t->o.counts)
		snprintf(buf, n, "%s/s", top_columns[col].title);
	else
		snprintf(buf, n, "%s", top_columns[col].title);
	return buf;
}

/* The first header line: what, which interval, its window. */
static void title_line(const struct top *t, char *buf, size_t n)
{
	const struct top_interval *iv = &t->iv;

	if (t->in->live) {
		time_t now = time(NULL);
		char clock[16];

		strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
		snprintf(buf, n, "vgic-replay top - %s  %s  interval %lld, %.1f s", t->o.title, clock,
			 (long long)iv->index, (double)(iv->end_ns - iv->start_ns) / 1e9);
	} else {
		snprintf(buf, n, "vgic-replay top - %s  interval %lld: %.6f..%.6f s", t->o.title,
			 (long long)iv->index, (double)iv->start_ns / 1e9, (double)iv->end_ns / 1e9);
	}
}

/* The second header line: events, what was lost, the sort. */
static void events_line(const struct top *t, char *buf, size_t n)
{
	const struct top_interval *iv = &t->iv;
	char title[16];

	snprintf(buf, n,
		 "events %lld (%lld total)  lost %lld in %lld gaps (%lld in %lld total)  "
		 "sort %s%s",
		 (long long)iv->events_now, (long long)iv->events_total, (long long)iv->lost_now,
		 (long long)iv->gaps_now, (long long)iv->lost_total, (long long)iv->gaps_total,
		 column_title(t, t->o.sort, title, sizeof(title)), t->o.reverse ? " reversed" : "");
}

/* The findings line: how many so far, by kind, and whose. */
static void findings_line(const struct top *t, char *buf, size_t n)
{
	const struct top_interval *iv = &t->iv;
	size_t len;

	if (!t->in->profile || !t->in->profile[0]) {
		snprintf(buf, n, "findings so far: not counted (%s)",
			 t->in->note ? t->in->note : "no replay");
		return;
	}
	len = (size_t)snprintf(buf, n, "findings so far (%s): %lld", t->in->profile,
			       (long long)iv->findings_total);
	for (int k = 0; k < FINDING_KIND_MAX && len < n; k++)
		if (iv->findings_by_kind[k])
			len += (size_t)snprintf(buf + len, n - len, "  %s %lld",
						finding_kind_name((enum finding_kind)k),
						(long long)iv->findings_by_kind[k]);
}

/* The table's header as text, each title right-aligned to its width. */
static void table_header(const struct top *t, char *buf, size_t n)
{
	size_t len = 0;
	char title[16];

	buf[0] = '\0';
	for (int c = 0; c < top_ncolumns && len < n; c++)
		len += (size_t)snprintf(buf + len, n - len, "%*s", top_columns[c].width + (c > 0),
					column_title(t, c, title, sizeof(title)));
}

/* One row of the table as text. */
static void table_row(const struct top *t, const struct top_row *r, char *buf, size_t n)
{
	size_t len = 0;
	char cell[32];

	buf[0] = '\0';
	for (int c = 0; c < top_ncolumns && len < n; c++) {
		top_cell(&t->iv, r, c, t->o.counts, cell, sizeof(cell));
		len += (size_t)snprintf(buf + len, n - len, "%*s", top_columns[c].width + (c > 0),
					cell);
	}
}

/* Batch mode: the interval as a block of text. */
static void print_interval(const struct top *t, FILE *f)
{
	char buf[512];

	title_line(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	events_line(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	findings_line(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	if (t->in->note && t->in->profile && t->in->profile[0])
		fprintf(f, "note: %s\n", t->in->note);
	fprintf(f, "\n");
	table_header(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	for (int i = 0; i < t->iv.nrows; i++) {
		table_row(t, &t->iv.rows[i], buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	fprintf(f, "\n");
	fflush(f);
}

/* ---------------------------------------------------------------- views */

static void line_at(int row, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print at (row, col), cut at the right edge instead of wrapping. */
static void line_at(int row, int col, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mvaddnstr(row, col, buf, getmaxx(stdscr) - col);
}

/* The header: title, events and lost, findings so far, the note. */
static int header_height(struct top *t, int avail)
{
	(void)avail;
	return t->in->note && t->in->profile && t->in->profile[0] ? 5 : 4;
}

/* Draw the header lines. */
static void header_draw(struct top *t, int row, int height, int cols)
{
	char buf[512];

	(void)height;
	(void)cols;
	title_line(t, buf, sizeof(buf));
	line_at(row, 0, "%s", buf);
	events_line(t, buf, sizeof(buf));
	if (t->color && t->iv.lost_now)
		attron(COLOR_PAIR(C_LOST) | A_BOLD);
	line_at(row + 1, 0, "%s", buf);
	if (t->color && t->iv.lost_now)
		attroff(COLOR_PAIR(C_LOST) | A_BOLD);
	findings_line(t, buf, sizeof(buf));
	if (t->color && t->iv.findings_total)
		attron(COLOR_PAIR(C_FINDING) | A_BOLD);
	line_at(row + 2, 0, "%s", buf);
	if (t->color && t->iv.findings_total)
		attroff(COLOR_PAIR(C_FINDING) | A_BOLD);
	if (t->in->note && t->in->profile && t->in->profile[0])
		line_at(row + 3, 0, "note: %s", t->in->note);
}

/* The table: its header in reverse video, then a row per vCPU that fits. */
static int table_height(struct top *t, int avail)
{
	int want = 1 + t->iv.nrows;

	return want < avail - 1 ? want : avail - 1;
}

/* Draw the table. */
static void table_draw(struct top *t, int row, int height, int cols)
{
	char buf[512];

	table_header(t, buf, sizeof(buf));
	attron(A_REVERSE);
	mvhline(row, 0, ' ', cols);
	line_at(row, 0, "%s", buf);
	attroff(A_REVERSE);
	for (int i = 0; i < t->iv.nrows && i + 1 < height; i++) {
		const struct top_row *r = &t->iv.rows[i];
		int hot = t->color && r->total[TOP_FINDINGS];

		table_row(t, r, buf, sizeof(buf));
		if (hot)
			attron(COLOR_PAIR(C_FINDING));
		line_at(row + 1 + i, 0, "%s", buf);
		if (hot)
			attroff(COLOR_PAIR(C_FINDING));
	}
	if (t->iv.nrows + 1 > height && height > 1)
		line_at(row + height - 1, 0, "... %d more vCPUs (a bigger terminal shows them)",
			t->iv.nrows - height + 2);
}

/* The status line: the end of the input, a message, or the keys. */
static int status_height(struct top *t, int avail)
{
	(void)t;
	(void)avail;
	return 1;
}

/* Draw the status line. */
static void status_draw(struct top *t, int row, int height, int cols)
{
	(void)height;
	(void)cols;
	if (t->status[0])
		line_at(row, 0, "%s", t->status);
	else
		line_at(row, 0, "? help  q quit  < > sort  R reverse  c counts/rates  space next");
}

/* The screen, top to bottom. */
static const struct view views[] = {
	{"header", header_height, header_draw},
	{"table", table_height, table_draw},
	{"status", status_height, status_draw},
};

/* The help overlay: the key table, then the sort keys from the column table. */
static void draw_help(int rows, int cols)
{
	int w = cols > 84 ? 80 : cols - 4, y = 3;

	for (int i = 1; i < rows - 1; i++)
		mvhline(i, 2, ' ', w);
	mvprintw(1, 3, "keys (any key closes)");
	for (size_t i = 0; i < NBINDINGS && y < rows - 1; i++) {
		if (!bindings[i].name)
			continue;
		line_at(y++, 4, "%-9s %.*s", bindings[i].name, w - 12, bindings[i].help);
	}
	y++;
	for (int c = 0; c < top_ncolumns && y < rows - 1; c++)
		line_at(y++, 4, "%-9c sort on %s: %.*s", top_columns[c].key, top_columns[c].title,
			w - 26, top_columns[c].help);
}

/* Draw the whole screen. */
static void draw(struct top *t)
{
	int rows, cols, row = 0;

	getmaxyx(stdscr, rows, cols);
	erase();
	if (rows < 12 || cols < 80) {
		mvprintw(0, 0, "vgic-replay top needs at least 80x12 (now %dx%d)", cols, rows);
		refresh();
		return;
	}
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		int h = views[i].height(t, rows - row);

		if (i + 1 == sizeof(views) / sizeof(views[0]))
			row = rows - 1; /* the status line is the last row */
		views[i].draw(t, row, h, cols);
		row += h;
	}
	if (t->help)
		draw_help(rows, cols);
	refresh();
}

/* Print the key table as Markdown; see top.h. */
void top_print_keys(FILE *f)
{
	fputs("| key | action |\n|---|---|\n", f);
	for (size_t i = 0; i < NBINDINGS; i++)
		if (bindings[i].name)
			fprintf(f, "| `%s` | %s |\n", bindings[i].name, bindings[i].help);
	for (int c = 0; c < top_ncolumns; c++)
		fprintf(f, "| `%c` | sort on %s: %s |\n", top_columns[c].key, top_columns[c].title,
			top_columns[c].help);
}

/* ---------------------------------------------------------------- keys */

/* What a key does: 0 quits, 2 asks for the next interval now, 1 goes on. */
static int act(struct top *t, enum action a)
{
	switch (a) {
	case ACT_QUIT:
		return 0;
	case ACT_HELP:
		t->help = 1;
		break;
	case ACT_SORT_LEFT:
		t->o.sort = t->o.sort > 0 ? t->o.sort - 1 : 0;
		break;
	case ACT_SORT_RIGHT:
		t->o.sort = t->o.sort + 1 < top_ncolumns ? t->o.sort + 1 : t->o.sort;
		break;
	case ACT_REVERSE:
		t->o.reverse = !t->o.reverse;
		break;
	case ACT_COUNTS:
		t->o.counts = !t->o.counts;
		break;
	case ACT_NOW:
		return t->ended ? 1 : 2;
	case ACT_REDRAW:
		clear();
		break;
	case ACT_RESIZE:
		break;
	}
	return 1;
}

/* Act on a key: the key table, then the column sort keys; see act(). */
static int key(struct top *t, int k)
{
	int col;

	if (t->help && k != KEY_RESIZE) { /* any key closes the help */
		t->help = 0;
		return 1;
	}
	for (size_t i = 0; i < NBINDINGS; i++)
		if (bindings[i].key == k)
			return act(t, bindings[i].action);
	col = top_column_of_key(k);
	if (col >= 0) {
		t->o.reverse = col == t->o.sort ? !t->o.reverse : 0;
		t->o.sort = col;
	}
	return 1;
}

/* Handle keys until the wall clock reaches deadline_ns (VR_NO_VALUE: forever); see act(). */
static int wait_keys(struct top *t, int64_t deadline_ns)
{
	for (;;) {
		int64_t left = deadline_ns == VR_NO_VALUE ? 1000000000 : deadline_ns - (int64_t)vr_now_ns();
		int k, rc;

		if (left <= 0)
			return 1;
		timeout((int)(left / 1000000 < 1000 ? left / 1000000 + 1 : 1000));
		k = getch();
		if (k == ERR)
			continue;
		rc = key(t, k);
		if (t->have_iv)
			top_interval_sort(&t->iv, t->o.sort, t->o.reverse);
		draw(t);
		if (rc != 1)
			return rc;
	}
}

/* ---------------------------------------------------------------- run */

/* Sleep until the monotonic clock (vr_now_ns) reads ns. */
static void sleep_until(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Curses on, colours if wanted. */
static void screen_open(struct top *t)
{
	setlocale(LC_ALL, "");
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	t->color = !t->o.no_color && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
		init_pair(C_TITLE, COLOR_WHITE, -1);
		init_pair(C_FINDING, COLOR_RED, -1);
		init_pair(C_LOST, COLOR_YELLOW, -1);
	}
}

/* Close the open interval [start, end) into t->iv, the model held meanwhile. */
static void close_interval(struct top *t, int64_t start, int64_t end)
{
	if (t->have_iv)
		top_interval_free(&t->iv);
	if (t->in->hold)
		t->in->hold(t->in->self, 1);
	top_model_close(t->m, start, end, t->o.sort, t->o.reverse, &t->iv);
	if (t->in->hold)
		t->in->hold(t->in->self, 0);
	t->iv.no_replay = !t->in->profile || !t->in->profile[0];
	t->have_iv = 1;
}

/*
 * The intervals, until the input ends, q or the iterations asked for:
 * a stored trace is fed an interval at once and shown for the delay
 * (batch: not waited for); live records are waited for.
 */
static int run_intervals(struct top *t, struct vr_error *err)
{
	int64_t delay = (int64_t)(t->o.delay * 1e9), start = t->in->start_ns, end;
	int rc = 1, k;

	for (int64_t n = 1; rc == 1; n++) {
		end = start + delay;
		if (t->in->live && t->o.batch) {
			sleep_until(end);
		} else if (t->in->live) {
			k = wait_keys(t, end);
			if (!k)
				return 0;
			if (k == 2) /* space: the interval ends now */
				end = (int64_t)vr_now_ns();
		}
		rc = t->in->feed(t->in->self, t->m, end, err);
		if (rc < 0)
			return -1;
		close_interval(t, start, end);
		t->ended = rc == 0;
		if (t->o.batch)
			print_interval(t, stdout);
		else
			draw(t);
		if (t->o.iterations && n >= t->o.iterations)
			break;
		if (!t->in->live && !t->o.batch && !t->ended &&
		    !wait_keys(t, (int64_t)vr_now_ns() + delay))
			return 0;
		start = end;
	}
	return 0;
}

/* See top.h. */
int top_run(struct top_input *in, const struct top_options *o)
{
	struct top t = {0};
	struct vr_error err = {{0}};
	int rc;

	t.in = in;
	t.o = *o;
	t.m = top_model_new(in->vm_of, in->vm_arg);
	if (!o->batch)
		screen_open(&t);
	rc = run_intervals(&t, &err);
	if (!rc && !o->batch && t.ended) {
		snprintf(t.status, sizeof(t.status), "end of %s (%lld intervals): q quits",
			 o->title, (long long)t.iv.index);
		draw(&t);
		wait_keys(&t, VR_NO_VALUE);
	}
	if (!o->batch)
		endwin();
	if (rc)
		fprintf(stderr, "vgic-replay: top: %s\n", err.msg);
	if (t.have_iv)
		top_interval_free(&t.iv);
	top_model_free(t.m);
	return rc ? 1 : 0;
}
