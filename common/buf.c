/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capped growable buffer. The cap is checked before any allocation so that
 * a hostile peer announcing a huge body cannot make us allocate it, and a
 * refused append leaves the buffer exactly as it was.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define BUF_MIN_ALLOC 64

void lxf_buf_init(struct lxf_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void lxf_buf_fini(struct lxf_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void lxf_buf_reset(struct lxf_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL; b unchanged on failure. */
static int buf_reserve(struct lxf_buf *b, size_t n)
{
	size_t need;
	size_t nalloc;
	char *p;

	if (n > SIZE_MAX - 1 - b->len)
		return -LXF_ETOOBIG;
	if (b->cap && b->len + n > b->cap)
		return -LXF_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->alloc)
		return 0;
	nalloc = b->alloc ? b->alloc : BUF_MIN_ALLOC;
	while (nalloc < need) {
		if (nalloc > SIZE_MAX / 2) {
			nalloc = need;
			break;
		}
		nalloc *= 2;
	}
	/* Doubling must not overshoot the cap by much: the cap is the real limit. */
	if (b->cap && b->cap < SIZE_MAX && nalloc > b->cap + 1)
		nalloc = b->cap + 1;
	p = realloc(b->data, nalloc);
	if (!p)
		return -LXF_ENOMEM;
	b->data = p;
	b->alloc = nalloc;
	return 0;
}

int lxf_buf_add(struct lxf_buf *b, const void *p, size_t n)
{
	int ret = buf_reserve(b, n);

	if (ret < 0)
		return ret;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int lxf_buf_addc(struct lxf_buf *b, char c)
{
	return lxf_buf_add(b, &c, 1);
}

int lxf_buf_adds(struct lxf_buf *b, const char *s)
{
	return lxf_buf_add(b, s, strlen(s));
}

/* Formats with one copy of ap per pass: a va_list cannot be walked twice. */
static int buf_vaddf(struct lxf_buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list again;
	int n;
	int ret;

	va_copy(again, ap);
	/* clang-analyzer misreads a va_list parameter passed to glibc's vsnprintf. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		ret = -LXF_EINTERNAL;
		goto out;
	}
	if ((size_t)n < sizeof(small)) {
		ret = lxf_buf_add(b, small, (size_t)n);
		goto out;
	}
	/* Long output: reserve first (cap check), then format in place. */
	ret = buf_reserve(b, (size_t)n);
	if (ret < 0)
		goto out;
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	b->len += (size_t)n;
	b->data[b->len] = '\0';
out:
	va_end(again);
	return ret;
}

int lxf_buf_addf(struct lxf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return ret;
}

const char *lxf_buf_str(const struct lxf_buf *b)
{
	return b->data ? b->data : "";
}

char *lxf_buf_take(struct lxf_buf *b)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
