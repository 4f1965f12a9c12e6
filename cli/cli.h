/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `vgic-replay` command line: one function per subcommand, in the
 * style of git, perf and trace-cmd. Each takes the arguments after the
 * subcommand name (argv[0] is the subcommand) and returns the exit code.
 */
#ifndef VR_CLI_H
#define VR_CLI_H

int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_tui(int argc, char **argv);

/* Print "vgic-replay: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);

#endif
