#!/usr/bin/env bash
# Boot from flash: OpenSBI and U-Boot (S-mode) packed with `norvm flash
# pack` into a 32 MiB image, booted with --boot flash (stage-0 runs in
# place from bank 0 and copies them to RAM) to the U-Boot prompt; then
# U-Boot's crc32 over 8 MiB of flash and over 8 MiB of RAM (touched once
# first, so neither side pays for host page faults), then poweroff.  norvm
# boots it with the array mapped and with --flash-map=off; QEMU runs the
# very same image: given pflash unit 0, QEMU virt's reset vector jumps to
# the flash's base with the same a0/a1/a2 as norvm's boot ROM, and QEMU
# reads its flash in read-array mode as ROM (it has no counterpart of
# --flash-map=off).  Exit counts cover the whole session (boot and both
# crc32s); QEMU counts none.  RSS is each process's peak resident memory
# (GNU time's maximum resident set size).  The three alternate in each
# round.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" "$QEMU"
img=$BENCH_TMP/boot.img
flash_boot_image "$img"
cmds=$FLASH_BOOT_CMDS	# (lib.sh) the first crc32 only touches the RAM
FLASH_CRC=

# figures NAME ROUND: the times of a session in $BENCH_TMP/NAME.out; the
# crc32 of the flash must be the same in every run.
figures() {
	local out=$BENCH_TMP/$1.out crc
	record "$1.rss" "$(awk -v k="$RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }')" \
		"GNU time's output"
	record "$1.prompt" "$(since "$out" '=> ')" "$1's output (a U-Boot prompt)"
	record "$1.crc_flash" "$(elapsed "$out" '=> crc32 0x20000000' 'crc32 for 20000000')" \
		"$1's output (crc32 over flash)"
	record "$1.crc_ram" "$(elapsed "$out" '=> crc32 0x80800000' 'crc32 for 80800000')" \
		"$1's output (crc32 over RAM)"
	crc=$(sed -n 's/.*crc32 for 20000000 .* ==> \([0-9a-f]*\).*/\1/p' "$out")
	: "${FLASH_CRC:=$crc}"
	[ "$crc" = "$FLASH_CRC" ] || die "round $2: $1 read the flash as crc32 $crc, another run as $FLASH_CRC"
	note "round $2/$RUNS: $1: prompt $(last "$1.prompt") s, crc32 flash $(last "$1.crc_flash") s"
}
on_norvm() {	# MAP ROUND
	local j=$BENCH_TMP/$1.json
	rm -f "$j"
	session "$BENCH_TMP/$1.out" "$cmds" --flash "$img,readonly" --boot flash \
		--flash-map="$1" --stats-json "$j"
	record "$1.exits" "$(json "$j" '.exits.reads + .exits.writes + .exits.fetches')" "$j"
	record "$1.reads" "$(json "$j" '.devices.flash0.reads')" "$j"
	record "$1.writes" "$(json "$j" '.devices.flash0.writes')" "$j"
	record "$1.fetches" "$(json "$j" '.devices.flash0.fetches')" "$j"
	record "$1.maps" "$(json "$j" '.flash.flash0.maps + .flash.flash0.unmaps')" "$j"
	figures "$1" "$2"
}
on_qemu() {	# ROUND
	session_cmd "$BENCH_TMP/qemu.out" "$cmds" "$QEMU" -M virt -m 256M -nographic \
		-bios none -drive "if=pflash,format=raw,unit=0,readonly=on,file=$img"
	figures qemu "$1"
}
rounds "on_norvm on" "on_norvm off" on_qemu
for r in on off qemu; do
	derive "$r.flash_ram" '$1 / $2' "$r.crc_flash" "$r.crc_ram"
done
for r in on off; do
	derive "$r.vs_qemu" '$1 / $2' "$r.crc_flash" qemu.crc_flash
done

table run exits 'flash read exits' 'flash write exits' 'fetch exits' 'map changes' \
	'to prompt s' 'crc32 flash s' 'crc32 RAM s' flash/RAM 'crc32 flash vs qemu' \
	'max RSS MiB'
for map in on off; do
	row "norvm, map $map" "$(cell $map.exits int)" "$(cell $map.reads int)" \
		"$(cell $map.writes int)" "$(cell $map.fetches int)" "$(cell $map.maps int)" \
		"$(cell $map.prompt %.2f)" "$(cell $map.crc_flash)" "$(cell $map.crc_ram)" \
		"$(cell $map.flash_ram %.2f)" "$(cell $map.vs_qemu %.2f)" \
		"$(cell $map.rss %.1f)"
done
row "qemu $("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')" — — — — — \
	"$(cell qemu.prompt %.2f)" "$(cell qemu.crc_flash)" "$(cell qemu.crc_ram)" \
	"$(cell qemu.flash_ram %.2f)" — "$(cell qemu.rss %.1f)"
table_end
