#!/usr/bin/env bash
# UEFI (EDK2, firmware/edk2-riscv64) on the built-in CPU with --uefi: the
# Shell from flash bank 0 (one hart and two), executing in place with no
# read or fetch of bank 0 trapping; a variable store made on first use;
# variables that outlive a warm reset and a power-off, and a store QEMU
# reads back and writes for norvm; a virtio-blk disk with a FAT file
# system read and written from the Shell; bad disks and stores refused.
# The console is driven as a person would: each command after the prompt.
# Runs on the virtual clock: EDK2's countdowns take no host time.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
export NORVM_TIMEOUT=120
GUID=b5a6e2c1-7d3e-4f6a-9c21-6e6f72766d21
PROMPT='Shell> '
TEMPLATE=build/firmware/edk2-riscv64/RISCV_VIRT_VARS.fd
CODE=build/firmware/edk2-riscv64/RISCV_VIRT_CODE.fd

# shell NAME VARS [ARGS...] -- STEP...: a --uefi run that waits for the
# prompt, then for each STEP types it and waits for the prompt again, and
# ends with reset -s.  Output in $t/NAME.out, statistics in $t/NAME.json.
shell() {
	local name=$1 vars=$2 steps=() args=() s
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	for s; do steps+=("send:$s\r" "wait:$PROMPT"); done
	session "$t/$name.out" "wait:$PROMPT" "${steps[@]}" 'send:reset -s\r' -- \
		--uefi "$vars" --clock virtual --stats-json "$t/$name.json" "${args[@]}"
	local rc=$?
	[ $rc -ne 124 ] || echo "    ($name: $SESSION_WHY)"
	return $rc
}

# ---- the Shell, one hart and two; the store made on first use ----
for c in 1 2; do
	shell boot_c$c "$t/vars$c.img" -c $c --
	expect_status "shell_c${c}_status" 0 $?
	expect "shell_c${c}_prompt" "$PROMPT" "$t/boot_c$c.out"
	f=$(jq -c '[.flash.flash0.reads.array, .devices.flash0.fetches, .devices.flash0.reads]' \
		"$t/boot_c$c.json" 2>/dev/null)
	check "shell_c${c}_bank0_never_traps" '[ "$f" = "[0,0,0]" ]' \
		"bank 0 array reads, fetches, all reads trapped: $f"
done
expect store_made_said 'vars1.img: a new UEFI variable store' "$t/boot_c1.out"
check store_size '[ "$(stat -c %s "$t/vars1.img")" = $((32 << 20)) ]' \
	"$(stat -c %s "$t/vars1.img") bytes, not 32 MiB"
w=$(jq '.flash.flash1.operations' "$t/boot_c1.json" 2>/dev/null)
check store_formatted '[ "${w:-0}" -gt 0 ]' "EDK2 made no program or erase on the store"

# ---- variables: a warm reset, then a power-off and a second run ----
vars=$t/vars1.img
session "$t/persist.out" "wait:$PROMPT" \
	"send:setvar NorvmVar -guid $GUID -nv -bs =41424344\r" "wait:$PROMPT" \
	'send:set NorvmShell persisted\r' "wait:$PROMPT" \
	'send:reset\r' "wait:$PROMPT" \
	"send:dmpstore NorvmVar -guid $GUID\r" "wait:$PROMPT" \
	'send:reset -s\r' -- --uefi "$vars" --clock virtual
expect_status persist_status 0 $?
expect var_after_reset '00000000: 41 42 43 44' "$t/persist.out"
shell again "$vars" -- "dmpstore NorvmVar -guid $GUID" 'set'
expect_status again_status 0 $?
expect var_after_poweroff '00000000: 41 42 43 44' "$t/again.out"
expect shell_var_after_poweroff 'NorvmShell.*persisted' "$t/again.out"

# ---- one store per VM: a second VM on it is refused ----
if hold_lock "$vars" --uefi "$vars" --clock virtual; then
	norvm run --uefi "$vars" </dev/null >"$t/o" 2>"$t/e"
	refusal store_in_use 'vars1.img: in use by another process' $? "$t/e"
else
	echo "FAIL store_in_use: $HOLD_WHY"
fi
release_lock

# ---- the store with QEMU (7.2: the code by its loader, bank 1 the store,
# fw_jump entering an S-mode jump to the flash base) ----
qemu=$(command -v qemu-system-riscv64)
if [ -z "$qemu" ]; then
	echo "SKIP qemu_reads_store: no qemu-system-riscv64"
	echo "SKIP norvm_reads_qemu_store: no qemu-system-riscv64"
else
	printf '\xb7\x02\x00\x20\x67\x80\x02\x00' >"$t/jump.bin"	# lui t0, 0x20000; jr t0
	qemu_shell() {	# OUT STEP...
		local out=$1; shift
		SESSION_CMD=$qemu session "$out" "wait:$PROMPT" "$@" 'send:reset -s\r' -- \
			-M virt -m 256M -nographic -bios "$FW_JUMP" \
			-device "loader,file=$CODE,addr=0x20000000,force-raw=on" \
			-device "loader,file=$t/jump.bin,addr=0x80200000" \
			-drive "if=pflash,unit=1,format=raw,file=$vars"
	}
	qemu_shell "$t/q.out" "send:dmpstore NorvmVar -guid $GUID\r" "wait:$PROMPT" \
		"send:setvar NorvmQ -guid $GUID -nv -bs =51454d55\r" "wait:$PROMPT"
	expect_status qemu_status 0 $?
	expect qemu_reads_store '00000000: 41 42 43 44' "$t/q.out"
	shell fromq "$vars" -- "dmpstore NorvmQ -guid $GUID"
	expect norvm_reads_qemu_store '00000000: 51 45 4D 55' "$t/fromq.out"
fi

# ---- a virtio-blk disk: FAT on an EFI system partition ----
printf 'hello from the host\n' >"$t/hello.txt"
tests/uefi/make-disk "$t/disk.img" 64 "$t/hello.txt=hello.txt"
shell disk "$t/vars2.img" --drive "$t/disk.img" -- 'map -r' 'type fs0:\\hello.txt' \
	'echo written-by-uefi > fs0:\\out.txt'
expect_status disk_status 0 $?
expect disk_block_device 'BLK[0-9]+:' "$t/disk.out"
expect disk_file_system 'FS0:' "$t/disk.out"
expect disk_read 'hello from the host' "$t/disk.out"
# The Shell writes UTF-16; what it wrote is in the file after power-off.
got=$(mtype -i "$t/disk.img@@1M" ::out.txt 2>/dev/null | tr -d '\0\377\376\r\n')
check disk_written '[ "$got" = written-by-uefi ]' "out.txt holds '$got'"
# Read-only: the Shell's write fails, the image is unchanged.
cp "$t/disk.img" "$t/ro.img"
shell rodisk "$t/vars2.img" --drive "$t/ro.img,readonly" -- 'echo no > fs0:\\ro.txt'
expect_status rodisk_status 0 $?
check rodisk_unchanged 'cmp -s "$t/ro.img" "$t/disk.img"' "a read-only disk changed"

# ---- bad disks and stores: one line before anything runs ----
: >"$t/empty.img"
head -c 1000 /dev/zero >"$t/odd.img"
mkdir -p "$t/dir"
bad drive_missing 'nope.img: No such file' run --uefi "$t/vars2.img" --drive "$t/nope.img"
bad drive_directory 'dir: is a directory' run --uefi "$t/vars2.img" --drive "$t/dir"
bad drive_empty 'empty.img: the disk image is empty' run --uefi "$t/vars2.img" --drive "$t/empty.img"
bad drive_odd 'odd.img: size 1000 bytes is not a whole number of 512-byte sectors' run \
	--uefi "$t/vars2.img" --drive "$t/odd.img"
bad drive_option "unknown option 'fast'" run --uefi "$t/vars2.img" --drive "$t/disk.img,fast"
bad drive_twice 'disk.img: given twice' run --uefi "$t/vars2.img" --drive "$t/disk.img" \
	--drive "$t/disk.img"
bad store_odd '^norvm: --uefi .*odd.img: size 1000 is not a multiple of the 256 KiB erase block' run \
	--uefi "$t/odd.img"
bad store_directory 'dir: is a directory' run --uefi "$t/dir"
bad code_odd '^norvm: --uefi-code .*odd.img: size 1000 is not a multiple' run --uefi "$t/vars2.img" \
	--uefi-code "$t/odd.img"
bad uefi_with_flash '--uefi puts UEFI.s code in flash bank 0' run --uefi "$t/vars2.img" \
	--flash "$t/disk.img"
if hold_lock "$t/disk.img" --firmware "$UBOOT_M" --drive "$t/disk.img"; then
	bad drive_in_use 'disk.img: in use by another process' run --uefi "$t/vars2.img" \
		--drive "$t/disk.img"
else
	echo "FAIL drive_in_use: $HOLD_WHY"
fi
release_lock

# ---- Linux through UEFI: the Shell runs startup.nsh from the EFI system
# partition, which gives the stub the test /init as its initrd and starts
# Linux's EFI stub; Linux finds
# the EFI system table and runtime services and writes a variable through
# efivarfs (EDK2's runtime flash driver underneath), which a later VM's
# Shell shows. ----
L=build/linux
if [ "$(cat $L/status 2>/dev/null)" != ok ]; then
	echo "SKIP linux_through_uefi: no Linux guest ($(cat $L/status 2>/dev/null || echo "make linux-assets"))"
else
	# The Shell's initrd command hands the file to the stub through
	# LINUX_EFI_INITRD_MEDIA_GUID (RISC-V's stub has no initrd=).
	printf 'fs0:\r\ninitrd initramfs.cpio\r\nImage console=ttyS0 norvm.test=boot,efi\r\n' \
		>"$t/startup.nsh"
	tests/uefi/make-disk "$t/esp.img" 64 "$t/startup.nsh=startup.nsh" \
		"$L/Image-fpu-on=Image" "$L/initramfs-fpu-on.cpio=initramfs.cpio"
	NORVM_TIMEOUT=300 norvm run --uefi "$t/vars3.img" --clock virtual --drive "$t/esp.img" \
		--stats-json "$t/linux.json" </dev/null >"$t/linux.out" 2>&1
	expect_status linux_uefi_status 0 $?
	tr -d '\r' <"$t/linux.out" >"$t/linux.txt"
	expect linux_uefi_stub 'EFI stub: Booting Linux Kernel' "$t/linux.txt"
	expect linux_uefi_init '^@@ init: start uptime' "$t/linux.txt"
	expect linux_uefi_systab '^@@ ok efi_systab' "$t/linux.txt"
	expect linux_uefi_runtime '^@@ ok efi_runtime' "$t/linux.txt"
	expect linux_uefi_efivarfs '^@@ ok efivarfs' "$t/linux.txt"
	expect linux_uefi_setvar '^@@ ok efi_setvar LNX1' "$t/linux.txt"
	expect linux_uefi_steps '^@@ init: done ok [1-9][0-9]* fail 0$' "$t/linux.txt"
	shell after_linux "$t/vars3.img" -- "dmpstore NorvmLinux -guid $GUID"
	expect linux_variable_in_shell '00000000: 4C 4E 58 31' "$t/after_linux.out"
fi
