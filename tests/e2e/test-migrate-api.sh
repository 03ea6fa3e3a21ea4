#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf init, lxf start, lxf stop, lxf delete, lxf info, lxf snapshot, lxf restore
# covers: lxf config get, lxf config set, lxf query, lxf exec
# covers: GET /1.0, GET /1.0/operations/{id}, GET /1.0/operations/{id}/wait
# covers: GET /1.0/operations/{id}/websocket, POST /1.0/instances
#
# LXD's migration protocol between two lxfd hosts, at the API level
# (issue #6): tests/e2e/mig-relay.py plays a relay-mode client (it POSTs
# the source and the target operations and pumps their websockets) so that
# only the daemons are under test. Covers: a stopped container with
# snapshots arrives whole (files, owners, config, snapshots) and the source
# is untouched; a running source (criu NONE, two passes) stays running; a
# refresh brings a stopped copy up to date (--delete); a bad secret is
# refused; nobody connecting times out and leaves nothing; a transfer cut
# midway leaves nothing on the target and the source intact; a target
# pulls by itself over HTTPS, and refuses a source whose certificate is
# not the one it was given; a source pushes by itself (LXD's push form).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RELAY=$(dirname "$0")/mig-relay.py
relay() { /usr/bin/python3 "$RELAY" "$(host_socket 1)" "$1" "$(host_socket 2)" "$2" "${@:3}"; }
h2_names() { lxf_run list h2: -c n -f csv >/dev/null && printf '%s' "$LXFE_OUT" | sort | tr '\n' ' '; }

hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run init busybox h1:c1
assert_exit 0 lxf_run config set h1:c1 user.v=1
assert_exit 0 lxf_run start h1:c1
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo one >/root/f && chown 33:44 /root/f && mkdir -p /srv && echo keep >/srv/k'
assert_exit 0 lxf_run snapshot h1:c1 s1
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo two >/root/f && echo gone >/root/old'
assert_exit 0 lxf_run snapshot h1:c1 s2
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo three >/root/f && rm /root/old'
assert_exit 0 lxf_run stop h1:c1 --force

# 1. A stopped container with two snapshots.
out=$(relay c1 c1) || fail "relay failed: $out"
assert_contains "$out" '"fs_progress"'
assert_exit 0 lxf_run config get h2:c1 user.v
assert_eq 1 "$LXFE_OUT" "config on arrival"
assert_exit 0 lxf_run info h2:c1
assert_contains "$LXFE_OUT" "| s1 "
assert_contains "$LXFE_OUT" "| s2 "
assert_exit 0 lxf_run start h2:c1
assert_exit 0 lxf_run exec h2:c1 -- cat /root/f
assert_eq three "$LXFE_OUT" "rootfs file on arrival"
assert_exit 0 lxf_run exec h2:c1 -- stat -c %u:%g /root/f
assert_eq 33:44 "$LXFE_OUT" "owner inside the container"
assert_exit 1 lxf_run exec h2:c1 -- sh -c '[ -e /root/old ]'
assert_exit 0 lxf_run stop h2:c1 --force
assert_exit 0 lxf_run restore h2:c1 s2
assert_exit 0 lxf_run start h2:c1
assert_exit 0 lxf_run exec h2:c1 -- cat /root/f /root/old
assert_eq "two
gone" "$LXFE_OUT" "snapshot s2 content"
assert_exit 0 lxf_run stop h2:c1 --force
# The source is as it was.
assert_exit 0 lxf_run list h1: -c ns -f csv
assert_contains "$LXFE_OUT" "c1,STOPPED"
assert_exit 0 lxf_run info h1:c1
assert_contains "$LXFE_OUT" "| s2 "
lxfe_log "stopped copy with snapshots: ok"

# 2. A running source: criu NONE, two rootfs passes; it keeps running.
assert_exit 0 lxf_run start h1:c1
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo live >/root/live'
out=$(relay c1 c2) || fail "relay of a running source failed: $out"
assert_exit 0 lxf_run list h1: -c ns -f csv
assert_contains "$LXFE_OUT" "c1,RUNNING"
assert_exit 0 lxf_run start h2:c2
assert_exit 0 lxf_run exec h2:c2 -- cat /root/live
assert_eq live "$LXFE_OUT" "file of a running source"
assert_exit 0 lxf_run stop h2:c2 --force
lxfe_log "running source: ok"

# 3. Refresh: a stopped copy brought up to date (new, changed and deleted
# files; a snapshot dropped at the source goes here too).
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo new >/root/new && echo four >/root/f && rm /root/live'
assert_exit 0 lxf_run stop h1:c1 --force
assert_exit 0 lxf_run delete h1:c1/s1
out=$(relay c1 c2 --refresh) || fail "refresh failed: $out"
assert_exit 0 lxf_run start h2:c2
assert_exit 0 lxf_run exec h2:c2 -- cat /root/new /root/f
assert_eq "new
four" "$LXFE_OUT" "files after a refresh"
assert_exit 1 lxf_run exec h2:c2 -- sh -c '[ -e /root/live ]'
assert_exit 0 lxf_run stop h2:c2 --force
assert_exit 0 lxf_run info h2:c2
assert_not_contains "$LXFE_OUT" "| s1 "
assert_contains "$LXFE_OUT" "| s2 "
# A refresh of a running target is refused, the target untouched.
assert_exit 0 lxf_run start h2:c2
out=$(relay c1 c2 --refresh) && fail "refresh of a running target succeeded"
assert_contains "$out" "must be stopped"
assert_exit 0 lxf_run list h2: -c ns -f csv
assert_contains "$LXFE_OUT" "c2,RUNNING"
assert_exit 0 lxf_run stop h2:c2 --force
lxfe_log "refresh: ok"

# 4. A bad secret is refused; instance_only leaves the snapshots behind.
out=$(relay c1 c3 --bad-secret --instance-only) || fail "relay failed: $out"
assert_contains "$out" "bad secret refused"
assert_exit 0 lxf_run info h2:c3
assert_not_contains "$LXFE_OUT" "| s2 "

# A snapshot travels as an instance of its own.
out=$(relay c1/s2 c7) || fail "snapshot relay failed: $out"
assert_exit 0 lxf_run info h2:c7
assert_not_contains "$LXFE_OUT" "| s2 "
assert_exit 0 lxf_run start h2:c7
assert_exit 0 lxf_run exec h2:c7 -- cat /root/f
assert_eq two "$LXFE_OUT" "snapshot copied as an instance"
assert_exit 0 lxf_run stop h2:c7 --force

# 5. Nobody connects: both operations time out, nothing is left.
out=$(relay c1 c4 --no-connect) && fail "an unconnected migration succeeded"
assert_contains "$out" "Timed out waiting for migration connections"
assert_exit 1 lxf_run info h2:c4
# Cancelled (DELETE on the target's operation): nothing is left either.
out=$(relay c1 c9 --cancel-target) && fail "a cancelled migration succeeded"
assert_contains "$out" '"status": "Cancelled"'
assert_exit 1 lxf_run info h2:c9
lxfe_log "secrets, timeouts, cancel: ok"

# 6. The transfer cut midway: the target keeps nothing, the source runs on.
assert_exit 0 lxf_run start h1:c1
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'dd if=/dev/urandom of=/root/big bs=1M count=24 2>/dev/null'
assert_exit 0 lxf_run exec h1:c1 -- busybox md5sum /root/big
before=$LXFE_OUT
out=$(relay c1 c5 --drop-after 3000000) && fail "a cut migration succeeded"
assert_contains "$out" '"status": "Failure"'
assert_exit 1 lxf_run info h2:c5
d2=$(host_dir 2)
[ ! -e "$d2/containers/c5" ] || fail "c5's container dir was left on the target"
[ ! -e "$d2/snapshots/c5" ] || fail "c5's snapshots were left on the target"
[ -z "$(ls -A "$d2/migrate" 2>/dev/null)" ] || fail "staging left: $(ls "$d2/migrate")"
assert_exit 0 lxf_run list h1: -c ns -f csv
assert_contains "$LXFE_OUT" "c1,RUNNING"
assert_exit 0 lxf_run exec h1:c1 -- busybox md5sum /root/big
assert_eq "$before" "$LXFE_OUT" "source data after a cut transfer"
lxfe_log "cut transfer: ok"

# 7. Pull mode: h2 dials h1's operation over HTTPS, h1's certificate pinned.
IP1=$(host_ip 1)
assert_exit 0 lxf_run config set h1: core.https_address "$IP1:8443"
wait_until 20 host_exec 2 bash -c "exec 3<>/dev/tcp/$IP1/8443" || fail "h1 is not listening"
assert_exit 0 lxf_run query h1:/1.0
printf '%s' "$LXFE_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["environment"]["certificate"])' >"$LXFE_RUN/h1.crt"
assert_exit 0 lxf_run query h2:/1.0
printf '%s' "$LXFE_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["environment"]["certificate"])' >"$LXFE_RUN/h2.crt"
out=$(relay c1 c6 --pull "https://$IP1:8443" "$LXFE_RUN/h2.crt") && fail "a wrong certificate was accepted"
assert_contains "$out" '"status": "Failure"'
assert_exit 1 lxf_run info h2:c6
out=$(relay c1 c6 --pull "https://$IP1:8443" "$LXFE_RUN/h1.crt") || fail "pull failed: $out"
assert_exit 0 lxf_run start h2:c6
assert_exit 0 lxf_run exec h2:c6 -- busybox md5sum /root/big
assert_eq "$before" "$LXFE_OUT" "data pulled by h2"
lxfe_log "pull: ok"

# 8. Push form: h1 (the source) dials h2's operation, h2's certificate pinned.
IP2=$(host_ip 2)
assert_exit 0 lxf_run config set h2: core.https_address "$IP2:8443"
wait_until 20 host_exec 1 bash -c "exec 3<>/dev/tcp/$IP2/8443" || fail "h2 is not listening"
out=$(relay c1 c8 --push-source "https://$IP2:8443" "$LXFE_RUN/h2.crt") || fail "push failed: $out"
assert_exit 0 lxf_run start h2:c8
assert_exit 0 lxf_run exec h2:c8 -- busybox md5sum /root/big
assert_eq "$before" "$LXFE_OUT" "data pushed by h1"
assert_exit 0 lxf_run info h2:c8
assert_contains "$LXFE_OUT" "| s2 "
lxfe_log "push: ok"
