#!/usr/bin/env bash
# The CPU with page tables in flash: tests/guest/sv39_flash.S programs an
# Sv39 root table into bank 0 and runs S-mode code through it, with the
# array mapped (walks read a read-only slot: no array read traps) and with
# --flash-map=off (walks read through the device: array reads trap).
. "$(dirname "$0")/lib.sh"
for map in on off; do
	img=$E2E_TMP/flash-$map.img
	norvm flash create "$img" --size 32M
	NORVM_TIMEOUT=60 norvm run --firmware build/tests/guest/sv39_flash.elf \
		--flash "$img" --flash-map=$map --stats-json "$E2E_TMP/$map.json" \
		</dev/null >"$E2E_TMP/out" 2>&1
	expect_status "page_tables_in_flash_map_$map" 0 $?
done
on=$(jq '.flash.flash0.reads.array' "$E2E_TMP/on.json" 2>/dev/null)
off=$(jq '.flash.flash0.reads.array' "$E2E_TMP/off.json" 2>/dev/null)
check walks_mapped_do_not_trap '[ "$on" = 0 ]' "$on array reads trapped with the array mapped"
check walks_unmapped_trap '[ -n "$off" ] && [ "$off" -ge 3 ]' \
	"$off array reads trapped with --flash-map=off (a walk reads 3 levels)"
