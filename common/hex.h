/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_HEX_H
#define LXF_HEX_H

#include <stddef.h>

/* The value of hex digit c (either case), or -1 when c is not one. */
int lxf_hexval(char c);

/* The n bytes of b as 2n lowercase hex digits and a NUL, into out. */
void lxf_hex(const unsigned char *b, size_t n, char *out);

#endif
