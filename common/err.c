/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one table mapping lxf error codes to a name, a human text, the HTTP
 * status the daemon answers with and the exit status of the CLI, plus the
 * helpers that fill a struct lxf_err.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

struct err_row {
	const char *name;
	const char *text;
	int http;
	int exit;
};

static const struct err_row err_table[LXF_CODE_MAX] = {
    [LXF_OK] = {"OK", "success", 200, 0},
    [LXF_EINVAL] = {"EINVAL", "invalid argument", 400, 1},
    [LXF_ENOENT] = {"ENOENT", "not found", 404, 1},
    [LXF_EEXIST] = {"EEXIST", "already exists", 409, 1},
    [LXF_EBUSY] = {"EBUSY", "busy", 409, 1},
    [LXF_EPERM] = {"EPERM", "not allowed", 403, 1},
    [LXF_ENOMETHOD] = {"ENOMETHOD", "method not allowed", 405, 1},
    [LXF_ETOOBIG] = {"ETOOBIG", "too large", 413, 1},
    [LXF_EPRECOND] = {"EPRECOND", "precondition failed", 412, 1},
    [LXF_ENOTSUP] = {"ENOTSUP", "not implemented", 501, 1},
    [LXF_ENOMEM] = {"ENOMEM", "out of memory", 500, 1},
    [LXF_EIO] = {"EIO", "input/output error", 500, 1},
    [LXF_EINTERNAL] = {"EINTERNAL", "internal error", 500, 1},
    [LXF_EUNAVAIL] = {"EUNAVAIL", "unavailable", 503, 1},
    [LXF_ETIMEDOUT] = {"ETIMEDOUT", "timed out", 504, 1},
    [LXF_ECANCELED] = {"ECANCELED", "cancelled", 500, 1},
    [LXF_EUSAGE] = {"EUSAGE", "usage error", 400, 2},
    [LXF_EPARTIAL] = {"EPARTIAL", "partial failure", 500, 3},
};

/* Codes are accepted positive or negative: callers often hold the return value. */
static const struct err_row *err_row(int code)
{
	if (code < 0 && code > -LXF_CODE_MAX)
		code = -code;
	if (code < 0 || code >= LXF_CODE_MAX)
		code = LXF_EINTERNAL;
	return &err_table[code];
}

static int err_norm(int code)
{
	if (code < 0)
		code = -code;
	if (code <= 0 || code >= LXF_CODE_MAX)
		code = LXF_EINTERNAL;
	return code;
}

void lxf_err_clear(struct lxf_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

int lxf_err_vset(struct lxf_err *err, int code, const char *fmt, va_list ap)
{
	code = err_norm(code);
	if (err) {
		err->code = code;
		err->sys_errno = 0;
		if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
			(void)snprintf(err->msg, sizeof(err->msg), "%s", err_row(code)->text);
	}
	return -code;
}

int lxf_err_set(struct lxf_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = lxf_err_vset(err, code, fmt, ap);
	va_end(ap);
	return ret;
}

int lxf_err_sys(struct lxf_err *err, int code, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	int ret;
	size_t len;

	va_start(ap, fmt);
	ret = lxf_err_vset(err, code, fmt, ap);
	va_end(ap);
	if (!err)
		return ret;
	err->sys_errno = sys_errno;
	len = strlen(err->msg);
	if (sys_errno && len < sizeof(err->msg))
		(void)snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(sys_errno));
	return ret;
}

/* Appends s to dst (holding *len bytes) without passing size - 1 bytes. */
static void err_append(char *dst, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
}

void lxf_err_prefix(struct lxf_err *err, const char *fmt, ...)
{
	char old[LXF_ERR_MSG_MAX];
	char pre[LXF_ERR_MSG_MAX];
	size_t len = 0;
	va_list ap;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	err->msg[0] = '\0';
	err_append(err->msg, sizeof(err->msg), &len, pre);
	err_append(err->msg, sizeof(err->msg), &len, ": ");
	err_append(err->msg, sizeof(err->msg), &len, old);
}

const char *lxf_code_name(int code)
{
	return err_row(code)->name;
}

const char *lxf_code_text(int code)
{
	return err_row(code)->text;
}

int lxf_code_http(int code)
{
	return err_row(code)->http;
}

int lxf_code_exit(int code)
{
	return err_row(code)->exit;
}

int lxf_code_from_http(int http_status)
{
	switch (http_status) {
	case 400:
		return LXF_EINVAL;
	case 403:
		return LXF_EPERM;
	case 404:
		return LXF_ENOENT;
	case 405:
		return LXF_ENOMETHOD;
	case 409:
		return LXF_EEXIST;
	case 412:
		return LXF_EPRECOND;
	case 413:
		return LXF_ETOOBIG;
	case 501:
		return LXF_ENOTSUP;
	case 503:
		return LXF_EUNAVAIL;
	case 504:
		return LXF_ETIMEDOUT;
	default:
		break;
	}
	if (http_status >= 200 && http_status < 400)
		return LXF_OK;
	return LXF_EINTERNAL;
}
