/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_HELPER_H
#define LXFD_HELPER_H

#include <json-c/json.h>
#include <stddef.h>

#include "err.h"

/*
 * lxfd keeps big libraries out of its own process by running small helper
 * executables: lxfd-admin (the libcurl client subcommands), lxfd-attach
 * (liblxc's attach, which forks its caller; backend_exec.c) and lxfd-image
 * (libarchive). They are looked up in $LXF_HELPER_DIR when set, else next to
 * /proc/self/exe (the build tree, or an install that puts them side by
 * side), else in ../libexec/lxf/ relative to it (the installed layout).
 */

/* Full path of helper name in buf (size n); -LXF_ENOENT when none is found. */
int lxfd_helper_path(const char *name, char *buf, size_t n, struct lxf_err *err);

/*
 * Runs helper name with argv (argv[0] is replaced by the helper's path;
 * NULL-terminated), stdin from /dev/null, stderr inherited, and reads one
 * JSON object (at most cap bytes) from its stdout. The helper's answer is
 * {"code": 0, ...} on success or {"code": N, "errno": E, "error": "msg"}:
 * the latter becomes -N with err filled. *out (new ref, may be NULL) is the
 * whole answer on success. Blocks until the helper exits: call it from a
 * worker thread, never the event loop.
 */
int lxfd_helper_run(const char *name, char *const argv[], size_t cap, struct json_object **out,
		    struct lxf_err *err);

/* For helpers: prints the answer for ret/err (and md on success) to stdout. */
int lxfd_helper_answer(int ret, const struct lxf_err *err, struct json_object *md);

#endif
