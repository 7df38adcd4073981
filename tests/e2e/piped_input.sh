#!/usr/bin/env bash
# Piped input stops U-Boot's autoboot countdown at once (bootcmd never
# runs) without a byte of the script being taken as the key that stops it,
# in M-mode U-Boot and in U-Boot S-mode after OpenSBI; input typed while a
# command checks for Ctrl-C is kept for the prompt.
. "$(dirname "$0")/lib.sh"
out=$E2E_TMP/out

# after_countdown NAME: the countdown is followed by the prompt with the
# script's first command, whole.
after_countdown() {
	local next
	next=$(tr -d '\r' <"$out" | sed -n '/Hit any key to stop autoboot/{n;p;q}')
	if [ "$next" = "=> version" ]; then echo "PASS $1"; else
		echo "FAIL $1: after the countdown came '$next', expected '=> version'"; fi
	if grep -q 'Unknown command' "$out"; then
		echo "FAIL $1_no_unknown: $(grep -m1 'Unknown command' "$out")"
	else
		echo "PASS $1_no_unknown"
	fi
}

run_guest "$out" 'version\nsleep 1\necho after sleep\npoweroff\n' --firmware "$UBOOT_M"
expect_status mmode_status 0 $?
after_countdown mmode_stops_autoboot
expect mmode_after_sleep '^after sleep' "$out"

run_guest "$out" 'version\npoweroff\n' --firmware "$FW_JUMP" --kernel "$UBOOT_S"
expect_status smode_status 0 $?
after_countdown smode_stops_autoboot
