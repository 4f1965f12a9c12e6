/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table of event kinds. Everything that names a kind is made
 * from it: enum vr_event_kind (schemas/trace_event.h), the event_kinds
 * rows every trace file carries (written by tracedb_create), the kind
 * sets readers ask the event cursor for (VR_KIND_BIT), and the kinds the
 * BPF program stamps on its records (collector/, which includes this
 * header alone: it must stay free of includes and C declarations other
 * than the enum).
 *
 * The numbers are part of the on-disk format (events.kind): never
 * renumber, only add. Each row: enum suffix, number, name as the trace
 * and event_kinds spell it, its source, what arg0..arg3 hold (0: unused),
 * and a description for event_kinds.description.
 */
#ifndef VR_EVENT_KINDS_H
#define VR_EVENT_KINDS_H

#define VR_EVENT_KINDS(X)                                                                          \
	X(IRQ_PENDING, 1, "vgic_update_irq_pending", "kvm tracepoint", "vcpu_id", "level", 0, 0,    \
	  "kvm_vgic_inject_irq() changed an interrupt line or latch; VCPU is meaningless (0) for SPIs") \
	X(IRQ_LINE, 2, "kvm_irq_line", "kvm tracepoint", "type", "vcpu_idx", "irq_num", "level",     \
	  "KVM_IRQ_LINE ioctl from the VMM; type 0 CPU, 1 SPI, 2 PPI")                               \
	X(SET_IRQ, 3, "kvm_set_irq", "kvm tracepoint", "gsi", "level", "irq_source_id", 0,          \
	  "irqfd/routing injection; intid = gsi + 32 on arm64")                                      \
	X(ACK_IRQ, 4, "kvm_ack_irq", "kvm tracepoint", "irqchip", "pin", 0, 0,                      \
	  "kvm_notify_acked_irq(): a level SPI was EOIed (resamplefd); intid = pin + 32")            \
	X(ENTRY, 5, "kvm_entry", "kvm tracepoint", "vcpu_pc", 0, 0, 0,                              \
	  "the vCPU thread enters the guest")                                                        \
	X(EXIT, 6, "kvm_exit", "kvm tracepoint", "exception_type", "esr_ec", "vcpu_pc", 0,          \
	  "the guest exited; exception_type 0 IRQ, 1 SERROR, 2 TRAP, 3 ILLEGAL")                     \
	X(WAKEUP, 7, "kvm_vcpu_wakeup", "kvm tracepoint", "ns", "waited", "valid", 0,               \
	  "a halted vCPU woke up after polling (waited 0) or sleeping (waited 1)")                   \
	X(WFX, 8, "kvm_wfx_arm64", "kvm tracepoint", "vcpu_pc", "is_wfe", 0, 0,                     \
	  "the guest executed WFI (is_wfe 0) or WFE (is_wfe 1) and trapped")                         \
	X(TIMER_IRQ, 9, "kvm_timer_update_irq", "kvm tracepoint", "vcpu_id", "level", 0, 0,         \
	  "the arch timer changed its interrupt line (PPI)")                                         \
	X(USERSPACE_EXIT, 10, "kvm_userspace_exit", "kvm tracepoint", "reason", "errno", 0, 0,      \
	  "KVM_RUN returned to the VMM; reason is a KVM_EXIT_* code, errno > 0 on error")            \
	X(MMIO, 11, "kvm_mmio", "kvm tracepoint", "type", "len", "gpa", "val",                      \
	  "a guest MMIO access trapped to KVM (io_mem_abort()); type 0 unsatisfied-read, 1 read, "   \
	  "2 write; writes to the GIC distributor and redistributors show the configuration the "    \
	  "guest programmed (enable, priority, routing, active)")                                    \
	X(FLUSH, 20, "vgic_flush", "probe", "used_lrs", 0, 0, 0,                                    \
	  "LR/ICH state KVM programmed before guest entry (return of kvm_vgic_flush_hwstate); "      \
	  "registers in snapshots")                                                                  \
	X(SYNC, 21, "vgic_sync", "probe", "used_lrs", 0, 0, 0,                                      \
	  "LR/ICH state the hardware handed back at exit (entry of vgic_v[23]_fold_lr_state); "      \
	  "registers in snapshots")                                                                  \
	X(POST, 22, "vgic_post", "probe", "used_lrs", 0, 0, 0,                                      \
	  "state after fold, EOIcount walk and prune (return of kvm_vgic_sync_hwstate); registers "  \
	  "in snapshots")                                                                            \
	X(POPULATE, 23, "vgic_populate_lr", "probe", "lr", 0, 0, 0,                                 \
	  "vgic_v[23]_populate_lr() placed intid into list register lr during a flush")              \
	X(DEACTIVATE, 24, "vgic_deactivate", "probe", "value", "source_cpuid", 0, 0,                \
	  "KVM handled a trapped deactivation (ICV_DIR_EL1 / GICV_DIR write; vgic_v[23]_deactivate(), " \
	  "6.19+); value as written, intid decoded, source_cpuid for GICv2 SGIs")                    \
	X(SGI, 25, "vgic_sgi", "probe", "value", "target_list", 0, 0,                               \
	  "the guest on vcpu sent SGI intid (ICC_SGI1R_EL1: vgic_v3_dispatch_sgi(); GICD_SGIR: "     \
	  "vgic_mmio_write_sgir()); value as written")                                             \
	X(LPI_QUEUE, 26, "vgic_queue_lpi", "probe", "pending_latch", "enabled", "priority", 0,        \
	  "vgic_queue_irq_unlock() was called for LPI intid (an ITS MSI: vgic_its_inject_msi(), "    \
	  "the irqfd fast path vgic_its_inject_cached_translation(), an INT command; or a pending "  \
	  "table or configuration sync); vcpu is the LPI's target_vcpu (-1 if none); the LPI's "     \
	  "state as it stood at the call")                                                          \
	X(LPI_TARGET, 27, "vgic_lpi_target", "probe", 0, 0, 0, 0,                                    \
	  "update_affinity() returned: an ITS MOVI, MOVALL, MAPC or MAPTI aimed LPI intid at vcpu "  \
	  "(its target_vcpu after the call, -1 if none); KVM moves a queued LPI to that vCPU's AP "  \
	  "list at the old target's next prune")

#define VR_EVENT_KIND_ENUM(sfx, num, ...) VR_EV_##sfx = num,

enum vr_event_kind {
	VR_EV_NONE = 0,
	VR_EVENT_KINDS(VR_EVENT_KIND_ENUM)
	VR_EV_KIND_MAX
};

/* A set of kinds, for the event cursor's filter: VR_KIND_BIT(VR_EV_FLUSH) | ... */
#define VR_KIND_BIT(kind) (1ull << (kind))

/* A kind's number in SQL, by its name (for tests and hand-written queries). */
#define VR_KIND_SQL(name) "(SELECT kind FROM event_kinds WHERE name = '" name "')"

/*
 * The kinds that only fire in task context, on the thread's own way:
 * one of them proves that its thread has returned from every call it
 * made before. The others may fire in an interrupt handler nested inside
 * such a call (the arch timer's kvm_timer_update_irq and its injection,
 * irqfd's LPI and SPI injections), on the interrupted thread's pid.
 */
#define VR_KINDS_TASK_ONLY                                                                         \
	(VR_KIND_BIT(VR_EV_IRQ_LINE) | VR_KIND_BIT(VR_EV_ENTRY) | VR_KIND_BIT(VR_EV_EXIT) |        \
	 VR_KIND_BIT(VR_EV_WAKEUP) | VR_KIND_BIT(VR_EV_WFX) | VR_KIND_BIT(VR_EV_USERSPACE_EXIT) |  \
	 VR_KIND_BIT(VR_EV_MMIO) | VR_KIND_BIT(VR_EV_FLUSH) | VR_KIND_BIT(VR_EV_SYNC) |            \
	 VR_KIND_BIT(VR_EV_POST) | VR_KIND_BIT(VR_EV_POPULATE) | VR_KIND_BIT(VR_EV_DEACTIVATE) |   \
	 VR_KIND_BIT(VR_EV_SGI) | VR_KIND_BIT(VR_EV_LPI_TARGET))

/* The snapshot kinds: their events carry LR and ICH state. */
#define VR_KINDS_SNAPSHOT (VR_KIND_BIT(VR_EV_FLUSH) | VR_KIND_BIT(VR_EV_SYNC) | VR_KIND_BIT(VR_EV_POST))

#endif
