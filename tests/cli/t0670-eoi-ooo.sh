#!/bin/sh
# No silent passes (issue 19): a guest that EOIs out of order. The lab's
# eoi-ooo runs (tests/data/lab-findings/*-eoi-ooo, tests/lab/vmm): the guest
# took SPI 32 (priority 0xf0), SPI 40 (0x70) preempted it, and with EOImode
# 0 the guest EOIed 32 first. Each EOI dropped the other's priority and
# deactivated nothing, so both stay Active in the LRs with no active
# priority, and every later injection of them waits Pending+Active.
#
# On every such run (6.12 VHE and nVHE, 7.2 VHE) and every capture of it
# (ftrace text, the collector's recording, trace.dat where kept) check must:
# exit 1 with exactly two findings, STUCK_ACTIVE of 32 and of 40; predict
# every flush (the kernel did nothing wrong); name the guest and the
# out-of-order EOIs as the cause, from registers the recording really
# holds: the exit it cites shows both LRs Active and neither priority in
# ICH_AP1R0, and follows a vcpu_put (the VMM's KVM_RUN returned); the
# acknowledgements it cites are each INTID's Active LR first seen at a sync.
# Without the put (the kvm_userspace_exit line removed) the APRs count only
# where KVM's copy of them changed after both acknowledgements; where it
# did not, the cause must say it is not known.
. "$(dirname "$0")/lib.sh"

# verdict NAME DB: the assertions above on one capture
verdict() {
	$VR check --no-store --json "$2" > "$TMP/$1.json"
	expect_eq "$1: check reports findings (exit 1)" $? 1
	expect_eq "$1: exactly STUCK_ACTIVE of 32 and of 40" \
		"$(jget "$TMP/$1.json" 'sorted((f["kind"], f["intid"]) for f in d["findings"])')" \
		"[('STUCK_ACTIVE', 32), ('STUCK_ACTIVE', 40)]"
	expect_eq "$1: every flush predicted" \
		"$(jget "$TMP/$1.json" 'd["model"]["agree"] == d["model"]["flushes"] > 0')" True
	bad=$(python3 -c '
import json, sys, sqlite3
d = json.load(open(sys.argv[1])); db = sqlite3.connect(sys.argv[2])
prio = {32: 0xf0, 40: 0x70}
acks = {}
for f in d["findings"]:
    ev = {e["role"]: e["id"] for e in f["events"]}
    acks[f["intid"]] = ev.get("acknowledged")
for f in d["findings"]:
    i, o = f["intid"], 72 - f["intid"]
    ev = {e["role"]: e["id"] for e in f["events"]}
    x = f["explanation"]
    if "The guest\x27s fault." not in x or "the guest EOIed 32 first" not in x or \
       "40 (0x70) was acknowledged while 32 (0xf0) was active" not in x:
        print(i, "cause:", x); continue
    e = ev.get("exit whose APRs show both priorities dropped")
    if ev.get("the other interrupt acknowledged") != acks.get(o):
        print(i, "other ack", ev, acks); continue
    # the cited exit: a sync of vCPU 0 with 32 and 40 Active and neither
    # priority in ICH_AP1R0 (bit prio >> 3), after a kvm_userspace_exit
    # that itself follows both acknowledgements
    ap = db.execute("SELECT ap1r0 FROM snapshots_v WHERE event_id = ? AND phase = \"sync\"", (e,)).fetchone()
    ap = ap and (int(ap[0], 0),)
    act = db.execute("SELECT group_concat(vintid) FROM (SELECT vintid FROM lrs_v WHERE event_id = ? AND in_use AND A = 1 ORDER BY vintid)", (e,)).fetchone()[0]
    put = db.execute("SELECT count(*) FROM events_v WHERE event = \"kvm_userspace_exit\" AND id < ? AND id > ?", (e, max(acks.values()))).fetchone()[0]
    if ap is None or ap[0] & (1 << (0xf0 >> 3) | 1 << (0x70 >> 3)) or not act or \
       set(act.split(",")) < {"32", "40"} or put < 1:
        print(i, "exit", e, ap, act, put); continue
    # the acknowledgement: the first sync showing the INTID Active
    first = db.execute("SELECT min(s.event_id) FROM snapshots_v s JOIN lrs_v l ON l.event_id = s.event_id WHERE s.phase = \"sync\" AND l.in_use AND l.vintid = ? AND l.A = 1", (i,)).fetchone()[0]
    if ev.get("acknowledged") != first:
        print(i, "ack", ev.get("acknowledged"), first)
' "$TMP/$1.json" "$2" || echo "the script failed")
	expect_eq "$1: the cause is the guest's out-of-order EOI, each register it cites as the recording holds it" "$bad" ""
}

n=0
for run in "$DATA"/lab-findings/*-eoi-ooo/; do
	name=$(basename "$run")
	n=$((n + 1))
	kernel=$(sed -n 's/kernel_release=//p' "$run/manifest.txt")
	$VR import -q --kernel "$kernel" "$run/trace.txt.xz" -o "$TMP/$name.db"
	verdict "$name (ftrace)" "$TMP/$name.db"
	xz -dc "$run/record.db.xz" > "$TMP/$name-rec.db"
	verdict "$name (collector)" "$TMP/$name-rec.db"
	if [ -f "$run/trace.dat" ]; then
		$VR import -q "$run/trace.dat" -o "$TMP/$name-dat.db"
		verdict "$name (trace.dat)" "$TMP/$name-dat.db"
	fi
	# The same trace without the return from KVM_RUN: KVM's copy of the APRs
	# is saved only at vcpu_put, so only a copy that changes after both
	# acknowledgements still proves a put (on 7.2 it does: the copy went
	# from 32's priority to none); otherwise the cause is not known.
	xz -dc "$run/trace.txt.xz" | grep -v ': kvm_userspace_exit: ' > "$TMP/noput.txt"
	$VR import -q --kernel "$kernel" "$TMP/noput.txt" -o "$TMP/$name-noput.db"
	$VR check --no-store --json "$TMP/$name-noput.db" > "$TMP/noput.json"
	expect_eq "$name without its vcpu_put: STUCK_ACTIVE of both still" \
		"$(jget "$TMP/noput.json" 'sorted((f["kind"], f["intid"]) for f in d["findings"])')" \
		"[('STUCK_ACTIVE', 32), ('STUCK_ACTIVE', 40)]"
	changed=$(python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
acks = max(db.execute("SELECT min(s.event_id) FROM snapshots_v s JOIN lrs_v l ON l.event_id = s.event_id WHERE s.phase = \"sync\" AND l.in_use AND l.vintid = ? AND l.A = 1", (i,)).fetchone()[0] for i in (32, 40))
prev = None
for eid, ap in db.execute("SELECT event_id, ap1r0 FROM snapshots_v WHERE phase = \"sync\" AND vcpu = 0 ORDER BY event_id"):
    if prev is not None and eid > acks and int(ap, 0) != prev:
        print("yes"); break
    prev = int(ap, 0)
else:
    print("no")' "$TMP/$name-noput.db")
	if [ "$changed" = yes ]; then
		expect_eq "$name without its vcpu_put: the APR copy changed after both acknowledgements, so the cause stands" \
			"$(jget "$TMP/noput.json" 'all("the guest EOIed 32 first" in f["explanation"] for f in d["findings"])')" True
	else
		expect_eq "$name without its vcpu_put: the cause is not known, no fault named" \
			"$(jget "$TMP/noput.json" 'all("whether the guest EOIed it is not known" in f["explanation"] and "fault" not in f["explanation"] for f in d["findings"])')" True
	fi
done
expect_eq "eoi-ooo runs in the corpus (6.12 and 7.2, VHE and nVHE)" "$n" 4
finish
