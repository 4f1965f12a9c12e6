/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs the vGIC model's scenario files (tests/engine/NAME.scn): one step a
 * line, what KVM and a simulated guest do, and expectations derived from
 * the kernel sources. A failure names file:line. The format is in
 * docs/engine.md.
 *
 * usage: run_scenarios FILE.scn...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/vgic_engine.h"

#define MAX_WORDS 24

/* The state of one scenario run. */
struct run {
	const char *file;
	int line;
	int failures;
	struct vgic_engine *e;
	int gv; /* LR layout: 2 or 3 */
	int nr_vcpus;
	struct vgic_cpuif hw[VGIC_ENGINE_MAX_VCPUS]; /* the guest's registers while it runs */
	bool in_guest[VGIC_ENGINE_MAX_VCPUS];
	struct vgic_flush_result flush[VGIC_ENGINE_MAX_VCPUS];
	struct vgic_sync_result log; /* changes since the last sync */
	struct vgic_v5_ppi_regs ppi[VGIC_ENGINE_MAX_VCPUS];
	long last_result;
};

/* Report a failed expectation at the current line. */
static void fail(struct run *r, const char *msg, const char *detail)
{
	fprintf(stderr, "%s:%d: %s%s%s\n", r->file, r->line, msg, detail ? ": " : "",
		detail ? detail : "");
	r->failures++;
}

/* Compare two numbers. */
static void expect_eq(struct run *r, const char *what, long got, long want)
{
	if (got != want) {
		fprintf(stderr, "%s:%d: %s: got %ld, want %ld\n", r->file, r->line, what, got, want);
		r->failures++;
	}
}

/* The value of key=value among words, or NULL. */
static const char *opt(char **w, int n, const char *key)
{
	size_t k = strlen(key);
	int i;

	for (i = 0; i < n; i++)
		if (!strncmp(w[i], key, k) && w[i][k] == '=')
			return w[i] + k + 1;
	return NULL;
}

/* Is word among words? */
static bool has(char **w, int n, const char *word)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(w[i], word))
			return true;
	return false;
}

/* A number (decimal or 0x hex); def when absent. */
static long num(const char *s, long def)
{
	return s ? strtol(s, NULL, 0) : def;
}

/* The vCPU an INTID step refers to: vcpu=N, default 0. */
static int vcpu_opt(char **w, int n)
{
	return (int)num(opt(w, n, "vcpu"), 0);
}

/* Append the changes of res to the run's log. */
static void log_changes(struct run *r, const struct vgic_sync_result *res)
{
	int i;

	for (i = 0; i < res->nchanges && r->log.nchanges < VGIC_ENGINE_MAX_CHANGES; i++)
		r->log.changes[r->log.nchanges++] = res->changes[i];
	r->log.eoicount += res->eoicount;
	r->log.eoicount_left += res->eoicount_left;
	r->log.fold_skipped |= res->fold_skipped;
}

/* engine profile=P gic=N [guest=N] lrs=N vcpus=N spis=N [lpis=N] [no-tdir]: a fresh model. */
static void step_engine(struct run *r, char **w, int n)
{
	struct vgic_engine_config c = {0};

	vgic_engine_destroy(r->e);
	memset(r->in_guest, 0, sizeof(r->in_guest));
	c.profile = vgic_profile_find(opt(w, n, "profile") ? opt(w, n, "profile") : "");
	c.gic_version = (int)num(opt(w, n, "gic"), 3);
	c.guest_model = (int)num(opt(w, n, "guest"), 0);
	c.nr_lrs = (int)num(opt(w, n, "lrs"), 4);
	c.nr_vcpus = (int)num(opt(w, n, "vcpus"), 1);
	c.nr_spis = (int)num(opt(w, n, "spis"), 32);
	c.nr_lpis = (int)num(opt(w, n, "lpis"), 0);
	c.host_lacks_tdir = has(w, n, "no-tdir");
	r->e = vgic_engine_create(&c);
	r->gv = c.gic_version == 2 ? 2 : 3;
	r->nr_vcpus = c.nr_vcpus;
	if (!r->e) {
		fail(r, "engine configuration refused", NULL);
		exit(1);
	}
}

/* config INTID [vcpu=N] prio=P edge|level enabled|disabled [group=G] [target=V] [hw=PINTID]. */
static void step_config(struct run *r, char **w, int n)
{
	struct vgic_irq_config_desc d = {0};
	uint32_t intid = (uint32_t)num(w[1], 0);

	d.enabled = !has(w, n, "disabled");
	d.priority = (uint8_t)num(opt(w, n, "prio"), 0xa0);
	d.group = (uint8_t)num(opt(w, n, "group"), 1);
	d.config = has(w, n, "level") ? VGIC_LEVEL : VGIC_EDGE;
	d.target_vcpu = (int)num(opt(w, n, "target"), 0);
	d.hw = opt(w, n, "hw") != NULL;
	d.hwintid = (uint32_t)num(opt(w, n, "hw"), 0);
	expect_eq(r, "config", vgic_engine_configure(r->e, vcpu_opt(w, n), intid, &d), 0);
}

/* vmcr VCPU [pmr=P] [eoimode=0|1] [grp0=0|1] [grp1=0|1]: KVM's VMCR image (as restored). */
static void step_vmcr(struct run *r, char **w, int n)
{
	int v = (int)num(w[1], 0);
	uint32_t vmcr = vgic_vmcr_make(r->gv, (uint8_t)num(opt(w, n, "pmr"), 0xf8),
				       num(opt(w, n, "eoimode"), 0), num(opt(w, n, "grp0"), 0),
				       num(opt(w, n, "grp1"), 1));

	vgic_engine_set_vmcr(r->e, v, vmcr);
	if (r->in_guest[v])
		r->hw[v].vmcr = vmcr; /* the guest wrote its ICC_* registers while running */
}

/* flush VCPU: kvm_vgic_flush_hwstate(), then the guest runs with those registers. */
static void step_flush(struct run *r, char **w)
{
	int v = (int)num(w[1], 0);

	vgic_engine_flush(r->e, v, &r->flush[v]);
	r->hw[v] = r->flush[v].regs;
	r->hw[v].hcr &= (1u << VGIC_HCR_EOICOUNT_SHIFT) - 1; /* the hardware counter starts at 0 */
	r->in_guest[v] = true;
}

/* sync VCPU: the exit; the hardware's registers go to kvm_vgic_sync_hwstate(). */
static void step_sync(struct run *r, int v)
{
	struct vgic_sync_result res;

	vgic_engine_sync(r->e, v, &r->hw[v], &res);
	memset(&r->log, 0, sizeof(r->log));
	log_changes(r, &res);
	r->in_guest[v] = false;
}

/* dir VCPU INTID: a trapped DIR reaching vgic_v3_deactivate() (the guest already exited). */
static long do_trapped_dir(struct run *r, int v, uint32_t val)
{
	struct vgic_sync_result res;
	enum vgic_dir_outcome o;

	memset(&res, 0, sizeof(res));
	o = vgic_engine_deactivate(r->e, v, val, &res);
	log_changes(r, &res);
	return o;
}

/* guest VCPU ack|eoi|dir [INTID] [group=G] [expect=...]: the simulated guest CPU interface. */
static void step_guest(struct run *r, char **w, int n)
{
	static const char *const outcomes[] = {"lr", "eoicount", "trap", "nothing"};
	int v = (int)num(w[1], 0);
	const char *want = opt(w, n, "expect");
	long got;

	if (!r->in_guest[v]) {
		fail(r, "guest step while the vCPU is not in the guest", w[1]);
		return;
	}
	if (!strcmp(w[2], "ack")) {
		got = vgic_guest_read_iar(&r->hw[v], r->gv, (int)num(opt(w, n, "group"), 1));
		if (want)
			expect_eq(r, "acknowledged INTID", got, num(want, 0));
		return;
	}
	if (!strcmp(w[2], "eoi"))
		got = vgic_guest_write_eoir(&r->hw[v], r->gv, (uint32_t)num(w[3], 0));
	else
		got = vgic_guest_write_dir(&r->hw[v], r->gv, (uint32_t)num(w[3], 0));
	if (want && strcmp(outcomes[got], want))
		fail(r, "guest access outcome differs, got", outcomes[got]);
	if (got == VGIC_GUEST_TRAP) { /* the trap is an exit: sync, then handle the DIR */
		step_sync(r, v);
		r->last_result = do_trapped_dir(r, v, (uint32_t)num(w[3], 0));
	}
}

/* The state name of an LR: invalid, pending, active, pa. */
static const char *lr_state(int gv, uint64_t lr)
{
	bool p = vgic_lr_pending(gv, lr), a = vgic_lr_active(gv, lr);

	return p && a ? "pa" : a ? "active" : p ? "pending" : "invalid";
}

/* expect lr VCPU SLOT INTID STATE [prio=P] [hw=PINTID] [eoi] [noeoi] [source=S] (KVM's flush). */
static void expect_lr(struct run *r, char **w, int n)
{
	int v = (int)num(w[2], 0), slot = (int)num(w[3], 0);
	uint64_t lr = r->flush[v].regs.lr[slot];

	expect_eq(r, "used_lrs covers the slot", slot < r->flush[v].regs.used_lrs, 1);
	expect_eq(r, "LR INTID", vgic_lr_intid(r->gv, lr), num(w[4], 0));
	if (strcmp(lr_state(r->gv, lr), w[5]))
		fail(r, "LR state differs, got", lr_state(r->gv, lr));
	if (opt(w, n, "prio"))
		expect_eq(r, "LR priority", vgic_lr_priority(r->gv, lr), num(opt(w, n, "prio"), 0));
	if (opt(w, n, "hw")) {
		expect_eq(r, "LR HW", vgic_lr_hw(r->gv, lr), 1);
		expect_eq(r, "LR pINTID", vgic_lr_physid(r->gv, lr), num(opt(w, n, "hw"), 0));
	}
	if (has(w, n, "eoi") || has(w, n, "noeoi"))
		expect_eq(r, "LR EOI bit", vgic_lr_eoi(r->gv, lr), has(w, n, "eoi"));
	if (opt(w, n, "source"))
		expect_eq(r, "LR SGI source", vgic_lr_source(r->gv, lr), num(opt(w, n, "source"), 0));
}

/* The HCR bit named s. */
static uint32_t hcr_bit(const char *s, size_t len)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} bits[] = {{"En", VGIC_HCR_EN},	   {"UIE", VGIC_HCR_UIE},
		    {"LRENPIE", VGIC_HCR_LRENPIE}, {"NPIE", VGIC_HCR_NPIE},
		    {"VGrp0EIE", VGIC_HCR_VGRP0EIE}, {"VGrp0DIE", VGIC_HCR_VGRP0DIE},
		    {"VGrp1EIE", VGIC_HCR_VGRP1EIE}, {"VGrp1DIE", VGIC_HCR_VGRP1DIE},
		    {"vSGIEOICount", VGIC_HCR_VSGIEOICOUNT}, {"TDIR", VGIC_HCR_TDIR},
		    {"EOI", VGIC_MISR_EOI},	   {"U", VGIC_MISR_U},
		    {"LRENP", VGIC_MISR_LRENP},	   {"NP", VGIC_MISR_NP},
		    {"VGrp0E", VGIC_MISR_VGRP0E},  {"VGrp0D", VGIC_MISR_VGRP0D},
		    {"VGrp1E", VGIC_MISR_VGRP1E},  {"VGrp1D", VGIC_MISR_VGRP1D}};
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (strlen(bits[i].name) == len && !strncmp(bits[i].name, s, len))
			return bits[i].bit;
	fprintf(stderr, "unknown register bit '%.*s'\n", (int)len, s);
	exit(2);
}

/* Check a register against has=A,B and not=C,D lists of bit names. */
static void expect_bits(struct run *r, const char *what, uint32_t reg, char **w, int n)
{
	const char *lists[2] = {opt(w, n, "has"), opt(w, n, "not")};
	int k;

	for (k = 0; k < 2; k++) {
		const char *s = lists[k];

		while (s && *s) {
			size_t len = strcspn(s, ",");
			uint32_t bit = hcr_bit(s, len);

			if (!!(reg & bit) != (k == 0))
				fail(r, k == 0 ? "bit should be set" : "bit should be clear", what);
			s += len + (s[len] == ',');
		}
	}
}

/*
 * expect irq INTID [vcpu=N] active|inactive pending|notpending [list=N|none] [onlr|notonlr]
 * [source=S] [line=0|1] [enabled|disabled] [prio=P].
 */
static void expect_irq(struct run *r, char **w, int n)
{
	struct vgic_irq_state s;
	bool pend;

	if (vgic_engine_irq(r->e, vcpu_opt(w, n), (uint32_t)num(w[2], 0), &s)) {
		fail(r, "no such interrupt", w[2]);
		return;
	}
	pend = s.pending_latch || (s.config == VGIC_LEVEL && s.line_level);
	if (has(w, n, "active") || has(w, n, "inactive"))
		expect_eq(r, "active", s.active, has(w, n, "active"));
	if (has(w, n, "pending") || has(w, n, "notpending"))
		expect_eq(r, "pending", pend, has(w, n, "pending"));
	if (opt(w, n, "list"))
		expect_eq(r, "AP list (irq->vcpu)", s.vcpu,
			  strcmp(opt(w, n, "list"), "none") ? num(opt(w, n, "list"), 0) : -1);
	if (has(w, n, "onlr") || has(w, n, "notonlr"))
		expect_eq(r, "on_lr", s.on_lr, has(w, n, "onlr"));
	if (opt(w, n, "source"))
		expect_eq(r, "SGI sources", s.source, num(opt(w, n, "source"), 0));
	if (opt(w, n, "line"))
		expect_eq(r, "line_level", s.line_level, num(opt(w, n, "line"), 0));
	if (has(w, n, "enabled") || has(w, n, "disabled"))
		expect_eq(r, "enabled", s.enabled, has(w, n, "enabled"));
	if (opt(w, n, "prio"))
		expect_eq(r, "priority (KVM's shadow)", s.priority, num(opt(w, n, "prio"), 0));
}

/* How often the log has a change of this kind for intid (with cause, if given). */
static int count_changes(const struct run *r, uint32_t intid, int kind, int cause)
{
	int i, k = 0;

	for (i = 0; i < r->log.nchanges; i++)
		k += r->log.changes[i].intid == intid && r->log.changes[i].kind == kind &&
		     (cause < 0 || r->log.changes[i].cause == cause);
	return k;
}

/* The change cause named s (fold, eoicount, dir, prune, mmio, ppi), -1 for any. */
static int cause_of(const char *s)
{
	static const char *const names[] = {"fold", "eoicount", "dir", "prune", "mmio", "ppi"};
	int i;

	for (i = 0; s && i < 6; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* expect ap VCPU [INTID,...|empty]: the AP list in order. */
static void expect_ap(struct run *r, char **w)
{
	uint32_t got[1024];
	int len = vgic_engine_ap_list(r->e, (int)num(w[2], 0), got, 1024), i = 0;
	const char *s = w[3];

	if (!strcmp(s, "empty")) {
		expect_eq(r, "AP list length", len, 0);
		return;
	}
	while (*s) {
		long want = strtol(s, (char **)&s, 0);

		if (i >= len || got[i] != (uint32_t)want)
			expect_eq(r, "AP list entry", i < len ? (long)got[i] : -1, want);
		i++;
		s += *s == ',';
	}
	expect_eq(r, "AP list length", len, i);
}

/* Bit n of one of the two-word PPI bitmaps of struct vgic_v5_ppi_regs. */
static long ppi_bit(const uint64_t *map, uint32_t n)
{
	return (long)(map[n / 64 % 2] >> (n % 64) & 1);
}

/*
 * expect v5REG VCPU PPI VALUE: what the last v5 flush handed the hardware
 * for PPI (ICH_PPI_PENDR, ENABLER, ACTIVER, DVIR bits, PRIORITYR field);
 * expect v5vmcr|v5apr VCPU VALUE: KVM's VMCR and APR at that flush.
 * False when REG names no such register.
 */
static bool expect_v5_register(struct run *r, const char *reg, int v, char **w, int n)
{
	const struct vgic_v5_ppi_regs *x = &r->ppi[v];
	uint32_t p = n > 3 ? (uint32_t)num(w[3], 0) % VGIC_V5_PPI_REG_BITS : 0;
	long want = n > 4 ? num(w[4], 0) : 0;

	if (!strcmp(reg, "pendr"))
		expect_eq(r, "ICH_PPI_PENDR bit", ppi_bit(x->pendr, p), want);
	else if (!strcmp(reg, "enabler"))
		expect_eq(r, "ICH_PPI_ENABLER bit", ppi_bit(x->enabler, p), want);
	else if (!strcmp(reg, "activer"))
		expect_eq(r, "ICH_PPI_ACTIVER bit", ppi_bit(x->activer, p), want);
	else if (!strcmp(reg, "dvir"))
		expect_eq(r, "ICH_PPI_DVIR bit", ppi_bit(x->dvir, p), want);
	else if (!strcmp(reg, "prio"))
		expect_eq(r, "ICH_PPI_PRIORITYR field", x->priority[p], want);
	else if (!strcmp(reg, "vmcr")) /* expect v5vmcr VCPU VALUE */
		expect_eq(r, "KVM's ICH_VMCR_EL2", x->vmcr, num(w[3], 0));
	else if (!strcmp(reg, "apr")) /* expect v5apr VCPU VALUE */
		expect_eq(r, "KVM's ICH_APR_EL2", x->apr, num(w[3], 0));
	else
		return false;
	return true;
}

/* The expect steps. */
static void step_expect(struct run *r, char **w, int n)
{
	const char *what = w[1];
	int v = n > 2 ? (int)num(w[2], 0) : 0;
	struct vgic_maint_status ms;

	if (!strcmp(what, "lr")) {
		expect_lr(r, w, n);
	} else if (!strcmp(what, "used_lrs")) {
		expect_eq(r, "used_lrs", r->flush[v].regs.used_lrs, num(w[3], 0));
	} else if (!strcmp(what, "hcr")) {
		expect_bits(r, "HCR at flush", r->flush[v].regs.hcr, w, n);
	} else if (!strcmp(what, "misr")) { /* derived from the guest's registers at exit */
		vgic_derive_maint_status(r->gv, &r->hw[v], &ms);
		expect_bits(r, "derived MISR", ms.misr, w, n);
	} else if (!strcmp(what, "irq")) {
		expect_irq(r, w, n);
	} else if (!strcmp(what, "deactivated") || !strcmp(what, "not-deactivated")) {
		expect_eq(r, what,
			  count_changes(r, (uint32_t)num(w[2], 0), VGIC_CHANGE_DEACTIVATED,
					cause_of(opt(w, n, "by"))) > 0,
			  !strcmp(what, "deactivated"));
	} else if (!strcmp(what, "phys-deactivated")) {
		expect_eq(r, what,
			  count_changes(r, (uint32_t)num(w[2], 0), VGIC_CHANGE_PHYS_DEACTIVATED,
					cause_of(opt(w, n, "by"))) > 0,
			  num(opt(w, n, "count"), 1) > 0);
	} else if (!strcmp(what, "acked")) {
		expect_eq(r, "level ack (kvm_notify_acked_irq)",
			  count_changes(r, (uint32_t)num(w[2], 0), VGIC_CHANGE_LEVEL_ACKED, -1),
			  num(opt(w, n, "count"), 1));
	} else if (!strcmp(what, "ap")) {
		expect_ap(r, w);
	} else if (!strcmp(what, "eoicount")) {
		expect_eq(r, "EOIcount read at the last sync", r->log.eoicount, num(w[2], 0));
	} else if (!strcmp(what, "guest-eoicount")) {
		expect_eq(r, "guest's EOIcount", r->hw[v].hcr >> VGIC_HCR_EOICOUNT_SHIFT, num(w[3], 0));
	} else if (!strcmp(what, "sorted")) {
		expect_eq(r, "flush sorted the AP list", r->flush[v].sorted, num(w[3], 1));
	} else if (!strcmp(what, "last_lr")) {
		expect_eq(r, "last IRQ placed in an LR", r->flush[v].last_lr_intid, num(w[3], -1));
	} else if (!strcmp(what, "fold-skipped")) {
		expect_eq(r, "fold skipped", r->log.fold_skipped, num(w[2], 1));
	} else if (!strcmp(what, "result")) {
		expect_eq(r, "result of the previous step", r->last_result, num(w[2], 0));
	} else if (!strcmp(what, "pending_irq")) {
		expect_eq(r, "kvm_vgic_vcpu_pending_irq", vgic_engine_vcpu_pending_irq(r->e, v),
			  num(w[3], 0));
	} else if (!strcmp(what, "v5pending")) {
		expect_eq(r, "vgic_v5_has_pending_ppi", vgic_engine_v5_has_pending_ppi(r->e, v),
			  num(w[3], 0));
	} else if (!strncmp(what, "v5", 2) && expect_v5_register(r, what + 2, v, w, n)) {
		/* expect v5pendr|v5enabler|v5activer|v5dvir|v5prio|v5vmcr|v5apr: at the last flush */
	} else if (!strcmp(what, "active_spis")) {
		expect_eq(r, "active_spis", vgic_engine_active_spis(r->e), num(w[2], 0));
	} else {
		fprintf(stderr, "%s:%d: unknown expectation '%s'\n", r->file, r->line, what);
		exit(2);
	}
}

/*
 * v5 expose PPI edge|level | v5 config VCPU PPI enabled|disabled prio=P | v5 dvi VCPU PPI 0|1
 * | v5 enabler VCPU BANK VALUE | v5 load VCPU | v5 put VCPU [apr=MASK] [wfi]
 * | v5 guest-prio VCPU PPI P | v5 flush|fold VCPU ...
 */
static void step_v5(struct run *r, char **w, int n)
{
	int v = n > 2 ? (int)num(w[2], 0) : 0;
	struct vgic_sync_result res;

	if (!strcmp(w[1], "expose")) {
		r->last_result = vgic_engine_v5_expose_ppi(r->e, (uint32_t)num(w[2], 0),
							   has(w, n, "level") ? VGIC_LEVEL : VGIC_EDGE);
	} else if (!strcmp(w[1], "config")) {
		r->last_result = vgic_engine_v5_configure_ppi(r->e, v, (uint32_t)num(w[3], 0),
							      !has(w, n, "disabled"),
							      (uint8_t)num(opt(w, n, "prio"), 0));
	} else if (!strcmp(w[1], "dvi")) {
		r->last_result = vgic_engine_v5_set_dvi(r->e, v, (uint32_t)num(w[3], 0), num(w[4], 1));
	} else if (!strcmp(w[1], "enabler")) { /* v5 enabler VCPU BANK VALUE: a trapped write */
		r->last_result = vgic_engine_v5_write_enabler(r->e, v, (int)num(w[3], 0),
							      (uint64_t)strtoull(w[4], NULL, 0));
	} else if (!strcmp(w[1], "load")) { /* v5 load VCPU */
		vgic_engine_v5_load(r->e, v);
	} else if (!strcmp(w[1], "put")) { /* v5 put VCPU [apr=MASK] [wfi] */
		vgic_engine_v5_put(r->e, v, (uint32_t)num(opt(w, n, "apr"), 0), has(w, n, "wfi"));
	} else if (!strcmp(w[1], "guest-prio")) {
		/* v5 guest-prio VCPU PPI P: the guest writes ICC_PPI_PRIORITYR (not trapped) */
		r->ppi[v].priority[num(w[3], 0) % VGIC_V5_PPI_REG_BITS] = (uint8_t)num(w[4], 0);
	} else if (!strcmp(w[1], "flush")) {
		vgic_engine_v5_flush_ppis(r->e, v, &r->ppi[v]);
	} else if (!strcmp(w[1], "fold")) {
		/* v5 fold VCPU [active=PPI] [pending=PPI] [en=0|1] [pmr=N] [apr=MASK] */
		struct vgic_v5_ppi_regs x = r->ppi[v];
		const char *a = opt(w, n, "active"), *p = opt(w, n, "pending");

		memset(x.activer, 0, sizeof(x.activer));
		memset(x.pendr, 0, sizeof(x.pendr));
		if (a)
			x.activer[num(a, 0) / 64] |= 1ull << (num(a, 0) % 64);
		if (p)
			x.pendr[num(p, 0) / 64] |= 1ull << (num(p, 0) % 64);
		x.vmcr = (uint32_t)(num(opt(w, n, "en"), 1) | (num(opt(w, n, "pmr"), 31) << 1));
		x.apr = (uint32_t)num(opt(w, n, "apr"), 0);
		vgic_engine_v5_fold_ppis(r->e, v, &x, &res);
		memset(&r->log, 0, sizeof(r->log));
		log_changes(r, &res);
	} else {
		fprintf(stderr, "%s:%d: unknown v5 step\n", r->file, r->line);
		exit(2);
	}
}

/* mmio-write VCPU GPA LEN VALUE: a guest store to the vGIC frames where QEMU's virt puts them. */
static long mmio_write(struct run *r, char **w)
{
	static const struct vgic_mmio_layout virt = VGIC_MMIO_LAYOUT_QEMU_VIRT;

	return vgic_engine_mmio_write(r->e, &virt, (int)num(w[1], 0),
				      (uint64_t)strtoull(w[2], NULL, 0), (int)num(w[3], 4),
				      (uint64_t)strtoull(w[4], NULL, 0));
}

/* One line of a scenario. */
static void step(struct run *r, char **w, int n)
{
	const char *c = w[0];

	if (!strcmp(c, "engine"))
		step_engine(r, w, n);
	else if (!r->e)
		fail(r, "a step before 'engine'", NULL);
	else if (!strcmp(c, "config"))
		step_config(r, w, n);
	else if (!strcmp(c, "vmcr"))
		step_vmcr(r, w, n);
	else if (!strcmp(c, "inject"))
		r->last_result = vgic_engine_inject(r->e, opt(w, n, "vcpu") ? vcpu_opt(w, n) : -1,
						    (uint32_t)num(w[1], 0), num(opt(w, n, "level"), 1));
	else if (!strcmp(c, "lpi")) /* lpi INTID vcpu=N [prio=P] [pending=0|1] [enabled=0|1] */
		r->last_result = vgic_engine_queue_lpi(r->e, (uint32_t)num(w[1], 0), vcpu_opt(w, n),
						       num(opt(w, n, "pending"), 1),
						       num(opt(w, n, "enabled"), 1),
						       (uint8_t)num(opt(w, n, "prio"), 0xa0));
	else if (!strcmp(c, "irqline"))
		r->last_result = vgic_engine_irq_line(r->e, (uint32_t)num(w[1], 0), num(w[2], 1));
	else if (!strcmp(c, "sgi")) /* sgi SOURCE TARGETMASK SGI */
		r->last_result = vgic_engine_send_sgi(r->e, (int)num(w[1], 0),
						      (uint64_t)num(w[2], 0), (uint32_t)num(w[3], 0));
	else if (!strcmp(c, "mmio")) /* mmio active|pending INTID 0|1 [vcpu=N] */
		r->last_result = !strcmp(w[1], "active")
					 ? vgic_engine_mmio_set_active(r->e, vcpu_opt(w, n),
								       (uint32_t)num(w[2], 0), num(w[3], 1))
					 : vgic_engine_mmio_set_pending(r->e, vcpu_opt(w, n),
									(uint32_t)num(w[2], 0), num(w[3], 1));
	else if (!strcmp(c, "mmio-write")) /* mmio-write VCPU GPA LEN VALUE, QEMU virt's frames */
		r->last_result = mmio_write(r, w);
	else if (!strcmp(c, "lower-phys")) /* lower-phys VCPU INTID: the physical line reads low */
		vgic_engine_lower_phys_line(r->e, (int)num(w[1], 0), (uint32_t)num(w[2], 0));
	else if (!strcmp(c, "dist"))
		vgic_engine_set_dist_enabled(r->e, num(w[1], 1));
	else if (!strcmp(c, "flush"))
		step_flush(r, w);
	else if (!strcmp(c, "sync"))
		step_sync(r, (int)num(w[1], 0));
	else if (!strcmp(c, "guest"))
		step_guest(r, w, n);
	else if (!strcmp(c, "dir"))
		r->last_result = do_trapped_dir(r, (int)num(w[1], 0), (uint32_t)num(w[2], 0));
	else if (!strcmp(c, "expect"))
		step_expect(r, w, n);
	else if (!strcmp(c, "v5"))
		step_v5(r, w, n);
	else {
		fprintf(stderr, "%s:%d: unknown step '%s'\n", r->file, r->line, c);
		exit(2);
	}
}

/* Run one scenario file; the number of failed expectations. */
static int run_file(const char *path)
{
	struct run r;
	char buf[512];
	FILE *f = fopen(path, "r");

	memset(&r, 0, sizeof(r));
	r.file = path;
	if (!f) {
		perror(path);
		return 1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *w[MAX_WORDS], *save = NULL, *t;
		int n = 0;

		r.line++;
		if ((t = strchr(buf, '#')))
			*t = 0;
		for (t = strtok_r(buf, " \t\r\n", &save); t && n < MAX_WORDS;
		     t = strtok_r(NULL, " \t\r\n", &save))
			w[n++] = t;
		if (n)
			step(&r, w, n);
	}
	fclose(f);
	vgic_engine_destroy(r.e);
	printf("%s %s: %d lines, %d failed\n", r.failures ? "FAIL" : "ok", path, r.line, r.failures);
	return r.failures;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.scn...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		failed += run_file(argv[i]) != 0;
	printf("%s: %d of %d scenario files passed\n", failed ? "FAIL" : "ok", argc - 1 - failed,
	       argc - 1);
	return failed ? 1 : 0;
}
