#!/usr/bin/env bash
# norvm's arm64-virt board on Linux KVM, nested: qemu-system-aarch64 (TCG,
# -M virt,virtualization=on: EL2) boots an arm64 Linux with KVM, built from
# Debian's linux-source-6.1 (tests/arm64/arm64.config), whose /init
# (tests/kvm/init.c) runs the aarch64 norvm through tests/arm64/steps.
# Every check reads QEMU's console from out here.  Debian's U-Boot for
# qemu_arm64 also runs on QEMU's own arm virt here, and the flash must end
# up the same.  tests/arm64/build-assets builds what QEMU boots (make check
# runs it first); the nested console is left in build/arm64/console.log.
# The nested run takes minutes under TCG, more on a busy machine:
# run.sh timeout: 1800
. "$(dirname "$0")/lib.sh"
QEMU=${QEMU:-qemu-system-aarch64}
A=build/arm64
t=$E2E_TMP

# What runs under KVM is the cross-built norvm-aarch64; the sanitizers
# check this host's build, which the other tests exercise.
case $(basename "$NORVM") in
*-san | *-tsan)
	echo "SKIP arm64: the nested run does not use $(basename "$NORVM") (plain make check runs it)"
	exit 0 ;;
esac
if ! command -v $QEMU >/dev/null; then
	echo "FAIL qemu: $QEMU is not installed (scripts/install-deps)"
	exit 1
fi
if ! echo quit | $QEMU -M virt,virtualization=on,gic-version=3 -cpu max -nodefaults \
	-display none -S -monitor stdio >/dev/null 2>&1; then
	echo "SKIP arm64: $QEMU cannot emulate EL2 (-M virt,virtualization=on)"
	exit 0
fi
if ! tests/arm64/build-assets >"$t/build.log" 2>&1; then
	echo "FAIL build_assets: tests/arm64/build-assets failed"
	tail -n 20 "$t/build.log"
	exit 1
fi

# --- The nested run. ---------------------------------------------------
start=$(date +%s)
timeout 1500 $QEMU -M virt,virtualization=on,gic-version=3 -cpu max -smp 2 -m 2G \
	-nographic -nodefaults -serial stdio -no-reboot -kernel $A/Image \
	-initrd $A/initramfs.cpio.gz -append "console=ttyAMA0" </dev/null >"$t/qemu.out" 2>&1
rc=$?
tr -d '\r' <"$t/qemu.out" >$A/console.log
con=$A/console.log
expect_status qemu_exit 0 $rc
echo "nested arm64 run: $(($(date +%s) - start)) s" >&2

expect kvm_vhe 'kvm \[[0-9]+\]: VHE mode initialized successfully' "$con"
expect init_finished '^@@ init: done$' "$con"

jqf() { jq -r "$2" "$1" 2>/dev/null; }

# --- Loads and stores without syndrome: each form checked by the guest
# against byte loads, the same with the array mapped and trapped. --------
for map in on off; do
	expect_status "nisv_${map}_status" 0 "$(step_status nisv_$map)"
	step "nisv_$map" | grep -E '^(ok|BAD) ' >"$t/nisv_$map"
	json "/tmp/nisv_$map.json" >"$t/nisv_$map.json"
	check "nisv_${map}_forms" '[ "$(grep -c "^ok " "$t/nisv_$map")" -eq 38 ]' \
		"$(grep -c "^ok " "$t/nisv_$map") forms ok: $(grep -m3 "^BAD" "$t/nisv_$map")"
	expect "nisv_${map}_all_ok" '^nisv: all ok$' <(step "nisv_$map")
	check "nisv_${map}_cpu1" 'grep -q "^ok cpu1_ldp.2 " "$t/nisv_$map"' "CPU 1 did not run"
done
same_file nisv_same_results "$t/nisv_on" "$t/nisv_off"
check nisv_on_no_flash_reads '[ "$(jqf "$t/nisv_on.json" .devices.flash0.reads)" = 0 ]' \
	"mapped: $(jqf "$t/nisv_on.json" .devices.flash0.reads) flash reads trapped"
# Trapped: every load from the flash is an exit, ldrb ones included.
check nisv_off_flash_reads '[ "$(jqf "$t/nisv_off.json" .flash.flash0.reads.array)" -gt 100 ]' \
	"trapped: $(jqf "$t/nisv_off.json" .flash.flash0.reads.array) array reads"
# The guest has 21 loads and stores without syndrome on the flash (18 loads
# and CPU 1's pair, 2 stores); mapped, only the stores exit (a write to a
# read-only slot), and KVM cannot describe them either.
check nisv_off_emulated '[ "$(jqf "$t/nisv_off.json" .kvm.emulated_accesses)" = 21 ]' \
	"trapped: $(jqf "$t/nisv_off.json" -c .kvm)"
check nisv_on_emulated '[ "$(jqf "$t/nisv_on.json" .kvm.emulated_accesses)" = 2 ]' \
	"mapped: $(jqf "$t/nisv_on.json" -c .kvm)"
check nisv_image_unchanged '[ "$(crc /tmp/nisv_off.img)" = "$(host_crc $A/nisv-flash.img)" ]' \
	"the read-array stores changed the image"

# --- --accel soft: one line. --------------------------------------------
step soft | sed '1d;$d;/^$/d' >"$t/soft"
expect_status soft_status 1 "$(step_status soft)"
check soft_one_line '[ "$(wc -l <"$t/soft")" -eq 1 ]' "$(cat "$t/soft")"
expect soft_message 'runs riscv64 guests only.*arm64.*need KVM' "$t/soft"

# --- Debian's U-Boot from flash, against QEMU's arm virt. ---------------
expect_status uboot_status 0 "$(step_status uboot)"
step uboot >"$t/uboot.norvm"
json /tmp/uboot.json >"$t/uboot.json"
uboot_cmds() { grep -E '^(=> |crc32 for|Total of|Copy to Flash|Erased|Bank #)' "$1"; }
expect uboot_prompt '^=> version$' "$t/uboot.norvm"
expect uboot_flinfo 'Bank # 2: CFI conformant flash \(32 x 16\) +Size: 64 MB in 256 Sectors' "$t/uboot.norvm"
expect uboot_erase '^Erased 1 sectors' "$t/uboot.norvm"
expect uboot_cp '^Copy to Flash\.\.\. done' "$t/uboot.norvm"
expect uboot_cmp '^Total of 768 byte\(s\) were the same' "$t/uboot.norvm"
# The array is mapped: reads trap only while U-Boot probes (ID, query,
# status), and nothing executes out of a trap.
for b in flash0 flash1; do
	check "uboot_${b}_array_mapped" '[ "$(jqf "$t/uboot.json" .flash.$b.reads.array)" = 0 ]' \
		"$(jqf "$t/uboot.json" -c .flash.$b.reads)"
done
check uboot_no_fetch_exits '[ "$(jqf "$t/uboot.json" .exits.fetches)" = 0 ]' \
	"$(jqf "$t/uboot.json" .exits.fetches) fetch exits"

# QEMU's arm virt with the same images and commands, typed at its prompts.
cp /usr/lib/u-boot/qemu_arm64/u-boot.bin "$t/q0.img"
truncate -s 64M "$t/q0.img"
head -c 64M /dev/zero | tr '\0' '\377' >"$t/q1.img"
steps=("wait:Hit any key" "send:\n")
while IFS= read -r line; do
	steps+=("wait:^=> " "send:$line\n")
done <tests/arm64/input/uboot.in
SESSION_CMD="$QEMU -M virt,gic-version=3 -cpu cortex-a57 -m 1G -nodefaults \
-display none -serial stdio -monitor none -drive if=pflash,format=raw,file=$t/q0.img \
-drive if=pflash,format=raw,file=$t/q1.img" \
	session "$t/uboot.qemu.raw" "${steps[@]}" -- 
expect_status uboot_qemu_status 0 $?
tr -d '\r' <"$t/uboot.qemu.raw" >"$t/uboot.qemu"
grep -E '^crc32 for' "$t/uboot.qemu" >"$t/crc.qemu"
grep -E '^crc32 for' "$t/uboot.norvm" >"$t/crc.norvm"
check uboot_crc_lines '[ "$(wc -l <"$t/crc.qemu")" -eq 3 ]' "QEMU: $(cat "$t/crc.qemu")"
same_file uboot_same_crc32_as_qemu "$t/crc.qemu" "$t/crc.norvm"
check uboot_bank1_same_as_qemu '[ "$(crc /tmp/ub1.img)" = "$(host_crc "$t/q1.img")" ]' \
	"bank 1 after the session: norvm $(crc /tmp/ub1.img), QEMU $(host_crc "$t/q1.img")"

# Bank 1 trapped: the same session, the same bytes; its reads now exit.
expect_status uboot_off_status 0 "$(step_status uboot_off)"
step uboot_off >"$t/uboot_off.norvm"
json /tmp/uboot_off.json >"$t/uboot_off.json"
uboot_cmds "$t/uboot.norvm" >"$t/cmds.on"
uboot_cmds "$t/uboot_off.norvm" >"$t/cmds.off"
check uboot_off_session '[ "$(wc -l <"$t/cmds.on")" -ge 20 ]' "$(wc -l <"$t/cmds.on") lines"
same_file uboot_off_same_session "$t/cmds.on" "$t/cmds.off"
check uboot_off_same_bank1 '[ "$(crc /tmp/ubo1.img)" = "$(crc /tmp/ub1.img)" ]' \
	"bank 1: trapped $(crc /tmp/ubo1.img), mapped $(crc /tmp/ub1.img)"
check uboot_off_bank1_trapped '[ "$(jqf "$t/uboot_off.json" .flash.flash1.reads.array)" -gt 0 ]' \
	"$(jqf "$t/uboot_off.json" -c .flash.flash1.reads)"
check uboot_off_bank0_mapped '[ "$(jqf "$t/uboot_off.json" .flash.flash0.reads.array)" = 0 ]' \
	"$(jqf "$t/uboot_off.json" -c .flash.flash0.reads)"

# --- Linux directly, two vCPUs, the MTD read test. -----------------------
expect_status linux_status 0 "$(step_status linux)"
step linux >"$t/linux"
expect linux_two_cpus '^guest: 2 harts online$' "$t/linux"
expect linux_mtd0 '^mtd0: 00040000 00040000 "0\.flash"$' "$t/linux"
expect linux_mtd_readtest 'mtd_readtest: finished$' "$t/linux"
check linux_mtd_no_errors '! grep -q "mtd_readtest: error" "$t/linux"' "$(grep mtd_readtest: "$t/linux")"
expect linux_console_input "^guest: read 'ping'$" "$t/linux"

# --- AAVMF from flash: a variable set in one VM, shown by the next; the
# virtio disk holds each startup.nsh. -----------------------------------
expect_status uefi1_status 0 "$(step_status uefi1)"
step uefi1 >"$t/uefi1"
json /tmp/uefi1.json >"$t/uefi1.json"
expect uefi1_shell 'UEFI Interactive Shell' "$t/uefi1"
expect uefi1_disk 'FS0:.*Alias' "$t/uefi1"
expect uefi1_setvar 'Shell> .*setvar NorvmArm' "$t/uefi1"
check uefi1_code_mapped '[ "$(jqf "$t/uefi1.json" .devices.flash0.reads)" = 0 ]' \
	"code bank reads: $(jqf "$t/uefi1.json" -c .flash.flash0.reads)"
check uefi1_store_array_mapped '[ "$(jqf "$t/uefi1.json" .flash.flash1.reads.array)" = 0 ]' \
	"store reads: $(jqf "$t/uefi1.json" -c .flash.flash1.reads)"
expect_status uefi2_status 0 "$(step_status uefi2)"
expect uefi2_variable_persists '00000000: 41 52 4D 31 .*\*ARM1\*' <(step uefi2)

# The store trapped: AAVMF still reads and shows the variable; what KVM
# cannot describe (pairs, writeback) norvm decoded.
expect_status uefi_off_status 0 "$(step_status uefi_off)"
json /tmp/uefi_off.json >"$t/uefi_off.json"
expect uefi_off_variable '00000000: 41 52 4D 31 .*\*ARM1\*' <(step uefi_off)
check uefi_off_store_trapped '[ "$(jqf "$t/uefi_off.json" .flash.flash1.reads.array)" -gt 1000 ]' \
	"$(jqf "$t/uefi_off.json" -c .flash.flash1.reads)"
check uefi_off_emulated '[ "$(jqf "$t/uefi_off.json" .kvm.emulated_accesses)" -gt 0 ]' \
	"$(jqf "$t/uefi_off.json" -c .kvm) accesses without syndrome"

# --- Linux through UEFI: the EFI stub, runtime services, the variable. --
expect_status uefi_linux_status 0 "$(step_status uefi_linux)"
step uefi_linux >"$t/uefi_linux"
expect uefi_linux_stub 'EFI stub: Booting Linux Kernel' "$t/uefi_linux"
expect uefi_linux_efi '^guest: efi present$' "$t/uefi_linux"
expect uefi_linux_efivar '^guest: efivar NorvmArm-b5a6e2c1-7d3e-4f6a-9c21-6e6f72766d21 07000000 41524d31$' "$t/uefi_linux"
expect uefi_linux_two_cpus '^guest: 2 harts online$' "$t/uefi_linux"
