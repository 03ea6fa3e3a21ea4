#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf file push, lxf file pull, lxf file delete
#
# lxf file push|pull|delete: contents, modes and owners, directories (-r),
# symlinks, parents (-p), stdout, a file larger than the client's memory
# caps (streamed), and bad paths.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
root=$(host_dir 1)/containers/c1/rootfs
src=$LXFE_RUN/src
mkdir -p "$src/tree/sub"
printf 'hello\n' >"$src/hello.txt"
chmod 0640 "$src/hello.txt"
printf 'deep\n' >"$src/tree/sub/deep.txt"
ln -s sub/deep.txt "$src/tree/link"

# One file into a directory (trailing /), with explicit owner and mode.
assert_exit 0 lxf_run file push --uid 1000 --gid 1001 --mode 0600 "$src/hello.txt" h1:c1/root/
[ -f "$root/root/hello.txt" ] || fail "pushed file missing in the rootfs"
assert_eq hello "$(cat "$root/root/hello.txt")"
# Container ids 1000/1001 are host ids base+1000/base+1001 (unprivileged);
# /tmp would be the running container's tmpfs, so the tests use /root.
ubase=$(stat -c %u "$root/root")
gbase=$(stat -c %g "$root/root")
assert_eq "600 $((ubase + 1000)) $((gbase + 1001))" "$(stat -c '%a %u %g' "$root/root/hello.txt")" "mode/owner"
# Without --mode the source's mode travels.
assert_exit 0 lxf_run file push "$src/hello.txt" h1:c1/root/renamed.txt
assert_eq 640 "$(stat -c '%a' "$root/root/renamed.txt")" "source mode"

# Pull back: to a file, into a directory, to stdout.
assert_exit 0 lxf_run file pull h1:c1/root/hello.txt "$LXFE_RUN/back.txt"
assert_eq hello "$(cat "$LXFE_RUN/back.txt")"
assert_eq 600 "$(stat -c '%a' "$LXFE_RUN/back.txt")" "pulled mode"
mkdir -p "$LXFE_RUN/into"
assert_exit 0 lxf_run file pull h1:c1/root/hello.txt h1:c1/root/renamed.txt "$LXFE_RUN/into"
[ -f "$LXFE_RUN/into/hello.txt" ] && [ -f "$LXFE_RUN/into/renamed.txt" ] || fail "pull into dir"
assert_exit 0 lxf_run file pull h1:c1/root/hello.txt -
assert_eq hello "$LXFE_OUT" "pull to stdout"

# -p creates the parents; without it a missing parent is an error.
assert_exit 1 lxf_run file push "$src/hello.txt" h1:c1/root/a/b/c.txt
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run file push -p "$src/hello.txt" h1:c1/root/a/b/c.txt
assert_eq hello "$(cat "$root/root/a/b/c.txt")"

# Directories need -r; symlinks stay symlinks, both ways.
assert_exit 1 lxf_run file push "$src/tree" h1:c1/root/
assert_contains "$LXFE_ERR" "is a directory: use -r"
assert_exit 0 lxf_run file push -r "$src/tree" h1:c1/root/
assert_eq deep "$(cat "$root/root/tree/sub/deep.txt")"
assert_eq sub/deep.txt "$(readlink "$root/root/tree/link")" "pushed symlink"
assert_exit 1 lxf_run file pull h1:c1/root/tree "$LXFE_RUN/pulled"
assert_contains "$LXFE_ERR" "use -r"
assert_exit 0 lxf_run file pull -r h1:c1/root/tree "$LXFE_RUN/pulled"
assert_eq deep "$(cat "$LXFE_RUN/pulled/sub/deep.txt")"
assert_eq sub/deep.txt "$(readlink "$LXFE_RUN/pulled/link")" "pulled symlink"

# A file larger than the client's JSON cap (64 MiB) streams through.
big=$LXFE_RUN/big.bin
head -c $((80 << 20)) /dev/urandom >"$big"
assert_exit 0 lxf_run file push "$big" h1:c1/root/big.bin
cmp -s "$big" "$root/root/big.bin" || fail "big push differs"
assert_exit 0 lxf_run file pull h1:c1/root/big.bin "$LXFE_RUN/big.back"
cmp -s "$big" "$LXFE_RUN/big.back" || fail "big pull differs"
rm -f "$big" "$LXFE_RUN/big.back" "$root/root/big.bin"

# delete, then errors: missing file, missing instance, bad target form.
assert_exit 0 lxf_run file delete h1:c1/root/hello.txt
[ ! -e "$root/root/hello.txt" ] || fail "file delete left the file"
assert_exit 1 lxf_run file pull h1:c1/root/hello.txt "$LXFE_RUN/x"
assert_contains "$LXFE_ERR" "Error: "
[ ! -e "$LXFE_RUN/x" ] || fail "a failed pull left a file"
[ -z "$(find "$LXFE_RUN" -maxdepth 1 -name 'x.lxf-*')" ] || fail "temporary file left behind"
assert_exit 1 lxf_run file push "$src/hello.txt" h1:ghost/tmp/x
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run file push "$LXFE_RUN/nonexistent" h1:c1/root/x
assert_contains "$LXFE_ERR" "nonexistent"
assert_exit 2 lxf_run file pull h1:c1 "$LXFE_RUN/x"
assert_contains "$LXFE_ERR" "INSTANCE/PATH"
