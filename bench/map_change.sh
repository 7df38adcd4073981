#!/usr/bin/env bash
# The cost of one flash mapping change (a slot removal or insertion that
# every running hart must acknowledge) with 1, 2, 4 and 8 harts, the other
# harts running guest code; and the guest instruction rate of one hart
# alone against one hart beside a second hart asleep in WFI, from the same
# run, which shows what the synchronisation costs the common path.
set -eu
. "$(dirname "$0")/lib.sh"
img=$BENCH_TMP/flash.img
"$NORVM" flash create "$img" --size 32M
printf '%-6s %14s %12s\n' harts changes us_per_change
for n in 1 2 4 8; do
	out=$("$NORVM" run -c $n --firmware build/bench/guest/map_toggle.elf \
		--flash "$img" </dev/null)
	ticks=$(sed -n 's/^ticks=\([0-9]*\).*/\1/p' <<<"$out")
	awk -v n=$n -v t="$ticks" 'BEGIN { printf "%-6d %14d %12.2f\n", n, 20000, t * 0.1 / 20000 }'
done
elf=build/bench/guest/alu_loop.elf
"$NORVM" run --firmware "$elf" --stats-json "$BENCH_TMP/one.json" </dev/null >/dev/null
"$NORVM" run -c 2 --firmware build/bench/guest/alu_loop_hart0.elf \
	--stats-json "$BENCH_TMP/two.json" </dev/null >/dev/null
awk -v a="$(json "$BENCH_TMP/one.json" '.instructions / .seconds')" \
    -v b="$(json "$BENCH_TMP/two.json" '.instructions / .seconds')" 'BEGIN {
	printf "one hart: %.1f MIPS; one hart beside a sleeping hart: %.1f MIPS (%.3f)\n",
		a / 1e6, b / 1e6, b / a }'
