#!/bin/sh
# `report`: latency histograms whose sample counts agree with check's accounting.
. "$(dirname "$0")/lib.sh"

$VR import -q "$DATA/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace" -o "$TMP/t.db"
expect_ok "report" $VR report "$TMP/t.db"
cp "$TMP/out" "$TMP/report"
acked=$($VR check --no-store "$TMP/t.db" | awk '$1 ~ /^[0-9]+$/ && NF >= 8 { s += $4 } END { print s }')
samples=$(sed -n 's/^vCPU 0: injection -> acknowledge (\([0-9]*\) samples.*/\1/p' "$TMP/report")
expect_eq "one injection->ack sample per acknowledgement" "$samples" "$acked"
grep -q 'usecs *: count *distribution' "$TMP/report"; expect_eq "runqlat-style histogram" $? 0
expect_ok "report --json" $VR report --json "$TMP/t.db"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["vcpus"][0]["inject_to_ack"]["count"] > 0' "$TMP/out"
expect_eq "report --json is valid JSON" $? 0
expect_ok "report --help" $VR report --help
finish
