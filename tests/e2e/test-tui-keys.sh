#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf move, lxf info, lxf remote group add
# covers: lxf-tui
#
# lxf-tui's keys as people expect them (issue #17, items 14-16), in a tmux
# pane over two hosts: q goes back from the help, details and log views
# and quits only from the table, and the hint line names each view's own
# keys; a confirm takes y; Ctrl-C quits with
# status 0; a click on a column header sorts by it (again: reversed) and
# the wheel moves the selection; Ctrl-A marks every row shown and V a
# range; moving a running container asks first; the prompts edit (Ctrl-U,
# Ctrl-W, Left, Home) and keep a history across runs; the filter matches
# hosts and HOST:NAME and Esc in the table clears it; Tab completes at the
# cursor without a doubled blank; n launches through the host and image
# pickers; s in the details lists snapshots to take, restore and delete;
# l shows the container's console log. "@web" in the filter keeps the
# hosts of group web, the host panel shows each host's groups and @ there
# filters to them; ":exec -- CMD" runs CMD in the marked containers into
# a results view with each one's output and the summary (exit 3 when one
# failed). Graphs (issue #19): the TREND column and the host panel's
# sparklines fill with samples (from lxfd's /1.0/metrics, as the log
# says), a container burning CPU rises in them, o shows its CPU, memory and
# network graphs; under LANG=C and with --ascii they are drawn in ASCII.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source-path=SCRIPTDIR source=tui.sh
. "$(dirname "$0")/tui.sh"

hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:a1
assert_exit 0 lxf_run init busybox h1:a2
assert_exit 0 lxf_run init busybox h1:b1
assert_exit 0 lxf_run move h1:b1 h2:
assert_exit 0 lxf_run remote group add web h2

status_is() { [ "$(screen | tail -n 1 | sed 's/ *$//')" = "$1" ]; }
tui_runs() { ! tui_quit; }
line_of() { screen | awk -v p="$1" '$0 ~ p { print NR; exit }'; }
# SGR mouse reports: button, 1-based column, line; M press, m release.
click() { keys -l $'\e[<0;'"$1;$2"'M'; keys -l $'\e[<0;'"$1;$2"'m'; }
wheel_down() { keys -l $'\e[<65;5;'"$1"'M'; }

tui_start
need 20 row_has a1 RUNNING
need 20 row_has b1 STOPPED

# --- q goes back from the help, the details and the fleet log; Esc too.
# The hint line follows the view: each names its own keys, not the table's.
hint_has() { case "$(screen | tail -n 1)" in *"$1"*) return 0 ;; esac; return 1; }
view_hint() { hint_has "$1" && ! hint_has "Enter:details"; }
need 5 hint_has "Enter:details"
keys '?'
need 5 screen_has "Confirm boxes default to Cancel"
keys q
need 5 screen_has "REMOTE"
tui_runs || fail "q in the help quit"
keys g Enter
need 10 screen_has "Details of h1:a1"
need 5 view_hint "s:snapshots  N:snapshot  l:log  Esc/q:back"
keys q
need 5 screen_has "REMOTE"
need 5 hint_has "Enter:details"
keys L
need 5 screen_has "Log: events"
need 5 view_hint "j/k:scroll  G:follow  Esc/q:back"
keys q
need 5 screen_has "REMOTE"
tui_runs || fail "q in the log quit"
keys g o
need 5 screen_has "h1:a1  RUNNING"
need 5 view_hint "j/k:container  Esc/q:back"
keys q
need 5 screen_has "REMOTE"

# --- a click on a header sorts by it, again reversed; the wheel moves.
hy=$(line_of 'REMOTE +NAME')
hx=$(screen | sed -n "${hy}p" | awk '{ print index($0, "STATE") + 1 }')
click "$hx" "$hy"
need 5 screen_has "sort:STATE+"
click "$hx" "$hy"
need 5 screen_has "sort:STATE-"
nx=$(screen | sed -n "${hy}p" | awk '{ print index($0, "NAME") + 1 }')
click "$nx" "$hy"
need 5 screen_has "sort:NAME+"
keys g
wheel_down "$((hy + 1))"
keys Enter # the second row by name: a2
need 10 screen_has "Details of h1:a2"
keys Escape

# --- the filter: a host, HOST:NAME; / again replaces; Esc in the table clears.
keys / h 2 Enter
need 5 screen_lacks " a1 "
row_has b1 STOPPED || fail "filter h2 hides b1: $(screen)"
keys / h 1 : a 1 Enter
need 5 screen_lacks " b1 "
screen_lacks " a2 " || fail "filter h1:a1 shows a2: $(screen)"
row_has a1 RUNNING || fail "filter h1:a1 hides a1: $(screen)"
keys Escape
need 5 screen_has "filter cleared"
need 5 row_has b1 STOPPED

# --- @group: the group's hosts; an unknown group is named, the filter kept.
keys / @ w e b Enter
need 5 screen_lacks " a1 "
row_has b1 STOPPED || fail "filter @web hides b1: $(screen)"
screen_has "filter:@web" || fail "filter @web not in force: $(screen)"
keys / @ n o p e
need 5 screen_has "nope"
keys Escape
need 5 row_has a1 RUNNING
# The host panel shows each host's groups; @ on h2 shows its groups only.
h2_in_web() { screen | grep -Eq '^> ?h2 .* web *$'; }
keys h k k j
need 5 h2_in_web
keys @
need 5 screen_has "filter:@web"
need 5 screen_lacks " a1 "
keys Escape
need 5 screen_has "filter cleared"
need 5 row_has a1 RUNNING

# --- marks: Ctrl-A every row shown, V from the row marked last to the cursor.
keys C-a
need 5 screen_has "3 containers marked"
keys u g ' ' j V
need 5 screen_has "3 containers marked"
keys u

# --- :exec -- CMD on the marked a1 (running) and b1 (stopped): the results view.
keys / 1 Enter C-a
need 5 screen_has "2 containers marked"
keys : e x e c Space - - Space h o s t n a m e Enter
need 10 screen_has "exec in 2 containers: hostname"
need 30 screen_has "1 ok"
need 10 screen_has "exit 3"
screen | grep -Eq '^ *a1 *$' || fail "a1's hostname not in the results: $(screen)"
keys q
need 5 screen_has "REMOTE"
keys u Escape
need 5 screen_has "filter cleared"

# --- a confirm takes y.
keys g T
need 5 screen_has "Stop 1 container: h1:a1?"
keys y
need 30 row_has a1 STOPPED
state_is h1:a1 STOPPED || fail "y did not stop a1"
keys g S
need 30 row_has a1 RUNNING
# The start job's own end comes later than the event that shows a1
# running; it takes the status line, so wait for it before the next news.
need 30 screen_has "start h1:a1: done"

# --- moving a running container is a live migration: it asks; n cancels.
keys g m j Enter
need 5 screen_has "1 running: a live migration"
keys n
need 5 screen_has "cancelled"
state_is h1:a1 RUNNING || fail "a1 moved although the confirm was cancelled"

# --- the prompts edit, the command prompt completes at the cursor.
keys : v r s i o n " " b o g u s C-w C-a Right e Enter
need 10 screen_has "[version: exit 0]"
keys Escape
keys : r e s t a ' ' h 1 : a 1 Left Left Left Left Left Left Tab
need 5 status_is ":restart h1:a1"
keys C-u # the text before the cursor
need 5 status_is ":h1:a1"
keys Up
need 5 status_is ":version"
keys Escape

# --- the container's log, the fleet log on L.
keys g l
need 10 screen_has "Console log of h1:a1"
keys q
need 5 screen_has "REMOTE"

# --- snapshots in the details: take, restore (y), delete (y).
keys / a 2 Enter
need 5 screen_lacks " a1 "
keys g Enter
need 10 screen_has "Details of h1:a2"
keys s
need 5 screen_has "Snapshots of h1:a2"
need 10 screen_has "(no snapshots"
keys N
need 20 screen_has "snap0"
assert_exit 0 lxf_run info h1:a2
assert_contains "$LXFE_OUT" "snap0" "the snapshot taken"
keys r
need 5 screen_has "Restore h1:a2 from its snapshot snap0?"
keys y
need 5 screen_lacks "Restore h1:a2 from"
need 20 screen_lacks "updating"
screen_has "snap0" || fail "snap0 gone after the restore: $(screen)"
keys D
need 5 screen_has "Delete the snapshot h1:a2/snap0?"
keys y
need 20 screen_has "(no snapshots"
assert_exit 0 lxf_run info h1:a2
assert_not_contains "$LXFE_OUT" "snap0" "the snapshot deleted"
keys q q Escape
need 5 row_has b1 STOPPED
keys L
need 5 screen_has "[restore h1:a2 snap0 ; info h1:a2 ; config show h1:a2: exit 0]"
keys q

# --- launch: the host picker, the image picker (the hosts that have it), a name.
keys n
need 5 screen_has "Launch: pick a host"
keys Enter
need 10 screen_has "Launch on h1: pick an image"
picker_has() { screen | grep -Eq "^> +$1 .* on $2 *\$"; }
need 20 picker_has busybox h1
keys Enter
need 5 screen_has "new name:"
keys w e b Enter
need 60 row_has web RUNNING
state_is h1:web RUNNING || fail "web not launched per lxf list"

# --- graphs: the TREND cell of a row (the columns under the header's
# TREND, one per 5 s sample: bash counts characters, not bytes).
trend() {
	local s head pre line
	s=$(screen)
	head=$(grep -m1 ' TREND ' <<<"$s") || return 1
	pre=${head%%TREND*}
	line=$(awk -v n="$1" '$2 == n || $3 == n { print; exit }' <<<"$s")
	printf '%s' "${line:${#pre}:12}"
}
trend_has() { [[ "$(trend "$1")" =~ $2 ]]; }
# The newest sample: the cell's last character.
newest_is() {
	local t
	t=$(trend "$1")
	[[ "${t: -1}" =~ $2 ]]
}
panel_line() { screen | grep -E "^.. ?$1 +up "; }
# Idle a1: its newest sample at the bottom of the scale, in blocks; h1's panel line too.
need 40 newest_is a1 '▁'
panel_line h1 | grep -q '[▁▂▃▄▅▆▇█]' || fail "no sparkline in h1's panel line: $(screen)"
screen | grep -q ' CPU  *MEM  *RUN/TOTAL' || fail "no CPU and MEM graphs in the panel: $(screen)"
# a1 burns CPU (a loop left running by the exec): its trend rises.
assert_exit 0 lxf_run exec h1:a1 -- sh -c \
	'busybox sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 & echo $! >/burn.pid'
need 60 newest_is a1 '[▃▄▅▆▇█]'
# lxfd lists the metrics extension: these graphs came from /1.0/metrics (a
# /state re-read leaves the rates of such a host alone), as the log's top says.
keys L g
need 5 screen_has "h1: graphs from /1.0/metrics"
keys q
need 5 screen_has "REMOTE"
# o: a1's graphs, full blocks in its CPU graph; Esc back.
keys g o
need 5 screen_has "h1:a1  RUNNING"
for g in CPU MEMORY "NET IN" "NET OUT"; do
	screen | grep -q "^$g  now " || fail "no $g graph: $(screen)"
done
need 10 screen_has "█"
keys Escape
need 5 screen_has "REMOTE"
tmux -L "$TS" kill-server 2>/dev/null || true
# LANG=C and --ascii: the same graphs in ASCII, nothing else.
ascii_graphs() {
	local t
	t=$(trend a1)
	[[ "${t: -1}" =~ [-:=+*#] ]] && [[ "$t" =~ ^[\ _.:=+*#-]*$ ]]
}
for how in env --ascii; do
	if [ "$how" = env ]; then TUI_ENV="LC_ALL=C" tui_start h1; else tui_start --ascii h1; fi
	need 20 row_has a1 RUNNING
	need 40 ascii_graphs
	panel_has_ascii() { panel_line h1 | grep -Eq '[_.:=+*#-]{2,}'; }
	need 20 panel_has_ascii
	keys g o
	need 10 screen_has "NET OUT  now "
	need 10 screen_has "#"
	screen | LC_ALL=C grep -q $'[\x80-\xff]' && fail "non-ASCII graphs ($how): $(screen)"
	keys q q
	need 10 tui_quit
done
# shellcheck disable=SC2016 # expanded in the container
assert_exit 0 lxf_run exec h1:a1 -- sh -c 'kill "$(cat /burn.pid)"'
tui_start
need 20 row_has a1 RUNNING

# --- Ctrl-C quits, with status 0.
keys C-c
need 10 tui_quit
assert_eq 0 "$(cat "$LXFE_RUN/tui-rc.$NTS")" "lxf-tui's exit status after Ctrl-C"

# --- the command history is kept across runs (in $LXF_CONF); this run
# also writes the probe (LXF_TUI_PROBE, tui/probe.h).
tmux -L "$TS" kill-server 2>/dev/null || true
probe=$LXFE_RUN/tui-probe
TUI_ENV="LXF_TUI_PROBE=$probe" tui_start
need 20 row_has a1 RUNNING
need 20 screen_has "2/2 hosts up"
keys : Up
need 5 status_is ":version"
keys Escape q
need 10 tui_quit
assert_eq 0 "$(cat "$LXFE_RUN/tui-rc.$NTS")" "lxf-tui's exit status after q"

# The probe: start first, then the full table (both hosts, every row),
# then one line per key in the order typed, each shown no sooner than
# read, and the frames at exit; no timing is judged.
[ -s "$probe" ] || fail "LXF_TUI_PROBE wrote nothing"
nrows=$(lxf_run list -f csv -c n | wc -l)
awk -v nrows="$nrows" '
	function bad(why) { print "probe line " NR ": " why ": " $0; err = 1; exit 1 }
	NR == 1 { if ($0 !~ /^start pre_main_us=-?[0-9]+$/) bad("not the start line"); next }
	/^table / {
		if (table++) bad("a second table line")
		if ($0 !~ /^table [0-9]+ rows=[0-9]+ hosts=2 up=2 down=0 cpu_us=[0-9]+$/) bad("malformed")
		if ($3 != "rows=" nrows) bad("not every row (" nrows ")")
		next
	}
	/^key / {
		if (!table) bad("a key before the full table")
		if ($0 !~ /^key [0-9]+ [0-9]+ code=[0-9]+$/) bad("malformed")
		if ($3 + 0 < $2 + 0) bad("shown before read")
		if ($2 + 0 < last) bad("read before the key before it")
		last = $2 + 0
		codes = codes (codes == "" ? "" : " ") substr($4, 6)
		next
	}
	/^frames / {
		if ($0 !~ /^frames [1-9][0-9]* draw_us_max=[0-9]+ draw_us_sum=[0-9]+ keys_dropped=0$/) bad("malformed")
		frames = NR
		next
	}
	{ bad("unknown line") }
	END {
		if (err) exit 1
		if (!table || frames != NR) { print "probe: no table line or frames not last"; exit 1 }
		print codes
	}' "$probe" >"$LXFE_RUN/probe-codes" || fail "probe: $(cat "$LXFE_RUN/probe-codes")
$(cat "$probe")"
# :, Up (KEY_UP), Escape, q.
assert_eq "58 259 27 113" "$(cat "$LXFE_RUN/probe-codes")" "the keys the probe saw"

if ls "$LXFE_RUN"/tui-san.* >/dev/null 2>&1; then
	fail "sanitizer reports from lxf-tui: $(cat "$LXFE_RUN"/tui-san.*)"
fi
