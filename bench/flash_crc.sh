#!/usr/bin/env bash
# U-Boot's crc32 over 16 MiB of flash, with the array mapped and with
# --flash-map=off, against the same crc32 over RAM in the same run: flash
# exits and wall time of each.
set -eu
. "$(dirname "$0")/lib.sh"
img=$BENCH_TMP/flash.img
"$NORVM" flash create "$img" --size 32M
cmds='crc32 80800000 1000000\ncrc32 0x20000000 0x1000000\ncrc32 0x80800000 0x1000000\npoweroff\n'
printf '%-12s %12s %12s %10s %10s %8s\n' mapping flash_reads flash_writes flash_s ram_s ratio
for map in on off; do
	session "$BENCH_TMP/$map.out" "$cmds" --firmware "$UBOOT_M" \
		--flash "$img,readonly" --flash-map=$map --stats-json "$BENCH_TMP/$map.json"
	f=$(elapsed "$BENCH_TMP/$map.out" '=> crc32 0x20000000' 'crc32 for 20000000')
	r=$(elapsed "$BENCH_TMP/$map.out" '=> crc32 0x80800000' 'crc32 for 80800000')
	reads=$(json "$BENCH_TMP/$map.json" '.devices.flash0.reads')
	writes=$(json "$BENCH_TMP/$map.json" '.devices.flash0.writes')
	awk -v m="$map" -v rd="$reads" -v wr="$writes" -v f="$f" -v r="$r" 'BEGIN {
		printf "%-12s %12d %12d %10.3f %10.3f %8.2f\n", m, rd, wr, f, r, f / r }'
done
