/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ui/top.c (the intervals, batch mode, the text of the header and
 * the table) and ui/top_screen.c (curses: the views, the keys) share. A
 * build without curses (the static arm64 one, VR_NO_TUI) has no screen:
 * top runs in batch mode only.
 */
#ifndef VR_UI_TOP_INTERNAL_H
#define VR_UI_TOP_INTERNAL_H

#include "top.h"

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

/* The header and the table as text (top.c): the screen and batch mode print the same. */
const char *top_column_title(const struct top *t, int col, char *buf, size_t n);
void top_title_line(const struct top *t, char *buf, size_t n);
void top_events_line(const struct top *t, char *buf, size_t n);
void top_findings_line(const struct top *t, char *buf, size_t n);
void top_table_header(const struct top *t, char *buf, size_t n);
void top_table_row(const struct top *t, const struct top_row *r, char *buf, size_t n);

/* Does the header carry the input's note on a line of its own? */
int top_has_note(const struct top *t);

#ifndef VR_NO_TUI
/* The screen (top_screen.c): curses on, the whole screen drawn, curses off. */
void top_screen_open(struct top *t);
void top_screen_draw(struct top *t);
void top_screen_close(void);

/*
 * Handle keys until the wall clock (vr_now_ns) reaches deadline_ns
 * (VR_NO_VALUE: forever): 0 a key quit, 2 one asked for the next
 * interval now, 1 the deadline came.
 */
int top_screen_wait(struct top *t, int64_t deadline_ns);
#else
/* No curses in this build: cmd_top.c refuses all but batch mode, so these never run. */
static inline void top_screen_open(struct top *t) { (void)t; }
static inline void top_screen_draw(struct top *t) { (void)t; }
static inline void top_screen_close(void) {}
static inline int top_screen_wait(struct top *t, int64_t deadline_ns)
{
	(void)t;
	(void)deadline_ns;
	return 0;
}
#endif

#endif
