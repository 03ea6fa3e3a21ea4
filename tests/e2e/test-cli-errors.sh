#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf delete, lxf info, lxf rename, lxf snapshot, lxf config show
# covers: lxf profile list, lxf file push, lxf remote add
#
# Bad input to the CLI: unknown remote, unknown instance, bad filter, bad
# column letter, bad flags and argument counts, a malformed config.yml
# (left byte-identical), an instance on a dead remote. Each gives a clear
# message and the documented exit status (1 error, 2 usage).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1

# Unknown remote: exit 1, named.
for cmd in "info nosuch:c1" "config show nosuch:c1" "profile list nosuch:" \
	"file pull nosuch:c1/etc/hosts /tmp" "snapshot nosuch:c1" "network list nosuch:" \
	"storage list nosuch:" "operation list nosuch:" "rename nosuch:a b"; do
	# shellcheck disable=SC2086
	assert_exit 1 lxf_run $cmd
	assert_contains "$LXFE_ERR" "Error: remote 'nosuch' not found" "lxf $cmd"
done

# Unknown instance: the server's message, exit 1.
for cmd in "info h1:ghost" "config show h1:ghost" "config set h1:ghost user.a=1" \
	"snapshot h1:ghost" "rename h1:ghost g2" "delete h1:ghost" \
	"config device list h1:ghost" "profile add h1:ghost default"; do
	# shellcheck disable=SC2086
	assert_exit 1 lxf_run $cmd
	assert_contains "$LXFE_ERR" "Error: " "lxf $cmd"
	assert_contains "$LXFE_ERR" "ot found" "lxf $cmd"
done

# Bad filters and columns: usage errors, nothing asked of any server.
assert_exit 2 lxf_run list '=x'
assert_contains "$LXFE_ERR" "bad filter '=x': empty key"
assert_exit 2 lxf_run list 'ipv4=notanip'
assert_contains "$LXFE_ERR" "not an IPv4 address"
assert_exit 2 lxf_run list -c nZ
assert_contains "$LXFE_ERR" "unknown column 'Z'"
assert_exit 2 lxf_run list -f nope
assert_contains "$LXFE_ERR" "unknown format 'nope'"

# Usage: unknown flags, subcommands, argument counts, bad values.
assert_exit 2 lxf_run config show --bogus
assert_contains "$LXFE_ERR" "unknown flag"
assert_exit 2 lxf_run profile
assert_contains "$LXFE_ERR" "missing or unknown subcommand"
assert_exit 2 lxf_run rename h1:only
assert_contains "$LXFE_ERR" "Usage: lxf rename"
assert_exit 2 lxf_run file push /etc/hostname h1:c1
assert_contains "$LXFE_ERR" "INSTANCE/PATH"
assert_exit 2 lxf_run file push --mode 999 /etc/hostname h1:c1/tmp/x
assert_contains "$LXFE_ERR" "bad mode '999'"
assert_exit 2 lxf_run file push --uid -3 /etc/hostname h1:c1/tmp/x
assert_contains "$LXFE_ERR" "bad uid"
assert_exit 2 lxf_run snapshot h1:c1 bad/name
assert_contains "$LXFE_ERR" "bad snapshot name"
assert_exit 2 lxf_run delete h1:c1/a/b
assert_contains "$LXFE_ERR" "INSTANCE/SNAPSHOT"
for c in "config show" "profile list" "file push" "snapshot" "operation list" "network info" \
	"storage show" "image export"; do
	# shellcheck disable=SC2086
	assert_exit 0 lxf_run $c --help
	assert_contains "$LXFE_OUT" "Usage: lxf $c"
done

# A dead remote: the socket is gone. Exit 1 and the address named; -q changes nothing.
assert_exit 0 lxf_run remote add dead "unix://$LXFE_RUN/dead.socket"
assert_exit 1 lxf_run info dead:c1
assert_contains "$LXFE_ERR" "cannot connect"
assert_exit 1 lxf_run -q config show dead:c1
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run profile list dead:

# A malformed config.yml: every command refuses it (exit 1, file:line in
# the message) and the file stays byte-identical, even for writers.
conf=$LXF_CONF/config.yml
cp "$conf" "$LXFE_RUN/config.good"
printf 'default-remote: local\nremotes: [unclosed\n' >"$conf"
sum=$(sha256sum "$conf")
for cmd in "list" "info h1:c1" "config set h1:c1 user.a=1" "profile create h1:p" \
	"remote add x unix:///tmp/x.sock" "remote switch h1"; do
	# shellcheck disable=SC2086
	assert_exit 1 lxf_run $cmd
	assert_contains "$LXFE_ERR" "config.yml" "lxf $cmd"
	assert_contains "$LXFE_ERR" "line" "lxf $cmd"
	assert_eq "$sum" "$(sha256sum "$conf")" "config.yml after lxf $cmd"
done
cp "$LXFE_RUN/config.good" "$conf"
assert_exit 0 lxf_run profile list h1:
