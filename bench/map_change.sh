#!/usr/bin/env bash
# The cost of one flash mapping change (a slot removal or insertion that
# every running hart must acknowledge) with 1, 2, 4 and 8 harts, the other
# harts running guest code (bench/guest/map_toggle.S, about 2 s of toggling
# a run); and the guest instruction rate of one hart alone against one hart
# beside a second hart asleep in WFI, which shows what the synchronisation
# costs the common path.  norvm's own mechanism, so there is no QEMU peer:
# the rounds alternate between the hart counts and the two rate runs.
. "$(dirname "$0")/lib.sh"
harts=(1 2 4 8)
need_cmd "$NORVM"
need build/bench/guest/map_toggle.elf build/bench/guest/alu_loop.elf \
	build/bench/guest/alu_loop_hart0.elf
img=$BENCH_TMP/flash.img
"$NORVM" flash create "$img" --size 32M

toggle() {	# HARTS ROUND
	local log=$BENCH_TMP/toggle.log line changes ticks
	run "$log" "$NORVM" run -c "$1" --firmware build/bench/guest/map_toggle.elf --flash "$img"
	line=$(grep -m1 '^changes=' "$log") || die "round $2: no changes= line from map_toggle -c $1"
	[[ $line =~ ^changes=([0-9]+)\ ticks=([0-9]+) ]] ||
		die "round $2: '$line' from map_toggle -c $1 is not changes=N ticks=T"
	changes=${BASH_REMATCH[1]} ticks=${BASH_REMATCH[2]}
	record "toggle$1.changes" "$changes"
	record "toggle$1.ticks" "$ticks"
	note "round $2/$RUNS: $1 harts, $changes changes in $ticks ticks"
}
rate() {	# NAME HARTS ELF ROUND
	local j=$BENCH_TMP/$1.json
	rm -f "$j"
	run "$BENCH_TMP/rate.log" "$NORVM" run -c "$2" --firmware "$3" --stats-json "$j"
	record "$1.mips" "$(json "$j" '.instructions / .seconds / 1e6')" "norvm's --stats-json"
	note "round $4/$RUNS: $1, $(last "$1.mips" %.1f) MIPS"
}
steps=()
for n in "${harts[@]}"; do steps+=("toggle $n"); done
rounds "${steps[@]}" "rate alone 1 build/bench/guest/alu_loop.elf" \
	"rate beside 2 build/bench/guest/alu_loop_hart0.elf"
for n in "${harts[@]}"; do	# 10 MHz ticks: 0.1 µs each
	derive "toggle$n.us" '$2 * 0.1 / $1' "toggle$n.changes" "toggle$n.ticks"
done
derive beside.ratio '$2 / $1' alone.mips beside.mips

table harts 'mapping changes' 'µs per change'
for n in "${harts[@]}"; do
	row "$n" "$(cell "toggle$n.changes" int)" "$(cell "toggle$n.us" ,2)"
done
table_end
echo
table 'one hart running alu_loop' MIPS 'vs alone'
row alone "$(cell alone.mips ,1)" —
row 'beside a hart asleep in WFI' "$(cell beside.mips ,1)" "$(cell beside.ratio %.3f)"
table_end
