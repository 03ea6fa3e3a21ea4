#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf pause, lxf start, lxf console, lxf list
#
# lxf pause freezes a running instance (liblxc sees FROZEN, lxf list shows
# it) and lxf start thaws it; lxf console attaches to the instance's
# console: what the container writes to /dev/console reaches the terminal,
# Ctrl+a q detaches with status 0, and --show-log prints the kept log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1

assert_exit 0 lxf_run pause h1:c1
assert_eq FROZEN "$(container_state 1 c1)" "liblxc after pause"
assert_exit 0 lxf_run list h1:c1 -c ns -f csv
assert_eq "c1,FROZEN" "$LXFE_OUT" "lxf list after pause"
assert_exit 1 lxf_run pause h1:nope
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run start h1:c1
assert_eq RUNNING "$(container_state 1 c1)" "liblxc after start"

# The container writes to its console while lxf is attached (in a pty, as
# lxf_run would run it); Ctrl+a q detaches.
out=$( (
	lxfe_sleep 2
	lxf_run exec h1:c1 -- sh -c 'echo CONSOLE-MARK >/dev/console' >/dev/null 2>&1
	lxfe_sleep 1
	printf '\001'
	lxfe_sleep 0.5
	printf 'q'
	lxfe_sleep 3
) | timeout 20 script -qec "LXF_CONF='$LXF_CONF' LXF_DIR='$LXFE_RUN/no-local' '$LXFE_LXF' \
	console h1:c1; echo CONSOLE-EXIT=\$?" /dev/null) || true
assert_contains "$out" "CONSOLE-MARK" "console output"
assert_contains "$out" "CONSOLE-EXIT=0" "detach status"
assert_exit 0 lxf_run console h1:c1 --show-log
assert_contains "$LXFE_OUT" "CONSOLE-MARK" "console log"
assert_exit 1 lxf_run console h1:nope
assert_contains "$LXFE_ERR" "Error: "

echo "PASS test-cli-pause-console"
