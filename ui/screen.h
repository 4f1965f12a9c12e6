/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the curses programs of ui/ (tui, top) share: text cut at the
 * screen's edge, the key table's rows and how a key is looked up in
 * them, and curses set up the same way.
 */
#ifndef VR_UI_SCREEN_H
#define VR_UI_SCREEN_H

#include <stddef.h>
#include <stdio.h>

/* One row of a program's key table: its keys, the help overlay and --keys come from it. */
struct screen_binding {
	int key;
	const char *name; /* NULL: an alias of the row above, not listed again */
	int action;	  /* the program's own enum */
	const char *help;
};

/* Print at (row, col), cut at the right edge instead of wrapping. */
void screen_line_at(int row, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The action bound to key, -1 when none is. */
int screen_action(const struct screen_binding *b, size_t n, int key);

/* The key table as a Markdown table, its header and a row per named binding. */
void screen_print_keys(FILE *f, const struct screen_binding *b, size_t n);

/*
 * A screen under min_cols x min_rows shows only one line saying so (what
 * needs it, the size it has now): nonzero then, and nothing else is drawn.
 * rows and cols are the screen's size.
 */
int screen_too_small(const char *what, int rows, int cols, int min_rows, int min_cols);

/* Curses on: the locale's characters, keys unbuffered and unechoed, the keypad, no cursor. */
void screen_start(void);

#endif
