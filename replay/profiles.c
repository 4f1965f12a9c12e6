/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel profiles as replay sees them: what the recording (or a what-if)
 * kernel does with a non-zero EOIcount at exit, and how it sorts the AP
 * list. The names and behaviours are the engine's (engine/profiles.c);
 * replay adds only the choice of one for a kernel release. The three
 * kernel behaviours:
 *
 *   linux-6.12  kernels up to 6.18: EOIcount is never read; more active
 *               interrupts than list registers is unsupported.
 *   linux-6.19  the LR-overflow rework: vgic_v3_fold_lr_state() replays
 *               EOIcount deactivations walking the AP list from its head,
 *               so an active interrupt still in an LR can be picked
 *               before the overflowed one the guest EOIed.
 *   linux-7.0   commit 6da5e537f5af "Pick EOIcount deactivations from
 *               AP-list tail": the walk starts after the last interrupt
 *               that made it into the LRs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "replay.h"

#define MAX_PROFILES 16

/*
 * The engine's profiles (engine/profiles.c) are the one list of names:
 * replay's view of each is derived from the engine profile's own
 * properties, built once on first use.
 */
static struct replay_profile profiles[MAX_PROFILES];
static size_t nprofiles;

/* Fill the table from the engine's profiles. */
static void load_profiles(void)
{
	const struct vgic_profile *p;

	if (nprofiles)
		return;
	for (nprofiles = 0; nprofiles < MAX_PROFILES && (p = vgic_profile_at((int)nprofiles));
	     nprofiles++) {
		profiles[nprofiles].name = vgic_profile_name(p);
		profiles[nprofiles].description = vgic_profile_description(p);
		profiles[nprofiles].eoicount_walk = vgic_profile_eoicount_walk(p);
		profiles[nprofiles].active_first = vgic_profile_active_first(p);
		profiles[nprofiles].engine = p;
	}
}

/* A profile by name, or NULL. */
const struct replay_profile *replay_profile_find(const char *name)
{
	size_t i;

	load_profiles();
	for (i = 0; i < nprofiles; i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

/* The i-th profile, for listing; NULL past the end. */
const struct replay_profile *replay_profile_at(size_t i)
{
	load_profiles();
	return i < nprofiles ? &profiles[i] : NULL;
}

/*
 * Map a release ("6.12.100+deb12-arm64", "7.2.13+deb14-arm64") or an
 * inferred range (">=6.19", "<=6.18") to a profile. The fix landed in 7.0
 * and was marked for stable, so a 6.19.x release is ambiguous: we assume
 * the unfixed walk and say so.
 */
const struct replay_profile *replay_profile_for_kernel(const char *release, char *why,
							size_t nwhy)
{
	int major = 0, minor = 0;

	if (!release || !*release) {
		snprintf(why, nwhy, "kernel unknown; assuming linux-7.0 (state it with --profile)");
		return replay_profile_find("linux-7.0");
	}
	if (!strcmp(release, "<=6.18")) {
		snprintf(why, nwhy, "kernel inferred <= 6.18 from its snapshots");
		return replay_profile_find("linux-6.12");
	}
	if (!strcmp(release, ">=6.19")) {
		snprintf(why, nwhy,
			 "kernel inferred >= 6.19 from its snapshots; assuming the fixed walk of "
			 "7.0+ (use --profile linux-6.19 for an unfixed 6.19)");
		return replay_profile_find("linux-7.0");
	}
	if (sscanf(release, "%d.%d", &major, &minor) != 2) {
		snprintf(why, nwhy, "kernel release '%s' not understood; assuming linux-7.0",
			 release);
		return replay_profile_find("linux-7.0");
	}
	if (major < 6 || (major == 6 && minor <= 18)) {
		snprintf(why, nwhy, "kernel %s is before the 6.19 LR rework", release);
		return replay_profile_find("linux-6.12");
	}
	if (major == 6 && minor == 19) {
		snprintf(why, nwhy,
			 "kernel %s has the 6.19 LR rework; assuming it lacks the stable backport "
			 "of 6da5e537f5af",
			 release);
		return replay_profile_find("linux-6.19");
	}
	snprintf(why, nwhy, "kernel %s includes 6da5e537f5af (7.0+)", release);
	return replay_profile_find("linux-7.0");
}
