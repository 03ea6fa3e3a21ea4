/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_SSTREAMS_H
#define LXF_SSTREAMS_H

#include <json-c/json.h>

#include "err.h"

/*
 * Simplestreams image servers as LXD reads them (`lxc launch images:...`):
 * streams/v1/index.json names the products catalogues (datatype
 * "image-downloads"); each product (os, release, arch, aliases) has
 * versions (named by date, "20261207_00:00") whose items are the files: a
 * unified tarball (ftype "lxd_combined.tar.gz"), or a metadata tarball
 * ("lxd.tar.xz") with a rootfs ("squashfs" or "root.tar.xz") whose
 * combined sha256 (combined_squashfs_sha256, combined_rootxz_sha256) is the
 * image's fingerprint. Pure JSON work, shared by lxfd (which downloads
 * the files) and lxf (which lists the images).
 */

/* Path of the index, relative to the server URL. */
#define LXF_SS_INDEX "streams/v1/index.json"

/*
 * The catalogue paths that index lists (datatype "image-downloads"): a new
 * array of strings into *out. -LXF_EINVAL naming what is wrong when index
 * is not a simplestreams index or lists none.
 */
int lxf_ss_index_paths(struct json_object *index, struct json_object **out, struct lxf_err *err);

/*
 * The container images of catalogue cat, as LXD's client shows them: a
 * new array of Image objects {fingerprint, architecture (LXD's name),
 * size, filename, created_at, uploaded_at (seconds), public: true, type,
 * properties {os, release, architecture, serial, description, variant,
 * type}, aliases [{name, description}]}, each with "files": [{path,
 * sha256, size}], the metadata first. Virtual-machine items and unknown
 * architectures are skipped. Sorted newest first, a squashfs rootfs before
 * a tarball one before a unified image; each product alias goes to the
 * first image of local_arch that has it, ALIAS/ARCH to the first of ARCH
 * (LXD's short and medium aliases). -LXF_EINVAL when cat is not a
 * catalogue.
 */
int lxf_ss_images(struct json_object *cat, const char *local_arch, struct json_object **out,
		  struct lxf_err *err);

/*
 * The image of images (lxf_ss_images') named by alias (one of its aliases)
 * or, when alias is NULL or "", by fingerprint fp (a prefix). Borrowed, or
 * NULL.
 */
struct json_object *lxf_ss_find(struct json_object *images, const char *alias, const char *fp);

/* LXD's architecture name of simplestreams' (Debian's) name s ("amd64" ->
 * "x86_64"); NULL when unknown. */
const char *lxf_ss_arch(const char *s);

#endif
