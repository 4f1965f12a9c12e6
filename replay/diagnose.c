/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which kernel behaviour a recording matches: when the flushes or the AP
 * lists disagree with the profile check replayed under, replay the trace
 * under every profile the engine has (the one driver, replay_check(), once
 * per profile, nothing stored) and name the one that explains every
 * compared flush and AP list, with what parts it from the profile that was
 * assumed (vgic_profile_difference(), the engine's words).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"

/* Append printf-style text to out (size n), cut at its end. */
static void append(char *out, size_t n, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, n - len, fmt, ap);
	va_end(ap);
}

/*
 * Did the model, under a run's profile, leave most flushes unknown (not
 * compared)? A profile whose HCR or LRs never match the kernel's never
 * learns the vCPU's state (a 6.12 recording under linux-7.0: 56 of 56),
 * which says as much as a flush that differs.
 */
static bool mostly_unknown(const struct predict_result *m)
{
	return m->flushes > 0 && 2 * m->unknown > m->flushes;
}

/* See replay.h. */
bool replay_disagrees(const struct replay_result *res)
{
	return res->has_snapshots &&
	       (res->model.mismatched > 0 || res->model.ap_agree < res->model.ap_lists ||
		res->findings_by_kind[FINDING_LR_DIVERGENCE] > 0 || mostly_unknown(&res->model));
}

/*
 * How well one run's profile explains the kernel: its flushes and AP
 * lists. A profile that does not compare the HCR matches no kernel whose
 * flushes program bits only a later kernel sets (hcr_foreign): its LRs
 * alone would let a 6.12 profile explain a 7.2 recording whose one
 * divergence is in the HCR.
 */
static void fit_from_result(struct replay_fit *fit, const struct replay_result *res)
{
	const struct predict_result *m = &res->model;

	fit->profile = res->profile;
	fit->flushes = m->flushes;
	fit->compared = m->flushes - m->unknown;
	fit->agree = m->exact + m->reordered;
	fit->ap_lists = m->ap_lists;
	fit->ap_agree = m->ap_agree;
	fit->first_event = m->first_mismatch_event;
	if (m->first_ap_diff_event && (!fit->first_event || m->first_ap_diff_event < fit->first_event))
		fit->first_event = m->first_ap_diff_event;
	fit->lr_divergences = res->findings_by_kind[FINDING_LR_DIVERGENCE];
	fit->hcr_foreign = m->hcr_foreign;
	fit->matches = fit->compared > 0 && fit->agree == fit->compared && !mostly_unknown(m) &&
		       fit->ap_agree == fit->ap_lists && !fit->lr_divergences && !m->hcr_foreign;
}

/*
 * "129 of 129 flushes, 119 of 129 AP lists": what a profile explains, of
 * what it could compare.
 */
static void fit_counts(const struct replay_fit *fit, char *out, size_t n)
{
	out[0] = '\0';
	if (!fit->compared)
		append(out, n, "no flush of %lld compared: the state never known", (long long)fit->flushes);
	else if (fit->compared < fit->flushes)
		append(out, n, "%lld of %lld flushes compared, %lld not", (long long)fit->agree,
		       (long long)fit->compared, (long long)(fit->flushes - fit->compared));
	else
		append(out, n, "%lld of %lld flushes", (long long)fit->agree, (long long)fit->compared);
	if (fit->ap_lists)
		append(out, n, ", %lld of %lld AP lists", (long long)fit->ap_agree,
		       (long long)fit->ap_lists);
	if (fit->hcr_foreign)
		append(out, n, ", but %lld flushes program HCR bits only the 6.19 rework sets",
		       (long long)fit->hcr_foreign);
}

/*
 * The profile that explains the trace, of those that match: the one the
 * kernel's release names (a what-if's recording kernel), else the newest.
 */
static int pick_match(const struct replay_diagnosis *d, const struct vgic_profile *recorded)
{
	int i, best = -1;

	for (i = 0; i < d->nfits; i++) {
		if (!d->fit[i].matches)
			continue;
		if (d->fit[i].profile == recorded)
			return i;
		best = i; /* the table runs from the oldest kernel to the newest */
	}
	return best;
}

/* The sentence check prints: which profile the kernel matches, which not, and why. */
static void diagnosis_text(struct replay_diagnosis *d)
{
	const struct replay_fit *chosen = &d->fit[d->chosen];
	char a[160], b[160], why[400], alike[160] = "";
	int i;

	d->text[0] = '\0';
	fit_counts(chosen, b, sizeof(b));
	if (d->matched < 0) {
		append(d->text, sizeof(d->text), "kernel behaviour matches no profile: %s explains %s",
		       vgic_profile_name(chosen->profile), b);
		for (i = 0; i < d->nfits; i++) {
			if (i == d->chosen)
				continue;
			fit_counts(&d->fit[i], a, sizeof(a));
			append(d->text, sizeof(d->text), "; %s %s", vgic_profile_name(d->fit[i].profile),
			       a);
		}
		return;
	}
	for (i = 0; i < d->nfits; i++)
		if (i != d->matched && d->fit[i].matches)
			append(alike, sizeof(alike), "%s%s", alike[0] ? ", " : "",
			       vgic_profile_name(d->fit[i].profile));
	fit_counts(&d->fit[d->matched], a, sizeof(a));
	vgic_profile_difference(d->fit[d->matched].profile, chosen->profile, why, sizeof(why));
	append(d->text, sizeof(d->text), "kernel behaviour matches %s (%s), not %s (%s)",
	       vgic_profile_name(d->fit[d->matched].profile), a, vgic_profile_name(chosen->profile),
	       b);
	if (why[0])
		append(d->text, sizeof(d->text), ": %s", why);
	if (alike[0])
		append(d->text, sizeof(d->text),
		       "; the trace cannot tell it from %s (a recording with AP-list walks can)", alike);
}

/* See replay.h. */
void replay_diagnose_runs(const struct replay_result *const *runs, int n, int chosen,
			  struct replay_diagnosis *d)
{
	const struct vgic_profile *recorded;
	char why[256];

	memset(d, 0, sizeof(*d));
	d->matched = -1;
	for (int i = 0; i < n && i < REPLAY_MAX_PROFILES; i++)
		fit_from_result(&d->fit[d->nfits++], runs[i]);
	d->chosen = chosen;
	recorded = vgic_profile_for_kernel(runs[chosen]->kernel_release, why, sizeof(why));
	d->matched = pick_match(d, recorded);
	diagnosis_text(d);
}

/* See replay.h. */
int replay_diagnose(struct tracedb *db, const struct replay_options *opt,
		    const struct replay_result *chosen, struct replay_diagnosis *d,
		    struct vr_error *err)
{
	struct replay_options o = *opt;
	struct replay_result res[REPLAY_MAX_PROFILES];
	const struct replay_result *runs[REPLAY_MAX_PROFILES];
	int i, n = 0, at = -1, rc = 0;

	o.store = o.store_open = 0;
	o.reason = NULL;
	o.progress = 0;
	o.latency = NULL;
	o.tally = NULL;
	o.life = NULL;
	o.item = NULL;
	for (i = 0; vgic_profile_at(i) && n < REPLAY_MAX_PROFILES; i++) {
		const struct vgic_profile *p = vgic_profile_at(i);

		if (p == chosen->profile) {
			at = n;
			runs[n++] = chosen;
			continue;
		}
		if (!vgic_profile_fits_gic(p, chosen->gic_version))
			continue;
		o.profile = vgic_profile_name(p);
		if (replay_check(db, &o, NULL, NULL, &res[n], err)) {
			rc = -1;
			break;
		}
		runs[n] = &res[n];
		n++;
	}
	if (!rc && at < 0) /* a profile outside the table cannot be: the driver found it there */
		rc = vr_error_set(err, "profile %s not in the engine's table",
				  vgic_profile_name(chosen->profile));
	if (!rc)
		replay_diagnose_runs(runs, n, at, d);
	for (i = 0; i < n; i++)
		if (i != at)
			replay_result_free(&res[i]);
	return rc;
}

/*
 * Replay again under the profile the diagnosis matched, its reason
 * saying which one the kernel release suggested.
 */
static int rerun_matched(struct tracedb *db, struct replay_options o, replay_finding_fn fn,
			 void *fn_arg, void (*restart)(void *fn_arg), struct replay_checked *out,
			 struct vr_error *err)
{
	char reason[sizeof(out->res.profile_reason) + 64];

	snprintf(reason, sizeof(reason), "diagnosed; the kernel release suggested %s: %s",
		 vgic_profile_name(out->res.profile), out->res.profile_reason);
	replay_result_free(&out->res); /* an open run is rolled back */
	if (restart)
		restart(fn_arg);
	o.profile = vgic_profile_name(out->diag.fit[out->diag.matched].profile);
	o.reason = reason;
	out->switched = 1;
	return replay_check(db, &o, fn, fn_arg, &out->res, err);
}

/* See replay.h. */
int replay_check_diagnosed(struct tracedb *db, const struct replay_options *opt,
			   replay_finding_fn fn, void *fn_arg, void (*restart)(void *fn_arg),
			   struct replay_checked *out, struct vr_error *err)
{
	struct replay_options o = *opt;
	char reason[sizeof(out->res.profile_reason) + sizeof(out->diag.text) + 16];

	memset(out, 0, sizeof(*out));
	o.store_open = opt->store; /* stored once it is known which run it is */
	if (replay_check(db, &o, fn, fn_arg, &out->res, err))
		return -1;
	if (!replay_disagrees(&out->res) || (opt->profile && !opt->diagnose_asked))
		return replay_store_close(&out->res, 1, NULL, err);
	if (replay_diagnose(db, opt, &out->res, &out->diag, err))
		return -1;
	out->diagnosed = 1;
	if (out->diag.matched >= 0 && !opt->profile && out->diag.matched != out->diag.chosen &&
	    rerun_matched(db, o, fn, fn_arg, restart, out, err))
		return -1;
	snprintf(reason, sizeof(reason), "%s; diagnosis: %s", out->res.profile_reason,
		 out->diag.text);
	return replay_store_close(&out->res, 1, reason, err);
}
