#!/usr/bin/env bash
# Guest instructions per second of the built-in CPU on a CPU-bound loop and
# a load-heavy loop, against qemu-system-riscv64 (TCG, a JIT) running the
# same programs, and of the interpreter alone (--jit off), alternated.
# Times are wall clock from start to exit, start-up included everywhere.
# QEMU reports no instruction count, so every rate uses norvm's count of
# the program (the same in every run).
. "$(dirname "$0")/lib.sh"
progs=(alu_loop load_loop)
need_cmd "$NORVM" "$QEMU"
for p in "${progs[@]}"; do need "build/bench/guest/$p.elf"; done

on_norvm() {	# PROGRAM ROUND
	local j=$BENCH_TMP/$1.json
	rm -f "$j"
	run "$BENCH_TMP/norvm.log" "$NORVM" run --firmware "build/bench/guest/$1.elf" --stats-json "$j"
	record "$1.norvm_s" "$SECS"
	record "$1.insns" "$(json "$j" .instructions)" "norvm's --stats-json"
	note "round $2/$RUNS: $1 on norvm, $(last "$1.norvm_s") s"
}
on_interp() {	# PROGRAM ROUND: the interpreter alone
	run "$BENCH_TMP/interp.log" "$NORVM" run --jit off --firmware "build/bench/guest/$1.elf"
	record "$1.interp_s" "$SECS"
	note "round $2/$RUNS: $1 on norvm --jit off, $(last "$1.interp_s") s"
}
on_qemu() {	# PROGRAM ROUND
	run "$BENCH_TMP/qemu.log" "$QEMU" -M virt -cpu rv64 -m 256M -nographic \
		-bios none -kernel "build/bench/guest/$1.elf"
	record "$1.qemu_s" "$SECS"
	note "round $2/$RUNS: $1 on qemu, $(last "$1.qemu_s") s"
}
for p in "${progs[@]}"; do
	rounds "on_norvm $p" "on_qemu $p" "on_interp $p"
	derive "$p.norvm_mips" '$1 / $2 / 1e6' "$p.insns" "$p.norvm_s"
	derive "$p.interp_mips" '$1 / $2 / 1e6' "$p.insns" "$p.interp_s"
	derive "$p.interp_ratio" '$2 / $1' "$p.interp_s" "$p.qemu_s"
	derive "$p.qemu_mips" '$1 / $2 / 1e6' "$p.insns" "$p.qemu_s"
	derive "$p.ratio" '$2 / $1' "$p.norvm_s" "$p.qemu_s"
done

table program instructions 'norvm s' 'qemu s' 'norvm MIPS' 'qemu MIPS' norvm/qemu \
	'--jit off MIPS' '--jit off/qemu'
for p in "${progs[@]}"; do
	row "$p" "$(cell "$p.insns" int)" "$(cell "$p.norvm_s")" "$(cell "$p.qemu_s")" \
		"$(cell "$p.norvm_mips" ,1)" "$(cell "$p.qemu_mips" ,1)" "$(cell "$p.ratio" %.2f)" \
		"$(cell "$p.interp_mips" ,1)" "$(cell "$p.interp_ratio" %.2f)"
done
table_end
