#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf stop
# covers: GET /1.0/instances/{name}/files, POST /1.0/instances/{name}/files
# covers: DELETE /1.0/instances/{name}/files
#
# The file API never reaches the host: "..", absolute symlinks, relative
# symlink chains climbing out, symlinked directories in the middle of a
# path, and writes, mkdirs, symlinks and deletes through all of these
# stay inside the container, for a running and for a stopped container.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"
sock=$(host_socket 1)
root=$(host_dir 1)/containers/c1/rootfs
files="http://lxd/1.0/instances/c1/files?path="
# The host's side: a secret next to the run dir, the host's shadow.
printf 'HOST-SECRET' >"$LXFE_RUN/secret"
shadow_sum=$(md5sum </etc/shadow)

get() {
	curl -s -o "$LXFE_RUN/body" -w '%{http_code}' --unix-socket "$sock" "$files$1"
}
push() {
	local p=$1 f=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X POST --data-binary "@$f" \
		"$@" "$files$p"
}
del() {
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X DELETE "$files$1"
}
host_untouched() {
	assert_eq HOST-SECRET "$(cat "$LXFE_RUN/secret")" "host secret"
	assert_eq "$shadow_sum" "$(md5sum </etc/shadow)" "host /etc/shadow"
	for f in pwned written newfile newdir l; do
		[ ! -e "$LXFE_RUN/$f" ] && [ ! -e "/$f" ] && [ ! -L "/$f" ] ||
			fail "something landed on the host: $f"
	done
}

# The container's side, planted from the host into the rootfs. ups climbs
# far above any rootfs; abs points at the host's run dir by absolute path.
ups=../../../../../../../../../../../..
plant() {
	rm -rf "$root/a" "$root/abs" "$root/etclink" "$root/dangle" "$root/written" \
		"$root/newdir" "$root/l"
	printf 'CONTAINER' >"$root/secret"
	printf 'CONTAINER-SHADOW' >"$root/etc/shadow"
	ln -sfn /etc/shadow "$root/etc/evil"
	ln -s /etc "$root/etclink"
	ln -s "$LXFE_RUN" "$root/abs"
	mkdir -p "$root/a/b"
	ln -s "$ups" "$root/a/b/up"
	ln -s b/up "$root/a/chain"
	ln -s "$LXFE_RUN/newfile" "$root/dangle"
	printf 'NEW' >"$LXFE_RUN/new"
}

check() {
	local state=$1
	plant
	# ---- reads
	assert_eq 200 "$(get "$ups/secret")" "$state: ../ climb"
	assert_eq CONTAINER "$(cat "$LXFE_RUN/body")" "$state: ../ climb stays inside"
	assert_eq 200 "$(get "/..%2F..%2F..%2Fsecret")" "$state: encoded climb"
	assert_eq CONTAINER "$(cat "$LXFE_RUN/body")" "$state: encoded climb stays inside"
	assert_eq 200 "$(get /etc/evil)" "$state: absolute symlink"
	assert_eq /etc/shadow "$(cat "$LXFE_RUN/body")" "$state: a symlink reads as its target"
	assert_eq 200 "$(get /etclink/shadow)" "$state: symlinked dir in the middle"
	assert_eq CONTAINER-SHADOW "$(cat "$LXFE_RUN/body")" "$state: the container's shadow"
	assert_eq 200 "$(get /etclink/../etclink/shadow)" "$state: dotdot after a symlink"
	assert_eq CONTAINER-SHADOW "$(cat "$LXFE_RUN/body")" "$state: still the container's"
	assert_eq 404 "$(get /abs/secret)" "$state: absolute link to a host dir"
	assert_eq 200 "$(get /a/chain/secret)" "$state: relative chain climbing out"
	assert_eq CONTAINER "$(cat "$LXFE_RUN/body")" "$state: chain stays inside"
	assert_eq 404 "$(get "/a/chain/${LXFE_RUN#/}/secret")" "$state: chain to the host path"
	assert_eq 200 "$(get ..)" "$state: .. is the root"
	assert_contains "$(cat "$LXFE_RUN/body")" '"etclink"'
	# ---- writes
	assert_eq 200 "$(push /a/chain/written "$LXFE_RUN/new")" "$state: write through a chain"
	assert_eq NEW "$(cat "$root/written")" "$state: chain write landed at the root"
	assert_eq 404 "$(push /abs/pwned "$LXFE_RUN/new")" "$state: write through a host link"
	assert_eq 200 "$(push /etc/evil "$LXFE_RUN/new")" "$state: write through /etc/evil"
	assert_eq NEW "$(cat "$root/etc/shadow")" "$state: the container's shadow written"
	assert_eq 409 "$(push /dangle "$LXFE_RUN/new")" "$state: dangling link to the host"
	assert_eq 200 "$(push "$ups/a/chain/newdir" /dev/null -H 'X-LXD-type: directory')" \
		"$state: mkdir through a climb"
	[ -d "$root/newdir" ] || fail "$state: mkdir did not land in the rootfs"
	assert_eq 404 "$(push /abs/newdir /dev/null -H 'X-LXD-type: directory')" "$state: mkdir out"
	assert_eq 200 "$(push /a/chain/l "$LXFE_RUN/new" -H 'X-LXD-type: symlink')" \
		"$state: symlink through a chain"
	[ -L "$root/l" ] || fail "$state: symlink did not land in the rootfs"
	# ---- deletes
	assert_eq 404 "$(del /abs/secret)" "$state: delete through a host link"
	assert_eq 200 "$(del /a/chain/secret)" "$state: delete through a chain"
	[ ! -e "$root/secret" ] || fail "$state: the container's secret should be gone"
	assert_eq 200 "$(del /etc/evil)" "$state: delete a symlink"
	[ -f "$root/etc/shadow" ] || fail "$state: deleting a symlink removed its target"
	assert_eq 400 "$(del "$ups")" "$state: delete the root"
	assert_eq 400 "$(del /a/..)" "$state: delete .."
	host_untouched
}

check running
assert_exit 0 lxf_run stop h1:c1 --force
check stopped
echo "test-files-escape: OK"
