#!/usr/bin/env bash
# A guest reset (U-Boot's `reset`, through the test device) restarts the
# board from power-on: U-Boot boots again and a later poweroff ends norvm
# with status 0.
. "$(dirname "$0")/lib.sh"
out=$E2E_TMP/out
run_guest "$out" 'reset\npoweroff\n' --firmware "$UBOOT_M"
expect_status poweroff_after_reset 0 $?
n=$(grep -c '^U-Boot 20' "$out")
if [ "$n" -eq 2 ]; then echo "PASS booted_twice"; else echo "FAIL booted_twice: $n banners"; fi
