# The guest's window in a Linux-guest trace (tests/lab/linux.sh): the guest
# prints ===L2-GO right after it read its interrupt counts and ===L2-STOP
# right after it read them again; each character it writes to the PL011's
# data register (0x09000000 on QEMU's virt machine) is a kvm_mmio write in
# the trace. Prints "START END": the timestamps of the first character of
# each marker line (empty when not found). With -v counting=1, when the
# guest began each of those readings instead (its ===L2-COUNT lines, since
# the readings take a while under nested emulation; empty in older runs).
#   awk [-v counting=1] -f tests/lab/linux-window.awk trace.txt
BEGIN {
	for (i = 32; i < 127; i++) chr[sprintf("%02x", i)] = sprintf("%c", i)
	chr["0a"] = "\n"
}
/ kvm_mmio: mmio write / && / gpa 0x9000000 / {
	for (i = 2; i <= NF; i++) if ($i == "kvm_mmio:") { ts = $(i - 1); break }
	sub(/:$/, "", ts)
	v = tolower($NF); sub(/^0x/, "", v)
	if (length(v) == 1) v = "0" v
	c = (v in chr) ? chr[v] : "?"
	# the line so far and when it started
	if (line == "") t0 = ts
	if (c == "\n") {
		if (line ~ /^===L2-COUNT/ && start == "") count1 = t0
		if (line ~ /^===L2-COUNT/ && start != "" && end == "") count2 = t0
		if (line ~ /^===L2-GO/ && start == "") start = t0
		if (line ~ /^===L2-STOP/ && end == "") end = t0
		line = ""
	} else if (c != "\r") line = line c
}
END {
	# L1 stops tracing as soon as it sees the marker: its newline may be missing
	if (line ~ /^===L2-STOP/ && end == "") end = t0
	if (counting)
		print count1, count2
	else
		print start, end
}
