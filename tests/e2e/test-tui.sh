#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# lxf-tui in a tmux pane over two hosts: rows of both appear, a start from
# outside shows RUNNING with no key pressed, filter and sort, start / stop
# / delete with the Cancel-default confirm, exec hands the terminal over
# and gives it back intact, a host whose lxfd dies shows down while the
# rest still works, and --readonly refuses actions.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

TUI=$LXFE_BUILD/tui/lxf-tui
[ -x "$TUI" ] || fail "lxf-tui not built: $TUI"
command -v tmux >/dev/null || fail "tmux missing"

# Options and errors first: no terminal needed.
assert_exit 0 "$TUI" --help
assert_contains "$LXFE_OUT" "--readonly"
assert_exit 0 "$TUI" --version
assert_exit 2 "$TUI" --bogus
assert_exit 2 env LXF_CONF="$LXF_CONF" "$TUI" </dev/null
assert_contains "$LXFE_ERR" "needs a terminal"

hosts_up 2
hosts_import_image 1 2
for c in a1 a2; do assert_exit 0 lxf_run init busybox "h1:$c"; done
assert_exit 0 lxf_run init busybox h2:b1

# One tmux server per session (its own socket: a new session on a server
# still exiting fails), killed on exit before teardown.
TS=
NTS=0
tui_cleanup() {
	local rc=$? i
	for ((i = 1; i <= NTS; i++)); do
		tmux -L "lxfe-tui-$LXFE_ID-$i" kill-server 2>/dev/null || true
	done
	(exit "$rc")
	_lxfe_on_exit
}
trap tui_cleanup EXIT

tui_start() {
	NTS=$((NTS + 1))
	TS=lxfe-tui-$LXFE_ID-$NTS
	tmux -L "$TS" new-session -d -s tui -x 120 -y 40 \
		"env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local TERM=xterm-256color \
ASAN_OPTIONS=log_path=$LXFE_RUN/tui-san UBSAN_OPTIONS=log_path=$LXFE_RUN/tui-san \
$TUI $*; sleep 30"
}
screen() { tmux -L "$TS" capture-pane -p -t tui; }
keys() { tmux -L "$TS" send-keys -t tui "$@"; }
# The table row of container $1 (REMOTE NAME STATE ...), squeezed.
row() { screen | awk -v n="$1" '$2 == n || $3 == n { $1 = $1; print; exit }'; }
row_has() { case "$(row "$1")" in *"$2"*) return 0 ;; esac; return 1; }
screen_has() { case "$(screen)" in *"$1"*) return 0 ;; esac; return 1; }
screen_lacks() { ! screen_has "$1"; }
# After q the pane runs the "sleep" that follows lxf-tui.
tui_quit() { [ "$(tmux -L "$TS" list-panes -t tui -F '#{pane_current_command}')" = sleep ]; }
state_is() { lxf_run list -f csv -c n,s "$1" 2>/dev/null | grep -q ",$2\$"; }
gone() { ! lxf_run list -f csv -c n "$1" 2>/dev/null | grep -q "$2"; }
need() { wait_until "$1" "${@:2}" || fail "$2 $3 within $1 s; screen:
$(screen)"; }

# --- every host's rows; the unreachable "local" remote never blocks them.
tui_start
need 20 screen_has "2/3 hosts up"
need 5 row_has a1 STOPPED
need 5 row_has b1 STOPPED
assert_contains "$(screen)" "REMOTE" "table header"
assert_contains "$(screen)" "MEMORY" "table header"
screen | grep -q 'local .*down' || fail "local not shown down: $(screen)"

# --- live: a start from outside shows up with no key pressed.
assert_exit 0 lxf_run start h1:a2
need 10 row_has a2 RUNNING

# --- sort: by NAME first (a1 a2 b1), then by STATE (the RUNNING a2 first).
first_row() { screen | awk '/REMOTE +NAME/ { getline; $1 = $1; print; exit }'; }
case "$(first_row)" in *" a1 "*) ;; *) fail "name sort: first row $(first_row)" ;; esac
keys '>'
need 5 screen_has "sort:STATE+"
case "$(first_row)" in *" a2 RUNNING"*) ;; *) fail "state sort: first row $(first_row)" ;; esac
keys 'I'
need 5 screen_has "sort:STATE-"
keys '<'
keys 'I'
need 5 screen_has "sort:NAME+"

# --- filter: a name, then host:, then cleared with Esc.
keys / b 1 Enter
need 5 screen_lacks " a1 "
row_has b1 STOPPED || fail "filter b1 hides b1: $(screen)"
keys / C-h C-h h o s t : h 1 Enter
need 5 screen_lacks " b1 "
row_has a1 STOPPED || fail "host:h1 hides a1: $(screen)"
keys / s t a t e : r u n Enter
need 5 screen_lacks " a1 "
keys / Escape
need 5 row_has b1 STOPPED

# --- actions on the row under the cursor (a1 is first by name).
keys g S
need 20 row_has a1 RUNNING
state_is h1:a1 RUNNING || fail "a1 not running per lxf list"
keys g T
need 5 screen_has "Stop 1 container: h1:a1?"
keys Enter # Cancel is the default
need 5 screen_has "cancelled"
screen_lacks "lxf stop" || fail "stop ran after Cancel"
state_is h1:a1 RUNNING || fail "a1 stopped although the confirm was cancelled"
keys g T Tab Enter
need 30 row_has a1 STOPPED
keys g D
need 5 screen_has "Delete 1 container: h1:a1?"
keys Tab Enter
need 20 screen_lacks " a1 "
need 5 gone h1: a1

# --- exec: the shell gets the terminal, exit gives back the table.
keys g e # a2 is first now, and running
need 10 screen_lacks "REMOTE"
need 10 screen_has "/ #" # busybox's prompt: type only once the shell reads
# shellcheck disable=SC2016 # the shell in the container expands it
keys 'echo shell-$((6*7))' Enter
need 10 screen_has "shell-42"
keys exit Enter
need 10 screen_has "REMOTE"
need 5 screen_has "exec h1:a2: exit 0"
row_has a2 RUNNING || fail "table not intact after exec: $(screen)"

# --- the command prompt runs CLI commands into the log view.
keys : v e r s Tab Enter
need 10 screen_has "[version: exit 0]"
keys Escape
need 5 screen_has "REMOTE"

# --- help lists the keys.
keys '?'
need 5 screen_has "Confirm boxes default to Cancel"
screen_has "D          delete (confirm)" || fail "help: $(screen)"
keys Escape

# --- details view.
keys g Enter
need 10 screen_has "Details of h1:a2"
need 10 screen_has "Status: RUNNING"
keys Escape

# --- move: dropped on its own host it is a rename; across hosts, not yet (#6).
keys / b 1 Enter
need 5 screen_lacks " a2 "
keys g m
need 5 screen_has "MOVING 1"
keys Enter
need 5 screen_has "new name:"
keys b 2 Enter
need 15 screen_has "done: rename h2:b1 b2"
keys / Escape
need 15 row_has b2 STOPPED
screen_lacks " b1 " || fail "b1 still listed after the rename: $(screen)"
state_is h2:b2 STOPPED || fail "h2:b2 not there per lxf list"
keys / b 2 Enter
need 5 screen_lacks " a2 "
keys m k Enter
# Without `lxf move` the console says so; with it, it runs `lxf move` (which
# may itself refuse cross-host moves until #6 is done).
move_tried() { screen_has "not available yet (issue #6)" || screen_has "move h2:b2 h1:"; }
need 10 move_tried
keys / Escape

# --- mouse: press on a2's row, release on h1's host row (SGR 1006 reports,
# 1-based columns and lines): the same drop as m + Enter, a rename prompt.
need 5 row_has a2 RUNNING # the filter is gone: both rows are on screen
line_of() { screen | awk -v p="$1" '$0 ~ p { print NR; exit }'; }
ya2=$(line_of ' h1 +a2 ')
yh1=$(line_of '^  h1 +up')
if [ -z "$ya2" ] || [ -z "$yh1" ]; then
	fail "rows for the drag not found: $(screen)"
fi
keys -l $'\e[<0;5;'"$ya2"'M'
keys -l $'\e[<0;5;'"$yh1"'m'
need 5 screen_has "new name:"
keys Escape
need 5 screen_lacks "new name:"

# --- a dead host is shown down; the rest still works.
kill -TERM "$(cat "$(host_dir 2)/lxfd.pid")"
need 30 screen_has "1/3 hosts up"
screen | grep -q 'h2 .*down' || fail "h2 not shown down: $(screen)"
keys / a 2 Enter
need 5 screen_lacks " b1 "
row_has a2 RUNNING || fail "navigation after h2 died: $(screen)"
keys q
need 10 tui_quit
tmux -L "$TS" kill-server 2>/dev/null || true

# --- --readonly refuses every action.
tui_start --readonly h1
need 20 row_has a2 RUNNING
assert_contains "$(screen)" "READ-ONLY"
keys g T
need 5 screen_has "read-only mode (--readonly): stop refused"
screen_lacks "Stop 1 container" || fail "readonly showed a confirm"
keys S
need 5 screen_has "start refused"
keys D
need 5 screen_has "delete refused"
keys :
need 5 screen_has "command prompt refused"
state_is h1:a2 RUNNING || fail "readonly changed a2"
# Resize below the minimum and back: a message, then the table again.
tmux -L "$TS" resize-window -t tui -x 70 -y 20
need 5 screen_has "at least 80x24"
tmux -L "$TS" resize-window -t tui -x 100 -y 30
need 5 row_has a2 RUNNING
keys q
need 10 tui_quit
# A sanitizer build reports into files (the pane is gone): there must be none.
if ls "$LXFE_RUN"/tui-san.* >/dev/null 2>&1; then
	fail "sanitizer reports from lxf-tui: $(cat "$LXFE_RUN"/tui-san.*)"
fi
