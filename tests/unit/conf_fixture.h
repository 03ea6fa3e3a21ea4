/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TEST_CONF_FIXTURE_H
#define LXF_TEST_CONF_FIXTURE_H
/*
 * What the config.yml unit tests (test_remotes.c, test_groups.c) share: a
 * temporary directory for a config.yml per test, and writing and reading
 * it. Header-only: each test is one program. Include after <cmocka.h>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "file.h"

struct fixture {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/lxf-test-conf-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/config.yml", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	lxf_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* path's text (free()). */
static char *read_text(const char *path)
{
	struct lxf_buf b = {0};

	assert_int_equal(lxf_file_read(path, 1 << 20, &b, NULL), 0);
	return lxf_buf_take(&b);
}

#endif
