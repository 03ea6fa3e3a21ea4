#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# covers: lxf validate
#
# lxf validate -f FILE (issue #16's lxf.yaml): exit 0 for a valid file, 1
# with every problem as FILE:LINE:COLUMN for a bad one, 2 for usage. No
# daemon: validate contacts no server, so the remotes named here (one in
# the file, one in config.yml) do not exist anywhere.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

dir=$LXFE_RUN/apply
mkdir -p "$dir"
cd "$dir"
# A remote in the client configuration, at an address nothing listens on.
cat >"$LXF_CONF/config.yml" <<'YAML'
default-remote: cfg1
remotes:
  cfg1: {addr: "https://192.0.2.1:8443", protocol: lxd, public: false, project: default, auth_type: tls}
YAML

cat >good.yaml <<'YAML'
version: 1
name: web-stack                  # the stack
remotes:
  h4: {url: "https://192.0.2.4:8443", token: "${APPLY_E2E_TOKEN}"}
profiles:
  small:
    config: {limits.cpu: "1", limits.memory: 128MiB}
defaults:
  image: busybox
  profiles: [default, small]
  state: running
instances:
  - name: web-{1..6}
    remotes: [h4, cfg1]
    config: {environment.ROLE: web}
    devices: {data: {type: disk, source: /srv/web, path: /srv}}
    files:
      - {path: /etc/motd, content: "hello\n", mode: "0644"}
    run: ["/bin/sh", "-c", "echo provisioned > /etc/provisioned"]
  - {name: db, remote: h4, state: stopped, config: {limits.memory: 256MiB}}
  - name: db-{01..12}
YAML

# --- valid
export APPLY_E2E_TOKEN=s3cret
assert_exit 0 lxf_run validate -f good.yaml
assert_eq "good.yaml: valid: stack web-stack, 19 instances" "$LXFE_OUT" "summary"
assert_eq "" "$LXFE_ERR" "stderr of a valid file"
assert_exit 0 lxf_run validate -q --file good.yaml
assert_eq "" "$LXFE_OUT" "-q prints nothing"

# --- an unset variable is an error, never an empty string
unset APPLY_E2E_TOKEN
assert_exit 1 lxf_run validate -f good.yaml
assert_eq "good.yaml:4:46: token: variable 'APPLY_E2E_TOKEN' is not set" "$LXFE_ERR" "unset variable"
assert_eq "" "$LXFE_OUT" "stdout of an invalid file"
APPLY_E2E_TOKEN='' assert_exit 0 lxf_run validate -f good.yaml

# --- every problem, in file order, FILE:LINE:COLUMN
cat >bad.yaml <<'YAML'
version: 1
name: web-stack
remotes:
  h4: {url: "ftp://h4", tokn: x}
instnces: []
instances:
  - name: web-{6..1}
    remotes: [h9]
    config: {limits.cpu: [1]}
    state: started
    image: busybox
  - name: db-{01..9}
    image: busybox
    files:
      - {path: etc/motd, content: x, mode: "0999"}
  - {name: db, image: x}
  - {name: db, image: x}
  - {name: 1db, image: x}
  - {name: c, image: x, profiles: default}
  - {name: d}
YAML
assert_exit 1 lxf_run validate -f bad.yaml
want="bad.yaml:4:13: bad remote address 'ftp://h4': want unix:///path or https://host[:port]
bad.yaml:4:25: unknown key 'tokn' in remote 'h4' (known: url, token)
bad.yaml:5:1: unknown key 'instnces' in the file (known: version, name, remotes, profiles, defaults, instances)
bad.yaml:7:11: bad range in 'web-{6..1}': 6 is greater than 1
bad.yaml:8:15: unknown remote 'h9' (not in this file's remotes nor in config.yml)
bad.yaml:9:26: config 'limits.cpu' must be a string, not a list
bad.yaml:10:12: bad state 'started': want running, stopped or frozen
bad.yaml:12:11: bad range in 'db-{01..9}': zero-padded ends must have the same width
bad.yaml:15:16: file path 'etc/motd' must be absolute
bad.yaml:15:44: bad file mode '0999': want octal digits like \"0644\"
bad.yaml:17:12: duplicate instance name 'db' (first at 16:12)
bad.yaml:18:12: bad instance name '1db': must not start with a digit or '-' nor end with '-'
bad.yaml:19:35: profiles must be a list, not a string
bad.yaml:20:5: no image: give image here or in defaults"
assert_eq "$want" "$LXFE_ERR" "messages of bad.yaml"

# --- YAML syntax, aliases
printf 'version: 1\nname: [a\n' >syntax.yaml
assert_exit 1 lxf_run validate -f syntax.yaml
assert_eq "syntax.yaml:3:1: YAML: did not find expected ',' or ']' while parsing a flow sequence" \
	"$LXFE_ERR" "syntax error"
printf 'version: 1\nname: &n s\nx: *n\n' >alias.yaml
assert_exit 1 lxf_run validate -f alias.yaml
assert_eq "alias.yaml:2:7: YAML anchors are not allowed" "$LXFE_ERR" "anchor"

# --- the remote of config.yml counts; without it, it is unknown
printf 'version: 1\nname: s\ninstances:\n  - {name: a, image: i, remote: cfg1}\n  - {name: b, image: i}\n' >cfg.yaml
assert_exit 0 lxf_run validate -f cfg.yaml
printf 'default-remote: local\nremotes: {}\n' >"$LXF_CONF/config.yml"
assert_exit 1 lxf_run validate -f cfg.yaml
assert_eq "cfg.yaml:4:33: unknown remote 'cfg1' (not in this file's remotes nor in config.yml)" \
	"$LXFE_ERR" "remote gone from config.yml"

# --- files: missing, too large
assert_exit 1 lxf_run validate -f nonexistent.yaml
assert_contains "$LXFE_ERR" "Error: " "missing file"
assert_contains "$LXFE_ERR" "nonexistent.yaml" "missing file"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >big.yaml
assert_exit 1 lxf_run validate -f big.yaml
assert_eq "Error: big.yaml: larger than 1048576 bytes" "$LXFE_ERR" "size cap"

# --- usage
assert_exit 2 lxf_run validate
assert_contains "$LXFE_ERR" "missing -f FILE" "no -f"
assert_exit 2 lxf_run validate -f good.yaml extra
assert_exit 2 lxf_run validate --frobnicate
assert_exit 0 lxf_run validate --help
assert_contains "$LXFE_OUT" "Usage: lxf validate -f FILE" "help"
echo "PASS test-apply-validate"
