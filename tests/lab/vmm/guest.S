/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab's guest: a few hundred bytes of AArch64 that set up the GICv3
 * CPU interface, its redistributor and (on vCPU 0) the distributor for the
 * SPIs the VMM asks for, then take interrupts in a WFI loop and count every
 * acknowledgement and deactivation in memory the VMM reads back. It plays
 * the part of the guest in the kernel's vgic_irq.c selftest.
 *
 * GIC MMIO uses plain loads and stores without writeback: KVM can only
 * emulate a data abort whose syndrome is valid (ISV).
 *
 * Shared page (SHARED, guest physical; layout in lab.h):
 *   +0x00 ready[vcpu]  written by each vCPU once it can take interrupts
 *   +0x20 nr_spis      SPIs 32 .. 32+nr_spis-1 are enabled (written by the VMM)
 *   +0x24 level_mask   bit n: SPI 32+n is level-sensitive (else edge)
 *   +0x28 eoimode      1: EOImode 1 (priority drop, then DIR)
 *   +0x2c seed_intid   non-zero: the seed-bug dance when this INTID is acknowledged (GICv3)
 *   +0x30 pile_ready   set by the VMM once higher-priority SPIs are pending
 *   +0x34 gic          2: a GICv2 (MMIO CPU interface at GICC), else GICv3
 *   +0x38 level_wait   non-zero: before EOI of a level SPI, wait until the VMM lowered
 *                      its line (lowered[intid] == acked[intid]), as a driver
 *                      clearing its device would
 *   +0x3c sgi_mode     non-zero: every vCPU sends sgi_count SGIs (see sgi_sender)
 *   +0x40 nested_spin  non-zero: the handler unmasks IRQs and spins this long (nesting)
 *   +0x44 remote_dir   non-zero (EOImode 1): vCPU 1 deactivates what vCPU 0 took
 *   +0x48 dir_slot     the IAR value | 1 << 31 waiting for vCPU 1's DIR
 *   +0x4c timer_count  non-zero: vCPU 0 arms the virtual timer (PPI 27) this often
 *   +0x50 timer_ticks  its interval in counter ticks
 *   +0x54 retarget     set by the VMM: the next SPI taken is moved to the next vCPU
 *   +0x58 retarget_done INTID | 1 << 31 once moved; +0x5c reinjected, set by the VMM
 *   +0x60 sgi_count    +0x64 nr_vcpus
 *   +0x68 remote_nowait non-zero: vCPU 0 does not wait in its handler for vCPU 1's DIR
 *   +0x6c seed_repend  non-zero: in the seed-bug dance, hold Y after the EOI of X until
 *                      the VMM injected Y again (+0x5c reinjected); +0x70 seed_held,
 *                      set by the guest once it holds Y
 *   +0x74 mmio_spin    non-zero: vCPU 1 reads GICD_TYPER (a trapped MMIO read: an exit
 *                      and a flush each) in a loop, this many delay iterations apart
 *   +0x78 dist_race    non-zero (GICv3): vCPU 0 makes this many SPIs pending for vCPU 1
 *                      through distributor writes racing vCPU 1's flushes (dist_writer)
 *   +0x3000 lowered[1024] (u32, written by the VMM)
 *   +0x4000 sent[1024] (u32: SGIs the guest sent, timer expiries it armed)
 *   +0x100 acked[1024], +0x1100 deactivated[1024], +0x2100 priority[1024] (bytes),
 *   +0x2500 target[1024] (bytes: the vCPU each SPI is routed to)
 */
	.equ GICD, 0x08000000
	.equ GICR, 0x080A0000
	.equ GICC, 0x08010000
	.equ SHARED, 0x40010000
	.equ STACKS, 0x40200000

	.text
	.global _start
_start:
	mrs	x19, mpidr_el1
	and	x19, x19, #0xff			/* Aff0 = vCPU index (KVM's default MPIDR) */
	mov	x0, #STACKS
	sub	x0, x0, x19, lsl #14		/* 16 KiB of stack per vCPU */
	mov	sp, x0
	adr	x0, vectors
	msr	vbar_el1, x0
	isb

	mov	x3, #SHARED
	ldr	w4, [x3, #0x34]
	cmp	w4, #2
	b.eq	gicv2_init
	mrs	x0, S3_0_C12_C12_5		/* ICC_SRE_EL1: system register interface */
	orr	x0, x0, #1
	msr	S3_0_C12_C12_5, x0
	isb

	/* Wake this vCPU's redistributor: GICR_WAKER.ProcessorSleep = 0. */
	mov	x1, #GICR
	mov	x2, #0x20000
	madd	x1, x19, x2, x1
	ldr	w2, [x1, #0x14]
	bic	w2, w2, #2
	str	w2, [x1, #0x14]
1:	ldr	w2, [x1, #0x14]
	tbnz	w2, #2, 1b

	cbnz	x19, cpu_interface		/* only vCPU 0 programs the distributor */
	mov	x1, #GICD
	mov	w2, #0
	str	w2, [x1]			/* GICD_CTLR = 0 while configuring */
	mov	x3, #SHARED
	ldr	w4, [x3, #0x20]			/* nr_spis (<= 32) */
	ldr	w5, [x3, #0x24]			/* level mask */
	/* Group 1 for SPIs 32-63 (GICD_IGROUPR1). */
	mov	w2, #-1
	str	w2, [x1, #0x84]
	/* GICD_ICFGR2/3: 2 bits per SPI, 0b10 edge, 0b00 level. */
	mov	w6, #0				/* ICFGR2: SPIs 32-47 */
	mov	w7, #0				/* ICFGR3: SPIs 48-63 */
	mov	w8, #0
2:	cmp	w8, #32
	b.ge	3f
	lsr	w9, w5, w8
	tbnz	w9, #0, 4f			/* level: leave 0b00 */
	mov	w9, #2
	and	w10, w8, #15
	lsl	w10, w10, #1
	lsl	w9, w9, w10
	cmp	w8, #16
	b.ge	5f
	orr	w6, w6, w9
	b	4f
5:	orr	w7, w7, w9
4:	add	w8, w8, #1
	b	2b
3:	str	w6, [x1, #0xc08]
	str	w7, [x1, #0xc0c]
	/* Priorities: GICD_IPRIORITYR byte n = priority[n]. */
	mov	x8, #32
	mov	x9, #0x2100
	add	x9, x3, x9
	add	x11, x1, #0x400
6:	cmp	x8, #64
	b.ge	7f
	ldrb	w10, [x9, x8]
	strb	w10, [x11, x8]
	add	x8, x8, #1
	b	6b
7:	/* GICD_IROUTER<n> = target[n] (Aff0; KVM gives vCPU i the MPIDR Aff0 i). */
	mov	x8, #32
	mov	x9, #0x2500
	add	x9, x3, x9
	mov	x11, #0x6000
	add	x11, x1, x11
14:	cmp	x8, #64
	b.ge	15f
	ldrb	w10, [x9, x8]
	str	x10, [x11, x8, lsl #3]
	add	x8, x8, #1
	b	14b
15:
	/* Enable SPIs 32 .. 32+nr_spis-1 (GICD_ISENABLER1). */
	mov	w2, #1
	lsl	w2, w2, w4
	sub	w2, w2, #1
	cmp	w4, #32
	csinv	w2, w2, wzr, ne
	str	w2, [x1, #0x104]
	/* GICD_CTLR = ARE | EnableGrp1 | EnableGrp0, then wait for RWP. */
	mov	w2, #0x13
	str	w2, [x1]
8:	ldr	w2, [x1]
	tbnz	w2, #31, 8b

cpu_interface:
	/* Private interrupts on this vCPU's redistributor (SGI_base = RD_base + 64K):
	 * group 1, SGIs 0-15 enabled, the virtual timer PPI 27 when the timer scenario runs. */
	mov	x1, #GICR
	mov	x2, #0x20000
	madd	x1, x19, x2, x1
	add	x1, x1, #0x10000
	mov	w2, #-1
	str	w2, [x1, #0x80]			/* GICR_IGROUPR0 */
	bl	private_enable_mask
	str	w2, [x1, #0x100]		/* GICR_ISENABLER0 */
	mov	x0, #0xff
	msr	S3_0_C4_C6_0, x0		/* ICC_PMR_EL1: everything */
	msr	S3_0_C12_C12_3, xzr		/* ICC_BPR1_EL1 = 0: full preemption */
	mov	x3, #SHARED
	ldr	w4, [x3, #0x28]			/* eoimode */
	lsl	x4, x4, #1
	msr	S3_0_C12_C12_4, x4		/* ICC_CTLR_EL1.EOImode */
	mov	x0, #1
	msr	S3_0_C12_C12_7, x0		/* ICC_IGRPEN1_EL1 */
	isb
	b	idle

/*
 * What every vCPU does once its GIC is set up: say it is ready, unmask
 * IRQs, arm the timer (vCPU 0, timer scenario), then either send SGIs,
 * serve remote DIRs (vCPU 1, remote-DIR scenario) or wait in WFI.
 */
idle:
	mov	x3, #SHARED
	mov	w0, #1
	str	w0, [x3, x19, lsl #2]		/* ready[vcpu] = 1 */
	msr	daifclr, #2			/* unmask IRQs */
	cbnz	x19, 40f
	ldr	w4, [x3, #0x4c]			/* timer_count */
	cbz	w4, 40f
	bl	timer_arm
40:	ldr	w4, [x3, #0x3c]			/* sgi_mode */
	cbnz	w4, sgi_sender
	ldr	w4, [x3, #0x44]			/* remote_dir */
	cbz	w4, 39f
	cmp	x19, #1
	b.eq	dir_server
39:	ldr	w4, [x3, #0x78]			/* dist_race */
	cbz	w4, 36f
	cbz	x19, dist_writer
36:	ldr	w4, [x3, #0x74]			/* mmio_spin */
	cbz	w4, 9f
	cmp	x19, #1
	b.eq	mmio_spinner
9:	wfi
	b	9b

/*
 * vCPU 1 in the tdir-race scenario: exit to KVM again and again with a
 * trapped GICD_TYPER read (KVM emulates it and enters again, flushing
 * each time), mmio_spin delay iterations apart, so that its flushes fall
 * close to the VMM's SPI injections for vCPU 0 and to vCPU 0's exits.
 */
mmio_spinner:
	mov	x1, #GICD
	mov	x3, #SHARED
37:	ldr	w2, [x1, #0x4]			/* GICD_TYPER */
	ldr	w4, [x3, #0x74]
38:	subs	w4, w4, #1
	b.ne	38b
	b	37b

/*
 * vCPU 0 in the dist-race scenario: round r makes SPI s = 32 + r % 16
 * pending for vCPU 1 with distributor writes that race vCPU 1's flushes
 * (it spins on trapped MMIO reads, mmio_spinner). Even rounds: disable s,
 * make it pending (on no AP list while disabled), change its priority,
 * route it to vCPU 1, enable it (GICD_ISENABLER queues it); every other
 * even round then routes it to vCPU 0 at once, so that vCPU 1's flush may
 * still take it or skip it (the prune moves it to vCPU 0). Odd rounds:
 * make the enabled s pending (GICD_ISPENDR queues it), change its
 * priority, disable and enable it again; every other odd round also
 * clears and sets its pending state (ICPENDR, ISPENDR), so vCPU 1 may take
 * it twice. Each round counts sent[s] and waits for an acknowledgement of
 * s on either vCPU.
 */
dist_writer:
	mov	x1, #GICD
	mov	x3, #SHARED
	ldr	w20, [x3, #0x78]		/* rounds */
	mov	w21, #0
	mov	x11, #0x6000
	add	x11, x1, x11			/* GICD_IROUTER<0> */
	add	x12, x1, #0x400			/* GICD_IPRIORITYR<0> */
	mov	x13, #0x2100
	add	x13, x3, x13			/* priority[] */
55:	ldr	w6, [x3, #4]			/* ready[1]: vCPU 1 takes interrupts */
	cbz	w6, 55b
50:	cmp	w21, w20
	b.ge	9b
	and	w9, w21, #15
	add	w22, w9, #32			/* s */
	mov	w23, #1
	lsl	w23, w23, w9			/* its bit in the *ENABLER1/*PENDR1 registers */
	add	x26, x3, #0x100
	ldr	w27, [x26, x22, lsl #2]		/* acked[s] before */
	add	x26, x3, #0x4000
	ldr	w6, [x26, x22, lsl #2]
	add	w6, w6, #1
	str	w6, [x26, x22, lsl #2]		/* sent[s]++ */
	ldrb	w10, [x13, x22]
	and	w7, w21, #16
	lsr	w7, w7, #1
	eor	w10, w10, w7			/* priority[s], or 8 off it every other pass, */
	cmp	w10, #0xf8			/* never 0xf8: KVM keeps 5 priority bits, so */
	mov	w8, #0xe8			/* the guest's PMR of 0xff masks 0xf8 */
	csel	w10, w8, w10, hs
	tbnz	w21, #0, 52f
	str	w23, [x1, #0x184]		/* GICD_ICENABLER1 */
	str	w23, [x1, #0x204]		/* GICD_ISPENDR1: pending, disabled */
	strb	w10, [x12, x22]			/* GICD_IPRIORITYR<s> */
	mov	x7, #1
	str	x7, [x11, x22, lsl #3]		/* GICD_IROUTER<s> = vCPU 1 */
	str	w23, [x1, #0x104]		/* GICD_ISENABLER1: queued for vCPU 1 */
	tbz	w21, #1, 53f
	str	xzr, [x11, x22, lsl #3]		/* GICD_IROUTER<s> = vCPU 0 */
	b	53f
52:	str	w23, [x1, #0x204]		/* GICD_ISPENDR1: queued for vCPU 1 */
	strb	w10, [x12, x22]			/* GICD_IPRIORITYR<s> */
	str	w23, [x1, #0x184]		/* GICD_ICENABLER1 */
	str	w23, [x1, #0x104]		/* GICD_ISENABLER1 */
	tbz	w21, #1, 53f
	str	w23, [x1, #0x284]		/* GICD_ICPENDR1 */
	str	w23, [x1, #0x204]		/* GICD_ISPENDR1 */
53:	add	x26, x3, #0x100
54:	ldr	w6, [x26, x22, lsl #2]		/* wait for an acknowledgement of s */
	cmp	w6, w27
	b.ne	56f
	ldr	w6, [x1, #0x4]			/* GICD_TYPER: an exit and a flush, which takes */
	mov	w6, #2000			/* what vCPU 1's prune moved here, kick or not */
57:	subs	w6, w6, #1
	b.ne	57b
	b	54b
56:	add	w21, w21, #1
	b	50b

/* GICR/GICD_ISENABLER0 value in w2: SGIs 0-15, plus PPI 27 with the timer. */
private_enable_mask:
	mov	x3, #SHARED
	ldr	w2, [x3, #0x4c]
	cmp	w2, #0
	mov	w2, #0xffff
	mov	w6, #0x800ffff			/* | 1 << 27 */
	csel	w2, w2, w6, eq
	ret

/* Arm the virtual timer (CNTV_TVAL_EL0 = timer_ticks, CNTV_CTL_EL0 = ENABLE); sent[27]++. */
timer_arm:
	mov	x2, #SHARED
	ldr	w6, [x2, #0x50]
	msr	S3_3_C14_C3_0, x6		/* CNTV_TVAL_EL0 */
	mov	x6, #1
	msr	S3_3_C14_C3_1, x6		/* CNTV_CTL_EL0: ENABLE, not masked */
	isb
	mov	x2, #SHARED
	add	x2, x2, #0x4000
	ldr	w6, [x2, #27 * 4]
	add	w6, w6, #1
	str	w6, [x2, #27 * 4]
	ret

/*
 * SGI sender: sgi_count SGIs, INTID 4*vcpu + i%4, to vCPU (vcpu+1) % nr_vcpus,
 * each sent only once the previous one of that INTID was acknowledged
 * (paced), counted in sent[]. GICv3: ICC_SGI1R_EL1 (INTID [27:24], TargetList
 * bit Aff0); GICv2: GICD_SGIR (CPUTargetList [23:16], INTID [3:0]).
 */
sgi_sender:
	mov	x3, #SHARED
	ldr	w20, [x3, #0x60]		/* sgi_count */
	ldr	w21, [x3, #0x64]		/* nr_vcpus */
	add	x22, x19, #1
	udiv	x23, x22, x21
	msub	x22, x23, x21, x22		/* target = (vcpu + 1) % nr_vcpus */
	mov	x24, #0				/* i */
41:	cmp	w24, w20
	b.ge	9b
	and	x25, x24, #3
	add	x25, x25, x19, lsl #2		/* INTID */
	add	x26, x3, #0x100
	ldr	w27, [x26, x25, lsl #2]		/* acked before */
	add	x26, x3, #0x4000
	ldr	w6, [x26, x25, lsl #2]
	add	w6, w6, #1
	str	w6, [x26, x25, lsl #2]		/* sent[INTID]++ (before sending: the VMM reads both) */
	ldr	w4, [x3, #0x34]
	cmp	w4, #2
	b.eq	42f
	mov	x6, #1
	lsl	x6, x6, x22
	orr	x6, x6, x25, lsl #24
	msr	S3_0_C12_C11_5, x6		/* ICC_SGI1R_EL1 */
	isb
	b	43f
42:	mov	x6, #1
	lsl	x6, x6, x22
	lsl	x6, x6, #16
	orr	x6, x6, x25
	mov	x7, #GICD
	add	x7, x7, #0xf00
	str	w6, [x7]			/* GICD_SGIR */
43:	add	x26, x3, #0x100
44:	ldr	w6, [x26, x25, lsl #2]
	cmp	w6, w27
	b.ne	48f
	wfe					/* the target's count_ack signals an event */
	b	44b
48:
	add	x24, x24, #1
	b	41b

/* vCPU 1 in the remote-DIR scenario: deactivate what vCPU 0 priority-dropped. */
dir_server:
	mov	x3, #SHARED
45:	ldr	w0, [x3, #0x48]			/* dir_slot: IAR value | 1 << 31 */
	tbnz	w0, #31, 49f
	wfe					/* vCPU 0 signals an event once it filled the slot */
	b	45b
49:
	and	w0, w0, #0x7fffffff
	ldr	w4, [x3, #0x34]
	cmp	w4, #2
	b.eq	46f
	msr	S3_0_C12_C11_1, x0		/* ICC_DIR_EL1 */
	isb
	b	47f
46:	mov	x4, #GICC
	mov	x5, #0x1000
	str	w0, [x4, x5]			/* GICC_DIR */
47:	and	x1, x0, #0x3ff
	bl	count_deactivate
	str	wzr, [x3, #0x48]
	dsb	sy
	sev					/* vCPU 0 may wait for the slot in WFE */
	b	45b

/*
 * The IRQ frame: x0-x8, x30, ELR_EL1 and SPSR_EL1, so that the nested
 * scenario can unmask IRQs inside the handler (irq_body restores it).
 */
	.macro	push_irq_frame
	stp	x0, x1, [sp, #-96]!
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x30, [sp, #48]
	stp	x7, x8, [sp, #80]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #64]
	.endm

/* IRQ (GICv3 entry): acknowledge from ICC_IAR1_EL1, then the common body. */
irq_handler:
	push_irq_frame
	mrs	x0, S3_0_C12_C12_0		/* ICC_IAR1_EL1 */
	and	x1, x0, #0xffffff
	b	irq_body

/* IRQ (GICv2 entry): acknowledge from GICC_IAR (INTID [9:0], source CPUID [12:10]). */
irq_handler_v2:
	push_irq_frame
	mov	x4, #GICC
	ldr	w0, [x4, #0xc]			/* GICC_IAR */
	and	x1, x0, #0x3ff

/*
 * The handler body: count the acknowledgement, play the scenario's part
 * (timer re-arm, seed-bug dance, retarget, nesting), priority drop and
 * deactivate (EOImode 1: DIR here or on vCPU 1), count the deactivation.
 *
 * Seed-bug dance (commit 6da5e537f5af): when the seed INTID X is taken,
 * stay in the handler with interrupts masked until the VMM has made
 * higher-priority SPIs pending (KVM then pushes the active X out of the
 * LRs, pending entries sorting first), acknowledge one of them (Y, now
 * active in an LR), EOI X first (it is in no LR: EOIcount goes up, and
 * with LRENPIE the exit comes while Y is still active), then EOI Y. With
 * seed_repend, Y's EOI waits until the VMM has injected Y again.
 */
irq_body:
	cmp	x1, #1020
	b.ge	10f				/* spurious */
	bl	count_ack
	cmp	x1, #27
	b.ne	50f
	bl	timer_next
50:	mov	x2, #SHARED
	ldr	w3, [x2, #0x2c]			/* seed INTID (GICv3 only; 0: none) */
	cbz	w3, 12f
	cmp	w3, w1
	b.ne	12f
13:	ldr	w3, [x2, #0x30]			/* wait for the pile */
	cbz	w3, 13b
	str	wzr, [x2, #0x30]
	mrs	x4, S3_0_C12_C12_0		/* acknowledge Y from an LR */
	and	x5, x4, #0xffffff
	cmp	x5, #1020
	b.ge	12f
	mov	x3, x1
	mov	x1, x5
	bl	count_ack
	msr	S3_0_C12_C12_1, x0		/* EOI X first: not in an LR */
	mov	x1, x3
	bl	count_deactivate
	mov	x2, #SHARED
	ldr	w3, [x2, #0x6c]			/* seed_repend: hold Y until it is pending again */
	cbz	w3, 15f
	str	w3, [x2, #0x70]			/* seed_held */
14:	ldr	w3, [x2, #0x5c]			/* reinjected */
	cbz	w3, 14b
	str	wzr, [x2, #0x5c]
15:	mov	x0, x4				/* then Y */
	mov	x1, x5
12:	bl	retarget
	bl	nest
	bl	wait_lowered
	bl	write_eoir
	mov	x2, #SHARED
	ldr	w3, [x2, #0x28]
	cbz	w3, 11f				/* EOImode 0: the EOI deactivated it */
	ldr	w3, [x2, #0x44]
	cbnz	w3, 52f
	bl	write_dir
	b	11f
52:	ldr	w3, [x2, #0x48]			/* remote DIR: wait for a free slot */
	tbz	w3, #31, 54f
	wfe
	b	52b
54:
	orr	w3, w0, #0x80000000
	str	w3, [x2, #0x48]
	dsb	sy
	sev
	ldr	w3, [x2, #0x68]			/* remote_nowait: leave at once */
	cbnz	w3, 10f
53:	ldr	w3, [x2, #0x48]			/* stay active here until vCPU 1 has deactivated it */
	tbz	w3, #31, 10f
	wfe
	b	53b				/* (vCPU 1 counts the deactivation) */
11:	bl	count_deactivate
10:	ldp	x2, x3, [sp, #64]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x7, x8, [sp, #80]
	ldp	x6, x30, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp], #96
	eret

/* Priority drop of IAR value x0: ICC_EOIR1_EL1 or GICC_EOIR (clobbers x2, x6). */
write_eoir:
	mov	x2, #SHARED
	ldr	w6, [x2, #0x34]
	cmp	w6, #2
	b.eq	1f
	msr	S3_0_C12_C12_1, x0
	ret
1:	mov	x2, #GICC
	str	w0, [x2, #0x10]
	ret

/* Deactivation of IAR value x0: ICC_DIR_EL1 or GICC_DIR (clobbers x2, x6). */
write_dir:
	mov	x2, #SHARED
	ldr	w6, [x2, #0x34]
	cmp	w6, #2
	b.eq	1f
	msr	S3_0_C12_C11_1, x0
	ret
1:	mov	x2, #GICC
	mov	x6, #0x1000
	str	w0, [x2, x6]
	ret

/* The timer fired: re-arm it until timer_count expiries were armed, then stop it. */
timer_next:
	mov	x2, #SHARED
	ldr	w7, [x2, #0x4c]
	add	x8, x2, #0x4000
	ldr	w8, [x8, #27 * 4]
	cmp	w8, w7
	b.lo	timer_arm			/* tail call: timer_arm returns to our caller */
	msr	S3_3_C14_C3_1, xzr		/* CNTV_CTL_EL0 = 0: line low, no more expiries */
	isb
	ret

/*
 * Retarget scenario: when the VMM set retarget, move this SPI's routing to
 * the next vCPU while it is active here (GICD_IROUTER / GICD_ITARGETSR),
 * tell the VMM, and wait until it has injected the SPI again (pending
 * while active, now routed elsewhere) before the EOI. Clobbers x2-x8.
 */
retarget:
	mov	x2, #SHARED
	ldr	w3, [x2, #0x54]
	cbz	w3, 59f
	cmp	x1, #32
	b.lo	59f
	str	wzr, [x2, #0x54]
	ldr	w4, [x2, #0x64]			/* nr_vcpus */
	add	x5, x19, #1
	udiv	x6, x5, x4
	msub	x5, x6, x4, x5			/* the next vCPU */
	mov	x6, #0x2500
	add	x6, x2, x6
	strb	w5, [x6, x1]			/* target[intid] */
	mov	x7, #GICD
	ldr	w4, [x2, #0x34]
	cmp	w4, #2
	b.eq	57f
	mov	x8, #0x6000
	add	x8, x7, x8
	str	x5, [x8, x1, lsl #3]		/* GICD_IROUTER<n> = Aff0 */
	b	58f
57:	mov	w6, #1
	lsl	w6, w6, w5
	add	x8, x7, #0x800
	strb	w6, [x8, x1]			/* GICD_ITARGETSR<n> */
58:	orr	w3, w1, #0x80000000
	str	w3, [x2, #0x58]			/* retarget_done */
56:	ldr	w3, [x2, #0x5c]			/* wait for the re-injection */
	cbz	w3, 56b
	str	wzr, [x2, #0x5c]
59:	ret

/*
 * Nested scenario: with interrupts unmasked, spin nested_spin iterations
 * inside the handler, so that higher-priority SPIs preempt it and actives
 * pile up beyond the LRs. Clobbers x2, x3.
 */
nest:
	mov	x2, #SHARED
	ldr	w3, [x2, #0x40]
	cbz	w3, 61f
	msr	daifclr, #2
60:	subs	w3, w3, #1
	b.ne	60b
	msr	daifset, #2
61:	ret

/*
 * Level SPIs: wait until the VMM lowered the line of INTID x1 as many
 * times as the guest acknowledged it (a leaf: clobbers x2 and x6 only).
 */
wait_lowered:
	mov	x2, #SHARED
	ldr	w6, [x2, #0x38]
	cbz	w6, 31f
	cmp	x1, #32
	b.lo	31f				/* private interrupts are never level here */
	ldr	w6, [x2, #0x24]			/* level mask: bit n is SPI 32+n */
	sub	x2, x1, #32
	lsr	w6, w6, w2
	tbz	w6, #0, 31f
30:	mov	x2, #SHARED
	add	x2, x2, #0x100
	ldr	w6, [x2, x1, lsl #2]		/* acked[intid] */
	mov	x2, #SHARED
	add	x2, x2, #0x3000
	ldr	w2, [x2, x1, lsl #2]		/* lowered[intid] */
	cmp	w2, w6
	b.lo	30b
31:	ret

/* acked[x1]++, then an event for a vCPU waiting on it in WFE (a leaf: clobbers x2 and x6 only). */
count_ack:
	mov	x2, #SHARED
	add	x2, x2, #0x100
	ldr	w6, [x2, x1, lsl #2]
	add	w6, w6, #1
	str	w6, [x2, x1, lsl #2]
	dsb	sy
	sev
	ret

/* deactivated[x1]++ (a leaf: clobbers x2 and x6 only). */
count_deactivate:
	mov	x2, #SHARED
	mov	x6, #0x1100
	add	x2, x2, x6
	ldr	w6, [x2, x1, lsl #2]
	add	w6, w6, #1
	str	w6, [x2, x1, lsl #2]
	ret

/*
 * GICv2: the distributor as above but ITARGETSR for routing and group 0,
 * and the CPU interface in MMIO (GICC_CTLR, PMR, BPR; IAR/EOIR/DIR).
 */
gicv2_init:
	cbnz	x19, 20f
	mov	x1, #GICD
	str	wzr, [x1]			/* GICD_CTLR = 0 while configuring */
	ldr	w4, [x3, #0x20]
	ldr	w5, [x3, #0x24]
	mov	w6, #0
	mov	w7, #0
	mov	w8, #0
21:	cmp	w8, #32				/* ICFGR2/3: edge unless level */
	b.ge	22f
	lsr	w9, w5, w8
	tbnz	w9, #0, 23f
	mov	w9, #2
	and	w10, w8, #15
	lsl	w10, w10, #1
	lsl	w9, w9, w10
	cmp	w8, #16
	b.ge	24f
	orr	w6, w6, w9
	b	23f
24:	orr	w7, w7, w9
23:	add	w8, w8, #1
	b	21b
22:	str	w6, [x1, #0xc08]
	str	w7, [x1, #0xc0c]
	mov	x8, #32
	mov	x9, #0x2100
	add	x9, x3, x9
	mov	x10, #0x2500
	add	x10, x3, x10
	add	x11, x1, #0x400			/* IPRIORITYR */
	add	x12, x1, #0x800			/* ITARGETSR */
25:	cmp	x8, #64
	b.ge	26f
	ldrb	w13, [x9, x8]
	strb	w13, [x11, x8]
	ldrb	w13, [x10, x8]
	mov	w14, #1
	lsl	w14, w14, w13
	strb	w14, [x12, x8]
	add	x8, x8, #1
	b	25b
26:	mov	w2, #1
	lsl	w2, w2, w4
	sub	w2, w2, #1
	cmp	w4, #32
	csinv	w2, w2, wzr, ne
	str	w2, [x1, #0x104]		/* ISENABLER1 */
	mov	w2, #1
	str	w2, [x1]			/* GICD_CTLR.EnableGrp0 */
20:	mov	x1, #GICC
	mov	w2, #0xff
	str	w2, [x1, #0x4]			/* GICC_PMR */
	str	wzr, [x1, #0x8]			/* GICC_BPR */
	ldr	w4, [x3, #0x28]			/* eoimode -> GICC_CTLR.EOImode (bit 9) */
	lsl	w4, w4, #9
	orr	w4, w4, #1			/* EnableGrp0 */
	str	w4, [x1]
	adr	x0, vectors_v2
	msr	vbar_el1, x0
	isb
	bl	private_enable_mask
	mov	x1, #GICD
	str	w2, [x1, #0x100]		/* GICD_ISENABLER0 (banked per CPU) */
	b	idle

	.balign 2048
vectors_v2:
	.rept 5
	b	.
	.balign 128
	.endr
	b	irq_handler_v2			/* vectors_v2 + 0x280 */
	.balign 128
	.rept 10
	b	.
	.balign 128
	.endr

/* Exception vectors: only "current EL with SPx, IRQ" (+0x280) is expected. */
	.balign 2048
vectors:
	.rept 5
	b	.
	.balign 128
	.endr
	b	irq_handler			/* vectors + 0x280 */
	.balign 128
	.rept 10
	b	.
	.balign 128
	.endr
