#!/usr/bin/env bash
# Runs every test and ends with "N passed, N failed", followed by
# ", N skipped" when a test was skipped.
#   unit  $BUILD/tests/unit/*     print PASS/FAIL/SKIP lines themselves
#   isa   build/isa/*.elf         a guest program; passes when norvm exits 0
#                                 (isa-jit: the same on the code generator)
#   e2e   tests/e2e/*.sh          print PASS/FAIL/SKIP lines, or pass on exit 0
# A test prints "PASS name", "FAIL name: why" or "SKIP name: why"; here each
# name gets the place the test lives in front ("e2e/uboot_mmode: version"),
# a skip is never counted as passed, and the run fails when two results
# carry the same name.  Every program runs under a timeout.
# tests/manifest lists every result the tests print: one missing from a
# run (a script that stopped half way) fails, and so does one the manifest
# lacks (add it there).  A script that skips as a whole prints "SKIP
# NAME: why" with its own name (gdb.sh: "SKIP gdb"); its other results are
# then not expected.  UPDATE_MANIFEST=1 with no TESTS writes the manifest
# from the run.
# TESTS=pattern limits the run to test files whose path matches.
set -u
NORVM=${NORVM:-./norvm}
BUILD=${BUILD:-build}
export NORVM BUILD
pass=0 fail=0 skip=0
failed=() skipped=() dups=()
declare -A seen=() ran=() whole_skip=()
MANIFEST=tests/manifest

# count STATUS NAME REST: print one result under its full name and count it.
count() {
	echo "$1 $2$3"
	case $1 in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)); failed+=("$2") ;;
	SKIP) skip=$((skip + 1)); skipped+=("$2") ;;
	esac
	seen[$2]=$((${seen[$2]:-0} + 1))
	[ "${seen[$2]}" -ne 2 ] || dups+=("$2")
}

# run_one WHERE SECS CMD...: run a test program under a timeout of SECS and
# count its result lines, each name prefixed by WHERE.  A program that
# prints no result passes or fails by its exit status; one that prints
# results but exits non-zero without a FAIL line fails as a whole.
run_one() {
	local where=$1 secs=$2; shift 2
	local out rc line p=0 f=0 s=0 why
	local re='^(PASS|FAIL|SKIP)( ([^ :]+))?([ :].*)?$'
	ran[$where]=1
	out=$(timeout -k 10 "$secs" "$@" 2>&1); rc=$?
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		case ${BASH_REMATCH[1]} in PASS) p=$((p + 1)) ;; FAIL) f=$((f + 1)) ;; SKIP) s=$((s + 1)) ;; esac
		[ "${BASH_REMATCH[1]}" != SKIP ] || [ "${BASH_REMATCH[3]}" != "${where##*/}" ] ||
			whole_skip[$where]=1
		if [ -n "${BASH_REMATCH[3]}" ]; then
			count "${BASH_REMATCH[1]}" "$where: ${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}"
		else
			count "${BASH_REMATCH[1]}" "$where" "${BASH_REMATCH[4]}"
		fi
	done <<<"$out"
	why="exit status $rc"
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || why="timed out after $secs s"
	if [ $((p + f + s)) -eq 0 ] && [ $rc -eq 0 ]; then
		count PASS "$where" ""
	elif [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		f=1; count FAIL "$where" ": $why"
	fi
	if [ $f -ne 0 ]; then
		sed 's/^/    | /' <<<"$out" | grep -v '^    | PASS ' | tail -n 40
	fi
}

# names NAME...: the names quoted, one after another.
names() { local n out=; for n; do out+="${out:+ }'$n'"; done; echo "$out"; }

want() { [ -z "${TESTS:-}" ] || [[ $1 == *${TESTS}* ]]; }

for t in "$BUILD"/tests/unit/*; do
	[ -x "$t" ] && want "$t" || continue
	run_one "unit/$(basename "$t")" 600 "$t"
done
# The ISA tests run on the interpreter, and on the code generator (where
# the host has one) with every block translated the first time it runs.
jit=
[ "$(uname -m)" = x86_64 ] && jit=1
for t in build/isa/*.elf; do
	[ -f "$t" ] && want "$t" || continue
	run_one "isa/$(basename "$t" .elf)" 60 "$NORVM" run --jit off --firmware "$t"
	if [ -n "$jit" ]; then
		run_one "isa-jit/$(basename "$t" .elf)" 60 "$NORVM" run \
			--jit on,threshold=1 --firmware "$t"
	else
		count SKIP "isa-jit/$(basename "$t" .elf)" ": no code generator on $(uname -m)"
	fi
done
# An end-to-end script gets 600 s, or what a "# run.sh timeout: N" line in
# it says.
for t in tests/e2e/*.sh; do
	[ -x "$t" ] && want "$t" || continue
	secs=$(sed -n 's/^# run\.sh timeout: \([0-9][0-9]*\)$/\1/p' "$t")
	run_one "e2e/$(basename "$t" .sh)" "${secs:-600}" "$t"
done

# Every result the manifest lists was printed, and nothing it does not.
if [ -n "${UPDATE_MANIFEST:-}" ] && [ -z "${TESTS:-}" ]; then
	printf '%s\n' "${!seen[@]}" | LC_ALL=C sort >"$MANIFEST"
	echo "run.sh: wrote $MANIFEST (${#seen[@]} results)"
fi
declare -A listed=()
missing=() unlisted=()
while IFS= read -r name; do
	[ -n "$name" ] || continue
	listed[$name]=1
	where=${name%%: *}
	[ -n "${ran[$where]:-}" ] || { [ -z "${TESTS:-}" ] || continue; }
	[ -z "${whole_skip[$where]:-}" ] || continue
	[ -n "${seen[$name]:-}" ] || missing+=("$name")
done < <([ -r "$MANIFEST" ] && cat "$MANIFEST")
for name in "${!seen[@]}"; do
	where=${name%%: *}
	[ -n "${listed[$name]:-}" ] || [ -n "${whole_skip[$where]:-}" ] || unlisted+=("$name")
done
for name in "${missing[@]}"; do
	count FAIL "$name" ": missing: its test did not print it (stopped before it?)"
done
if [ ${#unlisted[@]} -eq 0 ]; then
	count PASS "run.sh: manifest" ""
else
	count FAIL "run.sh: manifest" ": not in $MANIFEST (add them): $(names "${unlisted[@]}")"
fi

# Every result must be told apart from every other by its name.
if [ ${#dups[@]} -eq 0 ]; then
	count PASS "run.sh: unique_names" ""
else
	count FAIL "run.sh: unique_names" ": reported more than once: $(names "${dups[@]}")"
fi

[ ${#skipped[@]} -eq 0 ] || echo "skipped: $(names "${skipped[@]}")"
[ ${#failed[@]} -eq 0 ] || echo "failed: $(names "${failed[@]}")"
summary="$pass passed, $fail failed"
[ $skip -eq 0 ] || summary+=", $skip skipped"
echo "$summary"
[ $fail -eq 0 ]
