/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resolve struct member paths in kernel BTF and build the tracefs kprobe
 * definitions of the vGIC snapshot probes, and the event filters they need.
 *
 * vgic_v2 and vgic_v3 live in an anonymous union inside struct vgic_cpu,
 * so the path walker descends into anonymous members when a name is not
 * found at the current level, as C name lookup does.
 */
#define _POSIX_C_SOURCE 200809L
#include "vgic_probes.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sys/utsname.h>

#include "../import/ftrace_parse.h"
#include "vcpu_register.h"

/* Strip typedefs and qualifiers. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) ||
		     btf_is_restrict(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

/*
 * Find member `name` in struct/union type_id, looking through anonymous
 * members; on success set *bit_off (relative to the type) and *member_type.
 */
static int find_member(const struct btf *btf, __u32 type_id, const char *name, long *bit_off,
		       __u32 *member_type)
{
	const struct btf_type *t = skip_mods(btf, type_id, &type_id);
	const struct btf_member *m;
	int i, n;

	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);

		if (mname && !strcmp(mname, name)) {
			*bit_off = btf_member_bit_offset(t, i);
			*member_type = m->type;
			return 0;
		}
	}
	m = btf_members(t);
	for (i = 0; i < n; i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		long inner;

		if (mname && *mname)
			continue;
		if (!find_member(btf, m->type, name, &inner, member_type)) {
			*bit_off = btf_member_bit_offset(t, i) + inner;
			return 0;
		}
	}
	return -1;
}

/*
 * Byte offset of a dotted member path ("arch.vgic_cpu.vgic_v3.vgic_lr")
 * inside the named struct; the final member's type id goes to *type.
 */
static int path_offset(const struct btf *btf, const char *struct_name, const char *path,
		       long *offset, __u32 *type, struct vr_error *err)
{
	char buf[256], *tok, *save = NULL;
	__s32 id = btf__find_by_name_kind(btf, struct_name, BTF_KIND_STRUCT);
	__u32 cur;
	long bits = 0;

	if (id < 0)
		return vr_error_set(err, "BTF has no struct %s (not an arm64 KVM kernel?)",
				    struct_name);
	cur = (__u32)id;
	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		long off;

		if (find_member(btf, cur, tok, &off, &cur))
			return vr_error_set(err, "BTF: struct %s has no member %s (at '%s')",
					    struct_name, path, tok);
		bits += off;
	}
	if (bits % 8)
		return vr_error_set(err, "BTF: %s.%s is a bitfield", struct_name, path);
	*offset = bits / 8;
	*type = cur;
	return 0;
}

/*
 * Where a flag of struct vgic_irq lives: a bool before 6.19, a one-bit
 * bitfield since ("Repack struct vgic_irq fields"), which the kprobe reads
 * with a bitfield fetch type.
 */
static int irq_flag(const struct btf *btf, const char *name, struct vgic_irq_flag *f,
		    struct vr_error *err)
{
	__s32 id = btf__find_by_name_kind(btf, "vgic_irq", BTF_KIND_STRUCT);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
	const struct btf_member *m;
	int i;

	for (i = 0, m = t ? btf_members(t) : NULL; t && i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		__u32 bits = btf_member_bit_offset(t, i), size = btf_member_bitfield_size(t, i);

		if (!mname || strcmp(mname, name))
			continue;
		if (size > 1 || (!size && bits % 8))
			break;
		f->byte = bits / 8;
		f->bit = bits % 8;
		f->is_bitfield = size == 1;
		return 0;
	}
	return vr_error_set(err, "BTF: struct vgic_irq has no one-bit or bool member %s", name);
}

/*
 * The struct vgic_irq members the queue_lpi probe reads; has_queue_lpi
 * stays 0 (the probe is left out) when BTF lacks one of them.
 */
static void queue_lpi_offsets(const struct btf *btf, struct vgic_offsets *o)
{
	struct vr_error ignored = {{0}};
	__u32 type;

	o->has_queue_lpi =
	    !path_offset(btf, "vgic_irq", "target_vcpu", &o->irq_target, &type, &ignored) &&
	    !path_offset(btf, "vgic_irq", "priority", &o->irq_priority, &type, &ignored) &&
	    !irq_flag(btf, "pending_latch", &o->irq_pending_latch, &ignored) &&
	    !irq_flag(btf, "enabled", &o->irq_enabled, &ignored);
}

/*
 * The GICv5 offsets (7.1+, vgic-v5.c): struct vgic_v5_cpu_if inside the
 * vCPU, its bitmaps' and PRIORITYR's sizes (64 PPIs since 35a4f8d151d6),
 * and where the per-CPU host data keeps the PENDR KVM writes at entry and
 * the ACTIVER read at exit (vgic_v5_ppi_state), which a kprobe cannot
 * reach (no per-CPU fetch-arg) but the BPF collector can.
 */
static int v5_offsets(const struct btf *btf, struct vgic_offsets *o, struct vr_error *err)
{
	static const char cif[] = "arch.vgic_cpu.vgic_v5.";
	const struct btf_type *t;
	char member[128];
	__u32 type;

#define PATH5(field, name)                                                                 \
	do {                                                                               \
		snprintf(member, sizeof(member), "%s%s", cif, name);                       \
		if (path_offset(btf, "kvm_vcpu", member, &o->field, &type, err))           \
			return -1;                                                         \
	} while (0)
	PATH5(v5_apr, "vgic_apr");
	PATH5(v5_vmcr, "vgic_vmcr");
	PATH5(v5_dvir, "vgic_ppi_dvir");
	PATH5(v5_activer, "vgic_ppi_activer");
	t = skip_mods(btf, type, &type);
	o->v5_ppi_words = t && btf_is_array(t) ? (int)btf_array(t)->nelems : 0;
	PATH5(v5_enabler, "vgic_ppi_enabler");
	PATH5(v5_priorityr, "vgic_ppi_priorityr");
	t = skip_mods(btf, type, &type);
	o->v5_nr_priorityr = t && btf_is_array(t) ? (int)btf_array(t)->nelems : 0;
#undef PATH5
	if (o->v5_ppi_words < 1 || o->v5_ppi_words > 2 || o->v5_nr_priorityr < 1 ||
	    o->v5_nr_priorityr > 16)
		return vr_error_set(err, "BTF: struct vgic_v5_cpu_if has PPI arrays of %d longs "
					 "and %d PRIORITYR copies, not a layout we know",
				    o->v5_ppi_words, o->v5_nr_priorityr);
	o->host_v5_pendr = o->host_v5_activer_exit = -1;
	if (path_offset(btf, "kvm_host_data", "vgic_v5_ppi_state.pendr", &o->host_v5_pendr,
			&type, NULL) == 0)
		path_offset(btf, "kvm_host_data", "vgic_v5_ppi_state.activer_exit",
			    &o->host_v5_activer_exit, &type, NULL);
	return 0;
}

/* See vgic_probes.h. */
int vgic_offsets_from_btf(const char *btf_path, int gic_version, struct vgic_offsets *o,
			  struct vr_error *err)
{
	const char *path = btf_path ? btf_path : "/sys/kernel/btf/vmlinux";
	const char *cif = gic_version == 2 ? "arch.vgic_cpu.vgic_v2." : "arch.vgic_cpu.vgic_v3.";
	struct btf *btf = btf__parse(path, NULL);
	const struct btf_type *t;
	char member[128];
	__u32 type;
	int rc = -1;

	if (!btf)
		return vr_error_set(err, "%s: cannot read BTF (%s); the kernel needs CONFIG_DEBUG_INFO_BTF",
				    path, strerror(errno));
	memset(o, 0, sizeof(*o));
	o->gic_version = gic_version;
	snprintf(o->ret_vcpu, sizeof(o->ret_vcpu), "$arg1");
	if (gic_version == 5) {
		if (path_offset(btf, "kvm_vcpu", "vcpu_id", &o->vcpu_id, &type, err) ||
		    btf__find_by_name_kind(btf, "vgic_v5_cpu_if", BTF_KIND_STRUCT) < 0) {
			if (!err || !err->msg[0])
				vr_error_set(err, "%s: BTF has no struct vgic_v5_cpu_if: the kernel "
						  "predates GICv5 guests (7.1)", path);
			goto out;
		}
		rc = v5_offsets(btf, o, err);
		goto out;
	}
#define PATH(field, name)                                                                  \
	do {                                                                               \
		snprintf(member, sizeof(member), "%s%s", cif, name);                       \
		if (path_offset(btf, "kvm_vcpu", member, &o->field, &type, err))           \
			goto out;                                                          \
	} while (0)
	if (path_offset(btf, "kvm_vcpu", "vcpu_id", &o->vcpu_id, &type, err))
		goto out;
	PATH(used_lrs, "used_lrs");
	PATH(hcr, "vgic_hcr");
	PATH(vmcr, "vgic_vmcr");
	if (gic_version == 2) {
		PATH(apr, "vgic_apr");
		o->ap0r = o->ap1r = -1;
	} else {
		PATH(ap0r, "vgic_ap0r");
		PATH(ap1r, "vgic_ap1r");
		o->apr = -1;
	}
	PATH(lr, "vgic_lr");
#undef PATH
	t = skip_mods(btf, type, &type);
	if (!t || !btf_is_array(t)) {
		vr_error_set(err, "BTF: vgic_lr is not an array");
		goto out;
	}
	o->max_lrs = (int)btf_array(t)->nelems;
	o->lr_size = (int)btf__resolve_size(btf, btf_array(t)->type);
	if (path_offset(btf, "vgic_irq", "intid", &o->irq_intid, &type, err))
		goto out;
	/* Optional probes: a function the compiler inlined or an older kernel lacks has no BTF. */
	o->has_deactivate = btf__find_by_name_kind(btf, gic_version == 2 ? "vgic_v2_deactivate"
									  : "vgic_v3_deactivate",
						   BTF_KIND_FUNC) >= 0;
	o->has_sgi = btf__find_by_name_kind(btf, gic_version == 2 ? "vgic_mmio_write_sgir"
								   : "vgic_v3_dispatch_sgi",
					    BTF_KIND_FUNC) >= 0;
	queue_lpi_offsets(btf, o);
	snprintf(o->lpi_target_sym, sizeof(o->lpi_target_sym), "update_affinity");
	rc = 0;
out:
	btf__free(btf);
	return rc;
}

/* Append formatted text to buf, tracking overflow. */
static void add(char *buf, size_t size, size_t *len, int *overflow, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add(char *buf, size_t size, size_t *len, int *overflow, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		*overflow = 1;
	else
		*len += (size_t)n;
}

/* The register fetch-args shared by the three snapshot probes; v is the vcpu's fetch-arg. */
static void add_registers(const struct vgic_offsets *o, const char *v, int nr_lrs, char *buf,
			  size_t size, size_t *len, int *overflow)
{
	const char *lr_type = o->lr_size == 4 ? "x32" : "x64";
	int i;

	add(buf, size, len, overflow, " vcpu=+%ld(%s):u32 used=+%ld(%s):u32 hcr=+%ld(%s):x32 vmcr=+%ld(%s):x32",
	    o->vcpu_id, v, o->used_lrs, v, o->hcr, v, o->vmcr, v);
	if (o->gic_version == 2)
		add(buf, size, len, overflow, " apr=+%ld(%s):x32", o->apr, v);
	else
		add(buf, size, len, overflow, " ap0r0=+%ld(%s):x32 ap1r0=+%ld(%s):x32", o->ap0r, v,
		    o->ap1r, v);
	for (i = 0; i < nr_lrs && i < o->max_lrs; i++)
		add(buf, size, len, overflow, " lr%d=+%ld(%s):%s", i, o->lr + (long)i * o->lr_size,
		    v, lr_type);
	add(buf, size, len, overflow, "\n");
}

/* A fetch-arg for a flag of struct vgic_irq at $arg2: u8 for a bool, b1@BIT/8 for a bitfield. */
static void add_irq_flag(const char *name, const struct vgic_irq_flag *f, char *buf, size_t size,
			 size_t *len, int *overflow)
{
	if (f->is_bitfield)
		add(buf, size, len, overflow, " %s=+%ld($arg2):b1@%d/8", name, f->byte, f->bit);
	else
		add(buf, size, len, overflow, " %s=+%ld($arg2):u8", name, f->byte);
}

/*
 * vgic_queue_irq_unlock(kvm, irq, flags): every path that queues an LPI
 * ends there. The target's vcpu_id comes through the target_vcpu pointer,
 * which is also fetched: for a NULL target the dereference faults and the
 * vcpu field holds whatever the ring buffer held (0 in the lab), so the
 * importer trusts it only with a target.
 */
static void add_queue_lpi(const struct vgic_offsets *o, char *buf, size_t size, size_t *len,
			  int *overflow)
{
	add(buf, size, len, overflow,
	    "p:vgic/%s vgic_queue_irq_unlock vcpu=+%ld(+%ld($arg2)):u32 intid=+%ld($arg2):u32",
	    VGIC_PROBE_QUEUE_LPI, o->vcpu_id, o->irq_target, o->irq_intid);
	add_irq_flag("pending_latch", &o->irq_pending_latch, buf, size, len, overflow);
	add_irq_flag("enabled", &o->irq_enabled, buf, size, len, overflow);
	add(buf, size, len, overflow, " priority=+%ld($arg2):u8 target=+%ld($arg2):x64\n",
	    o->irq_priority, o->irq_target);
}

/*
 * Return of update_affinity(irq, ...): the target_vcpu an ITS MOVI,
 * MOVALL, MAPC or MAPTI left the LPI with, read through the irq the call
 * was given ($arg1 at a return probe, 6.4+). As for queue_lpi, the target
 * pointer is fetched too: through a NULL one the vcpu field means nothing.
 */
static void add_lpi_target(const struct vgic_offsets *o, char *buf, size_t size, size_t *len,
			   int *overflow)
{
	add(buf, size, len, overflow,
	    "r:vgic/%s %s vcpu=+%ld(+%ld($arg1)):u32 intid=+%ld($arg1):u32 target=+%ld($arg1):x64\n",
	    VGIC_PROBE_LPI_TARGET, o->lpi_target_sym, o->vcpu_id, o->irq_target, o->irq_intid,
	    o->irq_target);
}

/* See vgic_probes.h. */
int vgic_lpi_target_symbol(char *sym, size_t size)
{
	static const char fn[] = "update_affinity";
	char line[512], name[256], type;
	FILE *f = fopen("/proc/kallsyms", "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %c %255s", &type, name) == 2 &&
			(type == 't' || type == 'T') && !strncmp(name, fn, sizeof(fn) - 1) &&
			(name[sizeof(fn) - 1] == '\0' || name[sizeof(fn) - 1] == '.') &&
			strlen(name) < size;
	if (f)
		fclose(f);
	if (found)
		snprintf(sym, size, "%s", name);
	return found ? 0 : -1;
}

/* The GICv5 register fetch-args of the snapshot probes: the vCPU's vgic_v5_cpu_if. */
static void add_v5_registers(const struct vgic_offsets *o, char *buf, size_t size, size_t *len,
			     int *overflow)
{
	add(buf, size, len, overflow, " vcpu=+%ld($arg1):u32", o->vcpu_id);
	/* the PPI fields first: the importer knows a GICv5 snapshot by them (apr is GICv2's else) */
	for (int x = 0; x < o->v5_ppi_words; x++)
		add(buf, size, len, overflow,
		    " dvir%d=+%ld($arg1):x64 activer%d=+%ld($arg1):x64 enabler%d=+%ld($arg1):x64", x,
		    o->v5_dvir + 8L * x, x, o->v5_activer + 8L * x, x, o->v5_enabler + 8L * x);
	for (int i = 0; i < o->v5_nr_priorityr; i++)
		add(buf, size, len, overflow, " priorityr%d=+%ld($arg1):x64", i,
		    o->v5_priorityr + 8L * i);
	add(buf, size, len, overflow, " vmcr=+%ld($arg1):x64 apr=+%ld($arg1):x64\n", o->v5_vmcr,
	    o->v5_apr);
}

/*
 * The GICv5 probes: the same three snapshot points as for GICv3, the
 * fold being vgic_v5_fold_ppi_state(vcpu). PENDR is not among them: KVM
 * keeps the bitmap it writes at entry, and the one it reads at exit, in
 * the per-CPU host data, which kprobe fetch-args cannot follow; a comment
 * line (kprobe_events skips '#' lines) gives its offset for the BPF side.
 */
static int v5_probe_definitions(const struct vgic_offsets *o, char *buf, size_t size)
{
	size_t len = 0;
	int overflow = 0;

	add(buf, size, &len, &overflow,
	    "# GICv5 (struct vgic_v5_cpu_if, %d PPIs): PENDR is per-CPU, "
	    "kvm_host_data+%ld (vgic_v5_ppi_state.pendr), ACTIVER at exit +%ld; kprobes cannot "
	    "read it\n",
	    o->v5_ppi_words * 64, o->host_v5_pendr, o->host_v5_activer_exit);
	add(buf, size, &len, &overflow, "r:vgic/flush kvm_vgic_flush_hwstate");
	add_v5_registers(o, buf, size, &len, &overflow);
	add(buf, size, &len, &overflow, "p:vgic/sync vgic_v5_fold_ppi_state");
	add_v5_registers(o, buf, size, &len, &overflow);
	add(buf, size, &len, &overflow, "r:vgic/post kvm_vgic_sync_hwstate");
	add_v5_registers(o, buf, size, &len, &overflow);
	return overflow ? -1 : (int)len;
}

/* See vgic_probes.h. */
int vgic_offsets_for_running_kernel(int gic_version, struct vgic_offsets *o, struct vr_error *err)
{
	struct utsname u;

	if (vgic_offsets_from_btf(NULL, gic_version, o, err))
		return -1;
	if (vgic_lpi_target_symbol(o->lpi_target_sym, sizeof(o->lpi_target_sym)))
		o->lpi_target_sym[0] = '\0';
	if (gic_version == 5 || uname(&u))
		return 0;
	return vr_return_vcpu_fetcharg(u.release, NULL, NULL, o->ret_vcpu, sizeof(o->ret_vcpu), err);
}

/* See vgic_probes.h. */
int vgic_probe_definitions(const struct vgic_offsets *o, int nr_lrs, char *buf, size_t size)
{
	const char *v = o->gic_version == 2 ? "v2" : "v3";
	const char *ret = o->ret_vcpu[0] ? o->ret_vcpu : "$arg1";
	size_t len = 0;
	int overflow = 0;

	if (size)
		buf[0] = '\0';
	if (o->gic_version == 5)
		return v5_probe_definitions(o, buf, size);
	/* The state KVM programmed: return of kvm_vgic_flush_hwstate(vcpu). */
	add(buf, size, &len, &overflow, "r:vgic/flush kvm_vgic_flush_hwstate");
	add_registers(o, ret, nr_lrs, buf, size, &len, &overflow);
	/* The state the hardware handed back: entry of the fold (on VHE the save happens in
	 * kvm_vgic_sync_hwstate, so its entry would still show the flush values). */
	add(buf, size, &len, &overflow, "p:vgic/sync vgic_%s_fold_lr_state", v);
	add_registers(o, "$arg1", nr_lrs, buf, size, &len, &overflow);
	/* After fold, EOIcount walk and prune. */
	add(buf, size, &len, &overflow, "r:vgic/post kvm_vgic_sync_hwstate");
	add_registers(o, ret, nr_lrs, buf, size, &len, &overflow);
	/* Which AP-list entry went into which LR: vgic_vN_populate_lr(vcpu, irq, lr). */
	add(buf, size, &len, &overflow,
	    "p:vgic/populate vgic_%s_populate_lr vcpu=+%ld($arg1):u32 intid=+%ld($arg2):u32 "
	    "lr=$arg3:s32\n",
	    v, o->vcpu_id, o->irq_intid);
	/* A deactivation KVM handles for the guest (trapped DIR): vgic_vN_deactivate(vcpu, val). */
	if (o->has_deactivate)
		add(buf, size, &len, &overflow,
		    "p:vgic/deactivate vgic_%s_deactivate vcpu=+%ld($arg1):u32 val=$arg2:x64\n", v,
		    o->vcpu_id);
	/* An SGI the guest sent: vgic_v3_dispatch_sgi(vcpu, reg, allow_group1) (ICC_SGI1R_EL1),
	 * vgic_mmio_write_sgir(source_vcpu, addr, len, val) (GICD_SGIR). */
	if (o->has_sgi && o->gic_version == 2)
		add(buf, size, &len, &overflow,
		    "p:vgic/sgi vgic_mmio_write_sgir vcpu=+%ld($arg1):u32 val=$arg4:x64\n",
		    o->vcpu_id);
	else if (o->has_sgi)
		add(buf, size, &len, &overflow,
		    "p:vgic/sgi vgic_v3_dispatch_sgi vcpu=+%ld($arg1):u32 val=$arg2:x64\n",
		    o->vcpu_id);
	if (o->has_queue_lpi)
		add_queue_lpi(o, buf, size, &len, &overflow);
	/* Return probes read $arg1 from 6.4 on (ret_vcpu is "$arg1" there, or unset). */
	if (o->has_queue_lpi && o->gic_version == 3 && o->lpi_target_sym[0] &&
	    (!o->ret_vcpu[0] || !strcmp(o->ret_vcpu, "$arg1")))
		add_lpi_target(o, buf, size, &len, &overflow);
	return overflow ? -1 : (int)len;
}

/* See vgic_probes.h. */
int vgic_probe_filters(const struct vgic_offsets *o, char *buf, size_t size)
{
	size_t len = 0;
	int overflow = 0;

	if (size)
		buf[0] = '\0';
	if (o->has_queue_lpi)
		add(buf, size, &len, &overflow, "%s intid >= %d\n", VGIC_PROBE_QUEUE_LPI,
		    VR_MIN_LPI);
	return overflow ? -1 : (int)len;
}
