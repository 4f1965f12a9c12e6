/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `vgic-replay` command line: one function per subcommand, in the
 * style of git, perf and trace-cmd. Each takes the arguments after the
 * subcommand name (argv[0] is the subcommand) and returns the exit code.
 *
 * Below them, the helpers every subcommand parses its arguments with
 * (cli_args.c), so that a number, a time, an unknown option or a missing
 * argument is taken, refused and worded the same way in every command.
 */
#ifndef VR_CLI_H
#define VR_CLI_H

#include <getopt.h>
#include <stdint.h>

/* The paragraph of --help on TRACE, for every command that reads a trace. */
#define CLI_TRACE_HELP                                                                    \
	"TRACE is a trace database or a capture: ftrace text or a trace.dat, plain or\n"  \
	"compressed with xz, gzip or zstd, or - for standard input. A capture is\n"      \
	"imported into .NAME.vgic-replay.db beside it and read from there while it is\n" \
	"unchanged, or into a temporary file when its directory cannot be written.\n"

int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_top(int argc, char **argv);

/* Print "vgic-replay: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);

/*
 * A usage error of command cmd: one line, "vgic-replay: CMD: <msg>; see
 * 'vgic-replay CMD --help'", instead of the whole usage. Returns 2, the
 * exit status of every usage error.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The usage error getopt_long() just reported by returning '?' or ':'
 * (called with opterr = 0 and an option string starting with ':'): an
 * unknown option, a missing argument or an argument given to an option
 * that takes none, worded as cli_usage_error() words it. Returns 2.
 */
int cli_option_error(const char *cmd, int c, char **argv, const struct option *longopts);

/*
 * The one TRACE argument of a command that reads a trace: the
 * arguments from optind on must be exactly one. 0, or 2 after one line
 * and a hint (none given, or more than one).
 */
int cli_one_trace(const char *cmd, int argc);

/*
 * Parse arg, the value of option (its name as the user wrote it, e.g.
 * "--vcpu"), as a whole decimal integer from min to max: no sign unless
 * min < 0, no blanks, no trailing text, no overflow. 0, or 2 after one
 * error line naming the option.
 */
int cli_parse_integer(const char *cmd, const char *option, const char *arg, long long min,
		      long long max, long long *out);

/*
 * Parse arg as a whole decimal number (a fraction allowed) above min and at
 * most max, in unit (for the message: "seconds", "MB"). 0, or 2 after one
 * error line naming the option.
 */
int cli_parse_number(const char *cmd, const char *option, const char *arg, double min, double max,
		     const char *unit, double *out);

/*
 * A --from or --to time as given: absolute nanoseconds of the trace
 * clock, or an offset from the trace's first event ("+1.5s": '+', a
 * number and a unit, s, ms, us or ns; the unit is required).
 */
struct cli_time {
	int given;
	int relative;
	int64_t ns;
};

/* Parse a --from/--to time into out; 0, or 2 after one error line naming the option. */
int cli_parse_time(const char *cmd, const char *option, const char *arg, struct cli_time *out);

/* The long options' values of the filters (after every letter, so that none collides). */
enum cli_filter_option {
	CLI_OPT_VCPU = 0x100,
	CLI_OPT_INTID,
	CLI_OPT_FROM,
	CLI_OPT_TO,
};

/*
 * The filters check, report, predict and tui share: --vcpu N, --intid N,
 * --from T, --to T, parsed the same way by each.
 */
struct cli_filters {
	int64_t vcpu;  /* VR_NO_VALUE: every vCPU */
	int64_t intid; /* VR_NO_VALUE: every INTID */
	struct cli_time from, to;
};

/* The filters' rows of a command's getopt_long() table. */
#define CLI_FILTER_LONGOPTS                                                              \
	{"vcpu", required_argument, NULL, CLI_OPT_VCPU},                                 \
	{"intid", required_argument, NULL, CLI_OPT_INTID},                               \
	{"from", required_argument, NULL, CLI_OPT_FROM},                                 \
	{"to", required_argument, NULL, CLI_OPT_TO}

/* The case labels of a filter option, for cli_filters_option(). */
#define CLI_FILTER_CASES                                                           \
	case CLI_OPT_VCPU:                                                         \
	case CLI_OPT_INTID:                                                        \
	case CLI_OPT_FROM:                                                         \
	case CLI_OPT_TO

/* No filter: the whole trace. */
void cli_filters_init(struct cli_filters *f);

/*
 * Take one filter option (c is its CLI_OPT_* value) into f; 0, or 2 after
 * one error line naming the option.
 */
int cli_filters_option(const char *cmd, int c, const char *arg, struct cli_filters *f);

struct tracedb;

/*
 * The filter's window in absolute nanoseconds (VR_NO_VALUE where not
 * given), a relative time counted from the first event of db. 0, or 2
 * after one error line when --from is after --to.
 */
int cli_filters_window(const char *cmd, const struct cli_filters *f, struct tracedb *db,
		       int64_t *from_ns, int64_t *to_ns);

/*
 * The trace database to open for arg, the TRACE argument of a command
 * that reads a trace (cli_capture.c): arg itself when it is a trace
 * database (SQLite's magic) or cannot be opened (the command then says
 * why); else arg is a capture (ftrace text, trace.dat, plain or
 * compressed; "-": standard input), imported into its cache beside it,
 * .NAME.vgic-replay.db, reused while the capture is unchanged, or into
 * a temporary file removed at exit. Unless quiet, a line on stderr says
 * which. NULL after one error line naming arg.
 */
const char *cli_trace_path(const char *arg, int quiet);

struct tracedb;

/*
 * Open the trace arg names for reading (a trace database, or a capture
 * through cli_trace_path()); NULL after one error line.
 */
struct tracedb *cli_open_trace(const char *arg, int quiet);

/* Is arg a capture rather than a trace database (what cli_trace_path() imports)? */
int cli_is_capture(const char *arg);

struct import_options;
struct import_result;

/*
 * Warn of what an import stored that the user may not expect (no kvm
 * event at all, time running backwards), as `import` words it.
 */
void cli_import_warnings(const struct import_options *opt, const struct import_result *res);

/*
 * Store the TUI's per-zoom summaries in the trace at path that cmd (import,
 * record, a capture's cache) has just written, so that no reader ever has
 * to write them later. They are a cache: a failure is one warning line,
 * not a failed command. Progress on a terminal unless quiet.
 */
void cli_store_summaries(const char *cmd, const char *path, int quiet);

/* A --profile NAME that is a profile (or NULL); 0, or 2 after one error line. */
int cli_check_profile(const char *cmd, const char *name);

#endif
