#!/usr/bin/env bash
# Debian's U-Boot in M-mode boots to its prompt and runs commands typed on
# stdin; poweroff ends norvm with status 0.
. "$(dirname "$0")/lib.sh"
out=$E2E_TMP/out
run_guest "$out" 'version\nbdinfo\nmw.l 0x80800000 0x12345678 2\nmd.l 0x80800000 2\nsleep 1\necho slept\npoweroff\n' \
	--firmware "$UBOOT_M"
expect_status poweroff_status 0 $?
expect banner '^U-Boot 20[0-9][0-9]\.' "$out"
expect prompt '^=> ' "$out"
expect version 'riscv64-linux-gnu-gcc' "$out"
expect bdinfo '-> start *= 0x0*80000000' "$out"
expect md '^80800000: 12345678 12345678' "$out"
expect sleep '^slept' "$out"
