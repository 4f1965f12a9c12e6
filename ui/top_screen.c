/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top`'s screen (see top_internal.h). As in ui/tui.c the
 * screen is a stack of views, each a struct of callbacks (the header, the
 * table, the status line), and the keys come from one table, which also
 * makes the help overlay and `top --keys`; the column sort keys come from
 * the column table (top_columns).
 */
#define _XOPEN_SOURCE_EXTENDED
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "screen.h"
#include "top_internal.h"

enum action { ACT_QUIT, ACT_HELP, ACT_SORT_LEFT, ACT_SORT_RIGHT, ACT_REVERSE, ACT_COUNTS,
	      ACT_NOW, ACT_REDRAW, ACT_RESIZE };

/* The one key table: key handling, the help overlay and --keys come from it. */
static const struct screen_binding bindings[] = {
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

/* A view: one band of the screen (tig's and htop's struct of callbacks, as in tui.c). */
struct view {
	const char *name;
	int (*height)(struct top *t, int avail);
	void (*draw)(struct top *t, int row, int height, int cols);
};

/* ---------------------------------------------------------------- views */

/* The header: title, events and lost, findings so far, the note. */
static int header_height(struct top *t, int avail)
{
	(void)avail;
	return top_has_note(t) ? 5 : 4;
}

/* Draw the header lines. */
static void header_draw(struct top *t, int row, int height, int cols)
{
	char buf[512];

	(void)height;
	(void)cols;
	top_title_line(t, buf, sizeof(buf));
	screen_line_at(row, 0, "%s", buf);
	top_events_line(t, buf, sizeof(buf));
	if (t->color && t->iv.lost_now)
		attron(COLOR_PAIR(C_LOST) | A_BOLD);
	screen_line_at(row + 1, 0, "%s", buf);
	if (t->color && t->iv.lost_now)
		attroff(COLOR_PAIR(C_LOST) | A_BOLD);
	top_findings_line(t, buf, sizeof(buf));
	if (t->color && t->iv.findings_total)
		attron(COLOR_PAIR(C_FINDING) | A_BOLD);
	screen_line_at(row + 2, 0, "%s", buf);
	if (t->color && t->iv.findings_total)
		attroff(COLOR_PAIR(C_FINDING) | A_BOLD);
	if (top_has_note(t))
		screen_line_at(row + 3, 0, "note: %s", t->in->note);
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

	top_table_header(t, buf, sizeof(buf));
	attron(A_REVERSE);
	mvhline(row, 0, ' ', cols);
	screen_line_at(row, 0, "%s", buf);
	attroff(A_REVERSE);
	for (int i = 0; i < t->iv.nrows && i + 1 < height; i++) {
		const struct top_row *r = &t->iv.rows[i];
		int hot = t->color && r->total[TOP_FINDINGS];

		top_table_row(t, r, buf, sizeof(buf));
		if (hot)
			attron(COLOR_PAIR(C_FINDING));
		screen_line_at(row + 1 + i, 0, "%s", buf);
		if (hot)
			attroff(COLOR_PAIR(C_FINDING));
	}
	if (t->iv.nrows + 1 > height && height > 1)
		screen_line_at(row + height - 1, 0, "... %d more vCPUs (a bigger terminal shows them)",
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
		screen_line_at(row, 0, "%s", t->status);
	else
		screen_line_at(row, 0, "? help  q quit  < > sort  R reverse  c counts/rates  space next");
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
		screen_line_at(y++, 4, "%-9s %.*s", bindings[i].name, w - 12, bindings[i].help);
	}
	y++;
	for (int c = 0; c < top_ncolumns && y < rows - 1; c++)
		screen_line_at(y++, 4, "%-9c sort on %s: %.*s", top_columns[c].key, top_columns[c].title,
			w - 26, top_columns[c].help);
}

/* Draw the whole screen; see top_internal.h. */
void top_screen_draw(struct top *t)
{
	int rows, cols, row = 0;

	getmaxyx(stdscr, rows, cols);
	erase();
	if (screen_too_small("vgic-replay top", rows, cols, 12, 80))
		return;
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
	screen_print_keys(f, bindings, NBINDINGS);
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
	int col, a;

	if (t->help && k != KEY_RESIZE) { /* any key closes the help */
		t->help = 0;
		return 1;
	}
	a = screen_action(bindings, NBINDINGS, k);
	if (a >= 0)
		return act(t, (enum action)a);
	col = top_column_of_key(k);
	if (col >= 0) {
		t->o.reverse = col == t->o.sort ? !t->o.reverse : 0;
		t->o.sort = col;
	}
	return 1;
}

/* Handle keys until deadline_ns; see top_internal.h. */
int top_screen_wait(struct top *t, int64_t deadline_ns)
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
		top_screen_draw(t);
		if (rc != 1)
			return rc;
	}
}

/* ---------------------------------------------------------------- run */

/* Curses on, colours if wanted; see top_internal.h. */
void top_screen_open(struct top *t)
{
	screen_start();
	t->color = !t->o.no_color && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
		init_pair(C_TITLE, COLOR_WHITE, -1);
		init_pair(C_FINDING, COLOR_RED, -1);
		init_pair(C_LOST, COLOR_YELLOW, -1);
	}
}

/* Curses off; see top_internal.h. */
void top_screen_close(void)
{
	endwin();
}
