#!/usr/bin/env bash
# Bad input gets one clear line on stderr and a non-zero exit, never a crash.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
: >"$t/empty"
mkdir "$t/dir"
head -c 300M /dev/zero >"$t/big" 2>/dev/null || truncate -s 300M "$t/big"
printf 'hello' >"$t/small"
chmod 000 "$t/small.noperm" 2>/dev/null || { cp "$t/small" "$t/small.noperm"; chmod 000 "$t/small.noperm"; }

# bad NAME PATTERN ARGS...: fails with status 1..127 and one stderr line
# that matches PATTERN.
bad() {
	local name=$1 pat=$2; shift 2
	"$NORVM" "$@" </dev/null >"$t/o" 2>"$t/e"
	local rc=$? lines
	lines=$(wc -l <"$t/e")
	if [ $rc -eq 0 ] || [ $rc -ge 128 ]; then
		echo "FAIL $name: exit status $rc"
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL $name: $lines lines on stderr: $(head -c 300 "$t/e")"
	elif ! grep -Eq -- "$pat" "$t/e"; then
		echo "FAIL $name: message '$(cat "$t/e")' does not match /$pat/"
	else
		echo "PASS $name"
	fi
}

bad no_command 'no command given'
bad unknown_command "unknown command 'frobnicate'" frobnicate
bad unknown_option 'unknown option --frob' run --frob
bad missing_argument '--firmware needs an argument' run --firmware
bad nothing_to_boot 'nothing to boot' run
bad missing_firmware 'nonexistent.bin: cannot open: No such file' run --firmware "$t/nonexistent.bin"
bad directory_firmware 'not a regular file' run --firmware "$t/dir"
bad empty_firmware 'empty' run --firmware "$t/empty"
bad oversized_firmware 'does not fit' run --firmware "$t/big"
bad tiny_ram_image 'does not fit' run -m 16M --firmware "$t/big"
if [ "$(id -u)" -ne 0 ]; then
	bad unreadable_firmware 'Permission denied' run --firmware "$t/small.noperm"
fi
bad bad_size '-m lots: not a size' run -m lots --firmware "$t/small"
bad ram_too_small 'RAM size' run -m 1M --firmware "$t/small"
bad bad_cpus '--cpus 9' run -c 9 --firmware "$t/small"
bad kernel_missing 'cannot open' run --firmware "$t/small" --kernel "$t/nope"
bad extra_argument "unexpected argument 'junk'" run --firmware "$t/small" junk

# --help and --version succeed and say something.
"$NORVM" --help | grep -q 'norvm run' && echo "PASS help" || echo "FAIL help"
"$NORVM" --version | grep -Eq '^norvm [0-9]' && echo "PASS version" || echo "FAIL version"
