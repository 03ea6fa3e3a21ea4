/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TEST_CLI_RUN_H
#define LXF_TEST_CLI_RUN_H
/*
 * What the CLI unit tests (test_cmd.c, test_migrate_cli.c) share: a
 * config.yml of their own in a temporary directory, and "lxf ARGS..." run
 * in the test's process with its output kept. Header-only: each test is
 * one program. Include after <cmocka.h>.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"

/*
 * Makes the directory dir (a mkdtemp template, rewritten) holding yml as
 * config.yml, and points LXF_CONF at it; LXF_DIR and PATH lead nowhere so
 * that no local lxfd answers and no helper program is found. Returns 0 or -1.
 */
static inline int cli_conf_setup(char *dir, const char *yml)
{
	char path[256];
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	(void)snprintf(path, sizeof(path), "%s/config.yml", dir);
	f = fopen(path, "we");
	if (!f)
		return -1;
	(void)fputs(yml, f);
	if (fclose(f) != 0)
		return -1;
	if (setenv("LXF_CONF", dir, 1) || setenv("LXF_DIR", "/nonexistent/lxf-test", 1) ||
	    setenv("PATH", "/nonexistent/lxf-test", 1))
		return -1;
	return 0;
}

/* Removes what cli_conf_setup made. Returns 0 or -1. */
static inline int cli_conf_teardown(const char *dir)
{
	char cmd[512];

	(void)snprintf(cmd, sizeof(cmd), "/bin/rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Runs "lxf argv[0] ..." (NULL-ended, at most 14 words) through
 * lxf_cmd_run; what it writes to stderr, and to stdout too with
 * with_stdout, is kept in buf (len bytes, NUL-ended). Returns the exit status.
 */
static inline int cli_run(char *buf, size_t len, bool with_stdout, const char *const *argv)
{
	char *v[16] = {"lxf"};
	int argc = 1, fd, saved1, saved2, st;
	ssize_t n;

	for (; argv[argc - 1] && argc < 15; argc++)
		v[argc] = (char *)argv[argc - 1];
	v[argc] = NULL;
	(void)fflush(stdout);
	(void)fflush(stderr);
	fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved1 = fcntl(1, F_DUPFD_CLOEXEC, 0);
	saved2 = fcntl(2, F_DUPFD_CLOEXEC, 0);
	assert_true(saved1 >= 0 && saved2 >= 0);
	assert_true(dup2(fd, 2) == 2);
	if (with_stdout)
		assert_true(dup2(fd, 1) == 1);
	st = lxf_cmd_run(argc, v);
	(void)fflush(stdout);
	(void)fflush(stderr);
	assert_true(dup2(saved1, 1) == 1 && dup2(saved2, 2) == 2);
	(void)close(saved1);
	(void)close(saved2);
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	(void)close(fd);
	return st;
}

#endif
