#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch
#
# Teardown is guaranteed: a child test that fails after launching a
# container, and one killed by SIGTERM half way (as a ctest timeout
# does), both exit non-zero and leave nothing carrying their run id.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

lib=$(cd "$(dirname "$0")" && pwd)/lib.sh
work=$LXFE_RUN/children
mkdir -p "$work"

# The common first half of both children: two hosts, one running container.
cat >"$work/child-head.sh" <<EOF
set -euo pipefail
. "$lib"
echo "\$LXFE_RUN" >"\$CHILD_MARK.run"
hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
# The container really runs under liblxc in h1's namespace.
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"
touch "\$CHILD_MARK.ready"
EOF
printf '. "%s"\necho "child: failing on purpose" >&2\nexit 1\n' "$work/child-head.sh" >"$work/child-fail.sh"
printf '. "%s"\nlxfe_sleep 300\necho "child: not killed" >&2\nexit 0\n' "$work/child-head.sh" >"$work/child-term.sh"

new_child_id() {
	local id
	id=$(_lxfe_new_id)
	printf 'c%s' "${id:0:4}"
}

check_clean() {
	local cid=$1 crun=$2 left
	if ! left=$(lxfe_leftovers "$cid" "$crun"); then
		fail "child $cid left behind:
$left"
	fi
}

# 1. A child that fails after launching a container.
cid=$(new_child_id)
rc=0
CHILD_MARK=$work/fail LXF_E2E_ID=$cid bash "$work/child-fail.sh" >"$work/fail.log" 2>&1 || rc=$?
[ -e "$work/fail.ready" ] || fail "failing child did not get as far as a running container:
$(cat "$work/fail.log")"
assert_eq 1 "$rc" "failing child's exit status"
check_clean "$cid" "$(cat "$work/fail.run")"
echo "ok: failing child $cid cleaned up"

# 2. A child killed by SIGTERM while its container runs.
cid=$(new_child_id)
CHILD_MARK=$work/term LXF_E2E_ID=$cid bash "$work/child-term.sh" >"$work/term.log" 2>&1 &
child=$!
wait_until 120 test -e "$work/term.ready" || {
	kill -TERM "$child" 2>/dev/null || true
	wait "$child" || true
	fail "killed child never got ready:
$(cat "$work/term.log")"
}
kill -TERM "$child"
rc=0
wait "$child" || rc=$?
[ "$rc" -ne 0 ] || fail "SIGTERM'd child exited 0"
assert_eq 143 "$rc" "SIGTERM'd child's exit status"
check_clean "$cid" "$(cat "$work/term.run")"
echo "ok: SIGTERM'd child $cid cleaned up"

echo "PASS: teardown on failure"
