/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Table / CSV / compact / JSON / YAML printers used by the listing
 * commands. Widths count UTF-8 code points, not bytes.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "view.h"
#include "yaml.h"

int lxf_fmt_parse(const char *s, enum lxf_fmt *out, struct lxf_err *err)
{
	static const struct {
		const char *name;
		enum lxf_fmt fmt;
	} fmts[] = {
	    {"table", LXF_FMT_TABLE}, {"csv", LXF_FMT_CSV},         {"json", LXF_FMT_JSON},
	    {"yaml", LXF_FMT_YAML},   {"compact", LXF_FMT_COMPACT},
	};

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (strcmp(s, fmts[i].name) == 0) {
			*out = fmts[i].fmt;
			return 0;
		}
	}
	return lxf_err_set(err, LXF_EUSAGE,
			   "unknown format '%s' (want table, csv, json, yaml or compact)", s);
}

void lxf_table_init(struct lxf_table *t, size_t ncols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = headers;
	t->state_col = -1;
}

void lxf_table_fini(struct lxf_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

int lxf_table_add_row(struct lxf_table *t, char **cells)
{
	char **nc = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*nc));

	if (!nc) {
		for (size_t i = 0; i < t->ncols; i++)
			free(cells[i]);
		return -LXF_ENOMEM;
	}
	t->cells = nc;
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = cells[i];
	t->nrows++;
	return 0;
}

/* Display width of n bytes of UTF-8: continuation bytes do not count. */
static size_t out_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

static const char *out_cell(const struct lxf_table *t, size_t row, size_t col)
{
	const char *c = t->cells[row * t->ncols + col];

	return c ? c : "";
}

/* Line number `line` of a multi-line cell: pointer and length, or "" past the end. */
static const char *out_line(const char *cell, size_t line, size_t *len)
{
	const char *p = cell, *nl;

	for (size_t i = 0; i < line; i++) {
		nl = strchr(p, '\n');
		if (!nl) {
			*len = 0;
			return "";
		}
		p = nl + 1;
	}
	nl = strchr(p, '\n');
	*len = nl ? (size_t)(nl - p) : strlen(p);
	return p;
}

static size_t out_lines(const char *cell)
{
	size_t n = 1;

	for (; *cell; cell++)
		if (*cell == '\n')
			n++;
	return n;
}

static const char *out_state_color(const char *s)
{
	if (strcmp(s, "RUNNING") == 0)
		return "\033[32m";
	if (strcmp(s, "STOPPED") == 0 || strcmp(s, "ERROR") == 0)
		return "\033[31m";
	if (strcmp(s, "FROZEN") == 0)
		return "\033[33m";
	return NULL;
}

static void out_rule(FILE *out, const size_t *w, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		fputc('+', out);
		for (size_t i = 0; i < w[c] + 2; i++)
			fputc('-', out);
	}
	fputs("+\n", out);
}

static void out_padded(FILE *out, const char *s, size_t len, size_t width, const char *color)
{
	if (color)
		fputs(color, out);
	(void)fwrite(s, 1, len, out);
	if (color)
		fputs("\033[0m", out);
	for (size_t i = out_width(s, len); i < width; i++)
		fputc(' ', out);
}

/* One (possibly multi-line) row, bordered or compact. */
static void out_row(FILE *out, const struct lxf_table *t, const char *const *cells, const size_t *w,
		    bool border, bool color)
{
	size_t height = 1, len;
	const char *line, *col;

	for (size_t c = 0; c < t->ncols; c++)
		if (out_lines(cells[c]) > height)
			height = out_lines(cells[c]);
	for (size_t l = 0; l < height; l++) {
		for (size_t c = 0; c < t->ncols; c++) {
			line = out_line(cells[c], l, &len);
			col = color && (int)c == t->state_col ? out_state_color(cells[c]) : NULL;
			if (border) {
				fputs("| ", out);
				out_padded(out, line, len, w[c], col);
				fputc(' ', out);
			} else {
				/* Compact: no trailing blanks after the last column. */
				out_padded(out, line, len, c + 1 == t->ncols ? 0 : w[c], col);
				if (c + 1 < t->ncols)
					fputs("  ", out);
			}
		}
		fputs(border ? "|\n" : "\n", out);
	}
}

static void out_csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void lxf_table_print(FILE *out, enum lxf_fmt fmt, const struct lxf_table *t, bool color)
{
	const char **row = NULL;
	size_t *w = NULL, len;
	bool border = fmt == LXF_FMT_TABLE;

	if (fmt == LXF_FMT_CSV) {
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputc(',', out);
				out_csv_field(out, out_cell(t, r, c));
			}
			fputc('\n', out);
		}
		return;
	}
	w = calloc(t->ncols, sizeof(*w));
	row = calloc(t->ncols, sizeof(*row));
	if (!w || !row)
		goto out;
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = out_width(t->headers[c], strlen(t->headers[c]));
		for (size_t r = 0; r < t->nrows; r++) {
			const char *cell = out_cell(t, r, c);

			for (size_t l = 0, n = out_lines(cell); l < n; l++) {
				const char *line = out_line(cell, l, &len);

				if (out_width(line, len) > w[c])
					w[c] = out_width(line, len);
			}
		}
	}
	if (border)
		out_rule(out, w, t->ncols);
	out_row(out, t, t->headers, w, border, false);
	if (border)
		out_rule(out, w, t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			row[c] = out_cell(t, r, c);
		out_row(out, t, row, w, border, color);
		if (border)
			out_rule(out, w, t->ncols);
	}
out:
	free(w);
	free(row);
}

int lxf_output_json(FILE *out, enum lxf_fmt fmt, struct json_object *o, struct lxf_err *err)
{
	struct lxf_buf b = {0};
	int rc = 0;

	if (fmt == LXF_FMT_JSON) {
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE),
		      out);
		fputc('\n', out);
		return 0;
	}
	rc = lxf_yaml_emit(o, &b, err);
	if (rc == 0)
		(void)fwrite(lxf_buf_str(&b), 1, b.len, out);
	lxf_buf_fini(&b);
	return rc;
}

bool lxf_output_color(FILE *out)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && *nc)
		return false;
	return isatty(fileno(out)) == 1;
}

void lxf_output_size_iec(long long bytes, char *buf, size_t len)
{
	lxf_view_size_iec(bytes, buf, len);
}
