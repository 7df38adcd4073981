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
	local name=$1 pat=$2; shift 2
	(cd "$t" && timeout 30 "$NORVM" "$@" </dev/null >"$t/o" 2>"$t/e")
	refusal "$name" "$pat" $? "$t/e"
}

# --flash ,readonly names no file: it must not open one called "readonly"
# (there is one, a valid image, in the directory norvm runs in).
NORVM=$(realpath "$NORVM")
norvm flash create "$t/readonly" --size 256K
cp "$t/readonly" "$t/readonly.before"
refused flash_empty_path 'no image file given' run --firmware park.bin --flash ,readonly
refused flash_empty_path_only 'no image file given' run --firmware park.bin --flash ''
refused flash_empty_option 'empty option' run --firmware park.bin --flash readonly,,sync
if cmp -s "$t/readonly" "$t/readonly.before"; then echo "PASS flash_empty_path_untouched"; else
	echo "FAIL flash_empty_path_untouched: the file 'readonly' changed"; fi

# flash pack over an image in use: refused, the file and its inode kept.
img=$t/used.img
norvm flash create "$img" --size 256K
cp "$img" "$t/used.before"
inode=$(stat -c %i "$img")
for mode in writable readonly; do
	opt=; [ $mode = readonly ] && opt=,readonly
	if hold_lock "$img" --firmware "$t/park.bin" --flash "$img$opt"; then
		refused pack_over_${mode}_image 'used.img: in use by another process' \
			flash pack "$img" --firmware "$t/park.bin" --size 256K
	else
		echo "FAIL pack_over_${mode}_image: $HOLD_WHY"
	fi
	release_lock
	if cmp -s "$img" "$t/used.before" && [ "$(stat -c %i "$img")" = "$inode" ]; then
		echo "PASS pack_over_${mode}_image_kept"
	else
		echo "FAIL pack_over_${mode}_image_kept: the image was replaced"
	fi
done
ls "$t" | grep -q 'used.img.tmp' && echo "FAIL pack_no_temporary: $(ls "$t")" ||
	echo "PASS pack_no_temporary"
# Once the VM has stopped, the same command replaces the image.
norvm flash pack "$img" --firmware "$t/park.bin" --size 256K
expect_status pack_after_release 0 $?
