# Turn the ```console blocks of a Markdown guide into a test: a shell
# script that runs every command in order in one shell (so variables and
# background jobs carry over, as they would for a reader typing them) and
# a file of what the guide says each prints.
#
# In a block, a line starting with "$ " (user) or "# " (root) is a command,
# continued while it ends in a backslash; the lines after it, up to the
# next command or the end of the block, are its output. "[exit N]" as the
# last output line is the exit status the guide promises (0 otherwise).
#
# Usage: awk -v script=OUT.sh -v expect=OUT.expect -f extract.awk GUIDE.md
# The script prints a transcript: "===STEP N", the output, "===RC N STATUS".
# Commands starting "vgic-replay tui " run through guide_tui (a terminal),
# which the runner defines.
function flush_cmd() {
	if (cmd == "")
		return
	n++
	printf "echo '===STEP %d'\n", n > script
	if (cmd ~ /^vgic-replay tui / && cmd !~ / --(keys|help)/)
		printf "guide_tui %s\n", substr(cmd, 17) > script
	else
		printf "{ %s\n} </dev/null 2>&1\n", cmd > script
	printf "echo \"===RC %d $?\"\n", n > script
	title = cmd
	gsub(/\\\n */, " ", title)
	printf "===STEP %d %s\n", n, title > expect
	cont = 0
	cmd = ""
}
function flush_out() {
	if (n == 0 || !have_step)
		return
	rc = 0
	if (nout > 0 && out[nout] ~ /^\[exit [0-9]+\]$/) {
		rc = out[nout]
		gsub(/[^0-9]/, "", rc)
		nout--
	}
	for (i = 1; i <= nout; i++)
		print out[i] > expect
	printf "===RC %d %d\n", n, rc > expect
	nout = 0
	have_step = 0
}
BEGIN { inblock = 0; n = 0; cmd = ""; nout = 0 }
/^```console[ \t]*$/ { inblock = 1; next }
inblock && /^```[ \t]*$/ { flush_cmd(); flush_out(); inblock = 0; next }
!inblock { next }
cont {
	line = $0
	cont = sub(/\\$/, "", line)
	cmd = cmd "\\\n" line
	if (!cont) flush_cmd()
	next
}
/^[$#] / {
	flush_out()
	line = substr($0, 3)
	cont = sub(/\\$/, "", line)
	cmd = line
	have_step = 1
	if (!cont) flush_cmd()
	next
}
{ if (have_step) out[++nout] = $0 }
END { flush_cmd(); flush_out() }
