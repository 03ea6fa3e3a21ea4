#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: GET /1.0/storage-pools/{pool}/volumes (via lxc)
# covers: POST /1.0/storage-pools/{pool}/volumes
# covers: GET /1.0/storage-pools/{pool}/volumes/{vtype}
# covers: POST /1.0/storage-pools/{pool}/volumes/{vtype} (via lxc)
# covers: GET /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}
# covers: PUT /1.0/storage-pools/{pool}/volumes/{vtype}/{vol} (via lxc)
# covers: PATCH /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}
# covers: POST /1.0/storage-pools/{pool}/volumes/{vtype}/{vol} (via lxc)
# covers: DELETE /1.0/storage-pools/{pool}/volumes/{vtype}/{vol} (via lxc)
# covers: GET /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/state
# covers: GET /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots
# covers: POST /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots (via lxc)
# covers: GET /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots/{snap}
# covers: PUT /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots/{snap}
# covers: PATCH /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots/{snap}
# covers: POST /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots/{snap} (via lxc)
# covers: DELETE /1.0/storage-pools/{pool}/volumes/{vtype}/{vol}/snapshots/{snap} (via lxc)
# covers: lxf storage volume list, lxf storage volume create, lxf storage volume show
# covers: lxf storage volume edit, lxf storage volume get, lxf storage volume set
# covers: lxf storage volume unset, lxf storage volume rename, lxf storage volume delete
# covers: lxf storage volume attach, lxf storage volume detach, lxf storage volume copy
# covers: lxf storage volume snapshot, lxf storage volume restore
#
# Custom storage volumes of the dir pool "default", driven by LXD's own
# client (`lxc storage volume ...` through LXD_SOCKET), pylxd 2.2 and `lxf
# storage volume ...`: create, list (the instances' volumes too, as LXD's
# dir pool lists them), show, set/get/unset, edit, rename, state, delete;
# attached as a disk device to two containers at once, written by each
# container's root and owned by its host uid, kept across a restart of
# the container and of lxfd, mounted and unmounted in a running one at
# once (hot-plug); deleting or renaming an attached volume is
# refused and changes nothing; bad names, keys and pools are refused
# with the volume named.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

hosts_up 1
hosts_import_image 1

lxc_client 1

# ---------------------------------------------------------------- lxc: create, list, show
assert_exit 0 lx storage volume list default -f json
assert_eq "[]" "$LXFE_OUT" "no volumes at start"
assert_exit 0 lx storage volume create default v1 user.made=yes
assert_exit 0 lx storage volume list default -f json
json_check '[(v["type"], v["name"], v["content_type"]) for v in d] == [("custom", "v1", "filesystem")]' <<<"$LXFE_OUT"
assert_exit 0 lx storage volume show default v1
assert_contains "$LXFE_OUT" "name: v1"
assert_contains "$LXFE_OUT" "user.made: \"yes\""
assert_contains "$LXFE_OUT" "type: custom"
# Its tree: owned by the unprivileged containers' root, host users kept out.
vdir=$(host_dir 1)/custom/v1
assert_eq "100 $(stat -c %u "$(host_dir 1)/containers")" "$(stat -c '%a' "$vdir") 0" "volume dir mode"
[ "$(stat -c %u "$vdir/root")" -gt 0 ] || fail "volume root owned by host root"
# Bad input: refused, named, nothing made.
assert_exit 1 lx storage volume create default v1
assert_contains "$LXFE_ERR" 'Storage volume "v1" already exists'
assert_exit 1 lx storage volume create default 'a+b'
assert_contains "$LXFE_ERR" 'Invalid storage volume name "a+b"'
assert_exit 1 lx storage volume create default v2 size=1GiB
assert_contains "$LXFE_ERR" 'Storage volume "v2": "size" is not supported'
assert_exit 1 lx storage volume create default v2 foo=bar
assert_contains "$LXFE_ERR" 'Storage volume "v2": invalid config key "foo"'
assert_exit 1 lx storage volume create nosuchpool v2
assert_contains "$LXFE_ERR" "not found"
assert_exit 0 lx storage volume list default -f csv
assert_eq "custom,v1,,filesystem,0" "$LXFE_OUT" "list after bad creates"
[ ! -e "$(host_dir 1)/custom/v2" ] || fail "a refused create left files"

# ---------------------------------------------------------------- set, get, unset, edit, state
assert_exit 0 lx storage volume set default v1 user.foo bar
assert_exit 0 lx storage volume get default v1 user.foo
assert_eq bar "$LXFE_OUT" "volume get"
assert_exit 1 lx storage volume set default v1 size 2GiB
assert_contains "$LXFE_ERR" '"size" is not supported'
assert_exit 0 lx storage volume unset default v1 user.foo
assert_exit 0 lx storage volume get default v1 user.foo
assert_eq "" "$LXFE_OUT" "volume unset"
printf 'description: edited\nconfig:\n  user.k: v\n' | lx storage volume edit default v1 >/dev/null ||
	fail "lxc storage volume edit"
assert_exit 0 lx storage volume show default v1
assert_contains "$LXFE_OUT" "description: edited"
assert_contains "$LXFE_OUT" "user.k: v"
# The raw API: a create on the collection, a PATCH keeping other keys, one type's list.
assert_exit 0 lx query -X POST /1.0/storage-pools/default/volumes -d '{"name": "q1", "type": "custom"}'
assert_exit 0 lx query -X PATCH /1.0/storage-pools/default/volumes/custom/q1 -d '{"config": {"user.p": "1"}}'
assert_exit 0 lx query -X PATCH /1.0/storage-pools/default/volumes/custom/q1 -d '{"config": {"user.q": "2"}}'
assert_exit 0 lx query /1.0/storage-pools/default/volumes/custom/q1
# volatile.idmap.last: the map its files carry, as LXD shows it (a copy to LXD takes it along).
json_check '{k: v for k, v in d["config"].items() if k != "volatile.idmap.last"} == {"user.p": "1", "user.q": "2"} and json.loads(d["config"]["volatile.idmap.last"])[0]["Nsid"] == 0' <<<"$LXFE_OUT"
assert_exit 1 lx query -X POST /1.0/storage-pools/default/volumes -d '{"name": "q2", "type": "custom", "content_type": "block"}'
assert_contains "$LXFE_ERR" 'Storage volume "q2": content type "block" is not supported'
assert_exit 0 lx query /1.0/storage-pools/default/volumes/custom
assert_eq '[
	"/1.0/storage-pools/default/volumes/custom/q1",
	"/1.0/storage-pools/default/volumes/custom/v1"
]' "$LXFE_OUT" "the custom volumes' URLs"
assert_exit 0 lx storage volume delete default q1
assert_exit 0 lx query /1.0/storage-pools/default/volumes/custom/v1/state
json_check 'd["usage"]["used"] >= 0' <<<"$LXFE_OUT"
assert_exit 1 lx query /1.0/storage-pools/default/volumes/custom/nosuch
assert_contains "$LXFE_ERR" "Storage volume not found"
assert_exit 1 lx query /1.0/storage-pools/default/volumes/bogus
assert_contains "$LXFE_ERR" 'Invalid storage volume type "bogus"'

# ---------------------------------------------------------------- attach to two containers
assert_exit 0 lx init busybox c1
assert_exit 0 lx init busybox c2
assert_exit 0 lx storage volume attach default v1 c1 /mnt/data
assert_exit 0 lx storage volume attach default v1 c2 data /data
assert_exit 1 lx storage volume attach default nosuch c1 other /other
assert_contains "$LXFE_ERR" 'storage volume "nosuch" not found on pool "default"'
assert_exit 0 lx storage volume show default v1
assert_contains "$LXFE_OUT" "/1.0/instances/c1"
assert_contains "$LXFE_OUT" "/1.0/instances/c2"
assert_exit 0 lx storage volume list default -f json
json_check 'sorted((v["type"], v["name"]) for v in d) == [("container", "c1"), ("container", "c2"), ("custom", "v1")]' <<<"$LXFE_OUT"
assert_exit 0 lx start c1 c2
assert_exit 0 lx exec c1 -- sh -c 'echo from-c1 > /mnt/data/f1'
assert_exit 0 lx exec c2 -- cat /data/f1
assert_eq from-c1 "$LXFE_OUT" "c2 reads what c1 wrote"
assert_exit 0 lx exec c2 -- sh -c 'echo from-c2 > /data/f2 && ls -ln /data/f2'
assert_contains "$LXFE_OUT" " 0 " "owned by root inside"
base=$(stat -c %u "$(host_dir 1)/containers/c1/rootfs")
assert_eq "$base" "$(stat -c %u "$vdir/root/f1")" "f1 owned by c1's root on the host"
assert_eq "$base" "$(stat -c %u "$vdir/root/f2")" "f2 owned by c2's root on the host"
# In use: delete and rename refused, nothing changed.
assert_exit 1 lx storage volume delete default v1
assert_contains "$LXFE_ERR" 'Cannot delete storage volume "v1": it is still in use by /1.0/instances/c1'
assert_exit 1 lx storage volume rename default v1 v9
assert_contains "$LXFE_ERR" "still in use"
[ -f "$vdir/root/f1" ] || fail "a refused delete removed files"
# Across a restart of the container and of lxfd.
assert_exit 0 lx restart c1 --force
host_lxfd_restart 1
assert_exit 0 lx exec c1 -- cat /mnt/data/f1 /mnt/data/f2
assert_eq "from-c1
from-c2" "$LXFE_OUT" "after restarts"
# Hot-plug, as in LXD: attached to a running container, mounted at once; detached, gone.
assert_exit 0 lx storage volume attach default v1 c1 hot /srv/hot/data
assert_exit 0 lx exec c1 -- cat /srv/hot/data/f2
assert_eq from-c2 "$LXFE_OUT" "hot-plugged volume"
assert_exit 0 lx exec c1 -- ls -ldn /srv/hot
assert_contains "$LXFE_OUT" " 0 " "the mount point made is owned by root inside"
assert_exit 0 lx config device remove c1 hot
assert_exit 0 lx exec c1 -- sh -c 'test -e /srv/hot/data/f2 || echo unplugged'
assert_eq unplugged "$LXFE_OUT" "hot-unplugged volume"
assert_exit 0 lx exec c1 -- cat /mnt/data/f1
assert_eq from-c1 "$LXFE_OUT" "the other mount stays"
assert_exit 0 lx storage volume detach default v1 c1
assert_exit 0 lx exec c1 -- sh -c 'test -e /mnt/data/f1 || echo unplugged'
assert_eq unplugged "$LXFE_OUT" "detach unmounts"
assert_exit 0 lx storage volume detach default v1 c2
assert_exit 0 lx storage volume show default v1
assert_not_contains "$LXFE_OUT" "/1.0/instances/c"

# ---------------------------------------------------------------- snapshots (lxc)
snaps=/1.0/storage-pools/default/volumes/custom/v1/snapshots
assert_exit 0 lx storage volume snapshot default v1
assert_exit 0 lx storage volume snapshot default v1 keep
assert_exit 0 lx query $snaps
assert_eq "[
	\"$snaps/snap0\",
	\"$snaps/keep\"
]" "$LXFE_OUT" "snapshot URLs, oldest first, the first named snap0"
# A copy of the tree with its owners (the containers' host uids).
assert_eq "from-c1 $base" "$(cat "$vdir/snapshots/keep/root/f1") $(stat -c %u "$vdir/snapshots/keep/root/f1")" "snapshot files"
assert_exit 0 lx storage volume show default v1/keep
assert_contains "$LXFE_OUT" "name: keep"
assert_contains "$LXFE_OUT" "user.k: v"
assert_exit 0 lx query "$snaps?recursion=1"
json_check '[s["name"] for s in d] == ["v1/snap0", "v1/keep"] and d[1]["content_type"] == "filesystem"' <<<"$LXFE_OUT"
# Bad names, a clash, a missing volume or snapshot: LXD's errors, nothing made.
assert_exit 1 lx storage volume snapshot default v1 keep
assert_contains "$LXFE_ERR" 'Snapshot "keep" already in use'
assert_exit 1 lx query -X POST $snaps -d '{"name": "a/b"}'
assert_contains "$LXFE_ERR" "may not contain slashes"
assert_exit 1 lx storage volume snapshot default nosuch
assert_contains "$LXFE_ERR" "Storage volume not found"
assert_exit 1 lx storage volume show default v1/nosuch
assert_contains "$LXFE_ERR" "Storage volume snapshot not found"
assert_exit 1 lx query $snaps/nosuch
assert_contains "$LXFE_ERR" "Storage volume snapshot not found"
assert_exit 1 lx query /1.0/storage-pools/default/volumes/container/c1/snapshots
assert_contains "$LXFE_ERR" 'Invalid storage volume type "container"'
[ "$(ls "$vdir/snapshots")" = "$(printf 'keep\nsnap0')" ] || fail "refused snapshots left files"
# The volume's snapshots.expiry: the default expires_at of a new snapshot (lxc --no-expiry: none).
assert_exit 0 lx storage volume set default v1 snapshots.expiry 2d
assert_exit 1 lx storage volume set default v1 snapshots.expiry 2x
assert_contains "$LXFE_ERR" 'invalid snapshots.expiry "2x"'
assert_exit 0 lx storage volume snapshot default v1 exp
assert_exit 0 lx storage volume snapshot default v1 noexp --no-expiry
assert_exit 0 lx query "$snaps?recursion=1"
json_check '(lambda dt: [s["expires_at"][:10] for s in d][2:] == [(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime("%Y-%m-%d"), "0001-01-01"])(__import__("datetime"))' <<<"$LXFE_OUT"
assert_exit 0 lx storage volume unset default v1 snapshots.expiry
assert_exit 0 lx storage volume delete default v1/exp
assert_exit 0 lx storage volume delete default v1/noexp
# Edit (ETag, description, expires_at), rename.
assert_exit 0 lx query -X PATCH $snaps/keep -d '{"description": "kept"}'
assert_exit 0 lx query -X PUT $snaps/keep -d '{"description": "kept", "expires_at": "2099-01-02T03:04:05Z"}'
assert_exit 0 lx query $snaps/keep
json_check 'd["description"] == "kept" and d["expires_at"].startswith("2099-01-02T03:04:05")' <<<"$LXFE_OUT"
assert_exit 0 lx storage volume rename default v1/snap0 v1/first
assert_exit 1 lx storage volume rename default v1/first v1/keep
assert_contains "$LXFE_ERR" 'Snapshot "keep" already in use'
[ -d "$vdir/snapshots/first/root" ] && [ ! -e "$vdir/snapshots/snap0" ] || fail "snapshot rename files"
# Restore: refused while a running container has the volume, then the files come back.
echo changed >"$vdir/root/f1"
rm "$vdir/root/f2"
assert_exit 0 lx storage volume attach default v1 c1 /mnt/data
assert_exit 1 lx storage volume restore default v1 keep
assert_contains "$LXFE_ERR" 'Cannot restore custom volume "v1" used by running instances (c1)'
assert_eq changed "$(cat "$vdir/root/f1")" "a refused restore changed nothing"
assert_exit 0 lx storage volume detach default v1 c1
assert_exit 1 lx storage volume restore default v1 nosuch
assert_contains "$LXFE_ERR" "Storage volume snapshot not found"
assert_exit 0 lx storage volume restore default v1 keep
assert_eq "from-c1 from-c2 $base" "$(cat "$vdir/root/f1" "$vdir/root/f2" | xargs) $(stat -c %u "$vdir/root/f2")" "restored files"
[ ! -e "$vdir/root.restore" ] || fail "restore left its staged copy"
assert_exit 0 lx storage volume delete default v1/first
assert_exit 0 lx query $snaps
json_check 'd == ["/1.0/storage-pools/default/volumes/custom/v1/snapshots/keep"]' <<<"$LXFE_OUT"
[ ! -e "$vdir/snapshots/first" ] || fail "snapshot delete left files"

# ---------------------------------------------------------------- copy and move on one host
assert_exit 0 lx storage volume copy default/v1 default/v1c
cdir=$(host_dir 1)/custom/v1c
assert_eq "from-c1 $base:$base" "$(cat "$cdir/root/f1") $(stat -c %u:%g "$cdir/root/f1")" "copied file, owner"
assert_eq "$(stat -c %a:%u "$vdir/root")" "$(stat -c %a:%u "$cdir/root")" "copied root's mode and owner"
assert_exit 0 lx storage volume show default v1c
assert_contains "$LXFE_OUT" "user.k: v"
assert_contains "$LXFE_OUT" "description: edited"
# Its snapshots came along (files, description, expiry); --volume-only leaves them.
assert_exit 0 lx query "/1.0/storage-pools/default/volumes/custom/v1c/snapshots?recursion=1"
json_check '[s["name"] for s in d] == ["v1c/keep"] and d[0]["description"] == "kept" and d[0]["expires_at"].startswith("2099-01-02")' <<<"$LXFE_OUT"
assert_eq "from-c1 $base" "$(cat "$cdir/snapshots/keep/root/f1") $(stat -c %u "$cdir/snapshots/keep/root/f1")" "copied snapshot's file"
assert_exit 0 lx storage volume copy default/v1 default/v1o --volume-only
assert_exit 0 lx query /1.0/storage-pools/default/volumes/custom/v1o/snapshots
assert_eq "[]" "$LXFE_OUT" "no snapshots with --volume-only"
[ -f "$(host_dir 1)/custom/v1o/root/f1" ] || fail "--volume-only copy lost the files"
assert_exit 0 lx storage volume delete default v1o
# A name taken, a missing source: refused, the volume there unchanged.
echo mine >"$cdir/root/mine"
assert_exit 1 lx storage volume copy default/v1 default/v1c
assert_contains "$LXFE_ERR" 'Storage volume "v1c" already exists'
[ -f "$cdir/root/mine" ] || fail "a refused copy touched the volume there"
assert_exit 1 lx storage volume copy default/nosuch default/v1d
assert_contains "$LXFE_ERR" "not found"
[ ! -e "$(host_dir 1)/custom/v1d" ] || fail "a refused copy left files"
assert_exit 0 lx storage volume move default/v1c default/v1m
assert_exit 0 lx query /1.0/storage-pools/default/volumes/custom
assert_contains "$LXFE_OUT" "custom/v1m"
assert_not_contains "$LXFE_OUT" "custom/v1c"
[ -f "$(host_dir 1)/custom/v1m/root/mine" ] || fail "move lost the files"
assert_exit 0 lx storage volume delete default v1m

# ---------------------------------------------------------------- rename, delete
assert_exit 0 lx storage volume rename default v1 v9
assert_exit 0 lx storage volume list default -f json
json_check '[v["name"] for v in d if v["type"] == "custom"] == ["v9"]' <<<"$LXFE_OUT"
[ -f "$(host_dir 1)/custom/v9/root/f1" ] || fail "rename lost the files"
# The snapshots go with their volume: renamed, then deleted.
assert_exit 0 lx query /1.0/storage-pools/default/volumes/custom/v9/snapshots
assert_contains "$LXFE_OUT" "/custom/v9/snapshots/keep"
[ -f "$(host_dir 1)/custom/v9/snapshots/keep/root/f1" ] || fail "rename lost the snapshot"
assert_exit 0 lx storage volume delete default v9
assert_exit 0 lx storage volume list default -f json
json_check '[v for v in d if v["type"] == "custom"] == []' <<<"$LXFE_OUT"
[ ! -e "$(host_dir 1)/custom/v9" ] || fail "delete left the files"
assert_exit 1 lx query /1.0/storage-pools/default/volumes/custom/v9/snapshots/keep
assert_contains "$LXFE_ERR" "Storage volume not found"
assert_exit 1 lx storage volume delete default v9
assert_contains "$LXFE_ERR" "not found"

# ---------------------------------------------------------------- lxf storage volume
assert_exit 0 lxf_run storage volume create h1:default w1 user.a=1 -d "lxf made"
assert_contains "$LXFE_OUT" "Storage volume w1 created"
assert_exit 0 lxf_run storage volume list h1:default
assert_contains "$LXFE_OUT" "| custom    | w1   | lxf made"
assert_exit 0 lxf_run storage volume list h1:default -f json
json_check '[v["name"] for v in d if v["type"] == "custom"] == ["w1"]' <<<"$LXFE_OUT"
assert_exit 0 lxf_run storage volume show h1:default w1
assert_contains "$LXFE_OUT" "description: lxf made"
assert_exit 0 lxf_run storage volume set h1:default w1 user.b=2
assert_exit 0 lxf_run storage volume get h1:default w1 user.b
assert_eq 2 "$LXFE_OUT" "lxf get"
assert_exit 0 lxf_run storage volume unset h1:default w1 user.a
assert_exit 0 lxf_run storage volume get h1:default w1 user.a
assert_eq "" "$LXFE_OUT" "lxf unset"
assert_exit 1 lxf_run storage volume set h1:default w1 size=1GiB
assert_contains "$LXFE_ERR" '"size" is not supported'
printf 'description: via lxf edit\nconfig:\n  user.c: "3"\n' | lxf_run storage volume edit h1:default w1 ||
	fail "lxf storage volume edit"
assert_exit 0 lxf_run storage volume show h1:default w1
assert_contains "$LXFE_OUT" "description: via lxf edit"
assert_not_contains "$LXFE_OUT" "user.b"
assert_exit 2 lxf_run storage volume show h1:
assert_exit 1 lxf_run storage volume show h1:default nosuch
assert_contains "$LXFE_ERR" "Storage volume not found"
assert_exit 1 lxf_run storage volume create h1:default 'bad+name'
assert_contains "$LXFE_ERR" 'Invalid storage volume name "bad+name"'
assert_exit 0 lxf_run storage volume attach h1:default w1 c2 /w
assert_exit 1 lxf_run storage volume attach h1:default w1 c2 /w
assert_contains "$LXFE_ERR" "device 'w1' already exists"
assert_exit 0 lxf_run config device show h1:c2
assert_contains "$LXFE_OUT" "source: w1"
assert_exit 0 lx exec c2 -- touch /w/by-c2
assert_eq "$base" "$(stat -c %u "$(host_dir 1)/custom/w1/root/by-c2")" "owner of a file made through lxf's attach"
assert_exit 1 lxf_run storage volume delete h1:default w1
assert_contains "$LXFE_ERR" "still in use by /1.0/instances/c2"
assert_exit 0 lxf_run storage volume detach h1:default w1 c2
assert_exit 1 lxf_run storage volume detach h1:default w1 c2
assert_contains "$LXFE_ERR" "no disk device of volume w1"
# Completion: pools, then volumes, then (attach) the pool's instances.
mkdir -p "$LXFE_RUN/bin"
printf '#!/bin/sh\nLXF_CONF=%s LXF_DIR=%s exec %s "$@"\n' "$LXF_CONF" "$LXFE_RUN/no-local" \
	"$LXFE_LXF" >"$LXFE_RUN/bin/lxf"
chmod +x "$LXFE_RUN/bin/lxf"
# shellcheck source-path=SCRIPTDIR/../.. source=config/lxf.bash
. "$LXFE_SRC/config/lxf.bash"
comp() {
	local COMP_LINE="$LXFE_RUN/bin/lxf $1" COMP_WORDBREAKS=$' \t\n"\'><=;|&('
	local COMP_POINT=${#COMP_LINE}
	local -a COMP_WORDS
	read -ra COMP_WORDS <<<"$COMP_LINE"
	COMPREPLY=()
	_lxf 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}
# Snapshots: snapshot, show/get/edit/rename/delete of W/S, restore.
wdir=$(host_dir 1)/custom/w1
assert_exit 0 lxf_run storage volume snapshot h1:default w1
assert_contains "$LXFE_OUT" "Storage volume w1: snapshot created"
assert_exit 0 lxf_run storage volume snapshot h1:default w1 s1
assert_exit 1 lxf_run storage volume snapshot h1:default w1 s1
assert_contains "$LXFE_ERR" 'Snapshot "s1" already in use'
assert_exit 0 lxf_run storage volume show h1:default w1/s1
assert_contains "$LXFE_OUT" "name: s1"
assert_exit 0 lxf_run storage volume get h1:default w1/s1 user.c
assert_eq 3 "$LXFE_OUT" "a snapshot keeps the volume's config"
assert_exit 2 lxf_run storage volume set h1:default w1/s1 user.x=1
assert_contains "$LXFE_ERR" "'h1:w1/s1': not a storage volume snapshot here"
printf 'description: before\nexpires_at: "2098-05-06T07:08:09Z"\n' | lxf_run storage volume edit h1:default w1/s1 ||
	fail "lxf storage volume edit of a snapshot"
assert_exit 0 lxf_run storage volume show h1:default w1/s1
assert_contains "$LXFE_OUT" "description: before"
assert_contains "$LXFE_OUT" "2098-05-06T07:08:09Z"
echo later >"$wdir/root/by-c2"
assert_exit 0 lxf_run storage volume restore h1:default w1 s1
assert_contains "$LXFE_OUT" "Storage volume w1 restored from snapshot s1"
assert_eq "" "$(cat "$wdir/root/by-c2")" "lxf restore"
assert_exit 1 lxf_run storage volume restore h1:default w1 nosuch
assert_contains "$LXFE_ERR" "Storage volume snapshot not found"
assert_eq "w1/s1 w1/snap0" "$(comp "storage volume show h1:default w1/")" "completion of W/S"
assert_eq "s1 snap0" "$(comp "storage volume restore h1:default w1 ")" "completion of restore's snapshot"
assert_exit 0 lxf_run storage volume rename h1:default w1/s1 w1/s2
assert_exit 2 lxf_run storage volume rename h1:default w1/s2 w9/s3
assert_contains "$LXFE_ERR" "'w9/s3' is not a snapshot of storage volume w1"
assert_exit 0 lxf_run storage volume delete h1:default w1/snap0 w1/s2
assert_contains "$LXFE_OUT" "Storage volume snapshot s2 deleted"
assert_exit 1 lxf_run storage volume delete h1:default w1/s2
assert_contains "$LXFE_ERR" "Storage volume snapshot not found"
assert_eq "" "$(ls "$wdir/snapshots")" "lxf deleted the snapshots' files"
assert_eq "h1:default" "$(comp "storage volume show h")" "completion of the pool"
assert_eq "w1" "$(comp "storage volume show h1:default ")" "completion of the volume"
assert_contains "$(comp "storage volume attach h1:default w1 ")" "c2" "completion of the instance"
assert_eq "h1:default/" "$(comp "storage volume copy h")" "completion of copy's pool"
assert_eq "h1:default/w1" "$(comp "storage volume move h1:default/")" "completion of move's volume"
assert_exit 0 lxf_run storage volume copy h1:default/w1 h1:default/w1c
assert_contains "$LXFE_OUT" "Storage volume w1 copied to h1:default/w1c"
[ -f "$(host_dir 1)/custom/w1c/root/by-c2" ] || fail "lxf's volume copy lost a file"
assert_exit 0 lxf_run storage volume move h1:default/w1c h1:default/w1d
assert_exit 0 lxf_run storage volume show h1:default w1d
assert_contains "$LXFE_OUT" "description: via lxf edit"
assert_exit 0 lxf_run storage volume delete h1:default w1d
assert_exit 2 lxf_run storage volume copy h1:default h1:default/x
assert_exit 0 lxf_run storage volume rename h1:default w1 w2
assert_exit 0 lxf_run storage volume delete h1:default w2
assert_contains "$LXFE_OUT" "Storage volume w2 deleted"
assert_exit 0 lxf_run storage volume list h1:default -f csv
assert_not_contains "$LXFE_OUT" "custom"

# ---------------------------------------------------------------- pylxd
if /usr/bin/python3 -c 'import pylxd' 2>/dev/null; then
	timeout 120 /usr/bin/python3 -W ignore -c '
import sys, urllib.parse, pylxd
from pylxd.exceptions import LXDAPIException
c = pylxd.Client(endpoint="http+unix://" + urllib.parse.quote(sys.argv[1], safe=""))
pool = c.storage_pools.get("default")
v = pool.volumes.create({"name": "py1", "type": "custom", "config": {"user.k": "v"}})
assert v.name == "py1" and v.config["user.k"] == "v", (v.name, v.config)
assert "py1" in [x.name for x in pool.volumes.all() if x.type == "custom"]
v.config["user.k"] = "w"
v.save()
c = pool.volumes.get("custom", "py1").config
assert c["user.k"] == "w" and "volatile.idmap.last" in c, c
try:
    pool.volumes.create({"name": "py1", "type": "custom"})
    sys.exit("FAIL: a second py1 made")
except LXDAPIException as e:
    assert "already exists" in str(e), str(e)
v.delete()
assert "py1" not in [x.name for x in pool.volumes.all() if x.type == "custom"]
' "$(host_socket 1)" || fail "pylxd storage volumes"
else
	lxfe_log "pylxd missing for /usr/bin/python3: its steps skipped"
fi

lxfe_log "ok"
