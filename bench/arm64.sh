#!/usr/bin/env bash
# arm64-virt on KVM: Debian's U-Boot and AAVMF from flash, the flash's read
# exits with the array mapped and with a bank trapped (--flash F,map=off),
# the loads and stores without syndrome norvm emulated, and seconds next
# to QEMU's own arm virt running the same firmware.  KVM runs nested
# (Linux KVM inside qemu-system-aarch64's TCG emulation of EL2, see
# tests/e2e/arm64.sh) and QEMU's peer runs on TCG directly, so the seconds
# say nothing about real hardware; the exit counts do.
#
# Each round boots the nested host once (tests/arm64/bench-steps), then
# runs QEMU's arm virt with the same images and input.
#   flash read exits   reads of both banks that trapped: U-Boot's typed
#                      session (tests/arm64/input/uboot.in: flinfo, erase,
#                      cp.b, cmp.b, crc32 of both banks, poweroff), and
#                      AAVMF to its Shell, whose startup.nsh shows a
#                      variable and resets
#   emulated           accesses without syndrome (KVM_EXIT_ARM_NISV)
#                      norvm decoded and did, AAVMF with its store trapped
#   s                  norvm's run (its --stats-json seconds) and QEMU's,
#                      from start to exit
set -euo pipefail
. "$(dirname "$0")/lib.sh"
QEMU=qemu-system-aarch64
A=build/arm64

echo quit | $QEMU -M virt,virtualization=on,gic-version=3 -cpu max -nodefaults -display none \
	-S -monitor stdio >/dev/null 2>&1 || die "$QEMU cannot emulate EL2: no arm64 KVM figures"
note "building the nested host (tests/arm64/build-assets)"
tests/arm64/build-assets >"$BENCH_TMP/build.log" 2>&1 ||
	{ tail -n 20 "$BENCH_TMP/build.log" >&2; die "tests/arm64/build-assets failed"; }

nested() {
	local con=$BENCH_TMP/console r
	note "round $1: the nested host"
	timeout -k 5 1200 $QEMU -M virt,virtualization=on,gic-version=3 -cpu max -smp 2 -m 2G \
		-nographic -nodefaults -serial stdio -no-reboot -kernel $A/Image \
		-initrd $A/initramfs.cpio.gz -append "console=ttyAMA0 norvm.steps=/share/bench-steps" \
		</dev/null 2>&1 | tr -d '\r' >"$con" || die "round $1: QEMU failed"
	grep -q '^@@ init: done$' "$con" || die "round $1: the nested run did not finish"
	for r in uboot_on uboot_off uefi_on uefi_off; do
		grep -q "^@@ end $r status 0 " "$con" ||
			die "round $1: nested run $r failed: $(grep "^@@ end $r " "$con")"
		sed -n "\\|^@@ cat /tmp/$r.json\$|,\\|^@@ eof /tmp/$r.json|p" "$con" | sed '1d;$d' \
			>"$BENCH_TMP/$r.json"
		record "${r}_reads" "$(json "$BENCH_TMP/$r.json" \
			'.devices.flash0.reads + .devices.flash1.reads')" "$r"
		record "${r}_s" "$(json "$BENCH_TMP/$r.json" .seconds)" "$r"
	done
	record uefi_off_emulated "$(json "$BENCH_TMP/uefi_off.json" .kvm.emulated_accesses)" uefi_off
}

peer() {
	local steps=("wait:Hit any key" "send:\n") line
	note "round $1: QEMU's arm virt"
	cp /usr/lib/u-boot/qemu_arm64/u-boot.bin "$BENCH_TMP/q0.img"
	truncate -s 64M "$BENCH_TMP/q0.img"
	head -c 64M /dev/zero | tr '\0' '\377' >"$BENCH_TMP/q1.img"
	while IFS= read -r line; do
		steps+=("wait:^=> " "send:$line\n")
	done <tests/arm64/input/uboot.in
	drive "$BENCH_TMP/quboot.out" "${steps[@]}" -- $QEMU -M virt,gic-version=3 -cpu cortex-a57 \
		-m 1G -nodefaults -display none -serial stdio -monitor none \
		-drive if=pflash,format=raw,file="$BENCH_TMP/q0.img" \
		-drive if=pflash,format=raw,file="$BENCH_TMP/q1.img"
	grep -q 'Total of 768 byte(s) were the same' "$BENCH_TMP/quboot.out" ||
		die "round $1: QEMU's U-Boot session went wrong"
	record qemu_uboot_s "$SECS"
	cp /usr/share/AAVMF/AAVMF_VARS.fd "$BENCH_TMP/qvars.fd"
	run "$BENCH_TMP/quefi.out" $QEMU -M virt,gic-version=3 -cpu cortex-a57 -m 1G -nodefaults \
		-display none -serial stdio -monitor none -no-reboot \
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd \
		-drive if=pflash,format=raw,file="$BENCH_TMP/qvars.fd" \
		-drive if=none,id=d0,format=raw,readonly=on,file=$A/uefi2.img \
		-device virtio-blk-device,drive=d0
	grep -q 'dmpstore' "$BENCH_TMP/quefi.out" || die "round $1: QEMU's AAVMF did not run startup.nsh"
	record qemu_uefi_s "$SECS"
}

rounds nested peer
derive uboot_ratio '$1 / $2' uboot_on_s qemu_uboot_s
derive uefi_ratio '$1 / $2' uefi_on_s qemu_uefi_s

table "measure (median, min–max of $RUNS)" "norvm, KVM nested in TCG" "QEMU arm virt, TCG" "norvm / QEMU"
row "U-Boot session: flash read exits, array mapped" "$(cell uboot_on_reads int)" – –
row "U-Boot session: flash read exits, bank 1 map=off" "$(cell uboot_off_reads int)" – –
row "AAVMF to Shell: flash read exits, array mapped" "$(cell uefi_on_reads int)" – –
row "AAVMF to Shell: flash read exits, store map=off" "$(cell uefi_off_reads int)" – –
row "AAVMF, store map=off: accesses without syndrome emulated" "$(cell uefi_off_emulated int)" – –
row "U-Boot session, s" "$(cell uboot_on_s %.2f)" "$(cell qemu_uboot_s %.2f)" "$(cell uboot_ratio %.2f)"
row "AAVMF to Shell and reset, s" "$(cell uefi_on_s %.2f)" "$(cell qemu_uefi_s %.2f)" "$(cell uefi_ratio %.2f)"
table_end
