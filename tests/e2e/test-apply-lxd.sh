#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf apply, lxf plan, lxf destroy, lxf list, lxf exec, lxf config get
# covers: lxf image import, lxf remote add
#
# lxf apply (issue #16) on a mixed fleet: one lxfd (harness host 1, remote
# h1) and one real LXD 5.0 (Debian's lxd, in harness host 2's network
# namespace, remote lxd). A stack of four instances spread over both, with
# a profile of the file, a file and a `run`, plus one stopped instance on
# LXD. Apply from nothing makes them all (two on each daemon), tagged and
# provisioned; a re-apply and a plan exit 0 and neither daemon sees a
# write request (lxfd's --debug log; LXD's own debug log, read through
# `lxc monitor --type=logging`); destroy removes the stack from both.
#
# When LXD is missing or cannot start here the test says so LOUDLY and
# exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# Names carry the run id: LXD's container cgroups are global.
M=m$LXFE_ID
S=s$LXFE_ID
LXD_NAMES="$M-1 $M-2 $M-3 $M-4 $S"
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

export LXF_E2E_DEBUG=1
hosts_up 1
hosts_import_image 1
_lxfe_host_net 2
lxd_up 2
assert_exit 0 lxf_run remote add lxd "unix://$LXD_D/unix.socket"
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox

dir=$LXFE_RUN/apply
mkdir -p "$dir"
F=$dir/lxf.yaml
cat >"$F" <<YAML
version: 1
name: mx$LXFE_ID
profiles:
  small: {config: {user.tier: small}}
defaults: {image: busybox, profiles: [default, small]}
instances:
  - name: $M-{1..4}
    remotes: [h1, lxd]
    config: {environment.ROLE: web}
    files:
      - {path: /etc/motd, content: "hello\n"}
    run: ["/bin/sh", "-c", "echo ran >>/root/runs"]
  - {name: $S, remote: lxd, state: stopped}
YAML

# where NAME: the remotes that hold NAME, space-separated.
where() {
	{ lxf_run list -f csv -c r,n 2>/dev/null || true; } |
		awk -F, -v n="$1" '$2 == n { print $1 }' | sort | paste -sd' ' -
}

# --- apply from nothing: both daemons get their share.
assert_exit 2 lxf_run plan -f "$F"
assert_contains "$LXFE_OUT" "+ create $S on lxd" "first plan"
assert_contains "$LXFE_OUT" "+ profile small on lxd" "first plan"
assert_exit 0 lxf_run apply -f "$F"
on_lxd=0
for n in 1 2 3 4; do
	r=$(where "$M-$n")
	case "$r" in
	h1 | lxd) ;;
	*) fail "$M-$n on '$r', want h1 or lxd" ;;
	esac
	[ "$r" = h1 ] || on_lxd=$((on_lxd + 1))
	assert_exit 0 lxf_run config get "$r:$M-$n" user.lxf.stack
	assert_eq "mx$LXFE_ID" "$LXFE_OUT" "$M-$n stack tag"
	assert_exit 0 lxf_run config get "$r:$M-$n" user.lxf.provisioned
	assert_eq 1 "$LXFE_OUT" "$M-$n provisioned"
	assert_exit 0 lxf_run exec "$r:$M-$n" -- cat /etc/motd /root/runs
	assert_eq "hello
ran" "$LXFE_OUT" "$M-$n files and run"
done
assert_eq 2 "$on_lxd" "instances placed on LXD"
# LXD's own view of what lxf made there.
assert_contains "$(lxc_ list -f csv -c ns)" "$S,STOPPED" "stopped instance on LXD"
assert_eq "mx$LXFE_ID" "$(lxc_ config get "$S" user.lxf.stack)" "LXD instance's tag"
assert_eq small "$(lxc_ profile get small user.tier)" "profile on LXD"

# --- re-apply: nothing to do, no write on either daemon.
before=$(host_writes 1 | wc -l)
LXD_DIR=$LXD_D lxc monitor --type=logging --loglevel=debug --pretty >"$dir/lxd.mon" 2>&1 &
mon=$!
wait_until 30 grep -q "Event listener server handler started" "$dir/lxd.mon" ||
	fail "lxc monitor did not start: $(cat "$dir/lxd.mon")"
assert_exit 0 lxf_run apply -f "$F"
assert_exit 0 lxf_run plan -f "$F"
assert_contains "$LXFE_OUT" "Nothing to do" "re-plan"
# A last request of our own: once the monitor shows it, it has shown all.
lxc_ query "/1.0?marker=$LXFE_ID" >/dev/null
wait_until 30 grep -q "marker=$LXFE_ID" "$dir/lxd.mon" || fail "lxc monitor missed the marker"
kill "$mon"
wait "$mon" 2>/dev/null || true
writes=$(grep -E 'Handling API request.* method=(POST|PUT|PATCH|DELETE) ' "$dir/lxd.mon" || true)
[ -z "$writes" ] || fail "re-apply wrote to LXD:
$writes"
grep -q 'method=GET .*url="\?/1.0/instances' "$dir/lxd.mon" ||
	fail "the monitor did not see apply's reads: $(cat "$dir/lxd.mon")"
new=$(host_writes 1 | tail -n +"$((before + 1))")
[ -z "$new" ] || fail "re-apply wrote to h1:
$new"

# --- destroy: the stack goes from both daemons, the profile stays.
assert_exit 0 lxf_run destroy -f "$F" --yes
for n in 1 2 3 4; do
	assert_eq "" "$(where "$M-$n")" "$M-$n after destroy"
done
assert_eq "" "$(where "$S")" "$S after destroy"
assert_eq "" "$(lxc_ list -f csv -c n)" "LXD's instances after destroy"
assert_eq small "$(lxc_ profile get small user.tier)" "profile on LXD after destroy"
assert_exit 2 lxf_run plan -f "$F"

echo "PASS"
