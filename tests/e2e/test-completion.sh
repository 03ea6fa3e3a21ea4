#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf init, lxf snapshot, lxf remote switch, lxf profile create, lxf image copy
# covers: lxf.bash completion, lxf alias add
#
# Bash completion (config/lxf.bash) against real remotes: two lxfd hosts,
# an image alias and an instance on h1. Each completion is asked the way
# bash asks it (COMP_LINE, COMP_POINT, COMP_WORDS) and its answer checked:
# flags and --mode values of move/copy, "R:NAME/SNAP" snapshots, image
# arguments of image copy and launch, "R:" after them, values of flags
# skipped when counting arguments, files for -f FILE (plan, apply), the
# column letters of list -c, profiles after profile add R:NAME and, with
# the built-in default remote, instance names of the whole fleet.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1
assert_exit 0 lxf_run init busybox h1:c1
assert_exit 0 lxf_run snapshot h1:c1 snap0
assert_exit 0 lxf_run snapshot h1:c1 snap1
assert_exit 0 lxf_run remote switch h1

# The completion runs "${COMP_WORDS[0]}": an lxf with the run's configuration.
mkdir -p "$LXFE_RUN/bin"
cat >"$LXFE_RUN/bin/lxf" <<EOF
#!/bin/sh
LXF_CONF='$LXF_CONF' LXF_DIR='$LXFE_RUN/no-local' exec '$LXFE_LXF' "\$@"
EOF
chmod +x "$LXFE_RUN/bin/lxf"

# shellcheck source-path=SCRIPTDIR/../.. source=config/lxf.bash
. "$LXFE_SRC/config/lxf.bash"

# comp LINE [BREAKS]: the sorted candidates for "lxf LINE" with the cursor
# at its end, as one space-separated string. bash's ':' word break is left
# out unless BREAKS says otherwise, so the candidates are whole "R:NAME"
# words (comp_colon: bash's real default, with ':').
comp() {
	local COMP_LINE="$LXFE_RUN/bin/lxf $1" COMP_WORDBREAKS=${2:-$' \t\n"\'><=;|&('}
	local COMP_POINT=${#COMP_LINE}
	local -a COMP_WORDS
	read -ra COMP_WORDS <<<"$COMP_LINE"
	COMPREPLY=()
	_lxf 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}
comp_colon() { comp "$1" $' \t\n"\'><=;|&(:'; }

# --- commands
assert_eq "move" "$(comp "mov")" "command move"
assert_contains "$(comp "co")" "copy" "command copy"
assert_eq "copy" "$(comp "image co")" "command image copy"

# --- flags of move and copy, as each accepts them
got=$(comp "move --")
for f in --instance-only --mode --stateless --stateful --config --profile --quiet; do
	assert_contains " $got " " $f " "move flags"
done
assert_not_contains "$got" "--refresh" "move flags"
got=$(comp "copy --")
for f in --instance-only --mode --refresh --stateless --config --profile; do
	assert_contains " $got " " $f " "copy flags"
done
assert_not_contains "$got" "--stateful" "copy flags"
assert_eq "--stateful --stateless" "$(comp "move --stat")" "move --stat"

# --- --mode values; other flag values left alone
assert_eq "pull push relay" "$(comp "move --mode ")" "move --mode"
assert_eq "pull push" "$(comp "copy --mode p")" "copy --mode p"
assert_eq "relay" "$(comp "copy h1:c1 h2: --mode r")" "copy ... --mode r"
assert_eq "" "$(comp "move -c ")" "move -c value"
assert_eq "" "$(comp "copy --profile ")" "copy --profile value"

# --- instance arguments: remote-prefixed, bare on the default remote (h1)
assert_eq "h1:c1" "$(comp "move h1:")" "move h1:"
assert_eq "h1:c1" "$(comp "copy --mode relay h1:c")" "copy --mode relay h1:c"
assert_eq "h1:c1" "$(comp "copy --refresh h1:")" "copy --refresh h1:"
got=$(comp "move h1:c1 ")
for w in h1: h2: c1; do
	assert_contains " $got " " $w " "move destination"
done
assert_eq "h2:" "$(comp "move h1:c1 h2")" "move destination h2"
assert_eq "" "$(comp "copy h1:c1 h2:")" "instances of h2 (none)"
assert_eq "c1" "$(comp "move c")" "bare name on the default remote"
# With bash's default ':' word break only the part after the ':' is given.
assert_eq "c1" "$(comp_colon "move h1:")" "move h1: (':' breaks words)"
assert_eq "c1/snap0 c1/snap1" "$(comp_colon "copy h1:c1/")" "copy h1:c1/ (':' breaks words)"
# Snapshots after "NAME/", for the commands that take them.
assert_eq "h1:c1/snap0 h1:c1/snap1" "$(comp "copy h1:c1/")" "copy h1:c1/"
assert_eq "h1:c1/snap1" "$(comp "move h1:c1/snap1")" "move h1:c1/snap1"
assert_eq "c1/snap0" "$(comp "move c1/snap0")" "move c1/snap0 (default remote)"
assert_eq "" "$(comp "copy h1:nope/")" "snapshots of a missing instance"

# --- lxf top: remotes (no instances) and its sort keys
got=$(comp "top ")
assert_contains " $got " " h2: " "top: remotes"
assert_not_contains " $got " " c1 " "top: no instances"
assert_eq "cpu disk mem name net procs" "$(comp "top -s ")" "top -s"
assert_eq "net" "$(comp "top h1: --sort ne")" "top --sort ne"

# --- image copy: IMAGE then REMOTE:
assert_eq "h1:busybox" "$(comp "image copy h1:")" "image copy h1:"
assert_eq "h1:busybox" "$(comp "image copy h1:b")" "image copy h1:b"
got=$(comp "image copy ")
assert_contains " $got " " busybox " "image copy: aliases of the default remote"
assert_contains " $got " " h2: " "image copy: remotes"
assert_not_contains " $got " " c1 " "image copy: no instances"
got=$(comp "image copy h1:busybox ")
assert_eq "h1: h2: local:" "$got" "image copy destination"
assert_eq "h2:" "$(comp "image copy h1:busybox h2")" "image copy destination h2"
assert_eq "h1: h2:" "$(comp "image copy --alias x h1:busybox h")" "image copy --alias x ... h"
assert_eq "" "$(comp "image copy h1:busybox --alias ")" "image copy --alias value"
for f in --alias --copy-aliases --public; do
	assert_contains " $(comp "image copy --") " " $f " "image copy flags"
done
assert_eq "" "$(comp "image copy h2:")" "aliases of h2 (none)"

# --- launch REMOTE:IMAGE REMOTE:
assert_eq "h1:busybox" "$(comp "launch h1:")" "launch h1:"
assert_eq "h1: h2: local:" "$(comp "launch h1:busybox ")" "launch destination"
assert_eq "h2:" "$(comp "launch h1:busybox h2")" "launch destination h2"
assert_eq "h1:busybox" "$(comp "init h1:b")" "init h1:b"
# A flag's value is not an argument: the image is still the first one.
assert_eq "h1:busybox" "$(comp "launch -p default h1:")" "launch -p default h1:"
assert_eq "h1:busybox" "$(comp "launch --config user.a=1 h1:")" "launch --config ... h1:"
assert_eq "h1: h2:" "$(comp "launch -c user.a=1 h1:busybox h")" "launch -c ... IMAGE h"
assert_eq "h1:busybox" "$(comp "image info h1:")" "image info h1:"
assert_eq "h1:busybox" "$(comp "image export h1:")" "image export h1:"
# The export's TARGET is a local path.
mkdir -p "$LXFE_RUN/exp-dir"
assert_eq "$LXFE_RUN/exp-dir" "$(comp "image export h1:busybox $LXFE_RUN/exp-")" "image export TARGET"

# --- -f is a FILE where the help says so (plan, apply: lxf.yaml), else a format.
: >"$LXFE_RUN/stack.yaml"
assert_eq "$LXFE_RUN/stack.yaml" "$(comp "plan -f $LXFE_RUN/stack")" "plan -f FILE"
assert_eq "$LXFE_RUN/stack.yaml" "$(comp "apply --file $LXFE_RUN/st")" "apply --file FILE"
assert_eq "compact csv json table yaml" "$(comp "list -f ")" "list -f FORMAT"
assert_eq "h1: h2: local:" "$(comp "export ")" "export REMOTE"

# --- list -c: column letters, added one after another (issue #17 item 9)
got=$(comp "list -c ")
for l in n s 4 r; do
	assert_contains " $got " " $l " "list -c letters"
done
got=$(comp "list -c ns")
assert_contains " $got " " ns4 " "list -c ns"
assert_not_contains " $got " " nsn " "list -c ns: no letter twice"
assert_eq "" "$(comp "launch -c ")" "launch -c is KEY=VALUE"

# --- profile add R:NAME PROFILE: the profiles of R
assert_exit 0 lxf_run profile create h1:prof1
assert_eq "default prof1" "$(comp "profile add h1:c1 ")" "profile add h1:c1"
assert_eq "prof1" "$(comp "profile add h1:c1 p")" "profile add h1:c1 p"

# --- unqualified names: the whole fleet's when the default is the built-in
# local (no lxfd here), as lxf resolves them.
assert_exit 0 lxf_run image copy h1:busybox h2: --alias busybox
assert_exit 0 lxf_run init busybox h2:d2
assert_exit 0 lxf_run remote switch local
got=$(comp "start ")
for w in c1 d2 h1: h2:; do
	assert_contains " $got " " $w " "fleet names"
done
assert_eq "d2" "$(comp "start d")" "a name on h2 only"

# --- flags and commands from lxf's own help; global flags; the user's aliases
assert_contains " $(comp "list --") " " --fast " "list --fast"
assert_contains " $(comp "delete --") " " --interactive " "delete --interactive"
# --all and its flags (issue #20), each once; no value offered for --parallel N.
assert_eq "--all" "$(comp "delete --a")" "delete --all"
assert_eq "--parallel" "$(comp "stop --p")" "stop --parallel"
assert_eq "--yes" "$(comp "snapshot --y")" "snapshot --yes"
assert_eq "" "$(comp "restart --parallel ")" "no value for --parallel"
assert_eq "--resources" "$(comp "info --res")" "info --resources"
assert_eq "--show-log" "$(comp "info --sh")" "info --show-log"
assert_eq "--debug" "$(comp "--deb")" "global --debug"
assert_eq "move" "$(comp "--debug mov")" "a command after a global flag"
assert_exit 0 lxf_run alias add fastl "list --fast"
assert_eq "fastl" "$(comp "fa")" "an alias as a command"
assert_eq "fastl" "$(comp "alias remove f")" "alias remove ALIAS"
assert_eq "" "$(comp "alias rename fastl ")" "alias rename NEW"

echo "PASS test-completion"
