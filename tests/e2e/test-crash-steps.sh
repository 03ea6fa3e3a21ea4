#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf image import
# covers: GET /1.0/instances, POST /1.0/instances, GET /1.0/instances/{name}
# covers: PUT /1.0/instances/{name}, PATCH /1.0/instances/{name}, POST /1.0/instances/{name}
# covers: DELETE /1.0/instances/{name}, PUT /1.0/instances/{name}/state
# covers: POST /1.0/instances/{name}/snapshots, POST /1.0/instances/{name}/snapshots/{snap}
# covers: DELETE /1.0/instances/{name}/snapshots/{snap}, GET /1.0/images, POST /1.0/images
# covers: DELETE /1.0/images/{fp}, GET /1.0/profiles/{profile}, PUT /1.0/profiles/{profile}
# covers: PATCH /1.0/profiles/{profile}
#
# lxfd killed (SIGKILL, by strace's syscall injection, so each point is
# repeatable) at each step of each multi-step change comes back whole: for
# rename, delete, create, config PATCH, snapshot create/delete/rename/
# restore, copy, image import/delete, a profile change and a custom volume's
# snapshot create and restore, the killed change
# is either fully done or fully undone (done when the client had its
# answer), no instance is in Error, every directory under containers/,
# snapshots/, logs/ and images/ belongs to a row the API lists and the
# other way round, image-cache/ holds no half-made entry, every liblxc
# config says what the database says, and every instance starts; an
# lxfd-image helper spawned just before the kill does not outlive lxfd.
# Then a broken instance (its directory gone) is
# shown and deleted by the real `lxc` client (`lxc info`, `lxc delete -f`).
#
# Kill points count per thread and per syscall (strace -e inject ...
# when=N): renameat2 is a journalled move, rename a move to trash or a
# config write, wait4 the end of a cp or an unpack, pwrite64 on the WAL
# the first commit, read of a cgroup's freezer file liblxc's wait for a
# freeze it has written. The order of steps is in daemon/store/journal.c's callers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || fail "strace is missing (scripts/deps installs it)"
# LeakSanitizer cannot run under ptrace: lxfd's helpers (lxfd-image...),
# traced here through strace -f, would fail at their exit. The other ASan
# checks stay on; leaks on these paths are the other tests' to find.
if [[ "$(ldd "$LXFE_LXFD")" == *libasan* ]]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
hosts_up 1
hosts_import_image
dir=$(host_dir 1)
sock=$(host_socket 1)
img=$(lxfe_image)

# api METHOD PATH [BODY]: the REST API; the answer on stdout, 1 when unanswered.
api() {
	curl -sS --max-time 120 --unix-socket "$sock" -X "$1" \
		${3:+-H 'Content-Type: application/json' -d "$3"} "http://lxfd$2" 2>/dev/null
}

# op_ok: reads an async answer on stdin, waits for its operation; 0 when it succeeded.
op_ok() {
	local ans op st
	ans=$(cat) || return 1
	op=$(jq -r '.operation // empty' <<<"$ans" 2>/dev/null) || return 1
	[ -n "$op" ] || return 1
	st=$(api GET "$op/wait?timeout=120" | jq -r '.metadata.status' 2>/dev/null) || return 1
	[ "$st" = Success ]
}

sync_ok() {
	[ "$(jq -r '.type // empty' 2>/dev/null)" = sync ]
}

# do_async / do_sync METHOD PATH [BODY]: 0 when the client got its success.
do_async() { api "$@" | op_ok; }
do_sync() { api "$@" | sync_ok; }
do_import() {
	curl -sS --max-time 120 --unix-socket "$sock" -X POST --data-binary @"$img" \
		http://lxfd/1.0/images 2>/dev/null | op_ok
}

# kill_at "STRACE ARGS" CMD...: lxfe_kill_at on h1; acked=1 when CMD succeeded.
kill_at() {
	local rc=0
	lxfe_kill_at 1 "$@" || rc=$?
	acked=$LXFE_ACKED
	return "$rc"
}

names() { api GET /1.0/instances?recursion=1 | jq -r '.metadata[].name' | sort; }
lsdir() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | grep -v '^\.' | sort || true; }
inst() { api GET "/1.0/instances/$1" | jq -r "$2"; }

# check_all: the invariants that hold after any recovery, read in one
# pass (one list, one image list, one walk of DIR), then every instance
# starts and stops.
check_all() {
	local list imgs n
	list=$(api GET '/1.0/instances?recursion=2') || fail "[$case] lxfd does not answer"
	imgs=$(api GET /1.0/images) || fail "[$case] lxfd does not answer"
	python3 - "$dir" "$list" "$imgs" <<-'PY' || fail "[$case] not recovered whole"
		import json, os, re, sys
		d, insts, imgs = sys.argv[1], json.loads(sys.argv[2])["metadata"], json.loads(sys.argv[3])["metadata"]
		bad = []
		ls = lambda p: sorted(e for e in os.listdir(p) if not e.startswith(".")) if os.path.isdir(p) else []
		names = sorted(i["name"] for i in insts)
		bad += ["%s is in Error" % i["name"] for i in insts if i["status"] == "Error"]
		if os.path.isdir(d + "/image-cache") and [e for e in os.listdir(d + "/image-cache") if e.startswith(".")]:
		    bad.append("image-cache/ has leftovers: %s" % os.listdir(d + "/image-cache"))
		if ls(d + "/containers") != names:
		    bad.append("containers/ %s, API %s" % (ls(d + "/containers"), names))
		bad += ["snapshots/%s: no instance" % n for n in ls(d + "/snapshots") if n not in names]
		bad += ["logs/%s: no instance" % n for n in ls(d + "/logs") if n not in names]
		for i in insts:
		    n, c = i["name"], d + "/containers/" + i["name"]
		    if not os.path.isdir(c):
		        continue  # reported above
		    snaps = sorted(s["name"] for s in i["snapshots"] or [])
		    if ls(d + "/snapshots/" + n) != snaps:
		        bad.append("snapshots/%s %s, API %s" % (n, ls(d + "/snapshots/" + n), snaps))
		    bad += ["%s/%s: scratch left" % (n, e) for e in os.listdir(c) if e.startswith("config.tmp.") or e == "rootfs.restore"]
		    cfg = open(c + "/config").read()
		    if "lxc.rootfs.path = dir:%s/rootfs\n" % c not in cfg:
		        bad.append("the config of %s names another rootfs" % n)
		    for k in ("MARK", "PMARK"):
		        want = i["expanded_config"].get("environment." + k, "")
		        have = re.findall("^lxc.environment = %s=(.*)$" % k, cfg, re.M)
		        if [want] != (have or [""]):
		            bad.append("%s of %s: database %r, liblxc config %r" % (k, n, want, have))
		fps = sorted(u.rsplit("/", 1)[1] for u in imgs)
		if ls(d + "/images") != fps:
		    bad.append("images/ %s, API %s" % (ls(d + "/images"), fps))
		if ls(d + "/trash"):
		    bad.append("trash left: %s" % ls(d + "/trash"))
		for b in bad:
		    print("  " + b, file=sys.stderr)
		sys.exit(1 if bad else 0)
	PY
	for n in $(jq -r '.metadata[].name' <<<"$list"); do
		do_async PUT "/1.0/instances/$n/state" '{"action":"start"}' ||
			fail "[$case] $n does not start"
		do_async PUT "/1.0/instances/$n/state" '{"action":"stop","force":true}' ||
			fail "[$case] $n does not stop"
	done
}

# reset: no instances (and nothing on disk: a case that failed leaves
# debris the next one must not trip over), the image present, the default
# profile as it was.
reset() {
	local n fps f
	for n in $(names); do
		api PUT "/1.0/instances/$n/state" '{"action":"stop","force":true}' | op_ok || true
		do_async DELETE "/1.0/instances/$n" || fail "cannot delete $n"
	done
	rm -rf "${dir:?}"/containers/* "$dir"/snapshots/* "$dir"/logs/* "$dir"/trash
	fps=$(api GET /1.0/images | jq -r '.metadata[]' | sed 's,.*/,,')
	for f in $(lsdir "$dir/images"); do
		grep -qx "$f" <<<"$fps" || rm -f "${dir:?}/images/$f"
	done
	[ -n "$fps" ] || assert_exit 0 lxf_run image import "$img" h1: --alias busybox
	api PUT /1.0/profiles/default "$(api GET /1.0/profiles/default |
		jq -c '.metadata | del(.config["environment.PMARK"]) | {config, devices, description}')" \
		>/dev/null
}

# mk NAME: a stopped instance with MARK=v1, a marker file and snapshot s1.
mk() {
	do_async POST /1.0/instances "{\"name\":\"$1\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"},\"config\":{\"environment.MARK\":\"v1\"}}" ||
		fail "cannot create $1"
	echo v1 >"$dir/containers/$1/rootfs/marker"
	do_async POST "/1.0/instances/$1/snapshots" '{"name":"s1"}' || fail "cannot snapshot $1"
}

# one_of A B: exactly one of the instances exists; prints it.
one_of() {
	local have
	have=$(names | tr '\n' ' ')
	case "$have" in
	"$1 ") echo "$1" ;;
	"$2 ") echo "$2" ;;
	*) fail "[$case] want exactly one of $1 $2, have '$have'" ;;
	esac
}

wal="-P $dir/lxf.db-wal -e inject=pwrite64:signal=SIGKILL:when=1"
inj() { printf -- '-e inject=%s:signal=SIGKILL:when=%s' "$1" "$2"; }
failed=()

# step OP SPEC CHECK: kill lxfd at SPEC during $OP (a command line), then
# run CHECK (a function; $acked says whether the client got its success)
# and check_all. Every step runs; the failed ones are listed at the end.
step() {
	case="$1 ${2##*inject=}"
	# shellcheck disable=SC2086 # OP is a command line (JSON without spaces)
	if kill_at "$2" $OP && ("$3" && check_all); then
		lxfe_log "ok: $case"
	else
		failed+=("$case")
	fi
}

# ---------------------------------------------------------------- instance rename
c_rename() {
	local got
	got=$(one_of ra rb) || return 1
	[ "$acked" = 0 ] || assert_eq rb "$got" "[$case] acknowledged rename"
	assert_eq v1 "$(cat "$dir/containers/$got/rootfs/marker")" "[$case] files of $got"
	# The MAC address stays (it would follow the name otherwise).
	assert_eq "$mac" "$(grep hwaddr "$dir/containers/$got/config")" "[$case] MAC of $got"
}
OP="do_async POST /1.0/instances/ra {\"name\":\"rb\"}"
for spec in "$wal" "$(inj renameat2 1)" "$(inj renameat2 2)" "$(inj rename 1)"; do
	reset
	mk ra
	mac=$(grep hwaddr "$dir/containers/ra/config") || fail "ra has no MAC address"
	step rename "$spec" c_rename
done

# ---------------------------------------------------------------- instance delete
# same_tree A B: as many entries under A as under B (a half-removed tree is not whole).
same_tree() {
	assert_eq "$(find "$2" | wc -l)" "$(find "$1" | wc -l)" "[$case] entries of ${1#"$dir"/}"
}
# Undone, the instance and its snapshot (taken right after the create) are whole.
c_delete() {
	[ "$acked" = 0 ] || assert_eq "" "$(names)" "[$case] acknowledged delete"
	[ -z "$(names)" ] || same_tree "$dir/containers/ra/rootfs" "$dir/snapshots/ra/s1/rootfs"
}
OP="do_async DELETE /1.0/instances/ra"
for spec in "$wal" "$(inj rename 1)" "$(inj unlinkat 3)"; do
	reset
	mk ra
	step delete "$spec" c_delete
done

# ---------------------------------------------------------------- create, copy
c_create() { [ "$acked" = 0 ] || assert_eq rc "$(names)" "[$case] acknowledged create"; }
OP="do_async POST /1.0/instances {\"name\":\"rc\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}"
# wait4 1 and renameat2 1: the unpack into DIR/image-cache done, not yet
# renamed into place (lxfd starts afresh, so each create makes the cache).
for spec in "-P $dir/containers/rc -e inject=mkdir:signal=SIGKILL:when=1" "$(inj rename 1)" \
	"$(inj wait4 1)" "$(inj renameat2 1)"; do
	reset
	step create "$spec" c_create
done
c_copy() { [ "$acked" = 0 ] || assert_eq "ra rc " "$(names | tr '\n' ' ')" "[$case] acknowledged"; }
OP="do_async POST /1.0/instances {\"name\":\"rc\",\"source\":{\"type\":\"copy\",\"source\":\"ra\"}}"
spec="$(inj wait4 2)"
reset
mk ra
step copy "$spec" c_copy

# lxfd killed while the lxfd-image helper it spawned is held in its exec
# (strace delays the exec's return): gone before the helper could ask for a
# death signal, lxfd must still not be outlived by an unpack going on into
# image-cache/ (the next lxfd empties it at start and failed on the files
# coming in meanwhile).
case="helper spawned before the kill"
orphan_helper() {
	local h a
	api POST /1.0/instances '{"name":"rc","source":{"type":"image","alias":"busybox"}}' &
	a=$!
	wait_until 60 pgrep -P "$pid" -x lxfd-image >/dev/null || fail "[$case] no helper"
	h=$(pgrep -P "$pid" -x lxfd-image)
	kill -9 "$pid"
	wait_until 30 sh -c "! kill -0 $h 2>/dev/null" || fail "[$case] the helper lives on"
	wait "$a" || true
	assert_eq "" "$(find "$dir/image-cache" -path '*/.tmp-*/rootfs/*')" \
		"[$case] unpacked after lxfd died"
}
reset
pid=$(cat "$dir/lxfd.pid")
kill_at "-e inject=execve:delay_exit=3000000:when=1" orphan_helper >/dev/null ||
	fail "[$case] lxfd did not die"
check_all
lxfe_log "ok: $case"

# ---------------------------------------------------------------- config PATCH, profile
c_patch() {
	[ "$acked" = 0 ] || assert_eq v2 "$(inst ra '.metadata.config["environment.MARK"]')" \
		"[$case] acknowledged patch"
}
OP="do_sync PATCH /1.0/instances/ra {\"config\":{\"environment.MARK\":\"v2\"}}"
for spec in "$wal" "$(inj rename 1)"; do
	reset
	mk ra
	step patch "$spec" c_patch
done
c_none() { :; }
OP="do_sync PATCH /1.0/profiles/default {\"config\":{\"environment.PMARK\":\"p2\"}}"
spec="$(inj rename 1)"
reset
mk ra
mk rb
step profile "$spec" c_none

# ---------------------------------------------------------------- snapshots
c_snaps() { [ "$acked" = 0 ] || assert_eq "$1" "$(lsdir "$dir/snapshots/ra" | tr '\n' ' ')" "[$case] acknowledged"; }
c_snap_create() { c_snaps "s1 s2 "; }
c_snap_delete() {
	c_snaps ""
	[ ! -d "$dir/snapshots/ra/s1" ] ||
		same_tree "$dir/snapshots/ra/s1/rootfs" "$dir/containers/ra/rootfs"
}
c_snap_rename() { c_snaps "s9 "; }
OP="do_async POST /1.0/instances/ra/snapshots {\"name\":\"s2\"}"
spec="$(inj wait4 1)"
reset
mk ra
step "snapshot create" "$spec" c_snap_create
# A running instance is frozen for the copy; lxfd killed before the thaw
# (the cp reaped), or inside liblxc's freeze (the cgroup frozen, its first
# read of the freezer state, while the monitor still holds FREEZING and
# liblxc's unfreeze would do nothing): the next start thaws it, or it
# could never start or be deleted again.
c_snap_running() {
	assert_eq Running "$(inst ra .metadata.status)" "[$case] status after the restart"
	do_async PUT /1.0/instances/ra/state '{"action":"stop","force":true}' ||
		fail "[$case] ra does not stop"
}
for at in copied freezing; do
	reset
	mk ra
	do_async PUT /1.0/instances/ra/state '{"action":"start"}' || fail "cannot start ra"
	spec="$(inj wait4 1)"
	if [ "$at" = freezing ]; then
		cg=/proc/$(api GET /1.0/instances/ra/state | jq -r .metadata.pid)/cgroup
		if grep -q '^[0-9]*:freezer:' "$cg"; then
			f=/sys/fs/cgroup/freezer$(awk -F: '$2 == "freezer" { print $3 }' "$cg")/freezer.state
		else
			f=/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' "$cg")/cgroup.events
		fi
		spec="-P $f -e inject=read:signal=SIGKILL:when=1"
	fi
	step "snapshot create (running)" "$spec" c_snap_running
done
OP="do_async DELETE /1.0/instances/ra/snapshots/s1"
for spec in "$(inj rename 1)" "$(inj unlinkat 2)"; do
	reset
	mk ra
	step "snapshot delete" "$spec" c_snap_delete
done
OP="do_async POST /1.0/instances/ra/snapshots/s1 {\"name\":\"s9\"}"
spec="$(inj renameat2 1)"
reset
mk ra
step "snapshot rename" "$spec" c_snap_rename
# Restore: the snapshot has MARK=v1 and marker v1, the instance v2 and v2.
c_restore() {
	local files conf
	files=$(cat "$dir/containers/ra/rootfs/marker")
	conf=$(inst ra '.metadata.config["environment.MARK"]')
	assert_eq "$files" "$conf" "[$case] restore: files vs config"
	[ "$acked" = 0 ] || assert_eq v1 "$files" "[$case] acknowledged restore"
}
OP="do_async PUT /1.0/instances/ra {\"restore\":\"s1\"}"
for spec in "$(inj wait4 1)" "$(inj rename 1)" "$(inj renameat2 1)"; do
	reset
	mk ra
	echo v2 >"$dir/containers/ra/rootfs/marker"
	do_sync PATCH /1.0/instances/ra '{"config":{"environment.MARK":"v2"}}' || fail "patch"
	step "snapshot restore" "$spec" c_restore
done

# ---------------------------------------------------------------- volume snapshots
VOLS=/1.0/storage-pools/default/volumes/custom
# vreset: custom volume vs, its snapshot k1 holding marker v1, the volume v2.
vreset() {
	reset
	api DELETE $VOLS/vs >/dev/null || true
	do_sync POST $VOLS '{"name":"vs"}' || fail "cannot create volume vs"
	echo v1 >"$dir/custom/vs/root/marker"
	do_async POST $VOLS/vs/snapshots '{"name":"k1"}' || fail "cannot snapshot vs"
	echo v2 >"$dir/custom/vs/root/marker"
}
vsnaps() { api GET $VOLS/vs/snapshots | jq -r '.metadata[]' | sed 's,.*/,,' | sort | tr '\n' ' '; }
# Whole: the snapshots listed are those on disk, k1 unharmed, no scratch, the volume v1 or v2.
c_vol() {
	assert_eq "$(vsnaps)" "$(lsdir "$dir/custom/vs/snapshots" | tr '\n' ' ')" "[$case] API vs disk"
	assert_eq v1 "$(cat "$dir/custom/vs/snapshots/k1/root/marker")" "[$case] snapshot k1"
	[ ! -e "$dir/custom/vs/root.restore" ] || fail "[$case] a staged restore left"
	grep -qx 'v[12]' "$dir/custom/vs/root/marker" || fail "[$case] the volume's files"
}
c_vsnap_create() {
	c_vol
	assert_eq v2 "$(cat "$dir/custom/vs/root/marker")" "[$case] the volume's files"
	[ "$acked" = 0 ] || assert_eq "k1 k2 " "$(vsnaps)" "[$case] acknowledged"
}
# wait4 1: the copy is whole, its row not yet finished.
OP="do_async POST $VOLS/vs/snapshots {\"name\":\"k2\"}"
spec="$(inj wait4 1)"
vreset
step "volume snapshot create" "$spec" c_vsnap_create
c_vsnap_restore() {
	c_vol
	[ "$acked" = 0 ] || assert_eq v1 "$(cat "$dir/custom/vs/root/marker")" "[$case] acknowledged"
}
OP="do_sync PUT $VOLS/vs {\"restore\":\"k1\"}"
for spec in "$(inj wait4 1)" "$(inj rename 1)" "$(inj renameat2 1)"; do
	vreset
	step "volume snapshot restore" "$spec" c_vsnap_restore
done
api DELETE $VOLS/vs >/dev/null || fail "cannot delete volume vs"

# ---------------------------------------------------------------- images
OP=do_import
spec="$wal"
reset
fp=$(api GET /1.0/images | jq -r '.metadata[0]' | sed 's,.*/,,')
do_async DELETE "/1.0/images/$fp" || fail "cannot delete the image"
step "image import" "$spec" c_none
c_img_delete() { [ "$acked" = 0 ] || assert_eq "" "$(lsdir "$dir/images")" "[$case] acknowledged"; }
spec="$(inj rename 1)"
reset
fp=$(api GET /1.0/images | jq -r '.metadata[0]' | sed 's,.*/,,')
OP="do_async DELETE /1.0/images/$fp"
step "image delete" "$spec" c_img_delete

[ ${#failed[@]} = 0 ] || lxfe_log "FAILED steps:$(printf '\n  %s' "${failed[@]}")"

# ---------------------------------------------------------------- a broken instance
# Its directory vanished (a failing disk, a hand-made mistake): the real
# client shows it and deletes it, also with --force.
case=broken
reset
LXD_SOCKET=$sock
LXD_CONF=$LXFE_RUN/lxc-conf
mkdir -p "$LXD_CONF"
export LXD_SOCKET LXD_CONF
timeout 30 lxc remote list >/dev/null 2>&1 || true
for how in "lxc delete -f" "DELETE"; do
	mk rb
	rm -rf "$dir/containers/rb"
	assert_exit 0 timeout 60 lxc info rb
	assert_contains "$LXFE_OUT" "Status: ERROR"
	assert_exit 0 timeout 60 lxc list -f csv -c ns
	assert_contains "$LXFE_OUT" "rb,ERROR"
	if [ "$how" = DELETE ]; then
		do_async DELETE /1.0/instances/rb || fail "DELETE of a broken instance failed"
	else
		assert_exit 0 timeout 60 lxc delete -f rb
	fi
	assert_eq "" "$(names)" "instances after $how of a broken one"
	assert_eq "" "$(lsdir "$dir/snapshots")" "snapshots after $how of a broken one"
	assert_eq "" "$(lsdir "$dir/logs")" "logs after $how of a broken one"
done

[ ${#failed[@]} = 0 ] || fail "${#failed[@]} step(s) not recovered whole (listed above)"
echo "PASS: lxfd killed at each step of each change recovers it whole"
