#!/usr/bin/env bash
# Several harts: OpenSBI lists four harts and hands one to U-Boot; AMOs and
# LR/SC keep a shared counter exact across harts; readers of the flash see
# only array or status data while another hart switches its mode, and the
# exit timeline adds up while they exit to the flash together.
. "$(dirname "$0")/lib.sh"
out=$E2E_TMP/out
run_guest "$out" 'poweroff\n' -c 4 --firmware "$FW_JUMP" --kernel "$UBOOT_S"
expect_status opensbi_4_harts_poweroff 0 $?
expect opensbi_4_harts 'Domain0 HARTs *: 0\*,1\*,2\*,3\*' "$out"
expect opensbi_4_harts_prompt '^=> ' "$out"
run_guest "$out" 'poweroff\n' -c 4 --firmware "$UBOOT_M"
expect_status uboot_m_4_harts_poweroff 0 $?
expect uboot_m_4_harts_prompt '^=> ' "$out"

NORVM_TIMEOUT=120 norvm run -c 4 --firmware build/tests/smp/smp_amo.elf </dev/null >"$out" 2>&1
expect_status amo_lrsc_counters_exact 0 $?
img=$E2E_TMP/flash.img
norvm flash create "$img" --size 32M
# With --stats-json, the timeline's sampler reads the exit counters while
# four harts exit to the flash (ThreadSanitizer runs this too).
NORVM_TIMEOUT=120 norvm run -c 4 --firmware build/tests/smp/smp_flash.elf \
	--flash "$img" --stats-json "$E2E_TMP/smp.json" --stats-interval 1 </dev/null >"$out" 2>&1
expect_status flash_mode_switch_coherent 0 $?
why=$(jq -r '. as $j | .timeline as $t | [range($t.devices | length) as $d
	| $t.devices[$d] as $n | ([$t.exits[][$d]] | add // 0) as $sum
	| ($j.devices[$n] | .reads + .writes + .fetches) as $total
	| select($sum != $total) | "\($n): \($sum) != \($total)"] | join("; ")' "$E2E_TMP/smp.json" 2>&1) ||
	why="jq: $why"
if [ -z "$why" ] && [ "$(jq '.timeline.exits | length' "$E2E_TMP/smp.json")" -gt 1 ]; then
	echo "PASS timeline_sums_4_harts"
else
	echo "FAIL timeline_sums_4_harts: ${why:-one row or none}"
fi
