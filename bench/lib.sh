# Helpers for benchmarks that drive U-Boot: a session with input typed on a
# pipe whose output lines carry the host time they arrived at.
NORVM=${NORVM:-./norvm}
UBOOT_M=/usr/lib/u-boot/qemu-riscv64/u-boot.bin
UBOOT_S=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
FW_JUMP=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
BENCH_TMP=$(mktemp -d)
trap 'rm -rf "$BENCH_TMP"' EXIT

# session OUT INPUT ARGS...: norvm run ARGS; OUT gets "seconds line" pairs.
session() {
	local out=$1 input=$2; shift 2
	printf '%b' "$input" | "$NORVM" run "$@" 2>&1 |
		while IFS= read -r line; do
			printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"
		done >"$out"
}

# elapsed OUT START_RE END_RE: seconds from the first line matching START_RE
# to the first later line matching END_RE.
elapsed() {
	awk -v a="$2" -v b="$3" '
		t0 == "" && $0 ~ a { t0 = $1; next }
		t0 != "" && $0 ~ b { printf "%.3f\n", $1 - t0; exit }' "$1"
}

# json FILE EXPR: a number from a --stats-json file.
json() {
	jq -r "$2" "$1"
}
