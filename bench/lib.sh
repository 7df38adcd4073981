# What every benchmark shares.  A benchmark runs norvm and its peer
# (qemu-system-riscv64, from Debian) alternated, RUNS rounds of at least 3,
# records each figure once per round, and prints the markdown table the
# documentation quotes (doc/performance.md, doc/kvm.md, doc/arm64.md): each cell is the median, followed by (min–max) when the
# rounds differ.  A ratio between two runs is taken per round (they ran
# back to back) and summarised the same way.  Progress goes to stderr,
# the tables to stdout.
#
# Nothing is ever guessed: a run that fails or times out, or a figure
# missing from a run's output, stops the benchmark with a message on
# stderr and status 1.
#
#   NORVM=./norvm   QEMU=qemu-system-riscv64   RUNS=3   BENCH_TIMEOUT=600
set -euo pipefail
export LC_ALL=C.UTF-8	# one decimal point; ${#s} counts characters
NORVM=${NORVM:-./norvm}
QEMU=${QEMU:-qemu-system-riscv64}
RUNS=${RUNS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
UBOOT_M=/usr/lib/u-boot/qemu-riscv64/u-boot.bin
UBOOT_S=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
FW_JUMP=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
BENCH=bench/$(basename "$0")
BENCH_TMP=$(mktemp -d)
trap 'rm -rf "$BENCH_TMP"' EXIT
mkdir "$BENCH_TMP/fig"
. "$(dirname "${BASH_SOURCE[0]}")/../tests/steps.sh"	# drive's steps

# The boot-from-flash session (bench/boot_from_flash.sh, and
# bench/flash_exits_plot.sh's picture of it): flash_boot_image FILE packs
# OpenSBI and U-Boot (S-mode) with `norvm flash pack` into a 32 MiB image;
# typed in, FLASH_BOOT_CMDS runs U-Boot's crc32 over 8 MiB of flash and
# over 8 MiB of RAM (touched once first, so neither side pays for host
# page faults), then poweroff.  The first newlines may be lost to UART
# initialisation or taken by the autoboot countdown.
FLASH_BOOT_CMDS='\n\n\ncrc32 80800000 800000\ncrc32 0x20000000 0x800000\ncrc32 0x80800000 0x800000\npoweroff\n'
flash_boot_image() {
	need "$FW_JUMP" "$UBOOT_S"
	"$NORVM" flash pack "$1" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M ||
		die "norvm flash pack $1 failed"
}

die() { printf '%s: %s\n' "$BENCH" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$BENCH" "$*" >&2; }

[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 3 ] ||
	die "RUNS=$RUNS: every measurement is repeated at least 3 times"
[ -x /usr/bin/time ] || die "/usr/bin/time: missing (GNU time: scripts/install-deps)"

# need FILE...: each file exists.
need() {
	local f
	for f; do [ -e "$f" ] || die "$f: missing (make bench builds what is missing)"; done
}

# need_cmd CMD...: each command can be run.
need_cmd() {
	local c
	for c; do command -v "$c" >/dev/null || die "$c: not found"; done
}

# rounds STEP...: RUNS rounds, each running every STEP in turn, with the
# round number as its last argument (a STEP is a command and its first
# arguments, e.g. "run_qemu alu_loop").
ROUND=0
rounds() {
	local step
	for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
		for step; do $step "$ROUND"; done
	done
}

# check_status RC LOG WHAT: dies unless RC is 0, with the end of LOG
# (without a session's time stamps).
check_status() {
	local rc=$1 log=$2 what=$3 why="exit status $1"
	[ "$rc" -ne 0 ] || return 0
	[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || why="no exit within $BENCH_TIMEOUT s"
	die "round $ROUND: $what failed ($why); its output ends:
$(tail -n 8 "$log" | sed -E 's/^[0-9]+\.[0-9]+ //; s/^/    | /')"
}

# run LOG CMD...: run CMD (no input, output to LOG) under a timeout; its
# wall time from start to exit goes to SECS.  Dies when CMD fails.
SECS=
run() {
	local log=$1 t0 t1 rc=0; shift
	t0=$EPOCHREALTIME
	timeout -k 5 "$BENCH_TIMEOUT" "$@" </dev/null >"$log" 2>&1 || rc=$?
	t1=$EPOCHREALTIME
	check_status $rc "$log" "$(basename "$1")"
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
}

# session_cmd OUT INPUT CMD...: run CMD with INPUT (printf %b) typed on a
# pipe; each line of OUT is "host-time line", the host time (seconds) at
# which the line arrived.  T0 is the host time CMD started at, SECS its
# wall time, RSS_KIB its peak resident memory (GNU time).  Dies when CMD
# fails.
T0=
RSS_KIB=
session_cmd() {
	local out=$1 input=$2 t1 st; shift 2
	T0=$EPOCHREALTIME
	set +e
	printf '%b' "$input" |
		/usr/bin/time -f %M -o "$out.rss" timeout -k 5 "$BENCH_TIMEOUT" "$@" 2>&1 |
		while IFS= read -r line || [ -n "$line" ]; do
			printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"
		done >"$out"
	st=("${PIPESTATUS[@]}")
	set -e
	t1=$EPOCHREALTIME
	check_status "${st[1]}" "$out" "$(basename "$1")"
	SECS=$(awk -v a="$T0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	RSS_KIB=$(tail -n 1 "$out.rss")
}

# session OUT INPUT ARGS...: session_cmd with norvm run ARGS.
session() {
	local out=$1 input=$2; shift 2
	session_cmd "$out" "$input" "$NORVM" run "$@"
}

# elapsed OUT START_RE END_RE: seconds from the first line of a session
# matching START_RE to the first later line matching END_RE; fails when
# either is missing.
elapsed() {
	awk -v a="$2" -v b="$3" '
		t0 == "" && $0 ~ a { t0 = $1; next }
		t0 != "" && $0 ~ b { printf "%.6f\n", $1 - t0; found = 1; exit }
		END { exit !found }' "$1"
}

# since OUT RE: seconds from T0 to the first line of a session matching
# RE; fails when there is none.
since() {
	awk -v t0="$T0" -v a="$2" '
		$0 ~ a { printf "%.6f\n", $1 - t0; found = 1; exit }
		END { exit !found }' "$1"
}

# json FILE EXPR: a number from a --stats-json file.
json() {
	jq -r "$2" "$1"
}

# record KEY VALUE [WHAT]: one round's figure for KEY.  VALUE must be a
# number; WHAT says where it should have come from.
record() {
	[[ $2 =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]] ||
		die "round $ROUND: no figure for $1${3:+ in $3} (got '$2')"
	echo "$2" >>"$BENCH_TMP/fig/$1"
}

# derive KEY EXPR KEY1 KEY2...: KEY, per round, is the awk expression EXPR
# of that round's KEY1 ($1), KEY2 ($2), ...
derive() {
	local key=$1 expr=$2 k files=() v; shift 2
	for k; do
		[ -s "$BENCH_TMP/fig/$k" ] || die "no figures for $k"
		files+=("$BENCH_TMP/fig/$k")
	done
	for v in $(paste -d' ' "${files[@]}" | awk "{ printf \"%.9g\\n\", $expr }"); do
		record "$key" "$v" "$expr"
	done
}

# last KEY [FORMAT]: the latest figure of KEY (for progress notes).
last() {
	printf "${2:-%.3f}" "$(tail -n 1 "$BENCH_TMP/fig/$1")"
}

# cell KEY [FORMAT]: the median of KEY's figures, and (min–max) when they
# differ once formatted; FORMAT is a printf format, or ",N" for N decimals
# with thousands separators ("int" is ",0").  Fails unless there is one
# figure per round.
cell() {
	local f=$BENCH_TMP/fig/$1
	[ -s "$f" ] || { note "no figures for $1"; return 1; }
	sort -g "$f" | awk -v fmt="${2:-%.3f}" -v runs="$RUNS" -v key="$1" '
		function show(x,   s, out, dot) {
			if (fmt == "int") fmt = ",0"
			if (fmt !~ /^,[0-9]$/) return sprintf(fmt, x)
			s = sprintf("%." substr(fmt, 2) "f", x); out = ""
			if ((dot = index(s, ".")) > 0) { out = substr(s, dot); s = substr(s, 1, dot - 1) }
			while (length(s) > 3) {
				out = "," substr(s, length(s) - 2) out
				s = substr(s, 1, length(s) - 3)
			}
			return s out
		}
		{ v[NR] = $1 }
		END {
			if (NR != runs) {
				printf "%s: %d figures for %d rounds\n", key, NR, runs > "/dev/stderr"
				exit 1
			}
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (show(v[1]) == show(v[NR])) print show(m)
			else printf "%s (%s–%s)\n", show(m), show(v[1]), show(v[NR])
		}'
}

# table HEADER...: start a table; row CELL... adds a row (an empty cell is
# a missing figure and stops the benchmark); table_end prints it, the
# first column left-aligned, the others right-aligned.
TABLE=()
table() {
	TABLE=("$(IFS=$'\x1f'; echo "$*")")
}
row() {
	local c
	for c; do [ -n "$c" ] || die "a figure is missing in the row for '$1'"; done
	[ $# -eq "$(awk -F$'\x1f' '{ print NF }' <<<"${TABLE[0]}")" ] ||
		die "row '$1' has $# cells for $(awk -F$'\x1f' '{ print NF }' <<<"${TABLE[0]}") columns"
	TABLE+=("$(IFS=$'\x1f'; echo "$*")")
}
table_end() {
	local -a w=() cells
	local r i line sep
	for r in "${TABLE[@]}"; do
		IFS=$'\x1f' read -ra cells <<<"$r"
		for i in "${!cells[@]}"; do
			[ "${w[i]:-0}" -ge "${#cells[i]}" ] || w[i]=${#cells[i]}
		done
	done
	for r in "${!TABLE[@]}"; do
		IFS=$'\x1f' read -ra cells <<<"${TABLE[r]}"
		line='|'
		for i in "${!cells[@]}"; do
			if [ "$i" -eq 0 ]; then
				line+=" ${cells[i]}$(pad $((w[i] - ${#cells[i]}))) |"
			else
				line+=" $(pad $((w[i] - ${#cells[i]})))${cells[i]} |"
			fi
		done
		echo "$line"
		if [ "$r" -eq 0 ]; then
			sep='|'
			for i in "${!cells[@]}"; do
				if [ "$i" -eq 0 ]; then sep+=":$(pad $((w[i] + 1)) -)|"
				else sep+="$(pad $((w[i] + 1)) -):|"; fi
			done
			echo "$sep"
		fi
	done
	TABLE=()
}

# pad N [CHAR]: N copies of CHAR (a space unless given).
pad() {
	local s
	printf -v s '%*s' "$1" ''
	echo -n "${s// /${2:- }}"
}

# drive OUT STEP... -- CMD...: run CMD with its console driven step by
# step (tests/steps.sh: "wait:RE", "send:TEXT", "mark:NAME" into
# MARK[NAME], the seconds since CMD started).  Waits poll every 5 ms: a
# mark is that precise.  SECS is the whole run's wall time.  Dies when CMD
# fails or a wait times out.
declare -A MARK=()
drive() {
	local out=$1 fifo pid rc
	local -a steps=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do steps+=("$1"); shift; done
	shift
	fifo=$BENCH_TMP/drive.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	MARK=()
	STEP_T0=$EPOCHREALTIME
	timeout -k 5 "$BENCH_TIMEOUT" "$@" <"$fifo" >"$out" 2>&1 &
	pid=$!
	exec 7>"$fifo"
	if ! console_steps "$out" $pid 7 0.005 "$BENCH_TIMEOUT" "${steps[@]}"; then
		kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; exec 7>&-
		die "round $ROUND: $(basename "$1"): $STEP_WHY; its output ends:
$(tail -c 600 "$out" | tr -d '\r' | tail -n 6 | sed 's/^/    | /')"
	fi
	for m in "${!STEP_MARK[@]}"; do MARK[$m]=${STEP_MARK[$m]}; done
	rc=0
	wait $pid || rc=$?
	exec 7>&-
	rm -f "$fifo"
	check_status $rc "$out" "$(basename "$1")"
	SECS=$(awk -v a="$STEP_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')
}
