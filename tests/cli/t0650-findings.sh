#!/bin/sh
# Real kernels that got it wrong: the lab runs in tests/data/lab-findings,
# where the guest's own ground truth shows an interrupt it never received
# (injected > acknowledged in a paced scenario), must make `check` report
# the finding that EXPECT names (one "KIND INTID" per line; ANY: an error of
# any kind), at the right
# INTID, with exit status 1; and its accounting must still equal the truth.
. "$(dirname "$0")/lib.sh"

n=0
for run in "$DATA"/lab-findings/*/; do
	[ -f "$run/EXPECT" ] || continue
	name=$(basename "$run")
	n=$((n + 1))
	$VR import -q --kernel "$(sed -n 's/kernel_release=//p' "$run/manifest.txt")" \
		"$run/trace.txt.xz" -o "$TMP/$name.db"
	$VR check --no-store "$TMP/$name.db" > "$TMP/$name.check"
	expect_eq "$name: check reports findings (exit 1)" $? 1
	sed -e '/^#/d' -e '/^[[:space:]]*$/d' "$run/EXPECT" | while read -r kind intid; do
		if awk -v k="$kind" -v i="$intid" '($1 == k || (k == "ANY" && $2 == "error")) && / intid / { for (f = 1; f < NF; f++) if ($f == "intid" && $(f + 1) == i) hit = 1 } END { exit !hit }' \
			"$TMP/$name.check"; then
			echo "ok - $name: $kind of INTID $intid"; echo x >> "$TMP/passed"
		else
			echo "not ok - $name: no $kind of INTID $intid"; head -5 "$TMP/$name.check" | sed 's/^/#   /'
			echo x >> "$TMP/failed"
		fi
	done
	awk -F, 'NR > 1 { print $2, $3, $4 }' "$run/truth.csv" | sort -n > "$TMP/$name.truth"
	awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { i[$2] += $3; a[$2] += $4 } END { for (k in i) print k, i[k], a[k] }' \
		"$TMP/$name.check" | sort -n > "$TMP/$name.acct"
	expect_eq "$name: accounting equals the ground truth" "$(diff "$TMP/$name.truth" "$TMP/$name.acct" | head -3)" ""
	# The collector saw the same run: the same verdict from its recording.
	if [ -f "$run/record.db.xz" ]; then
		xz -dc "$run/record.db.xz" > "$TMP/$name-rec.db"
		$VR check --no-store "$TMP/$name-rec.db" > "$TMP/$name-rec.check"
		expect_eq "$name: check on the collector's recording reports findings too" $? 1
	fi
done
# (the expectations ran in a pipeline's subshell: count them here)
[ -f "$TMP/passed" ] && checks=$((checks + $(wc -l < "$TMP/passed")))
if [ -f "$TMP/failed" ]; then
	failures=$((failures + $(wc -l < "$TMP/failed")))
	checks=$((checks + $(wc -l < "$TMP/failed")))
fi
expect_eq "runs with a kernel that lost an interrupt" "$([ "$n" -ge 1 ] && echo yes)" yes
finish
