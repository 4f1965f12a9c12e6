/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay tui`: the ncurses timeline browser. tui_run() is the
 * interactive program; tui_open/tui_draw/tui_key/tui_close let a caller
 * that set up curses itself (the benchmark, on a terminal writing to
 * /dev/null) drive the same drawing and key handling.
 */
#ifndef VR_UI_TUI_H
#define VR_UI_TUI_H

#include <stdio.h>

#include "../common/vr_common.h"

/* What the browser opens on (--vcpu, --intid, --from, --to); VR_NO_VALUE: not given. */
struct tui_start {
	int64_t vcpu, intid;	/* the filter the f key sets */
	int64_t from_ns, to_ns; /* the window shown first, absolute ns */
};

struct tui_options {
	int ascii;    /* ASCII instead of UTF-8 block characters */
	int no_color; /* monochrome */
	int store_summaries; /* may write missing summaries into the trace (else in memory) */
	const char *profile; /* the stored findings of this profile; NULL: the kernel's own */
	const struct tui_start *start; /* NULL: the whole trace, unfiltered */
	const char *name; /* the trace as the user named it (a capture), for the title; NULL: path */
};

struct tui;

/* Print the key table as a Markdown table (docs/tui.md carries its output). */
void tui_print_keys(FILE *f);

/* Run the browser on the trace at path; returns the exit code. */
int tui_run(const char *path, const struct tui_options *o);

/*
 * Open a trace for browsing (curses must be initialised when progress
 * should be shown; it need not be for the model to open).
 */
struct tui *tui_open(const char *path, const struct tui_options *o, struct vr_error *err);

/* Draw the whole screen into stdscr and refresh it. */
void tui_draw(struct tui *t);

/* Act on one key as the key table says; returns 0 when the key quits. */
int tui_key(struct tui *t, int key);

/* Seconds the per-zoom summaries took to build on open (0: they were cached). */
double tui_summary_build_seconds(const struct tui *t);

/* Where the last drawn timeline came from: a summary level, or -1 for the raw events. */
int tui_window_level(const struct tui *t);

/* Close the trace (curses is the caller's). */
void tui_close(struct tui *t);

#endif
