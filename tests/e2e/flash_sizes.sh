#!/usr/bin/env bash
# A CFI flash's size is 2^n bytes (the query table holds n), so an image of
# any other size is refused with one line, by run, flash create and flash
# pack; power-of-two banks smaller than the window are what U-Boot reports.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP

# bad NAME PATTERN ARGS...: refused (lib.sh's refusal; a guest that starts
# anyway powers off).
BAD_INPUT='poweroff\n' BAD_TIMEOUT=60

head -c $((768 << 10)) /dev/zero | tr '\0' '\377' >"$t/768k.img"
cp "$t/768k.img" "$t/768k.orig"
bad run_768k 'size 768 KiB is not a power of two.*to 1024 KiB' \
	run --firmware "$UBOOT_M" --flash "$t/768k.img"
cmp -s "$t/768k.img" "$t/768k.orig" && echo "PASS run_768k_unchanged" ||
	echo "FAIL run_768k_unchanged: the image was modified"
bad create_768k 'must be a power of two' flash create "$t/c.img" --size 768K
bad pack_768k 'must be a power of two' flash pack "$t/p.img" --firmware "$UBOOT_M" --size 768K
for f in c p; do
	[ -e "$t/$f.img" ] && echo "FAIL no_image_$f: $t/$f.img was left behind" ||
		echo "PASS no_image_$f"
done

# 512 KiB and 1 MiB banks: U-Boot's sizes and sector counts follow the
# query table, and the last word of each bank reads back.
norvm flash create "$t/b0.img" --size 512K && norvm flash create "$t/b1.img" --size 1M
expect_status create_status 0 $?
printf '\x78\x56\x34\x12' | dd of="$t/b0.img" bs=1 seek=$(((512 << 10) - 4)) conv=notrunc status=none
run_guest "$t/out" 'flinfo\nmd.l 0x2007fffc 1\npoweroff\n' --firmware "$UBOOT_M" \
	--flash "$t/b0.img" --flash "$t/b1.img,readonly"
expect_status poweroff_status 0 $?
expect flinfo_512k 'Bank # 1: CFI conformant flash \(32 x 16\) +Size: 512 kB in 2 Sectors' "$t/out"
expect flinfo_1m 'Bank # 2: CFI conformant flash \(32 x 16\) +Size: 1 MB in 4 Sectors' "$t/out"
expect last_word '^2007fffc: 12345678' "$t/out"
