#!/usr/bin/env bash
# Linux's way out: an S-mode payload (tests/sbi/srst.S) calls the SBI system
# reset extension, which OpenSBI fw_jump carries out with 16-bit stores to
# the SiFive test device.  Shutdown ends norvm with 0, shutdown for a
# system failure with non-zero, and a cold or warm reboot restarts the
# board (OpenSBI and the payload run again).
. "$(dirname "$0")/lib.sh"
payload=build/tests/sbi/srst.elf
out=$E2E_TMP/out
# srst INPUT: boot the payload with INPUT typed; the boots take a second.
srst() {
	printf '%s' "$1" | timeout 60 "$NORVM" run --firmware "$FW_JUMP" \
		--kernel "$payload" >"$out" 2>&1
}

srst p
expect_status shutdown_status 0 $?
expect shutdown_requested '^srst: p' "$out"

srst f
rc=$?
if [ $rc -ne 0 ] && [ $rc -lt 124 ]; then echo "PASS failure_status ($rc)"; else
	echo "FAIL failure_status: exit status $rc, expected a failure (1..123)"; fi
expect failure_requested '^srst: f' "$out"

# One command byte per boot: cold reboot, warm reboot, then shutdown.
srst cwp
expect_status reboot_then_shutdown_status 0 $?
got=$(grep '^srst: [cwp]$' "$out" | tr -d '\r' | cut -c7- | tr -d '\n')
if [ "$got" = cwp ]; then echo "PASS reboots_cold_warm"; else
	echo "FAIL reboots_cold_warm: requests seen '$got', expected 'cwp'"; fi
n=$(grep -c 'OpenSBI v[0-9]' "$out")
if [ "$n" -eq 3 ]; then echo "PASS booted_three_times"; else
	echo "FAIL booted_three_times: $n OpenSBI banners"; fi
