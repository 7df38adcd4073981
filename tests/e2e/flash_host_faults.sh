#!/usr/bin/env bash
# The host side of a flash image failing under norvm (issue 9, item 14):
# - a sparse image on a file system too small for it is refused at start,
#   with one line, and left as it was (no SIGBUS half-way through an erase);
# - a sparse image that fits gets its blocks and works;
# - an image truncated by another program while the guest runs stops the
#   VM with one line naming the image, status 1 (not a signal), whether the
#   guest reads the mapped array or the device erases a block; on a
#   terminal, the terminal is restored.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP

# Full file system: a 1 MiB tmpfs (needs root), else skipped.
mkdir "$t/small"
if mount -t tmpfs -o size=1M norvm-test "$t/small" 2>/dev/null; then
	trap 'umount "$t/small"; rm -rf "$t"' EXIT
	truncate -s 4M "$t/small/sparse.img"
	printf 'poweroff\n' | timeout 60 "$NORVM" run --firmware "$UBOOT_M" \
		--flash "$t/small/sparse.img" >"$t/o" 2>"$t/e"
	rc=$?
	if [ $rc -eq 0 ] || [ $rc -ge 124 ]; then
		echo "FAIL full_fs_refused: exit status $rc"
	elif [ "$(wc -l <"$t/e")" -ne 1 ] ||
	     ! grep -q "sparse.img: cannot allocate .*No space left on device" "$t/e"; then
		echo "FAIL full_fs_refused: stderr: $(head -c 300 "$t/e")"
	else
		echo "PASS full_fs_refused"
	fi
	if [ "$(stat -c %s "$t/small/sparse.img")" -eq $((4 << 20)) ] &&
	   cmp -s "$t/small/sparse.img" <(head -c 4M /dev/zero); then
		echo "PASS full_fs_image_unchanged"
	else
		echo "FAIL full_fs_image_unchanged"
	fi
else
	echo "SKIP full_fs: cannot mount a tmpfs (needs root)"
fi

# A sparse image with room: allocated at open, erase and program work.
truncate -s 1M "$t/sparse.img"
run_guest "$t/out" 'erase 0x20000000 +0x40000\nmw.l 0x80800000 0x5a5a5a5a 4\ncp.l 0x80800000 0x20000000 4\npoweroff\n' \
	--firmware "$UBOOT_M" --flash "$t/sparse.img"
expect_status sparse_poweroff 0 $?
blocks=$(stat -c %b "$t/sparse.img") bsize=$(stat -c %B "$t/sparse.img")
if [ $((blocks * bsize)) -ge $((1 << 20)) ]; then echo "PASS sparse_allocated"; else
	echo "FAIL sparse_allocated: $((blocks * bsize)) bytes allocated"; fi
if cmp -s -n 16 "$t/sparse.img" <(printf '\x5a%.0s' $(seq 16)) &&
   cmp -s -i 16:16 -n $((256 * 1024 - 16)) "$t/sparse.img" <(head -c 256K /dev/zero | tr '\0' '\377') &&
   cmp -s -i $((256 * 1024)):0 "$t/sparse.img" <(head -c 768K /dev/zero); then
	echo "PASS sparse_contents"
else
	echo "FAIL sparse_contents"
fi

# A session whose input goes through a FIFO, so that the image can be
# truncated at a known point of it: start_session OUT CMD... (CMD under
# a timeout of its own; the session is also bounded), then
# wait_for OUT PATTERN and send TEXT; end_session returns the status.
trap '' PIPE		# a write to a session that died fails, not kills us
start_session() {
	local out=$1
	shift
	rm -f "$t/in" && mkfifo "$t/in"
	timeout 120 "$@" <"$t/in" >"$out" 2>"$out.err" &
	session=$!
	exec 3>"$t/in"
}
wait_for() {		# OUT PATTERN: until a line of OUT matches, or the end
	for _ in $(seq 1200); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 $session 2>/dev/null || break
		sleep 0.1
	done
	grep -q -- "$2" "$1" 2>/dev/null
}
send() { printf '%s' "$1" >&3 2>/dev/null || true; }
end_session() {
	local rc
	wait $session
	rc=$?
	exec 3>&-
	return $rc
}

# truncated NAME COMMAND [NORVM ARGS...]: at U-Boot's prompt, truncate the
# image to 0 and type COMMAND (then poweroff, which must not be reached).
truncated() {
	local name=$1 cmd=$2 img=$t/$1.img out=$t/$1.out rc
	shift 2
	norvm flash create "$img" --size 1M
	start_session "$out" timeout 120 "$NORVM" run --firmware "$UBOOT_M" --flash "$img" "$@"
	send $'echo ready\n'
	wait_for "$out" '^ready'
	truncate -s 0 "$img"
	send "$cmd"$'\npoweroff\n'
	end_session
	rc=$?
	if ! grep -q '^ready' "$out"; then
		echo "FAIL ${name}: U-Boot never printed ready (status $rc)"
	elif [ $rc -ne 1 ]; then
		echo "FAIL ${name}: exit status $rc, expected 1"
	elif [ "$(wc -l <"$out.err")" -ne 1 ] ||
	     ! grep -q "flash0 image $img: the file was truncated to 0 bytes by another program" "$out.err"; then
		echo "FAIL ${name}: stderr: $(head -c 300 "$out.err")"
	else
		echo "PASS ${name}"
	fi
}
truncated truncated_mapped_read 'md.l 0x20000000 4'
truncated truncated_erase 'erase 0x20000000 +0x40000'
truncated truncated_unmapped_read 'md.l 0x20000000 4' --flash-map=off

# On a terminal (script(1) gives norvm a pty, in raw mode while it runs):
# the terminal is back in cooked mode after such a stop.  Keys typed
# before U-Boot's prompt may be lost, so wait for it first.
if command -v script >/dev/null; then
	img=$t/tty.img out=$t/tty.out
	norvm flash create "$img" --size 1M
	start_session "$out" env TERM=dumb script -qec \
		"stty sane; timeout --foreground 120 $NORVM run --firmware $UBOOT_M --flash $img; echo status=\$?; stty -a" /dev/null
	wait_for "$out" '^=> '
	send $'echo ready\r'
	wait_for "$out" '^ready'
	truncate -s 0 "$img"
	send $'md.l 0x20000000 4\r'
	end_session
	if grep -q "^ready" "$out" && grep -Eq $'^status=1\r?$' "$out" &&
	   grep -Eq '(^| )icanon( |$)' "$out" && grep -Eq '(^| )echo( |$)' "$out"; then
		echo "PASS terminal_restored"
	else
		echo "FAIL terminal_restored: $(tr -d '\r' <"$out" | tail -n 12 | tr '\n' '|')"
	fi
else
	echo "SKIP terminal_restored: no script(1)"
fi
