#!/usr/bin/env python3
# Compare what check, predict, report and the TUI say of one trace run
# (tests/cli/t0625): the same findings, agreement counts and accounting.
# With TIMELINE.txt (tl_dump's dump of the TUI's model), also the TUI's
# interrupt rows: the injections each row marks are check's injected,
# every interrupt check counts has its row with time pending or active
# (one acknowledged is active), and the zoomed-in windows (the lifecycles
# stored with level 0) mark the injections the whole trace's summary does
# (their times are not compared: a coarse level spreads a bucket evenly
# and loses the share of its last bucket past the trace's end).
# Usage: compare-views.py CHECK.json PREDICT.txt REPORT.json TUI-RUN.txt [TIMELINE.txt]
# Prints one line per difference; exit 1 when there is one.
import collections
import json
import re
import sys


def check_view(path):
    c = json.load(open(path))
    findings = collections.Counter(
        (f["kind"], f.get("ts_ns"), f.get("vcpu"), f.get("intid")) for f in c["findings"])
    counts = {}
    for a in c.get("accounting", []):
        counts[(a["vcpu"], a["intid"])] = (
            a["injected"], a["acked"], a["coalesced"], a["lost"], a["pending_at_end"],
            a["pending_at_start"], a["deactivated"], bool(a.get("injection_unrecorded")),
            bool(a.get("stuck_active")))
    return c, findings, counts


def tui_view(path):
    """tl_dump --run: run, agreement, finding and count lines."""
    profile, agreement = None, None
    findings, counts = collections.Counter(), {}
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == "run":
            profile = w[2] if len(w) > 2 else None
            continue
        kv = {}
        i = 2 if w[0] == "finding" else 1
        while i + 1 < len(w) and w[i] not in ("injection_unrecorded", "stuck_active"):
            kv[w[i]] = None if w[i + 1] == "null" else int(w[i + 1])
            i += 2
        flags = set(w[i:])
        if w[0] == "agreement":
            agreement = kv
        elif w[0] == "finding":
            findings[(w[1], kv["ts"], kv["vcpu"], kv["intid"])] += 1
        elif w[0] == "count":
            counts[(kv["vcpu"], kv["intid"])] = (
                kv["injected"], kv["acked"], kv["coalesced"], kv["lost"], kv["pending_at_end"],
                kv["pending_at_start"], kv["deactivated"], "injection_unrecorded" in flags,
                "stuck_active" in flags)
    return profile, agreement, findings, counts


def timeline_view(path):
    """tl_dump: per window, {(vcpu, intid): [pending, active, inj]}; the first is the whole trace."""
    windows = []
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == "window":
            windows.append({})
        elif w[0] == "irq" and windows:
            windows[-1][(int(w[2]), int(w[4]))] = [int(w[6]), int(w[8]), int(w[10])]
    return windows


def compare_timeline(c, path):
    """The TUI's interrupt rows against check's accounting; a list of differences."""
    diffs = []
    windows = timeline_view(path)
    if not windows:
        return ["the TUI's model gave no window"]
    whole = windows[0]
    acc = {(a["vcpu"], a["intid"]): a for a in c.get("accounting", []) if a["vcpu"] is not None}
    keys = sorted(set(acc) | set(whole), key=str)
    bad = [(k, whole.get(k, [0, 0, 0])[2], acc[k]["injected"] if k in acc else 0) for k in keys
           if whole.get(k, [0, 0, 0])[2] != (acc[k]["injected"] if k in acc else 0)]
    if bad:
        diffs.append("tui injections differ from check's injected (key, tui, check): %s" % bad[:3])
    for k, a in sorted(acc.items(), key=str):
        p, act, _ = whole.get(k, [0, 0, 0])
        if a["injected"] and not (p or act):
            diffs.append("check counts %d injections of %s, the TUI shows it neither pending "
                         "nor active" % (a["injected"], k))
        if a["acked"] and not act:
            diffs.append("check counts %d acknowledgements of %s, the TUI never shows it active"
                         % (a["acked"], k))
    if len(windows) > 1:
        parts = {}
        for w in windows[1:]:
            for k, v in w.items():
                parts[k] = [x + y for x, y in zip(parts.get(k, [0, 0, 0]), v)]
        bad = [(k, parts.get(k), whole.get(k)) for k in sorted(set(parts) | set(whole), key=str)
               if parts.get(k, [0, 0, 0])[2] != whole.get(k, [0, 0, 0])[2]]
        if bad:
            diffs.append("zoomed-in windows mark other injections than the whole trace's "
                         "summary (key, windows, summary): %s" % bad[:3])
    return diffs


def main():
    diffs = []
    chk, cfind, ccounts = check_view(sys.argv[1])
    predict = open(sys.argv[2]).read()
    report = json.load(open(sys.argv[3]))
    tprofile, tagree, tfind, tcounts = tui_view(sys.argv[4])

    # The TUI: the stored run it picks is check's, found and counted alike.
    if tprofile != chk["profile"]:
        diffs.append("tui profile %s, check %s" % (tprofile, chk["profile"]))
    if tagree != chk["model"]:
        diffs.append("tui agreement %s, check %s" % (tagree, chk["model"]))
    if tfind != cfind:
        diffs.append("tui findings differ: only tui %s, only check %s" % (
            list((tfind - cfind).items())[:3], list((cfind - tfind).items())[:3]))
    if tcounts != ccounts:
        keys = sorted(set(tcounts) | set(ccounts), key=str)
        bad = [(k, tcounts.get(k), ccounts.get(k)) for k in keys if tcounts.get(k) != ccounts.get(k)]
        diffs.append("tui accounting differs (key, tui, check): %s" % bad[:3])

    # report: the same run's findings and accounting.
    if report["profile"] != chk["profile"] or report["events"] != chk["events"]:
        diffs.append("report profile/events %s/%s, check %s/%s" % (
            report["profile"], report["events"], chk["profile"], chk["events"]))
    if report["findings"] != len(chk["findings"]):
        diffs.append("report findings %s, check %s" % (report["findings"], len(chk["findings"])))
    rcounts = {(r["vcpu"], r["intid"]): (r["injected"], r["acked"], r["coalesced"], r["lost"],
                                         r["pending"], r["deactivated"])
               for r in report.get("intids", [])}
    cshort = {k: v[:4] + (v[4] + v[5], v[6]) for k, v in ccounts.items()}
    if rcounts != cshort:
        keys = sorted(set(rcounts) | set(cshort), key=str)
        bad = [(k, rcounts.get(k), cshort.get(k)) for k in keys if rcounts.get(k) != cshort.get(k)]
        diffs.append("report accounting differs (key, report, check): %s" % bad[:3])

    # predict: the engine replay's flushes and agreement, as check's model counts them.
    m = re.search(r"^flushes (\d+): (\d+) exact .*?, (\d+) same LRs in another order", predict,
                  re.M)
    if m:
        flushes, agree = int(m.group(1)), int(m.group(2)) + int(m.group(3))
        if (flushes, agree) != (chk["model"]["flushes"], chk["model"]["agree"]):
            diffs.append("predict flushes/agree %d/%d, check %d/%d" % (
                flushes, agree, chk["model"]["flushes"], chk["model"]["agree"]))
    elif chk["model"]["flushes"]:
        diffs.append("predict printed no flush agreement; check's model compared %d flushes"
                     % chk["model"]["flushes"])
    if len(sys.argv) > 5:
        diffs += compare_timeline(chk, sys.argv[5])
    for d in diffs:
        print(d)
    return 1 if diffs else 0


sys.exit(main())
