# Helpers for end-to-end tests: run norvm with input on a pipe and check
# what the guest printed.  Each check prints a PASS, FAIL or SKIP line.
# Every norvm a test starts runs under a timeout: call it through norvm or
# run_guest below, never as "$NORVM" (tests/e2e/timeouts.sh checks this).
NORVM=${NORVM:-./norvm}
. "$(dirname "${BASH_SOURCE[0]}")/../steps.sh"
UBOOT_M=/usr/lib/u-boot/qemu-riscv64/u-boot.bin
UBOOT_S=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
FW_JUMP=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
E2E_TMP=$(mktemp -d)
HOLDER= HOLD_WHY=
trap 'release_lock; rm -rf "$E2E_TMP"' EXIT

# expect NAME PATTERN FILE: the file contains the (extended) regex.
expect() {
	if grep -Eq -- "$2" "$3"; then echo "PASS $1"; else echo "FAIL $1: no /$2/ in output"; fi
}

# refusal NAME PATTERN STATUS ERRFILE: bad input was refused as it must be:
# norvm failed by itself (STATUS 1..123: not 0, not killed by a timeout or
# a signal) with exactly one line in ERRFILE, matching PATTERN.
refusal() {
	local name=$1 pat=$2 rc=$3 e=$4 lines
	lines=$(wc -l <"$e")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL $name: still running when its timeout ended it"
	elif [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		echo "FAIL $name: exit status $rc"
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL $name: $lines lines on stderr: $(head -c 300 "$e")"
	elif ! grep -Eq -- "$pat" "$e"; then
		echo "FAIL $name: message '$(cat "$e")' does not match /$pat/"
	else
		echo "PASS $name"
	fi
}

# bad NAME PATTERN ARGS...: `norvm ARGS` is refused (refusal above) within
# BAD_TIMEOUT seconds (30).  BAD_INPUT (printf escapes) is typed on its
# stdin, so that a guest that boots when it should have been refused
# powers off instead of waiting.  BAD_STATUS: the exit status must be
# that one; BAD_QUIET=1: nothing may appear on stdout.
bad() {
	local name=$1 pat=$2 rc; shift 2
	printf '%b' "${BAD_INPUT:-}" |
		NORVM_TIMEOUT=${BAD_TIMEOUT:-30} norvm "$@" >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err"
	rc=$?
	if [ -n "${BAD_STATUS:-}" ] && [ "$rc" -ne "$BAD_STATUS" ]; then
		echo "FAIL $name: exit status $rc, expected $BAD_STATUS: $(head -c 300 "$E2E_TMP/bad.err")"
	elif [ -n "${BAD_QUIET:-}" ] && [ -s "$E2E_TMP/bad.out" ]; then
		echo "FAIL $name: stdout: $(head -c 200 "$E2E_TMP/bad.out")"
	else
		refusal "$name" "$pat" $rc "$E2E_TMP/bad.err"
	fi
}

# same_file NAME A B: two files hold the same text.
same_file() {
	if cmp -s "$2" "$3"; then echo "PASS $1"; else
		echo "FAIL $1: differs:"; diff "$2" "$3" | head -n 20; fi
}

# host_crc FILE: CRC-32 of a file, zlib's (gzip's trailer), as /init prints.
host_crc() { gzip -c "$1" | tail -c 8 | od -An -tx4 -N4 | tr -d ' \n'; }
# erased FILE BYTES: an erased flash image.
erased() { head -c "$2" /dev/zero | tr '\0' '\377' >"$1"; }

# The console of a nested run (tests/e2e/kvm.sh, arm64.sh), in $con: what
# tests/kvm/init.c printed, cut by its "@@ " lines.
# step NAME: the console output of one run step.
step() { sed -n "/^@@ begin $1\$/,/^@@ end $1 /p" "$con"; }
# step_status NAME: its exit status ("timeout" when init killed it).
step_status() {
	sed -n "s/^@@ end $1 status \([0-9]*\) .*/\1/p; s/^@@ end $1 \(timeout\) .*/\1/p" "$con"
}
# json FILE: a file init printed with cat.
json() { sed -n "\\|^@@ cat $1\$|,\\|^@@ eof $1|p" "$con" | sed '1d;$d'; }
# crc FILE [N]: the Nth crc32 init printed for FILE (default the last).
crc() { grep "^@@ crc32 $1 " "$con" | sed -n "${2:-\$}p" | cut -d' ' -f5; }

# check NAME CONDITION WHY: CONDITION (a shell expression) holds.
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1: $3"; fi; }

# expect_status NAME WANT GOT
expect_status() {
	if [ "$2" = "$3" ]; then echo "PASS $1"
	elif [ "$3" = 124 ] || [ "$3" = 137 ]; then echo "FAIL $1: timed out"
	else echo "FAIL $1: exit status $3, expected $2"; fi
}

# norvm ARGS...: "$NORVM" ARGS, killed after NORVM_TIMEOUT seconds (300
# unless set; status 124 then).
norvm() {
	timeout -k 5 "${NORVM_TIMEOUT:-300}" "$NORVM" "$@"
}

# run_guest OUT INPUT ARGS...: norvm run ARGS with INPUT typed on stdin.
run_guest() {
	local out=$1 input=$2; shift 2
	printf '%b' "$input" | norvm run "$@" >"$out" 2>&1
}

# image_locked IMAGE: some process holds a flock on IMAGE.  Read from
# /proc/locks: taking the lock to test it could make the holder fail.
image_locked() {
	local dev ino
	dev=$(stat -c '%Hd %Ld' "$1") && ino=$(stat -c %i "$1") || return 1
	dev=$(printf '%02x:%02x' $dev)
	awk -v id="$dev:$ino" '$2 == "FLOCK" && $6 == id { found = 1 }
		END { exit !found }' /proc/locks
}

# hold_lock IMAGE ARGS...: start `norvm run ARGS` in the background (input
# ended, output in $E2E_TMP/holder.out) and wait until it holds IMAGE's
# lock, at most 30 s.  Fails, with the reason in HOLD_WHY, when the holder
# exits or never takes the lock.  release_lock stops it.
hold_lock() {
	local img=$1 i; shift
	# timeout itself in the background, so that killing HOLDER stops norvm.
	timeout -k 5 120 "$NORVM" run "$@" </dev/null >"$E2E_TMP/holder.out" 2>&1 &
	HOLDER=$!
	for ((i = 0; i < 300; i++)); do
		image_locked "$img" && return 0
		if ! kill -0 "$HOLDER" 2>/dev/null; then
			HOLD_WHY="the holder exited: $(tail -n 3 "$E2E_TMP/holder.out")"
			return 1
		fi
		sleep 0.1
	done
	HOLD_WHY="the holder did not lock $img within 30 s"
	return 1
}

release_lock() {
	[ -n "$HOLDER" ] || return 0
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
	HOLDER=
	return 0
}

# session OUT STEP... -- ARGS...: norvm run ARGS with its console driven
# step by step (tests/steps.sh: "wait:REGEX", "send:TEXT"), each wait up
# to SESSION_WAIT seconds (default 120).  Returns norvm's exit status, or
# 124 when a wait timed out (norvm is then stopped; SESSION_WHY says which
# wait).  SESSION_CMD (default: norvm run) is the command ARGS go to.
session() {
	local out=$1 fifo pid rc
	local -a steps=()
	shift
	fifo=$(mktemp -u "$E2E_TMP/in.XXXXXX")
	mkfifo "$fifo"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do steps+=("$1"); shift; done
	shift
	if [ -n "${SESSION_CMD:-}" ]; then
		timeout -k 5 "${NORVM_TIMEOUT:-300}" $SESSION_CMD "$@" <"$fifo" >"$out" 2>&1 &
	else
		timeout -k 5 "${NORVM_TIMEOUT:-300}" "$NORVM" run "$@" <"$fifo" >"$out" 2>&1 &
	fi
	pid=$!
	exec 8>"$fifo"
	SESSION_WHY=
	if console_steps "$out" $pid 8 0.1 "${SESSION_WAIT:-120}" "${steps[@]}"; then
		wait $pid
		rc=$?
	else
		SESSION_WHY=$STEP_WHY
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
		rc=124
	fi
	exec 8>&-
	rm -f "$fifo"
	return $rc
}
