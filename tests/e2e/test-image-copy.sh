#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf image delete, lxf config trust add, lxf exec, lxf image copy
# covers: lxf remote add, lxf start, lxf stop, lxf list
# covers: POST /1.0/images/{fp}/export
# covers: GET /1.0, PATCH /1.0, GET /1.0/images, POST /1.0/images, GET /1.0/images/aliases/{alias}
# covers: GET /1.0/images/{fp}, GET /1.0/images/{fp}/export, POST /1.0/images/{fp}/secret
# covers: lxf storage volume copy, lxf storage volume move
#
# Image copies between hosts as LXD makes them (pull mode): the source
# issues a one-time download secret, the target downloads the export over
# HTTPS from the source with the pinned certificate and checks the
# fingerprint. lxfd -> lxfd through the API; a private image unreadable to
# an untrusted client without the secret, and the secret used once; a
# wrong fingerprint, a wrong certificate and a non-pull mode refused with
# nothing stored. Then with a real LXD 5.0: LXD pulls from lxfd (`lxc image
# copy`, the real client's flow) and lxfd pulls from LXD; push mode; and a
# split image (metadata + squashfs) copied every way.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1
ip1=$(host_ip 1)
s1=$(host_socket 1)
s2=$(host_socket 2)
api() { # SOCKET METHOD PATH [BODY]
	curl -s --unix-socket "$1" -X "$2" ${4:+-H 'Content-Type: application/json' -d "$4"} \
		"http://lxd$3"
}
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for p in sys.argv[1].split("/"):
    v = v[int(p)] if isinstance(v, list) else v.get(p) if v is not None else None
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))
' "$1"
}
# wait_op SOCKET JSON: waits for the async answer's operation; prints the final op.
wait_op() {
	local op
	op=$(jget operation <<<"$2")
	[ -n "$op" ] || fail "not an async answer: $2"
	api "$1" GET "$op/wait?timeout=120"
}
json_str() { python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'; }

assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$s1" -X PATCH \
	-d '{"config":{"core.https_address":":8443"}}' http://lxd/1.0)"
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip1/8443" || fail "h1 not listening"
FP=$(api "$s1" GET /1.0/images/aliases/busybox | jget metadata/target)
[ ${#FP} = 64 ] || fail "no busybox image on h1"
CERT=$(api "$s1" GET /1.0 | jget metadata/environment/certificate | json_str)

# ---- the source side: private unless a secret is given, the secret used once
code() { curl -s -o /dev/null -w '%{http_code}' -k "$@"; }
assert_eq 404 "$(code "https://$ip1:8443/1.0/images/$FP")" "private image, untrusted, no secret"
assert_eq 404 "$(code "https://$ip1:8443/1.0/images/$FP/export")" "export, untrusted, no secret"
new_secret() {
	local out
	out=$(api "$s1" POST "/1.0/images/$FP/secret")
	assert_eq token "$(jget metadata/class <<<"$out")" "secret op class"
	jget metadata/metadata/secret <<<"$out"
}
SECRET=$(new_secret)
[ ${#SECRET} = 64 ] || fail "bad secret: $SECRET"
# The wrong secret differs in its first digit whatever the secret is
# (a substitution of one letter left it unchanged 1 run in 60).
wrong=$([ "${SECRET:0:1}" = 0 ] && echo 1 || echo 0)${SECRET:1}
assert_eq 404 "$(code "https://$ip1:8443/1.0/images/$FP/export?secret=$wrong")" "wrong secret"
assert_eq 200 "$(code "https://$ip1:8443/1.0/images/$FP?secret=$SECRET")" "info with the secret"
assert_eq 200 "$(curl -s -o "$LXFE_RUN/exp" -w '%{http_code}' -k \
	"https://$ip1:8443/1.0/images/$FP/export?secret=$SECRET")" "export with the secret"
assert_eq "$FP" "$(sha256sum <"$LXFE_RUN/exp" | cut -d' ' -f1)" "exported bytes"
assert_eq 404 "$(code "https://$ip1:8443/1.0/images/$FP/export?secret=$SECRET")" "secret used twice"
curl -s -k -D - -o /dev/null "https://$ip1:8443/1.0/images/$FP/export?secret=$(new_secret)" \
	>"$LXFE_RUN/hdr"
grep -qi '^Content-Disposition: attachment; filename=' "$LXFE_RUN/hdr" ||
	fail "export does not name the file: $(cat "$LXFE_RUN/hdr")"

# ---- refusals: nothing stored on h2
body() { # FINGERPRINT CERT-JSON SECRET [MODE]
	printf '{"source":{"type":"image","mode":"%s","protocol":"lxd","server":"https://%s:8443","certificate":%s,"fingerprint":"%s","secret":"%s"},"aliases":[{"name":"bb","description":"copied"}],"properties":{"copied":"yes"}}' \
		"${4:-pull}" "$ip1" "$2" "$1" "$3"
}
out=$(api "$s2" POST /1.0/images "$(body "$FP" "$CERT" "$(new_secret)" relay)")
assert_contains "$(jget error <<<"$out")" "is not supported" "relay refused (a client's mode)"
OTHER=$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 1 -subj /CN=x \
	-keyout /dev/null 2>/dev/null | json_str)
out=$(wait_op "$s2" "$(api "$s2" POST /1.0/images "$(body "$FP" "$OTHER" "$(new_secret)")")")
assert_eq Failure "$(jget metadata/status <<<"$out")" "a certificate that is not the server's"
assert_contains "$(jget metadata/err <<<"$out")" "Cannot download the image"
BAD=$(printf '%064d' 0)
out=$(wait_op "$s2" "$(api "$s2" POST /1.0/images "$(body "$BAD" "$CERT" "$(new_secret)")")")
assert_eq Failure "$(jget metadata/status <<<"$out")" "unknown fingerprint"
assert_contains "$(jget metadata/err <<<"$out")" "not found"
assert_eq '[]' "$(api "$s2" GET /1.0/images | jget metadata)" "nothing stored after refusals"
[ -z "$(ls -A "$(host_dir 2)/images" | grep -v '^\.upload' || true)" ] ||
	fail "files left in h2's image store: $(ls -A "$(host_dir 2)/images")"

# ---- the copy, then a container from it
out=$(wait_op "$s2" "$(api "$s2" POST /1.0/images "$(body "$FP" "$CERT" "$(new_secret)")")")
assert_eq Success "$(jget metadata/status <<<"$out")" "copy: $(jget metadata/err <<<"$out")"
assert_eq "$FP" "$(jget metadata/metadata/fingerprint <<<"$out")" "copied fingerprint"
assert_eq "$FP" "$(api "$s2" GET /1.0/images/aliases/bb | jget metadata/target)" "alias on h2"
assert_eq yes "$(api "$s2" GET "/1.0/images/$FP" | jget metadata/properties/copied)"
assert_exit 0 lxf_run launch h2:bb h2:c1
assert_exit 0 lxf_run exec h2:c1 -- true

# ---- a real LXD: pulls from lxfd through the real client, and lxfd pulls from it
CL=lx${LXFE_ID}i
LXD_NAMES="$CL ${CL}p"
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"
_lxfe_host_net 3
ip3=$(host_ip 3)
lxd_up 3 "  core.https_address: \"$ip3:8443\"
  core.trust_password: \"pw$LXFE_ID\""
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip3/8443" || fail "LXD not listening"
# The real lxc client's flow: lxc trusts h1 with a token, then `lxc image
# copy h1:FP local:` asks h1 for a secret and LXD to pull from h1.
assert_exit 0 lxf_run config trust add h1: --name lxc
TOKEN=$(printf '%s\n' "$LXFE_OUT" | tail -n 1)
mkdir -p "$LXFE_RUN/lxcconf"
lxcc() { LXD_CONF=$LXFE_RUN/lxcconf LXD_DIR=$LXD_D timeout 120 lxc "$@" </dev/null; }
assert_exit 0 lxcc remote add h1 "$TOKEN"
assert_exit 0 lxcc image copy "h1:$FP" local: --alias frombox
assert_eq "$FP" "$(lxcc image info frombox | awk '/^Fingerprint:/ { print $2 }')" "LXD pulled from lxfd"
assert_exit 0 lxcc launch frombox "$CL"
assert_eq RUNNING "$(lxcc list "$CL" -f csv -c s)" "LXD runs the copied image"
assert_exit 0 lxcc delete -f "$CL"
# lxfd pulls from LXD (LXD's secret, LXD's certificate).
LXD_CERT=$(lxcc query /1.0 | jget environment/certificate | json_str)
sec=$(lxcc query --wait=false -X POST "/1.0/images/$FP/secret" | jget metadata/secret)
assert_exit 0 lxf_run image delete h2:bb
out=$(wait_op "$s2" "$(api "$s2" POST /1.0/images "{\"source\":{\"type\":\"image\",\"mode\":\"pull\",\"protocol\":\"lxd\",\"server\":\"https://$ip3:8443\",\"certificate\":$LXD_CERT,\"fingerprint\":\"$FP\",\"secret\":\"$sec\"}}")")
assert_eq Success "$(jget metadata/status <<<"$out")" "lxfd pulled from LXD: $(jget metadata/err <<<"$out")"
assert_exit 0 lxf_run launch "h2:$FP" h2:c2

# ---- push mode (the real lxc client, HTTPS remotes both ways): the target
# hands out a token or its channels, the source connects to the target.
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$s2" -X PATCH \
	-d '{"config":{"core.https_address":":8443"}}' http://lxd/1.0)"
ip2=$(host_ip 2)
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip2/8443" || fail "h2 not listening"
assert_exit 0 lxf_run config trust add h2: --name lxc
assert_exit 0 lxcc remote add h2 "$(printf '%s\n' "$LXFE_OUT" | tail -n 1)"
assert_exit 0 lxcc remote add lx "https://$ip3:8443" --password "pw$LXFE_ID" --accept-certificate
h2imgs() { api "$s2" GET /1.0/images | jget metadata; }
# Images: lxfd -> lxfd, LXD -> lxfd, lxfd -> LXD.
assert_exit 0 lxf_run image delete "h2:$FP"
assert_exit 0 lxcc image copy "h1:$FP" h2: --mode=push --alias pushed
assert_eq "$FP" "$(api "$s2" GET /1.0/images/aliases/pushed | jget metadata/target)" "lxfd -> lxfd push"
assert_exit 0 lxf_run image delete "h2:$FP"
assert_exit 0 lxcc image copy "lx:$FP" h2: --mode=push
assert_eq "[\"/1.0/images/$FP\"]" "$(h2imgs)" "LXD -> lxfd push"
assert_exit 0 lxcc image delete frombox
assert_exit 0 lxcc image copy "h1:$FP" lx: --mode=push --alias frompush
assert_eq "$FP" "$(lxcc image info lx:frompush | awk '/^Fingerprint:/ { print $2 }')" "lxfd -> LXD push"
# A push the target refuses (a token that is not its): the source's op
# fails, the target stores nothing, the source keeps its image.
assert_exit 0 lxf_run image delete "h2:$FP"
H2CERT=$(api "$s2" GET /1.0 | jget metadata/environment/certificate | json_str)
out=$(wait_op "$s1" "$(api "$s1" POST "/1.0/images/$FP/export" \
	"{\"target\":\"https://$ip2:8443\",\"certificate\":$H2CERT,\"secret\":\"$wrong\"}")")
assert_eq Failure "$(jget metadata/status <<<"$out")" "push with a bad token"
assert_contains "$(jget metadata/err <<<"$out")" "not authorized"
assert_eq '[]' "$(h2imgs)" "nothing stored after a refused push"
[ -z "$(ls -A "$(host_dir 2)/images" | grep -v '^\.upload' || true)" ] ||
	fail "files left in h2's image store: $(ls -A "$(host_dir 2)/images")"
assert_eq "$FP" "$(api "$s1" GET /1.0/images/aliases/busybox | jget metadata/target)" "source kept"
# lxf image copy --mode push, between HTTPS remotes of lxf.
for n in 1 2; do
	assert_exit 0 lxf_run config trust add "h$n:" --name "lxf$n"
	assert_exit 0 lxf_run remote add "s$n" "$(printf '%s\n' "$LXFE_OUT" | tail -n 1)"
done
assert_exit 0 lxf_run image copy s1:busybox s2: --mode push --alias lxfpush
assert_eq "$FP" "$(api "$s2" GET /1.0/images/aliases/lxfpush | jget metadata/target)" "lxf push"

# ---- a split image (metadata tarball + squashfs rootfs, LXD's multipart
# export and upload): pull, push and relay, lxfd <-> lxfd and lxfd <-> LXD.
mapfile -t fps < <("$LXFE_SRC/scripts/simplestreams-tree" "$(lxfe_image)" "$LXFE_RUN/www")
SPLIT=${fps[0]}
d=$(find "$LXFE_RUN/www/images" -name lxd.tar.xz -printf '%h')
out=$(curl -s --unix-socket "$s1" -F "metadata=@$d/lxd.tar.xz" -F "rootfs=@$d/root.squashfs" \
	http://lxd/1.0/images)
out=$(wait_op "$s1" "$out")
assert_eq "$SPLIT" "$(jget metadata/metadata/fingerprint <<<"$out")" "split image on h1"
split_on_h2() { # WHAT: the split image whole on h2, then deleted there
	assert_eq "$SPLIT" "$(api "$s2" GET "/1.0/images/$SPLIT" | jget metadata/fingerprint)" "$1"
	cmp "$d/root.squashfs" "$(host_dir 2)/images/$SPLIT.rootfs" || fail "$1: rootfs differs"
	assert_exit 0 lxf_run image delete "h2:$SPLIT"
}
split_on_lx() { # WHAT
	assert_eq "$SPLIT" "$(lxcc image info "lx:$SPLIT" | awk '/^Fingerprint:/ { print $2 }')" "$1"
}
assert_exit 0 lxcc image copy "h1:$SPLIT" h2:
split_on_h2 "split: lxfd -> lxfd pull"
assert_exit 0 lxcc image copy "h1:$SPLIT" lx:
split_on_lx "split: lxfd -> LXD pull"
assert_exit 0 lxcc image copy "lx:$SPLIT" h2:
split_on_h2 "split: LXD -> lxfd pull"
assert_exit 0 lxcc image copy "lx:$SPLIT" h2: --mode=push
split_on_h2 "split: LXD -> lxfd push"
assert_exit 0 lxcc image copy "h1:$SPLIT" h2: --mode=relay
split_on_h2 "split: lxc relay to lxfd"
assert_exit 0 lxcc image delete "lx:$SPLIT"
assert_exit 0 lxcc image copy "h1:$SPLIT" lx: --mode=push
split_on_lx "split: lxfd -> LXD push"
for m in push relay; do
	assert_exit 0 lxf_run image copy "s1:$SPLIT" s2: --mode "$m"
	split_on_h2 "split: lxf image copy --mode $m"
done
assert_exit 0 lxf_run launch "s1:$SPLIT" s2:sp
assert_eq RUNNING "$(lxf_run list s2:sp -f csv -c s)" "launched from a split image copied over"

# Instances: lxfd -> LXD, LXD -> lxfd, lxfd -> lxfd.
assert_exit 0 lxf_run launch busybox h1:pc
assert_exit 0 lxf_run exec h1:pc -- sh -c 'echo pushed >/root/f && chown 12:34 /root/f'
assert_exit 0 lxf_run stop -f h1:pc
assert_exit 0 lxcc copy h1:pc "lx:${CL}p" --mode=push
assert_exit 0 lxcc start "lx:${CL}p"
assert_eq "pushed 12:34" "$(lxcc exec "lx:${CL}p" -- sh -c 'echo $(cat /root/f) $(stat -c %u:%g /root/f)')" \
	"lxfd -> LXD push copy"
assert_exit 0 lxcc stop -f "lx:${CL}p"
assert_exit 0 lxcc copy "lx:${CL}p" h2:fromlxd --mode=push
assert_exit 0 lxcc copy h1:pc h2:pc --mode=push
for c in fromlxd pc; do
	assert_exit 0 lxf_run start "h2:$c"
	assert_exit 0 lxf_run exec "h2:$c" -- sh -c 'echo $(cat /root/f) $(stat -c %u:%g /root/f)'
	assert_eq "pushed 12:34" "$LXFE_OUT" "push copy to lxfd ($c)"
done
# The target refuses (the name is taken): h2's instance and h1's source as they were.
assert_exit 1 lxcc copy h1:pc h2:pc --mode=push
assert_eq "h2,pc,RUNNING" "$(lxf_run list h2: -f csv -c rns | grep '^h2,pc,')" "target's own pc"
assert_exit 0 lxf_run exec h2:pc -- cat /root/f
assert_eq "pushed" "$LXFE_OUT" "target's pc after the refused push"
assert_eq "h1,pc,STOPPED" "$(lxf_run list h1: -f csv -c rns | grep '^h1,pc,')" "source after the refused push"

# ---- custom volumes between hosts (#18 item 4), through the real lxc
# client: pull (the target dials the source) and push, lxfd -> lxfd, lxfd
# -> LXD and LXD -> lxfd; contents, owners and config arrive; a name taken
# on the target fails with nothing changed there; snapshots travel along
# unless --volume-only; a move deletes the source only after a whole
# copy, and a failed move keeps it.
vol() { echo "$(host_dir "$1")/custom/$2/root"; }
assert_exit 0 lxf_run storage volume create h1:default v1 user.k=v -d "from h1"
vbase=$(stat -c %u "$(vol 1 v1)")
echo data >"$(vol 1 v1)/f"
mkdir "$(vol 1 v1)/d"
chown "$((vbase + 33)):$((vbase + 44))" "$(vol 1 v1)/f" "$(vol 1 v1)/d"
# A snapshot travels with the volume (unless --volume-only); g is newer.
assert_exit 0 lxcc storage volume snapshot h1:default v1 s0
echo later >"$(vol 1 v1)/g"
vcheck() { # HOST VOLUME WHAT
	assert_eq "data $((vbase + 33)):$((vbase + 44)) $vbase" \
		"$(cat "$(vol "$1" "$2")/f") $(stat -c %u:%g "$(vol "$1" "$2")/d") $(stat -c %u "$(vol "$1" "$2")")" "$3"
}
assert_exit 0 lxcc storage volume copy h1:default/v1 h2:default/v1
vcheck 2 v1 "lxfd -> lxfd volume copy (pull)"
assert_eq "data $((vbase + 33)) later" \
	"$(cat "$(host_dir 2)/custom/v1/snapshots/s0/root/f") $(stat -c %u "$(host_dir 2)/custom/v1/snapshots/s0/root/d") $(cat "$(vol 2 v1)/g")" \
	"the snapshot copied with the volume"
[ ! -e "$(host_dir 2)/custom/v1/snapshots/s0/root/g" ] || fail "the snapshot got the volume's newer file"
assert_exit 0 lxcc query h2:/1.0/storage-pools/default/volumes/custom/v1/snapshots
assert_contains "$LXFE_OUT" "custom/v1/snapshots/s0"
assert_exit 0 lxcc storage volume copy h1:default/v1 h2:default/v7 --volume-only
assert_exit 0 lxcc query h2:/1.0/storage-pools/default/volumes/custom/v7/snapshots
assert_eq "[]" "$LXFE_OUT" "--volume-only: no snapshots"
assert_exit 0 lxcc storage volume show h2:default v1
assert_contains "$LXFE_OUT" "user.k: v"
assert_contains "$LXFE_OUT" "description: from h1"
echo mine >"$(vol 2 v1)/mine"
assert_exit 1 lxcc storage volume copy h1:default/v1 h2:default/v1
assert_contains "$LXFE_ERR" 'Storage volume "v1" already exists'
[ -f "$(vol 2 v1)/mine" ] || fail "a refused volume copy touched the target's volume"
assert_exit 0 lxcc storage volume copy h1:default/v1 lx:default/v1
assert_eq data "$(cat "$LXD_D/storage-pools/default/custom/default_v1/f")" "lxfd -> LXD volume copy"
assert_exit 0 lxcc query lx:/1.0/storage-pools/default/volumes/custom/v1/snapshots
assert_contains "$LXFE_OUT" "custom/v1/snapshots/s0" "the snapshot copied to LXD"
# LXD's container sees the owners lxfd's containers saw: the volume's
# volatile.idmap.last went along, and LXD re-owned the files for its map.
assert_exit 0 lxcc storage volume attach lx:default v1 "${CL}p" /mnt/v
assert_exit 0 lxcc start "lx:${CL}p"
assert_eq "33:44 33:44" "$(lxcc exec "lx:${CL}p" -- stat -c %u:%g /mnt/v/f /mnt/v/d | xargs)" \
	"owners in LXD's container"
assert_exit 0 lxcc stop -f "lx:${CL}p"
assert_exit 0 lxcc storage volume copy lx:default/v1 h2:default/v2 --mode=push
assert_eq data "$(cat "$(vol 2 v2)/f")" "LXD -> lxfd volume copy (push)"
assert_exit 0 lxcc storage volume copy lx:default/v1 h2:default/v5
assert_eq "data $((vbase + 33)):$((vbase + 44))" "$(cat "$(vol 2 v5)/f") $(stat -c %u:%g "$(vol 2 v5)/f")" \
	"LXD -> lxfd volume copy (pull)"
assert_eq data "$(cat "$(host_dir 2)/custom/v5/snapshots/s0/root/f")" "LXD's snapshot copied to lxfd"
assert_exit 0 lxcc storage volume move h1:default/v1 h2:default/v3 --mode=push
vcheck 2 v3 "lxfd -> lxfd volume move (push)"
assert_exit 1 lxcc storage volume show h1:default v1
# A move the target refuses: the source stays.
assert_exit 1 lxcc storage volume move h2:default/v3 h2:default/v1 --mode=push
assert_exit 1 lxcc storage volume move h2:default/v3 lx:default/v1
vcheck 2 v3 "the source of a refused move"
# lxf storage volume copy|move: pull and push between HTTPS remotes, relay between unix ones.
assert_exit 0 lxf_run storage volume copy s2:default/v3 s1:default/v4
vcheck 1 v4 "lxf volume copy (pull)"
assert_exit 0 lxf_run storage volume move s2:default/v3 s1:default/v6 --mode push
vcheck 1 v6 "lxf volume move (push)"
assert_exit 1 lxf_run storage volume show h2:default v3
assert_exit 0 lxf_run storage volume move h1:default/v6 h2:default --mode relay
vcheck 2 v6 "lxf volume move (relay)"
assert_exit 1 lxf_run storage volume move h1:default/v4 h2:default/v6
assert_contains "$LXFE_ERR" 'Storage volume "v6" already exists'
vcheck 1 v4 "the source of lxf's refused move"
# A migration that fails once the target made its volume (no source behind
# the operation): the target's op fails and nothing of the volume stays.
out=$(wait_op "$s2" "$(api "$s2" POST /1.0/storage-pools/default/volumes/custom \
	"{\"name\":\"vx\",\"type\":\"custom\",\"source\":{\"type\":\"migration\",\"mode\":\"pull\",\"operation\":\"https://$ip1:8443/1.0/operations/00000000-0000-0000-0000-000000000000\",\"certificate\":$CERT,\"secrets\":{\"control\":\"$wrong\",\"fs\":\"$wrong\"}}}")")
assert_eq Failure "$(jget metadata/status <<<"$out")" "a volume migration without a source"
assert_exit 1 lxf_run storage volume show h2:default vx
[ ! -e "$(host_dir 2)/custom/vx" ] || fail "a failed volume migration left files"
echo "test-image-copy: OK"
