#!/usr/bin/env bash
# Programming bank 1 through each write path of each command set: a bare
# M-mode guest (bench/guest/flash_program.S) programs WORDS bus words and
# polls every operation to completion as a driver does, timing itself
# with mtime.  Figures per path: flash exits and mapping changes per
# programmed word (from --stats-json), and the guest time to program
# them.  Intel: the default bank (two x16 devices, 32-bit bus); AMD: an
# S29GL256P (one x16 device); both without the timing model.
# QEMU 7.2's virt board has only pflash_cfi01, so it runs the same guest
# on the Intel paths; its AMD model (pflash_cfi02) is on no RISC-V board,
# so the AMD paths have no QEMU figure.  The runs alternate in each round.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" "$QEMU" jq python3
ELF=build/bench/guest/flash_program.elf
need "$ELF"
WORDS=${WORDS:-16384}
"$NORVM" flash create "$BENCH_TMP/b0.img" --size 1M
PATHS="intel_word intel_buffer amd_word amd_buffer amd_bypass"
path_id() { case $1 in intel_word) echo 0 ;; intel_buffer) echo 1 ;; amd_word) echo 2 ;;
	amd_buffer) echo 3 ;; amd_bypass) echo 4 ;; esac; }
part_of() { case $1 in intel_*) echo virt ;; *) echo S29GL256P ;; esac; }
bytes_per_word() { case $1 in intel_*) echo 4 ;; *) echo 2 ;; esac; }

# image PATH: an erased bank 1 whose last word says what to program.
image() {
	local img=$BENCH_TMP/bank1.img
	rm -f "$img"
	"$NORVM" flash create "$img" --size 32M
	python3 -c "import struct,sys; f=open(sys.argv[1],'r+b'); f.seek(0x1fffffc); \
f.write(struct.pack('<I', $(path_id "$1") | ($WORDS << 8)))" "$img"
	echo "$img"
}
ticks() {	# LOG: the guest's own time, in seconds
	local t
	t=$(tr -d '\r' <"$1" | sed -n 's/^ticks \([0-9a-f]*\)$/\1/p')
	[ -n "$t" ] && awk -v t=$((16#$t)) 'BEGIN { printf "%.6f", t / 1e7 }'
}
on_norvm() {	# PATH ROUND
	local img j=$BENCH_TMP/$1.json
	img=$(image "$1")
	rm -f "$j"
	run "$BENCH_TMP/$1.log" "$NORVM" run --firmware "$ELF" --flash "$BENCH_TMP/b0.img,readonly" \
		--flash "$img,part=$(part_of "$1")" --stats-json "$j"
	[ "$(jq .flash.flash1.words "$j")" = "$WORDS" ] ||
		die "round $2: $1 programmed $(jq .flash.flash1.words "$j") words, not $WORDS"
	record "$1.exits" "$(json "$j" "(.devices.flash1.reads + .devices.flash1.writes) / $WORDS")" "$j"
	record "$1.changes" "$(json "$j" "(.flash.flash1.maps + .flash.flash1.unmaps) / $WORDS")" "$j"
	record "$1.s" "$(ticks "$BENCH_TMP/$1.log")" "$1's output"
	derive_one "$1"
	note "round $2/$RUNS: $1 on norvm, $(last "$1.s" %.4f) s guest time"
}
on_qemu() {	# PATH ROUND
	local img
	img=$(image "$1")
	run "$BENCH_TMP/q$1.log" "$QEMU" -M virt -cpu rv64 -m 256M -nographic -bios "$ELF" \
		-drive "if=pflash,format=raw,unit=1,file=$img"
	record "q$1.s" "$(ticks "$BENCH_TMP/q$1.log")" "qemu's output for $1"
	note "round $2/$RUNS: $1 on qemu, $(last "q$1.s" %.4f) s guest time"
}
derive_one() { :; }
steps=()
for p in $PATHS; do
	steps+=("on_norvm $p")
	case $p in intel_*) steps+=("on_qemu $p") ;; esac
done
rounds "${steps[@]}"
for p in $PATHS; do
	derive "$p.mbs" "$WORDS * $(bytes_per_word "$p") / \$1 / 1e6" "$p.s"
	case $p in intel_*)
		derive "q$p.mbs" "$WORDS * $(bytes_per_word "$p") / \$1 / 1e6" "q$p.s"
		derive "$p.vs" '$2 / $1' "$p.s" "q$p.s" ;;
	esac
done
table 'write path' 'exits per word' 'map changes per word' 'norvm s' 'norvm MB/s' 'qemu s' 'qemu MB/s' 'norvm/qemu speed'
for p in $PATHS; do
	case $p in
	intel_*) row "$p" "$(cell "$p.exits" %.3f)" "$(cell "$p.changes" %.5f)" "$(cell "$p.s" %.4f)" \
		"$(cell "$p.mbs" %.2f)" "$(cell "q$p.s" %.4f)" "$(cell "q$p.mbs" %.2f)" "$(cell "$p.vs" %.2f)" ;;
	*) row "$p" "$(cell "$p.exits" %.3f)" "$(cell "$p.changes" %.5f)" "$(cell "$p.s" %.4f)" \
		"$(cell "$p.mbs" %.2f)" — — — ;;
	esac
done
table_end
