#!/usr/bin/env bash
# norvm flash info: an erased image, a packed OpenSBI + U-Boot image and a
# kernel-only S-mode pack, boot-block parts, images U-Boot wrote in a guest
# (also while that guest runs), a partial last block, damaged headers and
# bad input.  Every figure is checked against one computed here on the
# host, independently of norvm: block states with cmp against 0xFF bytes,
# payload sizes and places from the files packed, CRC-32s by gzip, and by
# U-Boot's own crc32 over the flash.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
export NORVM_TIMEOUT=60
head -c $((256 << 10)) /dev/zero | tr '\0' '\377' >"$t/ff"

# same NAME WANT GOT
same() {
	if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$3', expected '$2'"; fi
}

# crc_of: the CRC-32 of stdin as gzip's trailer has it (little-endian).
crc_of() {
	gzip -c | tail -c 8 | head -c 4 | od -An -tx1 | awk '{ print "0x" $4 $3 $2 $1 }'
}

# host_blocks IMAGE COUNTxSIZE...: walks the image block by block (regions
# given lowest first) and sets HOST_ERASED (blocks all 0xFF) and HOST_USED
# (runs of other blocks, "first-last@offset+size" joined by spaces).
host_blocks() {
	local img=$1 off=0 i=0 n bs k run= roff=0 rsize=0; shift
	HOST_ERASED=0 HOST_USED=
	for spec; do
		n=${spec%x*} bs=${spec#*x}
		for ((k = 0; k < n; k++, i++, off += bs)); do
			if cmp -s -n "$bs" -i "$off:0" "$img" "$t/ff"; then
				HOST_ERASED=$((HOST_ERASED + 1))
				[ -z "$run" ] || HOST_USED+="${HOST_USED:+ }$run-$((i - 1))@$roff+$rsize"
				run=
			else
				[ -n "$run" ] || { run=$i roff=$off rsize=0; }
				rsize=$((rsize + bs))
			fi
		done
	done
	[ -z "$run" ] || HOST_USED+="${HOST_USED:+ }$run-$((i - 1))@$roff+$rsize"
}

# json_used FILE: the used runs of norvm's JSON, in host_blocks' form.
json_used() {
	jq -r '[.used_ranges[] | "\(.first)-\(.first + .blocks - 1)@\(.offset)+\(.size)"] | join(" ")' "$1"
}

# info NAME ARGS...: norvm flash info ARGS into $t/NAME.txt and, with
# --json added, $t/NAME.json; both must exit 0 with nothing on stderr and
# the JSON must parse.
info() {
	local name=$1 rc1 rc2; shift
	norvm flash info "$@" >"$t/$name.txt" 2>"$t/$name.err"; rc1=$?
	norvm flash info "$@" --json >"$t/$name.json" 2>>"$t/$name.err"; rc2=$?
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ] || [ -s "$t/$name.err" ]; then
		echo "FAIL ${name}_runs: exit $rc1/$rc2: $(head -c 300 "$t/$name.err")"
	elif ! jq -e 'type == "object"' "$t/$name.json" >/dev/null 2>&1; then
		echo "FAIL ${name}_runs: --json is not one JSON object: $(head -c 300 "$t/$name.json")"
	else
		echo "PASS ${name}_runs"
	fi
}

# jq_is NAME WANT FILTER FILE
jq_is() { same "$1" "$2" "$(jq -r "$3" "$4" 2>&1)"; }

# ---- a fresh image: every block erased, no boot header
norvm flash create "$t/fresh.img" --size 32M
cp "$t/fresh.img" "$t/fresh.orig"
info fresh "$t/fresh.img"
expect fresh_size '^size +33554432 bytes \(32 MiB\)$' "$t/fresh.txt"
expect fresh_part '^part +virt: ' "$t/fresh.txt"
expect fresh_region '^  blocks 0-127 +0x00000000-0x01ffffff +128 x 256 KiB \(2 devices x 128 KiB\)$' "$t/fresh.txt"
expect fresh_erased '^erased +128 blocks$' "$t/fresh.txt"
expect fresh_used '^used +0 blocks$' "$t/fresh.txt"
expect fresh_no_boot '^boot +no ' "$t/fresh.txt"
jq_is fresh_json '33554432 32 virt 2 128 0 262144 128 0 0 null' \
	'"\(.size) \(.mib) \(.part) \(.interleave) \(.blocks) \(.tail) \(.regions[0].block_size) \(.erased) \(.used) \(.used_ranges | length) \(.boot)"' \
	"$t/fresh.json"

# ---- OpenSBI + U-Boot (S-mode), packed
norvm flash pack "$t/sbi.img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
cp "$t/sbi.img" "$t/sbi.orig"
info sbi "$t/sbi.img"
# Raw binaries: sizes rounded up to 8 bytes, the first payload at 0x1000,
# each next one at the following 4 KiB boundary.
fw_size=$(stat -c %s "$FW_JUMP") ub_size=$(stat -c %s "$UBOOT_S")
fw_len=$(((fw_size + 7) / 8 * 8)) ub_len=$(((ub_size + 7) / 8 * 8))
fw_off=4096 ub_off=$(((4096 + fw_len + 4095) / 4096 * 4096))
padded() { cat "$1"; head -c $(($2 - $(stat -c %s "$1"))) /dev/zero; }
fw_crc=$(padded "$FW_JUMP" $fw_len | crc_of)
ub_crc=$(padded "$UBOOT_S" $ub_len | crc_of)
jq_is sbi_header '512 true 2147483648 M 33554432 2 null' \
	'.boot | "\(.header) \(.stage0.current) \(.entry) \(.mode) \(.clint) \(.count) \(.error)"' "$t/sbi.json"
jq_is sbi_payload0 "$fw_off $fw_len $((0x80000000)) $fw_crc" \
	'.boot.payloads[0] | "\(.offset) \(.size) \(.load) \(.crc32)"' "$t/sbi.json"
jq_is sbi_payload1 "$ub_off $ub_len $((0x80200000)) $ub_crc" \
	'.boot.payloads[1] | "\(.offset) \(.size) \(.load) \(.crc32)"' "$t/sbi.json"
# The bytes in the image at those places, not only the files.
same sbi_image_crc0 "$fw_crc" "$(tail -c +$((fw_off + 1)) "$t/sbi.img" | head -c $fw_len | crc_of)"
same sbi_image_crc1 "$ub_crc" "$(tail -c +$((ub_off + 1)) "$t/sbi.img" | head -c $ub_len | crc_of)"
host_blocks "$t/sbi.img" 128x262144
last=$(((ub_off + ub_len - 1) / 262144))
same sbi_used_host "0-$last@0+$(((last + 1) * 262144))" "$HOST_USED"
same sbi_used_json "$HOST_USED" "$(json_used "$t/sbi.json")"
jq_is sbi_counts "$HOST_ERASED $((128 - HOST_ERASED))" '"\(.erased) \(.used)"' "$t/sbi.json"
expect sbi_text_stage0 '^  stage-0 +0x00000000-0x000001ff \(this norvm.s\)$' "$t/sbi.txt"
expect sbi_text_mode '^  mode +M-mode firmware: .*CLINT at 0x2000000$' "$t/sbi.txt"
expect sbi_text_entry '^  entry +0x80000000$' "$t/sbi.txt"
expect sbi_text_payload1 "^  payload 1  flash $(printf '0x%08x-0x%08x  size 0x%x \\(%d\\)  load 0x80200000-0x%08x  crc32 %s' \
	$ub_off $((ub_off + ub_len - 1)) $ub_len $ub_len $((0x80200000 + ub_len - 1)) "$ub_crc")\$" "$t/sbi.txt"
expect sbi_text_used "^  blocks 0-$last +0x00000000-$(printf '0x%08x' $(((last + 1) * 262144 - 1)))" "$t/sbi.txt"

# U-Boot's own crc32 over the payloads in flash, after booting the image.
cmds="crc32 $(printf '0x%x 0x%x' $((0x20000000 + fw_off)) $fw_len)
crc32 $(printf '0x%x 0x%x' $((0x20000000 + ub_off)) $ub_len)
poweroff
"
run_guest "$t/boot.out" "$cmds" --flash "$t/sbi.img,readonly" --boot flash
expect_status uboot_boot_status 0 $?
same uboot_crc32_fw "${fw_crc#0x}" "$(grep -o '==> [0-9a-f]*' "$t/boot.out" | sed -n '1s/==> //p')"
same uboot_crc32_uboot "${ub_crc#0x}" "$(grep -o '==> [0-9a-f]*' "$t/boot.out" | sed -n '2s/==> //p')"

# ---- a kernel alone: an S-mode payload for KVM
norvm flash pack "$t/kvm.img" --kernel "$UBOOT_S" --size 4M
info kvm "$t/kvm.img"
jq_is kvm_boot "$((0x80200000)) S 0 1 4096 $ub_len $((0x80200000)) $ub_crc null" \
	'.boot | "\(.entry) \(.mode) \(.clint) \(.count) \(.payloads[0].offset) \(.payloads[0].size) \(.payloads[0].load) \(.payloads[0].crc32) \(.error)"' \
	"$t/kvm.json"
expect kvm_text_mode '^  mode +S-mode payload' "$t/kvm.txt"
host_blocks "$t/kvm.img" 16x262144
same kvm_used "$HOST_USED" "$(json_used "$t/kvm.json")"

# ---- boot-block parts: their erase regions, and used blocks inside them
norvm flash create "$t/b3.img" --part 28F320B3B
printf 'x' | dd of="$t/b3.img" bs=1 seek=$((0x6000 + 4095)) conv=notrunc status=none
printf 'y' | dd of="$t/b3.img" bs=1 seek=$((0x3ffff)) conv=notrunc status=none
printf 'z' | dd of="$t/b3.img" bs=1 seek=$((0x40000)) conv=notrunc status=none
info b3 "$t/b3.img" --part 28F320B3B
expect b3_blocks '^blocks +71 in 2 regions$' "$t/b3.txt"
expect b3_boot_region '^  blocks 0-7 +0x00000000-0x0000ffff +8 x 8 KiB$' "$t/b3.txt"
expect b3_main_region '^  blocks 8-70 +0x00010000-0x003fffff +63 x 64 KiB$' "$t/b3.txt"
jq_is b3_regions_json '0:8x8192@0 8:63x65536@65536' \
	'[.regions[] | "\(.first):\(.blocks)x\(.block_size)@\(.offset)"] | join(" ")' "$t/b3.json"
host_blocks "$t/b3.img" 8x8192 63x65536
same b3_used_host '3-3@24576+8192 10-11@196608+131072' "$HOST_USED"
same b3_used_json "$HOST_USED" "$(json_used "$t/b3.json")"
jq_is b3_counts '68 3' '"\(.erased) \(.used)"' "$t/b3.json"
expect b3_text_used '^  blocks 10-11 +0x00030000-0x0004ffff +128 KiB$' "$t/b3.txt"
# Top boot: the 8 KiB blocks at the end.
norvm flash create "$t/b3t.img" --part 28F320B3T
printf 'x' | dd of="$t/b3t.img" bs=1 seek=$((0x3fe000)) conv=notrunc status=none
info b3t "$t/b3t.img" --part 28f320b3t
expect b3t_boot_region '^  blocks 63-70 +0x003f0000-0x003fffff +8 x 8 KiB$' "$t/b3t.txt"
host_blocks "$t/b3t.img" 63x65536 8x8192
same b3t_used "$HOST_USED" "$(json_used "$t/b3t.json")"
same b3t_used_last '70-70@4186112+8192' "$HOST_USED"

# ---- an image that is not a whole number of blocks: a partial last one
head -c $((300 << 10)) /dev/zero | tr '\0' '\377' >"$t/odd.img"
printf 'q' | dd of="$t/odd.img" bs=1 seek=$((300 * 1024 - 1)) conv=notrunc status=none
info odd "$t/odd.img"
jq_is odd_json '2 45056 1 1 1-1@262144+45056' \
	'"\(.blocks) \(.tail) \(.erased) \(.used) \(.used_ranges[0] | "\(.first)-\(.first + .blocks - 1)@\(.offset)+\(.size)")"' \
	"$t/odd.json"
expect odd_text '^  block 1 +0x00040000-0x0004afff +a partial block of 44 KiB' "$t/odd.txt"

# ---- images U-Boot wrote: bank 0 (virt) and bank 1 (28F320B3B)
norvm flash create "$t/u0.img" --size 32M && norvm flash create "$t/u1.img" --part 28F320B3B
cmds='mw.b 0x80800000 0xa5 0x300
erase 0x20140000 +0x40000
cp.b 0x80800000 0x20140000 0x300
erase 0x21fc0000 +0x40000
cp.b 0x80800000 0x21ffff00 0x100
erase 0x22002000 +0x2000
cp.b 0x80800000 0x22002000 0x300
erase 0x22020000 +0x10000
cp.b 0x80800000 0x2202ff00 0x100
poweroff
'
run_guest "$t/u.out" "$cmds" --firmware "$UBOOT_M" --flash "$t/u0.img" \
	--flash "$t/u1.img,part=28F320B3B"
expect_status uboot_write_status 0 $?
same uboot_copies "4" "$(grep -c '^Copy to Flash\.\.\. *done' "$t/u.out")"
info u0 "$t/u0.img"
host_blocks "$t/u0.img" 128x262144
same u0_used_host "5-5@1310720+262144 127-127@33292288+262144" "$HOST_USED"
same u0_used_json "$HOST_USED" "$(json_used "$t/u0.json")"
jq_is u0_counts '126 2' '"\(.erased) \(.used)"' "$t/u0.json"
expect u0_text_block5 '^  block 5 +0x00140000-0x0017ffff +256 KiB$' "$t/u0.txt"
expect u0_text_block127 '^  block 127 +0x01fc0000-0x01ffffff +256 KiB$' "$t/u0.txt"
info u1 "$t/u1.img" --part 28F320B3B
host_blocks "$t/u1.img" 8x8192 63x65536
same u1_used_host "1-1@8192+8192 9-9@131072+65536" "$HOST_USED"
same u1_used_json "$HOST_USED" "$(json_used "$t/u1.json")"

# ---- an image in use: a running VM holds its lock; info only reads
cp "$t/u0.img" "$t/busy.img"
if hold_lock "$t/busy.img" --firmware "$UBOOT_M" --flash "$t/busy.img"; then
	info busy "$t/busy.img"
	jq_is busy_counts '126 2' '"\(.erased) \(.used)"' "$t/busy.json"
	image_locked "$t/busy.img" && echo "PASS busy_still_locked" ||
		echo "FAIL busy_still_locked: the VM lost its lock"
else
	echo "FAIL busy_runs: $HOLD_WHY"
fi
release_lock

# ---- damaged headers: the report, then one line on stderr, status 1
# damaged NAME PATTERN IMAGE: text and JSON both exit 1 with one stderr
# line matching PATTERN, and the JSON still parses with the error in it.
damaged() {
	local name=$1 pat=$2 img=$3 rc1 rc2
	norvm flash info "$img" >"$t/$name.txt" 2>"$t/$name.err"; rc1=$?
	norvm flash info "$img" --json >"$t/$name.json" 2>"$t/$name.jerr"; rc2=$?
	if [ $rc1 -ne 1 ] || [ $rc2 -ne 1 ]; then echo "FAIL $name: exit status $rc1/$rc2"
	elif [ "$(wc -l <"$t/$name.err")" -ne 1 ] || ! grep -Eq -- "^norvm: $pat" "$t/$name.err"; then
		echo "FAIL $name: stderr '$(head -c 300 "$t/$name.err")', expected /$pat/"
	elif ! cmp -s "$t/$name.err" "$t/$name.jerr"; then echo "FAIL $name: --json says otherwise"
	elif ! grep -q '^  damaged ' "$t/$name.txt"; then echo "FAIL $name: the report does not say"
	elif ! jq -e '.boot.error | type == "string"' "$t/$name.json" >/dev/null 2>&1; then
		echo "FAIL $name: no error in the JSON: $(head -c 300 "$t/$name.json")"
	else echo "PASS $name"; fi
}
put64() { printf "$(printf '\\x%02x' $(for i in 0 1 2 3 4 5 6 7; do echo $((($3 >> (8 * i)) & 255)); done))" |
	dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }
cp "$t/sbi.orig" "$t/many.img" && put64 "$t/many.img" 0x218 9
damaged damaged_count "[^ ]*many.img: damaged boot header: the header lists 9 payloads \(at most 4\)$" "$t/many.img"
jq_is damaged_count_json '9 0' '.boot | "\(.count) \(.payloads | length)"' "$t/damaged_count.json"
cp "$t/sbi.orig" "$t/out.img" && put64 "$t/out.img" 0x240 $((32 << 20))
damaged damaged_offset "[^ ]*out.img: damaged boot header: payload 1 \(flash 0x2000000, .*\) lies outside the 33554432-byte image$" "$t/out.img"
jq_is damaged_offset_json "$fw_crc null" '.boot.payloads | "\(.[0].crc32) \(.[1].crc32)"' "$t/damaged_offset.json"
expect damaged_offset_text '^  payload 1 .* outside the image$' "$t/damaged_offset.txt"
# A payload whose last byte is the image's last byte is inside (its bytes
# are read: the CRC, not the bounds, is what is wrong); one past is not.
cp "$t/sbi.orig" "$t/edge.img" && put64 "$t/edge.img" 0x240 $(((32 << 20) - ub_len))
damaged edge_inside "[^ ]*edge.img: damaged boot header: payload 1 has CRC-32 0x[0-9a-f]{8}, the header says $ub_crc$" "$t/edge.img"
put64 "$t/edge.img" 0x240 $(((32 << 20) - ub_len + 8))
damaged damaged_edge "[^ ]*edge.img: damaged boot header: payload 1 .* lies outside" "$t/edge.img"
# One flipped byte in a payload: its CRC says so.
cp "$t/sbi.orig" "$t/flip.img"
printf '\x5a' | dd of="$t/flip.img" bs=1 seek=$((fw_off + 100)) conv=notrunc status=none
damaged damaged_crc "[^ ]*flip.img: damaged boot header: payload 0 has CRC-32 0x[0-9a-f]{8}, the header says $fw_crc$" "$t/flip.img"

# ---- bad input: one line on stderr, nothing on stdout, 1 for the file, 2 for usage
# bad_info NAME STATUS PATTERN ARGS...
bad_info() {
	local name=$1 want=$2 pat=$3; shift 3
	BAD_STATUS=$want BAD_QUIET=1 bad "$name" "^norvm: $pat" flash info "$@"
}
: >"$t/empty.img"
mkdir "$t/dir"
printf 'x' >"$t/noperm.img" && chmod 000 "$t/noperm.img"
bad_info missing 1 '[^ ]*nope.img: cannot open: No such file' "$t/nope.img"
bad_info directory 1 '[^ ]*dir: is a directory' "$t/dir"
bad_info empty 1 '[^ ]*empty.img: the image is empty' "$t/empty.img"
bad_info not_regular 1 '/dev/null: not a regular file' /dev/null
# A huge sparse file is refused at once, not read for minutes.
truncate -s 1T "$t/huge.img"
NORVM_TIMEOUT=20 bad huge 1 '[^ ]*huge.img: 1099511627776 bytes, larger than any flash bank \(at most 64 MiB\)' "$t/huge.img"
rm -f "$t/huge.img"
if [ -r "$t/noperm.img" ]; then
	echo "SKIP unreadable: a mode 000 file is readable here (running as root)"
else
	bad_info unreadable 1 '[^ ]*noperm.img: cannot open: Permission denied' "$t/noperm.img"
fi
bad_info wrong_part_size 1 '[^ ]*fresh.img: size 33554432 bytes, but a bank of 28F320B3B is 4194304 bytes' \
	"$t/fresh.img" --part 28F320B3B
bad_info unknown_part 2 'flash info: --part S29XX: unknown part' "$t/fresh.img" --part S29XX
bad_info part_no_name 2 '--part needs an argument' "$t/fresh.img" --part
bad_info unknown_option 2 'unknown option --frob' "$t/fresh.img" --frob
bad_info no_file 2 'flash info: expected an image FILE' --json
bad_info extra_argument 2 "flash info: unexpected argument 'junk'" "$t/fresh.img" junk

# Looking never changes anything.
cmp -s "$t/fresh.img" "$t/fresh.orig" && cmp -s "$t/sbi.img" "$t/sbi.orig" &&
	echo "PASS images_untouched" || echo "FAIL images_untouched"
