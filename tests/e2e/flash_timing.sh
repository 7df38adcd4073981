#!/usr/bin/env bash
# The timing model (--flash FILE,timing=real): operations take the part's
# typical time in guest time.
# - A small M-mode guest (tests/guest/flash_suspend.S) erases a sector of
#   an S29GL256P, sees it busy through DQ6, suspends it, reads another
#   sector and the suspended one, resumes and polls to the end.
# - U-Boot's own polling loops see busy on an AMD bank and on an Intel one
#   (status and busy reads counted by --stats-json), and copy correctly;
#   without the timing model the same session never sees busy.
# - timing=real on the virtual clock (its default there), beside busy loops;
#   and the same run twice gives the same instructions and registers.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
norvm flash create "$t/s.img" --part S29GL256P
expect_status create_status 0 $?
head -c $((0x20000)) /dev/zero | dd of="$t/s.img" bs=1 seek=$((0x20000)) conv=notrunc status=none
printf '\x34\x12' | dd of="$t/s.img" bs=1 seek=$((0x40000)) conv=notrunc status=none
norvm flash create "$t/b0.img" --size 1M
NORVM_TIMEOUT=60 norvm run --firmware build/tests/guest/flash_suspend.elf \
	--flash "$t/b0.img,readonly" --flash "$t/s.img,part=S29GL256P,timing=real" \
	--stats-json "$t/g.json" >"$t/g.out" 2>&1 </dev/null
rc=$?
if [ $rc -eq 0 ]; then echo "PASS guest_suspend"; else
	echo "FAIL guest_suspend: exit status $rc (the failed check's number); $(tail -2 "$t/g.out")"; fi
[ "$(jq '.flash.flash1.suspends' "$t/g.json")" = 1 ] && echo "PASS guest_suspend_counted" ||
	echo "FAIL guest_suspend_counted: $(jq -c '.flash.flash1' "$t/g.json")"
cmp -s <(head -c $((0x40000)) "$t/s.img" | tail -c $((0x20000))) <(head -c $((0x20000)) /dev/zero | tr '\0' '\377') &&
	echo "PASS guest_sector_erased" || echo "FAIL guest_sector_erased"

cmds='mw.l 0x80800000 0x11223344 0x40
erase 0x20020000 +0x20000
cp.b 0x80800000 0x20020000 0x100
cmp.b 0x80800000 0x20020000 0x100
erase 0x22010000 +0x10000
cp.w 0x80800000 0x22010000 0x80
cmp.b 0x80800000 0x22010000 0x100
poweroff
'
# uboot NAME TIMING [ARGS...]: the session on fresh banks.
uboot() {
	local name=$1 timing=$2 n; shift 2
	rm -f "$t/a.img" "$t/b.img"
	norvm flash create "$t/a.img" --part S29GL256P && norvm flash create "$t/b.img" --part 28F320B3B
	run_guest "$t/u.$name" "$cmds" --firmware "$UBOOT_M" \
		--flash "$t/a.img,part=S29GL256P,timing=$timing" \
		--flash "$t/b.img,part=28F320B3B,timing=$timing" --stats-json "$t/$name.json" "$@"
	expect_status "uboot_${name}_status" 0 $?
	n=$(grep -c 'Total of 256 byte(s) were the same' "$t/u.$name")
	[ "$n" -eq 2 ] && echo "PASS uboot_${name}_cmp" || echo "FAIL uboot_${name}_cmp: $n of 2"
}
# timing=real runs on the virtual clock unless told otherwise.
uboot real real
uboot instant instant
amd=$(jq '.flash.flash0.busy_reads' "$t/real.json")
intel=$(jq '.flash.flash1.busy_reads' "$t/real.json")
# A sector erase takes 0.5 s (AMD) or 1 s (Intel) of guest time; U-Boot
# polls all along.
[ "$amd" -gt 1000 ] && [ "$intel" -gt 1000 ] && echo "PASS uboot_sees_busy (AMD $amd, Intel $intel polls)" ||
	echo "FAIL uboot_sees_busy: AMD $amd, Intel $intel busy reads"
z=$(jq '.flash.flash0.busy_reads + .flash.flash1.busy_reads' "$t/instant.json")
[ "$z" -eq 0 ] && echo "PASS instant_never_busy" || echo "FAIL instant_never_busy: $z busy reads"
# Mapping changes per programmed word: 2 with the timing model (the array
# leaves while the word programs), 0 without on AMD; 2 on Intel either way.
for f in "real 0 2" "instant 0 0" "real 1 2" "instant 1 2"; do
	set -- $f
	v=$(jq ".flash.flash$2.map_changes_per_word" "$t/$1.json")
	[ "$v" = "$3" ] && echo "PASS map_changes_per_word_$1_flash$2" ||
		echo "FAIL map_changes_per_word_$1_flash$2: $v, expected $3"
done

# On a busy host (three busy loops beside it, on two cores) the virtual
# clock keeps guest time to the guest's own pace: no U-Boot timeout can
# expire because norvm's thread was descheduled between two polls.
busy=()
for _ in 1 2 3; do (while :; do :; done) & busy+=($!); done
for i in 1 2; do uboot "busy$i" real --clock virtual; done
kill "${busy[@]}" 2>/dev/null
wait "${busy[@]}" 2>/dev/null
# A guest that takes no input runs the same, instruction for instruction,
# every time on the virtual clock: the suspend guest, twice.
for i in 1 2; do
	norvm flash create "$t/s$i.img" --part S29GL256P >/dev/null
	NORVM_TIMEOUT=60 norvm run --firmware build/tests/guest/flash_suspend.elf \
		--flash "$t/b0.img,readonly" --flash "$t/s$i.img,part=S29GL256P,timing=real" \
		--clock virtual --jit off --stats-json "$t/v$i.json" >/dev/null 2>&1 </dev/null
done
v1=$(jq -c '[.instructions, .flash.flash1.busy_reads, .harts[0].x]' "$t/v1.json")
v2=$(jq -c '[.instructions, .flash.flash1.busy_reads, .harts[0].x]' "$t/v2.json")
[ -n "$v1" ] && [ "$v1" = "$v2" ] && echo "PASS virtual_clock_reproducible" ||
	echo "FAIL virtual_clock_reproducible: $(head -c 120 <<<"$v1") vs $(head -c 120 <<<"$v2")"
