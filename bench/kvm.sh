#!/usr/bin/env bash
# KVM next to the built-in CPU: exits per U-Boot boot, the cost of one MMIO
# exit and of one flash mapping change.  KVM runs nested (Linux KVM inside
# qemu-system-riscv64's TCG emulation of the hypervisor extension, see
# tests/e2e/kvm.sh), so its times say nothing about real hardware: only
# the exit counts and the ratios within one column mean something.
#
# Each figure is measured three times (tests/kvm/bench-steps inside QEMU,
# the same runs on the built-in CPU here); the table gives the median and,
# in brackets, the minimum and maximum.
#   exits        MMIO exits of S-mode U-Boot booting to its prompt and
#                powering off (on the built-in CPU under OpenSBI, whose own
#                exits count too), from RAM, and executing in place from
#                a flash image made by `norvm flash pack`
#   exit µs      one MMIO exit: a load from flash in read-status mode,
#                timed by the guest (tests/kvm/guest/exit_cost.S)
#   change µs    one flash mapping change: the slot removed or added, and
#                on KVM the stage-2 fault that maps the page again; a
#                status/array round trip minus its three exits, halved
set -eu
. "$(dirname "$0")/lib.sh"
QEMU=${QEMU:-qemu-system-riscv64}
K=build/kvm
TICK_US=0.1	# the time CSR: 10 MHz on norvm's board and on QEMU virt

die() { echo "bench/kvm.sh: $*" >&2; exit 1; }

echo quit | $QEMU -M virt -cpu rv64,h=true -bios none -nodefaults -display none -S \
	-monitor stdio >/dev/null 2>&1 || die "$QEMU has no hypervisor extension: no KVM figures"
tests/kvm/build-assets >"$BENCH_TMP/build.log" 2>&1 ||
	{ tail -n 20 "$BENCH_TMP/build.log" >&2; die "tests/kvm/build-assets failed"; }

timeout 1200 $QEMU -M virt -cpu rv64,h=true -smp 2 -m 1G -nographic -no-reboot \
	-bios "$FW_JUMP" -kernel $K/Image -initrd $K/bench.cpio -append console=ttyS0 \
	</dev/null 2>&1 | tr -d '\r' >"$BENCH_TMP/console" || die "QEMU failed"
con=$BENCH_TMP/console
grep -q '^@@ init: done$' "$con" || die "the nested run did not finish (see $con)"

# kvm_json NAME: the stats JSON /init printed for run NAME.
kvm_json() {
	sed -n "\\|^@@ cat /tmp/$1.json\$|,\\|^@@ eof /tmp/$1.json|p" "$con" | sed '1d;$d'
}
exits() { jq -e '.exits.reads + .exits.writes + .exits.fetches' || die "no exit counts for $1"; }
# costs FILE: "exit_us change_us" from the guest's three lines.
costs() {
	local ram exits toggles
	ram=$(awk '$1 == "ram" { print $2, $3 }' "$1")
	exits=$(awk '$1 == "exits" { print $2, $3 }' "$1")
	toggles=$(awk '$1 == "toggles" { print $2, $3 }' "$1")
	[ -n "$ram" ] && [ -n "$exits" ] && [ -n "$toggles" ] || die "no timings in $1"
	set -- $ram $exits $toggles
	awk -v n=$(($1)) -v r=$(($2)) -v ne=$(($3)) -v e=$(($4)) -v nt=$(($5)) -v tt=$(($6)) \
		-v tick=$TICK_US 'BEGIN {
		exit_us = (e / ne - r / n) * tick
		printf "%.3f %.3f\n", exit_us, (tt / nt * tick - 3 * exit_us) / 2 }'
}
# stat: median (min-max) of the numbers on stdin, one per line.
stat() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR != 3) exit 1
		printf "%s (%s-%s)\n", v[2], v[1], v[3] }' || die "$1: not three measurements"
}

for i in 1 2 3; do
	grep -q "^@@ end cost_$i status 0 " "$con" || die "KVM run cost_$i failed"
	sed -n "/^@@ begin cost_$i\$/,/^@@ end cost_$i /p" "$con" >"$BENCH_TMP/cost.kvm"
	costs "$BENCH_TMP/cost.kvm" >>"$BENCH_TMP/kvm.costs"
	for b in ram flash; do
		kvm_json ${b}_$i | exits "KVM ${b}_$i" >>"$BENCH_TMP/kvm.$b"
	done

	cp $K/status-flash.img "$BENCH_TMP/cost.img"
	timeout 300 "$NORVM" run --firmware "$FW_JUMP" --kernel $K/exit_cost.elf \
		--flash "$BENCH_TMP/cost.img" </dev/null 2>&1 | tr -d '\r' >"$BENCH_TMP/cost.soft"
	costs "$BENCH_TMP/cost.soft" >>"$BENCH_TMP/soft.costs"
	rm -f "$BENCH_TMP/bank.img" "$BENCH_TMP/boot.img"
	"$NORVM" flash create "$BENCH_TMP/bank.img" --size 32M
	"$NORVM" flash pack "$BENCH_TMP/boot.img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
	session "$BENCH_TMP/ram.out" 'poweroff\n' --firmware "$FW_JUMP" --kernel "$UBOOT_S" \
		--flash "$BENCH_TMP/bank.img" --stats-json "$BENCH_TMP/ram.json"
	exits "soft ram" <"$BENCH_TMP/ram.json" >>"$BENCH_TMP/soft.ram"
	session "$BENCH_TMP/flash.out" 'poweroff\n' --flash "$BENCH_TMP/boot.img" --boot flash \
		--stats-json "$BENCH_TMP/flash.json"
	exits "soft flash" <"$BENCH_TMP/flash.json" >>"$BENCH_TMP/soft.flash"
done
row() {	# MEASURE KEY: the table row for one measure
	local k s
	if [ "$2" = exit ] || [ "$2" = change ]; then
		col=$([ "$2" = exit ] && echo 1 || echo 2)
		k=$(cut -d' ' -f$col "$BENCH_TMP/kvm.costs" | stat "KVM $2")
		s=$(cut -d' ' -f$col "$BENCH_TMP/soft.costs" | stat "built-in $2")
	else
		k=$(stat "KVM $2" <"$BENCH_TMP/kvm.$2")
		s=$(stat "built-in $2" <"$BENCH_TMP/soft.$2")
	fi
	printf '| %s | %s | %s |\n' "$1" "$k" "$s"
}
printf '| measure (median, min-max of 3) | KVM (nested, TCG) | built-in CPU |\n'
printf '|---|---:|---:|\n'
row 'exits, U-Boot from RAM to prompt + poweroff' ram
row 'exits, the same executing in place from flash' flash
row 'µs per MMIO exit' exit
row 'µs per flash mapping change' change
