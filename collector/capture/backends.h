/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording backends, each a struct record_backend (record_core.h)
 * defined in a file of its own. recorder.c lists them in one array; a new
 * backend is a file that fills in the steps, a line here and a line there.
 */
#ifndef VR_BACKENDS_H
#define VR_BACKENDS_H

#include "record_core.h"

extern const struct record_backend record_backend_bpf;	   /* record_bpf.c */
extern const struct record_backend record_backend_tracefs; /* record_tracefs.c */
extern const struct record_backend record_backend_trace;   /* record_trace.c: --from-trace */

#endif
