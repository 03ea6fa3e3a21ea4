/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_BUF_H
#define LXF_BUF_H

#include <stddef.h>

/*
 * A growable byte buffer with a hard cap, for everything read from the
 * network or a file. data is always NUL-terminated (the NUL is not counted
 * in len and not charged to cap). A zeroed struct is an empty buffer with
 * no cap; lxf_buf_init sets the cap.
 */
struct lxf_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* 0 = no cap */
};

void lxf_buf_init(struct lxf_buf *b, size_t cap);
/* Frees the storage; b is an empty buffer afterwards (cap kept). */
void lxf_buf_fini(struct lxf_buf *b);
/* Empties b, keeping the storage. */
void lxf_buf_reset(struct lxf_buf *b);

/* Append; return 0, -LXF_ETOOBIG past the cap (b unchanged), -LXF_ENOMEM. */
int lxf_buf_add(struct lxf_buf *b, const void *p, size_t n);
int lxf_buf_addc(struct lxf_buf *b, char c);
int lxf_buf_adds(struct lxf_buf *b, const char *s);
int lxf_buf_addf(struct lxf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Never NULL: "" for an empty buffer. Borrowed; valid until the next add. */
const char *lxf_buf_str(const struct lxf_buf *b);

/* Hands the storage to the caller (free() it; never NULL but on ENOMEM); b is left empty. */
char *lxf_buf_take(struct lxf_buf *b);

#endif
