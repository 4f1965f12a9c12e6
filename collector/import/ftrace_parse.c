/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace text line parser.
 *
 * A line is "<comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <timestamp>: <event>: <payload>".
 * The comm may contain spaces and dashes (QEMU names vCPU threads
 * "CPU 0/KVM"), so the header is anchored on the "[<cpu>]" field and the
 * pid is the number after the last dash before it. The flags column is
 * present only with the irq-info option (4 characters on old kernels, 5
 * since migrate-disable was added) and the tgid column only with
 * record-tgid; both are optional here.
 *
 * Payloads are matched against the exact TP_printk() form of each event
 * with a tiny pattern matcher (%d decimal, %x hex with optional 0x, %w a
 * word, %c one character). Everything is bounds-checked against the line
 * length: this code reads untrusted input and is fuzzed.
 */
#include "ftrace_parse.h"

#include <stdio.h>
#include <string.h>

/* A cursor over the unterminated line. */
struct cur {
	const char *p;
	const char *end;
};

/* True when c is a decimal digit. */
static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Value of a hex digit, or -1. */
static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse an optionally negative decimal; fails on no digits or overflow. */
static int scan_dec(struct cur *c, int64_t *out)
{
	const char *p = c->p;
	uint64_t v = 0;
	int neg = 0, n = 0;

	if (p < c->end && *p == '-') {
		neg = 1;
		p++;
	}
	while (p < c->end && is_digit(*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
		n++;
	}
	if (!n || v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	c->p = p;
	return 0;
}

/* Parse a hex number with optional 0x prefix (up to 64 bits). */
static int scan_hex(struct cur *c, uint64_t *out)
{
	const char *p = c->p;
	uint64_t v = 0;
	int n = 0, d;

	if (c->end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	while (p < c->end && (d = hex_val(*p)) >= 0) {
		if (n == 16)
			return -1;
		v = (v << 4) | (uint64_t)d;
		p++;
		n++;
	}
	if (!n)
		return -1;
	*out = v;
	c->p = p;
	return 0;
}

/*
 * Match the cursor against a pattern, storing conversions in order:
 * %d -> int64_t*, %x -> uint64_t*, %c -> char*, %w -> (const char**, size_t*)
 * for a run of characters up to the next pattern literal (or space).
 * The whole pattern must match; trailing whitespace is allowed.
 */
static int match(struct cur *c, const char *pat, void **outs)
{
	int i = 0;

	while (*pat) {
		if (*pat != '%') {
			if (c->p >= c->end || *c->p != *pat)
				return -1;
			c->p++;
			pat++;
			continue;
		}
		pat++;
		switch (*pat++) {
		case 'd':
			if (scan_dec(c, (int64_t *)outs[i++]))
				return -1;
			break;
		case 'x':
			if (scan_hex(c, (uint64_t *)outs[i++]))
				return -1;
			break;
		case 'c':
			if (c->p >= c->end)
				return -1;
			*(char *)outs[i++] = *c->p++;
			break;
		case 'w': {
			char stop = *pat ? *pat : ' ';
			const char *s = c->p;

			while (c->p < c->end && *c->p != stop && *c->p != ' ')
				c->p++;
			if (c->p == s)
				return -1;
			*(const char **)outs[i++] = s;
			*(size_t *)outs[i++] = (size_t)(c->p - s);
			break;
		}
		default:
			return -1;
		}
	}
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
	return c->p == c->end ? 0 : -1;
}

/* Compare a counted span with a C string. */
static int span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

/* Find the first occurrence of lit in [p, end), or NULL. */
static const char *span_find(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	while (p && (size_t)(end - p) >= n) {
		const char *q = memchr(p, lit[0], (size_t)(end - p) - n + 1);

		if (!q)
			return NULL;
		if (!memcmp(q, lit, n))
			return q;
		p = q + 1;
	}
	return NULL;
}

/* Mark the line unparsed with a reason; returns the type for tail calls. */
static enum ftrace_line_type unparsed(struct ftrace_line *out, const char *reason)
{
	out->type = FTRACE_LINE_UNPARSED;
	out->reason = reason;
	return out->type;
}

/* vgic_update_irq_pending: "VCPU: %ld, IRQ %d, level: %d" (vgic/trace.h). */
static int parse_irq_pending(struct cur *c, struct vr_event *ev)
{
	int64_t vcpu, irq, level;
	void *o[] = {&vcpu, &irq, &level};

	if (match(c, "VCPU: %d, IRQ %d, level: %d", o))
		return -1;
	ev->kind = VR_EV_IRQ_PENDING;
	ev->arg[0] = vcpu;
	ev->intid = irq;
	ev->arg[1] = level;
	/* The VCPU field names the target only for private interrupts. */
	if (irq < 32)
		ev->vcpu = vcpu;
	return 0;
}

/* kvm_timer_update_irq: "VCPU: %ld, IRQ %d, level %d" (trace_arm.h). */
static int parse_timer_irq(struct cur *c, struct vr_event *ev)
{
	int64_t vcpu, irq, level;
	void *o[] = {&vcpu, &irq, &level};

	if (match(c, "VCPU: %d, IRQ %d, level %d", o))
		return -1;
	ev->kind = VR_EV_TIMER_IRQ;
	ev->arg[0] = vcpu;
	ev->vcpu = vcpu;
	ev->intid = irq;
	ev->arg[1] = level;
	return 0;
}

/*
 * kvm_irq_line: "Inject %s interrupt (%d), vcpu->idx: %d, num: %d, level: %d"
 * where %s is "CPU", "VGIC PPI", "VGIC SPI" or "UNKNOWN" (trace_arm.h).
 */
static int parse_irq_line(struct cur *c, struct vr_event *ev)
{
	const char *mark = span_find(c->p, c->end, " interrupt (");
	int64_t type, vcpu, num, level;
	void *o[] = {&type, &vcpu, &num, &level};
	struct cur rest;

	if (c->end - c->p < 7 || memcmp(c->p, "Inject ", 7) || !mark)
		return -1;
	rest.p = mark + 12;
	rest.end = c->end;
	if (match(&rest, "%d), vcpu->idx: %d, num: %d, level: %d", o))
		return -1;
	ev->kind = VR_EV_IRQ_LINE;
	ev->arg[0] = type;
	ev->arg[1] = vcpu;
	ev->arg[2] = num;
	ev->arg[3] = level;
	if (type == VR_IRQ_TYPE_SPI || type == VR_IRQ_TYPE_PPI)
		ev->intid = num;
	return 0;
}

/* kvm_set_irq: "gsi %u level %d source %d" (include/trace/events/kvm.h). */
static int parse_set_irq(struct cur *c, struct vr_event *ev)
{
	int64_t gsi, level, src;
	void *o[] = {&gsi, &level, &src};

	if (match(c, "gsi %d level %d source %d", o))
		return -1;
	ev->kind = VR_EV_SET_IRQ;
	ev->arg[0] = gsi;
	ev->arg[1] = level;
	ev->arg[2] = src;
	ev->intid = gsi + 32; /* arm64 routes gsi n to SPI n + 32 */
	return 0;
}

/*
 * kvm_ack_irq: "irqchip %d pin %u" where kvm_irqchips is not defined (arm64),
 * "irqchip %s pin %u" with symbolic chip names elsewhere.
 */
static int parse_ack_irq(struct cur *c, struct vr_event *ev)
{
	const char *pin = span_find(c->p, c->end, " pin ");
	struct cur chip, rest;
	int64_t chipno, pinno;
	void *o1[] = {&chipno};
	void *o2[] = {&pinno};

	if (c->end - c->p < 8 || memcmp(c->p, "irqchip ", 8) || !pin)
		return -1;
	chip.p = c->p + 8;
	chip.end = pin;
	rest.p = pin + 5;
	rest.end = c->end;
	if (match(&rest, "%d", o2))
		return -1;
	if (match(&chip, "%d", o1)) {
		size_t n = (size_t)(pin - (c->p + 8));

		if (span_is(c->p + 8, n, "PIC master"))
			chipno = 0;
		else if (span_is(c->p + 8, n, "PIC slave"))
			chipno = 1;
		else if (span_is(c->p + 8, n, "IOAPIC"))
			chipno = 2;
		else
			return -1;
	}
	ev->kind = VR_EV_ACK_IRQ;
	ev->arg[0] = chipno;
	ev->arg[1] = pinno;
	ev->intid = pinno + 32;
	return 0;
}

/* kvm_entry: "PC: 0x%016lx" (trace_arm.h). */
static int parse_entry(struct cur *c, struct vr_event *ev)
{
	uint64_t pc;
	void *o[] = {&pc};

	if (match(c, "PC: %x", o))
		return -1;
	ev->kind = VR_EV_ENTRY;
	ev->arg[0] = (int64_t)pc;
	return 0;
}

/* The ARM_EXCEPTION_* name kvm_exit prints, as its number. */
static int exception_code(const char *s, size_t n, int64_t *code)
{
	static const char *const names[] = {"IRQ", "SERROR", "TRAP", "ILLEGAL"};
	struct cur c = {s, s + n};
	uint64_t v;
	void *o[] = {&v};
	int i;

	for (i = 0; i < 4; i++) {
		if (span_is(s, n, names[i])) {
			*code = i;
			return 0;
		}
	}
	if (n > 2 && !match(&c, "0x%x", o)) {
		*code = (int64_t)v;
		return 0;
	}
	return -1;
}

/* kvm_exit: "%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx" (trace_arm.h). */
static int parse_exit(struct cur *c, struct vr_event *ev)
{
	const char *type, *pcmark;
	size_t ntype;
	uint64_t ec, pc;
	int64_t code;
	void *o1[] = {&type, &ntype, &ec};
	void *o2[] = {&pc};
	struct cur head, tail;

	pcmark = span_find(c->p, c->end, "), PC: ");
	if (!pcmark)
		return -1;
	head.p = c->p;
	head.end = span_find(c->p, pcmark, " (");
	if (!head.end)
		return -1;
	if (match(&head, "%w: HSR_EC: %x", o1) || exception_code(type, ntype, &code))
		return -1;
	tail.p = pcmark + 7;
	tail.end = c->end;
	if (match(&tail, "%x", o2))
		return -1;
	ev->kind = VR_EV_EXIT;
	ev->arg[0] = code;
	ev->arg[1] = (int64_t)ec;
	ev->arg[2] = (int64_t)pc;
	return 0;
}

/* kvm_vcpu_wakeup: "%s time %lld ns, polling %s" with wait|poll and valid|invalid. */
static int parse_wakeup(struct cur *c, struct vr_event *ev)
{
	const char *how, *valid;
	size_t nhow, nvalid;
	int64_t ns;
	void *o[] = {&how, &nhow, &ns, &valid, &nvalid};

	if (match(c, "%w time %d ns, polling %w", o))
		return -1;
	if (!span_is(how, nhow, "wait") && !span_is(how, nhow, "poll"))
		return -1;
	if (!span_is(valid, nvalid, "valid") && !span_is(valid, nvalid, "invalid"))
		return -1;
	ev->kind = VR_EV_WAKEUP;
	ev->arg[0] = ns;
	ev->arg[1] = span_is(how, nhow, "wait");
	ev->arg[2] = span_is(valid, nvalid, "valid");
	return 0;
}

/* kvm_wfx_arm64: "guest executed wf%c at: 0x%016lx" (0x%08lx before 4.x). */
static int parse_wfx(struct cur *c, struct vr_event *ev)
{
	char which;
	uint64_t pc;
	void *o[] = {&which, &pc};

	if (match(c, "guest executed wf%c at: %x", o) || (which != 'i' && which != 'e'))
		return -1;
	ev->kind = VR_EV_WFX;
	ev->arg[0] = (int64_t)pc;
	ev->arg[1] = which == 'e';
	return 0;
}

/*
 * kvm_userspace_exit: "reason %s (%d)"; with errno < 0 the word is
 * "restart" (EINTR) or "error" and the number is -errno.
 */
static int parse_userspace_exit(struct cur *c, struct vr_event *ev)
{
	const char *why;
	size_t nwhy;
	int64_t num;
	void *o[] = {&why, &nwhy, &num};

	if (match(c, "reason %w (%d)", o))
		return -1;
	ev->kind = VR_EV_USERSPACE_EXIT;
	if (span_is(why, nwhy, "restart") || span_is(why, nwhy, "error")) {
		ev->arg[1] = num;
	} else {
		ev->arg[0] = num;
		ev->arg[1] = 0;
	}
	return 0;
}

/* kvm_mmio: "mmio %s len %u gpa 0x%llx val 0x%llx" (include/trace/events/kvm.h). */
static int parse_mmio(struct cur *c, struct vr_event *ev)
{
	static const char *const types[] = {"unsatisfied-read", "read", "write"};
	const char *type;
	size_t ntype, i;
	int64_t len;
	uint64_t gpa, val;
	void *o[] = {&type, &ntype, &len, &gpa, &val};

	if (match(c, "mmio %w len %d gpa 0x%x val 0x%x", o))
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (span_is(type, ntype, types[i]))
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return -1;
	ev->kind = VR_EV_MMIO;
	ev->arg[0] = (int64_t)i;
	ev->arg[1] = len;
	ev->arg[2] = (int64_t)gpa;
	ev->arg[3] = (int64_t)val;
	return 0;
}

/*
 * A GICv5 PPI register of a snapshot probe (probes --gic 5): pendrX,
 * activerX, enablerX, dvirX (X 0 or 1: PPIs 64X..64X+63) or priorityrN
 * (N 0..15, eight PPIs' priorities a register). 1 when the key is none of
 * these, 0 stored, -1 for an index out of range. The first one makes the
 * snapshot a GICv5 one.
 */
static int ppi_field(const char *key, size_t nkey, uint64_t v, struct vr_snapshot *s)
{
	static const char *const regs[] = {"pendr", "activer", "enabler", "dvir", "priorityr"};
	struct vr_ppi_state *p = &s->ppi;
	int64_t idx;
	size_t r, len = 0;
	struct cur c;
	void *o[] = {&idx};

	for (r = 0; r < sizeof(regs) / sizeof(regs[0]); r++) {
		len = strlen(regs[r]);
		if (nkey > len && !memcmp(key, regs[r], len))
			break;
	}
	if (r == sizeof(regs) / sizeof(regs[0]))
		return 1;
	c.p = key + len;
	c.end = key + nkey;
	if (match(&c, "%d", o) || idx < 0 || idx >= (r == 4 ? VR_MAX_PPIS / 8 : 2))
		return -1;
	s->gic_version = 5;
	p->recorded = 1;
	if (r == 0) {
		p->pendr[idx] = v;
		p->has_pendr = 1;
	} else if (r == 1) {
		p->activer[idx] = v;
	} else if (r == 2) {
		p->enabler[idx] = v;
	} else if (r == 3) {
		p->dvir[idx] = v;
	} else {
		for (int b = 0; b < 8; b++)
			p->priority[idx * 8 + b] = (uint8_t)(v >> (8 * b));
		p->has_priority = 1;
	}
	return 0;
}

/* Store one "key=value" of a probe record; see ftrace_parse.h. */
int vr_probe_field(const char *key, size_t nkey, uint64_t v, int64_t sv, struct ftrace_line *out,
		   int *have_vcpu)
{
	struct vr_snapshot *s = &out->snap;
	int64_t idx;
	struct cur c;
	void *o[] = {&idx};
	int rc;

	if (span_is(key, nkey, "vcpu")) {
		out->ev.vcpu = sv;
		*have_vcpu = 1;
	} else if (span_is(key, nkey, "used")) {
		s->used_lrs = sv;
	} else if (span_is(key, nkey, "hcr")) {
		s->hcr = (int64_t)(uint32_t)v;
	} else if (span_is(key, nkey, "vmcr")) {
		s->vmcr = s->gic_version == 5 ? (int64_t)v : (int64_t)(uint32_t)v;
	} else if (span_is(key, nkey, "apr") && s->gic_version == 5) {
		s->apr = (int64_t)v; /* GICv5's ICH_APR_EL2, after the PPI fields */
	} else if (span_is(key, nkey, "apr")) {
		s->apr = (int64_t)(uint32_t)v;
		s->gic_version = 2;
	} else if ((rc = ppi_field(key, nkey, v, s)) != 1) {
		return rc;
	} else if (span_is(key, nkey, "intid")) {
		out->ev.intid = sv;
	} else if (span_is(key, nkey, "lr")) {
		out->ev.arg[0] = sv;
	} else if (span_is(key, nkey, "val")) {
		out->ev.arg[0] = (int64_t)v;
	} else if (out->ev.kind == VR_EV_LPI_QUEUE && span_is(key, nkey, "pending_latch")) {
		out->ev.arg[0] = v != 0;
	} else if (out->ev.kind == VR_EV_LPI_QUEUE && span_is(key, nkey, "enabled")) {
		out->ev.arg[1] = v != 0;
	} else if (out->ev.kind == VR_EV_LPI_QUEUE && span_is(key, nkey, "priority")) {
		out->ev.arg[2] = (int64_t)(uint8_t)v;
	} else if ((out->ev.kind == VR_EV_LPI_QUEUE || out->ev.kind == VR_EV_LPI_TARGET) &&
		   span_is(key, nkey, "target")) {
		/* Held in arg3 until vr_probe_finish: is there a target vCPU at all? */
		out->ev.arg[3] = v != 0;
	} else if (nkey > 4 && (!memcmp(key, "ap0r", 4) || !memcmp(key, "ap1r", 4))) {
		c.p = key + 4;
		c.end = key + nkey;
		if (match(&c, "%d", o) || idx < 0 || idx > 3)
			return -1;
		if (key[2] == '0')
			s->ap0r[idx] = (int64_t)(uint32_t)v;
		else
			s->ap1r[idx] = (int64_t)(uint32_t)v;
	} else if (nkey > 2 && key[0] == 'l' && key[1] == 'r') {
		c.p = key + 2;
		c.end = key + nkey;
		if (match(&c, "%d", o) || idx < 0 || idx >= VR_MAX_LRS)
			return -1;
		s->lr[idx] = v;
		if (idx + 1 > s->nr_lrs)
			s->nr_lrs = (int)idx + 1;
	}
	return 0;
}

/*
 * A kprobe line: "(<symbol>+0x../0x..) k=v ..." for an entry probe or
 * "(<caller>+0x../0x.. <- <symbol>) k=v ..." for a return probe. The probed
 * function, not the user-chosen event name, says what the snapshot is.
 */
static enum ftrace_line_type parse_probe(struct cur *c, struct ftrace_line *out)
{
	const char *close = memchr(c->p, ')', (size_t)(c->end - c->p));
	const char *ret, *fn, *fn_end;
	int have_vcpu = 0;

	if (c->p >= c->end || *c->p != '(' || !close)
		return FTRACE_LINE_UNKNOWN;
	ret = span_find(c->p, close, " <- ");
	fn = ret ? ret + 4 : c->p + 1;
	fn_end = ret ? close : memchr(fn, '+', (size_t)(close - fn));
	if (!fn_end)
		fn_end = close;
	if (vr_probe_classify(fn, (size_t)(fn_end - fn), ret != NULL, out))
		return FTRACE_LINE_UNKNOWN;
	c->p = close + 1;
	while (c->p < c->end) {
		const char *key, *eq;
		struct cur val;
		uint64_t v = 0;
		int64_t sv = 0;

		while (c->p < c->end && *c->p == ' ')
			c->p++;
		if (c->p >= c->end)
			break;
		key = c->p;
		eq = NULL;
		while (c->p < c->end && *c->p != ' ') {
			if (*c->p == '=' && !eq)
				eq = c->p;
			c->p++;
		}
		if (!eq || eq == key)
			return unparsed(out, "probe field is not key=value");
		val.p = eq + 1;
		val.end = c->p;
		if (val.end - val.p > 2 && val.p[0] == '0' && val.p[1] == 'x') {
			void *o[] = {&v};

			if (match(&val, "%x", o))
				return unparsed(out, "bad hex value in probe field");
			sv = (int64_t)v;
		} else {
			void *o[] = {&sv};

			if (match(&val, "%d", o))
				return unparsed(out, "bad number in probe field");
			v = (uint64_t)sv;
		}
		if (vr_probe_field(key, (size_t)(eq - key), v, sv, out, &have_vcpu))
			return unparsed(out, "bad register index in probe field");
	}
	return vr_probe_finish(out, have_vcpu);
}

/* See ftrace_parse.h. */
void vr_decode_deactivate(int gic_version, struct vr_event *ev)
{
	uint64_t val = (uint64_t)ev->arg[0];

	if (gic_version == 2) {
		ev->intid = (int64_t)(val & 0x3ff);
		ev->arg[1] = (int64_t)((val >> 10) & 7);
	} else {
		ev->intid = (int64_t)(val & 0xffffff);
	}
}

/* See ftrace_parse.h. */
void vr_decode_sgi(int gic_version, struct vr_event *ev)
{
	uint64_t val = (uint64_t)ev->arg[0];

	if (gic_version == 2) {
		unsigned filter = (unsigned)(val >> 24) & 3;

		ev->intid = (int64_t)(val & 0xf);
		if (filter == 0)
			ev->arg[1] = (int64_t)((val >> 16) & 0xff);
		else if (filter == 1)
			ev->arg[1] = -1;
		else if (ev->vcpu >= 0 && ev->vcpu < 8)
			ev->arg[1] = (int64_t)1 << ev->vcpu;
	} else {
		unsigned aff1 = (unsigned)(val >> 16) & 0xff;

		ev->intid = (int64_t)((val >> 24) & 0xf);
		if (val & (1ull << 40))
			ev->arg[1] = -1;
		else if ((val >> 32 & 0xff) == 0 && (val >> 48 & 0xff) == 0 && aff1 < 3)
			ev->arg[1] = (int64_t)((val & 0xffff) << (16 * aff1));
	}
}

/*
 * The end of an LPI probe record (queue_lpi, lpi_target): a call for an
 * INTID below 8192 is no LPI and is passed over; the vcpu read through a
 * NULL target_vcpu (arg3 holds whether the target pointer was set) means
 * nothing, as a faulting dereference leaves the field as the ring held it.
 */
static enum ftrace_line_type finish_lpi_target_vcpu(struct ftrace_line *out)
{
	struct vr_event *ev = &out->ev;

	if (ev->intid < VR_MIN_LPI)
		return out->type = FTRACE_LINE_IGNORED;
	if (ev->arg[3] == 0 || ev->vcpu < 0)
		ev->vcpu = VR_NO_VALUE;
	ev->arg[3] = VR_NO_VALUE;
	return out->type = FTRACE_LINE_EVENT;
}

/*
 * The queue_lpi probe (vgic_queue_irq_unlock): an LPI's latch, enable and
 * priority with its target vCPU. A faulting dereference leaves a kprobe
 * field as the ring buffer held it, so the vCPU read through a NULL
 * target_vcpu means nothing: the target pointer, fetched too, says so.
 * A call for an INTID below 8192 (the probe without its filter) is no
 * LPI and is passed over.
 */
static enum ftrace_line_type finish_queue_lpi(struct ftrace_line *out)
{
	struct vr_event *ev = &out->ev;

	if (ev->intid == VR_NO_VALUE || ev->arg[0] == VR_NO_VALUE || ev->arg[1] == VR_NO_VALUE ||
	    ev->arg[2] == VR_NO_VALUE)
		return unparsed(out, "queue_lpi probe needs intid, pending_latch, enabled and "
				     "priority fields");
	return finish_lpi_target_vcpu(out);
}

/*
 * The lpi_target probe (return of update_affinity): the LPI's target after
 * an ITS command, the vcpu field trusted only with a target, as queue_lpi's.
 */
static enum ftrace_line_type finish_lpi_target(struct ftrace_line *out)
{
	struct vr_event *ev = &out->ev;

	if (ev->intid == VR_NO_VALUE || ev->arg[3] == VR_NO_VALUE)
		return unparsed(out, "lpi_target probe needs intid and target fields");
	return finish_lpi_target_vcpu(out);
}

/* See ftrace_parse.h. */
enum ftrace_line_type vr_probe_finish(struct ftrace_line *out, int have_vcpu)
{
	if (!have_vcpu)
		return unparsed(out, "probe record without a vcpu field");
	if (out->ev.kind == VR_EV_POPULATE) {
		if (out->ev.intid == VR_NO_VALUE || out->ev.arg[0] == VR_NO_VALUE)
			return unparsed(out, "populate probe needs intid and lr fields");
		return out->type = FTRACE_LINE_EVENT;
	}
	if (out->ev.kind == VR_EV_LPI_QUEUE)
		return finish_queue_lpi(out);
	if (out->ev.kind == VR_EV_LPI_TARGET)
		return finish_lpi_target(out);
	if (out->ev.kind == VR_EV_DEACTIVATE || out->ev.kind == VR_EV_SGI) {
		if (out->ev.arg[0] == VR_NO_VALUE)
			return unparsed(out, "deactivate/SGI probe needs a val field");
		if (out->ev.kind == VR_EV_DEACTIVATE)
			vr_decode_deactivate(out->snap.gic_version, &out->ev);
		else
			vr_decode_sgi(out->snap.gic_version, &out->ev);
		return out->type = FTRACE_LINE_EVENT;
	}
	if (out->snap.nr_lrs == 0 && out->snap.hcr == VR_NO_VALUE && !out->snap.ppi.recorded)
		return unparsed(out, "snapshot probe without registers");
	if (out->snap.gic_version == 5)
		out->snap.used_lrs = 0; /* no LRs: the PPIs are bitmaps */
	out->ev.arg[0] = out->snap.used_lrs;
	return out->type = FTRACE_LINE_SNAPSHOT;
}

/* See ftrace_parse.h. */
int vr_probe_classify(const char *fn, size_t n, int is_return, struct ftrace_line *out)
{
	static const struct {
		const char *fn;
		int is_return;
		enum vr_event_kind kind;
		int gic;
	} probes[] = {
		{"kvm_vgic_flush_hwstate", 1, VR_EV_FLUSH, 0},
		{"vgic_v3_fold_lr_state", 0, VR_EV_SYNC, 3},
		{"vgic_v2_fold_lr_state", 0, VR_EV_SYNC, 2},
		{"vgic_v5_fold_ppi_state", 0, VR_EV_SYNC, 5},
		{"kvm_vgic_sync_hwstate", 1, VR_EV_POST, 0},
		{"vgic_v3_populate_lr", 0, VR_EV_POPULATE, 3},
		{"vgic_v2_populate_lr", 0, VR_EV_POPULATE, 2},
		{"vgic_v3_deactivate", 0, VR_EV_DEACTIVATE, 3},
		{"vgic_v2_deactivate", 0, VR_EV_DEACTIVATE, 2},
		{"vgic_v3_dispatch_sgi", 0, VR_EV_SGI, 3},
		{"vgic_mmio_write_sgir", 0, VR_EV_SGI, 2},
		{"vgic_queue_irq_unlock", 0, VR_EV_LPI_QUEUE, 0},
		{"update_affinity", 1, VR_EV_LPI_TARGET, 3},
	};
	const char *dot = memchr(fn, '.', n);
	size_t i;

	/* A clone GCC made of the function (update_affinity.isra.0) is the function. */
	if (dot)
		n = (size_t)(dot - fn);

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (probes[i].is_return != !!is_return || !span_is(fn, n, probes[i].fn))
			continue;
		out->ev.kind = probes[i].kind;
		out->snap.gic_version = probes[i].gic;
		return 0;
	}
	return -1;
}

/* Dispatch the payload by event name. */
static enum ftrace_line_type parse_payload(const char *name, size_t nname, struct cur *c,
					   struct ftrace_line *out)
{
	static const struct {
		const char *name;
		int (*parse)(struct cur *, struct vr_event *);
	} table[] = {
		{"vgic_update_irq_pending", parse_irq_pending},
		{"kvm_irq_line", parse_irq_line},
		{"kvm_set_irq", parse_set_irq},
		{"kvm_ack_irq", parse_ack_irq},
		{"kvm_entry", parse_entry},
		{"kvm_exit", parse_exit},
		{"kvm_vcpu_wakeup", parse_wakeup},
		{"kvm_wfx_arm64", parse_wfx},
		{"kvm_timer_update_irq", parse_timer_irq},
		{"kvm_userspace_exit", parse_userspace_exit},
		{"kvm_mmio", parse_mmio},
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (!span_is(name, nname, table[i].name))
			continue;
		if (table[i].parse(c, &out->ev))
			return unparsed(out, "payload does not match the event's known format");
		return out->type = FTRACE_LINE_EVENT;
	}
	return parse_probe(c, out);
}

/* "CPU:%d [LOST %lu EVENTS]" as trace.c prints lost events. */
static int parse_lost(const char *line, size_t len, struct ftrace_line *out)
{
	struct cur c = {line, line + len};
	int64_t cpu, lost;
	void *o[] = {&cpu, &lost};
	void *o1[] = {&cpu};

	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if (!match(&c, "CPU:%d [LOST %d EVENTS]", o)) {
		out->lost = lost;
	} else {
		c.p = line;
		while (c.p < c.end && *c.p == ' ')
			c.p++;
		if (match(&c, "CPU:%d [LOST EVENTS]", o1))
			return -1;
		out->lost = -1;
	}
	if (cpu < 0 || cpu > INT32_MAX)
		return -1;
	out->lost_cpu = (int32_t)cpu;
	out->type = FTRACE_LINE_LOST;
	return 0;
}

/* Parse "secs.frac" (any number of fraction digits) or a bare counter into ns. */
static int parse_timestamp(const char *s, size_t n, struct ftrace_line *out)
{
	const char *end = s + n, *p = s;
	int64_t secs = 0, frac = 0;
	int nfrac = 0;

	if (!n || !is_digit(*p))
		return -1;
	while (p < end && is_digit(*p)) {
		if (secs > (INT64_MAX - 9) / 10)
			return -1;
		secs = secs * 10 + (*p++ - '0');
	}
	if (p == end) {
		out->ts_is_counter = 1;
		out->ev.ts_ns = secs;
		return 0;
	}
	if (*p++ != '.')
		return -1;
	while (p < end && is_digit(*p)) {
		if (nfrac < 9) {
			frac = frac * 10 + (*p - '0');
			nfrac++;
		}
		p++;
	}
	if (p != end || !nfrac || secs > INT64_MAX / 1000000000 - 1)
		return -1;
	while (nfrac++ < 9)
		frac *= 10;
	out->ev.ts_ns = secs * 1000000000 + frac;
	return 0;
}

/* True for a token that is the irq-info flags column, e.g. "d..1." or ".N..". */
static int is_flags_token(const char *s, size_t n)
{
	size_t i;

	if (n < 4 || n > 6)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr(".dDXnNpPLlbBhHsSzZ0123456789abcdef", s[i]))
			return 0;
	return 1;
}

/* Start a line's result afresh: nothing parsed, nothing lost. */
static void line_clear(struct ftrace_line *out)
{
	vr_event_clear(&out->ev);
	vr_snapshot_clear(&out->snap);
	out->type = FTRACE_LINE_IGNORED;
	out->reason = NULL;
	out->name[0] = '\0';
	out->lost = 0;
	out->lost_cpu = 0;
	out->ts_is_counter = 0;
}

/*
 * The CPU field, anchored from p on: the first " [<digits>]" is the CPU.
 * Its '[', with *close at its ']'; NULL when the line has none.
 */
static const char *find_cpu_field(const char *line, const char *p, const char *end,
				  const char **close)
{
	const char *tok;

	for (tok = p; tok < end; tok++) {
		const char *q;

		if (*tok != '[' || tok == line || tok[-1] != ' ')
			continue;
		for (q = tok + 1; q < end && is_digit(*q); q++)
			;
		if (q > tok + 1 && q < end && *q == ']') {
			*close = q;
			return tok;
		}
	}
	return NULL;
}

/*
 * The task before the CPU field (p to cpu_open): "<comm>-<pid>" and maybe
 * "(<tgid>)"; the pid into out. The name may hold dashes: the pid follows
 * the last one. NULL, or why the line is unparsed.
 */
static const char *parse_task(const char *p, const char *cpu_open, struct ftrace_line *out)
{
	const char *name_end = cpu_open, *dash;
	int64_t pid;
	void *o[] = {&pid};
	struct cur c;

	while (name_end > p && name_end[-1] == ' ')
		name_end--;
	if (name_end > p && name_end[-1] == ')') {
		const char *open = name_end - 1;

		while (open > p && *open != '(')
			open--;
		if (*open != '(')
			return "bad tgid field";
		name_end = open;
		while (name_end > p && name_end[-1] == ' ')
			name_end--;
	}
	for (dash = name_end; dash > p && dash[-1] != '-'; dash--)
		;
	if (dash == p)
		return "no <comm>-<pid> before [cpu]";
	c.p = dash;
	c.end = name_end;
	if (match(&c, "%d", o) || pid < 0 || pid > INT32_MAX)
		return "bad pid";
	out->ev.pid = (int32_t)pid;
	return NULL;
}

/*
 * After the CPU field (*pp): the optional irq-info flags, then
 * "<timestamp>:", into out; *pp moves past it. NULL, or why the line is
 * unparsed.
 */
static const char *parse_stamp(const char **pp, const char *end, struct ftrace_line *out)
{
	const char *p = *pp;

	for (;;) {
		const char *t;

		while (p < end && *p == ' ')
			p++;
		for (t = p; t < end && *t != ' '; t++)
			;
		if (t == p)
			return "line ends before the timestamp";
		if (t[-1] == ':') {
			if (parse_timestamp(p, (size_t)(t - 1 - p), out))
				return "bad timestamp";
			*pp = t;
			return NULL;
		}
		if (!is_flags_token(p, (size_t)(t - p)))
			return "unexpected field before the timestamp";
		p = t;
	}
}

/* The rest of the line, from p: "<event name>: <payload>", parsed by the event's own form. */
static enum ftrace_line_type parse_event(const char *p, const char *end, struct ftrace_line *out)
{
	const char *name;
	size_t nname;
	struct cur c;

	while (p < end && *p == ' ')
		p++;
	name = p;
	while (p < end && *p != ':' && *p != ' ')
		p++;
	if (p == name || p >= end || *p != ':')
		return unparsed(out, "no event name");
	nname = (size_t)(p - name);
	snprintf(out->name, sizeof(out->name), "%.*s", (int)(nname < 63 ? nname : 63), name);
	p++;
	while (p < end && *p == ' ')
		p++;
	c.p = p;
	c.end = end;
	if (parse_payload(name, nname, &c, out) == FTRACE_LINE_UNKNOWN)
		out->type = FTRACE_LINE_UNKNOWN;
	return out->type;
}

/*
 * Parse one line; see ftrace_parse.h. A line is "<comm>-<pid> [(<tgid>)]
 * [<cpu>] [<flags>] <timestamp>: <event>: <payload>", or a lost-events
 * marker, a comment, or blank.
 */
enum ftrace_line_type ftrace_parse_line(const char *line, size_t len, struct ftrace_line *out)
{
	const char *end = line + len, *p, *cpu_open, *cpu_close = NULL, *why;
	int64_t cpu;
	void *oc[] = {&cpu};
	struct cur c;

	line_clear(out);
	while (len && (end[-1] == '\n' || end[-1] == '\r'))
		end--, len--;
	for (p = line; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p == '#')
		return FTRACE_LINE_IGNORED;
	if (!parse_lost(line, len, out))
		return FTRACE_LINE_LOST;
	cpu_open = find_cpu_field(line, p, end, &cpu_close);
	if (!cpu_open)
		return unparsed(out, "no [cpu] field");
	c.p = cpu_open + 1;
	c.end = cpu_close;
	if (match(&c, "%d", oc) || cpu > INT32_MAX)
		return unparsed(out, "bad cpu number");
	why = parse_task(p, cpu_open, out);
	if (why)
		return unparsed(out, why);
	out->ev.cpu = (int32_t)cpu;
	p = cpu_close + 1;
	why = parse_stamp(&p, end, out);
	return why ? unparsed(out, why) : parse_event(p, end, out);
}
