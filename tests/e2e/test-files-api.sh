#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf stop, lxf exec
# covers: GET /1.0/instances/{name}/files, POST /1.0/instances/{name}/files
# covers: DELETE /1.0/instances/{name}/files, GET /1.0/instances/{name}/logs
# covers: GET /1.0/instances/{name}/logs/{file}, DELETE /1.0/instances/{name}/logs/{file}
#
# lxfd's file API (/1.0/instances/NAME/files?path=P) over curl and the
# real LXD client: binary round trips, owners shifted by the id map, modes,
# directories, symlinks, append, delete, HEAD, bad headers, a stopped
# container, and the logs API.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"
sock=$(host_socket 1)
root=$(host_dir 1)/containers/c1/rootfs
base=$(stat -c %u "$root")
gbase=$(stat -c %g "$root")
[ "$base" -gt 0 ] || fail "c1 should be unprivileged (rootfs owned by $base)"
files="http://lxd/1.0/instances/c1/files?path="

# push PATH FILE [curl args...]: POST the file's bytes; prints the HTTP status.
push() {
	local p=$1 f=$2
	shift 2
	curl -s -o "$LXFE_RUN/push.out" -w '%{http_code}' --unix-socket "$sock" -X POST \
		--data-binary "@$f" "$@" "$files$p"
}
# pull PATH OUT: GET into OUT, headers into $LXFE_RUN/hdr; prints the status.
pull() {
	curl -s -o "$2" -D "$LXFE_RUN/hdr" -w '%{http_code}' --unix-socket "$sock" "$files$1"
}
hdr() {
	awk -v k="$(printf '%s' "$1" | tr 'A-Z' 'a-z'):" 'tolower($1) == k { print $2 }' \
		"$LXFE_RUN/hdr" | tr -d '\r'
}
code() {
	curl -s -o "$LXFE_RUN/code.out" -w '%{http_code}' --unix-socket "$sock" "$@"
}

# /data is on the rootfs itself; the container's /tmp may be its own tmpfs.
assert_eq 200 "$(push /data /dev/null -H 'X-LXD-type: directory')" "mkdir /data"

# ---- a 1 MiB binary file: bytes, owner (shifted), mode, headers
head -c 1048576 /dev/urandom >"$LXFE_RUN/blob"
assert_eq 200 "$(push /data/blob "$LXFE_RUN/blob" -H 'X-LXD-uid: 1000' -H 'X-LXD-gid: 1001' \
	-H 'X-LXD-mode: 0640')" "push blob"
cmp -s "$LXFE_RUN/blob" "$root/data/blob" || fail "pushed bytes differ"
assert_eq "640 $((base + 1000)) $((gbase + 1001))" "$(stat -c '%a %u %g' "$root/data/blob")" \
	"host-side mode and owner"
assert_eq 200 "$(pull /data/blob "$LXFE_RUN/blob.back")" "pull blob"
cmp -s "$LXFE_RUN/blob" "$LXFE_RUN/blob.back" || fail "pulled bytes differ"
assert_eq 1000 "$(hdr X-LXD-uid)" "X-LXD-uid"
assert_eq 1001 "$(hdr X-LXD-gid)" "X-LXD-gid"
assert_eq 0640 "$(hdr X-LXD-mode)" "X-LXD-mode"
assert_eq file "$(hdr X-LXD-type)" "X-LXD-type"
assert_eq application/octet-stream "$(hdr Content-Type)" "Content-Type"
assert_eq 1048576 "$(hdr Content-Length)" "Content-Length"
# HEAD: the same headers, no body.
curl -s -I -o /dev/null -D "$LXFE_RUN/hdr" --unix-socket "$sock" "${files}/data/blob" ||
	fail "HEAD failed"
assert_eq 1000 "$(hdr X-LXD-uid)" "HEAD X-LXD-uid"
assert_eq file "$(hdr X-LXD-type)" "HEAD X-LXD-type"
# The container sees its own ids (exec is lxfd's too).
if command -v lxc >/dev/null; then
	export LXD_SOCKET=$sock LXD_CONF=$LXFE_RUN/lxc-conf
	mkdir -p "$LXD_CONF"
	lxc remote list >/dev/null 2>&1 || true
	assert_exit 0 lxc exec c1 -- stat -c '%u %g %a' /data/blob
	assert_eq "1000 1001 640" "$LXFE_OUT" "owner inside the container"
	# A running container's own mounts are used: a tmpfs /tmp inside.
	assert_exit 0 lxc exec c1 -- sh -c 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t'
	assert_eq 200 "$(push /mnt/t/inside "$LXFE_RUN/blob")" "push onto a container mount: $(cat "$LXFE_RUN/push.out")"
	lxc exec c1 -- cat /mnt/t/inside >"$LXFE_RUN/inside.exec" || fail "cat inside"
	cmp -s "$LXFE_RUN/blob" "$LXFE_RUN/inside.exec" || fail "the container sees other bytes"
	[ ! -e "$root/mnt/t/inside" ] || fail "a push to a container mount landed in the rootfs dir"
	assert_eq 200 "$(pull /mnt/t/inside "$LXFE_RUN/inside")" "pull from a container mount"
	cmp -s "$LXFE_RUN/blob" "$LXFE_RUN/inside" || fail "pulled bytes from the mount differ"
fi
# Kernel filesystems of the container (its /proc, /sys) are off limits:
# lxfd is host root, a write there would act on the host.
cp /proc/sys/kernel/core_pattern "$LXFE_RUN/core_pattern"
printf 'evil' >"$LXFE_RUN/evil"
assert_eq 403 "$(push /proc/sys/kernel/core_pattern "$LXFE_RUN/evil")" "write /proc/sys"
assert_eq "$(cat "$LXFE_RUN/core_pattern")" "$(cat /proc/sys/kernel/core_pattern)" "core_pattern"
assert_eq 403 "$(pull /proc/version "$LXFE_RUN/x")" "read /proc/version"
assert_eq 403 "$(pull /proc/1/environ "$LXFE_RUN/x")" "read /proc/1/environ"
assert_eq 403 "$(pull /sys/kernel/notes "$LXFE_RUN/x")" "read /sys"
assert_eq 403 "$(push /sys/kernel/evil /dev/null -H 'X-LXD-type: directory')" "mkdir in /sys"
# Its cgroups (mounted at /sys/fs/cgroup, on a tmpfs on v1 hosts): a
# limit written as host root would lift the container's own.
assert_exit 0 lxf_run exec h1:c1 -- cat /proc/mounts
cg=$(awk '$3 ~ /^cgroup/ { print $2; exit }' <<<"$LXFE_OUT")
[ -n "$cg" ] || fail "no cgroup mount in c1"
assert_eq 403 "$(push "$cg/evil" /dev/null -H 'X-LXD-type: directory')" "mkdir in $cg"
assert_eq 403 "$(push "$cg/cgroup.procs" "$LXFE_RUN/evil")" "write $cg/cgroup.procs"

# ---- defaults: a new file is the container root's, 0644; overwrite keeps the owner
printf 'one\n' >"$LXFE_RUN/one"
assert_eq 200 "$(push /data/one "$LXFE_RUN/one")" "push one"
assert_eq "644 $base $gbase" "$(stat -c '%a %u %g' "$root/data/one")" "new file defaults"
assert_eq 200 "$(push /data/blob "$LXFE_RUN/one")" "overwrite"
assert_eq "one" "$(cat "$root/data/blob")" "overwritten content"
assert_eq "640 $((base + 1000))" "$(stat -c '%a %u' "$root/data/blob")" "overwrite keeps owner"

# ---- append
printf 'two\n' >"$LXFE_RUN/two"
assert_eq 200 "$(push /data/one "$LXFE_RUN/two" -H 'X-LXD-write: append')" "append"
assert_eq "one
two" "$(cat "$root/data/one")" "appended content"

# ---- directories
assert_eq 200 "$(push /data/d /dev/null -H 'X-LXD-type: directory' -H 'X-LXD-mode: 0750')" "mkdir"
assert_eq "750 $base" "$(stat -c '%a %u' "$root/data/d")" "directory mode and owner"
assert_eq 200 "$(push /data/d/a "$LXFE_RUN/one")" "file in dir"
assert_eq 200 "$(push /data/d/b "$LXFE_RUN/one")" "file in dir"
assert_eq 200 "$(push /data/d /dev/null -H 'X-LXD-type: directory')" "mkdir of an existing dir"
assert_eq 200 "$(pull /data/d "$LXFE_RUN/list")" "list dir"
assert_eq directory "$(hdr X-LXD-type)" "dir X-LXD-type"
assert_eq 0750 "$(hdr X-LXD-mode)" "dir X-LXD-mode"
assert_contains "$(cat "$LXFE_RUN/list")" '"metadata":["a","b"]'
assert_contains "$(cat "$LXFE_RUN/list")" '"type":"sync"'
assert_eq 409 "$(push /data/one /dev/null -H 'X-LXD-type: directory')" "mkdir over a file"
assert_eq 404 "$(push /data/nodir/x "$LXFE_RUN/one")" "missing parent"

# ---- symlinks: made, read back as their target, replaced
printf '/data/one' >"$LXFE_RUN/target"
assert_eq 200 "$(push /data/link "$LXFE_RUN/target" -H 'X-LXD-type: symlink')" "symlink"
assert_eq /data/one "$(readlink "$root/data/link")" "symlink target on the host"
assert_eq "$base" "$(stat -c '%u' "$root/data/link")" "symlink owner"
assert_eq 200 "$(pull /data/link "$LXFE_RUN/link.out")" "pull symlink"
assert_eq symlink "$(hdr X-LXD-type)" "symlink X-LXD-type"
assert_eq /data/one "$(cat "$LXFE_RUN/link.out")" "symlink body"
printf '/data/d' >"$LXFE_RUN/target2"
assert_eq 200 "$(push /data/link "$LXFE_RUN/target2" -H 'X-LXD-type: symlink')" "replace symlink"
assert_eq /data/d "$(readlink "$root/data/link")" "replaced target"
# Writing through a symlink writes its target, inside the container.
assert_eq 200 "$(push /data/link/c "$LXFE_RUN/one")" "write through a dir symlink"
[ -f "$root/data/d/c" ] || fail "write through /data/link/c did not land in /data/d"

# ---- delete
assert_eq 200 "$(code -X DELETE "${files}/data/d/c")" "delete file"
[ ! -e "$root/data/d/c" ] || fail "deleted file still there"
assert_eq 409 "$(code -X DELETE "${files}/data/d")" "delete non-empty dir"
rm -f "$root/data/d/a" "$root/data/d/b"
assert_eq 200 "$(code -X DELETE "${files}/data/d")" "delete empty dir"
[ ! -e "$root/data/d" ] || fail "deleted dir still there"
assert_eq 200 "$(code -X DELETE "${files}/data/link")" "delete symlink"
[ ! -L "$root/data/link" ] || fail "symlink still there"
assert_eq 404 "$(code -X DELETE "${files}/data/nothing")" "delete missing"
assert_eq 400 "$(code -X DELETE "${files}/")" "delete /"

# ---- bad requests change nothing
assert_eq 400 "$(push /data/x "$LXFE_RUN/one" -H 'X-LXD-uid: 70000')" "uid outside the map"
assert_eq 400 "$(push /data/x "$LXFE_RUN/one" -H 'X-LXD-uid: abc')" "bad uid"
assert_eq 400 "$(push /data/x "$LXFE_RUN/one" -H 'X-LXD-mode: 0999')" "bad mode"
assert_eq 400 "$(push /data/x "$LXFE_RUN/one" -H 'X-LXD-type: fifo')" "bad type"
assert_eq 400 "$(push /data/x "$LXFE_RUN/one" -H 'X-LXD-write: sideways')" "bad write mode"
[ ! -e "$root/data/x" ] || fail "a refused push left /data/x"
assert_eq 400 "$(code "http://lxd/1.0/instances/c1/files")" "missing path"
assert_eq 404 "$(code "http://lxd/1.0/instances/nope/files?path=/etc")" "unknown instance"
assert_eq 404 "$(pull /no/such "$LXFE_RUN/x")" "missing file"
# A device node planted in the rootfs is never opened.
mknod "$root/data/null" c 1 3
assert_eq 400 "$(pull /data/null "$LXFE_RUN/x")" "read a device node"
assert_eq 400 "$(push /data/null "$LXFE_RUN/one")" "write a device node"

# ---- the real LXD client
if command -v lxc >/dev/null; then
	assert_exit 0 lxc file push "$LXFE_RUN/blob" c1/data/viaclient --uid 5 --gid 6 --mode 0600
	cmp -s "$LXFE_RUN/blob" "$root/data/viaclient" || fail "lxc file push bytes"
	assert_eq "600 $((base + 5)) $((gbase + 6))" "$(stat -c '%a %u %g' "$root/data/viaclient")"
	assert_exit 0 lxc file pull c1/data/viaclient "$LXFE_RUN/viaclient"
	cmp -s "$LXFE_RUN/blob" "$LXFE_RUN/viaclient" || fail "lxc file pull bytes"
	assert_exit 0 lxc file delete c1/data/viaclient
	[ ! -e "$root/data/viaclient" ] || fail "lxc file delete"
fi

# ---- a stopped container works the same
assert_exit 0 lxf_run stop h1:c1 --force
assert_eq 200 "$(push /data/stopped "$LXFE_RUN/one")" "push to a stopped container"
assert_eq 200 "$(pull /data/stopped "$LXFE_RUN/x")" "pull from a stopped container"
assert_eq "$(cat "$LXFE_RUN/one")" "$(cat "$LXFE_RUN/x")" "stopped round trip"

# ---- logs
out=$(curl -s --unix-socket "$sock" http://lxd/1.0/instances/c1/logs)
assert_contains "$out" '"/1.0/instances/c1/logs/lxc.log"'
assert_eq 200 "$(code http://lxd/1.0/instances/c1/logs/lxc.log)" "read lxc.log"
assert_eq 400 "$(code -X DELETE http://lxd/1.0/instances/c1/logs/lxc.log)" "delete lxc.log"
assert_eq 404 "$(code http://lxd/1.0/instances/c1/logs/nope.log)" "missing log"
assert_eq 400 "$(code http://lxd/1.0/instances/c1/logs/..%2F..%2Flxf.db)" "log name with /"
logdir=$(host_dir 1)/logs/c1
printf 'x\n' >"$logdir/extra.log"
assert_eq 200 "$(code -X DELETE http://lxd/1.0/instances/c1/logs/extra.log)" "delete extra.log"
[ ! -e "$logdir/extra.log" ] || fail "extra.log not deleted"
echo "test-files-api: OK"
