# Helpers for end-to-end tests: run norvm with input on a pipe and check
# what the guest printed.  Each check prints a PASS or FAIL line.
NORVM=${NORVM:-./norvm}
UBOOT_M=/usr/lib/u-boot/qemu-riscv64/u-boot.bin
UBOOT_S=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
FW_JUMP=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
E2E_TMP=$(mktemp -d)
trap 'rm -rf "$E2E_TMP"' EXIT

# expect NAME PATTERN FILE: the file contains the (extended) regex.
expect() {
	if grep -Eq -- "$2" "$3"; then echo "PASS $1"; else echo "FAIL $1: no /$2/ in output"; fi
}

# expect_status NAME WANT GOT
expect_status() {
	if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: exit status $3, expected $2"; fi
}

# run_guest OUT INPUT ARGS...: norvm run ARGS with INPUT typed on stdin.
run_guest() {
	local out=$1 input=$2; shift 2
	printf '%b' "$input" | timeout 300 "$NORVM" run "$@" >"$out" 2>&1
}
