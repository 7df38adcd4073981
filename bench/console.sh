#!/usr/bin/env bash
# Scripted console sessions: `version` and `poweroff` typed into U-Boot
# from a pipe, against the same session on a terminal, in M-mode U-Boot
# and in U-Boot S-mode after OpenSBI.  The terminal is a pseudo-terminal
# made by bench/pty_run.c (util-linux's `script` holds its output back
# until the end), with the keys typed ahead while norvm starts: Enter, to
# stop the autoboot countdown as a person would, then the commands.  The
# figures are the seconds from norvm's start to the prompt taking
# `version`, and to norvm's exit; the ratios are pipe over terminal, taken
# within a round.  The four sessions alternate in each round.  norvm's own
# console is measured, so there is no QEMU peer.
. "$(dirname "$0")/lib.sh"
PTY_RUN=${PTY_RUN:-build/bench/pty_run}
need_cmd "$NORVM"
need "$UBOOT_M" "$UBOOT_S" "$FW_JUMP" "$PTY_RUN"
mmode=(--firmware "$UBOOT_M")
smode=(--firmware "$FW_JUMP" --kernel "$UBOOT_S")

# figures NAME ROUND: the times of the session in $BENCH_TMP/NAME.out,
# which must have run `version` whole.
figures() {
	local out=$BENCH_TMP/$1.out
	grep -q 'riscv64-linux-gnu-gcc' "$out" || die "round $2: $1: \`version\` printed nothing"
	! grep -q 'Unknown command' "$out" || die "round $2: $1: $(grep -m1 'Unknown command' "$out")"
	record "$1.prompt" "$(since "$out" $' => version\r*$')" "$1's output (=> version)"
	record "$1.exit" "$SECS"
	note "round $2/$RUNS: $1: prompt $(last "$1.prompt") s, exit $(last "$1.exit") s"
}
piped() {	# FIRMWARE ROUND
	local -n args=$1
	session "$BENCH_TMP/$1.pipe.out" 'version\npoweroff\n' "${args[@]}"
	figures "$1.pipe" "$2"
}
terminal() {	# FIRMWARE ROUND
	local -n args=$1
	session_cmd "$BENCH_TMP/$1.tty.out" '\nversion\npoweroff\n' "$PTY_RUN" "$NORVM" run "${args[@]}"
	figures "$1.tty" "$2"
}

rounds "piped mmode" "terminal mmode" "piped smode" "terminal smode"
table firmware input 'to "=> version" s' 'to exit s' 'pipe/terminal, to prompt' 'pipe/terminal, to exit'
for fw in mmode smode; do
	derive $fw.ratio_prompt '$1 / $2' $fw.pipe.prompt $fw.tty.prompt
	derive $fw.ratio_exit '$1 / $2' $fw.pipe.exit $fw.tty.exit
	name='U-Boot (M-mode)'; [ $fw = mmode ] || name='OpenSBI + U-Boot (S-mode)'
	row "$name" pipe "$(cell $fw.pipe.prompt)" "$(cell $fw.pipe.exit)" \
		"$(cell $fw.ratio_prompt %.2f)" "$(cell $fw.ratio_exit %.2f)"
	row "$name" terminal "$(cell $fw.tty.prompt)" "$(cell $fw.tty.exit)" — —
done
table_end
