#!/usr/bin/env bash
# U-Boot (M-mode) programs 64 KiB of bank 1 with its own CFI driver:
# `erase` of the first block, then `cp.b` from RAM (one 32-bit word per
# program operation: Debian's build does not use the write buffer), then
# `cmp.b` to check it.  Times are from each command's echo to its result
# line in U-Boot's output, on norvm (the array mapped whenever the bank is
# in read-array mode) and on QEMU, alternated.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" "$QEMU"
need "$UBOOT_M"
b0=$BENCH_TMP/bank0.img b1=$BENCH_TMP/bank1.img
"$NORVM" flash create "$b0" --size 32M
# The first newlines may be lost to UART initialisation or taken by the
# autoboot countdown; QEMU's UART drops what is typed while U-Boot is busy
# (the first character after a long command), hence the spaces.
cmds='\n\n\nmw.b 0x80800000 0x5a 0x10000\n  mw.b 0x80808000 0xa5 0x8000\n  erase 0x22000000 +0x10000\n  cp.b 0x80800000 0x22000000 0x10000\n  cmp.b 0x80800000 0x22000000 0x10000\n  poweroff\n'

# figures NAME ROUND: the times of a session in $BENCH_TMP/NAME.out.
figures() {
	local out=$BENCH_TMP/$1.out
	grep -q 'Total of 65536 byte(s) were the same' "$out" ||
		die "round $2: $1: cmp.b did not find the 64 KiB programmed: $(grep -a -A2 'cmp.b' "$out" | tail -n 2)"
	record "$1.erase" "$(elapsed "$out" '=> *erase 0x22000000' 'Erased 1 sectors')" \
		"$1's output (erase)"
	record "$1.cp" "$(elapsed "$out" '=> *cp.b 0x80800000 0x22000000' 'done')" \
		"$1's output (cp.b)"
	note "round $2/$RUNS: $1: erase $(last "$1.erase") s, cp.b $(last "$1.cp") s"
}
fresh_bank1() { rm -f "$b1"; "$NORVM" flash create "$b1" --size 32M; }
on_norvm() {	# ROUND
	local j=$BENCH_TMP/norvm.json
	fresh_bank1
	rm -f "$j"
	session "$BENCH_TMP/norvm.out" "$cmds" --firmware "$UBOOT_M" --flash "$b0,readonly" \
		--flash "$b1" --stats-json "$j"
	record norvm.writes "$(json "$j" '.devices.flash1.writes')" "$j"
	record norvm.maps "$(json "$j" '.flash.flash1.maps + .flash.flash1.unmaps')" "$j"
	figures norvm "$1"
}
on_qemu() {	# ROUND
	fresh_bank1
	session_cmd "$BENCH_TMP/qemu.out" "$cmds" "$QEMU" -M virt -m 256M -nographic \
		-bios "$UBOOT_M" -drive "if=pflash,format=raw,unit=1,file=$b1"
	figures qemu "$1"
}
rounds on_norvm on_qemu
derive norvm.kib_s '64 / $1' norvm.cp
derive qemu.kib_s '64 / $1' qemu.cp
derive erase.ratio '$2 / $1' norvm.erase qemu.erase
derive cp.ratio '$2 / $1' norvm.cp qemu.cp

table run 'flash write exits' 'map changes' 'erase s' 'cp.b 64 KiB s' 'cp.b KiB/s'
row norvm "$(cell norvm.writes int)" "$(cell norvm.maps int)" \
	"$(cell norvm.erase %.4f)" "$(cell norvm.cp)" "$(cell norvm.kib_s %.1f)"
row "qemu $("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')" — — \
	"$(cell qemu.erase %.4f)" "$(cell qemu.cp)" "$(cell qemu.kib_s %.1f)"
row 'norvm/qemu speed' — — "$(cell erase.ratio %.1f)" "$(cell cp.ratio %.1f)" —
table_end
