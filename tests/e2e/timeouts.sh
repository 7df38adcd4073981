#!/usr/bin/env bash
# Every norvm a test starts runs under a timeout, so no test can hang the
# run: outside of assignments and comments, each line of tests/run.sh and
# tests/e2e/*.sh that names $NORVM also names timeout (e2e tests call
# lib.sh's norvm or run_guest, run.sh its run_one), or only takes its name
# (basename "$NORVM").
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
bare=$(grep -nE '\$\{?NORVM\b' tests/run.sh tests/e2e/*.sh |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(#|export |NORVM=)' |
	grep -vE 'timeout|run_one |basename "\$NORVM"')
if [ -z "$bare" ]; then
	echo "PASS every_norvm_under_timeout"
else
	echo "FAIL every_norvm_under_timeout: $(tr '\n' ' ' <<<"$bare")"
fi
