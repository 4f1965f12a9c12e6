/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The findings the model's divergences become (replay/model*.c reports
 * them through finding_from_divergence), explained in the kernel's terms:
 * a flush the kernel programmed other than the model predicts, an
 * EOIcount or trapped DIR that deactivated the wrong interrupt, a remote
 * DIR the owner's fold undid, an interrupt stranded by a distributor
 * enable. The tracker's state says when a divergence is only a gap's
 * unknown; a flush the tracker already reported is not reported twice.
 */
#define _POSIX_C_SOURCE 200809L
#include "replay_internal.h"

/*
 * The two forms of MIS_DEACTIVATION the model finds at one event: an
 * EOIcount larger than the active AP-list entries the profile's walk
 * (vgic_v3_fold_lr_state) could deactivate, so the guest EOIed interrupts
 * KVM does not hold active and whatever it did hold is left as it was;
 * and a trapped DIR (vgic_v3_deactivate) of an interrupt that was not
 * active.
 */
static void on_model_deactivation(struct checker *c, const struct replay_model_divergence *d)
{
	struct replay_finding fd;

	finding_init(&fd, FINDING_MIS_DEACTIVATION, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	if (d->kind == MODEL_EOICOUNT_LEFT) {
		finding_proof(&fd, d->flush_event, "exit with EOIcount");
		finding_proof(&fd, d->prev_flush_event, "flush before the run");
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "At this exit vCPU %d reports EOIcount %d, but under %s only %d active "
			 "interrupt%s outside the list registers for the walk to deactivate: the "
			 "guest EOIed %d interrupt%s KVM does not hold active (the kernel did not "
			 "account for the EOIcount; an earlier deactivation went to the wrong "
			 "interrupt, or an active state was lost).",
			 d->vcpu, d->eoicount, vgic_profile_name(c->profile), d->eoicount - d->eoicount_left,
			 d->eoicount - d->eoicount_left == 1 ? " was left" : "s were left",
			 d->eoicount_left, d->eoicount_left == 1 ? "" : "s");
	} else {
		finding_proof(&fd, d->flush_event, "trapped deactivation");
		finding_proof(&fd, d->prev_sync_event, "last fold");
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "vCPU %d's guest deactivated INTID %lld through a trapped DIR "
			 "(vgic_v3_deactivate), but INTID %lld was not active: the deactivation "
			 "was meant for another interrupt, which stays active.",
			 d->vcpu, (long long)d->intid, (long long)d->intid);
	}
	finding_report(c, &fd);
}

/*
 * A DIR from another vCPU that did not take: the interrupt was in its
 * owner's LRs (or being folded from them), vgic_v3_deactivate() took the
 * ICACTIVER route (vgic_mmio_write_cactive()), and the owner's fold set
 * the active state again from its LR, as its next flush shows. The guest
 * believes it deactivated the interrupt; KVM holds it active, so the INTID
 * is never presented again.
 */
static void on_model_dir_lost(struct checker *c, const struct replay_model_divergence *d)
{
	struct replay_finding fd;

	finding_init(&fd, FINDING_STUCK_ACTIVE, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	finding_proof(&fd, d->flush_event, "flush with it still active");
	finding_proof(&fd, d->cause_event, "trapped DIR that did not take");
	finding_proof(&fd, d->prev_sync_event, "fold that set it active again");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "vCPU %d's guest deactivated INTID %lld through a trapped DIR (event %lld, "
		 "vgic_v3_deactivate) while the interrupt was in vCPU %d's list registers; "
		 "the DIR returned before this flush, which still programs INTID %lld Active. "
		 "KVM turns such a DIR into a GICD_ICACTIVER write (vgic_mmio_write_cactive), "
		 "which clears the software state but not the owner's LR, and "
		 "kvm_arm_halt_guest() waits only for vCPUs still in the guest: the owner's "
		 "fold set the active state again from its LR. "
		 "The guest believes the interrupt deactivated; it stays active and its INTID "
		 "cannot be delivered again.",
		 d->dir_vcpu, (long long)d->intid, (long long)d->cause_event, d->vcpu,
		 (long long)d->intid);
	finding_report(c, &fd);
}

/*
 * An interrupt made pending while the distributor was disabled, still on
 * no AP list at the end of the trace although GICD_CTLR enabled the
 * distributor: vgic_mmio_write_v3_misc() / _v2_misc() only kick the vCPUs
 * (vgic_kick_vcpus() looks at AP lists), so nothing forwards it. The model
 * mirrors that, so the flushes agree; the loss shows here.
 */
static void on_model_stranded(struct checker *c, const struct replay_model_divergence *d)
{
	struct replay_finding fd;
	struct irq_track *t = track_irq(c, d->vcpu, d->intid);

	if (t && t->uncertain)
		return; /* across a gap: unknown */
	if (t)
		t->stranded = 1; /* its pending instance counts as lost (track_finish()) */
	finding_init(&fd, FINDING_LOST_INTERRUPT, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	finding_proof(&fd, d->flush_event, "GICD_CTLR write that enabled the distributor");
	finding_proof(&fd, d->cause_event, "injection made while it was disabled");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "INTID %lld became pending for vCPU %d while the distributor was disabled, so "
		 "vgic_target_oracle() queued it nowhere; when the guest enabled the distributor "
		 "(GICD_CTLR), KVM only kicked the vCPUs (vgic_kick_vcpus() looks at AP lists), "
		 "and nothing queued it until the end of the trace: pending and enabled, it is "
		 "never presented. The architecture forwards pending interrupts once the "
		 "distributor is enabled.",
		 (long long)d->intid, d->vcpu);
	finding_report(c, &fd);
}

/*
 * The engine replay (replay/model*.c) found a flush the kernel programmed
 * differently from the model's prediction under c->profile. Under the
 * recording kernel's own profile that is the kernel contradicting its own
 * rules (a missing higher-priority pending interrupt, a wrong state or
 * priority); under another profile it is the what-if: where that kernel
 * would have diverged. A flush the observational checks already reported
 * is not reported twice.
 */
void finding_from_divergence(const struct replay_model_divergence *d, void *arg)
{
	struct checker *c = arg;
	struct replay_finding fd;
	int whatif = c->profile != c->recorded;
	struct irq_track *t;

	if (d->kind == MODEL_DIR_LOST) {
		c->has_deferred = 0; /* the tracker's unacknowledged-active suspicion, explained */
		on_model_dir_lost(c, d);
		return;
	}
	if (c->has_deferred && c->deferred.proof[0] == d->flush_event) {
		c->has_deferred = 0; /* the tracker's finding names the cause: keep it */
		finding_report(c, &c->deferred);
		return;
	}
	if (c->last_finding_event == d->flush_event && d->kind != MODEL_STRANDED)
		return;
	if (d->kind == MODEL_STRANDED) {
		on_model_stranded(c, d);
		return;
	}
	if (d->kind != MODEL_FLUSH_DIFFERS) {
		on_model_deactivation(c, d);
		return;
	}
	t = d->intid == VR_NO_VALUE ? NULL : track_irq(c, d->vcpu, d->intid);
	if (!whatif && t && t->uncertain)
		return; /* in flight across a gap: unknown, not a finding */
	finding_init(&fd, FINDING_LR_DIVERGENCE, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	finding_proof(&fd, d->flush_event, whatif ? "flush the recording kernel made"
						  : "flush that differs from the model");
	finding_proof(&fd, d->prev_sync_event, "fold the prediction starts from");
	finding_proof(&fd, d->cause_event, "last injection of the interrupt");
	if (whatif)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "Under %s, this flush of vCPU %d would have programmed other list registers "
			 "than the recording kernel (%s) did, from the same state and inputs: %s. "
			 "The model follows the recording from here, so each such finding is a "
			 "separate point where %s would diverge.",
			 vgic_profile_name(c->profile), d->vcpu, vgic_profile_name(c->recorded), d->what, vgic_profile_name(c->profile));
	else
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "KVM programmed list registers for vCPU %d that %s's vgic_flush_lr_state() "
			 "does not produce from the state the trace shows (the model replayed every "
			 "injection and fold up to here): %s. The kernel's AP list or interrupt state "
			 "differs from what its inputs imply.",
			 d->vcpu, vgic_profile_name(c->profile), d->what);
	finding_report(c, &fd);
}
