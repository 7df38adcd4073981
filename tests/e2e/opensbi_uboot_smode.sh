#!/usr/bin/env bash
# OpenSBI fw_jump with U-Boot in S-mode as its next stage: OpenSBI's banner,
# then U-Boot's prompt; poweroff goes through SBI and ends norvm with 0.
. "$(dirname "$0")/lib.sh"
out=$E2E_TMP/out
run_guest "$out" 'version\npoweroff\n' --firmware "$FW_JUMP" --kernel "$UBOOT_S"
expect_status poweroff_status 0 $?
expect opensbi_banner 'OpenSBI v[0-9]' "$out"
expect opensbi_platform 'Platform Name *: riscv-virtio,norvm' "$out"
expect uboot_banner '^U-Boot 20[0-9][0-9]\.' "$out"
expect prompt '^=> ' "$out"
expect version 'riscv64-linux-gnu-gcc' "$out"
