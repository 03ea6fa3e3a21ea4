/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-image: the libarchive work of lxfd's image store in a short-lived
 * process, so that lxfd never maps libarchive and what it pulls in. lxfd
 * runs it from a worker thread (image.c, helper.c):
 *   lxfd-image validate TARBALL [ROOTFS]
 *   lxfd-image unpack TARBALL ROOTFS_DIR UID_SHIFT GID_SHIFT [PREFIX [UID_BASE GID_BASE]]
 *   lxfd-image unpack-split ROOTFS ROOTFS_DIR UID_SHIFT GID_SHIFT
 *   lxfd-image pack OUT COMPRESSION UID_SHIFT GID_SHIFT SRC NAME [SRC NAME]...
 *   lxfd-image backup-read TARBALL
 * and reads one JSON answer on stdout (see helper.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "backup_tar.h"
#include "helper.h"
#include "image_tar.h"

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end = NULL;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !s[0] || *end || errno || s[0] == '-' ? -1 : 0;
}

/*
 * Dies with lxfd. A helper that outlived a killed lxfd went on unpacking
 * into containers/NAME after the next lxfd's recovery had removed the
 * half-made instance: libarchive re-makes missing parents, so the
 * directory came back without a row and blocked the name for good
 * (test-torture). The death signal follows the spawning thread, which
 * waits for this answer, so it fires only when lxfd is gone; a parent
 * that died between our first instruction and the prctl is seen as a
 * changed parent pid. One that died before it (during the exec, the
 * loader's and ASan's start) is no longer our parent to compare with,
 * but it has closed the pipe it reads our answer from: without that
 * check the helper unpacked into image-cache/ while the next lxfd
 * emptied it, whose start then failed on "Directory not empty".
 */
static int die_with_parent(void)
{
	struct pollfd out = {.fd = STDOUT_FILENO, .events = POLLOUT};
	pid_t parent = getppid();

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	if (poll(&out, 1, 0) == 1 && (out.revents & POLLERR))
		return -1; /* a pipe without its reader */
	return getppid() != parent ? -1 : 0;
}

/* pack OUT COMPRESSION UID_SHIFT GID_SHIFT SRC NAME [SRC NAME]... */
static int pack(int argc, char **argv, struct lxf_err *err)
{
	struct bk_pack p = {.out = argv[2], .compression = argv[3]};

	if (parse_ulong(argv[4], &p.uid_shift) || parse_ulong(argv[5], &p.gid_shift))
		return lxf_err_set(err, LXF_EINVAL, "bad id shift '%s' '%s'", argv[4], argv[5]);
	/* argv's pairs, read in place as {source, name} rows. */
	p.items = (const char *(*)[2])(void *)(argv + 6);
	p.n = (size_t)(argc - 6) / 2;
	return bk_tar_pack(&p, err);
}

int main(int argc, char **argv)
{
	struct json_object *meta = NULL;
	struct lxf_err err;
	unsigned long us = 0, gs = 0;
	int ret;

	lxf_err_clear(&err);
	if (die_with_parent() < 0)
		return 1;
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "validate")) {
		ret = img_tar_validate_split(argv[2], argc == 4 ? argv[3] : NULL, &meta, &err);
	} else if (argc == 3 && !strcmp(argv[1], "backup-read")) {
		ret = bk_tar_read(argv[2], &meta, &err);
	} else if (argc >= 8 && argc % 2 == 0 && !strcmp(argv[1], "pack")) {
		ret = pack(argc, argv, &err);
	} else if ((argc == 6 || argc == 7 || argc == 9) && !strncmp(argv[1], "unpack", 6) &&
		   (!strcmp(argv[1] + 6, "") || (argc == 6 && !strcmp(argv[1] + 6, "-split")))) {
		struct img_from from = {argc > 6 ? argv[6] : NULL, 0, 0, argv[1][6] != '\0'};

		if (parse_ulong(argv[4], &us) || parse_ulong(argv[5], &gs) ||
		    (argc == 9 && (parse_ulong(argv[7], &from.uid_base) ||
				   parse_ulong(argv[8], &from.gid_base))))
			ret = lxf_err_set(&err, LXF_EINVAL, "bad id shift '%s' '%s'", argv[4],
					  argv[5]);
		else
			ret = img_tar_unpack_from(argv[2], &from, argv[3], us, gs, &err);
	} else {
		fprintf(stderr,
			"Usage: lxfd-image validate TARBALL [ROOTFS]\n"
			"       lxfd-image unpack TARBALL ROOTFS_DIR UID_SHIFT GID_SHIFT [PREFIX "
			"[UID_BASE "
			"GID_BASE]]\n"
			"       lxfd-image unpack-split ROOTFS ROOTFS_DIR UID_SHIFT GID_SHIFT\n"
			"       lxfd-image pack OUT COMPRESSION UID_SHIFT GID_SHIFT SRC NAME...\n"
			"       lxfd-image backup-read TARBALL\n");
		return 2;
	}
	if (lxfd_helper_answer(ret, &err, meta) < 0)
		ret = -1;
	json_object_put(meta);
	return ret ? 1 : 0;
}
