#!/usr/bin/env bash
# norvm on Linux KVM, nested: qemu-system-riscv64 (TCG, -cpu rv64,h=true)
# boots a riscv64 Linux with KVM, built from Debian's linux-source-6.1
# (tests/kvm/host-kernel.config), whose /init (tests/kvm/init.c) runs the
# riscv64 norvm through tests/kvm/steps.  Every check reads QEMU's console
# from out here.  The same guests also run on the built-in CPU on this
# machine, and KVM must give what the built-in CPU gives: the same U-Boot
# output, the same flash exits, the same image bytes.
# tests/kvm/build-assets builds what QEMU boots (make check runs it first);
# the nested console is left in build/kvm/console.log.
. "$(dirname "$0")/lib.sh"
QEMU=${QEMU:-qemu-system-riscv64}
K=build/kvm
t=$E2E_TMP

# What runs under KVM is the cross-built norvm-riscv64; the sanitizers
# check this host's build, which the other tests exercise.
host_build=$(basename "$NORVM")
case $host_build in
*-san | *-tsan)
	echo "SKIP kvm: the nested run does not use $host_build (plain make check runs it)"
	exit 0 ;;
esac
if ! command -v $QEMU >/dev/null; then
	echo "FAIL qemu: $QEMU is not installed (scripts/install-deps)"
	exit 1
fi
if ! echo quit | $QEMU -M virt -cpu rv64,h=true -bios none -nodefaults -display none \
	-S -monitor stdio >/dev/null 2>&1; then
	echo "SKIP kvm: $QEMU has no hypervisor extension (-cpu rv64,h=true)"
	exit 0
fi
if ! tests/kvm/build-assets >"$t/build.log" 2>&1; then
	echo "FAIL build_assets: tests/kvm/build-assets failed"
	tail -n 20 "$t/build.log"
	exit 1
fi

# --- The nested run. ---------------------------------------------------
start=$(date +%s)
timeout 540 $QEMU -M virt -cpu rv64,h=true -smp 2 -m 1G -nographic -no-reboot \
	-bios "$FW_JUMP" -kernel $K/Image -initrd $K/initramfs.cpio \
	-append "console=ttyS0" </dev/null >"$t/qemu.out" 2>&1
rc=$?
# Kept for whoever has to read it after a failure.
tr -d '\r' <"$t/qemu.out" >$K/console.log
con=$K/console.log
expect_status qemu_exit 0 $rc
echo "nested run: $(($(date +%s) - start)) s" >&2

expect kvm_hypervisor_extension 'kvm \[[0-9]+\]: hypervisor extension available' "$con"
expect init_finished '^@@ init: done$' "$con"

# --- The flash test guest: slot out in read-status mode, back in read-array.
expect_status status_guest 0 "$(step_status status)"
step status >"$t/status.kvm"
json /tmp/status.json >"$t/status.json"
expect status_on_kvm 'exit statistics \(.*accelerator kvm' "$t/status.kvm"
check status_json_kvm '[ "$(jq -r .accelerator "$t/status.json")" = kvm ]' \
	"accelerator $(jq -r .accelerator "$t/status.json")"
cp $K/status-flash.img "$t/status.img"
printf 'k' | norvm run --firmware "$FW_JUMP" --kernel $K/flash_status.elf \
	--flash "$t/status.img" --stats-json "$t/status-soft.json" >"$t/status.raw" 2>&1
expect_status status_guest_soft 0 $?
tr -d '\r' <"$t/status.raw" >"$t/status.soft"	# OpenSBI's console adds them
guest_lines() { grep -aE '^(flash-status|array|status|counter|rebooting|second boot|key)' "$1"; }
guest_lines "$t/status.kvm" >"$t/lines.kvm"
guest_lines "$t/status.soft" >"$t/lines.soft"
same_file status_same_output "$t/lines.soft" "$t/lines.kvm"
check status_reads_status '[ "$(grep -c "^status 0x00800080$" "$t/lines.kvm")" -eq 2 ]' \
	"read-status mode did not read the status twice (slot still mapped?)"
check status_reads_array '[ "$(grep -c "^array 0x214d564e$" "$t/lines.kvm")" -eq 4 ]' \
	"read-array mode did not read the array four times"
expect status_reset 'second boot, counter 0x00000000' "$t/lines.kvm"
expect status_sbi_getchar '^key k$' "$t/lines.kvm"
jq -c .flash.flash0 "$t/status.json" >"$t/f0.kvm"
jq -c .flash.flash0 "$t/status-soft.json" >"$t/f0.soft"
same_file status_same_flash_exits "$t/f0.soft" "$t/f0.kvm"
check status_array_never_trapped '[ "$(jq .flash.flash0.reads.array "$t/status.json")" = 0 ]' \
	"array reads trapped: $(jq -c .flash.flash0.reads "$t/status.json")"
check status_status_trapped '[ "$(jq .flash.flash0.reads.status "$t/status.json")" = 3 ]' \
	"status reads: $(jq -c .flash.flash0.reads "$t/status.json")"

# --- Loads of every width from a device: KVM decodes them as the CPU does.
expect_status loads_status 0 "$(step_status loads)"
cp $K/status-flash.img "$t/loads.img"
timeout 300 "$NORVM" run --firmware "$FW_JUMP" --kernel $K/mmio_loads.elf --flash "$t/loads.img" \
	--flash-map=off </dev/null >"$t/loads.raw" 2>&1
expect_status loads_soft_status 0 $?
tr -d '\r' <"$t/loads.raw" >"$t/loads.soft"
grep -E '^c?\.?l[bhwd]u?-? 0x' "$t/loads.soft" >"$t/l.soft"
step loads | grep -E '^c?\.?l[bhwd]u?-? 0x' >"$t/l.kvm"
check loads_count '[ "$(wc -l <"$t/l.soft")" -eq 14 ]' "$(wc -l <"$t/l.soft") loads on the built-in CPU"
same_file loads_same_values "$t/l.soft" "$t/l.kvm"

# --- Refused without permission on /dev/kvm.
step perm | sed '1d;$d;/^$/d' >"$t/perm"
expect_status perm_status 1 "$(step_status perm)"
check perm_one_line '[ "$(wc -l <"$t/perm")" -eq 1 ]' "$(cat "$t/perm")"
expect perm_message '^norvm: --accel kvm: /dev/kvm: permission denied' "$t/perm"

# --- S-mode U-Boot on both banks, mapped and trapped, against the built-in
# CPU under OpenSBI with the same input and images.
pat=$t/pattern
{ for i in $(seq 64); do printf '\x44\x33\x22\x11'; done
  for i in $(seq 64); do printf '\xef\xbe\xad\xde'; done
  for i in $(seq 256); do printf '\x5a'; done; } >"$pat"
erased "$t/erased.img" $((32 << 20))
{ cat "$pat"; head -c $(((32 << 20) - 768)) "$t/erased.img"; } >"$t/bank1.img"
pat_crc=$(host_crc "$pat")
uboot_part() { sed -n '/^=> version/,/^poweroff \.\.\./p' "$1"; }
for map in on off; do
	expect_status "uboot_${map}_status" 0 "$(step_status uboot_$map)"
	step "uboot_$map" >"$t/uboot_$map.kvm"
	json "/tmp/uboot_$map.json" >"$t/uboot_$map.json"
	norvm flash create "$t/s0.img" --size 32M && norvm flash create "$t/s1.img" --size 32M
	run_guest "$t/uboot_$map.soft" "$(cat tests/kvm/input/uboot.in)\n" --firmware "$FW_JUMP" \
		--kernel "$UBOOT_S" --flash "$t/s0.img" --flash "$t/s1.img" --flash-map=$map \
		--stats-json "$t/uboot_$map-soft.json"
	expect_status "uboot_${map}_soft_status" 0 $?
	tr -d '\r' <"$t/uboot_$map.soft" | uboot_part /dev/stdin >"$t/u.soft"
	uboot_part "$t/uboot_$map.kvm" >"$t/u.kvm"
	check "uboot_${map}_prompt" '[ -s "$t/u.kvm" ]' "no U-Boot session on KVM"
	same_file "uboot_${map}_same_output" "$t/u.soft" "$t/u.kvm"
	expect "uboot_${map}_flinfo" 'Bank # 2: CFI conformant flash \(32 x 16\) +Size: 32 MB' "$t/u.kvm"
	expect "uboot_${map}_erase" '^Erased 1 sectors' "$t/u.kvm"
	expect "uboot_${map}_cp" '^Copy to Flash\.\.\. done' "$t/u.kvm"
	expect "uboot_${map}_cmp" '^Total of 768 byte\(s\) were the same' "$t/u.kvm"
	expect "uboot_${map}_crc32" "^crc32 for 22000000 \.\.\. 220002ff ==> $pat_crc\$" "$t/u.kvm"
	jq -c .flash "$t/uboot_$map.json" >"$t/f.kvm"
	jq -c .flash "$t/uboot_$map-soft.json" >"$t/f.soft"
	same_file "uboot_${map}_same_flash_exits" "$t/f.soft" "$t/f.kvm"
	check "uboot_${map}_bank1_bytes" '[ "$(crc /tmp/${map}1.img)" = "$(host_crc "$t/bank1.img")" ]' \
		"bank 1 image crc32 $(crc /tmp/${map}1.img), expected $(host_crc "$t/bank1.img")"
	check "uboot_${map}_soft_bank1_bytes" 'cmp -s "$t/s1.img" "$t/bank1.img"' \
		"the built-in CPU's bank 1 differs from the pattern"
	rm -f "$t/s0.img" "$t/s1.img"
done
check uboot_on_bank0_untouched '[ "$(crc /tmp/on0.img)" = "$(host_crc "$t/erased.img")" ]' \
	"bank 0 changed"
on=$(jq '.devices.flash0.reads + .devices.flash1.reads' "$t/uboot_on.json")
off=$(jq '.devices.flash0.reads + .devices.flash1.reads' "$t/uboot_off.json")
check uboot_mapped_read_exits '[ "$on" -lt 1000 ]' "$on flash read exits mapped"
# crc32 over 64 KiB of bank 0 alone is 16384 word reads when trapped.
check uboot_unmapped_read_exits '[ "$off" -ge $((on + 16384)) ]' \
	"$off flash read exits unmapped, mapped $on"
echo "flash read exits of one U-Boot session on KVM: mapped $on, --flash-map=off $off" >&2

# --- flash pack with an S-mode U-Boot, executed in place with --boot flash.
norvm flash pack "$t/boot.img" --kernel "$UBOOT_S" --size 32M
check pack_same_image '[ "$(crc /tmp/boot.img 1)" = "$(host_crc "$t/boot.img")" ]' \
	"the riscv64 norvm packed a different image"
expect_status flashboot_status 0 "$(step_status flashboot)"
step flashboot >"$t/flashboot"
json /tmp/flashboot.json >"$t/flashboot.json"
expect flashboot_prompt '^=> flinfo' "$t/flashboot"
expect flashboot_flinfo 'Bank # 1: CFI conformant flash' "$t/flashboot"
check flashboot_no_fetch_exits '[ "$(jq .devices.flash0.fetches "$t/flashboot.json")" = 0 ]' \
	"$(jq -c .devices.flash0 "$t/flashboot.json")"
check flashboot_probe_only '[ "$(jq .devices.flash0.reads "$t/flashboot.json")" -lt 1000 ]' \
	"$(jq -c .devices.flash0 "$t/flashboot.json")"
check flashboot_image_unchanged '[ "$(crc /tmp/boot.img)" = "$(crc /tmp/boot.img 1)" ]' \
	"the boot changed the image"
step flashboot_unmapped | sed '1d;$d;/^$/d' >"$t/unmapped"
expect_status flashboot_unmapped_status 1 "$(step_status flashboot_unmapped)"
expect flashboot_unmapped_message 'cannot execute from a trapping flash' "$t/unmapped"

# --- Linux on two harts.
expect_status linux_status 0 "$(step_status linux)"
step linux >"$t/linux"
json /tmp/linux.json >"$t/linux.json"
expect linux_two_harts '^guest: 2 harts online$' "$t/linux"
expect linux_isa_from_kvm '^guest: cpu isa.*rv64imafdc' "$t/linux"
expect linux_timebase '^guest: timebase 10000000$' "$t/linux"
expect linux_no_clint '^guest: clint absent$' "$t/linux"
expect linux_uart_input "^guest: read 'ping'$" "$t/linux"
expect linux_powered_off '^guest: powering off$' "$t/linux"
check linux_plic_used '[ "$(jq .devices.plic.reads "$t/linux.json")" -gt 0 ]' \
	"no PLIC claim: $(jq -c .devices.plic "$t/linux.json")"
check linux_json_harts '[ "$(jq ".harts | length" "$t/linux.json")" = 2 ]' "$(jq ".harts | length" "$t/linux.json")"

# --- UEFI (EDK2) from flash under KVM: the Shell, executing in place (no
# fetch or read of bank 0 leaves KVM), and a variable set by the first VM
# (its disk's startup.nsh) seen by the second on the same store.
expect_status uefi_kvm_status 0 "$(step_status uefi1)"
step uefi1 >"$t/uefi1"
json /tmp/uefi1.json >"$t/uefi1.json"
expect uefi_kvm_shell 'UEFI Interactive Shell' "$t/uefi1"
check uefi_kvm_accelerator '[ "$(jq -r .accelerator "$t/uefi1.json")" = kvm ]' \
	"accelerator $(jq -r .accelerator "$t/uefi1.json")"
check uefi_kvm_bank0_no_exits \
	'[ "$(jq -c "[.devices.flash0.fetches, .devices.flash0.reads]" "$t/uefi1.json")" = "[0,0]" ]' \
	"$(jq -c .devices.flash0 "$t/uefi1.json")"
check uefi_kvm_store_written '[ "$(jq .flash.flash1.operations "$t/uefi1.json")" -gt 0 ]' \
	"$(jq -c .flash.flash1.operations "$t/uefi1.json")"
expect_status uefi_kvm_second_status 0 "$(step_status uefi2)"
step uefi2 >"$t/uefi2"
expect uefi_kvm_variable_persists '00000000: 4B 56 4D 31' "$t/uefi2"
