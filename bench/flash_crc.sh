#!/usr/bin/env bash
# U-Boot (M-mode) runs crc32 over 16 MiB of a read-only flash bank and
# over 16 MiB of RAM (touched once first, so neither side pays for host
# page faults): the flash's exits and its read speed against RAM's.  norvm
# runs it with the array mapped and with --flash-map=off, QEMU as the peer
# (its flash in read-array mode is ROM; it has no --flash-map=off).  The
# bank read is bank 1 (0x22000000) on both: QEMU virt jumps to the flash
# instead of -bios when pflash unit 0 has an image, so there bank 0 stays
# without one; norvm gets an erased image for each bank.  Exit counts are
# bank 1's, over the whole session (U-Boot's CFI probe at boot included).
# The three alternate in each round.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" "$QEMU"
need "$UBOOT_M"
b0=$BENCH_TMP/bank0.img b1=$BENCH_TMP/bank1.img
"$NORVM" flash create "$b0" --size 32M
"$NORVM" flash create "$b1" --size 32M
# The first newlines may be lost to UART initialisation or taken by the
# autoboot countdown; the first crc32 only touches the RAM.
cmds='\n\n\ncrc32 80800000 1000000\ncrc32 0x22000000 0x1000000\ncrc32 0x80800000 0x1000000\npoweroff\n'
FLASH_CRC=

# figures NAME ROUND: the times of a session in $BENCH_TMP/NAME.out; the
# crc32 of the flash must be the same in every run.
figures() {
	local out=$BENCH_TMP/$1.out crc
	record "$1.crc_flash" "$(elapsed "$out" '=> crc32 0x22000000' 'crc32 for 22000000')" \
		"$1's output (crc32 over flash)"
	record "$1.crc_ram" "$(elapsed "$out" '=> crc32 0x80800000' 'crc32 for 80800000')" \
		"$1's output (crc32 over RAM)"
	crc=$(sed -n 's/.*crc32 for 22000000 .* ==> \([0-9a-f]*\).*/\1/p' "$out")
	: "${FLASH_CRC:=$crc}"
	[ "$crc" = "$FLASH_CRC" ] || die "round $2: $1 read the flash as crc32 $crc, another run as $FLASH_CRC"
	note "round $2/$RUNS: $1: crc32 flash $(last "$1.crc_flash") s, RAM $(last "$1.crc_ram") s"
}
on_norvm() {	# MAP ROUND
	local j=$BENCH_TMP/$1.json
	rm -f "$j"
	session "$BENCH_TMP/$1.out" "$cmds" --firmware "$UBOOT_M" --flash "$b0,readonly" \
		--flash "$b1,readonly" --flash-map="$1" --stats-json "$j"
	record "$1.reads" "$(json "$j" '.devices.flash1.reads')" "$j"
	record "$1.writes" "$(json "$j" '.devices.flash1.writes')" "$j"
	figures "$1" "$2"
}
on_qemu() {	# ROUND
	session_cmd "$BENCH_TMP/qemu.out" "$cmds" "$QEMU" -M virt -m 256M -nographic \
		-bios "$UBOOT_M" -drive "if=pflash,format=raw,unit=1,readonly=on,file=$b1"
	figures qemu "$1"
}
rounds "on_norvm on" "on_norvm off" on_qemu
for r in on off qemu; do
	derive "$r.flash_ram" '$1 / $2' "$r.crc_flash" "$r.crc_ram"
done
for r in on off; do
	derive "$r.vs_qemu" '$1 / $2' "$r.crc_flash" qemu.crc_flash
done

table run 'flash read exits' 'flash write exits' 'crc32 flash s' 'crc32 RAM s' flash/RAM \
	'crc32 flash vs qemu'
for map in on off; do
	row "norvm, map $map" "$(cell $map.reads int)" "$(cell $map.writes int)" \
		"$(cell $map.crc_flash)" "$(cell $map.crc_ram)" "$(cell $map.flash_ram %.2f)" \
		"$(cell $map.vs_qemu %.2f)"
done
row "qemu $("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')" — — \
	"$(cell qemu.crc_flash)" "$(cell qemu.crc_ram)" "$(cell qemu.flash_ram %.2f)" —
table_end
