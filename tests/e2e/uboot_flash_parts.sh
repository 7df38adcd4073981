#!/usr/bin/env bash
# U-Boot (M-mode) drives real parts with its own CFI driver: an AMD
# S29GL256P (uniform, write buffer) in bank 0 and an Intel 28F320B3B
# (bottom boot blocks, Intel Standard set) in bank 1; then the AMD
# top-boot Am29LV320DT.  flinfo shows each part's IDs, size and sectors;
# erase of boot and main sectors, cp.b/cp.w/cp.l, cmp, crc32 and protect
# work; afterwards the image files hold exactly what was written.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
norvm flash create "$t/amd.img" --part S29GL256P &&
	norvm flash create "$t/b3.img" --part 28F320B3B &&
	norvm flash create "$t/top.img" --part Am29LV320DT
expect_status create_status 0 $?
[ "$(stat -c %s "$t/amd.img")" = $((32 << 20)) ] && [ "$(stat -c %s "$t/b3.img")" = $((4 << 20)) ] &&
	echo "PASS create_sizes" || echo "FAIL create_sizes: $(stat -c %s "$t/amd.img" "$t/b3.img")"

cmds='flinfo
mw.l 0x80800000 0x11223344 0x40
mw.l 0x80800100 0xdeadbeef 0x40
mw.b 0x80800200 0x5a 0x100
erase 0x20000000 +0x20000
cp.b 0x80800000 0x20000000 0x300
cp.w 0x80800000 0x20001000 0x180
cp.l 0x80800000 0x20002000 0xc0
cmp.b 0x80800000 0x20000000 0x300
cmp.b 0x80800000 0x20001000 0x300
cmp.b 0x80800000 0x20002000 0x300
crc32 0x20000000 0x300
crc32 0x80800000 0x300
erase 0x22002000 +0x2000
erase 0x22010000 +0x10000
cp.l 0x80800000 0x22002000 0xc0
cp.w 0x80800000 0x22010000 0x180
cmp.b 0x80800000 0x22002000 0x300
cmp.b 0x80800000 0x22010000 0x300
protect on 0x22004000 +0x2000
cp.l 0x80800000 0x22004000 0xc0
protect off 0x22004000 +0x2000
poweroff
'
run_guest "$t/out" "$cmds" --firmware "$UBOOT_M" --flash "$t/amd.img,part=S29GL256P" \
	--flash "$t/b3.img,part=28F320B3B,sync" --stats-json "$t/stats.json"
expect_status poweroff_status 0 $?
expect flinfo_amd 'Bank # 1: CFI conformant flash \(16 x 16\) +Size: 32 MB in 256 Sectors' "$t/out"
expect flinfo_amd_ids 'AMD Standard command set, Manufacturer ID: 0x01, Device ID: 0x227E2201' "$t/out"
expect flinfo_amd_buffer 'buffer size: 64 bytes' "$t/out"
expect flinfo_b3 'Bank # 2: CFI conformant flash \(16 x 16\) +Size: 4 MB in 71 Sectors' "$t/out"
expect flinfo_b3_ids 'Intel Standard command set, Manufacturer ID: 0x89, Device ID: 0x8897' "$t/out"
# Bottom boot: 8 KiB sectors first, then 64 KiB ones.
expect flinfo_b3_sectors '22000000 +22002000 +22004000 +22006000 +22008000' "$t/out"
expect flinfo_b3_main '2200E000 +22010000 +22020000' "$t/out"
expect erased_amd 'Erased 1 sectors' "$t/out"
n=$(grep -c 'Total of 768 byte(s) were the same' "$t/out")
[ "$n" -eq 5 ] && echo "PASS cmp_all" || echo "FAIL cmp_all: $n of 5 compares matched"
crcs=$(grep -o '==> [0-9a-f]*' "$t/out" | sort -u | wc -l)
[ "$crcs" -eq 1 ] && echo "PASS crc32_same" || echo "FAIL crc32_same: $(grep '==>' "$t/out")"
expect protected_refused "Can't write to protected Flash sectors" "$t/out"
w=$(jq '.flash.flash0.words' "$t/stats.json")
c=$(jq '.flash.flash0.program_map_changes' "$t/stats.json")
[ "$w" -gt 0 ] && [ "$c" -eq 0 ] && echo "PASS amd_no_map_changes_programming ($w words)" ||
	echo "FAIL amd_no_map_changes_programming: $c changes for $w words"

# The images, byte for byte.
pat=$t/pattern
{ for i in $(seq 64); do printf '\x44\x33\x22\x11'; done
  for i in $(seq 64); do printf '\xef\xbe\xad\xde'; done
  for i in $(seq 256); do printf '\x5a'; done; } >"$pat"
# place IMAGE OFFSET...: the pattern written at each offset of an erased copy.
expected() {
	local img=$1 size=$2; shift 2
	head -c "$size" /dev/zero | tr '\0' '\377' >"$img"
	for off; do dd if="$pat" of="$img" bs=1 seek=$((off)) conv=notrunc status=none; done
}
expected "$t/amd.exp" $((32 << 20)) 0 0x1000 0x2000
expected "$t/b3.exp" $((4 << 20)) 0x2000 0x10000
cmp -s "$t/amd.img" "$t/amd.exp" && echo "PASS amd_image_bytes" ||
	echo "FAIL amd_image_bytes: $(cmp -l "$t/amd.img" "$t/amd.exp" | head -3 | tr '\n' ' ')"
cmp -s "$t/b3.img" "$t/b3.exp" && echo "PASS b3_image_bytes" ||
	echo "FAIL b3_image_bytes: $(cmp -l "$t/b3.img" "$t/b3.exp" | head -3 | tr '\n' ' ')"

# Top boot (AMD): U-Boot reverses the table's regions as the PRI says, so
# the 8 KiB sectors are at the top.
cmds='flinfo
mw.l 0x80800000 0x11223344 0x40
erase 0x203fe000 +0x2000
erase 0x20000000 +0x10000
cp.b 0x80800000 0x203fe000 0x100
cp.l 0x80800000 0x20000000 0x40
cmp.b 0x80800000 0x203fe000 0x100
poweroff
'
run_guest "$t/out2" "$cmds" --firmware "$UBOOT_M" --flash "$t/top.img,part=Am29LV320DT"
expect_status top_poweroff_status 0 $?
expect flinfo_top 'Size: 4 MB in 71 Sectors' "$t/out2"
expect flinfo_top_ids 'Device ID: 0x22F6' "$t/out2"
expect flinfo_top_sectors '203E0000 +203F0000 +203F2000' "$t/out2"
expect top_cmp 'Total of 256 byte\(s\) were the same' "$t/out2"
head -c $((4 << 20)) /dev/zero | tr '\0' '\377' >"$t/top.exp"
for i in $(seq 64); do printf '\x44\x33\x22\x11'; done >"$t/p256"
dd if="$t/p256" of="$t/top.exp" bs=1 seek=$((0x3fe000)) conv=notrunc status=none
dd if="$t/p256" of="$t/top.exp" bs=1 seek=0 conv=notrunc status=none
cmp -s "$t/top.img" "$t/top.exp" && echo "PASS top_image_bytes" ||
	echo "FAIL top_image_bytes: $(cmp -l "$t/top.img" "$t/top.exp" | head -3 | tr '\n' ' ')"
