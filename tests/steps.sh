# A console driven step by step, as a person at a terminal would type:
# shared by the end-to-end tests (tests/e2e/lib.sh: session) and the
# benchmarks (bench/lib.sh: drive).  Sourced, not run.

# console_steps OUT PID FD POLL LIMIT STEP...: drive a command already
# started (PID), which writes to the file OUT and reads what file
# descriptor FD sends.  "wait:RE" waits until OUT matches the extended
# regex RE once more than it did before (a count per RE; binary output is
# read as text), checking every POLL seconds for at most LIMIT seconds;
# "send:TEXT" types TEXT (printf %b); "mark:NAME" sets STEP_MARK[NAME] to
# the seconds since STEP_T0 ($EPOCHREALTIME when the command started).
# Returns 0, or 1 with STEP_WHY set when a wait ran out or the command
# ended first; the caller stops the command.
declare -A STEP_MARK=()
STEP_T0= STEP_WHY=
console_steps() {
	local out=$1 pid=$2 fd=$3 poll=$4 limit=$5 step pat n i tries
	local -A seen=()
	shift 5
	tries=$(awk -v l="$limit" -v p="$poll" 'BEGIN { printf "%d", l / p }')
	STEP_MARK=() STEP_WHY=
	for step in "$@"; do
		case $step in
		wait:*)
			pat=${step#wait:}
			n=$(( ${seen[$pat]:-0} + 1 ))
			seen[$pat]=$n
			for ((i = 0;; i++)); do
				[ "$(grep -acE -- "$pat" "$out" 2>/dev/null)" -ge "$n" ] && break
				if ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge "$tries" ]; then
					# One last look: the output may have come as it ended.
					[ "$(grep -acE -- "$pat" "$out" 2>/dev/null)" -ge "$n" ] && break
					STEP_WHY="no /$pat/ (number $n) in the output"
					return 1
				fi
				sleep "$poll"
			done ;;
		send:*)
			printf '%b' "${step#send:}" >&"$fd" ;;
		mark:*)
			STEP_MARK[${step#mark:}]=$(awk -v a="$STEP_T0" -v b="$EPOCHREALTIME" \
				'BEGIN { printf "%.6f", b - a }') ;;
		esac
	done
	return 0
}
