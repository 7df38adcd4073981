#!/usr/bin/env bash
# F and D against QEMU: tests/guest/fp_oracle.c runs every F/D instruction
# on generated operands in every rounding mode and prints a hash of the
# results and fflags per instruction group; norvm must print what
# qemu-system-riscv64 (softfloat) prints, group by group.
. "$(dirname "$0")/lib.sh"
elf=build/tests/guest/fp_oracle.elf
norvm run --firmware "$elf" </dev/null >"$E2E_TMP/norvm.out" 2>&1
expect_status fp_oracle_poweroff 0 $?
if ! command -v qemu-system-riscv64 >/dev/null; then
	echo "SKIP fp_oracle_groups: no qemu-system-riscv64 to compare with"
	exit 0
fi
timeout -k 5 300 qemu-system-riscv64 -M virt -m 256M -nographic -bios none \
	-kernel "$elf" </dev/null >"$E2E_TMP/qemu.out" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "FAIL fp_oracle_qemu: QEMU exited with $rc"; exit 0; }
tr -d '\r' <"$E2E_TMP/qemu.out" >"$E2E_TMP/want"
tr -d '\r' <"$E2E_TMP/norvm.out" >"$E2E_TMP/got"
n=0
while read -r group want; do
	n=$((n + 1))
	got=$(awk -v g="$group" '$1 == g { print $2 }' "$E2E_TMP/got")
	if [ "$got" = "$want" ]; then echo "PASS fp_$group"
	else echo "FAIL fp_$group: norvm ${got:-printed nothing}, QEMU $want"; fi
done <"$E2E_TMP/want"
[ $n -ge 11 ] && echo "PASS fp_oracle_groups" || echo "FAIL fp_oracle_groups: QEMU printed $n groups"
