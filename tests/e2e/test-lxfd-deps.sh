#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf exec
# covers: POST /1.0/images
#
# lxfd's idle memory (issue #3) rests on keeping libcurl and libarchive out
# of the daemon process: the client subcommands run as lxfd-admin and the
# tarball work as lxfd-image, both exec'd. This guards that design without a
# timing or size threshold: lxfd links neither library, a running lxfd that
# imported and unpacked an image maps neither, no helper stays behind, and
# the helpers' errors reach the caller.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

bin=$LXFE_LXFD
assert_exit 0 ldd "$bin"
assert_not_contains "$LXFE_OUT" "libcurl"
assert_not_contains "$LXFE_OUT" "libarchive"
assert_exit 0 ldd "$(dirname "$bin")/lxfd-admin"
assert_contains "$LXFE_OUT" "libcurl"
assert_exit 0 ldd "$(dirname "$bin")/lxfd-image"
assert_contains "$LXFE_OUT" "libarchive"

# hosts_up waits with `lxfd waitready`, which runs through lxfd-admin.
hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
assert_exit 0 lxf_run exec h1:c1 -- true
sock=$(host_socket 1)
pid=$(cat "$(host_dir 1)/lxfd.pid")
assert_eq "$(readlink "/proc/$pid/exe")" "$(readlink -f "$bin")"
maps=$(cat "/proc/$pid/maps")
assert_not_contains "$maps" "libcurl"
assert_not_contains "$maps" "libarchive"
# Helpers are short-lived: nothing of ours is left as lxfd's child.
assert_eq "$(pgrep -P "$pid" -f 'lxfd-(image|admin)' | wc -l)" "0"

# A broken tarball: lxfd-image's refusal reaches the API caller.
bad=$(mktemp)
head -c 4096 /dev/urandom >"$bad"
out=$(curl -s --unix-socket "$sock" -X POST -H 'Content-Type: application/octet-stream' \
	--data-binary @"$bad" http://lxd/1.0/images)
rm -f "$bad"
op=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["operation"])' <<<"$out")
res=$(curl -s --unix-socket "$sock" "http://lxd$op/wait?timeout=30")
assert_contains "$res" "not a tarball"
assert_contains "$res" '"status":"Failure"'

# Client subcommands without their helper: a clear error, not a hang.
LXF_HELPER_DIR=/nonexistent assert_exit 1 "$bin" waitready --dir "$(host_dir 1)" --timeout 1
assert_contains "$LXFE_ERR" "lxfd-admin not found"
assert_exit 0 "$bin" waitready --dir "$(host_dir 1)" --timeout 5
assert_exit 2 "$bin" waitready --bogus
assert_exit 2 "$bin" init
assert_contains "$LXFE_ERR" "exactly one of --auto and --preseed"
