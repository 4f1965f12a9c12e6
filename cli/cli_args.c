/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The argument parsing every subcommand shares: strict numbers and times,
 * the filters --vcpu, --intid, --from and --to, and the one-line usage
 * errors. Kept in one place so that `--vcpu x` or an unknown option is
 * refused with the same words and the same exit status (2) by every
 * command, as git and perf users expect.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_reader.h"
#include "cli.h"

/* See cli.h. */
void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vgic-replay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* See cli.h. */
int cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* See cli.h. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vgic-replay: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'vgic-replay %s --help'\n", cmd);
	return 2;
}

/* See cli.h. */
int cli_one_trace(const char *cmd, int argc)
{
	if (optind + 1 == argc)
		return 0;
	return cli_usage_error(
	    cmd, "%s", optind >= argc ? "no TRACE given" : "more than one TRACE given");
}

/*
 * The long option the word names (its name, or an abbreviation of it, as
 * getopt_long() accepts), or NULL; *matches counts the options the
 * abbreviation could stand for.
 */
static const struct option *long_option_named(const struct option *longopts, const char *word,
					      int *matches)
{
	size_t len = strcspn(word, "=");
	const struct option *found = NULL;

	*matches = 0;
	for (; longopts && longopts->name; longopts++) {
		if (strncmp(longopts->name, word, len))
			continue;
		if (strlen(longopts->name) == len) { /* the whole name wins */
			*matches = 1;
			return longopts;
		}
		found = longopts;
		(*matches)++;
	}
	return found;
}

/* See cli.h. */
int cli_option_error(const char *cmd, int c, char **argv, const struct option *longopts)
{
	const char *word = optind > 0 ? argv[optind - 1] : "";
	const struct option *named = NULL;
	int matches = 0;

	/*
	 * A long option is reported by the word it came in; a short one by
	 * optopt, since the word may be an earlier one when the letter sat
	 * inside a cluster (-qx).
	 */
	if (!strncmp(word, "--", 2) && word[2]) {
		named = long_option_named(longopts, word + 2, &matches);
		if (optopt && (!named || named->val != optopt))
			named = NULL; /* the error is a short option's after this word */
		else if (!optopt && matches > 1)
			return cli_usage_error(cmd, "ambiguous option '%.*s'",
					       (int)strcspn(word, "="), word);
		else if (!optopt)
			return cli_usage_error(cmd, "unknown option '%.*s'",
					       (int)strcspn(word, "="), word);
	}
	if (named && c == ':')
		return cli_usage_error(cmd, "option '--%s' needs an argument", named->name);
	if (named)
		return cli_usage_error(cmd, "option '--%s' takes no argument", named->name);
	if (c == ':')
		return cli_usage_error(cmd, "option '-%c' needs an argument", optopt);
	if (optopt > ' ' && optopt < 0x7f)
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", word);
}

/* See cli.h. */
int cli_parse_integer(const char *cmd, const char *option, const char *arg, long long min,
		      long long max, long long *out)
{
	const char *digits = arg;
	char *end;
	long long v;

	if (*digits == '-' && min < 0)
		digits++;
	if (*digits >= '0' && *digits <= '9') {
		errno = 0;
		v = strtoll(arg, &end, 10);
		if (!*end && !errno && v >= min && v <= max) {
			*out = v;
			return 0;
		}
	}
	cli_error("%s: %s '%s' is not a whole number from %lld to %lld", cmd, option, arg, min,
		  max);
	return 2;
}

/* See cli.h. */
int cli_parse_number(const char *cmd, const char *option, const char *arg, double min, double max,
		     const char *unit, double *out)
{
	char *end;
	double v;

	if (((*arg >= '0' && *arg <= '9') || *arg == '.') && !strpbrk(arg, "xX")) { /* decimal */
		errno = 0;
		v = strtod(arg, &end);
		if (!*end && !errno && isfinite(v) && v > min && v <= max) {
			*out = v;
			return 0;
		}
	}
	cli_error("%s: %s '%s' is not a number of %s above %g and at most %g", cmd, option, arg,
		  unit, min, max);
	return 2;
}

/* The nanoseconds in one unit of a relative time, or 0 for an unknown unit. */
static double ns_per_unit(const char *unit)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].name))
			return units[i].ns;
	return 0;
}

/* See cli.h. */
int cli_parse_time(const char *cmd, const char *option, const char *arg, struct cli_time *out)
{
	const double max_ns = (double)TRACE_MAX_TS_NS;
	long long abs_ns;
	double v, unit;
	char *end;

	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		abs_ns = strtoll(arg, &end, 10);
		if (!*end && !errno && abs_ns <= TRACE_MAX_TS_NS) {
			*out = (struct cli_time){1, 0, abs_ns};
			return 0;
		}
	} else if (arg[0] == '+' && ((arg[1] >= '0' && arg[1] <= '9') || arg[1] == '.') &&
		   !strpbrk(arg, "xX")) { /* decimal, as strtod also reads hex */
		errno = 0;
		v = strtod(arg + 1, &end);
		unit = ns_per_unit(end);
		if (!errno && isfinite(v) && unit && v * unit <= max_ns) {
			*out = (struct cli_time){1, 1, (int64_t)(v * unit)};
			return 0;
		}
	}
	cli_error("%s: %s '%s' is not a time: absolute ns, or '+', a number and a unit (s, ms, "
		  "us or ns) from the trace's start",
		  cmd, option, arg);
	return 2;
}

/* See cli.h. */
void cli_filters_init(struct cli_filters *f)
{
	memset(f, 0, sizeof(*f));
	f->vcpu = f->intid = VR_NO_VALUE;
}

/* See cli.h. */
int cli_filters_option(const char *cmd, int c, const char *arg, struct cli_filters *f)
{
	long long v;

	switch (c) {
	case CLI_OPT_VCPU:
		if (cli_parse_integer(cmd, "--vcpu", arg, 0, TRACE_MAX_VCPUS - 1, &v))
			return 2;
		f->vcpu = v;
		return 0;
	case CLI_OPT_INTID:
		if (cli_parse_integer(cmd, "--intid", arg, 0, UINT32_MAX, &v))
			return 2;
		f->intid = v;
		return 0;
	case CLI_OPT_FROM:
		return cli_parse_time(cmd, "--from", arg, &f->from);
	case CLI_OPT_TO:
		return cli_parse_time(cmd, "--to", arg, &f->to);
	default:
		return 2;
	}
}

/* A time in absolute ns, counted from start when relative; VR_NO_VALUE when not given. */
static int64_t absolute_ns(const struct cli_time *t, int64_t start_ns)
{
	if (!t->given)
		return VR_NO_VALUE;
	return t->relative ? start_ns + t->ns : t->ns;
}

/* See cli.h. */
int cli_filters_window(const char *cmd, const struct cli_filters *f, struct tracedb *db,
		       int64_t *from_ns, int64_t *to_ns)
{
	struct vr_error err = {{0}};
	struct trace_facts facts;
	int64_t start_ns = 0;

	if ((f->from.relative || f->to.relative) && !trace_facts_read(db, &facts, &err) &&
	    facts.first_ts_ns != VR_NO_VALUE)
		start_ns = facts.first_ts_ns;
	*from_ns = absolute_ns(&f->from, start_ns);
	*to_ns = absolute_ns(&f->to, start_ns);
	if (*from_ns != VR_NO_VALUE && *to_ns != VR_NO_VALUE && *from_ns > *to_ns) {
		cli_error("%s: --from is after --to", cmd);
		return 2;
	}
	return 0;
}

/* See cli.h. */
int cli_check_profile(const char *cmd, const char *name)
{
	if (!name || vgic_profile_find(name))
		return 0;
	cli_error("%s: unknown profile '%s'; see 'vgic-replay check --list-profiles'", cmd, name);
	return 2;
}
