#!/usr/bin/env bash
# U-Boot (M-mode) drives two writable banks with its own CFI driver: flinfo,
# erase, cp.b/cp.w/cp.l, cmp, protect on/off.  After poweroff the image
# files must hold exactly what was written, byte for byte.
. "$(dirname "$0")/lib.sh"
b0=$E2E_TMP/bank0.img b1=$E2E_TMP/bank1.img out=$E2E_TMP/out
norvm flash create "$b0" --size 32M && norvm flash create "$b1" --size 32M
expect_status create_status 0 $?

cmds='flinfo
mw.l 0x80800000 0x11223344 0x40
mw.l 0x80800100 0xdeadbeef 0x40
mw.b 0x80800200 0x5a 0x100
erase 0x20000000 +0x40000
cp.b 0x80800000 0x20000000 0x300
cp.w 0x80800000 0x20001000 0x180
cp.l 0x80800000 0x20002000 0xc0
cmp.b 0x80800000 0x20000000 0x300
cmp.b 0x80800000 0x20001000 0x300
cmp.b 0x80800000 0x20002000 0x300
md.l 0x20002000 4
protect on 0x22000000 +0x40000
cp.l 0x80800000 0x22000000 0xc0
protect off 0x22000000 +0x40000
erase 0x22000000 +0x40000
cp.l 0x80800000 0x22000000 0xc0
cmp.l 0x80800000 0x22000000 0xc0
poweroff
'
run_guest "$out" "$cmds" --firmware "$UBOOT_M" --flash "$b0" --flash "$b1,sync"
expect_status poweroff_status 0 $?
expect flinfo_bank1 'Bank # 1: CFI conformant flash \(32 x 16\) +Size: 32 MB in 128 Sectors' "$out"
expect flinfo_bank2 'Bank # 2: CFI conformant flash \(32 x 16\) +Size: 32 MB in 128 Sectors' "$out"
expect flinfo_intel 'Intel Extended command set, Manufacturer ID: 0x89' "$out"
expect erased 'Erased 1 sectors' "$out"
expect cmp_same 'Total of 768 byte\(s\) were the same' "$out"
expect md_flash '^20002000: 11223344 11223344 11223344 11223344' "$out"
expect protected_fails "Can't write to protected Flash sectors" "$out"
expect cmp_bank2 'Total of 192 word\(s\) were the same' "$out"

# What the guest wrote, rebuilt on the host.
pat=$E2E_TMP/pattern
{ for i in $(seq 64); do printf '\x44\x33\x22\x11'; done
  for i in $(seq 64); do printf '\xef\xbe\xad\xde'; done
  for i in $(seq 256); do printf '\x5a'; done; } >"$pat"
erased=$E2E_TMP/erased
norvm flash create "$erased" --size 32M
check_region() {	# NAME IMAGE OFFSET
	if cmp -s -n 768 -i "0:$3" "$pat" "$2"; then echo "PASS $1"; else
		echo "FAIL $1: image bytes at $3 differ from what was written"; fi
}
check_region bank0_cp_b "$b0" 0
check_region bank0_cp_w "$b0" 4096
check_region bank0_cp_l "$b0" 8192
check_region bank1_cp_l "$b1" 0
# Everything else is still erased.
rest() {	# IMAGE: the image with the written regions erased again
	local f=$E2E_TMP/rest; cp "$1" "$f"
	for off in 0 4096 8192; do
		printf '\xff%.0s' $(seq 768) | dd of="$f" bs=1 seek=$off conv=notrunc status=none
	done
	cmp -s "$f" "$erased"
}
if rest "$b0"; then echo "PASS bank0_rest_erased"; else echo "FAIL bank0_rest_erased"; fi
if rest "$b1"; then echo "PASS bank1_rest_erased"; else echo "FAIL bank1_rest_erased"; fi
