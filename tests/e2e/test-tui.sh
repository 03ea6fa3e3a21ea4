#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf init, lxf start, lxf stop, lxf config get, lxf file push, lxf query
# covers: GET /1.0/images/aliases/{alias}
# covers: lxf-tui
#
# lxf-tui in a tmux pane over two hosts: rows of both appear, a start from
# outside shows RUNNING with no key pressed, filter and sort, start / stop
# / delete with the Cancel-default confirm, exec hands the terminal over
# and gives it back intact, a host whose lxfd hangs (SIGSTOP) shows slow
# and comes back, one whose lxfd dies shows down while the rest still
# works, --readonly refuses actions, NO_COLOR and LANG=C turn colours and
# UTF-8 off. IMAGE comes from the image.* keys lxfd copies from the image;
# CPU is a rate. A move across hosts (m, or a mouse drag onto a host row)
# shows its progress in the status line and its row on the new host.
# A command of the : prompt shows its last line in the status line while
# it runs, then "LABEL: done" or "LABEL: exit N"; details show the stack.
# Columns are as wide as their content and every cut ends in an ellipsis;
# host colours are not the up/slow/down ones; a frozen container shows its
# memory. exec's error reaches the status line and the log; ":exec R:C --
# sh" is a shell on the terminal. A host whose lxfd is killed has its rows
# UNKNOWN and dim (out of the running count) and a retry counting down;
# Ctrl-R retries at once; restarted, it is up again at the next ping, before
# its countdown ran out. A long host name is cut with "…" in the host panel.
# scripts/demo --view opens the console with a line of keys first and says
# how to use the fleet after.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source-path=SCRIPTDIR source=tui.sh
. "$(dirname "$0")/tui.sh"

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

# The screen with its attributes as escape sequences: colour is 3x/9x/38;.
colour_shown() { tmux -L "$TS" capture-pane -e -p -t tui | grep -Eq $'\e\\[(3[0-8]|9[0-7])[;m]'; }
# Host panel row: "  h2           up ...".
host_is() { screen | grep -Eq "^.. ?$1 +$2"; }
gone() { ! lxf_run list -f csv -c n "$1" 2>/dev/null | grep -q "$2"; }
not() { ! "$@"; }

# --- every host's rows; "local" (no lxfd here) is not part of the fleet.
tui_start
need 20 screen_has "2/2 hosts up"
need 5 row_has a1 STOPPED
need 5 row_has b1 STOPPED
assert_contains "$(screen)" "REMOTE" "table header"
assert_contains "$(screen)" "MEMORY" "table header"
! screen | grep -q 'local ' || fail "local shown without an lxfd: $(screen)"

# --- columns: as wide as their content (names of 2 characters: NAME is 4,
# the header's width; REMOTE 6), at 160 as at 80; at 80 a long name and
# the image are cut with an ellipsis, and so is the hint line.
tmux -L "$TS" resize-window -t tui -x 160 -y 40
need 5 screen_has "REMOTE NAME STATE "
assert_exit 0 lxf_run init busybox h1:zz-a-container-with-a-name-long-enough-to-cut
need 10 screen_has "zz-a-container-with-a-name-long-enough-to-cut "
tmux -L "$TS" resize-window -t tui -x 80 -y 30
need 5 screen_has "zz-a-container-with-a-name"
cut_row=$(screen | grep ' zz-a-container' || true)
case "$cut_row" in *"zz-a-container"*"… "*) ;; *) fail "long name not cut with …: $cut_row" ;; esac
case "$cut_row" in *"…") ;; *) fail "image not cut with … at 80 columns: $cut_row" ;; esac
screen | grep -Eq 'busybox [0-9.]* *$' && fail "an image cut without …: $(screen)"
hint=$(screen | tail -n 1)
[ "${#hint}" -lt 80 ] || case "$hint" in *"…") ;; *) fail "hint line cut without …: $hint" ;; esac
assert_exit 0 lxf_run delete h1:zz-a-container-with-a-name-long-enough-to-cut
tmux -L "$TS" resize-window -t tui -x 120 -y 40
need 10 screen_lacks "zz-a-container"
# Host colours: none is the green, yellow or red of up, slow and down.
if tmux -L "$TS" capture-pane -e -p -t tui | grep -Eq $'\e\\[(1;)?3[123]m(\e\\[1m)?(h1|h2|local) '; then
	fail "a host drawn in a status colour: $(tmux -L "$TS" capture-pane -e -p -t tui | cat -v)"
fi

# --- IMAGE: created from an image, an instance has its properties as
# image.* and its fingerprint as volatile.base_image (LXD does the same).
row_has a1 "busybox 1." || fail "IMAGE column: $(row a1)"
assert_exit 0 lxf_run config get h1:a1 image.os
assert_eq busybox "$LXFE_OUT" "image.os of a1"
assert_exit 0 lxf_run list h1:a1 -f csv -c F
fp=$LXFE_OUT
assert_exit 0 lxf_run query h1:/1.0/images/aliases/busybox
[ "${#fp}" = 64 ] && assert_contains "$LXFE_OUT" "$fp" "volatile.base_image"

# --- live: a start from outside shows up with no key pressed.
assert_exit 0 lxf_run start h1:a2
need 10 row_has a2 RUNNING
# CPU: a rate once two samples (5 s apart) exist, blank before.
need 20 row_has a2 "%"

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
need 5 screen_has "exec h1:a2 -- sh: done"
row_has a2 RUNNING || fail "table not intact after exec: $(screen)"

# --- a frozen container shows its memory.
keys g F
need 10 row_has a2 FROZEN
need 10 row_has a2 iB
keys g F
need 10 row_has a2 RUNNING

# --- the command prompt runs CLI commands into the log view.
keys : v e r s Tab Enter
need 10 screen_has "[version: exit 0]"
keys Escape
need 5 screen_has "REMOTE"

# --- a running command's last line is in the status line; its end there
# says its exit status, 2 (plan's "there are changes") no failure.
status_has() { case "$(screen | tail -n 1)" in *"$1"*) return 0 ;; esac; return 1; }
keys :
keys -l 'exec h1:a2 -- sh -c "echo step-1; until [ -e /go ]; do sleep 1; done; exit 2"'
keys Enter
need 20 status_has ": step-1"
status_has "exec h1:a2 -- sh -c" || fail "status line: $(screen | tail -n 1)"
keys Escape # a key clears a message, not a running command's progress
need 5 screen_has "REMOTE"
status_has ": step-1" || fail "progress gone after a key: $(screen | tail -n 1)"
assert_exit 0 lxf_run exec h1:a2 -- touch /go
need 20 status_has ": exit 2, see the log (L)"
screen | tail -n 1 | grep -qi fail && fail "exit 2 called a failure: $(screen | tail -n 1)"

# --- exec's error reaches the status line and the log, not the screen
# under the console: b1 (on h2) is stopped.
keys / b 1 Enter
need 5 screen_lacks " a2 "
keys g e
need 10 status_has "exec h2:b1 -- sh: exit 1: Error: "
err=$(screen | tail -n 1)
err=${err#*Error: }
err=${err%%…*}
keys / Escape
keys L
need 5 screen_has "Error: $err"
keys Escape
# ":exec R:C -- sh" is a shell on the terminal, as e is.
keys :
keys -l 'exec h1:a2 -- sh'
keys Enter
# The terminal still shows the last shell: wait for a new prompt at the end.
prompt_last() { [ "$(screen | grep -v '^ *$' | tail -n 1)" = "/ #" ]; }
need 10 screen_lacks "REMOTE"
need 10 prompt_last
n=$RANDOM
keys -l "echo hi-\$(( $n + 1 ))"
keys Enter
need 10 screen_has "hi-$((n + 1))"
keys exit Enter
need 10 screen_has "[exec h1:a2 -- sh: exit 0]"
keys Escape
need 5 screen_has "REMOTE"

# --- help lists the keys.
keys '?'
need 5 screen_has "Confirm boxes default to Cancel"
screen_has "D          delete (confirm)" || fail "help: $(screen)"
screen_has "Ctrl-R" || fail "no retry key in the help: $(screen)"
keys Escape

# --- details view, with the stack of lxf-apply(1) that made it.
assert_exit 0 lxf_run config set h1:a2 user.lxf.stack=web-stack
keys g Enter
need 10 screen_has "Details of h1:a2"
need 10 screen_has "Status: RUNNING"
screen | grep -q '^Stack: web-stack' || fail "no stack in the details: $(screen)"
keys Escape

# --- move: dropped on its own host it is a rename; across hosts, lxf move.
keys / b 1 Enter
need 5 screen_lacks " a2 "
keys g m
need 5 screen_has "MOVING 1"
keys Enter
need 5 screen_has "new name:"
keys b 2 Enter
need 15 screen_has "rename h2:b1 b2: done"
keys / Escape
need 15 row_has b2 STOPPED
screen_lacks " b1 " || fail "b1 still listed after the rename: $(screen)"
state_is h2:b2 STOPPED || fail "h2:b2 not there per lxf list"
keys / b 2 Enter
need 5 screen_lacks " a2 "
keys m k Enter
# Dropped on h1 it runs `lxf move h2:b2 h1:`: the row then shows on h1.
# (A failure shows "LABEL: exit N: Error: ..." or "LABEL: exit N, see the log (L)".)
move_ended() { screen_has "move h2:b2 h1:: "; }
on_host() { screen | grep -Eq "^.. ?$1 +$2 "; }
need 90 move_ended
moved=0
screen_has "move h2:b2 h1:: done" && moved=1 # before a key clears the message
keys / Escape
line_of() { screen | awk -v p="$1" '$0 ~ p { print NR; exit }'; }
[ "$moved" = 1 ] || fail "the move by keys across hosts failed: $(screen)"
{
	lxfe_log "cross-host move: done; trying the mouse drag back"
	need 15 row_has b2 STOPPED
	on_host h1 b2 || fail "b2 not shown on h1: $(screen)"
	need 5 gone h2: b2
	state_is h1:b2 STOPPED || fail "h1:b2 not there per lxf list"
	# The mouse: b2's row dragged onto h2's host row moves it back.
	yb2=$(line_of ' h1 +b2 ')
	yh2=$(line_of '^  h2 +up')
	if [ -z "$yb2" ] || [ -z "$yh2" ]; then
		fail "rows for the drag not found: $(screen)"
	fi
	keys -l $'\e[<0;5;'"$yb2"'M'
	keys -l $'\e[<0;5;'"$yh2"'m'
	need 90 screen_has "move h1:b2 h2:: done"
	need 15 not on_host h1 b2
	need 5 gone h1: b2
	state_is h2:b2 STOPPED || fail "h2:b2 not back per lxf list"
	# A move that takes a while: its operation and fs_progress show in the
	# status line while it runs (256 MB of random data to copy: seconds).
	head -c 256M /dev/urandom >"$LXFE_RUN/big.bin"
	assert_exit 0 lxf_run init busybox h1:big
	assert_exit 0 lxf_run file push "$LXFE_RUN/big.bin" h1:big/big.bin
	rm -f "$LXFE_RUN/big.bin"
	keys / b i g Enter
	need 15 row_has big STOPPED
	keys g m j Enter # h1 picked up, h2 is the next host down
	seen_op=0 seen_prog=0
	for ((i = 0; i < 600; i++)); do
		s=$(screen)
		case "$s" in *"ops in flight: "*) seen_op=1 ;; esac
		case "$s" in *"ops in flight: "*"B/s)"*) seen_prog=1 ;; esac
		case "$s" in *"move h1:big h2:: "*) break ;; esac
		sleep 0.1
	done
	lxfe_log "move of 256 MB: about $((i / 10)) s, operation seen $seen_op, progress $seen_prog"
	screen_has "move h1:big h2:: done" || fail "move of big: $(screen)"
	[ "$seen_op" = 1 ] || fail "the move's operation never showed in the status line"
	[ "$seen_prog" = 1 ] || fail "the move's progress never showed in the status line"
	keys / Escape
	need 15 on_host h2 big
	# Marked containers move together: b2 and big (both on h2) marked
	# with space, picked up and dropped on h1.
	keys / b Enter
	need 5 screen_lacks " a2 "
	keys g ' ' ' ' m
	need 5 screen_has "MOVING 2"
	keys k Enter
	need 120 state_is h1:big STOPPED
	need 60 state_is h1:b2 STOPPED
	need 15 gone h2: b2
	need 15 gone h2: big
	keys / Escape
	need 15 on_host h1 big
}
need 15 row_has b2 STOPPED

# --- mouse: press on a2's row, release on h1's host row (SGR 1006 reports,
# 1-based columns and lines): the same drop as m + Enter, a rename prompt.
need 5 row_has a2 RUNNING # the filter is gone: both rows are on screen
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

# --- a hung host (lxfd stopped: requests hang) shows slow within seconds;
# keys and the other host keep working; a console started meanwhile draws
# the other host's rows; resumed, it is up again in both.
STOPPED_PID=$(cat "$(host_dir 2)/lxfd.pid")
kill -STOP "$STOPPED_PID"
# Shown slow after 2 s of silence, then down at the client's 5 s timeout
# (with "no answer", not a refused connection): either is the truth.
need 30 host_is h2 '(slow|down +[^ ]*: no answer)'
need 5 screen_has "1/2 hosts up"
keys / a 2 Enter
need 5 screen_has "filter:a2"
row_has a2 RUNNING || fail "navigation with h2 hung: $(screen)"
keys / Escape
need 5 screen_lacks "filter:a2"
TS1=$TS
tui_start
need 20 row_has a2 RUNNING
host_is h2 '(connecting|slow|down +[^ ]*: no answer)' || fail "h2 not connecting at start-up: $(screen)"
keys q
need 10 tui_quit
tmux -L "$TS" kill-server 2>/dev/null || true
TS=$TS1
kill -CONT "$STOPPED_PID"
STOPPED_PID=
need 30 host_is h2 up
need 10 screen_has "2/2 hosts up"

# --- a dead host (lxfd killed): its rows turn UNKNOWN and dim with the
# time it was last seen and leave the running count; the rest still works;
# its retry counts down, Ctrl-R retries now; restarted, it is up at its
# next ping, not after the backoff, and its rows are back.
assert_exit 0 lxf_run launch busybox h2:s1
need 20 row_has s1 RUNNING
running() { screen | sed -n 's/.* \([0-9]*\) running .*/\1/p' | head -n 1; }
run0=$(running)
kill -9 "$(host_lxfd_pid 2)"
need 30 row_has s1 UNKNOWN
row s1 | grep -Eq 'UNKNOWN [0-9]{2}:[0-9]{2}:[0-9]{2} ' || fail "no last-seen time: $(row s1)"
need 5 screen_has "1/2 hosts up"
[ "$(running)" = $((run0 - 1)) ] || fail "s1 still counted running: $(screen | head -n 1)"
screen | grep -q 'h2 .*down' || fail "h2 not shown down: $(screen)"
keys / a 2 Enter
need 5 screen_lacks " b1 "
row_has a2 RUNNING || fail "navigation after h2 died: $(screen)"
keys / Escape
# Its rows are dim (SGR 2 in tmux's escapes), as live rows are not.
row_dim() {
	tmux -L "$TS" capture-pane -e -p -t tui | grep -m1 "s1.*$1" |
		grep -Eq $'\e\\[([0-9;]*;)?2(;[0-9;]*)?m'
}
wait_until 5 row_dim UNKNOWN ||
	fail "s1's stale row not dim: $(tmux -L "$TS" capture-pane -e -p -t tui | grep s1 | cat -v)"
retry_in() { screen | sed -n 's/.*retry in \([0-9]*\)s.*/\1/p' | head -n 1; }
retry_at_least() { [ "$(retry_in)" -ge "$1" ] 2>/dev/null; }
retry_below() { [ "$(retry_in)" -lt "$1" ] 2>/dev/null; }
retry_above() { [ "$(retry_in)" -gt "$1" ] 2>/dev/null; }
# Polls until "$@" holds; prints the lowest countdown shown meanwhile: 1
# when it ran out (the retry came at its time), more when it came before.
retry_low_until() {
	local v low=99 i
	for ((i = 0; i < 600; i++)); do
		"$@" && echo "$low" && return 0
		v=$(retry_in)
		[ -n "$v" ] && [ "$v" -lt "$low" ] && low=$v
		sleep 0.1
	done
	return 1
}
need 30 retry_at_least 4
r1=$(retry_in)
need 5 retry_below "$r1" # counts down (before, it only grew at each retry)
# Ctrl-R retries now: the next, longer countdown starts before this one ran out.
need 30 retry_at_least 5
r1=$(retry_in)
keys C-r
low=$(retry_low_until retry_above "$r1") || fail "no retry after Ctrl-R: $(screen)"
[ "$low" -ge 2 ] || fail "Ctrl-R did not retry at once: the countdown ran down to $low"
# Restarted, h2 is up at its next ping, while the countdown it showed
# (8 s or more) has not run out: not at the backoff's retry.
r2=$(retry_in)
need 10 retry_below "$((r2 - 1))" # a ping of this wait has failed
retry_at_least 8 || fail "the countdown after Ctrl-R is short: $(retry_in)"
host_lxfd_restart 2
low=$(retry_low_until host_is h2 up) || fail "h2 not up after its restart: $(screen)"
[ "$low" -ge 2 ] || fail "h2 up only at its retry (the countdown ran down to $low), not at a ping"
need 5 screen_has "2/2 hosts up"
need 10 row_has s1 RUNNING
! row_dim RUNNING || fail "s1 still dim when its host is back"
[ "$(running)" = "$run0" ] || fail "running count after h2 is back: $(screen | head -n 1)"
keys q
need 10 tui_quit
tmux -L "$TS" kill-server 2>/dev/null || true

# --- scripts/demo --view on a terminal (here on this test's fleet): a line
# of the keys, the console, and after it how to use the fleet.
NTS=$((NTS + 1))
TS=lxfe-tui-$LXFE_ID-$NTS
tmux -L "$TS" new-session -d -s tui -x 120 -y 40 \
	"env LC_ALL=C.UTF-8 TERM=xterm-256color LXF_BUILD=$LXFE_BUILD LXF_DEMO_STATE=$LXFE_RUN \
ASAN_OPTIONS=log_path=$LXFE_RUN/tui-san UBSAN_OPTIONS=log_path=$LXFE_RUN/tui-san \
bash $LXFE_SRC/scripts/demo --view; sleep 30"
need 20 screen_has "REMOTE"
need 10 row_has s1 RUNNING
keys q
need 10 screen_has "export LXF_CONF=$LXF_CONF"
screen_has "m moves a container to another host" || fail "no key hint before the console: $(screen)"
screen_has ": runs an lxf command" || fail "no command prompt in the hint: $(screen)"
screen_has "? shows the keys" || fail "no help key in the hint: $(screen)"
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

# --- colours and UTF-8 marks by default; NO_COLOR and LANG=C turn them off.
# h1 under a name longer than the host panel's HOST column: cut with "…".
cp -r "$LXF_CONF" "$LXFE_RUN/conf-long"
LXF_CONF=$LXFE_RUN/conf-long assert_exit 0 lxf_run remote rename h1 h1-a-long-host-name
LXF_CONF=$LXFE_RUN/conf-long tui_start h1-a-long-host-name
need 20 row_has a2 RUNNING
screen | grep -Eq '^ *h1-a-long-h… +up ' || fail "a long host name not cut with …: $(screen)"
colour_shown || fail "no colour by default"
keys g ' '
need 5 screen_has "● h1"
keys q
need 10 tui_quit
TUI_ENV="NO_COLOR=1 LC_ALL=C" tui_start h1
need 20 row_has a2 RUNNING
! colour_shown || fail "colour despite NO_COLOR: $(tmux -L "$TS" capture-pane -e -p -t tui | cat -v)"
keys g ' '
need 5 screen_has "* h1"
screen | LC_ALL=C grep -q $'[\x80-\xff]' && fail "non-ASCII with LANG=C: $(screen)"
keys q
need 10 tui_quit

# A sanitizer build reports into files (the pane is gone): there must be none.
if ls "$LXFE_RUN"/tui-san.* >/dev/null 2>&1; then
	fail "sanitizer reports from lxf-tui: $(cat "$LXFE_RUN"/tui-san.*)"
fi
