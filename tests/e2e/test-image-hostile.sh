#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf start, lxf stop, lxf image import, lxf image delete
# covers: GET /1.0/instances, POST /1.0/instances, GET /1.0/instances/{name}
# covers: POST /1.0/instances/{name}, GET /1.0/images, POST /1.0/images
#
# Hostile images are refused at import, not at every create: each one
# uploaded through the API (POST /1.0/images, a raw unified tarball as the
# real lxc client sends it) fails with 400 and the offending entry named
# ("image rejected: rootfs/x/f: path goes through the symlink rootfs/x"),
# and leaves no image row and no file in DIR/images. The cases: a symlink
# escape (rootfs/x -> a host directory, then rootfs/x/f), rootfs itself a
# symlink, a hard link through a symlink the archive made, a ".."
# component, an absolute name, a block device, an owner outside the 65536
# ids a container maps, a tarball without metadata.yaml, and a split image
# (metadata + rootfs in a multipart upload, which lxfd does not take).
#
# Then the disk fills: the host's directory is a small tmpfs and an image
# that unpacks to more than it holds (zeros: the tarball itself is tiny) is
# imported and an instance created from it. The create fails naming the
# entry and "No space left on device", and leaves no row and no directory.
# A good image still imports and launches, and a rename on a full disk
# fails with 500, like the other operations.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# h1's whole directory on a tmpfs of its own, mounted before its lxfd
# starts (see test-move-netcut); teardown unmounts it.
FULL_MB=32
dir=$(host_dir 1)
mkdir -p "$dir"
mount -t tmpfs -o "size=${FULL_MB}m,mode=0711" "lxfe-$LXFE_ID-full" "$dir"
hosts_up 1
s1=$(host_socket 1)
api() { # METHOD PATH [CURL ARGS...]
	local m=$1 p=$2
	shift 2
	curl -s --unix-socket "$s1" -X "$m" "$@" "http://lxd$p"
}
# answer JSON: "CODE|MESSAGE" of a sync error, or of the async operation once done.
answer() {
	local out=$1 op
	if [ "$(jq -r .type <<<"$out")" = async ]; then
		op=$(jq -r .operation <<<"$out")
		api GET "$op/wait?timeout=120" | jq -j '"\(.metadata.status_code)|\(.metadata.err)"'
	else
		jq -j '"\(.error_code)|\(.error)"' <<<"$out"
	fi
}
upload() { # FILE
	answer "$(api POST /1.0/images -H 'Content-Type: application/octet-stream' \
		--data-binary @"$1")"
}
stored_images() { # rows and files: both must stay empty after a refusal
	api GET /1.0/images | jq -c .metadata
	ls -A "$dir/images"
}

# ---- the hostile images, made with Python's tarfile (gzip, as LXD's are)
img=$LXFE_RUN/img
outside=$LXFE_RUN/outside # where the symlinks point: must stay empty
mkdir -p "$img" "$outside"
python3 - "$img" "$outside" <<'EOF'
import io, sys, tarfile
out, outside = sys.argv[1], sys.argv[2]
META = b"architecture: x86_64\ncreation_date: 1700000000\n"

class Zeros(io.RawIOBase):
    """n zero bytes, without holding them in memory."""
    def __init__(self, n): self.n = n
    def readable(self): return True
    def readinto(self, b):
        k = min(len(b), self.n)
        b[:k] = bytes(k)
        self.n -= k
        return k

def add(t, name, kind="f", data=b"", link=None, uid=0, dev=(0, 0), size=None):
    ti = tarfile.TarInfo(name)
    ti.uid = ti.gid = uid
    ti.mtime = 1700000000
    ti.mode = 0o755 if kind == "d" else 0o644
    ti.type = {"f": tarfile.REGTYPE, "d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE,
               "h": tarfile.LNKTYPE, "b": tarfile.BLKTYPE}[kind]
    ti.linkname = link or ""
    ti.devmajor, ti.devminor = dev
    fobj = None
    if kind == "f":
        ti.size = len(data) if size is None else size
        fobj = io.BytesIO(data) if size is None else io.BufferedReader(Zeros(size))
    t.addfile(ti, fobj)

def image(name, *entries, meta=True):
    with tarfile.open(f"{out}/{name}.tar.gz", "w:gz") as t:
        if meta:
            add(t, "metadata.yaml", data=META)
        for e in entries:
            add(t, *e[:2], **e[2] if len(e) > 2 else {})

image("symlink", ("rootfs/", "d"), ("rootfs/x", "l", {"link": outside}),
      ("rootfs/x/f", "f", {"data": b"pwned"}))
image("rootfs-symlink", ("rootfs", "l", {"link": outside}))
image("hardlink", ("rootfs/", "d"), ("rootfs/x", "l", {"link": "/etc"}),
      ("rootfs/y", "h", {"link": "rootfs/x/shadow"}))
image("dotdot", ("rootfs/", "d"), ("rootfs/a/../../x", "f"))
image("absolute", ("rootfs/", "d"), ("/etc/cron.d/x", "f"))
image("blockdev", ("rootfs/", "d"), ("rootfs/dev/sda", "b", {"dev": (8, 0)}))
image("uid", ("rootfs/", "d"), ("rootfs/f", "f", {"uid": 70000}))
image("nometa", ("rootfs/", "d"), ("rootfs/f", "f"), meta=False)
# Unpacks to 48 MB of zeros (a 32 MB disk), the tarball some 50 kB.
image("big", ("rootfs/", "d"), ("rootfs/usr/", "d"), ("rootfs/usr/bin/", "d"),
      ("rootfs/usr/bin/big", "f", {"size": 48 << 20}))
with tarfile.open(f"{out}/split-meta.tar.gz", "w:gz") as t:
    add(t, "metadata.yaml", data=META)
EOF

# ---- refused at import, the entry named, nothing stored
refused() { # NAME EXPECTED-MESSAGE
	local got
	got=$(upload "$img/$1.tar.gz")
	lxfe_log "$1: $got"
	assert_eq "400|image rejected: $2" "$got" "$1: refused at import"
	assert_eq "[]" "$(stored_images)" "$1: nothing stored"
}
refused symlink "rootfs/x/f: path goes through the symlink rootfs/x"
refused rootfs-symlink "rootfs: rootfs must be a directory"
refused hardlink "rootfs/y: hard link to rootfs/x/shadow goes through the symlink rootfs/x"
refused dotdot 'rootfs/a/../../x: name has a ".." component'
refused absolute "/etc/cron.d/x: absolute name"
refused blockdev "rootfs/dev/sda: block device 8:0 is not one a container may use"
refused uid "rootfs/f: owned by 70000:70000, outside the 65536 ids a container maps"
refused nometa "no metadata.yaml"
# Split images: the metadata part alone as a unified image, and both parts
# as LXD's client uploads them (multipart).
refused split-meta "no rootfs/ directory"
got=$(answer "$(api POST /1.0/images -F "metadata=@$img/split-meta.tar.gz" \
	-F "rootfs.img=@$img/nometa.tar.gz")")
assert_contains "$got" "Virtual machine images are not supported" "VM split upload refused"
assert_eq "[]" "$(stored_images)" "VM split upload: nothing stored"
# A split rootfs goes through the same checks, its entries as rootfs/NAME.
got=$(answer "$(api POST /1.0/images -F "metadata=@$img/split-meta.tar.gz" \
	-F "rootfs=@$img/symlink.tar.gz")")
assert_contains "$got" "path goes through the symlink rootfs/rootfs/x" "split rootfs checked"
assert_eq "[]" "$(stored_images)" "split upload: nothing stored"
[ -z "$(ls -A "$outside")" ] || fail "something was written through the symlinks"

# ---- out of space during a create: the entry and the errno named, nothing left
assert_exit 0 lxf_run image import "$img/big.tar.gz" h1: --alias big
got=$(answer "$(api POST /1.0/instances -H 'Content-Type: application/json' \
	-d '{"name":"big","source":{"type":"image","alias":"big"}}')")
lxfe_log "big: $got"
assert_contains "$got" "rootfs/usr/bin/big" "full disk: the entry named"
assert_contains "$got" "No space left on device" "full disk: the errno text"
assert_eq "[]" "$(api GET /1.0/instances | jq -c .metadata)" "full disk: no instance row"
[ ! -e "$dir/containers/big" ] || fail "full disk: containers/big left behind"
assert_exit 0 lxf_run image delete h1:big

# ---- a good image still imports and launches
hosts_import_image 1
assert_exit 0 lxf_run launch h1:busybox h1:c1
assert_eq RUNNING "$(container_state 1 c1)" "the good image runs"
assert_exit 0 lxf_run stop -f h1:c1

# ---- the unpacked-rootfs cache (daemon/backend/image.h): one entry per
# image and id shift, root's alone, copied by the next create (a file put
# in it shows up there), gone with the image; a create after a delete and
# re-import unpacks afresh. The full-disk create above left nothing in it.
cache=$dir/image-cache
assert_eq 700 "$(stat -c %a "$cache")" "the cache is root's alone"
fp=$(api GET /1.0/images | jq -r '.metadata[0]' | sed 's,.*/,,')
assert_eq "$fp-" "$(ls -A "$cache" | sed 's/[0-9]*-[0-9]*$//')" "one cache entry, busybox's"
entry=$(ls -d "$cache/$fp"-*)
touch "$entry/cached-mark"
assert_exit 0 lxf_run init h1:busybox h1:c3
[ -e "$dir/containers/c3/rootfs/cached-mark" ] || fail "the second create did not copy the cache"
assert_exit 0 lxf_run image delete h1:busybox
assert_eq "" "$(ls -A "$cache")" "the cache entry gone with the image"
hosts_import_image 1
assert_exit 0 lxf_run init h1:busybox h1:c4
[ -e "$dir/containers/c4/rootfs/bin/busybox" ] || fail "no rootfs after a re-import"
[ ! -e "$dir/containers/c4/rootfs/cached-mark" ] || fail "a create after a re-import used the old cache"
assert_eq 1 "$(ls "$cache" | wc -l)" "the cache made again after the re-import"
assert_exit 0 lxf_run delete h1:c3 h1:c4

# ---- rename on a full disk: done whole (it needs no space: the
# database reuses its checkpointed WAL), or refused with 500 as the other
# operations are; never an operation's 400, never half-done.
dd if=/dev/zero of="$dir/fill1" bs=1M status=none 2>/dev/null || true
dd if=/dev/zero of="$dir/fill2" bs=4k status=none 2>/dev/null || true
got=$(answer "$(api POST /1.0/instances/c1 -H 'Content-Type: application/json' \
	-d '{"name":"c2"}')")
lxfe_log "rename on a full disk: $got"
rm -f "$dir/fill1" "$dir/fill2"
case ${got%%|*} in
200)
	name=c2
	[ ! -e "$dir/containers/c1" ] || fail "renamed on a full disk: containers/c1 left"
	;;
500)
	assert_contains "$got" "disk is full" "rename on a full disk: the message"
	name=c1
	[ ! -e "$dir/containers/c2" ] || fail "refused on a full disk: containers/c2 made"
	;;
*) fail "rename on a full disk: expected 200 or 500, got '$got'" ;;
esac
assert_eq "[\"/1.0/instances/$name\"]" "$(api GET /1.0/instances | jq -c .metadata)" \
	"the instance after the rename on a full disk"
assert_exit 0 lxf_run start "h1:$name"
assert_eq RUNNING "$(container_state 1 "$name")" "$name after the rename on a full disk"

teardown
