/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness in the spirit of redis' testhelp.h: CHECK()
 * records a failure with file and line and carries on, so one run shows
 * every broken expectation; vr_test_report() prints a TAP-like summary and
 * gives the exit status.
 */
#ifndef VR_TEST_H
#define VR_TEST_H

#include <stdio.h>
#include <string.h>

static int vr_test_failures;
static int vr_test_checks;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		vr_test_checks++;                                                    \
		if (!(cond)) {                                                       \
			vr_test_failures++;                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,       \
				__LINE__, #cond);                                    \
		}                                                                    \
	} while (0)

#define CHECK_EQ(a, b)                                                               \
	do {                                                                         \
		long long va_ = (long long)(a), vb_ = (long long)(b);                \
		vr_test_checks++;                                                    \
		if (va_ != vb_) {                                                    \
			vr_test_failures++;                                          \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
				__FILE__, __LINE__, #a, va_, #b, vb_);               \
		}                                                                    \
	} while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                              \
	do {                                                                         \
		vr_test_checks++;                                                    \
		if (!strstr((hay), (needle))) {                                      \
			vr_test_failures++;                                          \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n",   \
				__FILE__, __LINE__, (hay), (needle));                \
		}                                                                    \
	} while (0)

/* Print the summary and return the process exit status. */
static inline int vr_test_report(const char *name)
{
	printf("%s %s: %d checks, %d failed\n", vr_test_failures ? "not ok" : "ok", name,
	       vr_test_checks, vr_test_failures);
	return vr_test_failures ? 1 : 0;
}

#endif
