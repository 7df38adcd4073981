#!/usr/bin/env bash
# The code generator as a user meets it: on by default, --jit off runs the
# interpreter alone, the code buffer is never writable and executable at
# once, a buffer small enough to be emptied over and over changes nothing
# a guest can see, and bad --jit options are refused in one line.
. "$(dirname "$0")/lib.sh"
unset NORVM_JIT		# the defaults are what this test is about
if [ "$(uname -m)" != x86_64 ]; then
	echo "SKIP jit: no code generator on $(uname -m)"
	exit 0
fi
t=$E2E_TMP
alu=build/bench/guest/alu_loop.elf

# The default translates; off does not; both end in the same state.
norvm run --firmware $alu --stats-json $t/on.json </dev/null >/dev/null 2>&1
expect_status default_status 0 $?
norvm run --jit off --firmware $alu --stats-json $t/off.json </dev/null >/dev/null 2>&1
expect_status off_status 0 $?
blocks=$(jq '.harts[0].jit.blocks' $t/on.json)
check default_translates '[ "$blocks" -gt 0 ]' "blocks: $blocks"
check off_interprets '[ "$(jq .harts[0].jit $t/off.json)" = null ]' \
	"--jit off reports $(jq -c .harts[0].jit $t/off.json)"
jq -c '.harts[0] | del(.jit)' $t/on.json >$t/on.state
jq -c '.harts[0] | del(.jit)' $t/off.json >$t/off.state
check same_state 'cmp -s $t/on.state $t/off.state' \
	"$(diff $t/on.state $t/off.state | head -c 400)"

# W^X: while U-Boot sits at its prompt, no mapping of norvm is writable
# and executable, and the code buffer is there twice (rw-s and r-xs).
mkfifo $t/in
timeout -k 5 60 "$NORVM" run --firmware "$UBOOT_M" <$t/in >$t/wx.out 2>&1 &
runner=$!
exec 3>$t/in
pid=
for ((i = 0; i < 200; i++)); do
	pid=$(pgrep -P $runner || true)
	[ -n "$pid" ] && grep -q '^=> ' $t/wx.out 2>/dev/null && break
	sleep 0.1
done
if [ -n "$pid" ] && cp /proc/$pid/maps $t/maps 2>/dev/null; then
	wx=$(awk '$2 ~ /w/ && $2 ~ /x/' $t/maps)
	check no_wx_mapping '[ -z "$wx" ]' "writable and executable: $wx"
	check code_buffer_rw 'grep -q "rw-s .*norvm-jit" $t/maps' "no rw-s norvm-jit mapping"
	check code_buffer_rx 'grep -q "r-xs .*norvm-jit" $t/maps' "no r-xs norvm-jit mapping"
else
	echo "FAIL no_wx_mapping: U-Boot did not reach its prompt (or norvm was gone)"
fi
printf 'poweroff\n' >&3
exec 3>&-
wait $runner
expect_status wx_poweroff 0 $?

# The smallest buffer, emptied again and again during a U-Boot session:
# what U-Boot prints is what the interpreter makes it print.
cmds='version\ncrc32 0x80000000 0x40000\nmw.q 0x80800000 0x0123456789abcdef 0x100\ncrc32 0x80800000 0x800\nsetexpr x 0x1234 * 0x5678\necho $x\npoweroff\n'
for mode in off on,buffer=256K,threshold=1; do
	run_guest $t/u-$mode.out "$cmds" --jit $mode --firmware "$UBOOT_M" \
		--stats-json $t/u-$mode.json
	expect_status "uboot_status_${mode%%,*}" 0 $?
	grep -E '^(crc32|[0-9a-f]+$|U-Boot 20)' $t/u-$mode.out | tr -d '\r' >$t/u-$mode.lines
done
flushes=$(jq '.harts[0].jit.flushes' $t/u-on,buffer=256K,threshold=1.json)
check small_buffer_flushed '[ "$flushes" -gt 0 ]' "flushes: $flushes"
check small_buffer_same_output \
	'[ -s $t/u-off.lines ] && cmp -s $t/u-off.lines $t/u-on,buffer=256K,threshold=1.lines' \
	"$(diff $t/u-off.lines $t/u-on,buffer=256K,threshold=1.lines | head -c 400)"

# Bad options.
bad bad_mode '^norvm: --jit fast: must be off, or on' run --jit fast --firmware $alu
bad off_with_options '^norvm: --jit off,buffer=1M: options go with on' run --jit off,buffer=1M --firmware $alu
bad small_buffer '^norvm: --jit buffer=64K: the buffer must be from 256K to 1G' run --jit on,buffer=64K --firmware $alu
bad zero_threshold '^norvm: --jit threshold=0: the threshold must be' run --jit on,threshold=0 --firmware $alu
bad unknown_option "^norvm: --jit: unknown option 'fast'" run --jit on,fast --firmware $alu
bad with_kvm '^norvm: --jit is for the built-in CPU' run --accel kvm --jit on --firmware $alu
NORVM_JIT=fast norvm run --firmware $alu </dev/null >/dev/null 2>$t/err
refusal bad_env '^norvm: NORVM_JIT=fast: must be off, or on' $? $t/err

# NORVM_JIT sets the default; --jit still decides.
NORVM_JIT=off norvm run --firmware $alu --stats-json $t/env.json </dev/null >/dev/null 2>&1
check env_off '[ "$(jq .harts[0].jit $t/env.json)" = null ]' "NORVM_JIT=off translated"
NORVM_JIT=off norvm run --jit on --firmware $alu --stats-json $t/env.json </dev/null >/dev/null 2>&1
check option_over_env '[ "$(jq .harts[0].jit.blocks $t/env.json)" -gt 0 ]' \
	"--jit on under NORVM_JIT=off did not translate"
