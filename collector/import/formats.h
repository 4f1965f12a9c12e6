/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The input formats, each a struct import_format_ops (import_core.h)
 * defined in a file of its own. importer.c lists them in one array, in
 * the order their sniff is tried.
 */
#ifndef VR_FORMATS_H
#define VR_FORMATS_H

#include "import_core.h"

extern const struct import_format_ops import_format_ftrace;   /* import_ftrace.c */
extern const struct import_format_ops import_format_tracedat; /* import_tracedat.c */

#endif
