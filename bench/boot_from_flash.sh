#!/usr/bin/env bash
# Boots OpenSBI + U-Boot (S-mode) packed in a flash image, executing stage-0
# in place from bank 0, with the array mapped and with --flash-map=off; for
# each: exits, flash read/write exits, instruction fetches that exited,
# mapping changes, wall time, and the ratios.  In the same run, U-Boot's
# crc32 over 8 MiB of flash against 8 MiB of RAM gives the in-guest read
# bandwidth of the flash relative to RAM (RAM is touched once first, so
# neither side pays for host page faults).
set -eu
. "$(dirname "$0")/lib.sh"
img=$BENCH_TMP/boot.img
"$NORVM" flash pack "$img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
cmds='crc32 80800000 800000\ncrc32 0x20000000 0x800000\ncrc32 0x80800000 0x800000\npoweroff\n'
declare -A row
for map in on off; do
	t0=$EPOCHREALTIME
	session "$BENCH_TMP/$map.out" "$cmds" --flash "$img,readonly" --boot flash \
		--flash-map=$map --stats-json "$BENCH_TMP/$map.json"
	t1=$EPOCHREALTIME
	j=$BENCH_TMP/$map.json
	grep -q '^[0-9.]* => ' "$BENCH_TMP/$map.out" || { echo "no U-Boot prompt with mapping $map" >&2; exit 1; }
	prompt=$(awk '/ => /{ print $1; exit }' "$BENCH_TMP/$map.out")
	row[$map]=$(printf '%s %s %s %s %s %s %s %s' \
		"$(json "$j" '.exits.reads + .exits.writes + .exits.fetches')" \
		"$(json "$j" '.devices.flash0.reads')" \
		"$(json "$j" '.devices.flash0.writes')" \
		"$(json "$j" '.devices.flash0.fetches')" \
		"$(json "$j" '.flash.flash0.maps + .flash.flash0.unmaps')" \
		"$(echo "$prompt - $t0" | bc -l)" \
		"$(elapsed "$BENCH_TMP/$map.out" '=> crc32 0x20000000' 'crc32 for 20000000')" \
		"$(elapsed "$BENCH_TMP/$map.out" '=> crc32 0x80800000' 'crc32 for 80800000')")
done
printf '%-8s %10s %12s %12s %12s %8s %10s %9s %9s %10s\n' mapping exits flash_reads \
	flash_writes fetch_exits maps prompt_s crc_fl_s crc_ram_s flash/ram
for map in on off; do
	set -- ${row[$map]}
	awk -v m=$map -v e=$1 -v r=$2 -v w=$3 -v x=$4 -v mc=$5 -v p=$6 -v f=$7 -v ra=$8 'BEGIN {
		printf "%-8s %10d %12d %12d %12d %8d %10.2f %9.3f %9.3f %10.3f\n", m, e, r, w, x, mc, p, f, ra, f / ra }'
done
set -- ${row[on]}; on_r=$2 on_x=$4 on_p=$6
set -- ${row[off]}
awk -v a="$on_r" -v b="$2" -v c="$on_x" -v d="$4" -v p="$on_p" -v q="$6" 'BEGIN {
	printf "unmapped/mapped: flash read exits x%.0f, fetch exits %d vs %d, time to prompt x%.2f\n",
		b / (a > 0 ? a : 1), d, c, q / p }'
