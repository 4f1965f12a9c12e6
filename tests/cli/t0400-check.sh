#!/bin/sh
# `check` on the real samples: no findings (neither kernel has the bug the
# checks look for), a balanced accounting, stored results, and usage errors.
. "$(dirname "$0")/lib.sh"

for k in 6.12 7.2; do
	$VR import -q "$DATA/samples/linux-$k-gicv3-1vcpu-spi-burst.trace" -o "$TMP/$k.db"
	sum=$(cksum < "$TMP/$k.db")
	expect_ok "check $k: no findings (exit 0)" $VR check "$TMP/$k.db"
	cp "$TMP/out" "$TMP/check-$k"
	expect_eq "$k: a check leaves the trace byte for byte as it was" "$(cksum < "$TMP/$k.db")" "$sum"
	expect_eq "$k: and writes nothing beside it" "$(ls "$TMP/$k".db-* 2> /dev/null | wc -l)" 0
	# Every row balances: injected = acked + coalesced + lost + pending.
	bad=$(awk '$1 ~ /^[0-9]+$/ && NF >= 8 && $3 != $4 + $5 + $6 + $7 { print }' "$TMP/check-$k")
	expect_eq "$k: accounting balances for every INTID" "$bad" ""
	injected=$(awk '$1 ~ /^[0-9]+$/ && NF >= 8 { s += $3 } END { print s }' "$TMP/check-$k")
	expect_eq "$k: injections equal the kvm_irq_line raises" "$injected" \
		"$(grep -c 'kvm_irq_line: .*level: 1$' "$DATA/samples/linux-$k-gicv3-1vcpu-spi-burst.trace")"
	expect_eq "$k: nothing was stored" \
		"$($VR sql --csv --no-header "$TMP/$k.db" "SELECT count(*) FROM replay_runs")" 0
	expect_ok "check $k --store" $VR check --store "$TMP/$k.db"
	expect_ok "check $k --store again" $VR check --store "$TMP/$k.db"
	$VR check -q --store -p linux-6.19 "$TMP/$k.db" > /dev/null # a what-if: findings or not
	expect_eq "$k: a rerun replaced its run, the other profile's is kept beside it" \
		"$(sqlite3 "$TMP/$k.db" "SELECT group_concat(profile || ' ' || status, ', ') FROM (SELECT * FROM replay_runs ORDER BY run)")" \
		"$(sed -n 's/^profile \(linux-[0-9.]*\) .*/\1/p' "$TMP/check-$k") done, linux-6.19 done"
	expect_ok "check $k --json" $VR check --json --no-store "$TMP/$k.db"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["findings"] == []; assert d["accounting"]' "$TMP/out"
	expect_eq "$k: --json is valid JSON with an accounting" $? 0
done
grep -q '^profile linux-6.12' "$TMP/check-6.12"; expect_eq "6.12 trace replays under linux-6.12" $? 0

# A bug report's attachment: a file the user cannot write, in a directory
# the user cannot write, left in WAL mode by an older collector. A check
# reads it; --store says in one line why it cannot keep the run.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	mkdir "$TMP/ro"
	cp "$TMP/7.2.db" "$TMP/ro/wal.db"
	sqlite3 "$TMP/ro/wal.db" "PRAGMA journal_mode = WAL" > /dev/null
	chmod 755 "$TMP" "$TMP/ro"
	chmod 644 "$TMP/ro/wal.db"
	sum=$(cksum < "$TMP/ro/wal.db")
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	expect_ok "another user checks a file they cannot write" as_nobody $VR check "$TMP/ro/wal.db"
	expect_ok "and reads it with info" as_nobody $VR info "$TMP/ro/wal.db"
	expect_fail "check --store on it says why not" 2 "wal.db: cannot write it .*check without --store only reads it" \
		as_nobody $VR check --store "$TMP/ro/wal.db"
	expect_ok "its owner checks it too" $VR check "$TMP/ro/wal.db"
	expect_eq "the file is unchanged and nothing is beside it" \
		"$(cksum < "$TMP/ro/wal.db") $(ls "$TMP/ro" | wc -l)" "$sum 1"
else
	echo "ok - # skip: not root or no setpriv: the other-user checks need both"
fi
grep -q '^profile linux-7.0' "$TMP/check-7.2"; expect_eq "7.2 trace replays under linux-7.0" $? 0
expect_ok "list profiles" $VR check --list-profiles
expect_fail "unknown profile" 2 "unknown profile 'linux-1.0'" $VR check --profile linux-1.0 "$TMP/7.2.db"
expect_fail "bad --from" 2 "--from '\\+3parsecs' is not a time" $VR check --from +3parsecs "$TMP/7.2.db"
# --from/--to count only their window: the acknowledgements before a moment
# and after it add up to the whole trace's, INTID by INTID.
acks() { awk '$1 ~ /^[0-9]+$/ && NF >= 8 { a[$1 "/" $2] += $4 } END { for (k in a) print k, a[k] }' "$TMP/out" | sort; }
start=$($VR sql --csv --no-header "$TMP/7.2.db" "SELECT min(ts_ns) FROM events")
mid=$($VR sql --csv --no-header "$TMP/7.2.db" "SELECT (min(ts_ns) + max(ts_ns)) / 2 FROM events")
$VR check --no-store "$TMP/7.2.db" > "$TMP/out"; acks > "$TMP/acks-all"
$VR check --no-store --to "$mid" "$TMP/7.2.db" > "$TMP/out"; acks > "$TMP/acks-a"
$VR check --no-store --from "$((mid + 1))" "$TMP/7.2.db" > "$TMP/out"; acks > "$TMP/acks-b"
expect_eq "--to and --from split the accounting" \
	"$(cat "$TMP/acks-a" "$TMP/acks-b" | awk '{ a[$1] += $2 } END { for (k in a) print k, a[k] }' | sort)" \
	"$(cat "$TMP/acks-all")"
[ -s "$TMP/acks-a" ] && [ -s "$TMP/acks-b" ]; expect_eq "both halves have acknowledgements" $? 0
$VR check --no-store --from "$((start + 1000000000000))" "$TMP/7.2.db" > "$TMP/out"
expect_eq "a window after the trace counts nothing" "$(acks)" ""
expect_fail "check on a text file that is no trace" 2 "lib.sh:4: no kvm events recognised" $VR check "$DATA/../cli/lib.sh"
# A tracepoints-only capture (what `trace-cmd record -e kvm` gives): a real
# run's ftrace text without the snapshot probes' lines. Nothing can be judged
# lost: exit 3, saying what could not run and what to record instead.
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.txt.xz" | grep -vE ': (flush|sync|post|populate|deactivate|sgi|queue_lpi): ' > "$TMP/kvm-only.txt"
$VR import -q "$TMP/kvm-only.txt" -o "$TMP/kvm-only.db"
expect_eq "tracepoints-only capture: no snapshots imported" \
	"$($VR sql --csv --no-header "$TMP/kvm-only.db" "SELECT count(*) FROM snapshots")" 0
expect_fail "tracepoints-only capture: check is inconclusive (exit 3)" 3 \
	"kvm-only.db: inconclusive: the trace has no LR snapshots, so LOST_INTERRUPT, .* could not run \(only TRACE_GAP did\); record with .vgic-replay record., or add the kprobes .vgic-replay probes." \
	$VR check --no-store "$TMP/kvm-only.db"
grep -q '^checks: TRACE_GAP (no LR snapshots' "$TMP/out"
expect_eq "tracepoints-only capture: the summary says which checks ran" $? 0
$VR check --no-store --json "$TMP/kvm-only.db" > "$TMP/k.json" 2> /dev/null
expect_eq "tracepoints-only capture: --json exits 3 too" $? 3
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["inconclusive"].startswith("inconclusive: the trace has no LR snapshots")' "$TMP/k.json"
expect_eq "tracepoints-only capture: --json says it is inconclusive" $? 0
finish
