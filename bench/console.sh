#!/usr/bin/env bash
# Scripted console sessions: how long U-Boot takes to reach its prompt and
# run the first command when the input comes from a pipe, against the same
# session on a terminal (a pseudo-terminal made by bench/pty_run.c, the
# keys typed ahead while norvm starts: Enter to stop the countdown, as a
# person would, then the commands).  Both end with `poweroff`.  Piped and terminal runs
# alternate, RUNS of each (default 5, at least 3); the table gives the
# median and, in brackets, the min and max, in seconds, from norvm's start
# to the line "=> version" (the prompt took the first command) and to
# norvm's exit; the last column is piped over terminal, medians.
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
[ "$RUNS" -ge 3 ] || { echo "console.sh: RUNS must be at least 3" >&2; exit 1; }
NORVM=$(realpath "$NORVM")
PTY_RUN=${PTY_RUN:-build/bench/pty_run}
[ -x "$PTY_RUN" ] || { echo "console.sh: no $PTY_RUN (make build/bench/pty_run)" >&2; exit 1; }

# stamp: each line of stdin, prefixed with the host time it arrived at.
stamp() {
	local line
	while IFS= read -r line; do
		printf '%s %s\n' "$EPOCHREALTIME" "${line//$'\r'/}"
	done
}

# one KIND FIRMWARE-ARGS: one session; prints "to_prompt total".
one() {
	local kind=$1 out=$BENCH_TMP/out rc prompt; shift
	t0=$EPOCHREALTIME
	if [ "$kind" = piped ]; then
		printf 'version\npoweroff\n' | timeout 120 "$NORVM" run "$@" 2>&1 | stamp >"$out"
		rc=${PIPESTATUS[1]}
	else
		printf '\nversion\npoweroff\n' | timeout 120 "$PTY_RUN" "$NORVM" run "$@" 2>&1 |
			stamp >"$out"
		rc=${PIPESTATUS[1]}
	fi
	local total
	total=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')
	prompt=$(awk -v a="$t0" '/^[0-9.]+ => version$/ { printf "%.6f", $1 - a; exit }' "$out")
	if [ "$rc" -ne 0 ] || [ -z "$prompt" ] || ! grep -q 'riscv64-linux-gnu-gcc' "$out" ||
	   grep -q 'Unknown command' "$out"; then
		echo "console.sh: $kind session failed (status $rc); its output:" >&2
		tail -20 "$out" >&2
		exit 1
	fi
	echo "$prompt $total"
}

# stats VALUES...: "median [min-max]"
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f [%.3f-%.3f]\n", m, v[1], v[NR] }'
}

printf '| %-21s | %-8s | %4s | %-26s | %-26s |\n' firmware input runs \
	'to "=> version" s' 'to exit s'
printf '|%s|%s|%s|%s|%s|\n' ----------------------- ---------- ------ \
	---------------------------- ----------------------------
declare -A ratio
for fw in mmode smode; do
	if [ $fw = mmode ]; then args=(--firmware "$UBOOT_M"); name='U-Boot (M-mode)'
	else args=(--firmware "$FW_JUMP" --kernel "$UBOOT_S"); name='OpenSBI + U-Boot (S)'; fi
	p_prompt=() p_total=() t_prompt=() t_total=()
	for i in $(seq "$RUNS"); do
		read -r a b < <(one piped "${args[@]}") || exit 1
		[ -n "$b" ] || exit 1
		p_prompt+=("$a"); p_total+=("$b")
		read -r a b < <(one terminal "${args[@]}") || exit 1
		[ -n "$b" ] || exit 1
		t_prompt+=("$a"); t_total+=("$b")
	done
	[ ${#p_prompt[@]} -eq "$RUNS" ] && [ ${#t_prompt[@]} -eq "$RUNS" ] ||
		{ echo "console.sh: missing runs" >&2; exit 1; }
	pp=$(stats "${p_prompt[@]}") pt=$(stats "${p_total[@]}")
	tp=$(stats "${t_prompt[@]}") tt=$(stats "${t_total[@]}")
	printf '| %-21s | %-8s | %4d | %-26s | %-26s |\n' "$name" pipe "$RUNS" "$pp" "$pt"
	printf '| %-21s | %-8s | %4d | %-26s | %-26s |\n' "$name" terminal "$RUNS" "$tp" "$tt"
	ratio[$fw]=$(awk -v a="${pp%% *}" -v b="${tp%% *}" -v c="${pt%% *}" -v d="${tt%% *}" \
		'BEGIN { printf "%.2f to the prompt, %.2f to exit", a / b, c / d }')
done
echo
echo "pipe/terminal (medians): U-Boot (M-mode) ${ratio[mmode]}; OpenSBI + U-Boot (S) ${ratio[smode]}"
