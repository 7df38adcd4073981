#!/usr/bin/env bash
# Guest instructions per second of the built-in CPU on a CPU-bound loop and
# a load-heavy loop, with qemu-system-riscv64 (TCG) on the same programs as
# the yardstick.  QEMU reports no instruction count, so its rate is norvm's
# count for the same program over QEMU's wall time (start-up included).
set -eu
NORVM=${NORVM:-./norvm}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-10s %14s %10s %10s %10s %10s %8s\n' program instructions norvm_s norvm_MIPS qemu_s qemu_MIPS ratio
for p in alu_loop load_loop; do
	elf=build/bench/guest/$p.elf
	"$NORVM" run --firmware "$elf" --stats-json "$tmp/$p.json" </dev/null >/dev/null
	insns=$(sed -n 's/.*"instructions": \([0-9]*\).*/\1/p' "$tmp/$p.json")
	secs=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$tmp/$p.json")
	if command -v qemu-system-riscv64 >/dev/null; then
		t0=$(date +%s.%N)
		qemu-system-riscv64 -M virt -cpu rv64 -m 256M -nographic -bios none \
			-kernel "$elf" </dev/null >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		qsecs=$(echo "$t1 - $t0" | bc -l)
	else
		qsecs=0
	fi
	awk -v p="$p" -v n="$insns" -v s="$secs" -v q="$qsecs" 'BEGIN {
		m = n / s / 1e6; qm = q > 0 ? n / q / 1e6 : 0;
		printf "%-10s %14d %10.3f %10.1f %10.3f %10.1f %8.2f\n", p, n, s, m, q, qm, (qm > 0 ? m / qm : 0) }'
done
