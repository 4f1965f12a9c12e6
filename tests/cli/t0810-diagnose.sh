#!/bin/sh
# check's diagnosis on real recordings: where the kernel's flushes or AP
# lists disagree with the profile check replays under, it replays the
# trace under every profile and names the one the kernel behaves like.
#
# - the 7.2 seed trigger (fixed kernel) replayed under linux-6.19: every
#   flush agrees, but the collector's AP lists show the fixed walk, so the
#   kernel matches linux-7.0; the what-if keeps 6.19's findings;
# - the ftrace capture of the same run has no AP lists: the LRs alone
#   cannot tell the two walks apart there, and no diagnosis is made;
# - a 6.12 recording stored as if from 7.2 (a release that misleads): plain
#   check finds that it behaves like linux-6.12 and reports that profile's
#   findings (none), stores that, and info shows it;
# - the seed trigger's ftrace capture stored as if from 6.12: it behaves
#   like 6.19 and 7.0 alike, which the LRs cannot tell apart;
# - the one recording whose flush no profile predicts (a collector miss,
#   tests/data/lab/KNOWN-GAPS): no profile matches, LR_DIVERGENCE stays.
. "$(dirname "$0")/lib.sh"

for run in "$DATA"/lab/*-seed-trigger/; do
	name=$(basename "$run")
	xz -dc "$run/record.db.xz" > "$TMP/seed.db"
	$VR check --no-store --json "$TMP/seed.db" > "$TMP/plain.json"
	expect_eq "$name: clean under its kernel's profile (exit 0)" $? 0
	expect_eq "$name: no diagnosis where the kernel agrees" "$(jget "$TMP/plain.json" '"diagnosis" in d')" False
	$VR check --no-store --json --profile linux-6.19 "$TMP/seed.db" > "$TMP/w.json"
	expect_eq "$name under linux-6.19: the what-if still fails (exit 1)" $? 1
	expect_eq "$name under linux-6.19: the kernel behaves like linux-7.0" \
		"$(jget "$TMP/w.json" 'd["diagnosis"]["matched"], d["diagnosis"]["assumed"], d["diagnosis"]["findings_of"]')" \
		"('linux-7.0', 'linux-6.19', 'linux-6.19')"
	expect_eq "$name: linux-7.0 explains every flush and AP list, linux-6.19 every flush but not every list" \
		"$(jget "$TMP/w.json" '[(f["profile"], f["agree"] == f["compared"] == f["flushes"], f["ap_agree"] == f["ap_lists"] > 0, f["matches"]) for f in d["diagnosis"]["profiles"] if f["profile"] != "linux-6.12"]')" \
		"[('linux-6.19', True, False, False), ('linux-7.0', True, True, True)]"
	grep -q ' not linux-6.19 (.*): the EOIcount walk starts after the last interrupt placed in an LR (commit 6da5e537f5af)' "$TMP/w.json"
	expect_eq "$name: the diagnosis says what parts the two" $? 0
	expect_eq "$name: the what-if's findings are 6.19's MIS_DEACTIVATIONs" \
		"$(jget "$TMP/w.json" 'sorted(set(f["kind"] for f in d["findings"]))')" "['MIS_DEACTIVATION', 'STUCK_ACTIVE']"
	# Where 6.19 and 7.0 part, the recording shows it: the first AP list that
	# differs under 6.19 follows an exit with EOIcount and an active LR.
	first=$(jget "$TMP/w.json" '[f["first_difference_event"] for f in d["diagnosis"]["profiles"] if f["profile"] == "linux-6.19"][0]')
	expect_eq "$name: 6.19's first difference is the AP list after the first trigger exit" "$first" \
		"$($VR sql --csv --no-header "$TMP/seed.db" "SELECT min(p.event_id) FROM snapshots_v p WHERE p.phase = 'post' AND p.event_id > (SELECT min(s.event_id) FROM snapshots_v s WHERE s.phase = 'sync' AND s.eoicount > 0 AND EXISTS (SELECT 1 FROM lrs_v l WHERE l.event_id = s.event_id AND l.in_use AND l.A = 1))")"
	$VR check --no-store --profile linux-6.19 "$TMP/seed.db" > "$TMP/w.txt"
	grep -q '^diagnosis: kernel behaviour matches linux-7.0 (.* flushes, .* AP lists), not linux-6.19 .*; the findings are what linux-6.19 would have done (--profile)$' "$TMP/w.txt"
	expect_eq "$name: the text says it on a line of its own" $? 0
	# The stored what-if records the diagnosis beside its profile.
	$VR check -q --store --profile linux-6.19 "$TMP/seed.db" > /dev/null
	$VR info "$TMP/seed.db" | grep -q '^  checked    run 1: profile linux-6.19, .* findings (chosen with --profile; diagnosis: kernel behaviour matches linux-7.0 '
	expect_eq "$name: info shows the stored run and the behaviour it matched" $? 0

	# The ftrace capture of the same run: no AP-list walks, and every flush
	# agrees under both walks, so nothing tells them apart and nothing is diagnosed.
	$VR import -q --kernel "$(sed -n 's/kernel_release=//p' "$run/manifest.txt")" "$run/trace.txt.xz" -o "$TMP/$name-ft.db"
	$VR check --no-store --json --profile linux-6.19 "$TMP/$name-ft.db" > "$TMP/ft.json"
	expect_eq "$name (ftrace) under linux-6.19: no diagnosis without AP lists" \
		"$(jget "$TMP/ft.json" '"diagnosis" in d, d["model"]["agree"] == d["model"]["flushes"]')" "(False, True)"
done

# A 6.12 recording whose release says 7.2: check assumes linux-7.0, whose
# HCR never matches the kernel's, and finds the kernel behaves like 6.12.
run=$DATA/lab/linux-6.12-gicv3-vhe-spi-burst
$VR import -q --kernel 7.2.13+deb14-arm64 "$run/trace.txt.xz" -o "$TMP/mislabelled.db"
$VR check --store --json "$TMP/mislabelled.db" > "$TMP/m.json"
expect_eq "6.12 run labelled 7.2: clean under the behaviour it matches (exit 0)" $? 0
expect_eq "6.12 run labelled 7.2: replayed as linux-6.12, diagnosed" \
	"$(jget "$TMP/m.json" 'd["profile"], d["diagnosis"]["matched"], d["diagnosis"]["assumed"], d["findings"]')" \
	"('linux-6.12', 'linux-6.12', 'linux-7.0', [])"
grep -q 'not linux-7.0 (no flush of [0-9]* compared: the state never known): EOIcount is never read' "$TMP/m.json"
expect_eq "6.12 run labelled 7.2: the diagnosis says why" $? 0
expect_eq "6.12 run labelled 7.2: one run stored, under linux-6.12, as a plain check (no options)" \
	"$($VR sql --csv --no-header "$TMP/mislabelled.db" "SELECT count(*) || ' ' || max(profile) || ' [' || max(coalesce(options, '')) || ']' FROM replay_runs")" "1 linux-6.12 []"
$VR info "$TMP/mislabelled.db" | grep -q '^  checked    run 1: profile linux-6.12, 0 findings (diagnosed; the kernel release suggested linux-7.0: .*diagnosis: kernel behaviour matches linux-6.12 '
expect_eq "6.12 run labelled 7.2: info shows the matched behaviour" $? 0

# The seed trigger's ftrace capture labelled 6.12: 6.19 and 7.0 explain
# every flush alike; check takes the newer and says it cannot tell. It
# also says that every flush programs HCR bits a 6.12 kernel never sets.
run=$DATA/lab/linux-7.2-gicv3-vhe-seed-trigger
$VR import -q --kernel 6.12.0 "$run/trace.txt.xz" -o "$TMP/seed612.db"
$VR check --no-store "$TMP/seed612.db" > "$TMP/s.txt"
expect_eq "7.2 seed trigger labelled 6.12: clean as linux-7.0 (exit 0)" $? 0
grep -q '^diagnosis: kernel behaviour matches linux-7.0 (129 of 129 flushes), not linux-6.12 (64 of 129 flushes, but 129 flushes program HCR bits only the 6.19 rework sets): .*; the trace cannot tell it from linux-6.19 (a recording with AP-list walks can); the findings are linux-7.0.s$' "$TMP/s.txt"
expect_eq "7.2 seed trigger labelled 6.12: matches linux-7.0, not told from linux-6.19" $? 0

# No profile explains the collector's recording that missed an injection
# (made before the twins, tests/data/lab-misses): check says so and keeps
# its LR_DIVERGENCE.
xz -dc "$DATA/lab-misses/linux-7.2-gicv3-vhe-linux-ipi-4vcpu-before-twins.record.db.xz" > "$TMP/ipi.db"
${VR_FAST:-$VR} check --no-store --json "$TMP/ipi.db" > "$TMP/i.json"
expect_eq "ipi-4vcpu recording: still fails (exit 1)" $? 1
expect_eq "ipi-4vcpu recording: no profile matches; linux-7.0's LR_DIVERGENCE kept" \
	"$(jget "$TMP/i.json" 'd["diagnosis"]["matched"], d["profile"], [f["kind"] for f in d["findings"] if f["kind"] != "TRACE_GAP"]')" \
	"(None, 'linux-7.0', ['LR_DIVERGENCE'])"
grep -q '"text": "kernel behaviour matches no profile: linux-7.0 explains ' "$TMP/i.json"
expect_eq "ipi-4vcpu recording: the text says no profile matches" $? 0
finish
