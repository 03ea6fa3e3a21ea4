/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-image: the libarchive work of lxfd's image store in a short-lived
 * process, so that lxfd never maps libarchive and what it pulls in. lxfd
 * runs it from a worker thread (image.c, helper.c):
 *   lxfd-image validate TARBALL
 *   lxfd-image unpack TARBALL ROOTFS_DIR UID_SHIFT GID_SHIFT
 * and reads one JSON answer on stdout (see helper.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

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
 * changed parent pid.
 */
static int die_with_parent(void)
{
	pid_t parent = getppid();

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	return getppid() != parent ? -1 : 0;
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
	if (argc == 3 && !strcmp(argv[1], "validate")) {
		ret = img_tar_validate(argv[2], &meta, &err);
	} else if (argc == 6 && !strcmp(argv[1], "unpack")) {
		if (parse_ulong(argv[4], &us) || parse_ulong(argv[5], &gs))
			ret = lxf_err_set(&err, LXF_EINVAL, "bad id shift '%s' '%s'", argv[4],
					  argv[5]);
		else
			ret = img_tar_unpack(argv[2], argv[3], us, gs, &err);
	} else {
		fprintf(stderr,
			"Usage: lxfd-image validate TARBALL\n"
			"       lxfd-image unpack TARBALL ROOTFS_DIR UID_SHIFT GID_SHIFT\n");
		return 2;
	}
	if (lxfd_helper_answer(ret, &err, meta) < 0)
		ret = -1;
	json_object_put(meta);
	return ret ? 1 : 0;
}
