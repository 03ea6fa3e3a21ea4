#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# covers: lxf export
#
# lxf export (issue #16): the lxf.yaml of what runs on two lxfd hosts, one
# entry per instance sorted by remote and name, with its image, profiles,
# state, own config and devices (not the server's volatile.*/image.* keys
# nor lxf's user.lxf.*). Values that need quoting or carry '$' read back
# the same through lxf validate. A remote that does not answer is named
# on stderr and the rest is still written (exit 3); an unknown one is an
# error (exit 1). And lxf plan of what export wrote finds nothing to do:
# instances of no or another stack that match the file are left alone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1 2
dir=$LXFE_RUN/export
mkdir -p "$dir"
cd "$dir"

# h1: a running, untagged, with values that need quoting ("1", "yes", '$',
# ': ') and a device; b stopped, of stack st. h2: c frozen, no profiles.
assert_exit 0 lxf_run launch busybox h1:a -c limits.cpu=1 -c 'environment.MSG=cost: $5 ${HOME}' \
	-c environment.FLAG=yes
assert_exit 0 lxf_run config device add h1:a d1 disk source=/tmp path=/mnt
assert_exit 0 lxf_run init busybox h1:b -c user.lxf.stack=st -c user.note=x
assert_exit 0 lxf_run launch busybox h2:c --no-profiles
assert_exit 0 lxf_run pause h2:c
fp=$(lxf_run config get h1:a volatile.base_image)
[ ${#fp} -ge 12 ] || fail "no volatile.base_image on h1:a: '$fp'"

assert_exit 0 lxf_run export h1 h2:
printf '%s\n' "$LXFE_OUT" >all.yaml
assert_eq "" "$LXFE_ERR" "stderr of a full export"
assert_exit 0 lxf_run validate -f all.yaml
assert_eq "all.yaml: valid: stack exported, 3 instances" "$LXFE_OUT" "validate of the export"

# The content, as a YAML reader sees it (the '$' doubled for lxf.yaml's ${VAR}).
got=$(python3 - all.yaml "$fp" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
fp = sys.argv[2]
assert d["version"] == 1 and d["name"] == "exported", d
assert set(d) == {"version", "name", "instances"}, d
for i in d["instances"]:
    assert i["image"] == fp, (i["image"], fp)
    print(i["remote"], i["name"], i["state"], ",".join(i["profiles"]) or "-",
          sorted(i["config"].items()), sorted((k, sorted(v.items())) for k, v in i["devices"].items()))
PY
) || fail "export is not the expected YAML:
$(cat all.yaml)"
want="h1 a running default [('environment.FLAG', 'yes'), ('environment.MSG', 'cost: \$\$5 \$\${HOME}'), ('limits.cpu', '1')] [('d1', [('path', '/mnt'), ('source', '/tmp'), ('type', 'disk')])]
h1 b stopped default [('user.note', 'x')] []
h2 c frozen - [] []"
assert_eq "$want" "$got" "exported instances"
assert_not_contains "$(cat all.yaml)" "volatile." "server keys"
assert_not_contains "$(cat all.yaml)" "user.lxf" "lxf's keys"
assert_exit 0 lxf_run plan -f all.yaml
assert_contains "$LXFE_OUT" "Nothing to do" "plan of the export"

# The stack's name: --name, else the one stack every instance carries.
assert_exit 0 lxf_run export h1 --name web
assert_contains "$LXFE_OUT" "name: web" "--name"
assert_exit 0 lxf_run config set h2:c user.lxf.stack=st2
assert_exit 0 lxf_run export h2
printf '%s\n' "$LXFE_OUT" >h2.yaml
assert_exit 0 lxf_run validate -f h2.yaml
assert_eq "h2.yaml: valid: stack st2, 1 instance" "$LXFE_OUT" "stack of the only instance"
# Of stack st2 without lxf's done key (lxf did not make it): a half-made one.
assert_exit 2 lxf_run plan -f h2.yaml
assert_contains "$LXFE_OUT" "replaces a half-made one" "plan of a hand-tagged instance"
assert_exit 2 lxf_run export --name 'bad name'

# A remote that does not answer: named on stderr, the others written, exit 3.
assert_exit 0 lxf_run remote add down "unix://$LXFE_RUN/nowhere.socket"
assert_exit 3 lxf_run export
assert_contains "$LXFE_ERR" "remote 'down'" "the down remote"
printf '%s\n' "$LXFE_OUT" >partial.yaml
assert_exit 0 lxf_run validate -f partial.yaml
assert_eq "partial.yaml: valid: stack exported, 3 instances" "$LXFE_OUT" "the rest of a partial export"
# "nosuch:" names a remote; a bare word would be an instance to back up (lxf-export(1)).
assert_exit 1 lxf_run export nosuch:
assert_contains "$LXFE_ERR" "remote 'nosuch' not found" "unknown remote"
assert_eq "" "$LXFE_OUT" "stdout for an unknown remote"
