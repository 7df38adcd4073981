#!/usr/bin/env bash
# Runs the ISA tests on qemu-system-riscv64 as an oracle for norvm (not part
# of make check): each must end through the test device with status 0.
#   tests/isa/run-on-qemu.sh [build/isa/NAME.elf ...]
set -u
pass=0 fail=0
[ $# -gt 0 ] || set -- build/isa/*.elf
for elf in "$@"; do
	[ -f "$elf" ] || continue
	timeout 30 qemu-system-riscv64 -M virt -m 256M -nographic -bios none \
		-cpu rv64,h=false -kernel "$elf" </dev/null >/dev/null 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then pass=$((pass + 1)); echo "PASS $elf"
	else fail=$((fail + 1)); echo "FAIL $elf: status $rc"; fi
done
echo "$pass passed, $fail failed"
