/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_HTTP_CHUNKED_H
#define LXFD_HTTP_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Decoder for HTTP/1.1 chunked request bodies (RFC 9112 section 7.1).
 * libwebsockets 4.1 de-chunks responses on its client side only: on the
 * server it hands a body without Content-Length over raw, framing and all.
 * Go's net/http (the lxc client, `lxc image import`) sends every streamed
 * body that way, so lxfd strips the framing itself.
 */

struct http_chunked {
	int state;
	unsigned digits; /* hex digits of the current size line */
	uint64_t left;   /* payload bytes left in the current chunk */
	size_t line;     /* bytes of the current extension or trailer line */
	bool done;       /* the last chunk and its trailer are in */
};

/* Readies c for a new body. */
void http_chunked_init(struct http_chunked *c);

/*
 * Consumes framing from *in (*len bytes) up to the next payload span,
 * which is returned in *data / *dlen (pointing into the input; *dlen is 0
 * when the input ran out first or the body ended). *in and *len advance
 * past what was consumed. Once c->done is set, the rest of the input is
 * not consumed. Returns 0, or -LXF_EINVAL (err filled) on bad framing:
 * a bad size line, a chunk over 2^60 bytes, an extension or trailer line
 * over 4 KiB, or a missing CRLF.
 */
int http_chunked_step(struct http_chunked *c, const char **in, size_t *len, const char **data,
		      size_t *dlen, struct lxf_err *err);

#endif
