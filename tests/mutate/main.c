/* SPDX-License-Identifier: GPL-2.0 */
/*
 * build/tests/mutate: plant one bug into a copy of a real trace, by hand.
 *
 *   mutate list [KIND] TRACE.db        the sites of one kind (or all)
 *   mutate KIND SITE TRACE.db OUT.db   plant one; OUT.db's `mutations` table
 *                                      and one line on stdout say what was done
 *   mutate run [KIND] TRACE.db         plant each site in turn, check it,
 *                                      print the tallies per kind
 *   mutate name-dirs TRACE.db OUT.db   add the vgic_deactivate events a 6.19+
 *                                      EOImode 1 trace from before them lacks
 * Exit status: 0 done (run: every mutation reported or excused), 1 some
 * mutation went wrong, 2 bad usage or error.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mutate.h"

static const char usage[] =
	"Usage: mutate list [KIND] TRACE.db\n"
	"       mutate KIND SITE TRACE.db OUT.db\n"
	"       mutate run [KIND] TRACE.db\n"
	"       mutate name-dirs TRACE.db OUT.db\n"
	"Kinds: drop-delivery drop-lr lost-at-fold swap-deactivation eoicount-unaccounted\n"
	"       eoicount-walk priority-inversion delete-window gap swap-dir\n";

/* Print one site. */
static void print_site(const struct mutation *m)
{
	printf("%-20s %-12s expect %-18s", mutation_kind_name(m->kind), m->site,
	       finding_kind_name(m->expect));
	if (m->intid != VR_NO_VALUE)
		printf(" intid %-5lld", (long long)m->intid);
	else
		printf(" intid any  ");
	printf(" at event %lld%s%s: %s\n", (long long)m->event, m->profile ? " under " : "",
	       m->profile ? m->profile : "", m->what);
}

/* `mutate run`: plant every site of kind k, check, and tally; returns the wrong count. */
static int run_kind(const char *db, enum mutation_kind k)
{
	struct vr_error err = {{0}};
	struct mutation *ms;
	char tmp[] = "/tmp/vr-mutate-XXXXXX", path[64];
	size_t n = mutation_sites(db, k, 0, &ms, &err), i;
	int reported = 0, excused[EXCUSE_MAX] = {0}, wrong = 0;

	if (!mkdtemp(tmp))
		return 1;
	snprintf(path, sizeof(path), "%s/mutant.db", tmp);
	for (i = 0; i < n; i++) {
		struct mutation_outcome o;

		if (mutation_apply(db, path, &ms[i], &err) ||
		    mutation_check(path, db, &ms[i], &o, &err)) {
			fprintf(stderr, "mutate: %s %s: %s\n", mutation_kind_name(k), ms[i].site, err.msg);
			wrong++;
		} else if (o.control_findings || (ms[i].alone && o.others) ||
			   (!o.reported && o.excuse == EXCUSE_NONE)) {
			printf("wrong: %s %s%s%s\n", mutation_kind_name(k), ms[i].site,
			       o.others ? ": " : "", o.first_other);
			wrong++;
		} else if (o.reported) {
			reported++;
		} else {
			excused[o.excuse]++;
		}
	}
	unlink(path);
	rmdir(tmp);
	printf("%-20s %4zu mutations: %4d reported at the right event; excused: %d re-injected, %d "
	       "never shown enabled, %d at trace end; %d wrong\n",
	       mutation_kind_name(k), n, reported, excused[EXCUSE_REINJECTED],
	       excused[EXCUSE_NEVER_ENABLED], excused[EXCUSE_AT_END], wrong);
	free(ms);
	return wrong;
}

/* The mutate command. */
int main(int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct mutation *ms;
	size_t n, i;
	int k, wrong = 0;

	if (argc == 4 && !strcmp(argv[1], "name-dirs")) {
		int added = mutation_name_dirs(argv[2], argv[3], &err);

		if (added < 0)
			fprintf(stderr, "mutate: %s\n", err.msg);
		else if (!added)
			fprintf(stderr, "mutate: %s: no trapped DIR to name, or one is ambiguous\n",
				argv[2]);
		else
			printf("%s: %d vgic_deactivate events added\n", argv[3], added);
		return added > 0 ? 0 : 2;
	}
	if (argc >= 3 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "run"))) {
		int only = argc == 4 ? mutation_kind_from_name(argv[2]) : -1;

		if (argc > 4 || (argc == 4 && only < 0)) {
			fputs(usage, stderr);
			return 2;
		}
		for (k = 0; k < MUT_KIND_MAX; k++) {
			if (only >= 0 && k != only)
				continue;
			if (!strcmp(argv[1], "run")) {
				wrong += run_kind(argv[argc - 1], (enum mutation_kind)k);
				continue;
			}
			n = mutation_sites(argv[argc - 1], (enum mutation_kind)k, 0, &ms, &err);
			if (err.msg[0]) {
				fprintf(stderr, "mutate: %s\n", err.msg);
				return 2;
			}
			for (i = 0; i < n; i++)
				print_site(&ms[i]);
			free(ms);
		}
		return wrong ? 1 : 0;
	}
	if (argc != 5 || (k = mutation_kind_from_name(argv[1])) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	n = mutation_sites(argv[3], (enum mutation_kind)k, 0, &ms, &err);
	for (i = 0; i < n && strcmp(ms[i].site, argv[2]); i++)
		;
	if (i == n) {
		fprintf(stderr, "mutate: %s: no %s site %s (see mutate list %s)\n", argv[3], argv[1],
			argv[2], argv[1]);
		free(ms);
		return 2;
	}
	if (mutation_apply(argv[3], argv[4], &ms[i], &err)) {
		fprintf(stderr, "mutate: %s\n", err.msg);
		free(ms);
		return 2;
	}
	printf("%s: ", argv[4]);
	print_site(&ms[i]);
	free(ms);
	return 0;
}
