# Compare the transcript of a guide's commands with what the guide shows.
# An expected line "..." stands for any number of lines (none included);
# inside a line, "..." stands for any text (a glob's "*"): "foo ..."
# matches a line starting with "foo", "... in ... s" one ending with
# " s" with " in " somewhere before. Prints
# one "ok"/"not ok" line per command and, for a mismatch, the
# first differing line; exits 1 if any command differs.
#
# Usage: awk -f compare.awk GUIDE.expect TRANSCRIPT
function check_step(s,    e, g, ok, why, j, k, pat) {
	ok = 1
	why = ""
	if (!(s in got_rc)) {
		ok = 0; why = "did not run (the transcript stops earlier)"
	} else if (got_rc[s] != want_rc[s]) {
		ok = 0; why = "exit status " got_rc[s] ", the guide says " want_rc[s]
	} else {
		j = 1; k = 1
		# Greedy with backtracking to the last "..." (as a glob matches "*").
		star_j = 0; star_k = 0
		while (k <= ng[s] || j <= ne[s]) {
			if (j <= ne[s] && exp_line[s, j] == "...") {
				star_j = ++j; star_k = k; continue
			}
			if (j <= ne[s] && k <= ng[s] && line_matches(exp_line[s, j], got_line[s, k])) {
				j++; k++; continue
			}
			if (star_j && star_k <= ng[s]) {
				j = star_j; k = ++star_k; continue
			}
			ok = 0
			if (j <= ne[s])
				why = "expected line " j ": \"" exp_line[s, j] "\"" \
				      (k <= ng[s] ? ", got: \"" got_line[s, k] "\"" : ", got nothing more")
			else
				why = "extra output: \"" got_line[s, k] "\""
			break
		}
	}
	total++
	if (ok)
		printf "ok - %s\n", title[s]
	else {
		failed++
		printf "not ok - %s\n#   %s\n", title[s], why
	}
}
function line_matches(e, g,    n, parts, i, pos, p, rest) {
	if (e == g)
		return 1
	if (!index(e, "..."))
		return 0
	n = split(e, parts, /\.\.\./)
	# A space between the text and a "..." at either end is optional.
	if (parts[1] == "")
		sub(/^ /, "", parts[2])
	if (parts[n] == "")
		sub(/ $/, "", parts[n - 1])
	if (substr(g, 1, length(parts[1])) != parts[1])
		return 0
	pos = length(parts[1]) + 1
	for (i = 2; i < n; i++) {
		p = index(substr(g, pos), parts[i])
		if (!p)
			return 0
		pos += p - 1 + length(parts[i])
	}
	rest = substr(g, pos)
	return length(rest) >= length(parts[n]) && substr(rest, length(rest) - length(parts[n]) + 1) == parts[n]
}
FNR == 1 { file++ }
file == 1 && /^===STEP [0-9]+ / {
	s = $2; cur = s; steps[++nsteps] = s
	t = $0; sub(/^===STEP [0-9]+ /, "", t); gsub(/\n/, " ", t)
	title[s] = "$ " t
	ne[s] = 0
	next
}
file == 1 && /^===RC [0-9]+ [0-9]+$/ { want_rc[$2] = $3; cur = ""; next }
file == 1 && cur != "" && !/^===/ { exp_line[cur, ++ne[cur]] = $0; next }
file == 1 && cur != "" { title[cur] = title[cur] " " $0; next }
file == 2 && /^===STEP [0-9]+$/ { cur = $2; ng[cur] = 0; next }
file == 2 && /^===RC [0-9]+ [0-9]+$/ { got_rc[$2] = $3; cur = ""; next }
file == 2 && cur != "" { got_line[cur, ++ng[cur]] = $0; next }
END {
	for (i = 1; i <= nsteps; i++)
		check_step(steps[i])
	printf "# %d commands, %d differ from the guide\n", total, failed
	exit failed > 0
}
