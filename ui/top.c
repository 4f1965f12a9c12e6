/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top`: the intervals (see top.h). The input is fed an
 * interval at a time, the model closed into a table, and the table shown
 * on the screen (top_screen.c: views and one key table, as ui/tui.c) or
 * printed as text, one block per interval, as top -b does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "top_internal.h"

/* ---------------------------------------------------------------- text */

/* See top_internal.h. */
int top_has_note(const struct top *t)
{
	return t->in->note && t->in->profile && t->in->profile[0];
}

/* A column's title: counters carry /s when shown as rates. */
const char *top_column_title(const struct top *t, int col, char *buf, size_t n)
{
	if (top_columns[col].counter >= 0 && top_columns[col].counter != TOP_FINDINGS &&
	    !t->o.counts)
		snprintf(buf, n, "%s/s", top_columns[col].title);
	else
		snprintf(buf, n, "%s", top_columns[col].title);
	return buf;
}

/* The first header line: what, which interval, its window. */
void top_title_line(const struct top *t, char *buf, size_t n)
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
void top_events_line(const struct top *t, char *buf, size_t n)
{
	const struct top_interval *iv = &t->iv;
	char title[16];

	snprintf(buf, n,
		 "events %lld (%lld total)  lost %lld in %lld gaps (%lld in %lld total)  "
		 "sort %s%s",
		 (long long)iv->events_now, (long long)iv->events_total, (long long)iv->lost_now,
		 (long long)iv->gaps_now, (long long)iv->lost_total, (long long)iv->gaps_total,
		 top_column_title(t, t->o.sort, title, sizeof(title)), t->o.reverse ? " reversed" : "");
}

/* The findings line: how many so far, by kind, and whose. */
void top_findings_line(const struct top *t, char *buf, size_t n)
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
void top_table_header(const struct top *t, char *buf, size_t n)
{
	size_t len = 0;
	char title[16];

	buf[0] = '\0';
	for (int c = 0; c < top_ncolumns && len < n; c++)
		len += (size_t)snprintf(buf + len, n - len, "%*s", top_columns[c].width + (c > 0),
					top_column_title(t, c, title, sizeof(title)));
}

/* One row of the table as text. */
void top_table_row(const struct top *t, const struct top_row *r, char *buf, size_t n)
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

	top_title_line(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	top_events_line(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	top_findings_line(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	if (top_has_note(t))
		fprintf(f, "note: %s\n", t->in->note);
	fprintf(f, "\n");
	top_table_header(t, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
	for (int i = 0; i < t->iv.nrows; i++) {
		top_table_row(t, &t->iv.rows[i], buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	fprintf(f, "\n");
	fflush(f);
}

/* SIGINT or SIGTERM arrived (batch mode): the interval open ends now, and top with it. */
static volatile sig_atomic_t stop_asked;

/* The handler of SIGINT and SIGTERM in batch mode. */
static void ask_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

/*
 * Batch mode stops on SIGINT and SIGTERM after printing the interval
 * open; caught, not left to their default, also because a shell starts
 * a background job with SIGINT ignored (as `record` catches them).
 */
static void catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ask_stop; /* no SA_RESTART: the sleep ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Sleep until the monotonic clock (vr_now_ns) reads ns, or a stop is asked. */
static void sleep_until(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_asked)
		;
}

/*
 * Batch mode, live: wait for the interval's end (*end_ns), looking every
 * 50 ms whether the input ended (a played trace) or a stop was asked,
 * which end the interval now. The input's feed: 1 it goes on, 0 it
 * ended, -1 with err.
 */
static int wait_live(struct top *t, int64_t *end_ns, struct vr_error *err)
{
	int rc;

	for (;;) {
		int64_t now = (int64_t)vr_now_ns();

		rc = t->in->feed(t->in->self, t->m, *end_ns, err);
		if (rc <= 0 || stop_asked) {
			*end_ns = now < *end_ns ? now : *end_ns;
			return rc;
		}
		if (now >= *end_ns)
			return 1;
		sleep_until(now + 50000000 < *end_ns ? now + 50000000 : *end_ns);
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

	/* A live input starts now, so that the first interval counts what arrives in it. */
	if (t->in->live && t->in->feed(t->in->self, t->m, start, err) < 0)
		return -1;
	for (int64_t n = 1; rc == 1; n++) {
		end = start + delay;
		if (t->in->live && t->o.batch) {
			rc = wait_live(t, &end, err);
			if (rc < 0)
				return -1;
		} else if (t->in->live) {
			k = top_screen_wait(t, end);
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
			top_screen_draw(t);
		if ((t->o.iterations && n >= t->o.iterations) || stop_asked)
			break;
		if (!t->in->live && !t->o.batch && !t->ended &&
		    !top_screen_wait(t, (int64_t)vr_now_ns() + delay))
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
		top_screen_open(&t);
	else
		catch_stop();
	rc = run_intervals(&t, &err);
	if (!rc && !o->batch && t.ended) {
		snprintf(t.status, sizeof(t.status), "end of %s (%lld intervals): q quits",
			 o->title, (long long)t.iv.index);
		top_screen_draw(&t);
		top_screen_wait(&t, VR_NO_VALUE);
	}
	if (!o->batch)
		top_screen_close();
	if (rc)
		fprintf(stderr, "vgic-replay: top: %s\n", err.msg);
	if (t.have_iv)
		top_interval_free(&t.iv);
	top_model_free(t.m);
	return rc ? 1 : 0;
}
