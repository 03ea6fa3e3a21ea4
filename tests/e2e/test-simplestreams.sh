#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf remote add, lxf image list, lxf launch
# covers: POST /1.0/images (via lxc), GET /1.0/images/{fp}/export (via lxc)
# covers: POST /1.0/instances (via lxc), GET /1.0/images/{fp}
# covers: POST /1.0/images/{fp}/refresh (via lxc)
#
# Simplestreams image servers and split images, driven by the real lxc
# client against lxfd. A simplestreams tree made from the busybox image
# (scripts/simplestreams-tree: a split image with a squashfs and a tarball
# rootfs, and a unified one) is served over HTTPS by nginx on the test's own
# address, with a certificate of the test's own CA, which lxfd and lxc trust
# through SSL_CERT_FILE as LXD does. `lxc launch ss:busybox` twice: one
# download (nginx's access log), the image cached with auto_update and its
# update_source. A bad catalogue, a wrong sha256 and an unreachable server
# fail naming the server and the alias, with nothing left behind. Then
# `lxc image import META ROOTFS` of the split files (squashfs and tarball):
# LXD's fingerprints, they launch, and `lxc image export` writes both files
# back unchanged. lxf: `lxf remote add lss URL --protocol simplestreams`
# (written as lxc writes it: the real lxc lists it from lxf's config.yml),
# `lxf image list lss:`, `lxf launch lss:busybox h1:l1` (no new download).
# Last, a new build published (simplestreams-tree --add): `lxc image
# refresh` fetches it once, moves the local alias, deletes the old image.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v nginx >/dev/null || fail "nginx missing: run scripts/deps"
command -v sqfs2tar >/dev/null || fail "sqfs2tar missing: run scripts/deps"
run=$LXFE_RUN
ip1=$(host_ip 1)
port=8444
url=https://$ip1:$port

# ---- the test's CA and the server's certificate, trusted as system CAs
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=lxfe-$LXFE_ID CA" -keyout "$run/ca.key" -out "$run/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$ip1" \
	-keyout "$run/srv.key" -out "$run/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:%s\n' "$ip1" >"$run/srv.ext"
openssl x509 -req -in "$run/srv.csr" -CA "$run/ca.crt" -CAkey "$run/ca.key" \
	-CAcreateserial -days 1 -extfile "$run/srv.ext" -out "$run/srv.crt" 2>/dev/null
export SSL_CERT_FILE=$run/ca.crt # lxfd (started below) and lxc read it

hosts_up 1
lxc_client 1
s1=$(host_socket 1)

# ---- the tree, a broken copy (bad catalogue) and a lying one (wrong sha256)
mapfile -t fps < <("$LXFE_SRC/scripts/simplestreams-tree" "$(lxfe_image)" "$run/www")
SQ=${fps[0]} XZ=${fps[1]} UNI=${fps[2]}
[ ${#SQ} = 64 ] && [ ${#XZ} = 64 ] && [ ${#UNI} = 64 ] || fail "simplestreams-tree: ${fps[*]}"
mkdir -p "$run/www/broken/streams/v1" "$run/www/lying/streams/v1"
echo '{"index": {"images": {"datatype": "image-downloads", "path": "streams/v1/images.json"}}}' \
	>"$run/www/broken/streams/v1/index.json"
echo '{"products": ' >"$run/www/broken/streams/v1/images.json"
cp "$run/www/streams/v1/index.json" "$run/www/lying/streams/v1/"
ln -s ../images "$run/www/lying/images"
python3 - "$run/www" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1] + "/streams/v1/images.json"))
for p in d["products"].values():
    for v in p["versions"].values():
        for it in v["items"].values():
            it["sha256"] = "0" * 64
json.dump(d, open(sys.argv[1] + "/lying/streams/v1/images.json", "w"))
EOF
chmod -R a+rX "$run/www"

cat >"$run/nginx.conf" <<EOF
worker_processes 1;
pid $run/nginx.pid;
error_log $run/nginx-error.log;
events { worker_connections 64; }
http {
	access_log $run/access.log;
	client_body_temp_path $run/nginx-tmp;
	default_type application/octet-stream;
	server {
		listen $ip1:$port ssl;
		ssl_certificate $run/srv.crt;
		ssl_certificate_key $run/srv.key;
		ssl_protocols TLSv1.2 TLSv1.3; # 1.22 leaves 1.3 out; lxc may ask for it alone
		root $run/www;
		disable_symlinks off;
	}
}
EOF
host_exec 1 nginx -c "$run/nginx.conf" -g "user root;" || fail "nginx did not start"
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip1/$port" || fail "nginx not listening"
downloads() { grep -c "GET /images/.*/$1 " "$run/access.log" || true; }

# ---- errors name the server and the alias, nothing is left behind (before any
# download: an image already here is not fetched again)
images_before=$(curl -s --unix-socket "$s1" http://lxd/1.0/images | jq -c '.metadata | sort')
launch_fails() { # URL ALIAS NAME EXPECT
	local out
	out=$(curl -s --unix-socket "$s1" -X POST -H 'Content-Type: application/json' \
		-d "{\"name\": \"$3\", \"source\": {\"type\": \"image\", \"mode\": \"pull\",
		\"protocol\": \"simplestreams\", \"server\": \"$1\", \"alias\": \"$2\"}}" \
		http://lxd/1.0/instances | jq -r .operation)
	out=$(curl -s --unix-socket "$s1" "http://lxd$out/wait?timeout=60" | jq -r .metadata.err)
	assert_contains "$out" "\"$2\" from $1"
	assert_contains "$out" "$4"
	assert_exit 1 lx info "$3" 2>/dev/null
}
launch_fails "$url/broken" busybox e1 "images.json"
launch_fails "$url/lying" busybox e2 "sha256 mismatch"
launch_fails "https://$ip1:1" busybox e3 "Cannot download"
launch_fails "$url" nosuch e4 "no such image for"
assert_eq "$images_before" \
	"$(curl -s --unix-socket "$s1" http://lxd/1.0/images | jq -c '.metadata | sort')"
assert_eq "" "$(find "$(host_dir 1)/images" -name '.*' -print)" "no temporaries left"

# ---- launch twice from the server: one download, a cached image
assert_exit 0 lx remote add ss "$url" --protocol simplestreams
assert_exit 0 lx launch ss:busybox c1
assert_exit 0 lx launch ss:busybox c2
assert_eq 1 "$(downloads root.squashfs)" "the squashfs downloaded once for two launches"
assert_eq 1 "$(downloads lxd.tar.xz)" "the metadata downloaded once"
assert_eq 0 "$(downloads root.tar.xz)" "the squashfs is preferred"
lx list -f csv -c ns | sort >"$run/list"
assert_eq $'c1,RUNNING\nc2,RUNNING' "$(cat "$run/list")"
curl -s --unix-socket "$s1" "http://lxd/1.0/images/$SQ" |
	json_check "d['metadata']['cached'] and d['metadata']['auto_update']
		and d['metadata']['update_source'] == {'server': '$url', 'protocol': 'simplestreams',
		'alias': 'busybox', 'certificate': '', 'image_type': 'container'}
		and d['metadata']['properties']['os'] == 'Busybox'"
# By fingerprint, a unified image.
assert_exit 0 lx init "ss:$UNI" c3
assert_eq 1 "$(downloads lxd_combined.tar.gz)" "the unified image downloaded"

# ---- lxf: the remote as lxc stores it, its catalogue listed, launched from
assert_exit 0 lxf_run remote add lss "$url/" --protocol simplestreams
grep -A6 '^  lss:' "$LXF_CONF/config.yml" >"$run/lss.yml"
assert_contains "$(cat "$run/lss.yml")" "addr: $url"$'\n'
assert_contains "$(cat "$run/lss.yml")" "protocol: simplestreams"
assert_contains "$(cat "$run/lss.yml")" "public: true"
assert_exit 0 lxf_run image list lss: -f csv
out=$(lxf_run image list lss: -f csv)
assert_contains "$out" "${SQ:0:12},yes,Busybox 1 $(dpkg --print-architecture) ("
assert_contains "$out" "lss,\"busybox"$'\n'
assert_contains "$out" "busybox-unified/$(dpkg --print-architecture)\",${UNI:0:12},yes"
assert_contains "$(lxf_run image list lss:busybox/ -f csv)" "${SQ:0:12}"
# The real lxc reads the same remote from lxf's config.yml.
assert_contains "$(LXD_CONF=$LXF_CONF lx image list lss: -f csv -c lf)" "busybox (3 more),${SQ:0:12}"
assert_exit 0 lxf_run launch lss:busybox h1:l1
assert_eq RUNNING "$(container_state 1 l1)"
assert_eq 1 "$(downloads root.squashfs)" "lxf's launch used the cached image"

# ---- split images imported by lxc: LXD's fingerprints, launched, exported back
assert_exit 0 lx delete -f c1 c2 c3 l1
assert_exit 0 lx image delete "$SQ"
d=$(find "$run/www/images" -name lxd.tar.xz -printf '%h')
assert_exit 0 lx image import "$d/lxd.tar.xz" "$d/root.squashfs" --alias split-sq
assert_exit 0 lx image import "$d/lxd.tar.xz" "$d/root.tar.xz" --alias split-xz
assert_eq "$SQ" "$(lx image info split-sq | awk '/^Fingerprint:/ { print $2 }')"
assert_eq "$XZ" "$(lx image info split-xz | awk '/^Fingerprint:/ { print $2 }')"
assert_exit 0 lx launch split-sq c4
assert_exit 0 lx launch split-xz c5
assert_eq $'c4,RUNNING\nc5,RUNNING' "$(lx list -f csv -c ns | sort)"
mkdir -p "$run/export"
assert_exit 0 lx image export split-sq "$run/export/"
cmp "$d/lxd.tar.xz" "$run/export/meta-$SQ.tar.xz" || fail "exported metadata differs"
cmp "$d/root.squashfs" "$run/export/$SQ.squashfs" || fail "exported squashfs differs"

# ---- auto_update: the server publishes a new build; `lxc image refresh`
# downloads it once, moves the local alias to it and deletes the old one.
assert_exit 0 lx delete -f c4 c5
assert_exit 0 lx image delete split-sq split-xz
assert_exit 0 lx launch ss:busybox c6
assert_eq 2 "$(downloads root.squashfs)" "cached again"
assert_exit 0 lx image alias create bb "$SQ"
mapfile -t fps < <("$LXFE_SRC/scripts/simplestreams-tree" --add 20990101_00:00 "$(lxfe_image)" "$run/www")
SQ2=${fps[0]}
chmod -R a+rX "$run/www"
[ ${#SQ2} = 64 ] && [ "$SQ2" != "$SQ" ] || fail "simplestreams-tree --add: ${fps[*]}"
assert_exit 0 lx image refresh "$SQ"
assert_contains "$LXFE_OUT" "Image refreshed successfully"
assert_eq 3 "$(downloads root.squashfs)" "the new build downloaded once"
assert_eq "$SQ2" "$(lx image info bb | awk '/^Fingerprint:/ { print $2 }')" "alias moved"
assert_exit 1 lx image info "$SQ" 2>/dev/null
curl -s --unix-socket "$s1" "http://lxd/1.0/images/$SQ2" |
	json_check "d['metadata']['cached'] and d['metadata']['auto_update']
		and d['metadata']['update_source']['alias'] == 'busybox'"
assert_exit 0 lx image refresh bb
assert_contains "$LXFE_OUT" "Image already up to date"
assert_eq 3 "$(downloads root.squashfs)" "nothing new: no download"
assert_exit 0 lx exec c6 -- true
lxfe_log "PASS"
