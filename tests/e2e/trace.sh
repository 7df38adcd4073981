#!/usr/bin/env bash
# --trace and NORVM_TRACE: one stderr line per event, as many as the
# statistics count; the guest's own output is unchanged; a bad list is
# refused in one line.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP

norvm flash create "$t/f.img" --size 32M
run_guest "$t/plain" 'flinfo\npoweroff\n' --firmware "$UBOOT_M" --flash "$t/f.img"
expect_status plain_status 0 $?
printf 'flinfo\npoweroff\n' | norvm run --firmware "$UBOOT_M" --flash "$t/f.img" \
	--trace map,flash --stats-json "$t/f.json" >"$t/traced" 2>"$t/f.err"
expect_status traced_status 0 $?
grep -v '^trace: ' "$t/f.err" >"$t/f.other"
check only_trace_lines '[ ! -s "$t/f.other" ]' "other stderr: $(head -c 200 "$t/f.other")"
# U-Boot's output is the same with tracing on (the banner's timing aside).
grep -E '^(Bank|  |=>)' "$t/plain" | tr -d '\r' >"$t/plain.f"
grep -E '^(Bank|  |=>)' "$t/traced" | tr -d '\r' >"$t/traced.f"
check same_guest_output '[ -s "$t/plain.f" ] && cmp -s "$t/plain.f" "$t/traced.f"' \
	"$(diff "$t/plain.f" "$t/traced.f" | head -5)"
maps=$(grep -c '^trace: [0-9.]* map flash0 mapped$' "$t/f.err")
unmaps=$(grep -c '^trace: [0-9.]* map flash0 unmapped$' "$t/f.err")
check map_lines_counted '[ "$maps" = "$(jq .flash.flash0.maps "$t/f.json")" ]' \
	"$maps mapped lines, stats $(jq .flash.flash0.maps "$t/f.json")"
check unmap_lines_counted '[ "$unmaps" -gt 0 ] && [ "$unmaps" = "$(jq .flash.flash0.unmaps "$t/f.json")" ]' \
	"$unmaps unmapped lines, stats $(jq .flash.flash0.unmaps "$t/f.json")"
cycles=$(grep -c '^trace: [0-9.]* flash flash0 cycle ' "$t/f.err")
check cycle_lines_counted '[ "$cycles" -gt 0 ] && [ "$cycles" -ge "$(jq .flash.flash0.writes "$t/f.json")" ]' \
	"$cycles cycle lines, $(jq .flash.flash0.writes "$t/f.json") writes"
expect query_command '^trace: [0-9.]* flash flash0 cycle \+0x[0-9a-f]+ [0-9] 0x(98)+ -> query$' "$t/f.err"
check times_in_order 'awk "{ if (\$2 < last) exit 1; last = \$2 }" "$t/f.err"' "times go back"

# NORVM_TRACE=mmio: one line per exit the statistics count.
printf 'poweroff\n' | NORVM_TRACE=mmio norvm run --firmware "$UBOOT_M" \
	--stats-json "$t/m.json" >/dev/null 2>"$t/m.err"
expect_status env_status 0 $?
lines=$(grep -c '^trace: [0-9.]* mmio ' "$t/m.err")
check mmio_lines_counted '[ "$lines" = "$(jq ".exits.reads + .exits.writes + .exits.fetches" "$t/m.json")" ]' \
	"$lines lines, exits $(jq -c .exits "$t/m.json")"
expect mmio_uart_write '^trace: [0-9.]* mmio uart write \+0x0 1 0x' "$t/m.err"

bad unknown_kind "^norvm: --trace bogus: unknown kind 'bogus'" run --trace bogus --firmware "$UBOOT_M"
NORVM_TRACE=map,, NORVM_TIMEOUT=30 norvm run --firmware "$UBOOT_M" </dev/null >"$t/o" 2>"$t/e"
refusal env_empty_kind "^norvm: --trace map,,: unknown kind ''" $? "$t/e"
