/* SPDX-License-Identifier: Apache-2.0 */
/* Finding and running lxfd's helper executables (see helper.h). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"

#define ARGV_MAX 16

extern char **environ;

static int try_path(char *buf, size_t n, const char *dir, const char *sub, const char *name)
{
	int len = snprintf(buf, n, "%s%s/%s", dir, sub, name);

	if (len < 0 || (size_t)len >= n)
		return -1;
	return access(buf, X_OK);
}

int lxfd_helper_path(const char *name, char *buf, size_t n, struct lxf_err *err)
{
	const char *env = getenv("LXF_HELPER_DIR");
	char self[PATH_MAX];
	ssize_t len;
	char *slash;

	if (env && env[0])
		return try_path(buf, n, env, "", name) == 0
			   ? 0
			   : lxf_err_set(err, LXF_ENOENT, "helper %s not found in %s", name, env);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot read /proc/self/exe");
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return lxf_err_set(err, LXF_EINTERNAL, "odd /proc/self/exe '%s'", self);
	*slash = '\0';
	if (try_path(buf, n, self, "", name) == 0 ||
	    try_path(buf, n, self, "/../libexec/lxf", name) == 0)
		return 0;
	return lxf_err_set(err, LXF_ENOENT, "helper %s not found next to %s nor in ../libexec/lxf",
			   name, self);
}

static int read_all(int fd, struct lxf_buf *b, struct lxf_err *err)
{
	char chunk[8192];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxf_err_sys(err, LXF_EIO, errno, "cannot read the helper's answer");
		if (!r)
			return 0;
		if (lxf_buf_add(b, chunk, (size_t)r))
			return lxf_err_set(err, LXF_ETOOBIG, "the helper's answer is too big");
	}
}

/* The helper's JSON answer as a return code, err and *out. */
static int decode(const struct lxf_buf *b, int status, const char *name, struct json_object **out,
		  struct lxf_err *err)
{
	struct json_object *ans = NULL;
	int64_t code = -1, sys = 0;
	const char *msg = NULL;
	int ret;

	if (b->len == 0 || lxf_json_parse(lxf_buf_str(b), b->len, 0, &ans, NULL) < 0 ||
	    lxf_json_get_int(ans, "code", true, &code, NULL) || code < 0 || code >= LXF_CODE_MAX) {
		if (WIFSIGNALED(status))
			ret = lxf_err_set(err, LXF_EINTERNAL, "helper %s died of signal %d", name,
					  WTERMSIG(status));
		else
			ret =
			    lxf_err_set(err, LXF_EINTERNAL, "helper %s gave no answer (status %d)",
					name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	if (code != 0) {
		(void)lxf_json_get_int(ans, "errno", false, &sys, NULL);
		msg = lxf_json_str(ans, "error");
		ret = lxf_err_set(err, (int)code, "%s",
				  msg && msg[0] ? msg : lxf_code_text((int)code));
		if (err)
			err->sys_errno = (int)sys;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		ret = lxf_err_set(err, LXF_EINTERNAL, "helper %s failed after answering", name);
		goto out;
	}
	if (out) {
		*out = ans;
		ans = NULL;
	}
	ret = 0;
out:
	json_object_put(ans);
	return ret;
}

int lxfd_helper_run(const char *name, char *const argv[], size_t cap, struct json_object **out,
		    struct lxf_err *err)
{
	posix_spawn_file_actions_t fa;
	char path[PATH_MAX];
	char *args[ARGV_MAX];
	struct lxf_buf b = {0};
	int fds[2] = {-1, -1};
	bool fa_init = false;
	pid_t pid = -1;
	int ret, status = 0, i, rc;

	if (out)
		*out = NULL;
	lxf_buf_init(&b, cap);
	ret = lxfd_helper_path(name, path, sizeof(path), err);
	if (ret)
		goto out;
	args[0] = path;
	for (i = 1; i < ARGV_MAX - 1 && argv[i]; i++)
		args[i] = argv[i];
	args[i] = NULL;
	if (pipe2(fds, O_CLOEXEC)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot make a pipe");
		goto out;
	}
	/* posix_spawn (vfork-like) is safe from lxfd's threads, unlike fork. */
	if (posix_spawn_file_actions_init(&fa)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	fa_init = true;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, fds[1], 1)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = posix_spawn(&pid, path, &fa, NULL, args, environ);
	if (rc) {
		pid = -1;
		ret = lxf_err_sys(err, LXF_EIO, rc, "cannot run %s", path);
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	ret = read_all(fds[0], &b, err);
	close(fds[0]); /* a helper still writing gets EPIPE and ends */
	fds[0] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (ret == 0)
		ret = decode(&b, status, name, out, err);
out:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	lxf_buf_fini(&b);
	return ret;
}

int lxfd_helper_answer(int ret, const struct lxf_err *err, struct json_object *md)
{
	struct json_object *ans = json_object_new_object();
	int code = ret ? (err && err->code > 0 ? err->code : LXF_EINTERNAL) : 0;
	int rc;

	if (!ans)
		return -1;
	json_object_object_add(ans, "code", json_object_new_int(code));
	if (code) {
		json_object_object_add(ans, "errno", json_object_new_int(err ? err->sys_errno : 0));
		lxf_json_add_str(ans, "error", err && err->msg[0] ? err->msg : lxf_code_text(code));
	} else if (md) {
		json_object_object_add(ans, "metadata", json_object_get(md));
	}
	rc = printf("%s\n", json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN)) < 0 ||
		     fflush(stdout)
		 ? -1
		 : 0;
	json_object_put(ans);
	return rc;
}
