#!/usr/bin/env bash
# The GDB stub (--gdb), driven by Debian's gdb-multiarch in batch mode and
# by raw packets: breakpoints in RAM and in flash (stage-0 executing in
# place), registers and memory, single step, a watchpoint on a store, two
# harts as two threads, the exit reaching GDB; Ctrl-C, malformed packets
# and a client that goes away mid-packet; a client that stops reading, a
# second client, signals while the server runs, the Unix socket's mode.
. "$(dirname "$0")/lib.sh"
if ! command -v gdb-multiarch >/dev/null; then
	echo "SKIP gdb: gdb-multiarch is not installed (scripts/install-deps)"
	exit 0
fi
port=$((20000 + $$ % 20000))

# gdb_session NAME ELF|- 'NORVM ARGS' GDB-COMMANDS [INPUT]: norvm in the
# background with INPUT on stdin (its output in $E2E_TMP/NAME.vm, status
# in $E2E_TMP/NAME.rc), GDB's output in $E2E_TMP/NAME.gdb.
gdb_session() {
	local name=$1 elf=$2 args=$3 cmds=$4 input=${5:-/dev/null}
	port=$((port + 1))
	# shellcheck disable=SC2086
	( norvm run $args --gdb tcp::$port --gdb-wait <"$input" >"$E2E_TMP/$name.vm" 2>&1
	  echo $? >"$E2E_TMP/$name.rc" ) &
	local vm=$!
	printf '%s\n' "target remote :$port" "$cmds" >"$E2E_TMP/$name.cmds"
	for _ in $(seq 50); do
		grep -q "^tcp.*:$(printf '%04X' $port) .* 0A " /proc/net/tcp 2>/dev/null && break
		sleep 0.1
	done
	timeout 120 gdb-multiarch -batch -nx -x "$E2E_TMP/$name.cmds" \
		${elf:+$([ "$elf" != - ] && echo "$elf")} </dev/null >"$E2E_TMP/$name.gdb" 2>&1
	wait $vm
}

elf=build/tests/guest/gdb_target.elf
gdb_session ram "$elf" "-c 2 --firmware $elf" '
info threads
watch *(long *)&counter
continue
continue
delete
break tick
continue
p/x $s1
p $priv
x/2xw (long)&counter
set $before = $pc
stepi
p $pc != $before
thread 2
p $mhartid
delete
continue'
g=$E2E_TMP/ram.gdb
expect gdb_two_harts_two_threads 'Thread 2 \(hart 1\)' "$g"
expect gdb_watch_first_store 'Old value = 0' "$g"
expect gdb_watch_new_value 'New value = 2' "$g"
expect gdb_break_in_ram 'Breakpoint 2, 0x[0-9a-f]+ in tick' "$g"
expect gdb_read_register '^\$1 = 0x2$' "$g"
expect gdb_priv_register '^\$2 = 3$' "$g"
expect gdb_read_memory '^0x[0-9a-f]+( <counter>)?:[[:space:]]+0x00000002[[:space:]]+0x00000000' "$g"
expect gdb_stepi '^\$3 = 1$' "$g"
expect gdb_thread_2_registers '^\$4 = 1$' "$g"
expect gdb_exit_reaches_gdb 'exited normally' "$g"
expect_status gdb_ram_vm_status 0 "$(cat "$E2E_TMP/ram.rc")"

img=$E2E_TMP/boot.img
norvm flash pack "$img" --firmware "$FW_JUMP" --kernel "$UBOOT_S" --size 32M
printf 'poweroff\n' >"$E2E_TMP/in"
gdb_session flash - "--flash $img,readonly --boot flash" '
set architecture riscv:rv64
break *0x20000000
continue
x/i $pc
stepi
p/x $pc
delete
break *0x80200000
continue
p $priv
delete
continue' "$E2E_TMP/in"
g=$E2E_TMP/flash.gdb
expect gdb_break_in_flash 'Breakpoint 1, 0x0*20000000' "$g"
expect gdb_read_flash '=> 0x20000000:[[:space:]]+auipc' "$g"
expect gdb_stepi_in_flash '^\$1 = 0x20000004$' "$g"
expect gdb_smode_entry '^\$2 = 1$' "$g"
expect gdb_flash_exit 'exited normally' "$g"
expect_status gdb_flash_vm_status 0 "$(cat "$E2E_TMP/flash.rc")"

# Raw packets: $data#checksum, replies read up to their checksum.
framed() {	# DATA: the packet, in PKT
	local d=$1 sum=0 i c
	for ((i = 0; i < ${#d}; i++)); do
		printf -v c '%d' "'${d:i:1}"
		sum=$(((sum + c) & 255))
	done
	printf -v PKT '$%s#%02x' "$d" "$sum"
}
pkt() { framed "$1"; printf '%s' "$PKT" >&3; }
answer() {	# the next packet's data, or "timeout"
	local r
	IFS= read -r -t 10 -d '#' r <&3 || { echo timeout; return; }
	read -r -t 2 -n 2 _ <&3
	r=${r##*\$}
	echo "$r"
}
port=$((port + 1))
( (sleep 5; printf 'poweroff\n') | norvm run --firmware "$UBOOT_M" --gdb tcp::$port \
	>"$E2E_TMP/raw.vm" 2>&1; echo $? >"$E2E_TMP/raw.rc" ) &
vm=$!
for _ in $(seq 50); do
	{ exec 3<>/dev/tcp/127.0.0.1/$port; } 2>/dev/null && break
	sleep 0.1
done
pkt 'QStartNoAckMode'
r=$(answer); r=${r#+}
[ "$r" = OK ] && echo "PASS gdb_no_ack_mode" || echo "FAIL gdb_no_ack_mode: '$r'"
pkt '?'
r=$(answer)
[[ $r == T02thread:1\;* ]] && echo "PASS gdb_connect_stops" || echo "FAIL gdb_connect_stops: '$r'"
pkt 'm zz,4'
r=$(answer)
[ "$r" = E01 ] && echo "PASS gdb_malformed_error" || echo "FAIL gdb_malformed_error: '$r'"
pkt 'p10000'
r=$(answer)
[ "$r" = E01 ] && echo "PASS gdb_bad_register" || echo "FAIL gdb_bad_register: '$r'"
pkt 'm0,4'
r=$(answer)
[ "$r" = E14 ] && echo "PASS gdb_unmapped_memory" || echo "FAIL gdb_unmapped_memory: '$r'"
pkt 'p20'
pc0=$(answer)
pkt 's'
r=$(answer)
pkt 'p20'
pc1=$(answer)
[[ $r == T05* && $pc1 != "$pc0" && ${#pc1} = 16 ]] && echo "PASS gdb_hardware_step" ||
	echo "FAIL gdb_hardware_step: '$r' pc $pc0 -> $pc1"
pkt 'c'
sleep 0.5
printf '\003' >&3
r=$(answer)
[[ $r == T02* ]] && echo "PASS gdb_ctrl_c" || echo "FAIL gdb_ctrl_c: '$r'"
printf '$m8000' >&3	# and go away mid-packet: the VM runs on
exec 3>&-
wait $vm
expect_status gdb_disconnect_leaves_vm_running 0 "$(cat "$E2E_TMP/raw.rc")"
expect gdb_vm_reached_prompt '=> poweroff' "$E2E_TMP/raw.vm"

# A client that stops reading: its replies pile up until it is dropped,
# and the VM runs on to its poweroff.  A second client while one is
# attached is refused at once (its connection ends), not left hanging.
port=$((port + 1))
( (sleep 3; printf 'poweroff\n') | norvm run --firmware "$UBOOT_M" --gdb tcp::$port \
	>"$E2E_TMP/stall.vm" 2>&1; echo $? >"$E2E_TMP/stall.rc" ) &
vm=$!
for _ in $(seq 50); do
	{ exec 3<>/dev/tcp/127.0.0.1/$port; } 2>/dev/null && break
	sleep 0.1
done
pkt 'QStartNoAckMode'
r=$(answer); r=${r#+}
[ "$r" = OK ] || echo "FAIL gdb_stalled_setup: '$r'"
if { exec 4<>/dev/tcp/127.0.0.1/$port; } 2>/dev/null; then
	timeout 10 cat <&4 >/dev/null
	rc=$?
	exec 4>&-
	[ $rc -eq 0 ] && echo "PASS gdb_second_client_refused" ||
		echo "FAIL gdb_second_client_refused: its connection was left open (status $rc)"
else
	echo "PASS gdb_second_client_refused"
fi
# 4 KiB replies, never read: 32 MiB of them, far more than the socket
# buffers on both sides hold.  Once dropped, the writes fail (EPIPE).
framed 'm80000000,7f8'
( trap '' PIPE; for _ in $(seq 8000); do printf '%s' "$PKT" >&3 || break; done ) 2>/dev/null
wait $vm
exec 3>&-
expect_status gdb_stalled_client_dropped 0 "$(cat "$E2E_TMP/stall.rc")"
expect gdb_stalled_vm_ran_on '=> poweroff' "$E2E_TMP/stall.vm"

# SIGTERM while a GDB server runs: a clean stop (status 143, statistics
# written, the Unix socket removed, so the same path serves again); the
# socket is its owner's alone (mode 600).
sock=$E2E_TMP/gdb.sock
# timeout in the background, not a function: a signal to it reaches norvm.
timeout -k 5 120 "$NORVM" run --firmware "$UBOOT_M" --gdb "unix:$sock" \
	--stats-json "$E2E_TMP/term.json" </dev/null >"$E2E_TMP/term.vm" 2>&1 &
vm=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
check gdb_unix_socket_mode '[ "$(stat -c %a "$sock" 2>/dev/null)" = 600 ]' \
	"the socket has mode $(stat -c %a "$sock" 2>/dev/null)"
sleep 0.5
kill -TERM $vm
wait $vm
expect_status gdb_sigterm_status 143 $?
check gdb_sigterm_stats 'jq -e .accelerator "$E2E_TMP/term.json" >/dev/null 2>&1' \
	"no statistics written: $(tail -n 2 "$E2E_TMP/term.vm")"
check gdb_sigterm_socket_removed '[ ! -e "$sock" ]' "$sock was left behind"
timeout -k 5 120 "$NORVM" run --firmware "$UBOOT_M" --gdb "unix:$sock" </dev/null \
	>"$E2E_TMP/term2.vm" 2>&1 &
vm=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; kill -0 $vm 2>/dev/null || break; sleep 0.1; done
check gdb_unix_path_reused '[ -S "$sock" ]' "$(tail -n 1 "$E2E_TMP/term2.vm")"
kill -INT $vm
wait $vm
expect_status gdb_sigint_status 130 $?

# Bad --gdb arguments: one line, nothing on stdout, no VM run.
bad_gdb() {	# NAME PATTERN ARGS...
	local name=$1 pat=$2; shift 2
	BAD_QUIET=1 bad "$name" "$pat" run --firmware "$UBOOT_M" "$@"
}
bad_gdb gdb_bad_spec 'expected tcp::PORT, tcp:HOST:PORT or unix:PATH' --gdb tcp::notaport
bad_gdb gdb_wait_alone '--gdb-wait needs --gdb' --gdb-wait
port=$((port + 1))
# A second server on a port already taken fails at once with one line.
timeout -k 5 120 "$NORVM" run --firmware "$UBOOT_M" --gdb tcp::$port \
	</dev/null >"$E2E_TMP/holder.out" 2>&1 &
holder=$!
hexport=$(printf '%04X' $port)
for _ in $(seq 300); do
	grep -q "^ *[0-9]*: [0-9A-F]*:$hexport [0-9A-F]*:0000 0A " \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null && break
	sleep 0.1
done
NORVM_TIMEOUT=30 bad_gdb gdb_port_in_use \
	"--gdb tcp::$port: cannot listen: Address already in use" --gdb tcp::$port
kill $holder 2>/dev/null
wait $holder 2>/dev/null
exit 0
