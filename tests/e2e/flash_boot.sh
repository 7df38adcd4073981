#!/usr/bin/env bash
# Boot from flash: `norvm flash pack` puts OpenSBI and U-Boot (S-mode) in an
# image; stage-0 runs in place from bank 0 and copies them to RAM.  Mapped,
# the boot costs a few hundred flash exits; with --flash-map=off it still
# boots, every flash read and fetch trapping.  Nothing is written to flash.
. "$(dirname "$0")/lib.sh"
img=$E2E_TMP/boot.img
norvm flash pack "$img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
expect_status pack_status 0 $?
cp "$img" "$E2E_TMP/before.img"

for map in on off; do
	out=$E2E_TMP/out.$map
	run_guest "$out" 'flinfo\npoweroff\n' --flash "$img" --boot flash \
		--flash-map=$map --stats-json "$E2E_TMP/$map.json"
	expect_status "map_${map}_poweroff" 0 $?
	expect "map_${map}_opensbi" 'OpenSBI v[0-9]' "$out"
	expect "map_${map}_prompt" '^=> ' "$out"
	expect "map_${map}_flinfo" 'CFI conformant' "$out"
	sed -n '/^=> flinfo/,/^=> /p' "$out" >"$E2E_TMP/flinfo.$map"
done

if cmp -s "$E2E_TMP/flinfo.on" "$E2E_TMP/flinfo.off"; then
	echo "PASS same_flinfo"
else
	echo "FAIL same_flinfo: flinfo differs with mapping off"
fi
on=$(jq '.devices.flash0.reads + .devices.flash0.fetches' "$E2E_TMP/on.json")
off=$(jq '.devices.flash0.reads + .devices.flash0.fetches' "$E2E_TMP/off.json")
if [ "$on" -lt 1000 ]; then echo "PASS mapped_read_exits ($on)"; else
	echo "FAIL mapped_read_exits: $on flash read exits, expected < 1000"; fi
if [ "$off" -ge $((100 * (on > 0 ? on : 1))) ]; then
	echo "PASS unmapped_read_exits ($off >= 100 x $on)"
else
	echo "FAIL unmapped_read_exits: $off, expected >= 100 x $on"
fi
if cmp -s "$img" "$E2E_TMP/before.img"; then echo "PASS image_unchanged"; else
	echo "FAIL image_unchanged: the boot changed the flash image"; fi
