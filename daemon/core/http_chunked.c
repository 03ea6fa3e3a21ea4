/* SPDX-License-Identifier: Apache-2.0 */
#include "http_chunked.h"

#include <string.h>

#include "hex.h"

#define CHUNKED_MAX_DIGITS 15 /* 2^60: no overflow of left */
#define CHUNKED_MAX_LINE   4096

enum {
	CH_SIZE,    /* hex digits of a size line */
	CH_EXT,     /* ";name=value" up to CR */
	CH_SIZE_LF, /* LF of a size line */
	CH_DATA,    /* payload */
	CH_DATA_CR, /* CRLF after the payload */
	CH_DATA_LF,
	CH_TRAILER, /* start of a trailer line, or the final CRLF */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_FINAL_LF,
	CH_DONE,
};

void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE;
}

/* One framing byte; returns 0 or -LXF_EINVAL. */
static int frame_byte(struct http_chunked *c, char ch, struct lxf_err *err)
{
	int v;

	switch (c->state) {
	case CH_SIZE:
		v = lxf_hexval(ch);
		if (v >= 0) {
			if (++c->digits > CHUNKED_MAX_DIGITS)
				return lxf_err_set(err, LXF_EINVAL, "Chunk size too large");
			c->left = c->left * 16 + (uint64_t)v;
			return 0;
		}
		if (c->digits == 0)
			return lxf_err_set(err, LXF_EINVAL, "Bad chunk size line");
		if (ch == ';' || ch == ' ' || ch == '\t') {
			c->state = CH_EXT;
			c->line = 0;
			return 0;
		}
		if (ch != '\r')
			return lxf_err_set(err, LXF_EINVAL, "Bad chunk size line");
		c->state = CH_SIZE_LF;
		return 0;
	case CH_EXT:
		if (ch == '\r')
			c->state = CH_SIZE_LF;
		else if (++c->line > CHUNKED_MAX_LINE)
			return lxf_err_set(err, LXF_EINVAL, "Chunk extension too long");
		return 0;
	case CH_SIZE_LF:
		if (ch != '\n')
			return lxf_err_set(err, LXF_EINVAL, "Bad chunk size line");
		c->state = c->left ? CH_DATA : CH_TRAILER;
		return 0;
	case CH_DATA_CR:
		if (ch != '\r')
			return lxf_err_set(err, LXF_EINVAL, "Chunk data not followed by CRLF");
		c->state = CH_DATA_LF;
		return 0;
	case CH_DATA_LF:
		if (ch != '\n')
			return lxf_err_set(err, LXF_EINVAL, "Chunk data not followed by CRLF");
		c->state = CH_SIZE;
		c->digits = 0;
		return 0;
	case CH_TRAILER:
		c->line = 0;
		c->state = ch == '\r' ? CH_FINAL_LF : CH_TRAILER_LINE;
		return 0;
	case CH_TRAILER_LINE:
		if (ch == '\r')
			c->state = CH_TRAILER_LF;
		else if (++c->line > CHUNKED_MAX_LINE)
			return lxf_err_set(err, LXF_EINVAL, "Chunked trailer line too long");
		return 0;
	case CH_TRAILER_LF:
	case CH_FINAL_LF:
		if (ch != '\n')
			return lxf_err_set(err, LXF_EINVAL, "Bad chunked trailer");
		if (c->state == CH_TRAILER_LF) {
			c->state = CH_TRAILER;
		} else {
			c->state = CH_DONE;
			c->done = true;
		}
		return 0;
	default:
		return lxf_err_set(err, LXF_EINVAL, "Bad chunked decoder state");
	}
}

int http_chunked_step(struct http_chunked *c, const char **in, size_t *len, const char **data,
		      size_t *dlen, struct lxf_err *err)
{
	int ret = 0;

	*data = NULL;
	*dlen = 0;
	while (*len > 0 && !c->done) {
		if (c->state == CH_DATA) {
			size_t n = *len < c->left ? *len : (size_t)c->left;
			*data = *in;
			*dlen = n;
			*in += n;
			*len -= n;
			c->left -= n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			goto out;
		}
		ret = frame_byte(c, **in, err);
		if (ret < 0)
			goto out;
		(*in)++;
		(*len)--;
	}
out:
	return ret;
}
