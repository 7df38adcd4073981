#!/usr/bin/env bash
# Runs every test and ends with "N passed, N failed" (", N skipped" when a
# test printed "SKIP name: why": it could not run here, and did not pass).
#   unit  $BUILD/tests/unit/*     print PASS/FAIL lines themselves
#   isa   build/isa/*.elf         a guest program; passes when norvm exits 0
#   e2e   tests/e2e/*.sh          print PASS/FAIL lines, or pass on exit 0
# TESTS=pattern limits the run to test files whose path matches.
set -u
NORVM=${NORVM:-./norvm}
BUILD=${BUILD:-build}
export NORVM BUILD
pass=0 fail=0 skip=0
failed=()

# run_one NAME CMD...: run a test program, count its PASS/FAIL/SKIP lines.
run_one() {
	local name=$1; shift
	local out rc p f s
	out=$("$@" 2>&1); rc=$?
	p=$(grep -c '^PASS ' <<<"$out")
	f=$(grep -c '^FAIL ' <<<"$out")
	s=$(grep -c '^SKIP ' <<<"$out")
	grep -E '^(PASS|FAIL|SKIP) ' <<<"$out" | sed "s|^\(PASS\|FAIL\|SKIP\) |\1 $name: |"
	skip=$((skip + s))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -ne 0 ] && [ $rc -eq 0 ]; then
		:
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		if [ $rc -eq 0 ]; then p=1; echo "PASS $name"; else f=1; echo "FAIL $name"; fi
	elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "FAIL $name: exit status $rc"
	fi
	if [ "$f" -ne 0 ]; then
		failed+=("$name")
		sed 's/^/    | /' <<<"$out" | grep -v '^    | PASS ' | tail -n 40
	fi
	pass=$((pass + p)); fail=$((fail + f))
}

want() { [ -z "${TESTS:-}" ] || [[ $1 == *${TESTS}* ]]; }

for t in "$BUILD"/tests/unit/*; do
	[ -x "$t" ] && want "$t" || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in build/isa/*.elf; do
	[ -f "$t" ] && want "$t" || continue
	run_one "isa/$(basename "$t" .elf)" timeout 60 "$NORVM" run --firmware "$t"
done
for t in tests/e2e/*.sh; do
	[ -x "$t" ] && want "$t" || continue
	run_one "e2e/$(basename "$t" .sh)" timeout 600 "$t"
done

[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed$([ "$skip" -eq 0 ] || echo ", $skip skipped")"
[ "$fail" -eq 0 ]
