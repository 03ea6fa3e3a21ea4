#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf publish, lxf export, lxf import, lxf image copy, lxf image info
# covers: POST /1.0/images (via lxc), POST /1.0/instances (via lxc)
# covers: GET /1.0/instances/{name}/backups, POST /1.0/instances/{name}/backups
# covers: GET /1.0/instances/{name}/backups/{backup}, POST /1.0/instances/{name}/backups/{backup}
# covers: DELETE /1.0/instances/{name}/backups/{backup}
# covers: GET /1.0/instances/{name}/backups/{backup}/export
#
# Publish and instance backups (issue #17 item 6, issue #18 item 2), on two
# lxfd hosts: `lxf publish` of a stopped instance and of a snapshot makes
# images with the aliases, properties and compression asked; containers
# launched from them (on h1, and on h2 after `lxf image copy`) hold the
# file written before, with its owner; the real `lxc publish`, `lxc export`
# and `lxc import` work too.
# `lxf export` of an instance with a snapshot, `lxf import` on h2: same
# files, the snapshot there, it starts. A cut tarball is refused with the
# reason and leaves nothing on h2; an export into a full disk leaves no
# partial file. The stack export (`lxf export h2`) still works.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

hosts_up 2
hosts_import_image 1
s1=$(host_socket 1)
# q [ARGS] PATH: lxf query on h1, the answer's metadata (--wait: the final op's status).
q() { lxf_run query "$@" | jq -c 'if type == "object" and has("status_code") then .status else . end'; }
# nothing_of N NAME: host N has no trace of instance NAME (row, files, snapshots).
nothing_of() {
	assert_exit 1 lxf_run info "h$1:$2"
	[ ! -e "$(host_dir "$1")/containers/$2" ] || fail "h$1: containers/$2 left behind"
	[ ! -e "$(host_dir "$1")/snapshots/$2" ] || fail "h$1: snapshots/$2 left behind"
	! ls -a "$(host_dir "$1")/images" | grep -q '^\.upload' || fail "h$1: upload file left"
}

# A container with a file owned by a user of its own, a snapshot, then a later file.
assert_exit 0 lxf_run launch busybox h1:c1
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo before > /root/marker; chown 1000:1000 /root/marker'
assert_exit 0 lxf_run snapshot h1:c1 snap0
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo later > /root/after'

# ---- publish: a running instance is refused, a stopped one and a snapshot are images
assert_exit 1 lxf_run publish h1:c1 --alias golden
assert_contains "$LXFE_ERR" "stop it"
assert_exit 0 lxf_run stop h1:c1 --force
assert_exit 0 lxf_run publish h1:c1 --alias golden os=goldenos release=7 --expire 30d
assert_contains "$LXFE_OUT" "Instance published with fingerprint: "
assert_exit 0 lxf_run image info h1:golden
assert_contains "$LXFE_OUT" "os: goldenos"
assert_not_contains "$LXFE_OUT" "Expires: never"
fp=$(lxf_run query h1:/1.0/images/aliases/golden | jq -r .target)
assert_eq '"7"' "$(lxf_run query "h1:/1.0/images/$fp" | jq -c .properties.release)" \
	"a property stays a string"
assert_exit 0 lxf_run publish h1:c1/snap0 --alias snapimg --compression none
assert_exit 2 lxf_run publish h1:c1 notaremote
assert_exit 1 lxf_run publish h1:c1 --compression rar
assert_contains "$LXFE_ERR" "rar"

assert_exit 0 lxf_run launch h1:golden h1:g1
assert_exit 0 lxf_run exec h1:g1 -- sh -c 'cat /root/marker /root/after; stat -c %u:%g /root/marker'
assert_eq "before
later
1000:1000" "$LXFE_OUT" "published instance's files, owner as the container saw it"
assert_exit 0 lxf_run launch h1:snapimg h1:s1
assert_exit 0 lxf_run exec h1:s1 -- sh -c 'cat /root/marker; ls /root'
assert_eq "before
marker" "$LXFE_OUT" "published snapshot: the file of then, not the later one"

assert_exit 0 lxf_run image copy h1:golden h2: --alias golden
assert_exit 0 lxf_run launch h2:golden h2:g2
assert_exit 0 lxf_run exec h2:g2 -- cat /root/marker
assert_eq "before" "$LXFE_OUT" "published image copied to h2"
assert_exit 0 lxf_run delete h1:g1 h1:s1 h2:g2 --force

# The real client: `lxc publish` against lxfd.
lx() { LXD_SOCKET=$s1 LXD_CONF=$LXFE_RUN/lxc-conf timeout 60 lxc "$@" >/dev/null 2>&1; }
lx publish c1/snap0 --alias vialxc description=fromlxc || fail "lxc publish against lxfd failed"
assert_exit 0 lxf_run image info h1:vialxc
assert_contains "$LXFE_OUT" "description: fromlxc"
# ... and its export and import (the backup's name from the op, X-LXD-name).
lx export c1 "$LXFE_RUN/lxc.tar.gz" || fail "lxc export from lxfd failed"
lx import "$LXFE_RUN/lxc.tar.gz" c3 || fail "lxc import into lxfd failed"
assert_exit 0 lxf_run info h1:c3
assert_contains "$LXFE_OUT" "snap0"
assert_exit 0 lxf_run delete h1:c3

# ---- the backup routes as LXD has them
assert_eq '"Success"' "$(q -X POST -d '{"name":"b1","compression_algorithm":"none"}' --wait h1:/1.0/instances/c1/backups)"
assert_eq '["/1.0/instances/c1/backups/b1"]' "$(q h1:/1.0/instances/c1/backups)"
assert_eq false "$(q h1:/1.0/instances/c1/backups/b1 | jq .instance_only)"
assert_eq '"Success"' "$(q -X POST -d '{"name":"b2"}' --wait h1:/1.0/instances/c1/backups/b1)"
curl -sf --unix-socket "$s1" -o "$LXFE_RUN/b2.tar" http://lxd/1.0/instances/c1/backups/b2/export ||
	fail "backup export"
tar tf "$LXFE_RUN/b2.tar" >"$LXFE_RUN/b2.list"
for f in backup/index.yaml backup/container/backup.yaml backup/container/rootfs/root/marker \
	backup/snapshots/snap0/rootfs/root/marker; do
	grep -qx "$f" "$LXFE_RUN/b2.list" || fail "the backup has no $f"
done
assert_eq '"Success"' "$(q -X DELETE --wait h1:/1.0/instances/c1/backups/b2)"
assert_eq '[]' "$(q h1:/1.0/instances/c1/backups)"

# ---- lxf export / lxf import between hosts
assert_exit 0 lxf_run export h1:c1 "$LXFE_RUN/c1.tar.gz"
assert_eq '[]' "$(q h1:/1.0/instances/c1/backups)"
assert_exit 0 lxf_run import h2: "$LXFE_RUN/c1.tar.gz"
assert_exit 0 lxf_run start h2:c1
assert_exit 0 lxf_run exec h2:c1 -- sh -c 'cat /root/marker /root/after; stat -c %u /root/marker'
assert_eq "before
later
1000" "$LXFE_OUT" "imported instance's files"
assert_exit 0 lxf_run info h2:c1
assert_contains "$LXFE_OUT" "snap0"
assert_exit 0 lxf_run restore h2:c1 snap0
assert_exit 1 lxf_run import h2: "$LXFE_RUN/c1.tar.gz" c1
assert_contains "$LXFE_ERR" "already exists"

# A cut tarball: refused with the reason, nothing left.
head -c 300000 "$LXFE_RUN/c1.tar.gz" >"$LXFE_RUN/cut.tar.gz"
assert_exit 1 lxf_run import h2: "$LXFE_RUN/cut.tar.gz" cut
assert_contains "$LXFE_ERR" "runcated"
nothing_of 2 cut
printf 'not a tarball' >"$LXFE_RUN/junk.tar.gz"
assert_exit 1 lxf_run import h2: "$LXFE_RUN/junk.tar.gz" junk
nothing_of 2 junk

# An export into a full disk: no partial file, no temporary one, no backup left.
mkdir "$LXFE_RUN/small"
mount -t tmpfs -o size=256k tmpfs "$LXFE_RUN/small"
assert_exit 1 lxf_run export h1:c1 "$LXFE_RUN/small/c1.tar.gz"
assert_eq "" "$(ls -A "$LXFE_RUN/small")" "files left after a failed export"
umount "$LXFE_RUN/small"
assert_eq '[]' "$(q h1:/1.0/instances/c1/backups)"

# ---- the stack export is still the stack export
assert_exit 0 lxf_run export h2
assert_contains "$LXFE_OUT" "name: c1"
assert_contains "$LXFE_OUT" "remote: h2"
assert_exit 0 lxf_run export h2:
assert_contains "$LXFE_OUT" "version: 1"

echo "PASS: publish, export and import"
