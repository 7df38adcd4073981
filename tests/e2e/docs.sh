#!/usr/bin/env bash
# The documentation's generated parts (the flash parts table, the option
# reference) are what norvm prints today: scripts/doc-tables --check.
. "$(dirname "$0")/lib.sh"
timeout 120 scripts/doc-tables --check "$NORVM" >"$E2E_TMP/docs.out" 2>&1
rc=$?
check docs_generated '[ $rc -eq 0 ]' "$(head -c 600 "$E2E_TMP/docs.out")"
