#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# covers: lxf apply, lxf destroy
#
# lxf apply -f FILE on two lxfd hosts from nothing: a range spread over
# both, a profile made where it is used, files and a run command done
# once, a stopped instance with a device; every instance checked on its
# host. Then: re-apply is "Nothing to do" (exit 0), a config change is
# made in place and a new remote moves an instance, --prune deletes only
# what the file no longer names (and wants --yes without a terminal),
# destroy removes only the stack's instances, and a failing run command
# leaves no instance behind (undone) with exit 3.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image
dir=$LXFE_RUN/apply
mkdir -p "$dir/data"
stack=st-$LXFE_ID

# FILE RANGE: the stack file with web-{RANGE}.
write_stack() {
	cat >"$1" <<YAML
version: 1
name: $stack
profiles:
  small:
    config: {limits.memory: 128MiB}
defaults:
  image: busybox
  profiles: [default, small]
instances:
  - name: web-{$2}
    remotes: [h1, h2]
    config: {environment.ROLE: web}
    files:
      - {path: /etc/motd, content: "hello\n", mode: "0640"}
    run: ["/bin/sh", "-c", "echo provisioned >/etc/provisioned"]
  - name: db
    remote: h2
    state: stopped
    profiles: [default]
    config: {limits.cpu: "1"}
    devices: {data: {type: disk, source: "$dir/data", path: /srv}}
YAML
}
# jq-less JSON field: jget PATH <<<JSON (a/b/0/c); objects and lists as JSON.
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for p in sys.argv[1].split("/"):
    v = v[int(p)] if isinstance(v, list) else v.get(p) if v is not None else None
print("" if v is None else (json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v))
' "$1"
}
inst() { lxf_run query "$1:/1.0/instances/$2"; }
# Where NAME lives: h1 or h2 (or nothing).
where() {
	local h
	for h in h1 h2; do
		lxf_run query "$h:/1.0/instances/$1" >/dev/null 2>&1 && printf '%s' "$h"
	done
	return 0
}

write_stack "$dir/stack.yaml" 1..3
assert_exit 0 lxf_run apply -f "$dir/stack.yaml"
assert_contains "$LXFE_OUT" "+ create web-1"
assert_contains "$LXFE_OUT" "done" "result table"
assert_contains "$LXFE_ERR" ": create web-1: done (" "progress, piped"

# ---- every instance as the file says, on its host
declare -A on=()
for n in web-1 web-2 web-3; do
	on[$n]=$(where "$n")
	[ -n "${on[$n]}" ] || fail "$n was not made"
	j=$(inst "${on[$n]}" "$n")
	assert_eq Running "$(jget status <<<"$j")" "$n status"
	assert_eq web "$(jget config/environment.ROLE <<<"$j")" "$n config"
	assert_eq "$stack" "$(jget config/user.lxf.stack <<<"$j")" "$n stack tag"
	assert_eq 1 "$(jget config/user.lxf.provisioned <<<"$j")" "$n provisioned"
	assert_eq '["default", "small"]' "$(jget profiles <<<"$j")" "$n profiles"
	assert_exit 0 lxf_run exec "${on[$n]}:$n" -- cat /etc/provisioned
	assert_eq provisioned "$LXFE_OUT" "$n run result"
	assert_exit 0 lxf_run exec "${on[$n]}:$n" -- stat -c '%a %s' /etc/motd
	assert_eq "640 6" "$LXFE_OUT" "$n file mode and size"
done
# Spread: both hosts got some of the range.
case "${on[web-1]}${on[web-2]}${on[web-3]}" in
*h1*h2* | *h2*h1*) ;;
*) fail "web-{1..3} not spread over h1 and h2: ${on[*]}" ;;
esac
j=$(inst h2 db)
assert_eq Stopped "$(jget status <<<"$j")" "db status"
assert_eq 1 "$(jget config/limits.cpu <<<"$j")" "db config"
assert_eq '{"path": "/srv", "source": "'"$dir/data"'", "type": "disk"}' \
	"$(jget devices/data <<<"$j")" "db device"
assert_eq '["default"]' "$(jget profiles <<<"$j")" "db profiles"
for h in h1 h2; do
	assert_eq 128MiB "$(lxf_run query "$h:/1.0/profiles/small" | jget config/limits.memory)" \
		"profile small on $h"
done

# ---- re-apply: nothing to do; the run command is not done again
assert_exit 0 lxf_run exec "${on[web-1]}:web-1" -- rm /etc/provisioned
assert_exit 0 lxf_run apply -f "$dir/stack.yaml"
assert_contains "$LXFE_OUT" "Nothing to do"
assert_exit 1 lxf_run exec "${on[web-1]}:web-1" -- /bin/sh -c 'test -e /etc/provisioned'

# ---- update in place and move: a new ROLE for the range, db to h1
write_stack "$dir/stack2.yaml" 1..2
sed -i 's/environment.ROLE: web/environment.ROLE: web2/; s/remote: h2/remote: h1/' \
	"$dir/stack2.yaml"
assert_exit 0 lxf_run apply -f "$dir/stack2.yaml"
assert_contains "$LXFE_OUT" "> move db h2 -> h1"
for n in web-1 web-2 web-3; do
	want=web2
	[ "$n" != web-3 ] || want=web
	assert_eq "$want" "$(inst "${on[$n]}" "$n" | jget config/environment.ROLE)" "$n updated"
done
assert_eq h1 "$(where db)" "db moved"
j=$(inst h1 db)
assert_eq Stopped "$(jget status <<<"$j")" "db status after the move"
assert_eq 1 "$(jget config/limits.cpu <<<"$j")" "db config after the move"

# ---- prune: web-3 leaves the file; only it goes, and only with --yes
assert_exit 0 lxf_run apply -f "$dir/stack2.yaml"
assert_contains "$LXFE_OUT" "Nothing to do"
assert_exit 2 lxf_run apply -f "$dir/stack2.yaml" --prune </dev/null
assert_contains "$LXFE_ERR" "--yes"
assert_eq "${on[web-3]}" "$(where web-3)" "web-3 kept without --yes"
assert_exit 0 lxf_run apply -f "$dir/stack2.yaml" --prune --yes --format json
assert_eq delete "$(jget 0/action <<<"$LXFE_OUT")" "pruned action"
assert_eq web-3 "$(jget 0/name <<<"$LXFE_OUT")" "pruned name"
assert_eq done "$(jget 0/result <<<"$LXFE_OUT")" "pruned result"
assert_eq "" "$(where web-3)" "web-3 pruned"
[ -n "$(where web-1)" ] && [ -n "$(where web-2)" ] && [ -n "$(where db)" ] ||
	fail "prune deleted more than web-3"

# ---- destroy: the stack's instances and nothing else
assert_exit 0 lxf_run launch busybox h1:other
assert_exit 2 lxf_run destroy -f "$dir/stack2.yaml" </dev/null
assert_exit 0 lxf_run destroy -f "$dir/stack2.yaml" --yes
for n in web-1 web-2 db; do
	assert_eq "" "$(where "$n")" "$n destroyed"
done
assert_eq h1 "$(where other)" "an instance of no stack survives destroy"
assert_exit 0 lxf_run query h1:/1.0/profiles/small

# ---- a failing run command: exit 3, nothing left behind
cat >"$dir/bad.yaml" <<YAML
version: 1
name: $stack
instances:
  - name: bad
    remote: h1
    image: busybox
    run: ["/bin/sh", "-c", "exit 3"]
YAML
assert_exit 3 lxf_run apply -f "$dir/bad.yaml"
assert_contains "$LXFE_OUT" "exited with status 3"
assert_contains "$LXFE_OUT" "(undone)"
assert_eq "" "$(where bad)" "the failed instance is undone"

lxfe_log "apply/destroy on 2 hosts: OK"
