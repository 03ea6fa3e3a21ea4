#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: GET /1.0/instances, POST /1.0/instances, GET /1.0/instances/{name}/state
# covers: PUT /1.0/instances/{name}/state, GET /1.0/instances/{name}/snapshots, GET /1.0/images
#
# Crash torture: at least 300 mixed operations (create, start, stop,
# snapshot create/delete/rename/restore, rename, delete, config PATCH, file
# push) from four concurrent clients while lxfd is SIGKILLed 30 times,
# 0.2-3 s apart, and restarted each time. Afterwards every acknowledged object must
# be there as acknowledged (name, config keys, snapshots, file contents,
# power state), every operation whose answer died with lxfd done wholly or
# not at all, no instance in Error, no directory under containers/,
# snapshots/ or images/ without its row and no row without its directory,
# and every instance must start (issue #14: a failing machine).
#
# LXF_TORTURE_SEED fixes the operations and the kill times (default
# random; printed first, so a failure can be run again with it).
# LXF_TORTURE_OPS and LXF_TORTURE_KILLS raise the counts (minimum 300, 30).
# The client side is torture.py; each operation is logged by name with
# its outcome (ack / fail / unknown); a failed check prints those on the
# instances it names, and LXF_TORTURE_LOG=FILE keeps the whole log (and
# lxfd's in FILE.lxfd).
set -euo pipefail

seed=${LXF_TORTURE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
case "$seed" in '' | *[!0-9]*)
	echo "LXF_TORTURE_SEED must be a number: '$seed'" >&2
	exit 1
	;;
esac
echo "test-torture: seed $seed (LXF_TORTURE_SEED=$seed reruns it)" >&2

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ops=${LXF_TORTURE_OPS:-300}
kills=${LXF_TORTURE_KILLS:-30}
if [ "$ops" -lt 300 ] || [ "$kills" -lt 30 ]; then
	fail "LXF_TORTURE_OPS and LXF_TORTURE_KILLS: at least 300 and 30"
fi
driver=$LXFE_SRC/tests/e2e/torture.py
log=$LXFE_RUN/torture.log
done_file=$LXFE_RUN/kills-done
dir=$(host_dir 1)

hosts_up 1
hosts_import_image 1

PYTHONHASHSEED=0 python3 "$driver" run "$seed" "$(host_socket 1)" "$dir" "$log" "$done_file" \
	--ops "$ops" >"$LXFE_RUN/torture.out" 2>&1 &
DRIVER=$!

# The killer, in step with the driver's operations but not with any of
# them: a seeded delay after each restart, then SIGKILL and restart.
n=0
while read -r delay; do
	lxfe_sleep "$delay"
	n=$((n + 1))
	pid=$(cat "$dir/lxfd.pid")
	kill -9 "$pid"
	wait_until 10 sh -c "! kill -0 $pid 2>/dev/null" || fail "lxfd survived SIGKILL"
	printf '%7s kill %d of %d (after %s s)\n' - "$n" "$kills" "$delay" >>"$log"
	_lxfe_lxfd_start 1
	_lxfe_lxfd_wait 1
done < <(python3 "$driver" schedule "$seed" "$kills")
[ "$n" = "$kills" ] || fail "only $n kills of $kills"
touch "$done_file"

rc=0
wait "$DRIVER" || rc=$?
cat "$LXFE_RUN/torture.out" >&2
if [ -n "${LXF_TORTURE_LOG:-}" ]; then
	cp "$log" "$LXF_TORTURE_LOG"
	cp "$dir/lxfd.log" "$LXF_TORTURE_LOG.lxfd"
fi
if [ "$rc" != 0 ]; then
	fail "torture run with seed $seed left lxfd inconsistent (above)"
fi
lxfe_log "seed $seed: consistent after $kills kills"
