#!/bin/sh
# The seed bug on a real kernel (issue 19): tests/data/lab-buggy holds runs
# of the lab's own 7.2 build with commit 6da5e537f5af reverted
# (kernel-7.2-buggy: the EOIcount walk starts at the AP-list head) and of
# the same source unchanged (kernel-7.2-fixed), recorded with the same
# parameters. Every recording must verify, and vgic-replay must say of
# each capture what tests/data/lab-buggy/EXPECT says: its "now" lines hold
# today; its "target" lines are the diagnosis the issue asks for, reported
# as TODO while they fail, and the test fails once one holds, so that the
# line becomes a "now" line (git's test_expect_failure).
. "$(dirname "$0")/lib.sh"

# run_check DB PROFILE: check's text output ("-": the release's profile), exit status kept
run_check() {
	if [ "$2" = - ]; then $VR check --no-store "$1"; else $VR check --no-store --profile "$2" "$1"; fi
}

# holds DB ASSERTION...: does the assertion hold on the capture DB (see EXPECT)?
holds() {
	db=$1 what=$2 profile=$3
	shift 3
	run_check "$db" "$profile" > "$TMP/check.txt" 2> "$TMP/check.err"
	rc=$?
	# an error (a capture that did not import, say) holds no assertion but its own
	[ "$what" = exit ] || [ "$rc" -le 1 ] || return 1
	case $what in
	exit) [ "$rc" = "$1" ] ;;
	finding) # KIND [INTID]
		[ "$rc" = 1 ] && grep -qE "^$1 .*${2:+ intid $2( |\$)}" "$TMP/check.txt" ;;
	no-finding) ! grep -q "^$1 " "$TMP/check.txt" ;;
	flushes)
		# "model: A of F flushes as PROFILE predicts": all, or none agree
		line=$(grep '^model: ' "$TMP/check.txt")
		a=$(echo "$line" | sed -n 's/^model: \([0-9]*\) of \([0-9]*\) flushes.*/\1/p')
		f=$(echo "$line" | sed -n 's/^model: \([0-9]*\) of \([0-9]*\) flushes.*/\2/p')
		case $1 in
		all) [ -n "$f" ] && [ "$f" -gt 0 ] && [ "$a" = "$f" ] ;;
		some) [ -n "$f" ] && [ "$a" -lt "$f" ] ;;
		*) false ;;
		esac ;;
	matches) grep -q "behaviour matches $1 " "$TMP/check.txt" ;;
	*) echo "# unknown assertion: $what" >&2; false ;;
	esac
}

n=0
for run in "$DATA"/lab-buggy/*/; do
	name=$(basename "$run")
	n=$((n + 1))
	expect_ok "$name: recording verifies (the data; check's verdict is EXPECT's)" \
		env VERIFY_CHECK=0 VERIFY_WORK="$TMP/$name" "$DATA/../lab/verify.sh" "$run" "$VR"
	sed -e '/^#/d' -e '/^[[:space:]]*$/d' "$DATA/lab-buggy/EXPECT" > "$TMP/expect"
	while read -r when pattern capture what profile arg; do
		case $name in
		$pattern) ;;
		*) continue ;;
		esac
		for c in trace record; do
			case $c in
			$capture) ;;
			*) continue ;;
			esac
			under="check --profile $profile"
			[ "$profile" = - ] && under=check
			desc="$name ($c): $under: $what${arg:+ $arg}"
			checks=$((checks + 1))
			if holds "$TMP/$name/$c.db" "$what" "$profile" $arg < /dev/null; then
				if [ "$when" = now ]; then
					echo "ok - $desc"
				else
					echo "not ok - $desc now holds: make it a \"now\" line in tests/data/lab-buggy/EXPECT"
					failures=$((failures + 1))
				fi
			elif [ "$when" = now ]; then
				echo "not ok - $desc"
				sed 's/^/#   /' "$TMP/check.txt" | head -5
				failures=$((failures + 1))
			else
				echo "ok - $desc # TODO the diagnosis of issue 19"
			fi
		done
	done < "$TMP/expect"
done
expect_eq "runs of the buggy and the fixed kernel" "$([ "$n" -ge 4 ] && echo yes)" yes
finish
