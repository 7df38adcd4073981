#!/usr/bin/env bash
# UEFI from flash: EDK2 (firmware/edk2-riscv64) booted with norvm run
# --uefi on the built-in CPU, and on QEMU with the same code, store and
# disks (QEMU 7.2: the code by its loader, an S-mode jump to the flash
# base, the store as pflash unit 1; see ../shared/UEFI.md).
#
# - Flash exits of a boot to the Shell, first (a fresh store, which EDK2
#   formats) and second (the same store again): reads, fetches and writes
#   of bank 0 (code) and bank 1 (store), the array mapped and with
#   --flash-map=off.  This is the figure kvmtool's flash mapping was made
#   for: read traps of a UEFI boot, mapped against trapped.  These boots
#   run on the virtual clock (the counts are then the same every time).
# - Seconds to the Shell from start, countdowns skipped, norvm against
#   QEMU, host clock on both: the store has EDK2's Timeout variable at 0
#   (no "Press ESCAPE" wait: that wait ends only early for ESC, which
#   opens the boot menu), and a key skips the Shell's startup.nsh
#   countdown, which still ends only at its next one-second tick.  Timed:
#   the Shell's banner, and its prompt.
# - Linux through UEFI: seconds to its /init (startup.nsh on an EFI system
#   partition, its countdown skipped by a key), and virtio-blk sequential
#   write and read from Linux (32 MiB, 1 MiB requests, O_DIRECT, /init's
#   blk step, on a 128 MiB scratch disk), norvm against QEMU's virtio-blk
#   on the same images.
# Every run alternates with the others in each round.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" "$QEMU" mcopy mkfs.vfat
CODE=build/firmware/edk2-riscv64/RISCV_VIRT_CODE.fd
TEMPLATE=build/firmware/edk2-riscv64/RISCV_VIRT_VARS.fd
L=build/linux
need "$CODE" "$TEMPLATE" "$L/Image-fpu-on" "$L/initramfs-fpu-on.cpio" "$FW_JUMP"
T=$BENCH_TMP
printf '\xb7\x02\x00\x20\x67\x80\x02\x00' >"$T/jump.bin"	# lui t0, 0x20000; jr t0
printf 'fs0:\r\ninitrd initramfs.cpio\r\nImage console=ttyS0 quiet norvm.test=blk\r\n' \
	>"$T/startup.nsh"
tests/uefi/make-disk "$T/esp.img" 64 "$T/startup.nsh=startup.nsh" \
	"$L/Image-fpu-on=Image" "$L/initramfs-fpu-on.cpio=initramfs.cpio"

# A fresh store: EDK2's template, erased to a whole 32 MiB bank.
fresh_store() {
	{ cat "$TEMPLATE"; head -c $(((32 << 20) - $(stat -c %s "$TEMPLATE"))) /dev/zero |
		tr '\0' '\377'; } >"$1"
}

# The store the timed runs start from: Timeout 0, set once from the Shell.
GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
fresh_store "$T/quick.img"
ROUND=0 drive "$T/quick.out" 'wait:Shell> ' \
	"send:setvar Timeout -guid $GLOBAL -nv -bs -rt =0000\r" 'wait:Shell> ' \
	'send:reset -s\r' -- "$NORVM" run --uefi "$T/quick.img" --clock virtual

# To the prompt and off, no key pressed (the exit counts).
PLAIN=('wait:Shell> ' 'send:reset -s\r')
# To the prompt, the Shell's countdown skipped by a key, banner and prompt
# timed, then a power-off.
TO_SHELL=('wait:UEFI Interactive Shell' 'mark:banner' 'wait:startup\.nsh' 'send:x'
	  'wait:Shell> ' 'mark:shell' 'send:reset -s\r')
# Linux: a key at the Shell's countdown (startup.nsh then runs), /init timed.
TO_LINUX=('wait:startup\.nsh' 'send:x' 'wait:@@ init: start' 'mark:init'
	  'wait:@@ init: done')

qemu_cmd() {	# STORE [DRIVE...]
	local store=$1 d i=0; shift
	QEMU_CMD=("$QEMU" -M virt -m 256M -nographic -bios "$FW_JUMP"
		-device "loader,file=$CODE,addr=0x20000000,force-raw=on"
		-device "loader,file=$T/jump.bin,addr=0x80200000"
		-drive "if=pflash,unit=1,format=raw,file=$store")
	for d; do
		QEMU_CMD+=(-drive "if=none,format=raw,id=d$i,file=$d"
			   -device "virtio-blk-device,drive=d$i")
		i=$((i + 1))
	done
}

exits_norvm() {	# MAP ROUND
	local boot s j
	fresh_store "$T/store-$1.img"
	for boot in first second; do
		s=$1.$boot
		j=$T/$s.json
		drive "$T/$s.out" "${PLAIN[@]}" -- "$NORVM" run --uefi "$T/store-$1.img" \
			--flash-map="$1" --clock virtual --stats-json "$j"
		record "$s.code_reads" "$(json "$j" .devices.flash0.reads)" "$j"
		record "$s.code_fetches" "$(json "$j" .devices.flash0.fetches)" "$j"
		record "$s.store_reads" "$(json "$j" .devices.flash1.reads)" "$j"
		record "$s.store_writes" "$(json "$j" .devices.flash1.writes)" "$j"
		record "$s.maps" "$(json "$j" '.flash.flash0.maps + .flash.flash0.unmaps + .flash.flash1.maps + .flash.flash1.unmaps')" "$j"
		note "round $2/$RUNS: norvm map $1, $boot boot: code reads $(last "$s.code_reads" %.0f), fetches $(last "$s.code_fetches" %.0f), store reads $(last "$s.store_reads" %.0f)"
	done
}
shell_norvm() {	# MAP ROUND
	cp "$T/quick.img" "$T/store-t.img"
	drive "$T/norvm.$1.out" "${TO_SHELL[@]}" -- "$NORVM" run --uefi "$T/store-t.img" \
		--flash-map="$1"
	record "norvm.$1.banner" "${MARK[banner]}" "the Shell's banner"
	record "norvm.$1.shell" "${MARK[shell]}" "the Shell's prompt"
	note "round $2/$RUNS: norvm map $1: Shell banner $(last "norvm.$1.banner") s, prompt $(last "norvm.$1.shell") s"
}
shell_qemu() {	# ROUND
	cp "$T/quick.img" "$T/store-q.img"
	qemu_cmd "$T/store-q.img"
	drive "$T/qemu.out" "${TO_SHELL[@]}" -- "${QEMU_CMD[@]}"
	record qemu.banner "${MARK[banner]}" "QEMU's Shell banner"
	record qemu.shell "${MARK[shell]}" "QEMU's Shell prompt"
	note "round $1/$RUNS: qemu: Shell banner $(last qemu.banner) s, prompt $(last qemu.shell) s"
}
# linux_figures NAME: time to /init and the disk's speeds from a boot.
linux_figures() {
	local out=$T/$1.linux.out rates
	record "$1.init" "${MARK[init]}" "$1's /init"
	rates=$(tr -d '\r' <"$out" | sed -n 's/^@@ ok blk write \([0-9.]*\) read \([0-9.]*\)$/\1 \2/p')
	record "$1.blk_write" "${rates% *}" "$1's blk step"
	record "$1.blk_read" "${rates#* }" "$1's blk step"
	note "round $ROUND/$RUNS: $1 Linux: /init $(last "$1.init") s, write $(last "$1.blk_write" %.0f) MB/s, read $(last "$1.blk_read" %.0f) MB/s"
}
linux_norvm() {	# ROUND
	cp "$T/quick.img" "$T/store-l.img"
	truncate -s 0 "$T/scratch.img" && truncate -s 128M "$T/scratch.img"
	drive "$T/norvm.linux.out" "${TO_LINUX[@]}" -- "$NORVM" run --uefi "$T/store-l.img" \
		--drive "$T/esp.img,readonly" --drive "$T/scratch.img"
	linux_figures norvm
}
linux_qemu() {	# ROUND
	cp "$T/quick.img" "$T/store-lq.img"
	truncate -s 0 "$T/scratch.img" && truncate -s 128M "$T/scratch.img"
	qemu_cmd "$T/store-lq.img" "$T/esp.img" "$T/scratch.img"
	drive "$T/qemu.linux.out" "${TO_LINUX[@]}" -- "${QEMU_CMD[@]}"
	linux_figures qemu
}
rounds "exits_norvm on" "exits_norvm off" "shell_norvm on" "shell_norvm off" shell_qemu \
	linux_norvm linux_qemu
for m in on off; do
	derive "$m.banner.vs_qemu" '$1 / $2' "norvm.$m.banner" qemu.banner
	derive "$m.shell.vs_qemu" '$1 / $2' "norvm.$m.shell" qemu.shell
done
derive linux.vs_qemu '$1 / $2' norvm.init qemu.init
derive blk_write.vs_qemu '$1 / $2' norvm.blk_write qemu.blk_write
derive blk_read.vs_qemu '$1 / $2' norvm.blk_read qemu.blk_read

qv=$("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
echo "Flash exits of a boot to the UEFI Shell (\`$BENCH\`):"
echo
table boot 'code reads' 'code fetches' 'store reads' 'store writes' 'map changes'
for map in on off; do
	for b in first second; do
		row "map $map, $b boot" "$(cell $map.$b.code_reads int)" \
			"$(cell $map.$b.code_fetches int)" "$(cell $map.$b.store_reads int)" \
			"$(cell $map.$b.store_writes int)" "$(cell $map.$b.maps int)"
	done
done
table_end
echo
echo "Seconds to the UEFI Shell (countdowns skipped) and to Linux's /init through UEFI:"
echo
table run 'Shell banner' 'Shell prompt' 'Linux /init' 'banner vs qemu' 'prompt vs qemu' \
	'/init vs qemu'
row "norvm, map on" "$(cell norvm.on.banner %.2f)" "$(cell norvm.on.shell %.2f)" \
	"$(cell norvm.init %.2f)" "$(cell on.banner.vs_qemu %.2f)" \
	"$(cell on.shell.vs_qemu %.2f)" "$(cell linux.vs_qemu %.2f)"
row "norvm, map off" "$(cell norvm.off.banner %.2f)" "$(cell norvm.off.shell %.2f)" — \
	"$(cell off.banner.vs_qemu %.2f)" "$(cell off.shell.vs_qemu %.2f)" —
row "qemu $qv" "$(cell qemu.banner %.2f)" "$(cell qemu.shell %.2f)" "$(cell qemu.init %.2f)" \
	— — —
table_end
echo
echo "virtio-blk from Linux, MB/s (32 MiB each way, 1 MiB requests, O_DIRECT):"
echo
table run write read
row norvm "$(cell norvm.blk_write %.0f)" "$(cell norvm.blk_read %.0f)"
row "qemu $qv" "$(cell qemu.blk_write %.0f)" "$(cell qemu.blk_read %.0f)"
row "norvm / qemu" "$(cell blk_write.vs_qemu %.2f)" "$(cell blk_read.vs_qemu %.2f)"
table_end
