#!/bin/sh
# The lesser hostile inputs of issue 17 (case 8), each of which misled or
# hung the tool before: a vCPU id that sizes the TUI's lanes, an endless
# line that ignored SIGINT, line numbers lost after an over-long line,
# LOST counts that wrapped, time that runs backwards turned into findings,
# an empty capture imported without a word, gap rows with impossible
# times. Each must give a clear line and lose nothing.
. "$(dirname "$0")/lib.sh"

sample="$DATA/samples/linux-6.12-gicv3-1vcpu-spi-burst.trace"
cd "$TMP" || exit 1
$VR import -q "$sample" -o good.db

# A vCPU id far beyond KVM's 4096 in the vcpus table: the TUI's model
# refused to size its lanes from it (it tried 26 GB for 2,000,000).
if [ -n "${TL_DUMP:-}" ]; then
	cp good.db vcpu.db
	sqlite3 vcpu.db "UPDATE vcpus SET vcpu = 2000000"
	expect_fail "the TUI's model refuses a vcpus table naming vCPU 2000000" 2 \
		"vcpu.db: the vcpus table names vCPU 2000000, beyond KVM's 4096" "$TL_DUMP" vcpu.db
fi

# SIGINT inside a line that never ends (/dev/zero has no newline): the
# import stops, says so, and leaves no output behind.
timeout -k 20 --preserve-status -s INT 3 $VR import /dev/zero -o zero.db > /dev/null 2> zero.err
rc=$?
expect_eq "SIGINT stops an import reading a line without end (exit 1)" "$rc" 1
expect_eq "it says it was interrupted, at line 1" "$(cat zero.err)" \
	"vgic-replay: /dev/zero:1: interrupted"
expect_eq "no output file is left" "$(ls zero.db* 2> /dev/null | wc -l)" 0

# A 10 MB line is one line: the damaged event after it is reported at
# line 2, not at the 161st 64 KiB piece of the long one.
{
	head -c 10000000 /dev/zero | tr '\0' x
	echo
	echo "             vmm-145     [000] .N...     9.416689: vgic_update_irq_pending: VCPU: zz"
	grep -v '^#' "$sample"
} > long.txt
expect_ok "a capture with a 10 MB line imports" $VR import -q long.txt -o long.db
expect_eq "the over-long line is reported at line 1" \
	"$(sqlite3 long.db "SELECT min(src_pos) FROM import_problems")" 1
expect_eq "the damaged event after it at line 2" \
	"$(sqlite3 long.db "SELECT group_concat(src_pos) FROM import_problems")" "1,2"

# Two LOST markers of 2^63-1 events each: the total saturates, it does
# not wrap to a negative count (UBSan: signed overflow in the writer).
{
	head -40 "$sample"
	echo "CPU:0 [LOST 9223372036854775807 EVENTS]"
	echo "CPU:1 [LOST 9223372036854775807 EVENTS]"
	sed -n '41,$p' "$sample"
} > lost.txt
expect_ok "two huge LOST markers import" $VR import -q lost.txt -o lost.db
expect_eq "the lost total saturates at 2^63-1" "$($VR info lost.db | sed -n 's/^  lost *//p')" \
	"9223372036854775807 events in 2 gaps"

# Time that runs backwards (the second half of the capture shifted 3 s
# back, as a splice of two captures gives): a warning and a gap, never
# findings. Before, check reported a false LR_DIVERGENCE.
n=$(wc -l < "$sample")
h=$((n / 2))
{
	sed -n "1,${h}p" "$sample"
	sed -n "$((h + 1)),\$p" "$sample" | awk '{
		if (match($0, / [0-9]+\.[0-9]+: /)) {
			t = substr($0, RSTART + 1, RLENGTH - 3)
			$0 = substr($0, 1, RSTART) sprintf("%.6f", t - 3.0) substr($0, RSTART + RLENGTH - 2)
		}
		print }'
} > back.txt
$VR import -q back.txt -o back.db 2> back.err
expect_eq "a capture whose time runs backwards imports" $? 0
expect_eq "the import warns once, naming the line" \
	"$(grep -c 'back.txt:[0-9]*: time runs backwards (by up to 2.99' back.err)" 1
expect_eq "the place is a gap" "$(sqlite3 back.db "SELECT count(*) FROM gaps")" 1
$VR check --no-store back.db > back.out
expect_eq "check exits 0 on it" $? 0
expect_eq "check reports the gap" "$(grep -c '^TRACE_GAP' back.out)" 1
expect_eq "and no other finding" "$(grep -c '^[A-Z_]* *error' back.out)" 0

# An empty capture is not a valid empty trace; a header without events
# imports with a warning.
: > empty.txt
expect_fail "an empty capture is refused" 1 "empty.txt:1: empty input, nothing to import" \
	$VR import -q empty.txt -o empty.db
test ! -e empty.db; expect_eq "and nothing is written" $? 0
printf '# tracer: nop\n#\n' > header.txt
$VR import -q header.txt -o header.db 2> header.err
expect_eq "a capture with only its header imports" $? 0
expect_eq "with a warning that it holds no kvm event" "$(grep -c 'header.txt: no kvm events' header.err)" 1

# Gap rows and events with impossible times: one line, exit 2, before any
# arithmetic on them (the replay adds spans to these times).
cp lost.db gap.db
sqlite3 gap.db "UPDATE gaps SET start_ts_ns = -5"
expect_fail "check refuses a gap starting at a negative time" 2 \
	"gap after event [0-9]+: start time -5 out of range" $VR check --no-store gap.db
cp good.db late.db
sqlite3 late.db "UPDATE events SET ts_ns = 9223372036854775000 WHERE id = 30"
expect_fail "check refuses an event at 2^63 ns" 2 "event 30: timestamp 9223372036854775000 out of range" \
	$VR check --no-store late.db

# SIGKILL at any moment of an import over an existing trace: the target is
# the old file byte for byte or the complete new one, never a mixture.
xz -dc "$DATA/lab/linux-7.2-gicv2-vhe-linux-ipi-2vcpu/trace.txt.xz" > big.txt
old_sum=$(cksum < good.db)
for t in 0.1 0.4 0.8; do
	cp good.db killed.db
	$VR import -q --force big.txt -o killed.db 2> /dev/null &
	pid=$!
	sleep $t
	kill -KILL $pid 2> /dev/null
	wait $pid 2> /dev/null
	if [ "$(cksum < killed.db)" = "$old_sum" ]; then
		state=old
	else
		state=$($VR info killed.db 2>&1 | grep -c 'captured with ftrace, 92006 input records')
		[ "$state" = 1 ] && state=new
	fi
	expect_eq "kill -9 after ${t}s: the old trace or the whole new one ($state)" \
		"$(echo "$state" | grep -cx 'old\|new')" 1
done
finish
