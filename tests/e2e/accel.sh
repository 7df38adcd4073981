#!/usr/bin/env bash
# Choosing the accelerator on this machine: --accel kvm where KVM cannot run
# riscv64 guests fails with one line that says why and status 1; auto falls
# back to the built-in CPU and the statistics say so.  (KVM itself runs in
# tests/e2e/kvm.sh, nested under QEMU.)
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP

# refused NAME PATTERN [VAR=VALUE]: --accel kvm fails, status 1, one line.
refused() {
	local name=$1 pat=$2; shift 2
	( [ $# -eq 0 ] || export "$@"
	  BAD_STATUS=1 bad "$name" "$pat" run --accel kvm --kernel "$UBOOT_S" )
}

refused kvm_no_device '^norvm: --accel kvm: no /nonexistent/kvm: this kernel offers no KVM' \
	NORVM_KVM_DEVICE=/nonexistent/kvm
refused kvm_not_kvm '/dev/null is not KVM \(KVM_GET_API_VERSION' NORVM_KVM_DEVICE=/dev/null
if [ "$(id -u)" -ne 0 ]; then
	: >"$t/kvm"; chmod 000 "$t/kvm"
	refused kvm_permission "$t/kvm: permission denied" NORVM_KVM_DEVICE="$t/kvm"
fi
# This machine's own /dev/kvm, whatever it is: absent, or KVM for another
# architecture (riscv64 hosts run tests/e2e/kvm.sh's checks for real).
if [ "$(uname -m)" != riscv64 ]; then
	if [ -e /dev/kvm ]; then
		refused kvm_here "(this host is $(uname -m): its KVM runs only|/dev/kvm: permission denied)"
	else
		refused kvm_here 'no /dev/kvm: this kernel offers no KVM'
	fi
fi

# M-mode firmware needs the built-in CPU.
BAD_STATUS=1 bad kvm_mmode_firmware 'runs no M-mode firmware' \
	run --accel kvm --firmware "$UBOOT_M"
norvm run --accel fast --firmware "$UBOOT_M" </dev/null >"$t/o" 2>"$t/e"
expect_status unknown_accel 2 $?
expect unknown_accel_message '--accel fast: must be kvm, soft or auto' "$t/e"

# auto: KVM unusable here, so the built-in CPU boots U-Boot.
out=$t/auto
NORVM_KVM_DEVICE=/nonexistent/kvm run_guest "$out" 'poweroff\n' --accel auto \
	--firmware "$UBOOT_M" --stats --stats-json "$t/auto.json"
expect_status auto_poweroff 0 $?
expect auto_prompt '^=> ' "$out"
expect auto_says_soft 'exit statistics \(.*accelerator soft' "$out"
[ "$(jq -r .accelerator "$t/auto.json")" = soft ] && echo "PASS auto_json_soft" ||
	echo "FAIL auto_json_soft: $(jq -r .accelerator "$t/auto.json")"
# With no --accel at all, and this machine's /dev/kvm, the same.
run_guest "$out" 'poweroff\n' --firmware "$UBOOT_M" --stats
expect default_says_soft 'exit statistics \(.*accelerator soft' "$out"
# A payload in flash and no firmware: auto tries KVM, falls back, and the
# built-in CPU runs the packed OpenSBI.
img=$t/boot.img
norvm flash pack "$img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
NORVM_KVM_DEVICE=/nonexistent/kvm run_guest "$out" 'poweroff\n' --flash "$img" --boot flash --stats
expect_status auto_flash_poweroff 0 $?
expect auto_flash_says_soft 'exit statistics \(.*accelerator soft' "$out"
