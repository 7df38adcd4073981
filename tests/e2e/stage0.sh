#!/usr/bin/env bash
# Stage-0 of a bootable flash image with little RAM and several harts; a
# payload that cannot fit, an erased image, a payload outside the image or
# damaged: each refused in one line before the guest starts.
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
refused() { local name=$1 pat=$2; shift 2; BAD_STATUS=1 BAD_TIMEOUT=60 bad "$name" "$pat" run "$@"; }
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

# Nothing to boot, or a damaged image: one line before the guest starts,
# never a guest spinning on faults.  An erased image; a header whose
# payload lies past the end of the image; a payload with a flipped byte.
norvm flash create "$t/erased.img" --size 256K
refused erased_image 'erased.img is erased at its start: nothing to boot' \
	--flash "$t/erased.img,readonly" --boot flash
norvm flash pack "$t/bad.img" --firmware "$t/park.bin" --size 256K
cp "$t/bad.img" "$t/flip.img"
printf '\x00\x00\x10\x00\x00\x00\x00\x00' |
	dd of="$t/bad.img" bs=1 seek=$((0x220)) conv=notrunc status=none
refused payload_beyond_image 'bad.img: payload 0 \(0x8 bytes at 0x100000\) lies beyond the 256 KiB image' \
	--flash "$t/bad.img,readonly" --boot flash -c 2
printf '\x13' | dd of="$t/flip.img" bs=1 seek=$((0x1000)) conv=notrunc status=none
refused payload_damaged 'flip.img: payload 0 is damaged \(CRC-32 0x[0-9a-f]{8}, the header says 0x[0-9a-f]{8}\)' \
	--flash "$t/flip.img,readonly" --boot flash

# A guest whose trap handler cannot be fetched traps for ever: norvm ends
# it with one line (status 1) rather than spin.  mtvec = 0x200000 (no
# device), then an illegal instruction; and a bank 0 that starts with an
# illegal instruction, mtvec left at 0 (no device there either).
printf '\xb7\x02\x20\x00\x73\x90\x52\x30\x00\x00\x00\x00' >"$t/stuck.bin"
for jit in off on; do
	timeout 60 "$NORVM" run --jit $jit --firmware "$t/stuck.bin" </dev/null >"$out" 2>&1
	expect_status stuck_${jit}_status 1 $?
	expect stuck_${jit}_said '^norvm: hart 0 is stuck: its trap handler at 0x200000 \(mtvec\) cannot be fetched' "$out"
	check stuck_${jit}_once '[ "$(grep -c "is stuck" "$out")" = 1 ]' "said $(grep -c "is stuck" "$out") times"
done
norvm flash create "$t/zero.img" --size 256K
head -c 4 /dev/zero | dd of="$t/zero.img" conv=notrunc status=none
timeout 60 "$NORVM" run --flash "$t/zero.img,readonly" --boot flash </dev/null >"$out" 2>&1
expect_status stuck_flash_status 1 $?
expect stuck_flash_said '^norvm: hart 0 is stuck: its trap handler at 0x0 \(mtvec\)' "$out"
# The same check at a reset: U-Boot erases the block stage-0 is in, then
# resets; norvm says so and stops instead of starting an erased bank.
cp "$t/uboot.img" "$t/rw.img"
run_guest "$out" 'erase 0x20000000 +0x40000\nreset\n' --flash "$t/rw.img" --boot flash
expect_status reset_erased_status 1 $?
expect reset_erased_said '^norvm: reset: --boot flash: .*rw.img is erased at its start' "$out"
