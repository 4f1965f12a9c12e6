# Helpers for the CLI tests, in the spirit of git's test-lib: each check
# prints "ok"/"not ok" with a description; the script's exit status says
# whether all passed. $VR is the binary under test (the ASan/UBSan build).
set -u
: "${VR:?set VR to the vgic-replay binary}"
DATA=${DATA:-$(cd "$(dirname "$0")/../data" && pwd)}
TMP=$(mktemp -d /tmp/vr-cli-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0

# expect_ok DESC CMD...: the command exits 0.
expect_ok() {
	desc=$1; shift
	checks=$((checks + 1))
	if "$@" >"$TMP/out" 2>"$TMP/err"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc (exit $?)"; sed 's/^/#   /' "$TMP/err" | head -5
		failures=$((failures + 1))
	fi
}

# expect_fail DESC CODE PATTERN CMD...: exits with CODE, and stderr is one
# line matching PATTERN (a grep -E regex).
expect_fail() {
	desc=$1; code=$2; pattern=$3; shift 3
	checks=$((checks + 1))
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -qE -- "$pattern" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		echo "ok - $desc"
	else
		echo "not ok - $desc (exit $rc, want $code; stderr:)"; sed 's/^/#   /' "$TMP/err" | head -5
		failures=$((failures + 1))
	fi
}

# expect_eq DESC ACTUAL EXPECTED
expect_eq() {
	checks=$((checks + 1))
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: got '$2', want '$3'"
		failures=$((failures + 1))
	fi
}

# known_gap NAME: the reason from tests/data/lab/KNOWN-GAPS when a pattern
# there matches the run (a recording check does not model yet), else empty.
known_gap() {
	[ -f "$DATA/lab/KNOWN-GAPS" ] || return 0
	sed -e '/^#/d' -e '/^[[:space:]]*$/d' "$DATA/lab/KNOWN-GAPS" | while read -r pat why; do
		case $1 in
		$pat) echo "$why"; break ;;
		esac
	done
}

# finish: summary line and exit status.
finish() {
	echo "# $(basename "$0"): $checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}

# jget FILE EXPR: a jq-like read of a JSON document (d), python3 prints EXPR's value
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
