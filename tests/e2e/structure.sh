#!/usr/bin/env bash
# The source's shape: src/soft/, src/hw/ and src/board/ have no circle of
# includes or calls between their files (scripts/layers), and no source
# file is longer than MAX_LINES but the interpreter's dispatch.
. "$(dirname "$0")/lib.sh"
MAX_LINES=800
LONG_OK=src/soft/exec.c	# one function, one label per instruction

for dir in src/soft src/hw src/board; do
	scripts/layers "$BUILD" "$dir" >"$E2E_TMP/layers.out" 2>&1
	rc=$?
	check "layers_${dir#src/}" '[ $rc -eq 0 ]' "$(tr '\n' ' ' <"$E2E_TMP/layers.out")"
done

long=
for f in src/*.[ch] src/*/*.[ch]; do
	n=$(wc -l <"$f")
	[ "$n" -le $MAX_LINES ] || [ "$f" = "$LONG_OK" ] || long+=" $f ($n)"
done
check file_lengths '[ -z "$long" ]' "over $MAX_LINES lines:$long"
