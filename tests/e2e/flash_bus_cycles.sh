#!/usr/bin/env bash
# Accesses wider than the flash bus are split into bus cycles, as a 32-bit
# bus splits them.  U-Boot (M-mode) on bank 0 sends commands with mw:
# - an 8-byte store of 0x00400040 is the word-program command (low word)
#   followed by data 0 for the next word (high word): only 0x20040044 is
#   programmed, and the later 32-bit writes are commands again;
# - a buffered program of 4 words whose data come as two 8-byte stores
#   completes on the D0 that follows.
# The image file must hold exactly those bytes after poweroff.
. "$(dirname "$0")/lib.sh"
img=$E2E_TMP/bank0.img out=$E2E_TMP/out
norvm flash create "$img" --size 32M
expect_status create_status 0 $?

cmds='erase 0x20040000 +0x40000
mw.q 0x20040040 0x00400040
mw.l 0x20040000 0x00ff00ff
mw.l 0x20040000 0x00500050
mw.l 0x20040000 0x00ff00ff
md.l 0x20040000 2
md.l 0x20040040 2
mw.l 0x20080000 0x00e800e8
mw.l 0x20080000 0x00030003
mw.q 0x20080000 0x1111111122222222
mw.q 0x20080008 0x3333333344444444
mw.l 0x20080000 0x00d000d0
mw.l 0x20080000 0x00700070
md.l 0x20080000 1
mw.l 0x20080000 0x00ff00ff
md.l 0x20080000 4
poweroff
'
run_guest "$out" "$cmds" --firmware "$UBOOT_M" --flash "$img"
expect_status poweroff_status 0 $?
expect erased 'Erased 1 sectors' "$out"
expect word_untouched '^20040000: ffffffff ffffffff' "$out"
expect high_word_programmed '^20040040: ffffffff 00000000' "$out"
expect buffer_status_ready '^20080000: 00800080' "$out"
expect buffer_programmed '^20080000: 22222222 11111111 44444444 33333333' "$out"

# The file, byte for byte: only those words differ from an erased image.
exp=$E2E_TMP/expected
norvm flash create "$exp" --size 32M
printf '\x00\x00\x00\x00' | dd of="$exp" bs=1 seek=$((0x40044)) conv=notrunc status=none
printf '\x22\x22\x22\x22\x11\x11\x11\x11\x44\x44\x44\x44\x33\x33\x33\x33' |
	dd of="$exp" bs=1 seek=$((0x80000)) conv=notrunc status=none
if cmp -s "$img" "$exp"; then echo "PASS image_bytes"; else
	echo "FAIL image_bytes: $(cmp -l "$img" "$exp" | head -5 | tr '\n' ' ')"; fi
