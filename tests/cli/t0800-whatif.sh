#!/bin/sh
# What-if on real 7.2 traces of the seed bug's trigger (the lab's
# seed-trigger scenario): exits with EOIcount > 0 while an LR holds an
# active interrupt. The recording kernel (7.2, with 6da5e537f5af) is
# clean; replayed under linux-6.19, every such exit is a MIS_DEACTIVATION
# proven by that exit and its flush.
. "$(dirname "$0")/lib.sh"

for run in "$DATA"/lab/*-seed-trigger/; do
	name=$(basename "$run")
	db=$TMP/$name.db
	$VR import -q --kernel "$(sed -n 's/kernel_release=//p' "$run/manifest.txt")" "$run/trace.txt.xz" -o "$db"
	triggers=$($VR sql --csv --no-header "$db" "SELECT count(*) FROM snapshots_v s WHERE s.phase = 'sync' AND s.eoicount > 0 AND EXISTS (SELECT 1 FROM lrs_v l WHERE l.event_id = s.event_id AND l.in_use AND l.A = 1)")
	checks=$((checks + 1))
	if [ "$triggers" -ge 1 ]; then echo "ok - $name: $triggers trigger exits"; else echo "not ok - $name: no trigger exit"; failures=$((failures + 1)); fi
	expect_ok "$name: clean under the recording kernel's profile" $VR check --no-store "$db"
	$VR check --no-store --json --profile linux-6.19 "$db" > "$TMP/whatif.json"
	expect_eq "$name: under linux-6.19 the check fails" $? 1
	got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for f in d["findings"] if f["kind"] == "MIS_DEACTIVATION"))' "$TMP/whatif.json")
	expect_eq "$name: one MIS_DEACTIVATION per trigger exit" "$got" "$triggers"
	# Every finding's decisive event is a trigger exit.
	bad=$(python3 -c '
import json, sys, sqlite3
d = json.load(open(sys.argv[1])); db = sqlite3.connect(sys.argv[2])
for f in d["findings"]:
    e = f["events"][0]["id"]
    eoi, = db.execute("SELECT eoicount FROM snapshots_v WHERE event_id = ?", (e,)).fetchone()
    if eoi < 1: print(e)' "$TMP/whatif.json" "$db")
	expect_eq "$name: each finding is proven by an exit with EOIcount" "$bad" ""
	got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for f in d["findings"] if f["kind"] == "STUCK_ACTIVE" and f["intid"] == 32))' "$TMP/whatif.json")
	expect_eq "$name: the EOIed interrupt the walk missed (32) is reported stuck active" "$got" "$triggers"
	$VR check --compare linux-7.0,linux-6.19 "$db" > "$TMP/compare.txt"
	expect_eq "$name: --compare finds a divergence" $? 1
	grep -q "under linux-6.19, MIS_DEACTIVATION of INTID 47" "$TMP/compare.txt"
	expect_eq "$name: --compare names the first one" $? 0
	# A stored what-if run says how it was asked for, and each finding its VM.
	$VR check -q --store --profile linux-6.19 --vcpu 0 "$db" > /dev/null
	expect_eq "$name: the stored run records its options" \
		"$($VR sql --csv --no-header "$db" "SELECT options FROM replay_runs ORDER BY run DESC LIMIT 1")" \
		"--profile linux-6.19 --vcpu 0"
	expect_eq "$name: its findings name the VM of their decisive event" \
		"$($VR sql --csv --no-header "$db" "SELECT count(*) FROM findings f JOIN finding_events fe ON fe.finding = f.id JOIN events e ON e.id = fe.event_id WHERE f.run = (SELECT max(run) FROM replay_runs) AND fe.role IS NOT NULL AND (f.vm IS NOT e.vm OR f.vm IS NULL)")" 0
done
finish
