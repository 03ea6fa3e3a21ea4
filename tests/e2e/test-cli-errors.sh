#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf delete, lxf info, lxf rename, lxf snapshot, lxf config show
# covers: lxf profile list, lxf file push, lxf remote add
# covers: lxf alias add, lxf alias list, lxf alias rename, lxf alias remove
#
# Bad input to the CLI: unknown remote, unknown instance, bad filter, bad
# column letter, bad flags and argument counts, a malformed config.yml
# (left byte-identical), an instance on a dead remote. Each gives a clear
# message and the documented exit status (1 error, 2 usage). Help that is
# not an error, and "did you mean" for commands, flags and remotes.
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
assert_contains "$LXFE_ERR" "missing subcommand after 'profile'"
assert_contains "$LXFE_ERR" "profile add" "the subcommands listed"
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

# Help is not an error: every group lists its subcommands (exit 0, stdout).
for g in file config image profile remote "image alias" "config device" network storage \
	operation alias; do
	# shellcheck disable=SC2086
	assert_exit 0 lxf_run $g --help
	assert_contains "$LXFE_OUT" "Usage: lxf $g SUBCOMMAND" "lxf $g --help"
	assert_contains "$LXFE_OUT" "  $g " "lxf $g --help: its subcommands"
done
# lxf alone, no terminal: a short pointer on stderr (not the whole list), exit 2.
assert_exit 2 lxf_run
assert_contains "$LXFE_ERR" "Run 'lxf --help'"
[ "$(printf '%s\n' "$LXFE_ERR" | wc -l)" -le 4 ] || fail "lxf alone: $LXFE_ERR"
# list --help explains the filters and the column letters.
assert_exit 0 lxf_run list --help
assert_contains "$LXFE_OUT" "key=value"
assert_contains "$LXFE_OUT" "S  number of snapshots"
assert_contains "$LXFE_OUT" "--fast"
# Did you mean: commands, subcommands, flags, remotes (the known ones listed).
assert_exit 2 lxf_run lsit
assert_contains "$LXFE_ERR" "Did you mean: list"
assert_exit 2 lxf_run image lsit
assert_contains "$LXFE_ERR" "Did you mean: image list"
assert_exit 2 lxf_run delete --forse h1:c1
assert_contains "$LXFE_ERR" "Did you mean: --force"
assert_exit 1 lxf_run info h2:c1
assert_contains "$LXFE_ERR" "remote 'h2' not found: did you mean 'h1'?"
assert_contains "$LXFE_ERR" "local, h1"
# An alias may not hide a built-in command, and aliases that call each other stop.
assert_exit 2 lxf_run alias add list "remote list"
assert_contains "$LXFE_ERR" "would hide the built-in command 'list'"
assert_exit 0 lxf_run alias add loop1 "loop2 x"
assert_exit 0 lxf_run alias add loop2 "loop1"
assert_exit 2 lxf_run loop1
assert_contains "$LXFE_ERR" "expands in a loop"
assert_exit 0 lxf_run alias rename loop1 loop3
assert_exit 0 lxf_run alias remove loop2
assert_exit 0 lxf_run alias remove loop3
assert_exit 0 lxf_run alias list -f csv
assert_eq "" "$LXFE_OUT" "aliases left"

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
