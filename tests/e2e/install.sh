#!/usr/bin/env bash
# make install and make uninstall, into a DESTDIR: the binary, its man page
# (every option --help lists is in it), its firmware where the installed
# binary finds it, the README; uninstall leaves no file behind.
. "$(dirname "$0")/lib.sh"
t=$E2E_TMP
root=$t/root

case $(basename "$NORVM") in
*-san | *-tsan)
	echo "SKIP install: installs the plain build (plain make check runs it)"
	exit 0 ;;
esac

make -s --no-print-directory install DESTDIR="$root" >"$t/install.log" 2>&1
expect_status install_status 0 $?
bin=$root/usr/local/bin/norvm
check installed_runs 'timeout 30 "$bin" --version | grep -q "^norvm "' "$(tail -n 3 "$t/install.log")"
check readme '[ -s "$root/usr/local/share/doc/norvm/README.md" ] && [ -s "$root/usr/local/share/doc/norvm/doc/flash.md" ]' "no README or doc/"

man=$root/usr/local/share/man/man1/norvm.1
MANWIDTH=200 man -l "$man" 2>/dev/null | col -b >"$t/man.txt"
check man_page '[ -s "$t/man.txt" ] && grep -q "norvm flash create" "$t/man.txt"' "man -l $man shows nothing"
missing=
for o in $(timeout 30 "$bin" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
	grep -qe "$o" "$t/man.txt" || missing+=" $o"
done
check man_every_option '[ -z "$missing" ]' "not in the man page:$missing"

# The installed binary finds the firmware it ships (--uefi, no path).
timeout 60 "$bin" run --uefi "$t/vars.img" --dump-dtb "$t/x.dtb" \
	</dev/null >"$t/uefi.out" 2>&1
expect_status installed_finds_firmware 0 $?

make -s --no-print-directory uninstall DESTDIR="$root" >"$t/uninstall.log" 2>&1
expect_status uninstall_status 0 $?
left=$(find "$root" -type f | head -n 3)
check uninstall_removes_all '[ -z "$left" ]' "left behind: $left"
