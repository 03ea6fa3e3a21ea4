#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf config show, lxf config get, lxf config set, lxf config unset
# covers: lxf config edit, lxf config device add, lxf config device remove, lxf config device list
# covers: lxf config device show, lxf config device get, lxf config device set
# covers: lxf config device unset, lxf profile list, lxf profile show, lxf profile create
# covers: lxf profile delete, lxf profile get, lxf profile set, lxf profile unset, lxf profile edit
# covers: lxf profile copy, lxf profile rename, lxf profile add, lxf profile remove
# covers: lxf profile assign, lxf profile device add, lxf profile device remove
# covers: lxf profile device list, lxf profile device show, lxf profile device get
# covers: lxf profile device set, lxf profile device unset
# covers: POST /1.0/profiles/{profile}, DELETE /1.0/profiles/{profile}
# covers: lxf init, lxf info, lxf list, lxf delete, lxf alias add, lxf alias list
# covers: GET /1.0/instances/{name}/logs/{file}, GET /1.0/resources
#
# lxf config show|get|set|unset|edit, config device ..., profile ... and
# profile device ..., and a profile's rename and delete through the API:
# every change is checked by reading it back, every bad input by its
# message and exit status, and by the object being unchanged. Then lxc's
# habits: launch with YAML on stdin, info --show-log and --resources, list
# --fast, delete -i on a terminal, --debug/--verbose, user aliases.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1

# --- config show / set / get / unset
assert_exit 0 lxf_run config show h1:c1
assert_contains "$LXFE_OUT" "profiles:"
assert_contains "$LXFE_OUT" "- default"
assert_not_contains "$LXFE_OUT" "eth0" "local devices"
assert_exit 0 lxf_run config show h1:c1 --expanded
assert_contains "$LXFE_OUT" "eth0" "expanded devices"
assert_exit 0 lxf_run config set h1:c1 user.foo "hello world"
assert_exit 0 lxf_run config get h1:c1 user.foo
assert_eq "hello world" "$LXFE_OUT" "config get"
assert_exit 0 lxf_run config set h1:c1 user.a=1 user.b=2
assert_exit 0 lxf_run config get h1:c1 user.b
assert_eq 2 "$LXFE_OUT"
assert_exit 0 lxf_run config unset h1:c1 user.a
assert_exit 0 lxf_run config get h1:c1 user.a
assert_eq "" "$LXFE_OUT" "unset key"
assert_exit 1 lxf_run config unset h1:c1 user.never
assert_contains "$LXFE_ERR" "Error: key 'user.never' is not set"
# A bad key=value word changes nothing.
before=$(lxf_run config show h1:c1)
assert_exit 2 lxf_run config set h1:c1 user.c=3 oops
assert_contains "$LXFE_ERR" "bad key=value 'oops'"
assert_eq "$before" "$(lxf_run config show h1:c1)" "config after a bad set"
# The server's config: "REMOTE:" alone.
assert_exit 0 lxf_run config show h1:
assert_contains "$LXFE_OUT" "config:"
assert_exit 1 lxf_run config set h1: no.such.key=1
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run config show h1:nosuch
assert_contains "$LXFE_ERR" "Error: "
assert_exit 2 lxf_run config get
assert_contains "$LXFE_ERR" "Usage: lxf config get"

# --- config edit from stdin (not a terminal): applied, or refused whole
lxf_run config show h1:c1 >"$LXFE_RUN/c1.yaml"
sed -i 's/user.foo: hello world/user.foo: edited/' "$LXFE_RUN/c1.yaml"
assert_exit 0 lxf_run config edit h1:c1 <"$LXFE_RUN/c1.yaml"
assert_exit 0 lxf_run config get h1:c1 user.foo
assert_eq edited "$LXFE_OUT" "after edit"
before=$(lxf_run config show h1:c1)
assert_exit 1 lxf_run config edit h1:c1 <<<'config: [unclosed'
assert_contains "$LXFE_ERR" "Error: line"
assert_exit 1 lxf_run config edit h1:c1 <<<'config: {user.x: {nested: map}}'
assert_contains "$LXFE_ERR" "config"
assert_eq "$before" "$(lxf_run config show h1:c1)" "config after bad edits"

# --- config device
assert_exit 0 lxf_run config device add h1:c1 d1 disk source=/tmp path=/mnt
assert_exit 0 lxf_run config device list h1:c1
assert_eq d1 "$LXFE_OUT" "device list"
assert_exit 0 lxf_run config device get h1:c1 d1 path
assert_eq /mnt "$LXFE_OUT"
assert_exit 0 lxf_run config device set h1:c1 d1 readonly true
assert_exit 0 lxf_run config device show h1:c1
assert_contains "$LXFE_OUT" 'readonly: "true"'
assert_exit 0 lxf_run config device unset h1:c1 d1 readonly
assert_exit 0 lxf_run config device get h1:c1 d1 readonly
assert_eq "" "$LXFE_OUT"
assert_exit 1 lxf_run config device add h1:c1 d1 disk source=/tmp path=/x
assert_contains "$LXFE_ERR" "device 'd1' already exists"
assert_exit 1 lxf_run config device remove h1:c1 eth0
assert_contains "$LXFE_ERR" "comes from a profile"
# Overriding a profile device copies it locally.
assert_exit 0 lxf_run config device set h1:c1 eth0 mtu 1400
assert_exit 0 lxf_run config device get h1:c1 eth0 mtu
assert_eq 1400 "$LXFE_OUT"
assert_exit 0 lxf_run config device remove h1:c1 d1 eth0
assert_exit 1 lxf_run config device get h1:c1 d1 path
assert_contains "$LXFE_ERR" "device 'd1' doesn't exist"
assert_exit 2 lxf_run config device add h1:c1 d2
assert_contains "$LXFE_ERR" "wrong number of arguments"

# --- profiles
assert_exit 0 lxf_run profile create h1:p1 --description "test profile"
assert_exit 1 lxf_run profile create h1:p1
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run profile set h1:p1 limits.cpu 1
assert_exit 0 lxf_run profile get h1:p1 limits.cpu
assert_eq 1 "$LXFE_OUT"
assert_exit 0 lxf_run profile set h1:p1 user.k=v
assert_exit 0 lxf_run profile unset h1:p1 user.k
assert_exit 0 lxf_run profile device add h1:p1 data disk source=/tmp path=/data
assert_exit 0 lxf_run profile device list h1:p1
assert_eq data "$LXFE_OUT"
assert_exit 0 lxf_run profile device get h1:p1 data path
assert_eq /data "$LXFE_OUT" "profile device get"
assert_exit 0 lxf_run profile device set h1:p1 data readonly true
assert_exit 0 lxf_run profile device show h1:p1
assert_contains "$LXFE_OUT" 'readonly: "true"' "profile device show after set"
assert_exit 0 lxf_run profile device unset h1:p1 data readonly
assert_exit 0 lxf_run profile device get h1:p1 data readonly
assert_eq "" "$LXFE_OUT" "profile device get after unset"
assert_exit 0 lxf_run profile device add h1:p1 scratch disk source=/tmp path=/scratch
assert_exit 0 lxf_run profile device remove h1:p1 scratch
assert_exit 0 lxf_run profile device list h1:p1
assert_eq data "$LXFE_OUT" "profile device list after remove"
assert_exit 1 lxf_run profile device remove h1:p1 scratch
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run profile show h1:p1
assert_contains "$LXFE_OUT" "name: p1"
assert_contains "$LXFE_OUT" "description: test profile"
assert_contains "$LXFE_OUT" "path: /data"
assert_exit 0 lxf_run profile list h1: -f csv
assert_contains "$LXFE_OUT" "p1,test profile,0"
assert_exit 0 lxf_run profile list h1: -f json
printf '%s' "$LXFE_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(p["name"]=="p1" for p in d)' ||
	fail "profile list -f json: $LXFE_OUT"
assert_exit 2 lxf_run profile list h1: -f bogus
assert_contains "$LXFE_ERR" "unknown format 'bogus'"

# add / remove / assign on an instance, said in words (no JSON for a person)
assert_exit 0 lxf_run profile add h1:c1 p1
assert_eq "Profile p1 added to h1:c1" "$LXFE_OUT" "profile add says"
assert_exit 0 lxf_run config show h1:c1
assert_contains "$LXFE_OUT" "- p1"
assert_exit 1 lxf_run profile add h1:c1 p1
assert_contains "$LXFE_ERR" "already applied"
assert_exit 1 lxf_run profile delete h1:p1
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run profile remove h1:c1 p1
assert_eq "Profile p1 removed from h1:c1" "$LXFE_OUT" "profile remove says"
assert_exit 1 lxf_run profile remove h1:c1 p1
assert_contains "$LXFE_ERR" "isn't applied"
assert_exit 0 lxf_run profile assign h1:c1 default,p1
assert_eq "Profiles default, p1 applied to h1:c1" "$LXFE_OUT" "profile assign says"
assert_exit 0 lxf_run config show h1:c1
assert_contains "$LXFE_OUT" "- p1"
assert_exit 1 lxf_run profile assign h1:c1 default,nosuch
assert_exit 0 lxf_run profile assign h1:c1 default

# edit from stdin: name and used_by are ignored, a bad document changes nothing
assert_exit 0 lxf_run profile edit h1:p1 <<<'config: {limits.cpu: "2"}
description: edited
devices: {}'
assert_exit 0 lxf_run profile show h1:p1
assert_contains "$LXFE_OUT" "description: edited"
assert_contains "$LXFE_OUT" 'limits.cpu: "2"'
before=$LXFE_OUT
assert_exit 1 lxf_run profile edit h1:p1 <<<'- a list'
assert_contains "$LXFE_ERR" "YAML mapping"
assert_eq "$before" "$(lxf_run profile show h1:p1)" "profile after a bad edit"

# copy across remotes, rename, delete
assert_exit 0 lxf_run profile copy h1:p1 h2:
assert_exit 0 lxf_run profile get h2:p1 limits.cpu
assert_eq 2 "$LXFE_OUT" "copied profile"
assert_exit 0 lxf_run profile copy h1:p1 h2:p3
assert_exit 0 lxf_run profile rename h1:p1 p2
assert_exit 1 lxf_run profile show h1:p1
assert_exit 0 lxf_run profile show h1:p2
assert_exit 2 lxf_run profile rename h1:p2 h2:p9
assert_contains "$LXFE_ERR" "different remotes"
assert_exit 0 lxf_run profile delete h1:p2 h2:p1 h2:p3
assert_exit 1 lxf_run profile delete h1:nosuch
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run profile list --help
assert_contains "$LXFE_OUT" "Usage: lxf profile list"

# Rename (POST) and delete of a profile through the API.
sock=$(host_socket 1)
api() { curl -sS --unix-socket "$sock" -X "$1" "http://lxd$2" ${3:+-d "$3"}; }
assert_exit 0 lxf_run profile create h1:p5
assert_eq 200 "$(api POST /1.0/profiles/p5 '{"name":"p6"}' | jq -r .status_code)" "profile POST"
assert_exit 1 lxf_run profile show h1:p5
assert_exit 0 lxf_run profile show h1:p6
assert_eq 200 "$(api DELETE /1.0/profiles/p6 | jq -r .status_code)" "profile DELETE"
assert_exit 1 lxf_run profile show h1:p6
assert_eq 404 "$(api DELETE /1.0/profiles/p6 | jq -r .error_code)" "profile DELETE twice"

# --- lxc's habits (issue #17 item 6)
# launch/init with YAML on stdin: config, devices, profiles, description; -c wins.
assert_exit 0 lxf_run init busybox h1:y1 -c user.flag=cli <<'EOF'
description: from stdin
config:
  user.from: stdin
  user.flag: yaml
  limits.cpu: 1
devices:
  d9: {type: disk, source: /tmp, path: /mnt9}
profiles: [default]
EOF
assert_exit 0 lxf_run config show h1:y1
assert_contains "$LXFE_OUT" "description: from stdin"
assert_contains "$LXFE_OUT" "user.from: stdin"
assert_contains "$LXFE_OUT" "user.flag: cli"
assert_contains "$LXFE_OUT" 'limits.cpu: "1"'
assert_contains "$LXFE_OUT" "path: /mnt9"
# Bad YAML names its line and creates nothing.
assert_exit 1 lxf_run init busybox h1:y2 <<<'config: [unclosed'
assert_contains "$LXFE_ERR" "Error: stdin: line"
assert_exit 1 lxf_run info h1:y2

# info --show-log: the instance's lxc.log as the API serves it.
assert_exit 0 lxf_run info h1:c1 --show-log
assert_contains "$LXFE_OUT" "Name: c1"
assert_contains "$LXFE_OUT" "Log:"
log=$(api GET /1.0/instances/c1/logs/lxc.log)
assert_eq "$log" "$(printf '%s\n' "$LXFE_OUT" | sed '1,/^Log:$/d' | sed '1{/^$/d}')" "info --show-log"
# info REMOTE: --resources: a server's CPU, memory and storage, in words.
assert_exit 0 lxf_run info h1: --resources
assert_contains "$LXFE_OUT" "CPU:"
assert_contains "$LXFE_OUT" "Threads: $(api GET /1.0/resources | jq -r .metadata.cpu.total)"
assert_contains "$LXFE_OUT" "Memory:"
assert_contains "$LXFE_OUT" "used of"
assert_contains "$LXFE_OUT" "Storage:"
assert_not_contains "$LXFE_OUT" "{"

# list --fast: lxc's fast columns, and no state asked (--debug shows the requests).
assert_exit 0 lxf_run --debug list h1: --fast -f csv
assert_contains "$LXFE_OUT" "h1,c1,RUNNING,"
assert_contains "$LXFE_OUT" ",default,CONTAINER"
assert_contains "$LXFE_ERR" "lxf: h1: > GET /1.0/instances?recursion=1&fields=name,location,remote,status,"
assert_contains "$LXFE_ERR" "lxf: h1: < HTTP/1.1 200"
assert_not_contains "$LXFE_ERR" "recursion=2"
assert_exit 0 lxf_run --verbose info h1:c1
assert_contains "$LXFE_ERR" "lxf: h1: > GET /1.0/instances/c1 HTTP/1.1"
assert_not_contains "$LXFE_ERR" "< HTTP"
assert_exit 0 lxf_run list h1: -f csv
assert_not_contains "$LXFE_ERR" "GET" "no trace without --debug"

# User aliases run against the fleet like the command they stand for.
assert_exit 0 lxf_run alias add fast "list @ARG1@ --fast -f csv"
assert_exit 0 lxf_run alias list
assert_contains "$LXFE_OUT" "list @ARG1@ --fast -f csv"
assert_exit 0 lxf_run fast h1:
assert_contains "$LXFE_OUT" "h1,y1,STOPPED,"

# delete -i: a question per target on a terminal; none without one.
assert_exit 0 lxf_run init busybox h1:y3
assert_exit 2 lxf_run delete -i h1:y1 </dev/null
assert_contains "$LXFE_ERR" "--interactive needs a terminal"
assert_exit 0 env LXF_CONF="$LXF_CONF" LXF_DIR="$LXFE_RUN/no-local" \
	python3 "$(dirname "$0")/pty-answer.py" "(yes/no): " no,yes "$LXFE_LXF" delete -i h1:y1 h1:y3
assert_contains "$LXFE_OUT" "Remove h1:y1 (yes/no): "
assert_contains "$LXFE_OUT" "Kept h1:y1"
assert_contains "$LXFE_OUT" "Remove h1:y3 (yes/no): "
assert_exit 0 lxf_run info h1:y1
assert_exit 1 lxf_run info h1:y3
