#!/usr/bin/env bash
# Lock-down (issue 9, item 10) as U-Boot (M-mode) sees it on bank 0: after
# 0x60 0x2F on the block at 0x20040000 its identifier status reads
# 0x00030003 (locked, locked down), an unlock (0x60 0xD0; this U-Boot's
# `protect off` only changes its own bookkeeping) does not unlock it and a
# copy into it changes nothing; after `reset` (a guest reset resets the
# flash) the block is unlocked and writable.
. "$(dirname "$0")/lib.sh"
img=$E2E_TMP/bank0.img out=$E2E_TMP/out
norvm flash create "$img" --size 1M
expect_status create_status 0 $?

cmds='mw.l 0x80800000 0x11223344 0x10
mw.l 0x20040000 0x00600060
mw.l 0x20040000 0x002f002f
mw.l 0x20040000 0x00900090
md.l 0x20040008 1
mw.l 0x20040000 0x00ff00ff
mw.l 0x20040000 0x00600060
mw.l 0x20040000 0x00d000d0
mw.l 0x20040000 0x00900090
md.l 0x20040008 1
mw.l 0x20040000 0x00ff00ff
cp.l 0x80800000 0x20040000 0x10
cmp.l 0x80800000 0x20040000 0x10
reset
mw.l 0x80800000 0x11223344 0x10
mw.l 0x20040000 0x00900090
md.l 0x20040008 1
mw.l 0x20040000 0x00ff00ff
cp.l 0x80800000 0x20040100 0x10
cmp.l 0x80800000 0x20040100 0x10
poweroff
'
run_guest "$out" "$cmds" --firmware "$UBOOT_M" --flash "$img"
expect_status poweroff_status 0 $?
n=$(grep -c '^20040008: 00030003' "$out")
if [ "$n" -eq 2 ]; then echo "PASS locked_down_twice"; else
	echo "FAIL locked_down_twice: lock-down status read $n times, expected 2"; fi
expect unlocked_after_reset '^20040008: 00000000' "$out"
expect copy_refused 'Total of 0 word\(s\) were the same' "$out"
expect copy_after_reset 'Total of 16 word\(s\) were the same' "$out"

# The file: the locked-down block untouched by the first copy, the second
# copy at 0x40100, nothing else.
exp=$E2E_TMP/expected
norvm flash create "$exp" --size 1M
for i in $(seq 16); do printf '\x44\x33\x22\x11'; done |
	dd of="$exp" bs=1 seek=$((0x40100)) conv=notrunc status=none
if cmp -s "$img" "$exp"; then echo "PASS image_bytes"; else
	echo "FAIL image_bytes: $(cmp -l "$img" "$exp" | head -5 | tr '\n' ' ')"; fi
