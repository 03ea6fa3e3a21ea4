# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# tui.sh: driving lxf-tui in tmux, for the console tests (test-tui,
# test-tui-keys), sourced after lib.sh. One tmux server per session (its
# own socket: a new session on a server still exiting fails), all killed
# on exit before the harness's teardown.
#
#   tui_start [ARGS]   starts lxf-tui ARGS at 120x40 in a new session; its
#                      exit status goes to $LXFE_RUN/tui-rc.N (N: $NTS);
#                      TUI_ENV adds NAME=VALUE words to its environment
#   screen, keys       the pane's text; tmux send-keys to it
#   row NAME           the table row of container NAME, squeezed
#   need SECS CHECK... waits for CHECK or fails showing the screen
#   STOPPED_PID        an lxfd the test stopped: resumed before teardown

TUI=$LXFE_BUILD/tui/lxf-tui
# tmux stores and prints the panes' UTF-8 only under a UTF-8 locale.
export LC_ALL=C.UTF-8
[ -x "$TUI" ] || fail "lxf-tui not built: $TUI"
command -v tmux >/dev/null || fail "tmux missing"

TS=
NTS=0
STOPPED_PID=
tui_cleanup() {
	local rc=$? i
	[ -z "$STOPPED_PID" ] || kill -CONT "$STOPPED_PID" 2>/dev/null || true
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
		"env LC_ALL=C.UTF-8 ${TUI_ENV:-} LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local TERM=xterm-256color \
ASAN_OPTIONS=log_path=$LXFE_RUN/tui-san UBSAN_OPTIONS=log_path=$LXFE_RUN/tui-san \
$TUI $*; echo \$? >$LXFE_RUN/tui-rc.$NTS; sleep 30"
}
screen() { tmux -L "$TS" capture-pane -p -t tui; }
keys() { tmux -L "$TS" send-keys -t tui "$@"; }
# The table row of container $1 (REMOTE NAME STATE ...), squeezed.
row() { screen | awk -v n="$1" '$2 == n || $3 == n { $1 = $1; print; exit }'; }
row_has() { case "$(row "$1")" in *"$2"*) return 0 ;; esac; return 1; }
screen_has() { case "$(screen)" in *"$1"*) return 0 ;; esac; return 1; }
screen_lacks() { ! screen_has "$1"; }
# After lxf-tui exits the pane runs the "sleep" that follows it.
tui_quit() { [ "$(tmux -L "$TS" list-panes -t tui -F '#{pane_current_command}')" = sleep ]; }
state_is() { lxf_run list -f csv -c n,s "$1" 2>/dev/null | grep -q ",$2\$"; }
need() { wait_until "$1" "${@:2}" || fail "$2 $3 within $1 s; screen:
$(screen)"; }
