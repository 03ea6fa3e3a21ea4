#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf start, lxf stop, lxf delete, lxf info, lxf copy, lxf snapshot
# covers: lxf exec
#
# Crash recovery of an incoming migration (doc/security.md, #14).
# The target lxfd of `lxf copy h1:src h2:dst` (a stopped container with a
# snapshot: config write, stage in, rsync of the snapshot, stage out, copy
# into snapshots/, stage in, rsync of the instance, stage out, commit) is
# killed at each of its steps by syscall injection and started again.
# Then dst is either whole (it starts, its file and snapshot are there)
# or absent with nothing of it on disk (no row, no containers/, snapshots/,
# logs/ or migrate/ entry, no trash), and the source is untouched. After
# all of them a copy still works.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || fail "strace is missing (scripts/deps installs it)"
# LeakSanitizer cannot run under ptrace (see test-crash-steps).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:src
assert_exit 0 lxf_run exec h1:src -- sh -c 'echo v1 >/marker'
assert_exit 0 lxf_run snapshot h1:src s0
assert_exit 0 lxf_run stop -f h1:src
d2=$(host_dir 2)

lsdir() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort | tr '\n' ' '; }

# The source as it was: file, snapshot, stopped.
check_source() {
	assert_exit 0 lxf_run list h1:src -c rns -f csv
	assert_eq "h1,src,STOPPED" "$LXFE_OUT" "[$case] source state"
	assert_exit 0 lxf_run info h1:src
	assert_contains "$LXFE_OUT" "s0" "[$case] source snapshot"
	assert_eq v1 "$(cat "$(host_dir 1)/containers/src/rootfs/marker")" "[$case] source file"
}

# dst whole, or absent with nothing of it left.
check_target() {
	local names
	names=$(lxf_run list h2: -c rn -f csv)
	case "$names" in
	h2,dst)
		lxfe_log "[$case] dst was completed"
		assert_exit 0 lxf_run info h2:dst
		assert_contains "$LXFE_OUT" "s0" "[$case] dst snapshot"
		assert_exit 0 lxf_run start h2:dst
		assert_exit 0 lxf_run exec h2:dst -- cat /marker
		assert_eq v1 "$LXFE_OUT" "[$case] dst file"
		assert_exit 0 lxf_run delete -f h2:dst
		;;
	"")
		[ "$LXFE_ACKED" = 0 ] || fail "[$case] acknowledged copy lost"
		;;
	*) fail "[$case] h2 lists '$names'" ;;
	esac
	for area in containers snapshots logs migrate trash; do
		assert_eq "" "$(lsdir "$d2/$area")" "[$case] $area/ of h2 after recovery"
	done
}

inj() { printf -- '-e inject=%s:signal=SIGKILL:when=%s' "$1" "$2"; }
failed=()
# rename 1: the config written; 2, 4: stage in; 3, 5: stage out. The
# first WAL write is the row of the new instance; wait4 2 is the cp of
# the snapshot (the first is rsync's, polled without blocking).
for spec in "-P $d2/lxf.db-wal $(inj pwrite64 1)" "$(inj rename 1)" "$(inj rename 2)" \
	"$(inj rename 3)" "$(inj rename 4)" "$(inj rename 5)" "$(inj unlinkat 1)"; do
	case="copy ${spec##*inject=}"
	if lxfe_kill_at 2 "$spec" lxf_run copy h1:src h2:dst 2>/dev/null; then
		check_target
		check_source
		lxfe_log "ok: $case"
	else
		failed+=("$case")
	fi
done
[ "${#failed[@]}" -eq 0 ] || fail "steps not reached: ${failed[*]}"

# The target still takes a copy.
assert_exit 0 lxf_run copy h1:src h2:dst
assert_exit 0 lxf_run start h2:dst
assert_exit 0 lxf_run exec h2:dst -- cat /marker
assert_eq v1 "$LXFE_OUT" "the copy after the crashes"
lxfe_log "PASS: an incoming migration killed at each step is undone or whole"
