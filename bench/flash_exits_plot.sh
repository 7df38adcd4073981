#!/usr/bin/env bash
# Flash exits over time, as a picture: the boot-from-flash session of
# bench/boot_from_flash.sh (OpenSBI and U-Boot packed into flash, booted
# with --boot flash, crc32 over 8 MiB of flash and of RAM, poweroff) on
# norvm with the array mapped and with --flash-map=off, each run's flash
# exits per interval taken from the timeline in --stats-json.  The
# picture, cumulative flash0 exits against the run's time on a log scale,
# every round one line, goes to doc/flash_exits.svg (PLOT=FILE elsewhere).
# QEMU counts no exits, so here the peer is norvm itself with mapping off.
# What sampling costs: the sampler thread's own CPU time (sampler_cpu_ms
# in the JSON), and the wall time against a third run, mapping off with
# --stats instead of --stats-json, which has no sampler.
# The three alternate in each round.
. "$(dirname "$0")/lib.sh"
need_cmd "$NORVM" jq gnuplot
PLOT=${PLOT:-$(dirname "$0")/../doc/flash_exits.svg}
img=$BENCH_TMP/boot.img
flash_boot_image "$img"

# timeline NAME ROUND: flash0's exits from $BENCH_TMP/NAME.json, per row and
# cumulative, as "seconds exits cumulative" lines in NAME.ROUND.dat: a row
# ends an interval after the one before, the last when the run stopped.
# The rows must add up to flash0's exit count.
timeline() {
	local j=$BENCH_TMP/$1.json dat=$BENCH_TMP/$1.$2.dat
	jq -r '.seconds as $s | .timeline.interval_ms as $ms
		| (.timeline.devices | index("flash0")) as $f
		| .timeline.exits as $rows | ($rows | length) as $n
		| foreach range($n) as $i (0; . + $rows[$i][$f];
			"\(if $i == $n - 1 then $s else ($i + 1) * $ms / 1000 end) \($rows[$i][$f]) \(.)")' \
		"$j" >"$dat" || die "round $2: $j has no timeline"
	[ -s "$dat" ] || die "round $2: $j: the timeline has no rows"
	[ "$(tail -n 1 "$dat" | cut -d' ' -f3)" = "$(json "$j" '.devices.flash0 | .reads + .writes + .fetches')" ] ||
		die "round $2: $j: flash0's timeline adds up to $(tail -n 1 "$dat" | cut -d' ' -f3), not its exits"
	record "$1.rows" "$(wc -l <"$dat")" "$j"
	record "$1.interval" "$(json "$j" .timeline.interval_ms)" "$j"
	record "$1.peak" "$(awk '$2 > m { m = $2 } END { print m + 0 }' "$dat")" "$dat"
	record "$1.sampler_ms" "$(json "$j" .timeline.sampler_cpu_ms)" "$j"
	record "$1.sampler_pct" "$(json "$j" '100 * .timeline.sampler_cpu_ms / 1000 / .seconds')" "$j"
	marks "$1" "$2" prompt "$(last "$1.prompt" %.6f)"
	marks "$1" "$2" crc "$(last "$1.crc_start" %.6f)" "$(last "$1.crc_end" %.6f)"
}

# marks NAME ROUND KIND SECONDS...: "seconds cumulative" in
# NAME.ROUND.KIND for each time, read off NAME.ROUND.dat.  The times are
# the session's (host time since norvm was started), a few ms ahead of the
# timeline's, which starts once the machine is built.
marks() {
	local name=$1 round=$2 kind=$3 t; shift 3
	for t; do
		awk -v p="$t" '$1 <= p { c = $3 } $1 > p { print p, c + 0; done = 1; exit }
			END { if (!done) print p, c + 0 }' "$BENCH_TMP/$name.$round.dat"
	done >"$BENCH_TMP/$name.$round.$kind"
}

# run_norvm NAME ROUND ARGS...: one session with ARGS added; its times.
run_norvm() {
	local name=$1 round=$2 out=$BENCH_TMP/$1.out; shift 2
	session "$out" "$FLASH_BOOT_CMDS" --flash "$img,readonly" --boot flash "$@"
	record "$name.secs" "$SECS"
	record "$name.prompt" "$(since "$out" '=> ')" "$name's output (a U-Boot prompt)"
	record "$name.crc_start" "$(since "$out" '=> crc32 0x20000000')" "$name's output (crc32 over flash)"
	record "$name.crc_end" "$(since "$out" 'crc32 for 20000000')" "$name's output (crc32 over flash)"
}

on_map() {	# MAP ROUND
	rm -f "$BENCH_TMP/$1.json"
	run_norvm "$1" "$2" --flash-map="$1" --stats-json "$BENCH_TMP/$1.json"
	record "$1.exits" "$(json "$BENCH_TMP/$1.json" '.devices.flash0 | .reads + .writes + .fetches')" \
		"$BENCH_TMP/$1.json"
	timeline "$1" "$2"
	note "round $2/$RUNS: map $1: $(last "$1.exits" %.0f) flash exits in $(last "$1.secs") s"
}
no_timeline() {	# ROUND
	run_norvm plain "$1" --flash-map=off --stats	# (session lines: "host-time line")
	record plain.exits "$(awk '$2 == "flash0" { print $6 }' "$BENCH_TMP/plain.out")" "--stats"
	note "round $1/$RUNS: map off, no timeline: $(last plain.exits %.0f) flash exits in $(last plain.secs) s"
}
rounds "on_map on" "on_map off" no_timeline
derive off.vs_plain '$1 / $2' off.secs plain.secs
derive off.prompt_vs_plain '$1 / $2' off.prompt plain.prompt

# The picture: every round of each run one line, with the prompt and the
# crc32 over flash marked on it.
mkdir -p "$(dirname "$PLOT")"
gp=$BENCH_TMP/plot.gp
{
	echo 'set terminal svg size 900,500 font "sans,13" background "white"'
	echo "set output '$PLOT.tmp'"
	echo 'set title "Flash exits while booting OpenSBI + U-Boot from flash, then crc32 over 8 MiB of flash and of RAM"'
	echo "set xlabel 'seconds since the guest started (timeline of --stats-json, $(cell on.interval %.0f) ms intervals)'"
	echo "set ylabel 'flash0 exits so far'"
	echo 'set logscale y; set format y "10^{%L}"; set yrange [1:*]; set xrange [0:*]'
	echo 'set grid; set key bottom right box opaque'
	printf 'plot '
	for map in on off; do
		case $map in
		on) color='#1f77b4' title='mapped in read-array mode (default)' ;;
		off) color='#d62728' title='--flash-map=off: every flash access traps' ;;
		esac
		for ((r = 1; r <= RUNS; r++)); do
			printf "'%s' using 1:(\$3 > 0 ? \$3 : NaN) with lines lw 1.5 lc rgb '%s' title '%s', " \
				"$BENCH_TMP/$map.$r.dat" "$color" "$([ "$r" -eq 1 ] && echo "$title")"
			printf "'%s' using 1:(\$2 > 0 ? \$2 : NaN) with points pt 7 ps 0.8 lc rgb '%s' title '%s', " \
				"$BENCH_TMP/$map.$r.prompt" "$color" \
				"$([ "$r" -eq 1 ] && [ "$map" = off ] && echo 'U-Boot prompt')"
			printf "'%s' using 1:(\$2 > 0 ? \$2 : NaN) with points pt 5 ps 0.7 lc rgb '%s' title '%s', " \
				"$BENCH_TMP/$map.$r.crc" "$color" \
				"$([ "$r" -eq 1 ] && [ "$map" = off ] && echo 'crc32 over flash: typed, done')"
		done
	done
	echo
} >"$gp"
sed -i '$ s/, $//' "$gp"
gnuplot "$gp" 2>"$BENCH_TMP/gnuplot.err" || die "gnuplot failed: $(cat "$BENCH_TMP/gnuplot.err")"
mv "$PLOT.tmp" "$PLOT"
note "wrote $PLOT"

table run 'flash exits' 'peak per interval' rows 'interval ms' 'sampler CPU ms' \
	'sampler CPU %' 'to prompt s' 'run s' 'run vs no timeline' 'to prompt vs no timeline'
for map in on off; do
	if [ $map = on ]; then vs=(— —); else
		vs=("$(cell off.vs_plain %.2f)" "$(cell off.prompt_vs_plain %.2f)"); fi
	row "norvm, map $map" "$(cell $map.exits int)" "$(cell $map.peak int)" \
		"$(cell $map.rows %.0f)" "$(cell $map.interval %.0f)" "$(cell $map.sampler_ms %.2f)" \
		"$(cell $map.sampler_pct %.3f)" "$(cell $map.prompt %.2f)" "$(cell $map.secs)" "${vs[@]}"
done
row "norvm, map off, no timeline (--stats)" "$(cell plain.exits int)" — — — — — \
	"$(cell plain.prompt %.2f)" "$(cell plain.secs)" — —
table_end
