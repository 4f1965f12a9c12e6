/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the curses programs of ui/ share (see screen.h).
 */
#define _XOPEN_SOURCE_EXTENDED
#include "screen.h"

#include <curses.h>
#include <locale.h>
#include <stdarg.h>

/* See screen.h. */
void screen_line_at(int row, int col, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mvaddnstr(row, col, buf, getmaxx(stdscr) - col);
}

/* See screen.h. */
int screen_action(const struct screen_binding *b, size_t n, int key)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].key == key)
			return b[i].action;
	return -1;
}

/* See screen.h. */
void screen_print_keys(FILE *f, const struct screen_binding *b, size_t n)
{
	fputs("| key | action |\n|---|---|\n", f);
	for (size_t i = 0; i < n; i++)
		if (b[i].name)
			fprintf(f, "| `%s` | %s |\n", b[i].name, b[i].help);
}

/* See screen.h. */
int screen_too_small(const char *what, int rows, int cols, int min_rows, int min_cols)
{
	if (rows >= min_rows && cols >= min_cols)
		return 0;
	mvprintw(0, 0, "%s needs at least %dx%d (now %dx%d)", what, min_cols, min_rows, cols, rows);
	refresh();
	return 1;
}

/* See screen.h. */
void screen_start(void)
{
	setlocale(LC_ALL, "");
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
}
