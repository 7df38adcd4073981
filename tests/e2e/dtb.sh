#!/usr/bin/env bash
# --dump-dtb writes the tree the guest gets; dtc accepts it, and it lists
# the devices that exist.
. "$(dirname "$0")/lib.sh"
dtb=$E2E_TMP/virt.dtb
norvm run -c 2 -m 512M --append "console=ttyS0" --dump-dtb "$dtb"
expect_status dump_status 0 $?
if dtc -I dtb -O dts -o "$E2E_TMP/virt.dts" "$dtb" 2>"$E2E_TMP/dtc.err"; then
	echo "PASS dtc_accepts"
else
	echo "FAIL dtc_accepts: $(head -3 "$E2E_TMP/dtc.err")"
fi
dts=$E2E_TMP/virt.dts
expect memory 'reg = <0x00 0x80000000 0x00 0x20000000>' "$dts"
expect cpu0 'cpu@0 \{' "$dts"
expect cpu1 'cpu@1 \{' "$dts"
expect isa 'riscv,isa = "rv64imafdc_zicsr_zifencei"' "$dts"
expect uart 'serial@10000000' "$dts"
expect clint 'clint@2000000' "$dts"
expect plic 'plic@c000000' "$dts"
expect test_dev 'sifive,test0' "$dts"
expect poweroff 'syscon-poweroff' "$dts"
expect reboot 'syscon-reboot' "$dts"
expect bootargs 'bootargs = "console=ttyS0"' "$dts"
expect timebase 'timebase-frequency = <0x989680>' "$dts"
