#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf remote group add, lxf remote group remove, lxf remote group list
# covers: lxf remote group show, lxf remote group rename
# covers: lxf list, lxf export, lxf monitor, lxf profile list, lxf image list, lxf remote list
# covers: lxf.bash completion
#
# Host groups (issue #20): three hosts, web = h1 h2 and db = h3 in
# config.yml's groups:, which survives every other remote edit (and keys
# lxf does not know), and which the real lxc client still reads. @web
# stands for its remotes in lxf list (alone, with other remotes, with a
# filter, with a NAME), the fleet lists, the stack export, lxf monitor and
# remote list. An unknown group, a group naming an unknown remote, and a
# group used as a single target are errors naming what is wrong; removing
# or renaming a remote updates its groups, saying so.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 3
conf=$LXF_CONF/config.yml

# --- config.yml: groups in, errors leave the file alone.
assert_exit 0 lxf_run remote group add web h1
assert_exit 0 lxf_run remote group add @web h2 h1
assert_exit 0 lxf_run remote group add db h3
before=$(cat "$conf")
assert_exit 1 lxf_run remote group add db h1 h9
assert_contains "$LXFE_ERR" "remote 'h9' not found: did you mean" "a group naming an unknown remote"
assert_exit 1 lxf_run remote group add 'b@d' h1
assert_contains "$LXFE_ERR" "bad group name 'b@d'"
assert_exit 1 lxf_run remote group remove db h1
assert_contains "$LXFE_ERR" "remote 'h1' is not in group 'db'"
assert_eq "$before" "$(cat "$conf")" "config.yml after refused group edits"
assert_exit 0 lxf_run remote group list -f csv
assert_eq 'web,"h1, h2"
db,h3' "$LXFE_OUT" "group list"
assert_exit 0 lxf_run remote group show web
assert_eq 'name: web
remotes:
- h1
- h2' "$LXFE_OUT" "group show"

# Other edits of the remotes keep the groups, and a key lxf does not know.
printf 'x-later-key: {kept: yes}\n' >>"$conf"
assert_exit 0 lxf_run remote add spare "unix://$LXFE_RUN/none.socket"
assert_exit 0 lxf_run remote set-url spare "unix://$LXFE_RUN/other.socket"
assert_exit 0 lxf_run remote switch h1
assert_exit 0 lxf_run remote remove spare
assert_exit 0 lxf_run remote group list -f json
assert_eq '{"web":["h1","h2"],"db":["h3"]}' "$(printf '%s' "$LXFE_OUT" | jq -c .)" "groups after remote edits"
assert_contains "$(cat "$conf")" "x-later-key" "an unknown key of config.yml"
# lxc reads a config.yml with groups: (a copy: lxc may write its own files there).
mkdir -p "$LXFE_RUN/lxc-conf"
cp "$conf" "$LXFE_RUN/lxc-conf/config.yml"
assert_exit 0 env LXD_CONF="$LXFE_RUN/lxc-conf" lxc remote list -f csv
assert_contains "$LXFE_OUT" "h3," "lxc remote list of lxf's config.yml"
assert_exit 0 lxf_run remote switch local

# Bash completion (config/lxf.bash) offers @GROUP where lists of remotes go.
mkdir -p "$LXFE_RUN/bin"
cat >"$LXFE_RUN/bin/lxf" <<EOF
#!/bin/sh
LXF_CONF='$LXF_CONF' LXF_DIR='$LXFE_RUN/no-local' exec '$LXFE_LXF' "\$@"
EOF
chmod +x "$LXFE_RUN/bin/lxf"
# shellcheck source-path=SCRIPTDIR/../.. source=config/lxf.bash
. "$LXFE_SRC/config/lxf.bash"
comp() { # LINE: the sorted candidates, with bash's default word breaks ('@' and ':' among them)
	local COMP_LINE="$LXFE_RUN/bin/lxf $1" COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:'
	local COMP_POINT=${#COMP_LINE}
	local -a COMP_WORDS
	read -ra COMP_WORDS <<<"$COMP_LINE"
	COMPREPLY=()
	_lxf 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}
assert_eq "db web" "$(comp "list @")" "completion of list @"
assert_eq "web" "$(comp "profile list @w")" "completion of profile list @w"
assert_eq "db web" "$(comp "remote group show ")" "completion of remote group show"
assert_eq "add list remove rename show" "$(comp "remote group ")" "completion of remote group"

# --- @group in the commands that take lists of remotes.
hosts_import_image 1 2 3
for i in 1 2 3; do
	assert_exit 0 lxf_run init busybox "h$i:a$i"
done
names() { lxf_run list "$@" -c n -f csv; }
assert_eq "a1
a2" "$(names @web)" "list @web"
assert_eq "a1
a2
a3" "$(names @web,h3)" "list @web,h3"
assert_eq "a1
a2
a3" "$(names @web h3:)" "list @web h3:"
assert_eq "a2" "$(names @web a2)" "list @web with a name filter"
assert_exit 0 lxf_run list @web:a2 -c rn -f csv
assert_eq "h2,a2" "$LXFE_OUT" "list @web:a2 (on one of the group)"
assert_eq "" "$LXFE_ERR" "list @web:a2 stderr"
assert_exit 1 lxf_run list @web:a3 -c n -f csv
assert_contains "$LXFE_ERR" "instance 'a3' not found on @web"
assert_exit 1 lxf_run list @dbb
assert_contains "$LXFE_ERR" "group 'dbb' not found: did you mean '@db'? (groups: web, db)"
assert_exit 2 lxf_run start @web:a1
assert_contains "$LXFE_ERR" "@web is a host group"

# The fleet lists, remote list and the stack export.
assert_exit 0 lxf_run profile list @db -f csv
assert_eq "h3" "$(printf '%s\n' "$LXFE_OUT" | cut -d, -f1 | sort -u)" "profile list @db"
assert_exit 0 lxf_run image list @web -f csv
assert_eq "h1 h2" "$(printf '%s\n' "$LXFE_OUT" | cut -d, -f1 | sort -u | xargs)" "image list @web"
assert_exit 0 lxf_run remote list @web -f csv
assert_eq "h1 h2" "$(printf '%s\n' "$LXFE_OUT" | cut -d, -f1 | xargs)" "remote list @web"
assert_exit 0 lxf_run export @db
assert_contains "$LXFE_OUT" "name: a3" "export @db"
assert_not_contains "$LXFE_OUT" "name: a1" "export @db"

# lxf monitor @db,h2 follows h2 and h3, not h1. Its streams are open once
# an event of h2 comes through (the config set is repeated until then); h1
# then changes, then h2 again, marked: h1's change would have come first.
LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" monitor @db,h2 --type lifecycle -f json \
	>"$LXFE_RUN/monitor.out" 2>"$LXFE_RUN/monitor.err" &
mon=$!
h2_event() {
	lxf_run config set h2:a2 user.tick "$SECONDS" >/dev/null
	grep -q '"remote":"h2"' "$LXFE_RUN/monitor.out"
}
wait_until 20 h2_event ||
	fail "no event from h2 in monitor @db,h2: $(cat "$LXFE_RUN/monitor.out" "$LXFE_RUN/monitor.err")"
assert_exit 0 lxf_run config set h1:a1 user.tick h1
assert_exit 0 lxf_run init busybox h2:m2
wait_until 10 grep -q '/m2"' "$LXFE_RUN/monitor.out" ||
	fail "no m2 event from h2: $(cat "$LXFE_RUN/monitor.out" "$LXFE_RUN/monitor.err")"
kill -INT "$mon"
wait "$mon" || fail "monitor did not exit 0 on SIGINT: $(cat "$LXFE_RUN/monitor.err")"
assert_not_contains "$(cat "$LXFE_RUN/monitor.out")" '"remote":"h1"' "monitor @db,h2"
assert_exit 1 lxf_run monitor @nope
assert_contains "$LXFE_ERR" "group 'nope' not found"

# --- A group naming a remote config.yml does not have (lxc removed it).
python3 - "$conf" <<'EOF'
import sys
p = sys.argv[1]
t = open(p).read().replace("groups:\n", "groups:\n  ghost:\n  - h1\n  - gone\n", 1)
open(p, "w").write(t)
EOF
assert_exit 1 lxf_run list @ghost
assert_contains "$LXFE_ERR" "group 'ghost' names remote 'gone'"
assert_exit 0 lxf_run remote group remove ghost

# --- Renaming and removing a remote follow in its groups, saying so.
assert_exit 0 lxf_run remote rename h2 hb
assert_contains "$LXFE_ERR" "Renamed 'h2' to 'hb' in group web"
assert_eq "a1
a2
m2" "$(names @web)" "list @web after the rename"
assert_exit 0 lxf_run remote group rename web www
assert_exit 0 lxf_run remote remove h3
assert_contains "$LXFE_ERR" "Removed 'h3' from group db"
assert_contains "$LXFE_ERR" "Group 'db' is empty and was removed"
assert_exit 0 lxf_run remote group remove www hb
assert_exit 0 lxf_run remote group list -f json
assert_eq '{"www":["h1"]}' "$(printf '%s' "$LXFE_OUT" | jq -c .)" "groups at the end"
assert_exit 0 lxf_run remote group remove www
assert_exit 0 lxf_run remote group list -f json
assert_eq '{}' "$(printf '%s' "$LXFE_OUT" | jq -c .)" "no groups left"
assert_not_contains "$(cat "$conf")" "groups:" "config.yml without groups"
