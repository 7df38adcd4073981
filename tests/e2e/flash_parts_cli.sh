#!/usr/bin/env bash
# Parts on the command line: norvm flash parts lists the presets, flash
# create --part makes an image of the part's size, the device tree gives
# the bank's width; bad parts, options and geometries get one clear line,
# a non-zero exit, and leave every file as it was.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP

NORVM_TIMEOUT=30 norvm flash parts >"$t/parts" 2>&1
expect_status parts_status 0 $?
expect parts_default '^virt +intel +2x x16 +image' "$t/parts"
expect parts_amd '^S29GL256P +amd +1x x16 +32M +256x128K +64 +01/227e 2222 2201' "$t/parts"
expect parts_boot '^Am29LV320DT +amd +1x x16 +4M +63x64K\+8x8K' "$t/parts"
expect parts_intel_boot '^28F320B3B +intel +1x x16 +4M +8x8K\+63x64K' "$t/parts"

norvm flash create "$t/b.img" --part am29lv320db
expect_status create_part 0 $?
[ "$(stat -c %s "$t/b.img")" = $((4 << 20)) ] && echo "PASS create_part_size" ||
	echo "FAIL create_part_size: $(stat -c %s "$t/b.img")"
NORVM_TIMEOUT=30 norvm run --dump-dtb "$t/d.dtb" --flash "$t/b.img,part=Am29LV320DB" &&
	dtc -I dtb -O dts "$t/d.dtb" 2>/dev/null | grep -A4 'flash@20000000' >"$t/dts"
expect dtb_bank_width 'bank-width = <0x02>' "$t/dts"
expect dtb_size 'reg = <0x00 0x20000000 0x00 0x400000>' "$t/dts"

# bad NAME PATTERN ARGS...: refused (lib.sh's refusal).
BAD_INPUT='poweroff\n'
norvm flash create "$t/f.img" --size 1M
cp "$t/f.img" "$t/f.orig"; cp "$t/b.img" "$t/b.orig"
bad unknown_part "part=S29XX: unknown part \(norvm flash parts" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,part=S29XX"
bad unknown_cmdset "cmdset=sharp: unknown command set \(intel, amd\)" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,cmdset=sharp"
bad bad_regions "regions=8x8K\+: expected erase regions" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,cmdset=amd,regions=8x8K+"
bad regions_not_pow2 "add up to 196608 bytes a bank; a CFI bank is a power of two" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,cmdset=amd,width=x16,interleave=1,regions=3x64K"
bad bus_too_wide "4 x32 devices make a 128-bit bus" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,width=x32,interleave=4"
bad wrong_size "f.img: size 1024 KiB, but a bank of S29GL256P is 32768 KiB \(norvm flash create FILE --part S29GL256P" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,part=S29GL256P"
bad bad_timing "timing=slow: timing is real or instant" \
	run --firmware "$UBOOT_M" --flash "$t/f.img,timing=slow"
bad create_unknown_part "--part S29XX: unknown part" flash create "$t/n.img" --part S29XX
bad create_size_disagrees "--size disagrees with --part S29GL256P" \
	flash create "$t/n.img" --part S29GL256P --size 1M
[ -e "$t/n.img" ] && echo "FAIL no_new_image: $t/n.img left behind" || echo "PASS no_new_image"
cmp -s "$t/f.img" "$t/f.orig" && cmp -s "$t/b.img" "$t/b.orig" && echo "PASS images_untouched" ||
	echo "FAIL images_untouched"
# A custom AMD geometry that does fit works: 2 x8 devices, 16-bit bus.
norvm flash create "$t/c.img" --size 256K
run_guest "$t/c.out" 'flinfo\npoweroff\n' --firmware "$UBOOT_M" \
	--flash "$t/c.img,cmdset=amd,width=x8,interleave=2,regions=4x4K+1x16K+3x32K,buffer=0"
expect_status custom_status 0 $?
expect custom_flinfo 'CFI conformant flash \(16 x 8\) +Size: 256 kB in 8 Sectors' "$t/c.out"
