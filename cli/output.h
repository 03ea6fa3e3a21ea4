/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_OUTPUT_H
#define LXF_CLI_OUTPUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Output formats shared by every listing command (lxc's --format values). */
enum lxf_fmt { LXF_FMT_TABLE, LXF_FMT_CSV, LXF_FMT_JSON, LXF_FMT_YAML, LXF_FMT_COMPACT };

/* Parses "table|csv|json|yaml|compact". Returns 0 or -LXF_EUSAGE "unknown format 'x'". */
int lxf_fmt_parse(const char *s, enum lxf_fmt *out, struct lxf_err *err);

/*
 * A table of strings: headers borrowed, cells owned (malloc'ed, freed by
 * lxf_table_fini). A cell may hold several lines ("\n").
 */
struct lxf_table {
	size_t ncols;
	size_t nrows;
	const char *const *headers;
	char **cells;  /* nrows * ncols */
	int state_col; /* column coloured by state word (RUNNING...), -1 none */
};

/* Sets up an empty table of ncols columns; headers borrowed. */
void lxf_table_init(struct lxf_table *t, size_t ncols, const char *const *headers);

/* Frees every cell; t is empty afterwards. */
void lxf_table_fini(struct lxf_table *t);

/*
 * Appends a row, taking ownership of the ncols malloc'ed strings in cells
 * (NULL cells become ""). On -LXF_ENOMEM the strings are freed anyway.
 */
int lxf_table_add_row(struct lxf_table *t, char **cells);

/*
 * Prints t in fmt (TABLE, CSV or COMPACT; JSON and YAML are printed from
 * the objects with lxf_output_json). TABLE draws lxc's ASCII borders;
 * colour (state words) only when color is true. CSV quotes as RFC 4180
 * and has no header line, as lxc.
 */
void lxf_table_print(FILE *out, enum lxf_fmt fmt, const struct lxf_table *t, bool color);

/*
 * Prints o as indented JSON (LXF_FMT_JSON) or YAML (LXF_FMT_YAML).
 * Returns 0 or an error (YAML emit failure).
 */
int lxf_output_json(FILE *out, enum lxf_fmt fmt, struct json_object *o, struct lxf_err *err);

/* True when colour should be used on out: a terminal and NO_COLOR unset or empty. */
bool lxf_output_color(FILE *out);

/* IEC size as LXD prints it: "512B", "1.50KiB", "12.34MiB" (lxf_view_size_iec). Writes into buf. */
void lxf_output_size_iec(long long bytes, char *buf, size_t len);

#endif
