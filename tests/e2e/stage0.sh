#!/usr/bin/env bash
# Stage-0 of a bootable flash image with little RAM and several harts, a
# payload that cannot fit (refused before the guest starts), and a trap in
# stage-0 itself (reported, then power-off with a failure: never a hang).
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP out=$t/out

# M-mode U-Boot from flash in 16 MiB (the smallest RAM norvm takes), with
# one hart and with four (the others wait for hart 0's copy).
norvm flash pack "$t/uboot.img" --firmware "$UBOOT_M" --size 32M
for c in 1 4; do
	printf 'poweroff\n' | timeout 120 "$NORVM" run --flash "$t/uboot.img,readonly" \
		--boot flash -m 16M -c $c >"$out" 2>&1
	expect_status ram_16m_${c}_harts_status 0 $?
	expect ram_16m_${c}_harts_dram '^DRAM: +16 MiB' "$out"
	expect ram_16m_${c}_harts_prompt '^=> poweroff' "$out"
done

# refused NAME PATTERN ARGS...: norvm run ARGS fails before the guest
# starts (status 1) with one line on stderr matching PATTERN.
refused() {
	local name=$1 pat=$2 rc; shift 2
	timeout 60 "$NORVM" run "$@" </dev/null >"$t/o" 2>"$t/e"
	rc=$?
	if [ $rc -ne 1 ]; then echo "FAIL $name: exit status $rc"
	elif [ "$(wc -l <"$t/e")" -ne 1 ] || ! grep -Eq -- "$pat" "$t/e"; then
		echo "FAIL $name: stderr '$(head -c 300 "$t/e")', expected /$pat/"
	else echo "PASS $name"; fi
}
# wfi; j -4: a firmware that sleeps, never reached by these.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$t/park.bin"
head -c 15M /dev/zero >"$t/k15"
head -c 13M /dev/zero >"$t/k13"
norvm flash pack "$t/k15.img" --firmware "$t/park.bin" --kernel "$t/k15" --size 32M
norvm flash pack "$t/k13.img" --firmware "$t/park.bin" --kernel "$t/k13" --size 32M
refused payload_beyond_ram 'k15.img loads 0x80200000-0x81100000, outside the 16 MiB of RAM' \
	--flash "$t/k15.img,readonly" --boot flash -m 16M
refused payload_over_dtb 'k13.img loads 0x80200000-0x80f00000, over the device tree' \
	--flash "$t/k13.img,readonly" --boot flash -m 16M

# A header whose payload lies past the end of the image: stage-0's copy
# faults (a load access fault, cause 5) and it says so.
norvm flash pack "$t/bad.img" --firmware "$t/park.bin" --size 256K
printf '\x00\x00\x10\x00\x00\x00\x00\x00' |
	dd of="$t/bad.img" bs=1 seek=$((0x220)) conv=notrunc status=none
timeout 60 "$NORVM" run --flash "$t/bad.img,readonly" --boot flash -c 2 \
	</dev/null >"$out" 2>&1
expect_status stage0_trap_status 1 $?
expect stage0_trap_reported 'norvm stage-0: trap, cause 0x0+5 pc 0x0+2000[0-9a-f]{4} tval 0x0+20100000' "$out"
