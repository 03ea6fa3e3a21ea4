/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split images over the API, as LXD's client sends and reads them: an
 * upload of a metadata tarball and a rootfs (squashfs or tarball) is one
 * multipart/form-data body with the parts "metadata" and "rootfs" (`lxc
 * image import META ROOTFS`); the export of a split image is the same
 * shape back (`lxc image export` writes the two files, named by the parts'
 * filenames). The body arrives in a file (ROUTE_F_UPLOAD), mapped here and
 * cut into two temporaries beside the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "hex.h"
#include "http.h"
#include "image.h"
#include "json.h"

#define BOUNDARY_MAX 70   /* RFC 2046 */
#define PART_HDR_MAX 4096 /* one part's header block */

/* The boundary of content type ct ("multipart/form-data; boundary=B") into b. */
static int boundary_of(const char *ct, char b[BOUNDARY_MAX + 1], struct lxf_err *err)
{
	const char *p = strstr(ct, "boundary=");
	size_t n;

	if (!p)
		return lxf_err_set(err, LXF_EINVAL, "multipart upload without a boundary");
	p += strlen("boundary=");
	if (*p == '"')
		p++;
	n = strcspn(p, "\";");
	if (n == 0 || n > BOUNDARY_MAX)
		return lxf_err_set(err, LXF_EINVAL, "bad multipart boundary");
	memcpy(b, p, n);
	b[n] = '\0';
	return 0;
}

/* The value of parameter key ("name", "filename") in a Content-Disposition
 * line hdr[0..n), into out; "" when absent. */
static void disposition_param(const char *hdr, size_t n, const char *key, char *out, size_t cap)
{
	char pat[32];
	const char *p = hdr, *end = hdr + n;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), " %s=\"", key);
	while ((p = memmem(p, (size_t)(end - p), pat, strlen(pat)))) {
		const char *v = p + strlen(pat), *q = memchr(v, '"', (size_t)(end - v));
		if (q && (size_t)(q - v) < cap) {
			memcpy(out, v, (size_t)(q - v));
			out[q - v] = '\0';
		}
		return;
	}
}

static int write_all(int fd, const char *p, size_t n, struct lxf_err *err)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return lxf_err_sys(err, LXF_EIO, errno, "Cannot write the upload");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One part body[0..n) into a new temporary of DIR/images (its path into path). */
static int save_part(const char *body, size_t n, char path[PATH_MAX], struct lxf_err *err)
{
	int fd = api_temp_in_images(path, PATH_MAX, "split", err), ret;

	if (fd < 0) {
		path[0] = '\0';
		return fd;
	}
	ret = write_all(fd, body, n, err);
	close(fd);
	return ret;
}

int api_image_split_file(const char *path, const char *ctype, char meta[PATH_MAX],
			 char rootfs[PATH_MAX], char *fname, size_t fname_n, struct lxf_err *err)
{
	char b[BOUNDARY_MAX + 1], delim[BOUNDARY_MAX + 8], name[32], file[256];
	const char *base = MAP_FAILED, *p, *end;
	struct stat st;
	size_t len = 0;
	int fd = -1, ret;

	meta[0] = rootfs[0] = '\0';
	ret = boundary_of(ctype, b, err);
	if (ret < 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot read the upload");
		goto out;
	}
	len = (size_t)st.st_size;
	if (len == 0) {
		ret = lxf_err_set(err, LXF_EINVAL, "The image upload is empty");
		goto out;
	}
	if ((base = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot read the upload");
		goto out;
	}
	end = base + len;
	/* The first delimiter has no CRLF before it; every later one does. */
	snprintf(delim, sizeof(delim), "--%s", b);
	p = memmem(base, len, delim, strlen(delim));
	snprintf(delim, sizeof(delim), "\r\n--%s", b);
	if (!p) {
		ret = lxf_err_set(err, LXF_EINVAL, "multipart upload without parts");
		goto out;
	}
	p += strlen(delim) - 2;
	for (;;) {
		const char *hdr, *hend, *body, *next;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break; /* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			ret = lxf_err_set(err, LXF_EINVAL, "bad multipart delimiter");
			goto out;
		}
		hdr = p + 2;
		hend = memmem(
		    hdr, (size_t)(end - hdr) < PART_HDR_MAX ? (size_t)(end - hdr) : PART_HDR_MAX,
		    "\r\n\r\n", 4);
		if (!hend) {
			ret = lxf_err_set(err, LXF_EINVAL, "bad multipart part header");
			goto out;
		}
		body = hend + 4;
		next = memmem(body, (size_t)(end - body), delim, strlen(delim));
		if (!next) {
			ret = lxf_err_set(err, LXF_EINVAL, "multipart upload cut short");
			goto out;
		}
		disposition_param(hdr, (size_t)(hend - hdr), "name", name, sizeof(name));
		disposition_param(hdr, (size_t)(hend - hdr), "filename", file, sizeof(file));
		if (strcmp(name, "metadata") == 0 && !meta[0])
			ret = save_part(body, (size_t)(next - body), meta, err);
		else if (strcmp(name, "rootfs") == 0 && !rootfs[0])
			ret = save_part(body, (size_t)(next - body), rootfs, err);
		else if (strcmp(name, "rootfs.img") == 0)
			ret = lxf_err_set(err, LXF_ENOTSUP,
					  "Virtual machine images are not supported");
		else
			ret =
			    lxf_err_set(err, LXF_EINVAL, "Unexpected multipart part \"%s\"", name);
		if (ret < 0)
			goto out;
		if (strcmp(name, "metadata") == 0 && fname && !fname[0])
			snprintf(fname, fname_n, "%s", file);
		p = next + strlen(delim);
	}
	if (!meta[0] || !rootfs[0])
		ret =
		    lxf_err_set(err, LXF_EINVAL,
				"A split image upload needs a \"metadata\" and a \"rootfs\" part");
out:
	if (base != MAP_FAILED)
		munmap((void *)base, len);
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		if (meta[0])
			unlink(meta);
		if (rootfs[0])
			unlink(rootfs);
		meta[0] = rootfs[0] = '\0';
	}
	return ret;
}

int api_image_split_upload(struct http_req *req, char meta[PATH_MAX], char rootfs[PATH_MAX],
			   struct lxf_err *err)
{
	return api_image_split_file(req->upload_path, req->content_type, meta, rootfs,
				    req->x_filename, sizeof(req->x_filename), err);
}

/* ---- export ---- */

static pthread_once_t boundary_once = PTHREAD_ONCE_INIT;
/* "multipart/form-data; boundary=" and 32 random hex digits, made once:
 * the reply's content type must outlive the handler. */
static char export_ctype[64];

static void boundary_init(void)
{
	unsigned char rnd[16] = {0};
	char hex[33];

	(void)RAND_bytes(rnd, sizeof(rnd));
	lxf_hex(rnd, sizeof(rnd), hex);
	snprintf(export_ctype, sizeof(export_ctype), "multipart/form-data; boundary=%s", hex);
}

/* The file name extension LXD gives a file of this kind (shared.DetectCompression). */
static const char *file_ext(const char *path)
{
	unsigned char m[6] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, m, sizeof(m)) < 0)
			m[0] = 0;
		close(fd);
	}
	if (!memcmp(m, "hsqs", 4))
		return ".squashfs";
	if (!memcmp(m,
		    "\xfd"
		    "7zXZ",
		    5))
		return ".tar.xz";
	if (m[0] == 0x1f && m[1] == 0x8b)
		return ".tar.gz";
	if (!memcmp(m, "BZh", 3))
		return ".tar.bz2";
	if (!memcmp(m, "\x28\xb5\x2f\xfd", 4))
		return ".tar.zst";
	return ".tar";
}

/* One part's header and then file src, appended to out. */
static int add_part(int out, const char *bnd, const char *name, const char *fname, const char *src,
		    struct lxf_err *err)
{
	char hdr[512];
	struct stat st;
	int in = open(src, O_RDONLY | O_CLOEXEC), n, ret = 0;
	off_t off = 0;

	if (in < 0 || fstat(in, &st) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot open image file");
		goto out;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
		     "Content-Type: application/octet-stream\r\n\r\n",
		     bnd, name, fname);
	ret = write_all(out, hdr, (size_t)n, err);
	while (ret == 0 && off < st.st_size) {
		ssize_t w = sendfile(out, in, &off, (size_t)(st.st_size - off));
		if (w <= 0)
			ret = lxf_err_sys(err, LXF_EIO, w < 0 ? errno : EIO,
					  "Cannot copy image file");
	}
	if (ret == 0)
		ret = write_all(out, "\r\n", 2, err);
out:
	if (in >= 0)
		close(in);
	return ret;
}

int api_image_export_split(struct http_req *req, const char *fp, const char *path,
			   const char *rootfs, struct lxf_err *err)
{
	char tmp[PATH_MAX], meta_name[128], root_name[128], tail[128];
	const char *bnd;
	int fd, ret;

	pthread_once(&boundary_once, boundary_init);
	bnd = strchr(export_ctype, '=') + 1;
	/* Named as LXD names them: meta-FP.EXT and FP.EXT. */
	snprintf(meta_name, sizeof(meta_name), "meta-%s%s", fp, file_ext(path));
	snprintf(root_name, sizeof(root_name), "%s%s", fp, file_ext(rootfs));
	fd = api_temp_in_images(tmp, sizeof(tmp), "export", err);
	if (fd < 0)
		return fd;
	unlink(tmp); /* open until the reply is sent, then gone */
	ret = add_part(fd, bnd, "metadata", meta_name, path, err);
	if (ret == 0)
		ret = add_part(fd, bnd, "rootfs", root_name, rootfs, err);
	if (ret == 0) {
		int n = snprintf(tail, sizeof(tail), "--%s--\r\n", bnd);
		ret = write_all(fd, tail, (size_t)n, err);
	}
	if (ret == 0 && lseek(fd, 0, SEEK_SET) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot rewind the export");
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return reply_sync_fd(req, fd, export_ctype, "image file", err);
}
