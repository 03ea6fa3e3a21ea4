/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_IMAGE_CHECK_H
#define LXFD_IMAGE_CHECK_H

#include <archive_entry.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * The rules every entry of an image tarball must follow, applied entry by
 * entry while the tarball is read, without extracting anything: at import
 * (lxfd-image validate), so that a bad image never enters the store, and
 * again at each unpack, for images stored before a rule existed. Only the
 * lxfd-image helper links this (image_tar.c).
 *
 * What libarchive's ARCHIVE_EXTRACT_SECURE_* flags refuse when writing to
 * disk is decided here from the names alone: absolute names, ".."
 * components, and names or hard-link targets that go through a symlink an
 * earlier entry made (SECURE_SYMLINKS refuses any such path, in the tree or
 * not; a later entry of the same name replaces the symlink, as libarchive
 * does). Beyond those: rootfs/ itself must be a directory, hard links stay
 * inside rootfs/, device nodes are only those a container may open (the
 * device list of liblxc's common.conf), owners below id_limit.
 */

enum img_part {
	IMG_PART_TOP,    /* the archive's top directory ("./"): nothing to do */
	IMG_PART_META,   /* metadata.yaml */
	IMG_PART_ROOTFS, /* rootfs or under it */
	IMG_PART_OTHER,  /* templates/ and anything else: not unpacked */
};

/* An entry as the checks saw it. */
struct img_entry {
	enum img_part part;
	char path[PATH_MAX]; /* normalised: no "." or empty components, e.g. "rootfs/etc" */
	char link[PATH_MAX]; /* normalised hard-link target, "" when not a hard link */
	char shown[128];     /* the name as in the tarball, for messages: escaped, maybe cut */
};

struct img_check {
	void *symlinks;         /* tsearch(3) tree of malloc'd normalised paths */
	size_t n_symlinks;      /* capped: a tarball of symlinks cannot eat the memory */
	unsigned long id_limit; /* owners must be below it; 0: not checked */
};

/* Starts a pass over one tarball; img_check_fini ends it. */
void img_check_init(struct img_check *c, unsigned long id_limit);

/* Frees what the pass kept. Accepts a zeroed or finished struct. */
void img_check_fini(struct img_check *c);

/*
 * Checks entry e (borrowed) against the rules and what earlier entries made,
 * and fills *ent. Returns 0, or -LXF_EINVAL with err "NAME: why" (NAME the
 * entry's name, escaped), or -LXF_ENOMEM.
 */
int img_check_entry(struct img_check *c, struct archive_entry *e, struct img_entry *ent,
		    struct lxf_err *err);

#endif
