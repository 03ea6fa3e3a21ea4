#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf apply, lxf plan, lxf destroy, lxf launch, lxf list, lxf exec
# covers: lxf config get, lxf config set, lxf stop, lxf delete, lxf profile show
#
# lxf apply (issue #16) on a fleet of three lxfd hosts. One stack, five
# instances at first: web-{1..3} spread over [h1, h2, h3] with a profile of
# the file, a file and a `run` that appends a line, db stopped on h2, app
# on h1. Besides it, on the same daemons: `hand` (made by hand, no stack)
# and `oth` (another stack's). The steps:
#   - apply from nothing: all made, tagged, provisioned, one web per host;
#   - re-apply and plan: exit 0, and no daemon sees a single write request
#     (their --debug logs: POST, PUT, PATCH, DELETE);
#   - drift by hand (config set, stop, delete): plan shows it (exit 2),
#     apply corrects it; `run` has still run once in web-1 after 3 applies;
#   - app's remote changed from h1 to h3: moved with its data;
#   - a same-named hand-made instance: conflict and exit 3 without --adopt,
#     taken over with it;
#   - --prune (needs --yes without a terminal) deletes the stack's instance
#     the file no longer names, and only it;
#   - h3's lxfd down: exit 3, the work on h1 and h2 done; back: converges;
#   - SIGINT mid-apply: exit 3, every instance of the stack complete or
#     absent, and the next apply converges;
#   - destroy: the stack's instances go, `hand` and `oth` stay.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# The daemons log every request: the no-write checks read those logs.
export LXF_E2E_DEBUG=1
hosts_up 3
hosts_import_image 1 2 3

ST=st$LXFE_ID
dir=$LXFE_RUN/apply
mkdir -p "$dir"
F=$dir/lxf.yaml

# stack APP_REMOTE WEB_LAST [EXTRA]: writes the stack file: app on
# APP_REMOTE, web-{1..WEB_LAST}, then EXTRA (YAML lines of instances).
stack() {
	cat >"$F" <<YAML
version: 1
name: $ST
profiles:
  small:
    config: {user.tier: small}
defaults:
  image: busybox
  profiles: [default, small]
instances:
  - name: web-{1..$2}
    remotes: [h1, h2, h3]
    config: {environment.ROLE: web}
    files:
      - {path: /etc/motd, content: "hello\n", mode: "0644"}
    run: ["/bin/sh", "-c", "echo ran >>/root/runs"]
  - {name: db, remote: h2, state: stopped, config: {environment.ROLE: db}}
  - {name: app, remotes: [$1]}
${3:-}
YAML
}

# rows: "remote name state" of every instance of the fleet.
# (With a remote down, lxf list still prints the others, and exits 3.)
rows() {
	{ lxf_run list -f csv -c r,n,s 2>/dev/null || true; } | tr ',' ' '
}
# where NAME: the remotes that hold NAME, sorted, space-separated.
where() {
	rows | awk -v n="$1" '$2 == n { print $1 }' | sort | paste -sd' ' -
}
# state REMOTE NAME: as lxf list shows it.
state() {
	rows | awk -v r="$1" -v n="$2" '$1 == r && $2 == n { print $3 }'
}
key() { # key REMOTE NAME KEY: a config key of an instance
	assert_exit 0 lxf_run config get "$1:$2" "$3"
	printf '%s' "$LXFE_OUT"
}
# complete REMOTE NAME: made by this stack and fully provisioned.
complete() {
	assert_eq "$ST" "$(key "$1" "$2" user.lxf.stack)" "$1:$2 stack tag"
	assert_eq 1 "$(key "$1" "$2" user.lxf.provisioned)" "$1:$2 provisioned"
}
running() { [ "$(state "$1" "$2")" = RUNNING ]; }

# Write requests of every daemon: mark, then none_since.
mark() {
	local i
	MARKS=()
	for i in 1 2 3; do
		MARKS[i]=$(host_writes "$i" | wc -l)
	done
}
none_since() {
	local i new
	for i in 1 2 3; do
		new=$(host_writes "$i" | tail -n +"$((MARKS[i] + 1))")
		[ -z "$new" ] || fail "$1: h$i got write requests:
$new"
	done
}

# converged: apply and plan both say nothing is left, and write nothing.
converged() {
	mark
	assert_exit 0 lxf_run apply -f "$F"
	assert_exit 0 lxf_run plan -f "$F"
	assert_contains "$LXFE_OUT" "Nothing to do" "$1: plan"
	none_since "$1"
}

# --- what is not the stack's: made by hand, and another stack's.
assert_exit 0 lxf_run launch busybox h1:hand
assert_exit 0 lxf_run launch busybox h2:oth -c user.lxf.stack=other -c user.lxf.provisioned=1

# --- apply from nothing.
stack h1 3
assert_exit 2 lxf_run plan -f "$F"
assert_contains "$LXFE_OUT" "+ create web-1 on h" "first plan"
assert_contains "$LXFE_OUT" "+ create db on h2" "first plan"
assert_contains "$LXFE_OUT" "+ create app on h1" "first plan"
assert_contains "$LXFE_OUT" "+ profile small on h" "first plan"
assert_exit 0 lxf_run apply -f "$F"
WEB=()
for n in 1 2 3; do
	r=$(where "web-$n")
	case "$r" in h[123]) ;; *) fail "web-$n on '$r', want one of h1 h2 h3" ;; esac
	WEB[n]=$r
	running "$r" "web-$n" || fail "web-$n not running: $(rows)"
	complete "$r" "web-$n"
	assert_eq web "$(key "$r" "web-$n" environment.ROLE)" "web-$n config"
	assert_exit 0 lxf_run exec "$r:web-$n" -- cat /etc/motd /root/runs
	assert_eq "hello
ran" "$LXFE_OUT" "web-$n files and run"
	assert_exit 0 lxf_run profile show "$r:small"
	assert_contains "$LXFE_OUT" "user.tier: small" "profile small on $r"
done
assert_eq "h1 h2 h3" "$(printf '%s\n' "${WEB[@]}" | sort | paste -sd' ' -)" "one web per host"
assert_eq STOPPED "$(state h2 db)" "db state"
complete h2 db
assert_eq h1 "$(where app)" "app placed"
complete h1 app
assert_eq h1 "$(where hand)" "hand-made instance"
assert_eq "" "$(key h1 hand user.lxf.stack)" "hand-made instance's tag"

# --- re-apply: nothing to do, nothing written.
converged "re-apply"

# --- drift by hand: plan shows it, apply corrects it.
assert_exit 0 lxf_run config set "${WEB[1]}:web-1" environment.ROLE other
assert_exit 0 lxf_run stop "${WEB[2]}:web-2" --force
assert_exit 0 lxf_run delete "${WEB[3]}:web-3" --force
assert_exit 2 lxf_run plan -f "$F"
plan=$LXFE_OUT
assert_contains "$plan" "~ update web-1 on ${WEB[1]}" "drift plan"
assert_contains "$plan" "environment.ROLE" "drift plan"
assert_contains "$plan" "~ update web-2 on ${WEB[2]}" "drift plan"
# web-3 goes to a host with the fewest of the stack's instances (app on
# h1, db on h2, web-1, web-2). On a tie the most free memory decides, and
# the hosts are one machine asked at slightly different times (plan and
# apply differed with tests running side by side): any of those is right.
declare -A cnt=([h1]=1 [h2]=1 [h3]=0)
cnt[${WEB[1]}]=$((cnt[${WEB[1]}] + 1))
cnt[${WEB[2]}]=$((cnt[${WEB[2]}] + 1))
min=$(printf '%s\n' "${cnt[@]}" | sort -n | head -n 1)
tied=" "
for r in h1 h2 h3; do [ "${cnt[$r]}" != "$min" ] || tied="$tied$r "; done
p3=$(printf '%s\n' "$plan" | sed -n 's/.*+ create web-3 on \(h[0-9]*\).*/\1/p')
case "$tied" in *" $p3 "*) ;; *) fail "drift plan: web-3 on '$p3', want one of$tied:
$plan" ;; esac
assert_not_contains "$plan" "db" "drift plan"
assert_exit 0 lxf_run apply -f "$F"
assert_eq web "$(key "${WEB[1]}" web-1 environment.ROLE)" "web-1 config corrected"
running "${WEB[2]}" web-2 || fail "web-2 not started again: $(rows)"
WEB[3]=$(where web-3)
case "$tied" in *" ${WEB[3]} "*) ;; *) fail "web-3 made again on '${WEB[3]}', want one of$tied" ;; esac
complete "${WEB[3]}" web-3
converged "after drift"
# Three applies (and one of them changed web-1): its `run` ran once.
assert_exit 0 lxf_run exec "${WEB[1]}:web-1" -- cat /root/runs
assert_eq ran "$LXFE_OUT" "web-1's run after three applies"

# --- a placement change: app moves from h1 to h3 with its data.
assert_exit 0 lxf_run exec h1:app -- sh -c 'echo payload-$$ >/root/data && cat /root/data'
data=$LXFE_OUT
stack h3 3
assert_exit 2 lxf_run plan -f "$F"
assert_contains "$LXFE_OUT" "> move app h1 -> h3" "move plan"
assert_exit 0 lxf_run apply -f "$F"
assert_eq h3 "$(where app)" "app after the move"
running h3 app || fail "app not running on h3: $(rows)"
assert_exit 0 lxf_run exec h3:app -- cat /root/data
assert_eq "$data" "$LXFE_OUT" "app's data after the move"
complete h3 app
converged "after the move"

# --- a same-named instance made by hand: refused, then adopted.
assert_exit 0 lxf_run launch busybox h2:adopted -c environment.ROLE=mine
stack h3 3 "  - {name: adopted, remote: h2, config: {environment.ROLE: adopted}}"
assert_exit 2 lxf_run plan -f "$F"
assert_contains "$LXFE_OUT" "! conflict adopted on h2" "conflict plan"
assert_exit 3 lxf_run apply -f "$F"
assert_eq mine "$(key h2 adopted environment.ROLE)" "conflicting instance untouched"
assert_eq "" "$(key h2 adopted user.lxf.stack)" "conflicting instance not tagged"
assert_exit 0 lxf_run apply -f "$F" --adopt
assert_eq adopted "$(key h2 adopted environment.ROLE)" "adopted instance updated"
complete h2 adopted
converged "after --adopt"

# --- --prune: only this stack's instances that the file no longer names.
stack h3 2 "  - {name: adopted, remote: h2, config: {environment.ROLE: adopted}}"
converged "web-3 dropped, no --prune"
assert_eq "${WEB[3]}" "$(where web-3)" "web-3 without --prune"
assert_exit 2 lxf_run plan -f "$F" --prune
assert_contains "$LXFE_OUT" "- delete web-3 on ${WEB[3]}" "prune plan"
assert_not_contains "$LXFE_OUT" "hand" "prune plan"
assert_not_contains "$LXFE_OUT" "oth" "prune plan"
# No terminal: a delete needs --yes.
assert_exit 2 lxf_run apply -f "$F" --prune
assert_eq "${WEB[3]}" "$(where web-3)" "web-3 after a refused --prune"
assert_exit 0 lxf_run apply -f "$F" --prune --yes
assert_eq "" "$(where web-3)" "web-3 after --prune"
assert_eq h1 "$(where hand)" "hand-made instance after --prune"
assert_eq h2 "$(where oth)" "other stack's instance after --prune"
assert_exit 0 lxf_run plan -f "$F" --prune

# --- h3's lxfd down: its instances unplaced, the rest done.
pid=$(host_lxfd_pid 3)
[ -n "$pid" ] || fail "no lxfd on h3"
kill -TERM "$pid"
wait_until 30 sh -c "! kill -0 $pid" || fail "lxfd of h3 did not stop"
EXTRA="  - {name: adopted, remote: h2, config: {environment.ROLE: adopted}}
  - {name: late, remote: h1}"
stack h3 2 "$EXTRA"
sed -i 's/{environment.ROLE: db}/{environment.ROLE: db2}/' "$F"
assert_exit 3 lxf_run apply -f "$F"
assert_contains "$LXFE_ERR" "remote h3 is down" "apply with h3 down"
assert_contains "$LXFE_OUT" "! unplaced app" "apply with h3 down"
assert_eq h1 "$(where late)" "late made with h3 down"
running h1 late || fail "late not running: $(rows)"
complete h1 late
assert_eq db2 "$(key h2 db environment.ROLE)" "db updated with h3 down"
host_lxfd_restart 3
converged "h3 back"
running h3 app || fail "app on h3 not running after its lxfd's restart: $(rows)"

# --- SIGINT mid-apply: nothing half-made, the next apply converges.
# One at a time, each `run` lasting 2 s: the signal comes while the first
# instance is being made, however slow the machine.
stack h3 2 "$EXTRA
  - name: burst-{1..4}
    remote: h1
    files: [{path: /etc/motd, content: burst}]
    run: [\"/bin/sh\", \"-c\", \"echo ran >>/root/runs; sleep 2\"]"
sed -i 's/{environment.ROLE: db}/{environment.ROLE: db2}/' "$F"
LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" apply -f "$F" --parallel 1 >"$dir/int.out" 2>&1 &
apid=$!
has_burst() { rows | grep -q ' burst-'; }
wait_until 60 has_burst ||
	fail "no burst instance appeared: $(cat "$dir/int.out")"
kill -INT "$apid"
rc=0
wait "$apid" || rc=$?
assert_eq 3 "$rc" "apply interrupted (output: $(cat "$dir/int.out"))"
assert_contains "$(cat "$dir/int.out")" "cancelled" "interrupted apply's table"
# Every instance of the stack, wherever it is, is complete.
rows | while read -r r n _; do
	[ "$(key "$r" "$n" user.lxf.stack)" != "$ST" ] || complete "$r" "$n"
done
made=$(rows | awk '$2 ~ /^burst-/ { print $1 }' | sort | uniq -c | awk '{ print $2 "=" $1 }')
case "$made" in
'' | h1=[123]) ;;
*) fail "burst instances after SIGINT: '$made', want fewer than 4, on h1" ;;
esac
assert_exit 0 lxf_run apply -f "$F"
converged "after SIGINT"
for n in 1 2 3 4; do
	complete h1 "burst-$n"
	assert_exit 0 lxf_run exec "h1:burst-$n" -- cat /root/runs
	assert_eq ran "$LXFE_OUT" "burst-$n's run"
done

# --- destroy: the stack's instances, nothing else.
assert_exit 2 lxf_run destroy -f "$F"
assert_eq h1 "$(where late)" "late after a destroy without --yes"
assert_exit 0 lxf_run destroy -f "$F" --yes
assert_eq "h1 hand
h2 oth" "$(rows | awk '{ print $1, $2 }' | sort)" "what destroy left"
assert_exit 0 lxf_run profile show h1:small

echo "PASS"
