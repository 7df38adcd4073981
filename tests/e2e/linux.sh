#!/usr/bin/env bash
# Linux on norvm: OpenSBI (fw_jump) and a Linux 6.1 built from Debian's
# linux-source-6.1 with the flash drivers, the MTD test modules, JFFS2 and
# UBIFS (tests/linux/), booted with an initramfs whose /init
# (tests/linux/init.c) does what norvm.test= on the command line says and
# powers off.  Bank 0 (16 MiB) is split by mtdparts= into a JFFS2 and a UBI
# partition; bank 1 (4 MiB) is the MTD tests' device.  Every boot must end
# by Linux's own power-off with status 0, and its exit statistics must show
# the flash array mapped: no trapped read in read-array mode, every unmap
# matched by a map, none refused.
#
# tests/linux/build-assets builds the kernels (FPU=n and FPU=y) and the
# initramfs before the tests run (make check does); the console of each
# boot is left in build/linux/console/.
. "$(dirname "$0")/lib.sh"
L=build/linux
t=$E2E_TMP
CON=$L/console
MTDPARTS='mtdparts=20000000.flash:4m(jffs2),-(ubi)'
# A boot takes seconds (tens under the sanitizers); a hang ends here.
export NORVM_TIMEOUT=${LINUX_TIMEOUT:-150}

status=$(cat $L/status 2>/dev/null) ||
	status="fail: $L/status missing (make check runs tests/linux/build-assets)"
case $status in
ok) ;;
skip*)
	echo "SKIP linux: ${status#skip: }"
	exit 0 ;;
*)
	echo "FAIL build_assets: ${status#fail: }"
	tail -n 20 $L/build.log 2>/dev/null | sed 's/^/    | /'
	exit 1 ;;
esac
rm -rf $CON
mkdir -p $CON

# region IMAGE OFFSET SIZE: sha256 of SIZE bytes at OFFSET (both in KiB).
region() { dd if="$1" bs=1K skip="$2" count="$3" status=none | sha256sum | cut -c1-64; }
payload_crc=$(host_crc $L/payload)

# boot NAME VARIANT HARTS STEPS [NORVM ARGS...]: boot Linux (VARIANT
# fpu-off or fpu-on) with norvm.test=STEPS; the console is NAME.out, the
# statistics NAME.json, the exit status NAME.rc.  Prints the end of the
# console when the boot failed, for whoever reads the test's output.
boot() {
	local name=$1 variant=$2 harts=$3 steps=$4; shift 4
	local append="console=ttyS0 quiet norvm.test=$steps $MTDPARTS $LINUX_APPEND"
	norvm run -c "$harts" --firmware "$FW_JUMP" --kernel $L/Image-$variant \
		--initrd $L/initramfs-$variant.cpio --append "$append" \
		--stats-json "$t/$name.json" "$@" </dev/null >"$t/$name.raw" 2>&1
	echo $? >"$t/$name.rc"
	tr -d '\r' <"$t/$name.raw" >"$CON/$name.out"
	if [ "$(cat "$t/$name.rc")" != 0 ] || grep -q '^@@ fail' "$CON/$name.out"; then
		echo "    | $name: exit status $(cat "$t/$name.rc"); console ends:"
		tail -n 15 "$CON/$name.out" | sed 's/^/    | /'
	fi
}
LINUX_APPEND=

# booted NAME HARTS: Linux reached /init with HARTS harts, every step it
# ran succeeded, and its power-off ended norvm with status 0.
booted() {
	local out=$CON/$1.out
	expect "$1_init" "^@@ init: start uptime [0-9.]+ harts $2\$" "$out"
	expect "$1_steps" '^@@ init: done ok [1-9][0-9]* fail 0$' "$out"
	expect_status "$1_poweroff_status" 0 "$(cat "$t/$1.rc")"
	local u=$(jq -r .unclaimed "$t/$1.json" 2>/dev/null)
	check "$1_no_unclaimed_access" '[ "$u" = 0 ]' "$u accesses to no device"
}

# ok NAME STEP [DETAIL_RE]: /init printed "@@ ok STEP DETAIL".
ok() { expect "$1_$2" "^@@ ok $2${3:+ $3}\$" "$CON/$1.out"; }

# fstat NAME BANK JQ: a number from the boot's statistics for flash BANK.
fstat() { jq -r ".flash.flash$2 | $3" "$t/$1.json" 2>/dev/null; }

# mapped NAME BANK...: the statistics of a mapped boot: no read trapped in
# read-array mode, the array mapped again after every unmap (Linux leaves
# the flash in read-array mode on power-off), no mapping change refused.
mapped() {
	local name=$1 b a m u e; shift
	for b; do
		a=$(fstat "$name" "$b" .reads.array) m=$(fstat "$name" "$b" .maps)
		u=$(fstat "$name" "$b" .unmaps) e=$(fstat "$name" "$b" .map_errors)
		check "${name}_bank${b}_array_reads" '[ "$a" = 0 ]' \
			"$a reads trapped in read-array mode, expected none while mapped"
		check "${name}_bank${b}_mapping_changes" \
			'[ -n "$m" ] && [ "$m" -gt 1 ] && [ "$m" = "$((u + 1))" ] && [ "$e" = 0 ]' \
			"maps $m, unmaps $u, refused $e: expected maps = unmaps + 1 > 1 and none refused"
	done
}

# writes NAME BANK: programs and erases reached the bank; unwritten NAME
# BANK: none did (a read-only boot).
writes() {
	local e=$(fstat "$1" "$2" .commands.erase)
	local p=$(fstat "$1" "$2" '.commands.program + .commands.buffered_program')
	check "$1_bank$2_written" '[ -n "$e" ] && [ "$e" -gt 0 ] && [ "$p" -gt 0 ]' \
		"erase $e, program $p: expected both"
}
unwritten() {
	local c=$(fstat "$1" "$2" '.commands.erase + .commands.program + .commands.buffered_program')
	check "$1_bank$2_unwritten" '[ "$c" = 0 ]' "$c erase or program commands in a read-only boot"
}

# --- /init itself -------------------------------------------------------
# The FPU=n kernel never turns the FPU on: its /init must hold no F or D
# instruction.  The rv64gc one does hold some, so the search finds them.
fp_insns() {
	riscv64-linux-gnu-objdump -d "$1" |
		awk -F'\t' 'NF >= 3 && $3 ~ /^f/ && $3 !~ /^fence/ { n++ } END { print n + 0 }'
}
n_off=$(fp_insns $L/init-fpu-off) n_on=$(fp_insns $L/init-fpu-on)
check init_fpu_off_has_no_fp '[ "$n_off" = 0 ]' "$n_off F/D instructions in the rv64imac /init"
check init_fpu_on_has_fp '[ "$n_on" -gt 0 ]' "no F/D instruction found in the rv64gc /init"

# --- One hart: the MTD tests on bank 1 -----------------------------------
erased "$t/bank0.img" 16M
erased "$t/bank1.img" 4M
boot mtd fpu-off 1 boot,mtd --flash "$t/bank0.img" --flash "$t/bank1.img"
booted mtd 1
ok mtd cpus_online 0
ok mtd mtd_test
ok mtd mtd_readtest 'dev=2'
ok mtd mtd_torturetest 'dev=2 .*cycles_count=.*'
ok mtd mtd_stresstest 'dev=2 .*count=.*'
expect mtd_torture_cycles '^@@ kmsg mtd_torturetest: finished after [1-9][0-9]* erase cycles' $CON/mtd.out
mapped mtd 0 1
writes mtd 1
unwritten mtd 0

# --- The MTD tests on an AMD part with boot blocks -----------------------
# Bank 1 an Am29LV320DB (AMD command set, 8 x 8 KiB boot blocks then 63 x
# 64 KiB): Linux's cfi_cmdset_0002 drives it, erase regions and all.
# Linux's AMD driver waits for the part's CFI typical times whatever the
# device does: msleep(erase_time / 2) before it polls an erase (512 ms
# here) and udelay(word_write_time) after every word (8 us), and it never
# uses the write buffer on this part.  With count=200 the stresstest
# makes about 120 erases and 2.6 million word programs: over 80 s of the
# guest's own sleeping even with instant operations, past the timeout.
# A smaller count exercises the same paths.
erased "$t/amd.img" 4M
LINUX_APPEND="norvm.mtd=readtest,torturetest:eb=0:ebcnt=4:cycles_count=2,stresstest:count=30"
boot mtd_amd fpu-off 1 boot,mtd --flash "$t/bank0.img" --flash "$t/amd.img,part=Am29LV320DB"
LINUX_APPEND=
booted mtd_amd 1
ok mtd_amd mtd_readtest 'dev=2'
ok mtd_amd mtd_torturetest 'dev=2 .*cycles_count=.*'
ok mtd_amd mtd_stresstest 'dev=2 .*count=.*'
mapped mtd_amd 0
# Bank 1: the array stays mapped through unlock cycles and programs, but a
# sector erase (AA 55 80 AA 55 30) leaves the accept window open, unmapped,
# until the next read (timing instant); that read, Linux's first poll,
# starts and completes the erase and is answered with the erased data.
# So exactly one trapped array-mode read per erase, and no other.
a=$(fstat mtd_amd 1 .reads.array) e=$(fstat mtd_amd 1 .erases)
m=$(fstat mtd_amd 1 .maps) u=$(fstat mtd_amd 1 .unmaps) x=$(fstat mtd_amd 1 .map_errors)
check mtd_amd_bank1_array_reads '[ -n "$a" ] && [ "$a" = "$e" ]' \
	"$a reads trapped in read-array mode, expected one per erase ($e)"
check mtd_amd_bank1_mapping_changes \
	'[ -n "$m" ] && [ "$m" -gt 1 ] && [ "$m" = "$((u + 1))" ] && [ "$x" = 0 ]' \
	"maps $m, unmaps $u, refused $x: expected maps = unmaps + 1 > 1 and none refused"
e=$(fstat mtd_amd 1 '.commands.sector_erase') p=$(fstat mtd_amd 1 '.commands.program + .commands.write_buffer')
check mtd_amd_bank1_written '[ -n "$e" ] && [ "$e" -gt 0 ] && [ "$p" -gt 0 ]' \
	"sector erase $e, program $p: expected both through the AMD command set"
unwritten mtd_amd 0

# The same read test with every flash access trapped: the statistics tell
# the two apart, and Linux cannot.
erased "$t/bank1.img" 4M
LINUX_APPEND="norvm.mtd=readtest"
boot unmapped fpu-off 1 mtd --flash "$t/bank0.img" --flash "$t/bank1.img" --flash-map=off
LINUX_APPEND=
booted unmapped 1
ok unmapped mtd_readtest 'dev=2'
a=$(fstat unmapped 1 .reads.array) m=$(fstat unmapped 1 .maps)
check unmapped_bank1_array_reads_trapped '[ -n "$a" ] && [ "$a" -ge $((4 * 1024 * 1024 / 8)) ] && [ "$m" = 0 ]' \
	"$a trapped array reads, $m maps: expected the whole 4 MiB read through traps, nothing mapped"

# --- Two harts: JFFS2, written then read in a second boot ----------------
erased "$t/fs.img" 16M
boot jffs2_write fpu-off 2 jffs2-write --flash "$t/fs.img"
booted jffs2_write 2
ok jffs2_write jffs2_mount mtd0
ok jffs2_write jffs2_write
ok jffs2_write jffs2_verify "crc32 $payload_crc bytes 204800 files 24"
mapped jffs2_write 0
writes jffs2_write 0
# In the file: JFFS2's nodes inside its partition (the magic 0x1985 at a
# 4-byte boundary, a node type JFFS2 writes, a length that fits): at least
# one per file written.  Where the first node lands is JFFS2's choice, so
# only that they are there is checked; and the UBI partition after it
# untouched.
nodes=$(head -c 4M "$t/fs.img" | perl -0777 -ne '
	my $n = 0;
	while (/\x85\x19(\x01\xe0|\x02\xe0|\x03\x20|\x04\x20|\x06\x20)(....)/gs) {
		my $at = $-[0]; my $len = unpack("V", $2);
		$n++ if $at % 4 == 0 && $len >= 12 && $at + $len <= 4 << 20;
	}
	print $n')
check jffs2_write_nodes '[ "${nodes:-0}" -ge 24 ]' "${nodes:-no} JFFS2 nodes in the partition, expected one per file (24) or more"
erased "$t/erased12m" 12M
check jffs2_write_partition_bound '[ "$(region "$t/fs.img" 4096 12288)" = "$(sha256sum <"$t/erased12m" | cut -c1-64)" ]' \
	"JFFS2 wrote past its 4 MiB partition"
jffs2_sum=$(sha256sum <"$t/fs.img")

boot jffs2_read fpu-off 2 jffs2-read --flash "$t/fs.img"
booted jffs2_read 2
ok jffs2_read jffs2_mount_ro mtd0
ok jffs2_read jffs2_verify_ro "crc32 $payload_crc bytes 204800 files 24"
mapped jffs2_read 0
unwritten jffs2_read 0
check jffs2_read_image_unchanged '[ "$(sha256sum <"$t/fs.img")" = "$jffs2_sum" ]' \
	"the read-only boot changed the image"

# --- Power cuts: JFFS2 written while the power fails ----------------------
# The same write boot, cut at a quarter, a half and three quarters of the
# program and erase operations the whole write took above
# (--flash IMG,powercut=N stops the VM with status 99 mid-operation, the
# operation left partial).  JFFS2 is made to survive that: the damaged
# image must mount read-only, and a boot that writes it again must mount
# it, write every file and read them all back.
ops=$(fstat jffs2_write 0 .operations)
for q in 1 2 3; do
	n=$((ops * q / 4)) c=cut$q
	erased "$t/cut.img" 16M
	boot ${c}_write fpu-off 2 jffs2-write --flash "$t/cut.img,powercut=$n" 2>/dev/null
	expect_status ${c}_write_status 99 "$(cat "$t/${c}_write.rc")"
	expect ${c}_write_cut "power cut during operation $n," "$CON/${c}_write.out"
	boot ${c}_mount fpu-off 2 jffs2-read --flash "$t/cut.img" 2>/dev/null
	expect_status ${c}_mount_poweroff_status 0 "$(cat "$t/${c}_mount.rc")"
	ok ${c}_mount jffs2_mount_ro mtd0
	boot ${c}_rewrite fpu-off 2 jffs2-write --flash "$t/cut.img"
	booted ${c}_rewrite 2
	ok ${c}_rewrite jffs2_verify "crc32 $payload_crc bytes 204800 files 24"
done

# --- Two harts: UBI and UBIFS on the second partition ---------------------
jffs2_part=$(region "$t/fs.img" 0 4096)
boot ubifs_write fpu-off 2 ubifs-write --flash "$t/fs.img"
booted ubifs_write 2
ok ubifs_write ubi_attach
ok ubifs_write ubi_mkvol 'lebs [0-9]+ leb_size [0-9]+'
ok ubifs_write ubifs_mount 'ubi0:data'
ok ubifs_write ubifs_write
ok ubifs_write ubifs_verify "crc32 $payload_crc bytes 204800 files 24"
mapped ubifs_write 0
writes ubifs_write 0
magic=$(dd if="$t/fs.img" bs=1K skip=4096 count=1 status=none | head -c 4)
check ubifs_write_ec_header '[ "$magic" = "UBI#" ]' "the UBI partition starts with '$magic', not UBI#"
check ubifs_write_partition_bound '[ "$(region "$t/fs.img" 0 4096)" = "$jffs2_part" ]' \
	"UBI changed the JFFS2 partition"
ubi_sum=$(sha256sum <"$t/fs.img")

boot ubifs_read fpu-off 2 ubifs-read --flash "$t/fs.img"
booted ubifs_read 2
ok ubifs_read ubi_attach
ok ubifs_read ubifs_mount_ro 'ubi0:data'
ok ubifs_read ubifs_verify_ro "crc32 $payload_crc bytes 204800 files 24"
mapped ubifs_read 0
unwritten ubifs_read 0
check ubifs_read_image_unchanged '[ "$(sha256sum <"$t/fs.img")" = "$ubi_sum" ]' \
	"the read-only boot changed the image"

# --- Four harts ------------------------------------------------------------
boot smp4 fpu-off 4 boot,jffs2-read --flash "$t/fs.img"
booted smp4 4
ok smp4 cpus_online 0-3
ok smp4 jffs2_verify_ro "crc32 $payload_crc bytes 204800 files 24"
mapped smp4 0 1

# --- FPU=y: an rv64gc /init, its FP results against the host's -----------
rounds=20000
LINUX_APPEND="norvm.fpu=$rounds norvm.mtd=readtest"
boot fpu fpu-on 2 boot,fpu,jffs2-read,ubifs-read,mtd --flash "$t/fs.img"
LINUX_APPEND=
booted fpu 2
ok fpu hwcap '[a-z]*d[a-z]*f[a-z]*'
ok fpu cpuinfo_isa 'rv64imafdc.*'
ok fpu fpu
ok fpu jffs2_verify_ro "crc32 $payload_crc bytes 204800 files 24"
ok fpu ubifs_verify_ro "crc32 $payload_crc bytes 204800 files 24"
ok fpu mtd_readtest 'dev=2'
mapped fpu 0 1
unwritten fpu 0
for who in "parent 1" "child 2"; do
	set -- $who
	want=$($L/fpcheck "$2" $rounds)
	got=$(sed -n "s/^@@ fp $1 //p" $CON/fpu.out)
	check "fpu_$1_result" '[ -n "$got" ] && [ "$got" = "$want" ]' \
		"the guest computed '$got', the host '$want' (seed rounds bits)"
done
