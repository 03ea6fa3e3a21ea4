/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image store: unified image tarballs kept as uploaded under
 * DIR/images/<sha256>, checked before they are accepted and unpacked
 * (rootfs/ only, ids shifted) when a container is made from them. The
 * sha256 is computed here; the tarball work runs in the lxfd-image helper
 * (image_tar.c), so that lxfd never maps libarchive: it and what it pulls
 * in (xml2, ICU, lzma, zstd...) cost several MB of resident memory.
 */
#include "image.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "backup.h"
#include "file.h"
#include "helper.h"
#include "hex.h"

#define READ_BLOCK (64 * 1024)
/* DIR/image-cache/<fp>-<uid shift>-<gid shift>: unpacked rootfs trees. */
#define CACHE_DIR "image-cache"
/* The helper's answer: metadata.yaml is capped at 1 MiB there, as JSON a bit more. */
#define ANSWER_MAX (4u << 20)

static bool valid_fp(const char *fp)
{
	size_t n = 0;

	for (; fp[n]; n++)
		if (!isxdigit((unsigned char)fp[n]) || isupper((unsigned char)fp[n]))
			return false;
	return n == IMG_FP_LEN;
}

int img_path(const char *dir, const char *fp, char *buf, size_t n)
{
	int len;

	if (!valid_fp(fp))
		return -LXF_EINVAL;
	len = snprintf(buf, n, "%s/images/%s", dir, fp);
	return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
}

int img_remove(const char *dir, const char *fp, struct lxf_err *err)
{
	char path[PATH_MAX];

	if (img_path(dir, fp, path, sizeof(path)))
		return lxf_err_set(err, LXF_EINVAL, "bad image fingerprint '%s'", fp);
	if (unlink(path) && errno != ENOENT)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot remove image %s", fp);
	if (strlen(path) + sizeof(IMG_ROOTFS_SUFFIX) <= sizeof(path)) {
		strcat(path, IMG_ROOTFS_SUFFIX);
		if (unlink(path) && errno != ENOENT)
			return lxf_err_sys(err, LXF_EIO, errno, "cannot remove image %s", fp);
	}
	return 0;
}

int img_rootfs_file(const char *path, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s" IMG_ROOTFS_SUFFIX, path);

	if (len < 0 || (size_t)len >= n)
		return -LXF_EINVAL;
	return access(buf, F_OK) == 0 ? 1 : 0;
}

/* The sha256 of the files fds[0..n) read one after the other: LXD's fingerprint of a split image. */
static int sha256_fds(const int *fds, int n, char hex[IMG_FP_LEN + 1], int64_t *size,
		      struct lxf_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *x = NULL;
	char *block = NULL;
	int64_t total = 0;
	int ret = -LXF_ENOMEM;

	x = EVP_MD_CTX_new();
	block = malloc(READ_BLOCK);
	if (!x || !block) {
		lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = lxf_err_set(err, LXF_EINTERNAL, "sha256 failed");
	if (!EVP_DigestInit_ex(x, EVP_sha256(), NULL))
		goto out;
	for (int i = 0; i < n;) {
		ssize_t r = read(fds[i], block, READ_BLOCK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read the image");
			goto out;
		}
		if (!r) {
			i++;
			continue;
		}
		if (!EVP_DigestUpdate(x, block, (size_t)r))
			goto out;
		total += r;
	}
	if (!EVP_DigestFinal_ex(x, md, &mdlen) || mdlen * 2 != IMG_FP_LEN)
		goto out;
	lxf_hex(md, mdlen, hex);
	*size = total;
	lxf_err_clear(err);
	ret = 0;
out:
	EVP_MD_CTX_free(x);
	free(block);
	return ret;
}

/* Runs lxfd-image validate (of a split image when rootfs): *meta_out (new ref) is metadata.yaml as JSON. */
static int validate_tarball(const char *path, const char *rootfs, struct json_object **meta_out,
			    struct lxf_err *err)
{
	char *const argv[] = {"lxfd-image", "validate", (char *)path, (char *)rootfs, NULL};
	struct json_object *ans = NULL, *meta = NULL;
	int ret;

	ret = lxfd_helper_run("lxfd-image", argv, ANSWER_MAX, &ans, err);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(ans, "metadata", &meta) ||
	    !json_object_is_type(meta, json_type_object)) {
		json_object_put(ans);
		return lxf_err_set(err, LXF_EINTERNAL, "lxfd-image gave no metadata");
	}
	*meta_out = json_object_get(meta);
	json_object_put(ans);
	return 0;
}

int img_import_split(const char *dir, const char *tmp_path, const char *rootfs_tmp,
		     const char *expected_fp, char fp_out[IMG_FP_LEN + 1],
		     struct json_object **metadata_out, int64_t *size_out, struct lxf_err *err)
{
	struct json_object *meta = NULL;
	char fp[IMG_FP_LEN + 1] = "", dest[PATH_MAX], rdest[PATH_MAX] = "";
	int64_t size = 0;
	int fds[2] = {-1, -1};
	int ret;

	fds[0] = open(tmp_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fds[0] < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot open %s", tmp_path);
		goto out;
	}
	if (rootfs_tmp && (fds[1] = open(rootfs_tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot open %s", rootfs_tmp);
		goto out;
	}
	ret = sha256_fds(fds, rootfs_tmp ? 2 : 1, fp, &size, err);
	if (ret)
		goto out;
	if (expected_fp && *expected_fp && strcasecmp(expected_fp, fp)) {
		ret = lxf_err_set(err, LXF_EINVAL, "fingerprint mismatch: got %s, expected %s", fp,
				  expected_fp);
		goto out;
	}
	ret = validate_tarball(tmp_path, rootfs_tmp, &meta, err);
	if (ret)
		goto out;
	if (img_path(dir, fp, dest, sizeof(dest)) ||
	    (rootfs_tmp && img_rootfs_file(dest, rdest, sizeof(rdest)) < 0)) {
		ret = lxf_err_set(err, LXF_EINVAL, "image directory path too long");
		goto out;
	}
	/* The rootfs first: a stored DIR/images/<fp> is always whole. A kill
	 * between the two leaves a .rootfs without its image, which the
	 * next import of it replaces. */
	if (rootfs_tmp && rename(rootfs_tmp, rdest)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot store image %s", fp);
		goto out;
	}
	/* NOREPLACE: two uploads of the same image race safely, one gets EEXIST. */
	if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, dest, RENAME_NOREPLACE)) {
		if (errno == EEXIST)
			ret = lxf_err_set(err, LXF_EEXIST, "image %s already exists", fp);
		else
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot store image %s", fp);
		goto out;
	}
	if (metadata_out) {
		*metadata_out = meta;
		meta = NULL;
	}
	if (size_out)
		*size_out = size;
	ret = 0;
out:
	if (ret) {
		(void)unlink(tmp_path);
		if (rootfs_tmp)
			(void)unlink(rootfs_tmp);
	}
	if (fp_out)
		memcpy(fp_out, fp, sizeof(fp));
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	json_object_put(meta);
	return ret;
}

int img_import(const char *dir, const char *tmp_path, const char *expected_fp,
	       char fp_out[IMG_FP_LEN + 1], struct json_object **metadata_out, int64_t *size_out,
	       struct lxf_err *err)
{
	return img_import_split(dir, tmp_path, NULL, expected_fp, fp_out, metadata_out, size_out,
				err);
}

int img_unpack_rootfs(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		      unsigned long gid_shift, struct lxf_err *err)
{
	static const unsigned long unshifted[2] = {0, 0};
	char rootfs[PATH_MAX], us[32], gs[32];
	char *const argv[] = {"lxfd-image", "unpack-split", rootfs, (char *)rootfs_dir, us, gs,
			      NULL};
	struct stat st;
	int ret;

	if (img_rootfs_file(path, rootfs, sizeof(rootfs)) != 1)
		/* The whole tarball's rootfs/: a backup's part with no prefix. */
		return bk_unpack(path, NULL, unshifted, rootfs_dir, uid_shift, gid_shift, err);
	if (lstat(rootfs_dir, &st) == 0)
		return lxf_err_set(err, LXF_EEXIST, "cannot make %s: it exists", rootfs_dir);
	snprintf(us, sizeof(us), "%lu", uid_shift);
	snprintf(gs, sizeof(gs), "%lu", gid_shift);
	ret = lxfd_helper_run("lxfd-image", argv, ANSWER_MAX, NULL, err);
	if (ret && ret != -LXF_EEXIST)
		(void)lxf_rm_rf(rootfs_dir, NULL);
	return ret;
}

/*
 * The unpacked-rootfs cache. Unpacking (in lxfd-image, with every entry
 * checked) costs far more than copying a tree, so each (image, id shift)
 * is unpacked once into DIR/image-cache/ (0700: root's alone, the
 * containers' ids cannot reach in) and each create copies it. Readers
 * (a create making or copying an entry) share cache_lock; a drop takes it
 * alone, so that no cp ever reads a tree being removed (it would copy the
 * emptied directories and succeed) and no create re-adds the entry of an
 * image being deleted.
 */
static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;

static int cache_dir(const char *dir, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s/" CACHE_DIR, dir);

	return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
}

int img_cache_reset(const char *dir, struct lxf_err *err)
{
	char path[PATH_MAX];
	int ret;

	if (cache_dir(dir, path, sizeof(path)))
		return lxf_err_set(err, LXF_EINVAL, "state directory path too long");
	/* Whole: half-made entries of a killed lxfd, and entries unpacked by
	 * an older lxfd whose checks may have been fewer. */
	ret = lxf_rm_rf(path, err);
	if (!ret && mkdir(path, 0700))
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot make %s", path);
	return ret;
}

/* Unpacks image path into the cache entry; a concurrent maker's copy wins. */
static int cache_make(const char *dir, const char *path, const char *entry, unsigned long us,
		      unsigned long gs, struct lxf_err *err)
{
	char top[PATH_MAX], tmp[PATH_MAX], sub[PATH_MAX];
	int ret;

	if (cache_dir(dir, top, sizeof(top)) ||
	    snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", top) >= (int)sizeof(tmp))
		return lxf_err_set(err, LXF_EINVAL, "state directory path too long");
	if (mkdir(top, 0700) && errno != EEXIST)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot make %s", top);
	if (!mkdtemp(tmp))
		return lxf_err_sys(err, LXF_EIO, errno, "cannot make a directory in %s", top);
	if (snprintf(sub, sizeof(sub), "%s/rootfs", tmp) >= (int)sizeof(sub)) {
		(void)rmdir(tmp);
		return lxf_err_set(err, LXF_EINVAL, "state directory path too long");
	}
	ret = img_unpack_rootfs(path, sub, us, gs, err);
	if (!ret && renameat2(AT_FDCWD, sub, AT_FDCWD, entry, RENAME_NOREPLACE) && errno != EEXIST)
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot store %s", entry);
	(void)lxf_rm_rf(tmp, NULL);
	return ret;
}

int img_rootfs_make(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		    unsigned long gid_shift, struct lxf_err *err)
{
	char dir[PATH_MAX], top[PATH_MAX], entry[PATH_MAX];
	const char *fp = strrchr(path, '/');
	struct stat st;
	int ret;

	/* Only stored images (DIR/images/<fp>) are cached. */
	if (!fp || !valid_fp(fp + 1) || backend_dir(dir, sizeof(dir)) ||
	    img_path(dir, fp + 1, top, sizeof(top)) || strcmp(top, path) != 0)
		return img_unpack_rootfs(path, rootfs_dir, uid_shift, gid_shift, err);
	if (lstat(rootfs_dir, &st) == 0)
		return lxf_err_set(err, LXF_EEXIST, "cannot make %s: it exists", rootfs_dir);
	if (cache_dir(dir, top, sizeof(top)) ||
	    snprintf(entry, sizeof(entry), "%s/%s-%lu-%lu", top, fp + 1, uid_shift, gid_shift) >=
		(int)sizeof(entry))
		return lxf_err_set(err, LXF_EINVAL, "state directory path too long");
	pthread_rwlock_rdlock(&cache_lock);
	ret = 0;
	if (lstat(entry, &st) != 0)
		ret = cache_make(dir, path, entry, uid_shift, gid_shift, err);
	if (!ret) {
		ret = backend_copy_tree(entry, rootfs_dir, err);
		if (ret)
			(void)lxf_rm_rf(rootfs_dir, NULL);
	}
	pthread_rwlock_unlock(&cache_lock);
	return ret;
}

int img_cache_drop(const char *dir, const char *fp, struct lxf_err *err)
{
	char top[PATH_MAX], trash[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	size_t fplen = strlen(fp);
	struct dirent *e;
	bool trashed = false;
	DIR *d = NULL;
	int ret = 0;

	if (!valid_fp(fp))
		return lxf_err_set(err, LXF_EINVAL, "bad image fingerprint '%s'", fp);
	if (cache_dir(dir, top, sizeof(top)) ||
	    snprintf(trash, sizeof(trash), "%s/.tmp-XXXXXX", top) >= (int)sizeof(trash))
		return lxf_err_set(err, LXF_EINVAL, "state directory path too long");
	pthread_rwlock_wrlock(&cache_lock);
	d = opendir(top);
	if (!d) {
		if (errno != ENOENT)
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", top);
		goto out;
	}
	if (!mkdtemp(trash)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot make a directory in %s", top);
		goto out;
	}
	trashed = true;
	/* Moved aside under the lock, removed after it: creates wait less. */
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, fp, fplen) != 0 || e->d_name[fplen] != '-')
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", top, e->d_name) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", trash, e->d_name) >= (int)sizeof(to))
			continue; /* cannot be one of ours: entries are made to fit */
		if (rename(from, to) && !ret)
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot remove %s", from);
	}
out:
	pthread_rwlock_unlock(&cache_lock);
	if (d)
		closedir(d);
	if (trashed)
		(void)lxf_rm_rf(trash, NULL);
	return ret;
}
