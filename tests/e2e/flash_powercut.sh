#!/usr/bin/env bash
# Power cuts under U-Boot (M-mode): it erases a block of bank 1 that holds
# old data and programs four words there, once uncut (the "after" image)
# and once cut at each operation 1..4 (powercut=N).  Each damaged image is
# checked from outside against the images before and after: outside the
# cut operation's range every byte is what the operations before it left
# (done) or would not yet have changed; inside, an erase only set bits and
# left some bytes erased and some not, a program only cleared bits it was
# clearing and not all of them.  Then fail=N as U-Boot sees it: AMD
# program and erase report their failure, the Intel status register holds
# SR4 with SR7; and scripts/powercut-sweep over the same workload.
. "$(dirname "$0")/lib.sh"
b0=$E2E_TMP/bank0.img before=$E2E_TMP/before.img after=$E2E_TMP/after.img
norvm flash create "$b0" --size 32M
# Bank 1: 1 MiB, its first block full of old data (the same bytes each run).
perl -e 'srand(1); print pack("C*", map { int(rand(256)) } 1 .. 262144),
	 "\xff" x (786432)' >"$before"

work='mw.l 0x80800000 0x81c3a5e7 4
mw.l 0x80800004 0x7e3c5a19 4
erase 0x22000000 +0x40000
cp.b 0x80800000 0x22000000 0x10
poweroff
'
cp "$before" "$after"
run_guest "$E2E_TMP/after.out" "$work" --firmware "$UBOOT_M" --flash "$b0" \
	--flash "$after" --stats
expect_status uncut_status 0 $?
expect uncut_operations 'operations 5: program 4 .*erase 1 ' "$E2E_TMP/after.out"

# check_cut IMAGE KIND OFF LEN: IMAGE is bank 1 cut during KIND (erase or
# program) at [OFF, OFF+LEN), in the session above: one erase of block 0
# then programs upwards in it.  Prints what is wrong, nothing when right.
check_cut() {
	perl -e '
	my ($bf, $af, $df, $kind, $off, $len) = @ARGV;
	my $block = 0x40000;
	sub slurp { local $/; open(my $h, "<:raw", $_[0]) or die; <$h> }
	my @b = unpack("C*", slurp($bf)); my @a = unpack("C*", slurp($af));
	my @d = unpack("C*", slurp($df));
	my ($bad, $n, $erased, $same, $prog_done) = (0, 0, 0, 0, 0);
	die "sizes differ\n" unless @b == @d && @a == @d;
	for my $p (0 .. $#d) {
		my ($x, $o, $w) = ($d[$p], $b[$p], $a[$p]);
		my $ok;
		if ($p >= $block) {
			$ok = $x == $o;				# never touched
		} elsif ($kind eq "erase") {
			$ok = ($x & $o) == $o;			# only bits set
			$erased++ if $x == 0xff && $o != 0xff;
			$same++ if $x == $o && $o != 0xff;
		} elsif ($p < $off) {
			$ok = $x == $w;				# done before the cut
		} elsif ($p < $off + $len) {
			$ok = ($x & $w) == $w;			# only bits it clears
			$prog_done++ if $x == $w;
		} else {
			$ok = $x == 0xff;			# erased, not yet programmed
		}
		next if $ok;
		printf("byte 0x%x: 0x%02x (before 0x%02x, after 0x%02x)\n", $p, $x, $o, $w)
			if $n++ < 5;
		$bad = 1;
	}
	print "erase left no byte erased or none unchanged\n"
		if $kind eq "erase" && !($erased && $same);
	print "the program was complete or never started\n"
		if $kind eq "program" && ($prog_done == $len ||
		    !grep { $d[$_] != 0xff } $off .. $off + $len - 1);
	' "$before" "$after" "$1" "$2" "$3" "$4"
}

for n in 1 2 3 4; do
	img=$E2E_TMP/cut$n.img out=$E2E_TMP/cut$n.out
	cp "$before" "$img"
	run_guest "$out" "$work" --firmware "$UBOOT_M" --flash "$b0" \
		--flash "$img,powercut=$n"
	expect_status "cut${n}_status" 99 $?
	line=$(grep -o "flash1: power cut during operation $n, [a-z]* at 0x[0-9a-f]*+0x[0-9a-f]* (block [0-9]*" "$out")
	if [ $n = 1 ]; then want="erase at 0x0+0x40000 (block 0"
	else want="program at 0x$(printf %x $((4 * (n - 2))))+0x4 (block 0"; fi
	if [[ $line == *", $want" ]]; then echo "PASS cut${n}_line"
	else echo "FAIL cut${n}_line: '$line', expected '..., $want'"; fi
	kind=${want%% *} range=${want#* at } off=${range%%+*} len=${range#*+}
	len=${len%% *}
	why=$(check_cut "$img" "$kind" $((off)) $((len)))
	if [ -z "$why" ]; then echo "PASS cut${n}_image"
	else echo "FAIL cut${n}_image: $(head -n 3 <<<"$why" | tr '\n' ';')"; fi
done

# The same cut, the same image; another seed, another one.
cp "$before" "$E2E_TMP/again.img"
run_guest "$E2E_TMP/again.out" "$work" --firmware "$UBOOT_M" --flash "$b0" \
	--flash "$E2E_TMP/again.img,powercut=1,seed=1"
if cmp -s "$E2E_TMP/again.img" "$E2E_TMP/cut1.img"; then echo "PASS same_seed_same_image"
else echo "FAIL same_seed_same_image: powercut=1 twice gave two images"; fi
cp "$before" "$E2E_TMP/other.img"
run_guest "$E2E_TMP/other.out" "$work" --firmware "$UBOOT_M" --flash "$b0" \
	--flash "$E2E_TMP/other.img,powercut=1,seed=2"
if ! cmp -s "$E2E_TMP/other.img" "$E2E_TMP/cut1.img"; then echo "PASS other_seed_other_image"
else echo "FAIL other_seed_other_image: seed=2 gave seed 1's image"; fi

# fail=N on an AMD bank: U-Boot's cp.b and erase report it.
amd=$E2E_TMP/amd.img
norvm flash create "$amd" --part S29GL256P
run_guest "$E2E_TMP/amd.out" 'mw.l 0x80800000 0x81c3a5e7 4
erase 0x22000000 +0x20000
cp.b 0x80800000 0x22000000 0x10
poweroff
' --firmware "$UBOOT_M" --flash "$b0" --flash "$amd,part=S29GL256P,fail=2"
expect_status amd_fail_status 0 $?
expect amd_fail_program 'Timeout writing to Flash' "$E2E_TMP/amd.out"
expect amd_fail_line 'flash1: operation 2, program at 0x0\+0x2 \(block 0\) fails \(fail=2\)' "$E2E_TMP/amd.out"
run_guest "$E2E_TMP/amd2.out" 'erase 0x22000000 +0x20000
poweroff
' --firmware "$UBOOT_M" --flash "$b0" --flash "$amd,part=S29GL256P,fail=1"
expect amd_fail_erase 'Flash erase timeout at address 22000000' "$E2E_TMP/amd2.out"

# fail=N on the Intel bank: U-Boot polls SR7 only, so it prints nothing;
# the status register it would have to read holds SR7 + SR4 (0x90).
cp "$before" "$E2E_TMP/intel.img"
run_guest "$E2E_TMP/intel.out" "${work%poweroff*}mw.l 0x22000000 0x00700070
md.l 0x22000000 1
mw.l 0x22000000 0x00ff00ff
poweroff
" --firmware "$UBOOT_M" --flash "$b0" --flash "$E2E_TMP/intel.img,fail=5"
expect_status intel_fail_status 0 $?
expect intel_fail_sr4 '^22000000: 00900090' "$E2E_TMP/intel.out"

# The sweep over the same workload, with a U-Boot check: the four words
# are all there, or bank 1 still starts with the old data.
printf '%s' "$work" >"$E2E_TMP/work.txt"
old=$(od -An -tx4 -N4 "$before" | tr -d ' ')
cat >"$E2E_TMP/check.txt" <<EOF
mw.l 0x80800000 0x81c3a5e7 4
mw.l 0x80800004 0x7e3c5a19 4
if cmp.b 0x80800000 0x22000000 0x10; then poweroff; fi
if itest.l *0x22000000 == 0x$old; then poweroff; fi
mw.l 0x100000 0x13333
EOF
timeout -k 5 300 scripts/powercut-sweep --norvm "$NORVM" --timeout 60 \
	--image "$before" --from 1 --to 5 \
	--run "--firmware $UBOOT_M --flash $b0 --flash @IMG@" --run-input "$E2E_TMP/work.txt" \
	--check "--firmware $UBOOT_M --flash $b0 --flash @IMG@" --check-input "$E2E_TMP/check.txt" \
	>"$E2E_TMP/sweep.out" 2>&1
rc=$?
sed 's/^/    /' "$E2E_TMP/sweep.out"
expect_status sweep_status 1 $rc
expect sweep_cut1 '^ *1 +erase +0x0\+0x40000 +0 +99 +(pass|FAIL)' "$E2E_TMP/sweep.out"
expect sweep_cut5 '^ *5 +program +0xc\+0x4 +0 +99 +(pass|FAIL)' "$E2E_TMP/sweep.out"
expect sweep_summary '^5 cut points: [0-9]+ passed, [0-9]+ failed' "$E2E_TMP/sweep.out"

# An update that survives every cut: the new copy goes to block 1, then a
# marker word to block 2; the check takes the new copy when the marker is
# whole, else the old copy in block 0, which the update never touches.
cat >"$E2E_TMP/ab.txt" <<EOF2
mw.l 0x80800000 0x81c3a5e7 4
mw.l 0x80800004 0x7e3c5a19 4
erase 0x22040000 +0x40000
cp.b 0x80800000 0x22040000 0x10
mw.l 0x80800100 0x600df00d 1
cp.l 0x80800100 0x22080000 1
poweroff
EOF2
cat >"$E2E_TMP/ab-check.txt" <<EOF2
mw.l 0x80800000 0x81c3a5e7 4
mw.l 0x80800004 0x7e3c5a19 4
if itest.l *0x22080000 == 0x600df00d; then if cmp.b 0x80800000 0x22040000 0x10; then poweroff; fi; mw.l 0x100000 0x13333; fi
if itest.l *0x22000000 == 0x$old; then poweroff; fi
mw.l 0x100000 0x13333
EOF2
timeout -k 5 300 scripts/powercut-sweep --norvm "$NORVM" --timeout 60 \
	--image "$before" --seed 7 \
	--run "--firmware $UBOOT_M --flash $b0 --flash @IMG@" --run-input "$E2E_TMP/ab.txt" \
	--check "--firmware $UBOOT_M --flash $b0 --flash @IMG@" --check-input "$E2E_TMP/ab-check.txt" \
	>"$E2E_TMP/sweep-ab.out" 2>&1
rc=$?
sed 's/^/    /' "$E2E_TMP/sweep-ab.out"
expect_status sweep_ab_status 0 $rc
expect sweep_ab_marker '^ *6 +program +0x80000\+0x4 +2 +99 +pass' "$E2E_TMP/sweep-ab.out"
expect sweep_ab_summary '^6 cut points: 6 passed, 0 failed$' "$E2E_TMP/sweep-ab.out"

# Bad values are one line and status 2, before anything runs.
for opt in powercut=0 fail=-1 powercut=x seed=1y; do
	norvm run --firmware "$UBOOT_M" --flash "$b0,$opt" >"$E2E_TMP/bad.out" 2>&1 </dev/null
	rc=$?
	if [ $rc = 2 ] && grep -q "^norvm: --flash: $opt: " "$E2E_TMP/bad.out"; then
		echo "PASS bad_${opt%%=*}_${opt#*=}"
	else
		echo "FAIL bad_${opt%%=*}_${opt#*=}: status $rc, $(head -n 1 "$E2E_TMP/bad.out")"
	fi
done

# The sweep must never report success having tested nothing: the
# --flash=FILE spelling finds the right bank; a workload that writes
# nothing to @IMG@, or --from past --to, is an error (status 2, one
# line); --help succeeds.
sweep() {	# NAME WANT-STATUS PATTERN SWEEP-ARGS...
	local name=$1 want=$2 pat=$3 rc; shift 3
	timeout -k 5 300 scripts/powercut-sweep --norvm "$NORVM" --timeout 60 "$@" \
		>"$E2E_TMP/$name.out" 2>&1
	rc=$?
	if [ $rc != "$want" ]; then
		echo "FAIL $name: status $rc, expected $want: $(tail -n 2 "$E2E_TMP/$name.out")"
	elif ! grep -Eq -- "$pat" "$E2E_TMP/$name.out"; then
		echo "FAIL $name: no /$pat/ in: $(tail -n 2 "$E2E_TMP/$name.out")"
	else
		echo "PASS $name"
	fi
}
sweep sweep_flash_equals 1 '^3 cut points: [0-9]+ passed, [0-9]+ failed' \
	--image "$before" --from 1 --to 3 \
	--run "--firmware $UBOOT_M --flash=$b0 --flash=@IMG@" --run-input "$E2E_TMP/work.txt" \
	--check "--firmware $UBOOT_M --flash=$b0 --flash=@IMG@" --check-input "$E2E_TMP/check.txt"
printf 'poweroff\n' >"$E2E_TMP/idle.txt"
sweep sweep_nothing_written 2 'made no program or erase on flash1 \(@IMG@\): nothing to cut' \
	--image "$before" \
	--run "--firmware $UBOOT_M --flash $b0 --flash @IMG@" --run-input "$E2E_TMP/idle.txt" \
	--check "--firmware $UBOOT_M --flash $b0 --flash @IMG@" --check-input "$E2E_TMP/check.txt"
sweep sweep_from_past_to 2 '^powercut-sweep: --from 5 --to 2: no cut point between them$' \
	--image "$before" --from 5 --to 2 \
	--run "--firmware $UBOOT_M --flash @IMG@" --check "--firmware $UBOOT_M --flash @IMG@"
sweep sweep_help 0 '^powercut-sweep: cut the power' --help
