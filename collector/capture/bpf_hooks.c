/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF collector's loading (bpf_hooks.h): the table of its hooks, the
 * choice of fentry/fexit or kprobe programs for them from the kernel's
 * BTF, the parameters set between open and load (const volatile rodata,
 * so that filtering costs nothing when off), and what is said about it.
 */
#define _GNU_SOURCE
#include "bpf_hooks.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgic.h"
#include "vgic_probes.h"
#include "vgic.skel.h"

static int libbpf_verbose;

/*
 * libbpf's messages: everything with -v; otherwise warnings only, and of a
 * verifier log just the line that says why (a CO-RE relocation that does
 * not resolve, for instance), not the whole listing.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1 << 14], *why;

	if (libbpf_verbose)
		return vfprintf(stderr, fmt, ap);
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!strstr(buf, "PROG LOAD LOG"))
		return fputs(buf, stderr);
	why = strstr(buf, "failed to resolve CO-RE relocation");
	if (why) {
		char *end = strchr(why, '\n');

		if (end)
			*end = '\0';
		fprintf(stderr, "libbpf: %s\n", why);
	}
	return 0;
}

/* Effective capabilities of this process (CapEff of /proc/self/status); 0 if unreadable. */
static uint64_t effective_caps(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps;
}

/*
 * See bpf_hooks.h. Since 5.8 CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN as
 * before (kernel/bpf/syscall.c, bpf_capable() and perfmon_capable()). A
 * root process without them is in a container, most likely.
 */
int hooks_may_load(struct vr_error *err)
{
	uint64_t caps = effective_caps();

	if ((caps >> 21 & 1) || ((caps >> 39 & 1) && (caps >> 38 & 1)))
		return 0;
	if (geteuid() == 0)
		return vr_error_set(err, "record needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load "
					 "BPF, which this root process lacks (a container?): grant "
					 "them, or use --backend tracefs");
	return vr_error_set(err, "record needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load "
				 "BPF: run it as root (uid %d now), or use --backend tracefs",
			    (int)geteuid());
}

/* Does the kernel's BTF have a function (or a tracepoint) of this name? */
static int btf_has(const struct btf *vmlinux, const char *name, int tracepoint)
{
	char buf[128];

	if (!tracepoint)
		return btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) >= 0;
	snprintf(buf, sizeof(buf), "btf_trace_%s", name);
	return btf__find_by_name_kind(vmlinux, buf, BTF_KIND_TYPEDEF) >= 0;
}

/*
 * Is name a kprobe-able symbol of the running kernel (/proc/kallsyms)? For
 * the functions BTF may lack although the kernel has them.
 */
static int kallsyms_has(const char *name)
{
	char line[512], sym[256], type;
	FILE *f = fopen("/proc/kallsyms", "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %c %255s", &type, sym) == 2 &&
			(type == 't' || type == 'T') && !strcmp(sym, name);
	if (f)
		fclose(f);
	return found;
}

/*
 * Attach the lpi_target pair (vgic.bpf.c) to update_affinity's symbol,
 * which no section can name: the skeleton frees the links with the rest.
 * A kernel without the symbol, or one that refuses the kprobes, goes on
 * without LPI moves, said on stderr.
 */
static void attach_lpi_target(struct vgic_bpf *s, const char *sym, struct record_stats *st,
			      const struct record_options *opt)
{
	struct bpf_link *in = bpf_program__attach_kprobe(s->progs.kp_lpi_target_entry, false, sym);
	struct bpf_link *out =
	    in ? bpf_program__attach_kprobe(s->progs.kp_lpi_target_return, true, sym) : NULL;

	if (!in || !out) {
		bpf_link__destroy(in);
		st->hooks_missing++;
		fprintf(stderr, "record: cannot attach kprobes to %s (LPI moves not recorded)\n", sym);
		return;
	}
	s->links.kp_lpi_target_entry = in;
	s->links.kp_lpi_target_return = out;
	st->hooks_attached++;
	if (opt->verbose || opt->check)
		fprintf(stderr, "record: attached kprobe %s (LPI targets)\n", sym);
}

/* See bpf_hooks.h. Said on stderr once, so that no one takes the recording for a real one. */
int hooks_plant_asked(void)
{
	static int asked = -1;
	const char *v = getenv("VR_TEST_PLANT_MISS");
	int n = v ? atoi(v) : 0;

	if (asked >= 0)
		return asked;
	asked = n > 0 ? n : 0;
	if (n <= 0)
		return 0;
	fprintf(stderr, "record: VR_TEST_PLANT_MISS=%d (a test's knob): %d recursion misses "
			"planted in kp_plant, this recording is a test's\n",
		n, n);
	return n;
}

/* The planted program's kprobe (vgic.bpf.c, kp_plant): reached only from bpf(2) updates. */
static void attach_plant(struct vgic_bpf *s)
{
	s->links.kp_plant = bpf_program__attach_kprobe(s->progs.kp_plant, false,
						       "bpf_percpu_array_update");
	if (!s->links.kp_plant)
		fprintf(stderr, "record: VR_TEST_PLANT_MISS: cannot attach kp_plant to "
				"bpf_percpu_array_update (%s): nothing planted\n",
			strerror(errno));
}

/*
 * See bpf_hooks.h. Each bpf(2) update of the per-CPU array runs
 * bpf_percpu_array_update() under bpf_prog_active (bpf_map_update_value()
 * in kernel/bpf/syscall.c), so the kernel skips kp_plant there and counts
 * a recursion miss (trace_call_bpf(), 6.7 and later).
 */
int hooks_plant_misses(const struct vgic_bpf *s, int n)
{
	int ncpu = libbpf_num_possible_cpus(), i, done = 0;
	__u64 *v;
	__u32 zero = 0;

	if (!s->links.kp_plant || ncpu <= 0)
		return 0;
	v = vr_xcalloc((size_t)ncpu, sizeof(*v));
	for (i = 0; i < n; i++)
		done += !bpf_map__update_elem(s->maps.plant, &zero, sizeof(zero), v,
					      (size_t)ncpu * sizeof(*v), BPF_ANY);
	free(v);
	return done;
}

/* See bpf_hooks.h. libbpf's own complaint about a missing BTF is left out: ours says more. */
struct btf *hooks_kernel_btf(struct vr_error *err)
{
	struct btf *vmlinux;

	libbpf_set_print(NULL);
	vmlinux = btf__load_vmlinux_btf();
	libbpf_set_print(libbpf_print);
	if (!vmlinux) {
		vr_error_set(err, "this kernel has no BTF (/sys/kernel/btf/vmlinux; "
				  "CONFIG_DEBUG_INFO_BTF=y is required)");
		return NULL;
	}
	if (!btf_has(vmlinux, "kvm_vgic_flush_hwstate", 0)) {
		btf__free(vmlinux);
		vr_error_set(err, "this kernel has no KVM vGIC (kvm_vgic_flush_hwstate is "
				  "not in its BTF): not an arm64 KVM host");
		return NULL;
	}
	return vmlinux;
}

/*
 * Records each CPU submits between wake-ups of this process: together
 * about a quarter of the ring (records average about 128 bytes), so that a
 * burst on every CPU at once still leaves room while we are woken.
 */
static __u32 wakeup_every(size_t ring_bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t every = ring_bytes / 4 / 128 / (size_t)(ncpu > 0 ? ncpu : 1);

	return every < 64 ? 64 : (__u32)every;
}

/* Is name in the comma-separated list (NULL list: everything)? */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* One probe of the skeleton: its program(s) and what it hooks. */
struct hook {
	struct bpf_program *fentry, *kprobe, *kprobe_entry;
	struct bpf_program *twin; /* loaded with fentry: runs where the first one is skipped */
	const char *function;
	int tracepoint;
	int wanted;
	int present;
	int essential; /* without it the replay has no LRs to compare (--check fails) */
	int by_symbol; /* may be attached by kprobe where BTF lacks it but kallsyms has it */
	int kprobe_only; /* this kernel: BTF lacks it, so its kprobe is attached */
	int vm_filter;	 /* a VM context hook: wanted with --pid only (vgic.bpf.c, the VM filter) */
	int kind;	 /* the kind whose absence means none happened that it records, or 0 */
};

/* The hook table for this skeleton and GIC version. */
static int hook_table(struct vgic_bpf *s, int gic, struct hook *h)
{
	int n = 0;
#define TP(prog, name) h[n++] = (struct hook){s->progs.prog, NULL, NULL, NULL, name, 1, 1, 0, 0, 0, 0, 0, 0}
#define FN(fe, kp, kpe, name) \
	h[n++] = (struct hook){s->progs.fe, s->progs.kp, kpe, NULL, name, 0, 1, 0, 0, 0, 0, 0, 0}
#define CTX(fe, kp, name) \
	h[n++] = (struct hook){s->progs.fe, s->progs.kp, NULL, NULL, name, 0, 1, 0, 0, 0, 0, 1, 0}
#define ESSENTIAL h[n - 1].essential = 1
#define RECORDS(k) h[n - 1].kind = (k)
	TP(tp_irq_pending, "vgic_update_irq_pending");
	h[n - 1].twin = s->progs.tp_irq_pending_nested;
	TP(tp_irq_line, "kvm_irq_line");
	TP(tp_set_irq, "kvm_set_irq");
	TP(tp_ack_irq, "kvm_ack_irq");
	TP(tp_entry, "kvm_entry");
	ESSENTIAL;
	TP(tp_exit, "kvm_exit");
	ESSENTIAL;
	TP(tp_wakeup, "kvm_vcpu_wakeup");
	TP(tp_wfx, "kvm_wfx_arm64");
	TP(tp_timer_irq, "kvm_timer_update_irq");
	TP(tp_userspace_exit, "kvm_userspace_exit");
	TP(tp_mmio, "kvm_mmio");
	FN(fexit_flush, kp_flush_return, s->progs.kp_flush_entry, "kvm_vgic_flush_hwstate");
	ESSENTIAL;
	FN(fexit_sync, kp_sync_return, s->progs.kp_sync_entry, "kvm_vgic_sync_hwstate");
	ESSENTIAL;
	RECORDS(VR_EV_POST);
	if (gic == 2) {
		FN(fentry_fold_v2, kp_fold_v2, NULL, "vgic_v2_fold_lr_state");
		ESSENTIAL;
		FN(fentry_populate_v2, kp_populate_v2, NULL, "vgic_v2_populate_lr");
		FN(fentry_deactivate_v2, kp_deactivate_v2, NULL, "vgic_v2_deactivate");
		RECORDS(VR_EV_DEACTIVATE);
	} else {
		FN(fentry_fold_v3, kp_fold_v3, NULL, "vgic_v3_fold_lr_state");
		ESSENTIAL;
		FN(fentry_populate_v3, kp_populate_v3, NULL, "vgic_v3_populate_lr");
		FN(fentry_deactivate_v3, kp_deactivate_v3, NULL, "vgic_v3_deactivate");
		RECORDS(VR_EV_DEACTIVATE);
	}
	/* The guest's GIC model, not the host's, decides which SGI path runs. */
	FN(fentry_sgi_v3, kp_sgi_v3, NULL, "vgic_v3_dispatch_sgi");
	RECORDS(VR_EV_SGI);
	FN(fentry_sgi_v2, kp_sgi_v2, NULL, "vgic_mmio_write_sgir");
	RECORDS(VR_EV_SGI);
	/* LPIs (ITS MSIs, irqfd): 7.2's BTF lacks the function (GCC splits it), kallsyms has it. */
	FN(fentry_queue_lpi, kp_queue_lpi, NULL, "vgic_queue_irq_unlock");
	h[n - 1].by_symbol = 1;
	RECORDS(VR_EV_LPI_QUEUE);
	/* --pid: the struct kvm of injections raised outside the VMM's threads */
	CTX(fentry_ctx_inject, kp_ctx_inject, "kvm_vgic_inject_irq");
	h[n - 1].twin = s->progs.fentry_ctx_inject_twin;
	CTX(fentry_ctx_set_irq, kp_ctx_set_irq, "kvm_set_irq");
	h[n - 1].twin = s->progs.fentry_ctx_set_irq_twin;
	/* the arch timer's hrtimer, in a hard interrupt of any task */
	TP(tp_ctx_hrtimer, "kvm_timer_hrtimer_expire");
	h[n - 1].vm_filter = 1;
#undef TP
#undef FN
#undef CTX
#undef ESSENTIAL
#undef RECORDS
	return n;
}

/*
 * Open the skeleton and set what filters and paces it (rodata) and the
 * ring's size, with every program off: the chosen ones are switched on.
 */
static struct vgic_bpf *open_collector(const struct record_options *opt, int gic,
				       struct vr_error *err)
{
	struct vgic_bpf *s = vgic_bpf__open();
	struct bpf_program *p;

	if (!s) {
		vr_error_set(err, "cannot open the BPF collector: %s", strerror(errno));
		return NULL;
	}
	s->rodata->targ_tgid = (__u32)opt->pid;
	s->rodata->targ_vcpu = opt->vcpu;
	s->rodata->gic_version = gic;
	s->rodata->snapshots = opt->snapshots;
	s->rodata->aplist = opt->aplist;
	s->rodata->wakeup_every = wakeup_every(opt->ring_bytes);
	bpf_map__set_max_entries(s->maps.rb, (__u32)opt->ring_bytes);
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, false);
	return s;
}

/*
 * Mark each hook wanted (a tracepoint --events lists, or any function
 * while snapshots are on) and present (in the kernel's BTF), and switch
 * on the programs of those that are both: fentry/fexit or tracepoint
 * programs, or the kprobes (and their entry halves) for functions.
 */
static void choose_programs(struct hook *hooks, int n, const struct record_options *opt,
			    const struct btf *vmlinux, int use_kprobes)
{
	int i;

	for (i = 0; i < n; i++) {
		struct hook *h = &hooks[i];

		h->present = btf_has(vmlinux, h->function, h->tracepoint);
		h->wanted = h->vm_filter    ? opt->pid != 0
			    : h->tracepoint ? listed(opt->events, h->function)
					    : opt->snapshots;
		if (h->wanted && !h->present && h->by_symbol)
			h->present = h->kprobe_only = kallsyms_has(h->function);
		if (!h->wanted || !h->present)
			continue;
		if ((!use_kprobes || h->tracepoint) && !h->kprobe_only) {
			bpf_program__set_autoload(h->fentry, true);
			if (h->twin)
				bpf_program__set_autoload(h->twin, true);
		} else {
			bpf_program__set_autoload(h->kprobe, true);
			if (h->kprobe_entry)
				bpf_program__set_autoload(h->kprobe_entry, true);
		}
	}
}

/*
 * Say what this kernel lacks, always, and what was attached (with -v,
 * with kprobes, or for --check), one line each; count both in st.
 */
static void report_hooks(const struct hook *hooks, int n, const struct record_options *opt,
			 int use_kprobes, struct record_stats *st)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct hook *h = &hooks[i];

		if (!h->wanted)
			continue;
		if (!h->present) {
			st->hooks_missing++;
			st->essential_missing += h->essential;
			fprintf(stderr, "record: missing in this kernel: %s %s (not recorded%s)\n",
				h->tracepoint ? "tracepoint" : "function", h->function,
				strstr(h->function, "_deactivate")
					? "; KVM handles the trapped DIR itself from 6.19 on"
					: "");
			continue;
		}
		st->hooks_attached++;
		if (h->kind)
			st->kinds_recordable |= VR_KIND_BIT(h->kind);
		if (opt->verbose || use_kprobes || opt->check || h->kprobe_only)
			fprintf(stderr, "record: attached %s %s%s\n",
				h->tracepoint		     ? "tracepoint"
				: use_kprobes || h->kprobe_only ? "kprobe"
								: "fentry/fexit",
				h->function, h->kprobe_only && !use_kprobes ? " (not in BTF: kprobe)" : "");
	}
}

/* Open, configure, load and attach the collector with fentry or kprobe hooks. */
static struct vgic_bpf *load_collector(const struct record_options *opt, int gic,
				       const struct btf *vmlinux, int use_kprobes,
				       struct record_stats *st, struct vr_error *err)
{
	struct hook hooks[32];
	struct vgic_bpf *s = open_collector(opt, gic, err);
	char sym[128];
	int n, rc, lpi_moves;

	if (!s)
		return NULL;
	n = hook_table(s, gic, hooks);
	choose_programs(hooks, n, opt, vmlinux, use_kprobes);
	/* LPIs exist with GICv3's ITS only; their moves are wanted with the snapshots. */
	lpi_moves = gic == 3 && opt->snapshots && !vgic_lpi_target_symbol(sym, sizeof(sym));
	bpf_program__set_autoload(s->progs.kp_lpi_target_entry, lpi_moves);
	bpf_program__set_autoload(s->progs.kp_lpi_target_return, lpi_moves);
	bpf_program__set_autoload(s->progs.kp_plant, hooks_plant_asked() > 0);
	rc = vgic_bpf__load(s);
	if (!rc)
		rc = vgic_bpf__attach(s);
	if (rc == -524) /* the kernel's ENOTSUPP, which strerror does not know */
		vr_error_set(err, "cannot attach the BPF collector: error 524, ENOTSUPP: this "
				  "kernel cannot attach fentry/fexit to kernel functions (seen on "
				  "Debian 12's arm64 6.1)");
	else if (rc)
		vr_error_set(err, "cannot load/attach the BPF collector (%s)", strerror(-rc));
	if (rc) {
		vgic_bpf__destroy(s);
		return NULL;
	}
	report_hooks(hooks, n, opt, use_kprobes, st);
	if (hooks_plant_asked() > 0)
		attach_plant(s);
	if (lpi_moves)
		attach_lpi_target(s, sym, st, opt);
	else if (gic == 3 && opt->snapshots)
		fprintf(stderr, "record: missing in this kernel: function update_affinity (LPI moves "
				"not recorded)\n");
	return s;
}

/* See bpf_hooks.h. fentry/fexit first; kprobes when those cannot be loaded or attached. */
struct vgic_bpf *hooks_load(const struct record_options *opt, int gic, const struct btf *vmlinux,
			    struct record_stats *st, struct vr_error *err)
{
	struct vgic_bpf *s;

	libbpf_verbose = opt->verbose;
	libbpf_set_print(libbpf_print);
	s = load_collector(opt, gic, vmlinux, 0, st, err);
	if (s)
		return s;
	fprintf(stderr, "record: fentry/fexit unavailable (%s); trying kprobes\n", err->msg);
	st->hooks_attached = st->hooks_missing = st->essential_missing = 0;
	st->kinds_recordable = 0;
	return load_collector(opt, gic, vmlinux, 1, st, err);
}

/*
 * See bpf_hooks.h. As the sysctl kernel.bpf_stats_enabled=1 does, for as
 * long as the fd is open: the kernel adds each run's time to run_time_ns
 * and counts run_cnt per program.
 */
int hooks_stats_on(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0)
		fprintf(stderr, "record: cannot turn on BPF statistics (%s); "
				"sysctl kernel.bpf_stats_enabled=1 does it for the whole host\n",
			strerror(-fd));
	return fd;
}

/* A loaded program's statistics and recursion misses; -1 if it is not loaded. */
static int prog_info(const struct bpf_program *p, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	int fd = bpf_program__fd(p);

	memset(info, 0, sizeof(*info));
	return fd < 0 || bpf_obj_get_info_by_fd(fd, info, &len) ? -1 : 0;
}

/*
 * Nested events the twins recorded for their first programs (of
 * vgic_update_irq_pending, kvm_vgic_inject_irq and kvm_set_irq): counters
 * in the mapped .bss, read without a bpf(2) call (vgic.bpf.c).
 */
static uint64_t read_caught(const struct vgic_bpf *s)
{
	return __atomic_load_n(&s->bss->irq_pending_caught, __ATOMIC_RELAXED) +
	       __atomic_load_n(&s->bss->ctx_caught, __ATOMIC_RELAXED);
}

/*
 * See bpf_hooks.h. The counters lie in the mapped .bss: a map read
 * through bpf(2) would hold bpf_prog_active on this CPU, and a kprobe
 * program hit here meanwhile would be skipped (vgic.bpf.c, drop_count).
 * CPUs beyond VR_COUNTER_CPUS count in the slot of cpu & (VR_COUNTER_CPUS - 1).
 */
void hooks_drops_since(const struct vgic_bpf *s, uint64_t *seen, int ncpu, uint64_t *per_cpu,
		       int64_t *per_probe)
{
	int probe, cpu, slots = ncpu < VR_COUNTER_CPUS ? ncpu : VR_COUNTER_CPUS;

	for (probe = 0; probe < PROBE_MAX; probe++)
		for (cpu = 0; cpu < slots; cpu++) {
			uint64_t now = __atomic_load_n(&s->bss->drop_count[cpu][probe],
						       __ATOMIC_RELAXED);
			uint64_t *was = &seen[probe * ncpu + cpu];

			if (now > *was) {
				per_cpu[cpu] += now - *was;
				if (per_probe)
					per_probe[probe] += (int64_t)(now - *was);
			}
			*was = now;
		}
}

/* Is p a nested twin (1), the first program one backs (2), or neither (0)? */
static int twin_role(const struct vgic_bpf *s, const struct bpf_program *p)
{
	if (p == s->progs.tp_irq_pending_nested || p == s->progs.fentry_ctx_inject_twin ||
	    p == s->progs.fentry_ctx_set_irq_twin)
		return 1;
	if (p == s->progs.tp_irq_pending || p == s->progs.fentry_ctx_inject ||
	    p == s->progs.fentry_ctx_set_irq)
		return 2;
	return 0;
}

/* See bpf_hooks.h. */
void hooks_read_misses(const struct vgic_bpf *s, struct miss_account *a)
{
	struct bpf_program *p;
	struct bpf_prog_info info;
	int i;

	if (!a->n) {
		bpf_object__for_each_program(p, s->obj) {
			if (bpf_program__fd(p) < 0 || a->n == MISS_MAX_PROGS)
				continue;
			a->prog[a->n].name = bpf_program__name(p);
			a->prog[a->n].nested_twin = twin_role(s, p) == 1;
			a->prog[a->n].backed = twin_role(s, p) == 2;
			a->prog[a->n++].fd = bpf_program__fd(p);
		}
	}
	/* bpf_obj_get_info_by_fd() does not hold bpf_prog_active: no kprobe misses for it. */
	for (i = 0; i < a->n; i++) {
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(a->prog[i].fd, &info, &len))
			continue;
		a->prog[i].misses = info.recursion_misses;
		a->prog[i].run_cnt = info.run_cnt;
	}
	/* After the misses (prog_misses.h): a nested event in between makes the loss low, never high. */
	a->caught = read_caught(s);
}

/*
 * See bpf_hooks.h. Every program that was loaded, then their total;
 * misses are the kernel's recursion_misses (re-entered on a CPU, not
 * run), and the twin's line says how many of its partner's it caught.
 */
void hooks_print_prog_stats(struct vgic_bpf *s, double seconds)
{
	struct bpf_program *p;
	struct bpf_prog_info info;
	__u64 total_ns = 0, total_cnt = 0, total_misses = 0;

	fprintf(stderr, "record: per-program cost over %.1f s (run_cnt, run_time_ns, ns per run, "
			"recursion misses):\n",
		seconds);
	bpf_object__for_each_program(p, s->obj) {
		if (prog_info(p, &info))
			continue;
		total_ns += info.run_time_ns;
		total_cnt += info.run_cnt;
		if (twin_role(s, p) != 1)
			total_misses += info.recursion_misses;
		fprintf(stderr, "  %-22s %10llu %14llu %8.0f %8llu", bpf_program__name(p),
			(unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns,
			info.run_cnt ? (double)info.run_time_ns / info.run_cnt : 0.0,
			(unsigned long long)info.recursion_misses);
		if (p == s->progs.tp_irq_pending_nested)
			fprintf(stderr, "  (caught %llu nested events tp_irq_pending missed)",
				(unsigned long long)s->bss->irq_pending_caught);
		else if (p == s->progs.fentry_ctx_inject_twin)
			fprintf(stderr, "  (the VM context twins caught %llu their first programs "
					"missed)",
				(unsigned long long)s->bss->ctx_caught);
		fputc('\n', stderr);
	}
	fprintf(stderr, "  %-22s %10llu %14llu %8.0f %8llu\n", "total", (unsigned long long)total_cnt,
		(unsigned long long)total_ns, total_cnt ? (double)total_ns / total_cnt : 0.0,
		(unsigned long long)total_misses);
}
