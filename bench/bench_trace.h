/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the benchmarks share: a big trace database made from a real
 * sample by replicating its rows with shifted ids and timestamps.
 */
#ifndef VR_BENCH_TRACE_H
#define VR_BENCH_TRACE_H

#include <stdint.h>

#include "../schemas/tracedb.h"

/* Run SQL or exit: a benchmark has no use for partial results. */
void bench_must_exec(struct tracedb *db, const char *sql);

/* One integer from a query (0 when there is none). */
int64_t bench_query_int(struct tracedb *db, const char *q);

/*
 * Replicate the events, snapshots and LRs of the trace at path `copies`
 * times after themselves (in SQL, so building is fast); trace_info's
 * events_total and last_ts_ns follow.
 */
void bench_replicate(const char *path, int64_t copies);

/*
 * Import sample into DIR/name and replicate it to at least min_events
 * events; returns the number of events, fills path (size n) and the number
 * of copies of the sample it holds.
 */
int64_t bench_big_trace(const char *sample, const char *dir, const char *name, int64_t min_events,
			char *path, size_t n, int64_t *copies);

#endif
