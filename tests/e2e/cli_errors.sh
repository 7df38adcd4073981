#!/usr/bin/env bash
# Bad input gets one clear line on stderr and a non-zero exit, never a crash.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
: >"$t/empty"
mkdir "$t/dir"
head -c 300M /dev/zero >"$t/big" 2>/dev/null || truncate -s 300M "$t/big"
printf 'hello' >"$t/small"
chmod 000 "$t/small.noperm" 2>/dev/null || { cp "$t/small" "$t/small.noperm"; chmod 000 "$t/small.noperm"; }

bad no_command 'no command given'
bad unknown_command "unknown command 'frobnicate'" frobnicate
bad unknown_option 'unknown option --frob' run --frob
bad missing_argument '--firmware needs an argument' run --firmware
bad nothing_to_boot 'nothing to boot' run
bad missing_firmware 'nonexistent.bin: cannot open: No such file' run --firmware "$t/nonexistent.bin"
bad directory_firmware 'dir: is a directory' run --firmware "$t/dir"
# An ELF file for another machine (this host's own programs) names the one
# the board runs.
bad foreign_elf_firmware "$(readlink -f /bin/sh): not a 64-bit little-endian RISC-V ELF file \\(the riscv-virt board's guests are riscv64\\)" \
	run --firmware "$(readlink -f /bin/sh)"
bad empty_firmware 'empty' run --firmware "$t/empty"
bad oversized_firmware 'does not fit' run --firmware "$t/big"
bad tiny_ram_image 'does not fit' run -m 16M --firmware "$t/big"
if [ -r "$t/small.noperm" ]; then
	echo "SKIP unreadable_firmware: a mode 000 file is readable here (running as root)"
else
	bad unreadable_firmware 'Permission denied' run --firmware "$t/small.noperm"
fi
bad bad_size '-m lots: not a size' run -m lots --firmware "$t/small"
bad ram_too_small 'RAM size' run -m 1M --firmware "$t/small"
bad bad_cpus '--cpus 9' run -c 9 --firmware "$t/small"
bad stats_interval_zero '--stats-interval 0: must be a number of milliseconds from 1 to 60000' \
	run --firmware "$t/small" --stats-json "$t/s.json" --stats-interval 0
bad stats_interval_word '--stats-interval soon: must be' \
	run --firmware "$t/small" --stats-json "$t/s.json" --stats-interval soon
bad stats_interval_alone '--stats-interval needs --stats-json' \
	run --firmware "$t/small" --stats-interval 20
bad kernel_missing 'cannot open' run --firmware "$t/small" --kernel "$t/nope"
bad extra_argument "unexpected argument 'junk'" run --firmware "$t/small" junk

# Flash images and the flash subcommands.
norvm flash create "$t/f.img" --size 32M
truncate -s 100K "$t/odd.img"
truncate -s 64M "$t/huge.img"
bad flash_missing 'nope.img: No such file' run --firmware "$t/small" --flash "$t/nope.img"
bad flash_directory 'is a directory' run --firmware "$t/small" --flash "$t/dir"
bad flash_empty 'the image is empty' run --firmware "$t/small" --flash "$t/empty"
bad flash_partial_block 'not a multiple of the 256 KiB erase block' run --firmware "$t/small" --flash "$t/odd.img"
bad flash_too_big 'larger than the 32 MiB flash window' run --firmware "$t/small" --flash "$t/huge.img"
bad flash_option 'unknown option .fast' run --firmware "$t/small" --flash "$t/f.img,fast"
bad flash_three 'at most two flash banks' run --firmware "$t/small" --flash "$t/f.img" --flash "$t/f.img" --flash "$t/f.img"
bad flash_map_value '--flash-map=maybe' run --firmware "$t/small" --flash-map=maybe
bad boot_flash_without 'flash' run --boot flash
bad create_exists 'already exists' flash create "$t/f.img" --size 32M
bad create_no_size '--size or --part is required' flash create "$t/g.img"
bad create_part_sized_by_image '--part virt has no fixed size \(its image decides\): give --size too' \
	flash create "$t/g.img" --part virt
bad pack_part_named 'flash pack: --part is for flash create' flash pack "$t/g.img" --part S29GL256P
bad create_firmware_named 'flash create: --firmware is for flash pack' flash create "$t/g.img" --firmware "$t/small"
bad powercut_space "--flash: powercut= -1: operations count from 1" run --firmware "$t/small" --flash "$t/f.img,powercut= -1"
bad size_octal_is_decimal 'size 1024000 bytes: must be a power of two' flash create "$t/g.img" --size 01000K
bad create_bad_size 'multiple of 256K' flash create "$t/g.img" --size 100K
bad pack_no_firmware '--firmware is required' flash pack "$t/g.img"
bad pack_too_small 'need more than' flash pack "$t/g.img" --firmware "$UBOOT_M" --size 256K
bad pack_too_big_payload 'does not fit' flash pack "$t/g.img" --firmware "$t/big"
[ -e "$t/g.img" ] && echo "FAIL no_partial_image: $t/g.img was left behind" || echo "PASS no_partial_image"
# A second norvm cannot open a writable image in use: probed only once the
# first one holds the image's lock.
if hold_lock "$t/f.img" --firmware "$UBOOT_M" --flash "$t/f.img"; then
	bad flash_in_use 'in use by another process' run --firmware "$t/small" --flash "$t/f.img"
else
	echo "FAIL flash_in_use: $HOLD_WHY"
fi
release_lock

# --help and --version succeed and say something.
NORVM_TIMEOUT=30 norvm --help | grep -q 'norvm run' && echo "PASS help" || echo "FAIL help"
NORVM_TIMEOUT=30 norvm --version | grep -Eq '^norvm [0-9]' && echo "PASS version" || echo "FAIL version"
