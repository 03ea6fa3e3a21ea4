/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_ERR_H
#define LXF_ERR_H

#include <stdarg.h>

/*
 * Error codes shared by daemon, CLI and TUI. Functions return 0 on success
 * or a negative lxf_code (-LXF_ENOENT) and describe the failure in a
 * struct lxf_err. One table (err.c) maps each code to its text, the HTTP
 * status the daemon answers with and the exit status the CLI ends with.
 */
enum lxf_code {
	LXF_OK = 0,
	LXF_EINVAL,    /* bad input: 400, exit 1 */
	LXF_ENOENT,    /* not found: 404, exit 1 */
	LXF_EEXIST,    /* already exists: 409, exit 1 */
	LXF_EBUSY,     /* conflicting state (running, in use): 409 */
	LXF_EPERM,     /* not allowed: 403 */
	LXF_ENOMETHOD, /* method not allowed: 405 */
	LXF_ETOOBIG,   /* over a size cap: 413 */
	LXF_EPRECOND,  /* ETag mismatch: 412 */
	LXF_ENOTSUP,   /* not implemented: 501 */
	LXF_ENOMEM,    /* out of memory: 500 */
	LXF_EIO,       /* system or I/O error: 500 */
	LXF_EINTERNAL, /* bug or unexpected state: 500 */
	LXF_EUNAVAIL,  /* remote unreachable or not answering: 503 */
	LXF_ETIMEDOUT, /* gave up waiting: 504 */
	LXF_ECANCELED, /* cancelled by the user: 500 */
	LXF_EUSAGE,    /* command-line usage: exit 2 */
	LXF_EPARTIAL,  /* some remotes failed, others answered: exit 3 */
	LXF_CODE_MAX
};

#define LXF_ERR_MSG_MAX 256

struct lxf_err {
	int code;      /* an enum lxf_code, positive */
	int sys_errno; /* errno at the failure, 0 when none */
	char msg[LXF_ERR_MSG_MAX];
};

/* Clears err (NULL allowed). */
void lxf_err_clear(struct lxf_err *err);

/*
 * Fills err (NULL allowed) with code and a printf-style message and returns
 * -code, so that "return lxf_err_set(err, LXF_EINVAL, ...);" reads well.
 */
int lxf_err_set(struct lxf_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int lxf_err_vset(struct lxf_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* As lxf_err_set, appending ": strerror(sys_errno)" and keeping sys_errno. */
int lxf_err_sys(struct lxf_err *err, int code, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepends "prefix: " to err->msg, keeping code (for context up the stack). */
void lxf_err_prefix(struct lxf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Table look-ups; an out-of-range code maps to LXF_EINTERNAL's row. */
const char *lxf_code_name(int code); /* "ENOENT" */
const char *lxf_code_text(int code); /* "not found" */
int lxf_code_http(int code);         /* 404 */
int lxf_code_exit(int code);         /* 1 */

/* The code for an HTTP error status received from a server (404 -> ENOENT). */
int lxf_code_from_http(int http_status);

#endif
