#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# covers: lxf plan, lxf apply, lxf destroy
#
# Issue #16's bad input through lxf plan, apply and destroy: each
# class of error (unknown key, duplicate instance name after range
# expansion, bad range, unknown remote, wrong type, unset ${VAR}) is
# reported as FILE:LINE:COLUMN with exit 1, and nothing changes on the
# server: the same lxf list before and after, no write request in the
# daemon's debug log.
set -euo pipefail
export LXF_E2E_DEBUG=1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# writes N: how many write requests host N's lxfd has logged so far.
writes() { host_writes "$1" | wc -l; }

hosts_up 1
hosts_import_image
assert_exit 0 lxf_run launch busybox h1:keep -c user.lxf.stack=st -c user.lxf.provisioned=1
dir=$LXFE_RUN/apply
mkdir -p "$dir"
cd "$dir"

# bad NAME LINES...: a file that would be valid without its last lines.
bad() {
	local name=$1
	shift
	{
		printf 'version: 1\nname: st\ndefaults: {image: busybox}\ninstances:\n'
		printf '  - {name: keep, remote: h1}\n'
		printf '%s\n' "$@"
	} >"$name.yaml"
}
bad unknown-key '  - {name: a, remote: h1, imgae: busybox}'
bad duplicate '  - {name: "web-{1..3}", remote: h1}' '  - {name: web-2, remote: h1}'
bad range '  - {name: "web-{3..1}", remote: h1}'
bad remote '  - {name: a, remote: h9}'
bad type '  - {name: a, remote: h1, config: {limits.cpu: [1]}}'
bad unset '  - {name: a, remote: h1, config: {environment.X: "${APPLY_ERR_UNSET}"}}'
unset APPLY_ERR_UNSET
# The valid part alone changes nothing either: plan says so.
bad good
assert_exit 0 lxf_run plan -f good.yaml

declare -A want=(
	[unknown-key]="unknown-key.yaml:6:27: unknown key 'imgae' in an instance (known: name, remote, remotes, image, profiles, state, config, devices, files, run)"
	[duplicate]="duplicate.yaml:7:12: duplicate instance name 'web-2' (first at 6:12)"
	[range]="range.yaml:6:12: bad range in 'web-{3..1}': 3 is greater than 1"
	[remote]="remote.yaml:6:23: unknown remote 'h9' (not in this file's remotes nor in config.yml)"
	[type]="type.yaml:6:48: config 'limits.cpu' must be a string, not a list"
	[unset]="unset.yaml:6:51: config 'environment.X': variable 'APPLY_ERR_UNSET' is not set"
)

assert_exit 0 lxf_run list -f csv -c nrsPc
before=$LXFE_OUT
w=$(writes 1)
[ "$w" -gt 0 ] || fail "no write request logged by the launch: no --debug log?"

# reported WHAT FILE: the last command failed with FILE's one message, nothing on stdout.
reported() {
	assert_eq "${want[${2%.yaml}]}" "$LXFE_ERR" "lxf $1 -f $2"
	assert_eq "" "$LXFE_OUT" "stdout of lxf $1 -f $2"
}
# apply and destroy with --yes: nothing but the file stands in their way.
for name in unknown-key duplicate range remote type unset; do
	assert_exit 1 lxf_run plan -f "$name.yaml"
	reported plan "$name.yaml"
	assert_exit 1 lxf_run apply -f "$name.yaml" --yes
	reported apply "$name.yaml"
	assert_exit 1 lxf_run destroy -f "$name.yaml" --yes
	reported destroy "$name.yaml"
done

assert_exit 0 lxf_run list -f csv -c nrsPc
assert_eq "$before" "$LXFE_OUT" "lxf list after the bad files"
assert_eq "$w" "$(writes 1)" "write requests after the bad files"
echo "test-apply-errors: ok"
