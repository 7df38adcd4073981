#!/usr/bin/env bash
# Linux on the flash: the Linux suite's FPU=n kernel and initramfs
# (tests/linux/, built by make linux-assets) on one hart with 256 MiB,
# OpenSBI's fw_jump first, two 32 MiB banks (QEMU virt's size), on norvm
# and on QEMU, alternated in each round.  /init (tests/linux/init.c) does
# what norvm.test= says, prints "@@" lines and powers off.
#   boot   norvm.test=boot: seconds from start to /init's first line, the
#          kernel's uptime there (guest time), seconds to the power-off
#   speed  norvm.test=mtd norvm.mtd=speedtest: mtd_speedtest over the whole
#          of bank 1, its KiB/s as the module logs them (it times itself
#          with ktime, which follows the host's clock on both)
#   long   (bench/linux.sh --long) mtd_torturetest, 200 erase cycles of
#          blocks 0-3, and mtd_stresstest, 2000 operations, on bank 1:
#          host seconds from /init loading each module to its result
# Every figure runs on both; none is n/a.  What QEMU 7.2's virt board
# needs to boot it the same way:
#   - given pflash unit 1 it loads no -kernel (it expects a payload in
#     bank 1), and given unit 0 its reset vector jumps to bank 0 instead of
#     -bios: the kernel and initrd are loaded with -device loader, and bank
#     0 (the same image on both) starts with a jump to 0x80000000, where
#     -bios put fw_jump, reached with the reset vector's a0/a1.  mtdparts
#     keeps that first block out of the file systems' way as a read-only
#     partition; norvm boots from RAM and never runs it.
#   - its device tree (dumpdtb, same -m and -smp) describes both banks as
#     one flash node, which Linux would concatenate into one MTD device:
#     it is split into two nodes as norvm's are, and /chosen gets norvm's
#     bootargs and initrd addresses (from norvm's --dump-dtb).
# Each run is bounded by BENCH_TIMEOUT (300 s unless set).
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
LONG=0
case ${1:-} in
--long) LONG=1 ;;
"") ;;
*) die "usage: bench/linux.sh [--long]" ;;
esac
need_cmd "$NORVM" "$QEMU" fdtget fdtput
L=build/linux
need "$FW_JUMP" $L/status
[ "$(cat $L/status)" = ok ] || die "$L: $(cat $L/status) (make linux-assets builds it)"
KERNEL=$L/Image-fpu-off
INITRD=$L/initramfs-fpu-off.cpio
need "$KERNEL" "$INITRD"
MTDPARTS='mtdparts=20000000.flash:256k(boot)ro,4m(jffs2),-(ubi)'
SPEEDS=("eraseblock write" "eraseblock read" "page write" "page read"
	"2 page write" "2 page read" "erase" "64x multi-block erase")
LONG_TESTS="torturetest stresstest"

steps_of() {	# KIND: what /init does
	case $1 in
	boot) echo norvm.test=boot ;;
	speed) echo norvm.test=mtd norvm.mtd=speedtest ;;
	long) echo norvm.test=mtd norvm.mtd=torturetest:eb=0:ebcnt=4:cycles_count=200,stresstest:count=2000 ;;
	esac
}

# Bank 0: erased but for li t0,1; slli t0,t0,31; jr t0 (to 0x80000000).
BANK0=$BENCH_TMP/bank0.img
"$NORVM" flash create "$BANK0" --size 32M
printf '\x93\x02\x10\x00\x93\x92\xf2\x01\x67\x80\x02\x00' |
	dd of="$BANK0" conv=notrunc status=none
BANK1=$BENCH_TMP/bank1.img
bank1() { rm -f "$BANK1"; "$NORVM" flash create "$BANK1" --size 32M; }
bank1

NORVM_ARGS=(-c 1 -m 256M --firmware "$FW_JUMP" --kernel "$KERNEL" --initrd "$INITRD"
	--flash "$BANK0,readonly" --flash "$BANK1")
QEMU_ARGS=(-M virt -m 256M -smp 1 -nographic -bios "$FW_JUMP")
append() { echo "console=ttyS0 quiet $(steps_of "$1") $MTDPARTS"; }

# qemu_dtb KIND: $BENCH_TMP/KIND.dtb, QEMU's device tree for that run.
qemu_dtb() {
	local n=$BENCH_TMP/norvm-$1.dtb q=$BENCH_TMP/$1.dtb b p
	"$NORVM" run "${NORVM_ARGS[@]}" --append "$(append "$1")" --dump-dtb "$n" >/dev/null
	"$QEMU" -M "virt,dumpdtb=$q" "${QEMU_ARGS[@]:2}" >/dev/null 2>&1
	[ -s "$q" ] || die "$QEMU wrote no device tree"
	fdtput -r "$q" /flash@20000000
	for b in 22000000 20000000; do	# each is added first: mtd0 is bank 0
		fdtput -c "$q" /flash@$b
		fdtput -t s "$q" /flash@$b compatible cfi-flash
		fdtput -t x "$q" /flash@$b reg 0 0x$b 0 0x2000000
		fdtput -t x "$q" /flash@$b bank-width 4
	done
	fdtput -t s "$q" /chosen bootargs "$(fdtget "$n" /chosen bootargs)"
	for p in linux,initrd-start linux,initrd-end; do
		fdtput -t x "$q" /chosen $p $(fdtget -t x "$n" /chosen $p)
	done
}
KINDS="boot speed"
[ $LONG = 0 ] || KINDS+=" long"
for k in $KINDS; do qemu_dtb "$k"; done
read -r hi lo <<<"$(fdtget -t x "$BENCH_TMP/norvm-boot.dtb" /chosen linux,initrd-start)"
QEMU_ARGS+=(-device "loader,file=$KERNEL,addr=0x80200000"
	-device "loader,file=$INITRD,addr=0x$(printf '%x' $((0x$hi << 32 | 0x$lo)))"
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$BANK0"
	-drive "if=pflash,format=raw,unit=1,file=$BANK1")

# passed OUT WHO: /init ran every step, on one hart, and none failed.
passed() {
	grep -Eq '^[0-9.]+ @@ init: start uptime [0-9.]+ harts 1$' "$1" &&
		grep -Eq '^[0-9.]+ @@ init: done ok [1-9][0-9]* fail 0$' "$1" ||
		die "round $ROUND: $2: /init did not succeed; its @@ lines:
$(grep ' @@ ' "$1" | tail -n 12 | sed -E 's/^[0-9.]+ /    | /')"
}

# figures KIND WHO OUT: the round's figures of a session.
figures() {
	local out=$3 s t k
	case $1 in
	boot)
		record "$2.init" "$(since "$out" '^[0-9.]+ @@ init: start')" "$2's output (/init's first line)"
		record "$2.uptime" "$(sed -En 's/^[0-9.]+ @@ init: start uptime ([0-9.]+) .*/\1/p' "$out")" \
			"$2's output (/init's uptime)"
		record "$2.off" "$SECS"
		note "round $ROUND/$RUNS: $2 boot: /init at $(last "$2.init" %.2f) s, off at $(last "$2.off" %.2f) s" ;;
	speed)
		grep -q '@@ kmsg mtd_speedtest: MTD device size 33554432, eraseblock size 262144,' "$out" ||
			die "round $ROUND: $2: mtd_speedtest did not run on a 32 MiB bank of 256 KiB blocks"
		for s in "${SPEEDS[@]}"; do
			record "$2.${s// /_}" "$(sed -En "s/^[0-9.]+ @@ kmsg mtd_speedtest: $s speed is ([0-9]+) KiB\/s$/\1/p" "$out")" \
				"$2's output ($s)"
		done
		note "round $ROUND/$RUNS: $2 speedtest: eraseblock write $(last "$2.eraseblock_write" %d) KiB/s" ;;
	long)
		grep -q '@@ kmsg mtd_torturetest: finished after 200 erase cycles' "$out" ||
			die "round $ROUND: $2: mtd_torturetest did not finish its 200 cycles"
		grep -q '@@ kmsg mtd_stresstest: finished, 2000 operations done' "$out" ||
			die "round $ROUND: $2: mtd_stresstest did not finish its 2000 operations"
		for t in $LONG_TESTS; do
			record "$2.$t" "$(elapsed "$out" "@@ info mtd_$t:" "@@ ok mtd_$t ")" "$2's output (mtd_$t)"
		done
		note "round $ROUND/$RUNS: $2 torturetest $(last "$2.torturetest" %.1f) s, stresstest $(last "$2.stresstest" %.1f) s" ;;
	esac
}
on_norvm() {	# KIND ROUND
	local out=$BENCH_TMP/norvm-$1.out
	bank1
	session "$out" '' "${NORVM_ARGS[@]}" --append "$(append "$1")"
	passed "$out" norvm
	figures "$1" "norvm" "$out"
}
on_qemu() {	# KIND ROUND
	local out=$BENCH_TMP/qemu-$1.out
	bank1
	session_cmd "$out" '' "$QEMU" "${QEMU_ARGS[@]}" -dtb "$BENCH_TMP/$1.dtb"
	passed "$out" qemu
	figures "$1" "qemu" "$out"
}
steps=()
for k in $KINDS; do steps+=("on_norvm $k" "on_qemu $k"); done
rounds "${steps[@]}"

QV=$("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
for f in init uptime off; do derive "ratio.$f" '$1 / $2' "norvm.$f" "qemu.$f"; done
table 'boot to /init, 1 hart' 'to /init s' 'uptime at /init s' 'to power-off s'
for w in norvm qemu; do
	row "$([ $w = qemu ] && echo "qemu $QV" || echo norvm)" "$(cell $w.init %.2f)" \
		"$(cell $w.uptime %.2f)" "$(cell $w.off %.2f)"
done
row "norvm/qemu time" "$(cell ratio.init %.2f)" "$(cell ratio.uptime %.2f)" "$(cell ratio.off %.2f)"
table_end
echo
table 'mtd_speedtest, bank 1 (32 MiB)' 'norvm KiB/s' "qemu $QV KiB/s" 'norvm/qemu speed'
for s in "${SPEEDS[@]}"; do
	k=${s// /_}
	derive "ratio.$k" '$1 / $2' "norvm.$k" "qemu.$k"
	row "$s" "$(cell "norvm.$k" int)" "$(cell "qemu.$k" int)" "$(cell "ratio.$k" %.2f)"
done
table_end
[ $LONG = 1 ] || exit 0
echo
table 'long MTD tests, bank 1' 'norvm s' "qemu $QV s" 'norvm/qemu time'
for t in $LONG_TESTS; do
	derive "ratio.$t" '$1 / $2' "norvm.$t" "qemu.$t"
	case $t in
	torturetest) what='mtd_torturetest, 200 cycles of 4 blocks' ;;
	stresstest) what='mtd_stresstest, 2000 operations' ;;
	esac
	row "$what" "$(cell "norvm.$t" %.1f)" "$(cell "qemu.$t" %.1f)" "$(cell "ratio.$t" %.2f)"
done
table_end
