#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf init, lxf delete, lxf info, lxf rename, lxf snapshot, lxf restore, lxf config show
# covers: lxf config get, lxf config set
#
# lxf snapshot, restore, info (the snapshot table, the stack), rename and delete of
# NAME/SNAP, config show of a snapshot.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run init busybox h1:c1
assert_exit 0 lxf_run config set h1:c1 user.v=1

assert_exit 0 lxf_run snapshot h1:c1 s1
assert_exit 1 lxf_run snapshot h1:c1 s1
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run snapshot h1:c1 s1 --reuse
assert_exit 0 lxf_run snapshot h1:c1
assert_exit 0 lxf_run info h1:c1
assert_contains "$LXFE_OUT" "Snapshots:"
assert_contains "$LXFE_OUT" "| s1 "
assert_not_contains "$LXFE_OUT" "Stack:"
# The stack of lxf-apply(1) that made an instance, when it has one.
assert_exit 0 lxf_run config set h1:c1 user.lxf.stack=web-stack
assert_exit 0 lxf_run info h1:c1
assert_contains "$LXFE_OUT" $'\nStack: web-stack\n'
assert_exit 0 lxf_run config show h1:c1/s1
assert_contains "$LXFE_OUT" "user.v"

# Restore brings the snapshot's config back.
assert_exit 0 lxf_run config set h1:c1 user.v=2
assert_exit 0 lxf_run restore h1:c1 s1
assert_exit 0 lxf_run config get h1:c1 user.v
assert_eq 1 "$LXFE_OUT" "config after restore"
assert_exit 1 lxf_run restore h1:c1 nosuch
assert_contains "$LXFE_ERR" "Error: "

assert_exit 0 lxf_run rename h1:c1/s1 s2
assert_exit 0 lxf_run info h1:c1
assert_contains "$LXFE_OUT" "| s2 "
assert_not_contains "$LXFE_OUT" "| s1 "
assert_exit 0 lxf_run delete h1:c1/s2
assert_exit 0 lxf_run info h1:c1
assert_not_contains "$LXFE_OUT" "| s2 "
assert_exit 1 lxf_run delete h1:c1/s2
assert_contains "$LXFE_ERR" "Error: "
