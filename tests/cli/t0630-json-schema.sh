#!/bin/sh
# --json of info, check, check --compare, predict, report and sql is valid
# JSON that validates against the command's schema (docs/schemas) on
# real traces (a clean one, one with findings, a Linux guest the
# diagnosis runs on, a synthetic GICv5 one, one without LR snapshots)
# and on a trace whose file name holds a quote, a backslash, control
# characters and a byte that is not UTF-8; the documents say what the
# text says (the number of findings, flushes, events), the filters reach
# every part, and a schema refuses a document it should refuse.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
SCHEMAS=$root/docs/schemas
PY=${PYTHON:-python3}
SCN2TRACE=${SCN2TRACE:-$(dirname "$VR")/tests/scn2trace}
TEXT=${VR_FAST:-$VR} # the text the documents are compared with (not under test here)

# valid DESC SCHEMA FILE: the document in FILE validates against docs/schemas/SCHEMA.schema.json.
valid() {
	checks=$((checks + 1))
	if "$PY" "$root/tests/cli/json-validate.py" "$SCHEMAS/$2.schema.json" "$3" > "$TMP/why" 2>&1; then
		echo "ok - $1"
	else
		echo "not ok - $1"; sed 's/^/#   /' "$TMP/why" | head -5
		failures=$((failures + 1))
	fi
}

# jget FILE EXPR: EXPR evaluated in Python with d the document in FILE.
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); print(eval(sys.argv[2]))' "$@"; }

# json NAME CMD...: run CMD (a --json command) into $TMP/NAME.json; its exit status into $TMP/NAME.rc.
json() {
	name=$1; shift
	"$@" > "$TMP/$name.json" 2> "$TMP/$name.err"
	echo $? > "$TMP/$name.rc"
}

# The traces: a clean sample, lab runs with findings and a diagnosis, GICv5, no snapshots.
$VR import -q "$DATA/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace" -o "$TMP/clean.db"
xz -dc "$DATA/lab-findings/linux-6.12-gicv3-vhe-eoi-ooo/record.db.xz" > "$TMP/findings.db"
# a recording with a finding, hence a diagnosis (made before the twins)
xz -dc "$DATA/lab-misses/linux-7.2-gicv3-vhe-linux-ipi-4vcpu-before-twins.record.db.xz" > "$TMP/linux.db"
"$SCN2TRACE" "$root/tests/engine/synth-v5-lost.scn" "$TMP/gicv5.db" > /dev/null
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.txt.xz" |
	grep -vE ': (flush|sync|post|populate|deactivate|sgi|queue_lpi): ' > "$TMP/kvm-only.txt"
$VR import -q "$TMP/kvm-only.txt" -o "$TMP/kvm-only.db"
# A name with a quote, a backslash, a tab, ^A, a newline and \377 (not UTF-8).
odd=$(printf '%s/od"d\\na\tme\001\n\377.db' "$TMP")
cp "$TMP/findings.db" "$odd"
$VR check --store "$TMP/findings.db" > /dev/null # info's last_check

for t in clean findings linux gicv5 kvm-only odd; do
	db=$TMP/$t.db
	[ $t = odd ] && db=$odd
	json "$t-info" $VR info --json "$db"
	valid "$t: info --json" info "$TMP/$t-info.json"
	json "$t-check" $VR check --json "$db"
	valid "$t: check --json" check "$TMP/$t-check.json"
	json "$t-report" $VR report --json "$db"
	valid "$t: report --json" report "$TMP/$t-report.json"
	json "$t-sql" $VR sql --json "$db" "SELECT * FROM trace_info; SELECT id, ts_ns, kind, intid FROM events ORDER BY id LIMIT 50; SELECT count(*) AS n FROM events"
	valid "$t: sql --json" sql "$TMP/$t-sql.json"
	if [ $t != kvm-only ] && [ $t != gicv5 ]; then # predict needs flush snapshots (else exit 2)
		json "$t-predict" $VR predict --json "$db"
		valid "$t: predict --json" predict "$TMP/$t-predict.json"
	fi
done
json compare $VR check --json --compare linux-6.12,linux-6.19 "$TMP/clean.db"
valid "check --compare --json (a divergence)" check "$TMP/compare.json"
json compare-same $VR check --json --compare linux-7.0,linux-7.0 "$TMP/clean.db"
valid "check --compare --json (none)" check "$TMP/compare-same.json"
json predict-diff $VR predict --json --profile linux-6.12 "$TMP/clean.db"
valid "predict --json with a first difference" predict "$TMP/predict-diff.json"

# The documents say what the text says.
for t in clean findings linux gicv5 odd; do
	db=$TMP/$t.db
	[ $t = odd ] && db=$odd
	$TEXT check "$db" > "$TMP/text" 2> /dev/null
	rc=$?
	text=$(sed -n 's/^[0-9]* events replayed, \([0-9]*\) finding.*/\1/p' "$TMP/text")
	expect_eq "$t: check --json has the findings the text counts, exits as it does" \
		"$(jget "$TMP/$t-check.json" 'len(d["findings"])') $(cat "$TMP/$t-check.rc")" "$text $rc"
	expect_eq "$t: report --json counts the same findings" \
		"$(jget "$TMP/$t-report.json" 'd["findings"]')" "$text"
	[ $t = gicv5 ] || expect_eq "$t: predict --json has the flushes the text has" \
		"$(jget "$TMP/$t-predict.json" 'd["flushes"]')" \
		"$($TEXT predict "$db" 2> /dev/null | sed -n 's/^flushes \([0-9]*\):.*/\1/p')"
	expect_eq "$t: info and sql --json count the same events as info's text" \
		"$(jget "$TMP/$t-info.json" 'd["trace_info"]["events_total"]') $(jget "$TMP/$t-sql.json" 'd["results"][2]["rows"][0][0]')" \
		"$($TEXT info "$db" | sed -n 's/^  events     \([0-9]*\),.*/\1 \1/p')"
done
expect_eq "findings: a finding of each kind the text names" \
	"$(jget "$TMP/findings-check.json" '" ".join(sorted({f["kind"] for f in d["findings"]}))')" \
	"$($TEXT check "$TMP/findings.db" | sed -n 's/^\([A-Z_]*\) .* t=.*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_eq "linux: the diagnosis is in the document" \
	"$(jget "$TMP/linux-check.json" '"diagnosis" in d and len(d["diagnosis"]["profiles"]) > 1')" True
expect_eq "gicv5: synthetic, in info, check and report" \
	"$(jget "$TMP/gicv5-info.json" 'd["synthetic"] is not None and d["trace_info"]["gic_version"]') $(jget "$TMP/gicv5-check.json" '"synthetic" in d') $(jget "$TMP/gicv5-report.json" 'd.get("synthetic")')" \
	"5 True True"
expect_eq "kvm-only: check --json is inconclusive, exit 3" \
	"$(jget "$TMP/kvm-only-check.json" '"inconclusive" in d') $(cat "$TMP/kvm-only-check.rc")" "True 3"
expect_eq "compare: the divergence is the first finding the text names" \
	"$(jget "$TMP/compare.json" '[c["findings"] for c in d["compare"]], d["divergence"]["event"], d["divergence"]["only_under"]')" \
	"$($TEXT check --compare linux-6.12,linux-6.19 "$TMP/clean.db" | sed -n '1s/.*: \([0-9]*\) findings, .*: \([0-9]*\) findings$/([\1, \2]/p; 2s/.*(event \([0-9]*\)): under \([^,]*\),.*/, \1, '"'"'\2'"'"')/p' | tr -d '\n')"
expect_eq "compare: exit 1 on a divergence, 0 without" \
	"$(cat "$TMP/compare.rc") $(cat "$TMP/compare-same.rc") $(jget "$TMP/compare-same.json" 'd["divergence"]')" "1 0 None"
expect_eq "predict: the first difference holds four LRs, hex and decoded" \
	"$(jget "$TMP/predict-diff.json" 'len(d["first_difference"]["lrs"]), d["first_difference"]["event"] > 0')" "(4, True)"

# The odd name comes back exactly, from every command; strings survive too.
for c in info check report predict sql; do
	expect_eq "odd name: $c --json gives the file name back" \
		"$(jget "$TMP/odd-$c.json" 'd["trace"] == sys.argv[3].encode("utf-8", "surrogateescape").decode("utf-8", "replace")' "$odd")" True
done
json strings $VR sql --json "$TMP/clean.db" "SELECT 'q\"b\\s' || char(9, 1, 10, 127) AS s, x'00ff10' AS b, 1.5 AS r, NULL AS n, 1e999 AS inf, 9223372036854775807 AS big"
valid "sql --json: quotes, backslashes, control characters, a BLOB, a real, NULL" sql "$TMP/strings.json"
expect_eq "sql --json: values come back typed and whole" \
	"$(jget "$TMP/strings.json" 'd["results"][0]["rows"][0] == ["q\"b\\s\t\x01\n\x7f", {"blob": "00ff10"}, 1.5, None, None, 9223372036854775807]')" True
expect_eq "sql --json: every row has a value per column" \
	"$(jget "$TMP/linux-sql.json" 'all(len(row) == len(r["columns"]) for r in d["results"] for row in r["rows"]) and len(d["results"][1]["rows"])')" 50
expect_fail "sql: --json with --csv is a usage error" 2 "^vgic-replay: sql: --json takes neither --csv nor --no-header" \
	$VR sql --json --csv "$TMP/clean.db" "SELECT 1"
json sql-bad $VR sql --json "$TMP/clean.db" "SELECT 1; SELECT nosuch FROM events"
expect_eq "sql --json: an SQL error still ends the document, exit 1" \
	"$(cat "$TMP/sql-bad.rc") $(jget "$TMP/sql-bad.json" 'len(d["results"])')" "1 1"

# The filters reach every part of the document.
json f-check $VR check --json --intid 27 --from +1s "$TMP/linux.db"
valid "check --json --intid --from" check "$TMP/f-check.json"
first=$($VR sql --csv --no-header "$TMP/linux.db" "SELECT min(ts_ns) FROM events")
expect_eq "check --json: filters echoed, the window absolute" \
	"$(jget "$TMP/f-check.json" 'd["filters"]')" "{'vcpu': None, 'intid': 27, 'from_ns': $((first + 1000000000)), 'to_ns': None}"
expect_eq "check --json --intid: every finding and accounting row of that INTID" \
	"$(jget "$TMP/f-check.json" 'sorted({f["intid"] for f in d["findings"]} | {r["intid"] for r in d["accounting"]})')" "[27]"
json f-report $VR report --json --vcpu 1 "$TMP/linux.db"
valid "report --json --vcpu" report "$TMP/f-report.json"
expect_eq "report --json --vcpu: every vCPU and INTID row of that vCPU" \
	"$(jget "$TMP/f-report.json" 'sorted({v["vcpu"] for v in d["vcpus"]} | {r["vcpu"] for r in d["intids"]}), d["filters"]["vcpu"]')" "([1], 1)"
json f-predict $VR predict --json --vcpu 1 "$TMP/linux.db"
valid "predict --json --vcpu" predict "$TMP/f-predict.json"
expect_eq "predict --json --vcpu: fewer flushes than the whole trace, filter echoed" \
	"$(jget "$TMP/f-predict.json" 'd["flushes"] < '"$(jget "$TMP/linux-predict.json" 'd["flushes"]')"', d["filters"]["vcpu"]')" "(True, 1)"

# The schemas are not vacuous: each refuses a document it should refuse.
refused() { # DESC SCHEMA FILE EXPR: the document of FILE changed by the Python statement EXPR is refused
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(d, sys.stdout)' "$3" "$4" > "$TMP/mutated.json"
	checks=$((checks + 1))
	if "$PY" "$root/tests/cli/json-validate.py" "$SCHEMAS/$2.schema.json" "$TMP/mutated.json" > /dev/null 2>&1; then
		echo "not ok - $1: the schema accepts it"; failures=$((failures + 1))
	else
		echo "ok - $1"
	fi
}
for c in info check report predict sql; do
	refused "$c: no format_version is refused" $c "$TMP/findings-$c.json" 'del d["format_version"]'
	refused "$c: format_version 2 is refused" $c "$TMP/findings-$c.json" 'd["format_version"] = 2'
	refused "$c: a member the schema does not know is refused" $c "$TMP/findings-$c.json" 'd["surprise"] = 1'
done
refused "check: a finding of an unknown kind is refused" check "$TMP/findings-check.json" 'd["findings"][0]["kind"] = "BOGUS"'
refused "check --compare: one profile is refused" check "$TMP/compare.json" 'd["compare"].pop()'
refused "report: a percentile as text is refused" report "$TMP/findings-report.json" 'd["vcpus"][0]["inject_to_ack"]["p50_ns"] = "1"'
refused "predict: an LR as a number is refused" predict "$TMP/predict-diff.json" 'd["first_difference"]["lrs"][0]["recorded"] = 1'
refused "info: a vCPU row without its thread is refused" info "$TMP/findings-info.json" 'del d["vcpus"][0]["thread_id"]'
refused "sql: a row that is not an array is refused" sql "$TMP/findings-sql.json" 'd["results"][1]["rows"][0] = {"id": 1}'
printf '{"format_version": 1, "format_version": 1}' > "$TMP/twice.json"
"$PY" "$root/tests/cli/json-validate.py" "$SCHEMAS/sql.schema.json" "$TMP/twice.json" > "$TMP/why"
expect_eq "the validator refuses a member given twice" "$?:$(cut -c1-8 "$TMP/why")" "1:not JSON"
printf '\377' > "$TMP/latin.json"
"$PY" "$root/tests/cli/json-validate.py" "$SCHEMAS/sql.schema.json" "$TMP/latin.json" > "$TMP/why"
expect_eq "the validator refuses bytes that are not UTF-8" "$?:$(cut -c1-8 "$TMP/why")" "1:not JSON"
finish
