/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay record -o trace.db`: record the vGIC of a live arm64 KVM
 * host with the BPF collector or tracefs (collector/capture/record.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector/capture/record.h"
#include "cli.h"

static const char record_usage[] =
	"Usage: vgic-replay record [options] -o TRACE.db\n"
	"       vgic-replay record --check [--gic 2|3] [--no-snapshots]\n"
	"       vgic-replay record --finish TRACE.db\n"
	"\n"
	"Record the kvm interrupt tracepoints and snapshots of the vGIC list registers\n"
	"(at kvm_vgic_flush_hwstate's return, vgic_v[23]_fold_lr_state's entry and\n"
	"kvm_vgic_sync_hwstate's return, with the AP list) on this arm64 KVM host,\n"
	"with BPF (CO-RE, ring buffer), or with tracefs alone (--backend tracefs).\n"
	"Needs root and a kernel with BTF.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      trace database to write (required)\n"
	"  -f, --force            replace FILE if it exists\n"
	"      --pid PID          only this VMM process (refused unless it has KVM vCPUs)\n"
	"      --vcpu N           only vCPU N\n"
	"  -d, --duration SECS    stop after SECS seconds (default: Ctrl-C)\n"
	"      --max-size MB      stop when the file reaches MB megabytes\n"
	"      --events LIST      comma-separated subset of the tracepoints\n"
	"      --no-snapshots     tracepoints only (no LRs, no populate_lr)\n"
	"      --snapshots        LR and AP-list snapshots (the default)\n"
	"      --no-ap-list       no AP-list walk after sync\n"
	"      --gic 2|3          host GIC (default: from /proc/interrupts)\n"
	"      --buffer-size MB   BPF ring buffer size (default 8, power of two)\n"
	"      --backend bpf|tracefs  tracefs: no BPF; the same events through a tracefs\n"
	"                         instance of its own and kprobe events (offsets from BTF)\n"
	"      --lrs N            tracefs: list registers each snapshot reads (default 4)\n"
	"      --from-pipe FILE   tracefs: read a saved trace_pipe instead of the live one\n"
	"                         (offline use and tests; implies --backend tracefs)\n"
	"      --flight MB        flight recorder: keep only the last MB megabytes of records\n"
	"                         in memory; SIGUSR1 writes them to FILE-1.db, FILE-2.db, ...,\n"
	"                         Ctrl-C (or the end of --duration) to FILE; the part before a\n"
	"                         window is stored as a gap\n"
	"      --watch            with --flight: check the records as they arrive, with check's\n"
	"                         own checks; a finding writes the flight window to\n"
	"                         DIR/vgic-watch-HOST-TIME-KIND.db and one line to stderr\n"
	"      --watch-after SECS a dump waits SECS after its first finding, so that it holds\n"
	"                         what followed (default 2); findings meanwhile join it\n"
	"      --watch-interval SECS  at least SECS between dumps (default 60)\n"
	"      --watch-max-disk MB    all dumps in DIR together at most MB (default 256)\n"
	"      --watch-dir DIR    where dumps go (default: the directory of -o)\n"
	"      --watch-learn SECS the watcher learns the run (GIC, LRs, vCPUs, the guest's\n"
	"                         configuration) from its first SECS of records (default 1)\n"
	"      --syslog           each finding's line to syslog as well (daemon facility)\n"
	"      --metrics FILE     with --flight: write the counters (and --watch's) in the\n"
	"                         Prometheus text format to FILE every second, atomically\n"
	"                         (for node_exporter's textfile collector)\n"
	"      --from-trace TRACE play a stored trace's events into the flight recording as\n"
	"                         the collector's records instead of the live ring (to\n"
	"                         rehearse --watch offline, and tests; needs --flight)\n"
	"      --prog-stats       turn BPF statistics on and print each program's run count,\n"
	"                         run time and recursion misses at the end (costs two clock\n"
	"                         reads per run); with --watch, the watcher's CPU, lag,\n"
	"                         skipped records and memory\n"
	"      --check            load and attach every hook, print what was attached and\n"
	"                         what this kernel lacks, then stop (writes nothing)\n"
	"      --finish FILE      store the records a killed recording left in FILE.spool\n"
	"                         (the BPF backend spools them while it records and stores\n"
	"                         them in FILE when it stops)\n"
	"  -v, --verbose          libbpf messages, every attached hook, and how far the\n"
	"                         writer fell behind\n"
	"  -h, --help             show this help\n"
	"\n"
	"Drops are never silent: failed ring buffer reservations are counted per\n"
	"probe and CPU and stored as gaps with their time window.\n"
	"\n"
	"Examples:\n"
	"  vgic-replay record --pid $(pidof qemu-system-aarch64) -d 30 -o trace.db\n"
	"  vgic-replay record --flight 64 -o /var/tmp/vgic.db &   # then, at a complaint:\n"
	"  kill -USR1 %1                                          # /var/tmp/vgic-1.db\n"
	"  vgic-replay record --flight 64 --watch --metrics /var/lib/node-exporter/vgic.prom \\\n"
	"      -o /var/lib/vgic-replay/flight.db\n";

/* Does this recording go through the tracefs backend (--backend tracefs, --from-pipe)? */
static int on_tracefs(const struct record_options *opt)
{
	return opt->backend && !strcmp(opt->backend, "tracefs");
}

/* record --finish FILE: store what a killed recording spooled; alone on its command line. */
static int finish_recording(int argc, const char *path)
{
	struct record_stats st;
	struct vr_error err = {{0}};

	if (optind != argc || argc != 3) {
		cli_error("record: --finish FILE takes no other options or arguments");
		return 2;
	}
	if (vr_record_finish(path, &st, &err)) {
		cli_error("%s", err.msg);
		return 1;
	}
	cli_store_summaries("record", path, 0);
	printf("%s: %lld events (%lld snapshots, %lld AP-list walks) stored from %s.spool, "
	       "%.1f MB",
	       path, (long long)st.events, (long long)st.snapshots, (long long)st.ap_lists, path,
	       st.bytes / 1048576.0);
	if (st.spool_torn)
		printf("; its last %lld bytes, a record cut short by the kill, left out",
		       (long long)st.spool_torn);
	printf("\n");
	return 0;
}

/* The long options without a letter, after every letter. */
enum record_option {
	RECORD_OPT_PID = 0x200,
	RECORD_OPT_WATCH,
	RECORD_OPT_WATCH_AFTER,
	RECORD_OPT_WATCH_INTERVAL,
	RECORD_OPT_WATCH_MAX_DISK,
	RECORD_OPT_WATCH_DIR,
	RECORD_OPT_WATCH_LEARN,
	RECORD_OPT_SYSLOG,
	RECORD_OPT_METRICS,
	RECORD_OPT_FROM_TRACE,
};

/* --watch's valued options; 0, or 2 after an error line. */
static int watch_option(int c, const char *arg, struct record_options *opt)
{
	double v;

	switch (c) {
	case RECORD_OPT_WATCH_AFTER:
		return cli_parse_number("record", "--watch-after", arg, 0, 3600, "seconds",
					&opt->watch_after);
	case RECORD_OPT_WATCH_INTERVAL:
		return cli_parse_number("record", "--watch-interval", arg, 0, 86400 * 7, "seconds",
					&opt->watch_interval);
	case RECORD_OPT_WATCH_LEARN:
		return cli_parse_number("record", "--watch-learn", arg, 0, 3600, "seconds",
					&opt->watch_learn);
	case RECORD_OPT_WATCH_MAX_DISK:
		if (cli_parse_number("record", "--watch-max-disk", arg, 0, 1 << 24, "MB", &v))
			return 2;
		opt->watch_max_disk = (int64_t)(v * 1048576);
		return 0;
	default:
		return 0;
	}
}

/*
 * An option that takes a checked value (pid, vCPU, GIC, sizes, backend,
 * LRs, times); 0, or 2 after an error line. Kept apart from the plain
 * flags so that each rule reads on its own.
 */
static int valued_option(int c, const char *arg, struct record_options *opt)
{
	long long n;
	double v;

	switch (c) {
	case RECORD_OPT_PID:
		if (cli_parse_integer("record", "--pid", arg, 1, 4194304, &n))
			return 2; /* PID_MAX_LIMIT */
		opt->pid = (pid_t)n;
		return 0;
	case CLI_OPT_VCPU: {
		struct cli_filters only; /* parsed as the readers' --vcpu is */

		cli_filters_init(&only);
		if (cli_filters_option("record", c, arg, &only))
			return 2;
		opt->vcpu = (int)only.vcpu;
		return 0;
	}
	case 'g':
		if (cli_parse_integer("record", "--gic", arg, 2, 3, &n))
			return 2;
		opt->gic_version = (int)n;
		return 0;
	case 'b':
		if (cli_parse_integer("record", "--buffer-size", arg, 1, 4096, &n))
			return 2;
		if (n & (n - 1))
			return cli_error("record: --buffer-size '%s' is not a power of two (MB)",
					 arg),
			       2;
		opt->ring_bytes = (size_t)n << 20;
		return 0;
	case 'B':
		if (!vr_record_backend_exists(arg) || !strcmp(arg, "trace"))
			return cli_error("record: --backend must be bpf or tracefs"), 2;
		if (!on_tracefs(opt)) /* tracefs, once named or implied, stays */
			opt->backend = arg;
		return 0;
	case 'L':
		if (cli_parse_integer("record", "--lrs", arg, 1, 64, &n))
			return 2;
		opt->tracefs_lrs = (int)n;
		return 0;
	case 'F':
		if (cli_parse_number("record", "--flight", arg, 0, 1 << 20, "MB", &v))
			return 2;
		opt->flight_bytes = (size_t)(v * 1048576);
		if (opt->flight_bytes < 65536)
			return cli_error("record: --flight needs at least 0.0625 MB (64 KiB)"), 2;
		return 0;
	case 'M':
		if (cli_parse_number("record", "--max-size", arg, 0, 1 << 30, "MB", &v))
			return 2;
		opt->max_size = (int64_t)(v * 1048576);
		return 0;
	case 'd':
		return cli_parse_number("record", "--duration", arg, 0, 1e9, "seconds",
					&opt->duration);
	default:
		return 0;
	}
}

/*
 * The options that only set a field (a flag, a path, an event list):
 * 1 when c was one of them, 0 to let the caller handle it. Kept apart
 * from the options that parse a value, which can fail.
 */
static int setting_option(int c, char *arg, struct record_options *opt, int *no_aplist)
{
	switch (c) {
	case 'o':
		opt->output = arg;
		return 1;
	case 'f':
		opt->force = 1;
		return 1;
	case 'e':
		opt->events = arg;
		return 1;
	case 'S':
		opt->snapshots = opt->aplist = 0;
		return 1;
	case 's':
		opt->snapshots = 1;
		opt->aplist = !*no_aplist;
		return 1;
	case 'A':
		opt->aplist = 0;
		*no_aplist = 1;
		return 1;
	case 'C':
		opt->check = 1;
		return 1;
	case 'Z':
		opt->finish = arg;
		return 1;
	case 'I':
		opt->tracefs_input = arg;
		opt->backend = "tracefs";
		return 1;
	case 'P':
		opt->prog_stats = 1;
		return 1;
	case RECORD_OPT_WATCH:
		opt->watch = 1;
		return 1;
	case RECORD_OPT_WATCH_DIR:
		opt->watch_dir = arg;
		return 1;
	case RECORD_OPT_SYSLOG:
		opt->use_syslog = 1;
		return 1;
	case RECORD_OPT_METRICS:
		opt->metrics = arg;
		return 1;
	case RECORD_OPT_FROM_TRACE:
		opt->trace_input = arg;
		opt->backend = "trace";
		return 1;
	case 'v':
		opt->verbose = 1;
		return 1;
	default:
		return 0;
	}
}

/*
 * Parse record's command line into opt; -1 to go on, else the exit
 * status (--help, --finish done, a usage error).
 */
static int parse_record_args(int argc, char **argv, struct record_options *opt)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},  {"force", no_argument, NULL, 'f'},
		{"pid", required_argument, NULL, RECORD_OPT_PID},
		{"vcpu", required_argument, NULL, CLI_OPT_VCPU},
		{"duration", required_argument, NULL, 'd'}, {"max-size", required_argument, NULL, 'M'},
		{"events", required_argument, NULL, 'e'},  {"no-snapshots", no_argument, NULL, 'S'},
		{"snapshots", no_argument, NULL, 's'},	   {"no-ap-list", no_argument, NULL, 'A'},
		{"gic", required_argument, NULL, 'g'},	   {"buffer-size", required_argument, NULL, 'b'},
		{"verbose", no_argument, NULL, 'v'},	   {"help", no_argument, NULL, 'h'},
		{"flight", required_argument, NULL, 'F'},  {"backend", required_argument, NULL, 'B'},
		{"lrs", required_argument, NULL, 'L'},	   {"from-pipe", required_argument, NULL, 'I'},
		{"prog-stats", no_argument, NULL, 'P'},	   {"check", no_argument, NULL, 'C'},
		{"finish", required_argument, NULL, 'Z'},
		{"watch", no_argument, NULL, RECORD_OPT_WATCH},
		{"watch-after", required_argument, NULL, RECORD_OPT_WATCH_AFTER},
		{"watch-interval", required_argument, NULL, RECORD_OPT_WATCH_INTERVAL},
		{"watch-max-disk", required_argument, NULL, RECORD_OPT_WATCH_MAX_DISK},
		{"watch-dir", required_argument, NULL, RECORD_OPT_WATCH_DIR},
		{"watch-learn", required_argument, NULL, RECORD_OPT_WATCH_LEARN},
		{"syslog", no_argument, NULL, RECORD_OPT_SYSLOG},
		{"metrics", required_argument, NULL, RECORD_OPT_METRICS},
		{"from-trace", required_argument, NULL, RECORD_OPT_FROM_TRACE},
		{NULL, 0, NULL, 0},
	};
	int c, no_aplist = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:fd:vh", longopts, NULL)) != -1) {
		switch (c) {
		case RECORD_OPT_WATCH_AFTER: case RECORD_OPT_WATCH_INTERVAL:
		case RECORD_OPT_WATCH_MAX_DISK: case RECORD_OPT_WATCH_LEARN:
			if (watch_option(c, optarg, opt))
				return 2;
			break;
		case 'g': case 'b': case 'B': case 'L': case 'F': case 'M': case 'd':
		case RECORD_OPT_PID: case CLI_OPT_VCPU:
			if (valued_option(c, optarg, opt))
				return 2;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 0;
		default:
			if (!setting_option(c, optarg, opt, &no_aplist))
				return cli_option_error("record", c, argv, longopts);
		}
	}
	if (opt->finish)
		return finish_recording(argc, opt->finish);
	return -1;
}

/* Options that do not go together; 0, or 2 after an error line. */
static int check_combinations(int argc, const struct record_options *opt)
{
	if (optind != argc || (!opt->output && !opt->check))
		return cli_usage_error("record", "need -o TRACE.db and no other arguments");
	if (opt->check && (opt->output || on_tracefs(opt) || opt->flight_bytes))
		return cli_error("record: --check writes nothing and checks the BPF backend: no -o, "
				 "--backend tracefs or --flight with it"),
		       2;
	if ((opt->watch || opt->metrics || opt->trace_input) && !opt->flight_bytes)
		return cli_error("record: --watch, --metrics and --from-trace need --flight MB"), 2;
	if (opt->trace_input && (strcmp(opt->backend, "trace") || opt->pid || opt->vcpu >= 0))
		return cli_error("record: --from-trace plays a stored trace: no --backend tracefs, "
				 "--pid or --vcpu with it"),
		       2;
	if ((opt->watch_dir || opt->use_syslog) && !opt->watch)
		return cli_error("record: --watch-dir and --syslog go with --watch"), 2;
	if (opt->flight_bytes && opt->max_size)
		return cli_error("record: --max-size does not apply to --flight (its window is "
				 "already bounded in memory)"),
		       2;
	return 0;
}

/* What record --check found out about this host; the exit status. */
static int print_host_check(const struct record_stats *st)
{
	if (st->essential_missing) {
		printf("record: this host cannot record LR snapshots: %d hooks attached, "
		       "%d missing (%d of them needed)\n",
		       st->hooks_attached, st->hooks_missing, st->essential_missing);
		return 1;
	}
	if (st->hooks_missing)
		printf("record: this host can record: %d hooks attached, %d missing (the "
		       "replay does without them)\n",
		       st->hooks_attached, st->hooks_missing);
	else
		printf("record: this host can record: %d hooks attached, none missing\n",
		       st->hooks_attached);
	return 0;
}

/* "(N of them recursion misses)" when programs re-entered on a CPU lost events, else "". */
static const char *recursion_note(const struct record_stats *st)
{
	static char note[64];

	if (!st->drops_recursion)
		return "";
	snprintf(note, sizeof(note), " (%lld of them recursion misses)",
		 (long long)st->drops_recursion);
	return note;
}

/* The one line a finished recording prints, by mode. */
static void print_recorded(const struct record_options *opt, const struct record_stats *st)
{
	if (opt->flight_bytes)
		printf("%s: the last window, %lld events (%lld snapshots, %lld AP-list walks), "
		       "%.1f MB, after %.1f s; %lld earlier records stored as a gap, dropped %lld "
		       "in BPF%s\n",
		       opt->output, (long long)st->events, (long long)st->snapshots,
		       (long long)st->ap_lists, st->bytes / 1048576.0, st->seconds,
		       (long long)st->drops_user, (long long)st->drops_bpf, recursion_note(st));
	else if (on_tracefs(opt))
		printf("%s: %lld events (%lld snapshots; no AP-list walks through tracefs) in %.1f s, "
		       "%.1f MB; lost %lld in the ftrace buffer\n",
		       opt->output, (long long)st->events, (long long)st->snapshots, st->seconds,
		       st->bytes / 1048576.0, (long long)st->drops_bpf);
	else
		printf("%s: %lld events (%lld snapshots, %lld AP-list walks) in %.1f s, %.1f MB, "
		       "stored in %.1f s after the stop; dropped %lld in BPF%s, %lld in user space\n",
		       opt->output, (long long)st->events, (long long)st->snapshots,
		       (long long)st->ap_lists, st->seconds, st->bytes / 1048576.0, st->store_seconds,
		       (long long)st->drops_bpf, recursion_note(st), (long long)st->drops_user);
}

/* Run the record command. */
int cmd_record(int argc, char **argv)
{
	struct record_options opt = {0};
	struct record_stats st;
	struct vr_error err = {{0}};
	char cmdline[1024] = "";
	int rc;

	opt.vcpu = -1;
	opt.snapshots = 1;
	opt.aplist = 1;
	opt.ring_bytes = 8u << 20;
	opt.tracefs_lrs = 4;
	opt.watch_after = 2;
	opt.watch_interval = 60;
	opt.watch_max_disk = (int64_t)256 << 20;
	opt.watch_learn = 1;
	rc = parse_record_args(argc, argv, &opt);
	if (rc >= 0)
		return rc;
	if (check_combinations(argc, &opt))
		return 2;
	if (opt.pid && vr_record_check_vmm(opt.pid, &err)) {
		cli_error("record: %s", err.msg); /* before anything is loaded or attached */
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(cmdline);

		snprintf(cmdline + n, sizeof(cmdline) - n, "%s%s", i ? " " : "", argv[i]);
	}
	opt.command_line = cmdline;
	if (vr_record(&opt, &st, &err)) {
		cli_error("%s", err.msg);
		return 1;
	}
	if (opt.check)
		return print_host_check(&st);
	cli_store_summaries("record", opt.output, 0);
	print_recorded(&opt, &st);
	return 0;
}
