#!/usr/bin/env bash
# Command-line and host-side errors: one clear line and a non-zero exit, no
# file touched.  An empty --flash path; `flash pack` over an image that a
# running norvm holds; outputs that would replace a file of the run or a
# locked one, links and FIFOs as outputs; FIFOs as inputs; --flash options
# past any count.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
# A firmware that sleeps for ever (wfi; j -4), for norvm runs that hold an
# image until they are stopped.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$t/park.bin"

# refused NAME PATTERN ARGS...: bad (lib.sh), run in $t.
refused() { (cd "$t" && bad "$@"); }

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

# ---- outputs: never an image of the run, checked before the guest runs ----
norvm flash create "$t/v.img" --size 256K
cp "$t/v.img" "$t/v.before"
refused stats_json_onto_image "stats-json .*v.img: that is this run's flash0 image" \
	run --firmware park.bin --flash v.img --stats-json v.img
refused dump_dtb_onto_image "dump-dtb .*v.img: that is this run's flash0 image" \
	run --firmware park.bin --flash v.img --dump-dtb v.img
refused stats_json_onto_firmware "that is this run's --firmware" \
	run --firmware park.bin --stats-json park.bin
# An unwritable place is found at once: the parked guest would run for ever.
refused stats_json_unwritable 'stats-json /nonexistent/s.json: cannot write there' \
	run --firmware park.bin --stats-json /nonexistent/s.json
if hold_lock "$t/v.img" --firmware "$t/park.bin" --flash "$t/v.img"; then
	refused stats_json_onto_locked 'v.img: in use by another process' \
		run --firmware park.bin --stats-json v.img
else
	echo "FAIL stats_json_onto_locked: $HOLD_WHY"
fi
release_lock
cmp -s "$t/v.img" "$t/v.before" && echo "PASS outputs_image_kept" ||
	echo "FAIL outputs_image_kept: v.img changed"
refused flash_given_twice "v.img: given twice: it is this run's flash0 image already" \
	run --firmware park.bin --flash v.img --flash v.img
# A link is followed, the mode of the file it names kept.
cp "$t/v.before" "$t/target.img"
chmod 600 "$t/target.img"
ln -s target.img "$t/link.img"
norvm flash pack "$t/link.img" --firmware "$t/park.bin" --size 256K
expect_status pack_through_link 0 $?
check pack_link_kept '[ -L "$t/link.img" ]' "link.img is no longer a link"
check pack_mode_kept '[ "$(stat -c %a "$t/target.img")" = 600 ]' \
	"target.img has mode $(stat -c %a "$t/target.img"), not 600"
check pack_wrote_target 'cmp -s "$t/link.img" "$t/target.img" && ! cmp -s "$t/target.img" "$t/v.before"' \
	"the packed image is not where the link points"
# A FIFO is written through: --stats-json into a pipe, read by another process.
# The test opens the FIFO's read end first (through a read-write open,
# which does not wait), lets norvm write into the pipe, then reads it.
mkfifo "$t/stats.fifo"
exec 7<>"$t/stats.fifo" 8<"$t/stats.fifo" 7>&-
printf '\x37\x05\x10\x00\x13\x05\x05\x00\xb7\x55\x00\x00\x9b\x85\x55\x55\x23\x20\xb5\x00' >"$t/off.bin"
norvm run --firmware "$t/off.bin" --stats-json "$t/stats.fifo" >/dev/null 2>&1
expect_status stats_json_fifo_status 0 $?
timeout 10 cat <&8 >"$t/stats.read"
exec 8<&-
check stats_json_fifo 'jq -e .accelerator "$t/stats.read" >/dev/null 2>&1' \
	"the reader got: $(head -c 100 "$t/stats.read")"
check stats_json_fifo_kept '[ -p "$t/stats.fifo" ]' "stats.fifo is no longer a FIFO"

# ---- inputs: a FIFO is refused, not waited on ----
mkfifo "$t/in.fifo"
refused firmware_fifo 'in.fifo: is a FIFO' run --firmware in.fifo
refused kernel_fifo 'in.fifo: is a FIFO' run --firmware park.bin --kernel in.fifo
refused initrd_fifo 'in.fifo: is a FIFO' run --firmware park.bin --initrd in.fifo
refused flash_fifo_readonly 'in.fifo: is a FIFO' run --firmware park.bin --flash in.fifo,readonly
refused flash_fifo 'in.fifo: is a FIFO' run --firmware park.bin --flash in.fifo
refused pack_firmware_fifo 'in.fifo: is a FIFO' flash pack "$t/p.img" --firmware in.fifo --size 256K

# ---- --flash options: every one counts, however many ----
many=
for i in $(seq 40); do many+=,seed=$i; done
refused flash_option_41st_checked "unknown option 'bogus'" \
	run --firmware park.bin --flash "v.img$many,bogus"
refused flash_two_parts 'part=virt and part=S29GL256P: one part per bank' \
	run --firmware park.bin --flash "v.img,part=virt,part=S29GL256P"
# readonly as the 41st option: the guest's erase of bank 0 must fail.
head -c 256K /dev/zero >"$t/ro.img"
cp "$t/ro.img" "$t/ro.before"
run_guest "$t/ro.out" 'erase 0x20000000 +0x40000\npoweroff\n' --firmware "$UBOOT_M" \
	--flash "$t/ro.img$many,readonly"
expect_status readonly_41st_status 0 $?
cmp -s "$t/ro.img" "$t/ro.before" && echo "PASS readonly_41st_kept" ||
	echo "FAIL readonly_41st_kept: the guest erased a read-only image"
