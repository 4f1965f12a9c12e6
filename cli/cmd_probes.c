/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay probes`: print the tracefs kprobe definitions of the vGIC
 * snapshot probes for the running kernel (or a given BTF file), with
 * offsets computed from BTF, ready for /sys/kernel/tracing/kprobe_events;
 * or, with --filters, the event filters those probes need.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "../collector/capture/vgic_probes.h"
#include "cli.h"

static const char probes_usage[] =
	"Usage: vgic-replay probes [--btf FILE] [--gic 2|3|5] [--lrs N] [--filters]\n"
	"\n"
	"Print the kprobe_events lines that snapshot the vGIC list registers and\n"
	"control registers (group 'vgic': flush, sync, post, populate, deactivate\n"
	"and sgi where the kernel has them, queue_lpi for LPIs, and lpi_target\n"
	"for their ITS moves), with the\n"
	"offsets inside struct kvm_vcpu computed from BTF, so that plain ftrace or\n"
	"trace-cmd captures can be imported with their LR snapshots.\n"
	"Before 6.4 (no $arg1 in return probes) flush and post read the vcpu\n"
	"through the register kvm_arch_vcpu_ioctl_run keeps it in, found in the\n"
	"running kernel's code (/proc/kallsyms, /proc/kcore; not with --btf).\n"
	"\n"
	"Options:\n"
	"      --btf FILE  kernel BTF (default /sys/kernel/btf/vmlinux)\n"
	"      --gic N     host GIC CPU interface: 3 (default) or 2; 5 for a native\n"
	"                  GICv5 VM's PPI registers (struct vgic_v5_cpu_if, 7.1+:\n"
	"                  VMCR, APR, DVIR, ACTIVER, ENABLER, PRIORITYR; PENDR is\n"
	"                  per-CPU and out of a kprobe's reach, see the comment line)\n"
	"      --lrs N     list registers to record (default 4; GICv3 has up to 16)\n"
	"      --filters   print instead the event filters the probes need, one\n"
	"                  'EVENT FILTER' line each, for events/vgic/EVENT/filter\n"
	"                  (queue_lpi fires for every injection: 'intid >= 8192')\n"
	"  -h, --help      show this help\n"
	"\n"
	"Example (as root, on the arm64 host):\n"
	"  cd /sys/kernel/tracing\n"
	"  vgic-replay probes >> kprobe_events\n"
	"  vgic-replay probes --filters | while read -r e f; do\n"
	"          echo \"$f\" > events/vgic/$e/filter; done\n"
	"  echo 1 > events/vgic/enable\n";

/* Parse options, resolve offsets, print the definitions. */
int cmd_probes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"btf", required_argument, NULL, 'b'},
		{"gic", required_argument, NULL, 'g'},
		{"lrs", required_argument, NULL, 'l'},
		{"filters", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vgic_offsets o;
	struct vr_error err = {{0}};
	const char *btf = NULL;
	char buf[8192];
	long long gic = 3, lrs = 4;
	int c, filters = 0, n;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			btf = optarg;
			break;
		case 'g':
			if (cli_parse_integer("probes", "--gic", optarg, 2, 5, &gic))
				return 2;
			if (gic == 4)
				return cli_usage_error("probes", "--gic '4' is not 2, 3 or 5");
			break;
		case 'l':
			if (cli_parse_integer("probes", "--lrs", optarg, 1, 64, &lrs))
				return 2;
			break;
		case 'f':
			filters = 1;
			break;
		case 'h':
			fputs(probes_usage, stdout);
			return 0;
		default:
			return cli_option_error("probes", c, argv, longopts);
		}
	}
	if (optind != argc)
		return cli_usage_error("probes", "takes no arguments, only options");
	if (btf ? vgic_offsets_from_btf(btf, (int)gic, &o, &err)
		: vgic_offsets_for_running_kernel((int)gic, &o, &err)) {
		cli_error("%s", err.msg);
		return 1;
	}
	n = filters ? vgic_probe_filters(&o, buf, sizeof(buf))
		    : vgic_probe_definitions(&o, (int)lrs, buf, sizeof(buf));
	if (n < 0) {
		cli_error("probes: definitions too long");
		return 1;
	}
	fputs(buf, stdout);
	return 0;
}
