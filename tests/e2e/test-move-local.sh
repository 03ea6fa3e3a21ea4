#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf init, lxf start, lxf stop, lxf info, lxf move, lxf copy, lxf snapshot
# covers: lxf config get, lxf config set, lxf profile create, lxf query, lxf exec
# covers: POST /1.0/instances, GET /1.0/instances/{name}
#
# lxf move and copy on one remote: a rename of an instance or a snapshot
# (config and snapshots follow), a copy of a stopped instance; between
# remotes, bad requests are refused before anything is touched, so the
# source is left as it was and the target gets nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run init busybox h1:c1
assert_exit 0 lxf_run config set h1:c1 user.v=1
assert_exit 0 lxf_run snapshot h1:c1 s1

# Same remote: a rename, config and snapshot kept.
assert_exit 0 lxf_run move h1:c1 h1:c2
assert_exit 0 lxf_run config get h1:c2 user.v
assert_eq 1 "$LXFE_OUT" "config after move"
assert_exit 0 lxf_run info h1:c2
assert_contains "$LXFE_OUT" "| s1 "
assert_exit 1 lxf_run info h1:c1
assert_contains "$LXFE_ERR" "Error: "

# A snapshot moves within its instance; "mv" is the alias.
assert_exit 0 lxf_run mv h1:c2/s1 h1:c2/s2
assert_exit 0 lxf_run info h1:c2
assert_contains "$LXFE_OUT" "| s2 "
assert_not_contains "$LXFE_OUT" "| s1 "
assert_exit 2 lxf_run move h1:c2/s2 h1:other/s3
assert_contains "$LXFE_ERR" "stays with its instance"
assert_exit 2 lxf_run move h1:c2 h1:c3/s1
assert_exit 2 lxf_run move h1:c2 h1:
assert_contains "$LXFE_ERR" "already on remote"
assert_exit 2 lxf_run move h1:c2
assert_exit 1 lxf_run move h1:nosuch h1:x
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run move nosuchremote:c2 h1:x
assert_contains "$LXFE_ERR" "nosuchremote"

# A name taken on the remote: refused, both instances unchanged.
assert_exit 0 lxf_run init busybox h1:taken
assert_exit 1 lxf_run move h1:c2 h1:taken
assert_exit 0 lxf_run config get h1:c2 user.v
assert_eq 1 "$LXFE_OUT" "source after a refused rename"

# A running instance is not renamed.
assert_exit 0 lxf_run start h1:c2
assert_exit 1 lxf_run move h1:c2 h1:c4
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run info h1:c4

# lxf copy on one remote: a running source is refused, nothing made.
assert_exit 0 lxf_run exec h1:c2 -- sh -c 'echo hello >/root/f && chown 0:0 /root/f'
assert_exit 1 lxf_run copy h1:c2 h1:c7
assert_contains "$LXFE_ERR" "must be stopped"
assert_exit 1 lxf_run info h1:c7
assert_exit 0 lxf_run stop h1:c2 --force

# A stopped source: files (owners kept), config and snapshots copied, the
# source unchanged.
assert_exit 0 lxf_run copy h1:c2 h1:c5
assert_exit 0 lxf_run config get h1:c5 user.v
assert_eq 1 "$LXFE_OUT" "config of the copy"
assert_exit 0 lxf_run info h1:c5
assert_contains "$LXFE_OUT" "| s2 "
assert_exit 0 lxf_run start h1:c5
assert_exit 0 lxf_run exec h1:c5 -- sh -c 'cat /root/f; stat -c %u:%g /root/f /bin/busybox'
assert_eq "hello
0:0
0:0" "$LXFE_OUT" "files of the copy"
assert_exit 0 lxf_run stop h1:c5 --force
assert_exit 0 lxf_run info h1:c2
assert_contains "$LXFE_OUT" "| s2 "
assert_exit 0 lxf_run cp h1:c2 h1:c6 --instance-only
assert_exit 0 lxf_run info h1:c6
assert_not_contains "$LXFE_OUT" "| s2 "
assert_exit 1 lxf_run copy h1:c2 h1:taken
assert_contains "$LXFE_ERR" "already exists"
assert_exit 1 lxf_run copy h1:nosuch h1:c8
assert_exit 1 lxf_run query -X POST --wait h1:/1.0/instances \
	-d '{"name":"c9","source":{"type":"copy","source":"c2"},"config":{"security.privileged":"true"}}'
assert_contains "$LXFE_ERR" "security.privileged"
assert_exit 1 lxf_run info h1:c9
assert_exit 1 lxf_run info h1:c8
# A copy failing half-way (a stale file where its snapshots go) leaves
# nothing behind: no instance, no container directory; the source is intact.
d1=$(host_dir 1)
[ -d "$d1/snapshots/c2" ] || fail "no snapshot directory at $d1/snapshots/c2"
echo stale >"$d1/snapshots/c10"
assert_exit 1 lxf_run copy h1:c2 h1:c10
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run info h1:c10
[ ! -e "$d1/containers/c10" ] || fail "half-made copy left in $d1/containers/c10"
assert_exit 0 lxf_run info h1:c2
assert_contains "$LXFE_OUT" "| s2 "
rm -f "$d1/snapshots/c10"
assert_exit 0 lxf_run copy h1:c2 h1:c10
assert_exit 0 lxf_run info h1:c10
assert_contains "$LXFE_OUT" "| s2 "

# -c and -p on one remote: the copy gets the key on top of the source's
# config and the profiles asked for; the source keeps its own. --refresh
# is for copies between remotes: refused, nothing made.
assert_exit 0 lxf_run profile create h1:pc
assert_exit 0 lxf_run copy h1:c2 h1:c11 -c user.w=2 -p default -p pc
assert_exit 0 lxf_run query h1:/1.0/instances/c11
assert_eq '1 2 ["default","pc"]' "$(jq -c -j '.config["user.v"], " ", .config["user.w"], " ", .profiles' <<<"$LXFE_OUT")" "config and profiles of c11"
assert_exit 0 lxf_run config get h1:c2 user.w
assert_eq "" "$LXFE_OUT" "source config after a copy with -c"
assert_exit 2 lxf_run copy h1:c2 h1:c12 -c novalue
assert_contains "$LXFE_ERR" "KEY=VALUE"
assert_exit 2 lxf_run copy h1:c2 h1:c12 --refresh
assert_contains "$LXFE_ERR" "between remotes only"
assert_exit 1 lxf_run info h1:c12

assert_exit 2 lxf_run copy h1:c2 h1:
# Between remotes (test-move-remote.sh covers the transfers): what is
# refused is refused before anything is touched, the source untouched,
# nothing on h2.
assert_exit 2 lxf_run move h1:c2/s2 h2:
assert_contains "$LXFE_ERR" "snapshots move with their instance"
assert_exit 2 lxf_run move h1:c2 h2:c9 --mode sideways
assert_contains "$LXFE_ERR" "unknown mode 'sideways'"
assert_exit 1 lxf_run move h1:c2 h2:c9 --mode pull
assert_contains "$LXFE_ERR" "use --mode relay"
assert_exit 2 lxf_run move h1:c2 h1:taken h2:named
assert_contains "$LXFE_ERR" "destination is a remote only"
assert_exit 0 lxf_run config get h1:c2 user.v
assert_eq 1 "$LXFE_OUT" "source after a refused move"
assert_exit 0 lxf_run list h2: -f csv -c n
assert_eq "" "$LXFE_OUT" "nothing made on h2"

teardown
