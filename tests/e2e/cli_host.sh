#!/usr/bin/env bash
# Command-line and host-side errors: one clear line and a non-zero exit, no
# file touched.  An empty --flash path; `flash pack` over an image that a
# running norvm holds.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
# A firmware that sleeps for ever (wfi; j -4), for norvm runs that hold an
# image until they are stopped.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$t/park.bin"

# refused NAME PATTERN ARGS...: norvm ARGS fails (status 1..123) with one
# stderr line matching PATTERN.
refused() {
	local name=$1 pat=$2 rc lines; shift 2
	(cd "$t" && timeout 30 "$NORVM" "$@" </dev/null >"$t/o" 2>"$t/e")
	rc=$?
	lines=$(wc -l <"$t/e")
	if [ $rc -eq 0 ] || [ $rc -ge 124 ]; then
		echo "FAIL $name: exit status $rc"
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL $name: $lines lines on stderr: $(head -c 300 "$t/e")"
	elif ! grep -Eq -- "$pat" "$t/e"; then
		echo "FAIL $name: message '$(cat "$t/e")' does not match /$pat/"
	else
		echo "PASS $name"
	fi
}

# --flash ,readonly names no file: it must not open one called "readonly"
# (there is one, a valid image, in the directory norvm runs in).
NORVM=$(realpath "$NORVM")
"$NORVM" flash create "$t/readonly" --size 256K
cp "$t/readonly" "$t/readonly.before"
refused flash_empty_path 'no image file given' run --firmware park.bin --flash ,readonly
refused flash_empty_path_only 'no image file given' run --firmware park.bin --flash ''
refused flash_empty_option 'empty option' run --firmware park.bin --flash readonly,,sync
if cmp -s "$t/readonly" "$t/readonly.before"; then echo "PASS flash_empty_path_untouched"; else
	echo "FAIL flash_empty_path_untouched: the file 'readonly' changed"; fi
