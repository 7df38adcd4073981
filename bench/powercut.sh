#!/usr/bin/env bash
# What a power-cut sweep costs: scripts/powercut-sweep over two U-Boot
# (M-mode) workloads on bank 1, each cut at every one of its operations
# and checked by a second U-Boot session: "in place" erases the block that
# holds the data and programs four words over it (5 cut points); "A/B"
# writes the new copy to another block and then a marker word (6 cut
# points).  A sweep is one uncut run and one check to count and validate,
# then a run and a check per cut point.  Seconds for the whole sweep, per
# cut point (the sweep over its cut points), and for one uncut run of the
# workload alone.  QEMU has no power cut, so there is no QEMU peer: the
# rounds alternate between the workloads.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" perl
need "$UBOOT_M"
b0=$BENCH_TMP/bank0.img before=$BENCH_TMP/before.img
"$NORVM" flash create "$b0" --size 32M
perl -e 'srand(1); print pack("C*", map { int(rand(256)) } 1 .. 262144),
	 "\xff" x (786432)' >"$before"
old=$(od -An -tx4 -N4 "$before" | tr -d ' ')
data='mw.l 0x80800000 0x12345678 4
mw.l 0x80800004 0x9abcdef0 4'
printf '%s\nerase 0x22000000 +0x40000\ncp.b 0x80800000 0x22000000 0x10\npoweroff\n' \
	"$data" >"$BENCH_TMP/inplace.txt"
printf '%s\nif cmp.b 0x80800000 0x22000000 0x10; then poweroff; fi\nif itest.l *0x22000000 == 0x%s; then poweroff; fi\nmw.l 0x100000 0x13333\n' \
	"$data" "$old" >"$BENCH_TMP/inplace-check.txt"
printf '%s\nerase 0x22040000 +0x40000\ncp.b 0x80800000 0x22040000 0x10\nmw.l 0x80800100 0x600df00d 1\ncp.l 0x80800100 0x22080000 1\npoweroff\n' \
	"$data" >"$BENCH_TMP/ab.txt"
printf '%s\nif itest.l *0x22080000 == 0x600df00d; then if cmp.b 0x80800000 0x22040000 0x10; then poweroff; fi; mw.l 0x100000 0x13333; fi\nif itest.l *0x22000000 == 0x%s; then poweroff; fi\nmw.l 0x100000 0x13333\n' \
	"$data" "$old" >"$BENCH_TMP/ab-check.txt"
args="--firmware $UBOOT_M --flash $b0 --flash @IMG@"

sweep() {	# NAME ROUND
	local log=$BENCH_TMP/$1.sweep rc=0 t0 t1 cuts
	t0=$EPOCHREALTIME
	timeout -k 5 "$BENCH_TIMEOUT" scripts/powercut-sweep --norvm "$NORVM" \
		--image "$before" --run "$args" --run-input "$BENCH_TMP/$1.txt" \
		--check "$args" --check-input "$BENCH_TMP/$1-check.txt" \
		</dev/null >"$log" 2>&1 || rc=$?
	t1=$EPOCHREALTIME
	# a check that fails is a result, not a failed sweep (status 1)
	[ $rc -le 1 ] || check_status $rc "$log" "powercut-sweep $1"
	cuts=$(sed -nE 's/^([0-9]+) cut points: .*/\1/p' "$log")
	record "$1.cuts" "$cuts" "the sweep's summary"
	record "$1.secs" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')"
	note "round $2/$RUNS: $1, $cuts cut points in $(last "$1.secs") s: $(tail -n 1 "$log")"
}
alone() {	# NAME ROUND
	cp "$before" "$BENCH_TMP/alone.img"
	session "$BENCH_TMP/alone.out" "$(cat "$BENCH_TMP/$1.txt")\n" \
		--firmware "$UBOOT_M" --flash "$b0" --flash "$BENCH_TMP/alone.img"
	record "$1.alone" "$SECS"
}
rounds "sweep inplace" "alone inplace" "sweep ab" "alone ab"
for w in inplace ab; do
	derive "$w.per" '$2 / $1' "$w.cuts" "$w.secs"
done

table workload 'cut points' 'sweep s' 's per cut point' 'uncut run s'
row 'in place' "$(cell inplace.cuts int)" "$(cell inplace.secs)" "$(cell inplace.per)" "$(cell inplace.alone)"
row 'A/B + marker' "$(cell ab.cuts int)" "$(cell ab.secs)" "$(cell ab.per)" "$(cell ab.alone)"
table_end
