#!/usr/bin/env bash
# norvm on a terminal (a pseudo-terminal made by util-linux's `script`):
# the terminal's modes are the same after norvm as before, whichever signal
# stops it; keys typed while norvm starts reach U-Boot.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
# A guest that sleeps for ever: wfi; j -4.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$t/park.bin"

# on_tty SIG: run norvm on a terminal, send it SIG once it has made the
# terminal raw; record the modes before and after, and its exit status.
on_tty() {
	local sig=$1 i
	rm -f "$t/tty" "$t/pid" "$t/before" "$t/after" "$t/status"
	# The shell inside the terminal runs norvm in the foreground.
	script -qE never -c "tty >'$t/tty'; stty -g >'$t/before'
		ulimit -c 0
		timeout --foreground 60 sh -c 'echo \$\$ >\"$t/pid\"; exec \"$NORVM\" run --firmware \"$t/park.bin\"'
		echo \$? >'$t/status'; stty -g >'$t/after'" /dev/null \
		</dev/null >"$t/script.out" 2>&1 &
	local sp=$!
	raw=no
	# Wait (at most 30 s) until norvm runs with the terminal raw.
	for i in $(seq 300); do
		if [ -s "$t/pid" ] && [ -s "$t/before" ] && [ -s "$t/tty" ] &&
		   [ "$(stty -g -F "$(cat "$t/tty")" 2>/dev/null)" != "$(cat "$t/before")" ]; then
			raw=yes
			break
		fi
		sleep 0.1
	done
	kill -s "$sig" "$(cat "$t/pid")"
	timeout 60 tail --pid=$sp -f /dev/null
	wait $sp
}

for sig in QUIT INT TERM HUP USR1; do
	on_tty $sig
	if [ $raw != yes ]; then
		echo "FAIL ${sig,,}_terminal_restored: norvm never made the terminal raw"
	elif [ ! -s "$t/after" ]; then
		echo "FAIL ${sig,,}_terminal_restored: no modes after norvm ($(head -c 200 "$t/script.out"))"
	elif [ "$(cat "$t/before")" = "$(cat "$t/after")" ]; then
		echo "PASS ${sig,,}_terminal_restored"
	else
		echo "FAIL ${sig,,}_terminal_restored: $(cat "$t/before") became $(cat "$t/after")"
	fi
	want=$((128 + $(kill -l $sig)))
	expect_status "${sig,,}_status" $want "$(cat "$t/status" 2>/dev/null)"
done

# Keys typed on the terminal before norvm has made it raw, and before the
# guest's drivers have initialised (and drained) the UART, all reach U-Boot:
# Enter stops the countdown, then the commands run; in M-mode, and in
# S-mode after OpenSBI.
for fw in mmode smode; do
	if [ $fw = mmode ]; then args="--firmware $UBOOT_M"
	else args="--firmware $FW_JUMP --kernel $UBOOT_S"; fi
	printf '\nversion\npoweroff\n' |
		timeout 60 script -qefE never -c "\"$NORVM\" run $args" /dev/null >"$t/out" 2>&1
	expect_status ${fw}_typed_ahead_status 0 $?
	next=$(tr -d '\r' <"$t/out" | sed -n '/Hit any key to stop autoboot/{n;p;q}')
	if [ "$next" = "=> version" ]; then echo "PASS ${fw}_typed_ahead_kept"; else
		echo "FAIL ${fw}_typed_ahead_kept: after the countdown came '$next', expected '=> version'"; fi
done
