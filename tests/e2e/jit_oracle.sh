#!/usr/bin/env bash
# The code generator against the interpreter, and both against QEMU.
# - Random programs from tests/jit/rvgen (RV64IMC: every ALU, M, load and
#   store form, branches, loops, calls, compressed forms, mscratch, code
#   rewritten under FENCE.I, loads, stores, LR and AMOs that fault; in
#   M-mode, through MPRV, and in S-mode under Sv39, by seed), one per seed
#   and one long one, run with
#   --jit off, --jit on and --jit on,threshold=1 (every block translated
#   the first time it runs; at the default threshold little of a stream
#   that runs four times grows hot) and on qemu-system-riscv64: the
#   registers and memory hash they print must be the same on all four, and
#   the norvm runs must end with the same "harts" in --stats-json (pc,
#   privilege, instret, x0-x31).
# - Every ISA test and guest program that ends by itself: the same status
#   and the same "harts" on the three norvm runs.
# JIT_SEEDS="1 2 3" and JIT_LEN=N run other seeds, of that length.
. "$(dirname "$0")/lib.sh"
export NORVM_TIMEOUT=30
T=$E2E_TMP
RVGEN=${BUILD:-build}/tests/jit/rvgen
GUEST_CC=${CROSS:-riscv64-linux-gnu-}gcc
GUEST_FLAGS=(-march=rv64imafdc_zicsr_zifencei -mabi=lp64 -nostdlib -nostartfiles
	-static -Wl,--no-relax -Wl,--build-id=none -Wl,--no-warn-rwx-segments
	-T tests/isa/link.ld)
MODES=(off on on,threshold=1)
qemu=$(command -v qemu-system-riscv64)
[ -n "$qemu" ] || echo "SKIP jit_oracle_qemu: no qemu-system-riscv64 to compare with"

# first_diff A B: the first line where files A and B differ, or nothing.
first_diff() {
	local -a a b
	local i
	mapfile -t a <"$1"
	mapfile -t b <"$2"
	for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
		if [ "${a[i]-(end)}" != "${b[i]-(end)}" ]; then
			echo "line $((i + 1)) '${a[i]-(end)}' vs '${b[i]-(end)}'"
			return
		fi
	done
}

# harts JSON: each hart's pc, privilege, instret and registers, a line each.
harts() {
	jq -r '.harts[] | .hart as $h |
		"hart \($h) pc \(.pc) priv \(.priv) instret \(.instret)",
		(.x | to_entries[] | "hart \($h) x\(.key) \(.value)")' "$1" 2>&1
}

# runs NAME MASK ARGS...: norvm run ARGS in each of MODES, output in
# $T/NAME.I, harts without the lines MASK matches in $T/NAME.I.harts (I:
# the mode's index).  Sets why when a run fails.  After a run that hung,
# none: a code generator that hangs would take a timeout per program.
hung=
runs() {
	local name=$1 mask=$2 i d
	shift 2
	[ -z "$hung" ] || { why="not run: $hung hung"; return; }
	for i in "${!MODES[@]}"; do
		norvm run --jit "${MODES[i]}" --stats-json "$T/$name.$i.json" "${@//@I@/$i}" \
			</dev/null >"$T/$name.$i" 2>&1
		d=$?
		[ $d -ne 124 ] || hung="$name with --jit ${MODES[i]}"
		[ $d -eq 0 ] || { why="exit status $d with --jit ${MODES[i]}"; return; }
		harts "$T/$name.$i.json" >"$T/$name.$i.all"
		grep -q '^hart 0 pc 0x' "$T/$name.$i.all" ||
			{ why="no harts in --stats-json: $(head -c 200 "$T/$name.$i.all")"
			  return; }
		grep -vE "$mask" "$T/$name.$i.all" >"$T/$name.$i.harts"
	done
}

# same NAME SUFFIX WHAT: $T/NAME.I.SUFFIX the same in every mode, else why.
same() {
	local i d
	for i in "${!MODES[@]}"; do
		[ -z "$why" ] || return
		d=$(first_diff "$T/$1.0.$2" "$T/$1.$i.$2")
		[ -z "$d" ] || why="$3, --jit off vs ${MODES[i]}: $d"
	done
}

# printed FILE: the register and memory lines a generated program printed.
printed() { tr -d '\r' <"$1" | grep -E '^(x[0-9]+|mem) 0x[0-9a-f]{16}$'; }

# seed NAME SEED LEN: one generated program on norvm and QEMU.
seed() {
	local name=$1 s=$2 len=$3 i d
	why=
	# QEMU runs the program without its faulting AMOs (see rvgen.c), and
	# so does one more norvm run to compare it with.
	if ! "$RVGEN" "$s" "$len" >"$T/$name.S" || ! "$GUEST_CC" "${GUEST_FLAGS[@]}" \
		-o "$T/$name.elf" "$T/$name.S" 2>"$T/$name.cc" ||
		! "$GUEST_CC" "${GUEST_FLAGS[@]}" -DNO_AMO_FAULTS \
		-o "$T/$name.q.elf" "$T/$name.S" 2>"$T/$name.cc"; then
		echo "FAIL $name: rvgen $s $len does not build: $(head -c 300 "$T/$name.cc")"
		return
	fi
	runs "$name" '^$' --firmware "$T/$name.elf"
	for i in "${!MODES[@]}"; do
		[ -n "$why" ] || printed "$T/$name.$i" >"$T/$name.$i.p"
	done
	if [ -z "$why" ] && [ "$(wc -l <"$T/$name.0.p")" -ne 33 ]; then
		why="--jit off printed $(wc -l <"$T/$name.0.p") of 33 lines"
	fi
	same "$name" p printed
	same "$name" harts harts
	if [ -z "$why" ] && [ -n "$qemu" ]; then
		timeout -k 5 60 "$qemu" -M virt -m 256M -nographic -bios none \
			-kernel "$T/$name.q.elf" </dev/null >"$T/$name.q" 2>&1
		d=$?
		norvm run --jit off --firmware "$T/$name.q.elf" </dev/null >"$T/$name.n" 2>&1 ||
			why="norvm exited with $? on the program without faulting AMOs"
		if [ -n "$why" ]; then
			:
		elif [ $d -ne 0 ]; then
			why="QEMU exited with $d"
		else
			printed "$T/$name.q" >"$T/$name.q.p"
			printed "$T/$name.n" >"$T/$name.n.p"
			d=$(first_diff "$T/$name.n.p" "$T/$name.q.p")
			[ -z "$d" ] || why="printed, norvm vs QEMU: $d"
		fi
	fi
	if [ -z "$why" ]; then echo "PASS $name"
	else echo "FAIL $name: $why (seed $s: $RVGEN $s $len)"; fi
}

for s in ${JIT_SEEDS:-1 2 3 4 5 6 7 8 9 10 11 12}; do
	seed "seed_$s" "$s" "${JIT_LEN:-3000}"
done
[ -n "${JIT_SEEDS:-}" ] || seed seed_long_100 100 60000

# The guest programs, named by their path.  Left out: those that need a
# flash bank set up for them or run for a span of guest time (map_toggle:
# 2 s by rdtime; flash_program: the bank bench/flash_program.sh writes;
# flash_suspend: the timing model).  Masked: zicsr leaves rdtime's value
# in a4 (x14); interrupts waits for mtime, in WFI and in loops, so its
# harts depend on the host and only its status is compared.
skip=" map_toggle flash_program flash_suspend "
declare -A mask=([zicsr]='^hart 0 x14 ' [interrupts]='^hart ')
for elf in build/isa/*.elf build/bench/guest/*.elf build/tests/guest/*.elf; do
	prog=$(basename "$elf" .elf)
	[[ $skip != *" $prog "* ]] || continue
	name=${elf#build/}
	name=${name%.elf}
	name=${name//\//_}
	args=(--firmware "$elf")
	if [ "$prog" = sv39_flash ]; then	# writes its page table into bank 0
		for i in "${!MODES[@]}"; do
			norvm flash create "$T/$i.img" --size 1M >/dev/null
		done
		args+=(--flash "$T/@I@.img")
	fi
	why=
	runs "$name" "${mask[$prog]:-^$}" "${args[@]}"
	same "$name" harts harts
	rm -f "$T"/*.img
	if [ -z "$why" ]; then echo "PASS $name"; else echo "FAIL $name: $why"; fi
done
