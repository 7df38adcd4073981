#!/usr/bin/env bash
# --stats-json's timeline: each device's exits in every interval of wall
# time.  Booting OpenSBI and U-Boot from flash, mapped and with
# --flash-map=off: the timeline names the same devices, in the same order,
# as "devices"; each device's rows add up exactly to its exits there; there
# is one row per interval of the run plus the last, partial one, taken at
# exit; and with mapping off the flash exits are spread over the boot, not
# piled in one row.
. "$(dirname "$0")/lib.sh"
img=$E2E_TMP/boot.img
norvm flash pack "$img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
expect_status pack_status 0 $?

# check_timeline NAME JSON INTERVAL: the timeline in JSON is consistent.
check_timeline() {
	local name=$1 j=$2 want=$3 why rows expected slack
	why=$(jq -r '. as $j | .timeline as $t
		| if $t == null then "no timeline"
		elif $t.interval_ms != '"$want"' then "interval_ms \($t.interval_ms), expected '"$want"'"
		elif ($t.sampler_cpu_ms | type) != "number" then "no sampler_cpu_ms"
		elif $t.devices != ($j.devices | keys_unsorted) then
			"timeline devices \($t.devices) != \($j.devices | keys_unsorted)"
		elif any($t.exits[]; length != ($t.devices | length)) then
			"a row without one count per device"
		else
			[range($t.devices | length) as $d | $t.devices[$d] as $n
			 | ([$t.exits[][$d]] | add // 0) as $sum
			 | ($j.devices[$n] | .reads + .writes + .fetches) as $total
			 | select($sum != $total) | "\($n): rows add up to \($sum), exits \($total)"]
			| join("; ")
		end' "$j" 2>&1) || why="jq: $why"
	if [ -n "$why" ]; then echo "FAIL ${name}_sums: $why"; return; fi
	echo "PASS ${name}_sums"
	# One row per interval that ended before the run did, and the last.
	read -r rows expected < <(jq -r '"\(.timeline.exits | length) \(.seconds * 1000 / .timeline.interval_ms | floor + 1)"' "$j")
	slack=$((expected / 10 > 3 ? expected / 10 : 3))
	if [ "$rows" -le "$expected" ] && [ "$rows" -ge $((expected - slack)) ]; then
		echo "PASS ${name}_rows ($rows for $expected intervals)"
	else
		echo "FAIL ${name}_rows: $rows rows for $(jq .seconds "$j") s in intervals of $want ms ($expected expected)"
	fi
}

for map in on off; do
	out=$E2E_TMP/out.$map
	run_guest "$out" 'flinfo\npoweroff\n' --flash "$img,readonly" --boot flash \
		--flash-map=$map --stats-json "$E2E_TMP/$map.json"
	expect_status "map_${map}_poweroff" 0 $?
	check_timeline "map_$map" "$E2E_TMP/$map.json" 10
done
# Mapped off, stage-0, OpenSBI's copy and U-Boot's probe fetch and read
# the flash over the whole boot.
read -r busy total most < <(jq -r '.timeline | (.devices | index("flash0")) as $f
	| [.exits[][$f]] | "\(map(select(. > 0)) | length) \(add) \(max)"' "$E2E_TMP/off.json")
if [ "$busy" -ge 3 ] && [ $((2 * most)) -lt "$total" ]; then
	echo "PASS map_off_flash_spread ($total exits in $busy rows, at most $most in one)"
else
	echo "FAIL map_off_flash_spread: $total flash exits in $busy rows, $most in one"
fi

run_guest "$E2E_TMP/out.50" 'poweroff\n' --flash "$img,readonly" --boot flash \
	--flash-map=off --stats-json "$E2E_TMP/50.json" --stats-interval 50
expect_status interval_50_poweroff 0 $?
check_timeline interval_50 "$E2E_TMP/50.json" 50
# No interval ends in this run: the one row is the sample taken at exit.
run_guest "$E2E_TMP/out.60s" 'poweroff\n' --flash "$img,readonly" --boot flash \
	--stats-json "$E2E_TMP/60s.json" --stats-interval 60000
expect_status interval_60s_poweroff 0 $?
check_timeline interval_60s "$E2E_TMP/60s.json" 60000
