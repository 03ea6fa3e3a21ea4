/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The line editor of the console's prompts and their histories (input.h).
 * The edits are readline's: Ctrl-W takes the blanks before the cursor and
 * the word before them, as bash's unix-word-rubout does.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "file.h"
#include "input.h"

#define HIST_FILE_MAX ((size_t)TUI_HIST_MAX * TUI_LINE_MAX)

void tui_line_set(struct tui_line *l, const char *s, bool sel)
{
	size_t n = strlen(s);

	if (n >= sizeof(l->buf))
		n = sizeof(l->buf) - 1;
	memcpy(l->buf, s, n);
	l->buf[n] = '\0';
	l->len = l->cur = n;
	l->sel = sel && n > 0;
}

/* Removes [from, to) and leaves the cursor at from. */
static void line_cut(struct tui_line *l, size_t from, size_t to)
{
	memmove(l->buf + from, l->buf + to, l->len - to + 1);
	l->len -= to - from;
	l->cur = from;
}

void tui_line_insert(struct tui_line *l, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(l->buf) - 1 - l->len)
		n = sizeof(l->buf) - 1 - l->len;
	memmove(l->buf + l->cur + n, l->buf + l->cur, l->len - l->cur + 1);
	memcpy(l->buf + l->cur, s, n);
	l->len += n;
	l->cur += n;
}

bool tui_line_edit(struct tui_line *l, enum tui_edit op, int ch)
{
	size_t old = l->len, w = l->cur;
	char s[2] = {(char)ch, '\0'};

	if (op == TUI_ED_INSERT && l->sel)
		tui_line_set(l, "", false); /* typing over the selected old text */
	l->sel = false;
	switch (op) {
	case TUI_ED_INSERT:
		if (ch >= 0x20 && ch < 0x7f)
			tui_line_insert(l, s);
		return l->len != old;
	case TUI_ED_BACKSPACE:
		if (l->cur)
			line_cut(l, l->cur - 1, l->cur);
		break;
	case TUI_ED_DELETE:
		if (l->cur < l->len)
			line_cut(l, l->cur, l->cur + 1);
		break;
	case TUI_ED_LEFT:
		l->cur -= l->cur > 0;
		break;
	case TUI_ED_RIGHT:
		l->cur += l->cur < l->len;
		break;
	case TUI_ED_HOME:
		l->cur = 0;
		break;
	case TUI_ED_END:
		l->cur = l->len;
		break;
	case TUI_ED_KILL_START:
		line_cut(l, 0, l->cur);
		break;
	case TUI_ED_KILL_END:
		l->buf[l->cur] = '\0';
		l->len = l->cur;
		break;
	case TUI_ED_KILL_WORD:
		while (w && l->buf[w - 1] == ' ')
			w--;
		while (w && l->buf[w - 1] != ' ')
			w--;
		line_cut(l, w, l->cur);
		break;
	}
	return l->len != old;
}

void tui_hist_reset(struct tui_hist *h)
{
	h->pos = h->n;
	h->draft[0] = '\0';
}

void tui_hist_add(struct tui_hist *h, const char *line)
{
	if (line[0] && (h->n == 0 || strcmp(h->v[h->n - 1], line) != 0)) {
		if (h->n == TUI_HIST_MAX)
			memmove(h->v[0], h->v[1], (TUI_HIST_MAX - 1) * sizeof(h->v[0]));
		else
			h->n++;
		(void)snprintf(h->v[h->n - 1], sizeof(h->v[0]), "%s", line);
	}
	tui_hist_reset(h);
}

bool tui_hist_step(struct tui_hist *h, struct tui_line *l, int dir)
{
	if ((dir < 0 && h->pos == 0) || (dir > 0 && h->pos >= h->n))
		return false;
	if (h->pos == h->n)
		(void)snprintf(h->draft, sizeof(h->draft), "%s", l->buf);
	h->pos = dir < 0 ? h->pos - 1 : h->pos + 1;
	tui_line_set(l, h->pos == h->n ? h->draft : h->v[h->pos], false);
	return true;
}

int tui_hist_load(struct tui_hist *h, const char *path)
{
	struct lxf_buf b;
	struct lxf_err err = {0};
	int rc;

	h->n = 0;
	h->loaded = true;
	lxf_buf_init(&b, HIST_FILE_MAX + 1);
	rc = lxf_file_read(path, HIST_FILE_MAX, &b, &err);
	if (rc == 0) {
		const char *p = lxf_buf_str(&b);

		while (*p) {
			size_t n = strcspn(p, "\n");
			char line[TUI_LINE_MAX];

			(void)snprintf(line, sizeof(line), "%.*s", (int)n, p);
			tui_hist_add(h, line);
			p += n + (p[n] == '\n');
		}
	}
	lxf_buf_fini(&b);
	tui_hist_reset(h);
	return rc == -LXF_ENOENT ? 0 : rc;
}

int tui_hist_save(const struct tui_hist *h, const char *path)
{
	struct lxf_buf b;
	struct lxf_err err = {0};
	int rc = 0;

	lxf_buf_init(&b, HIST_FILE_MAX + 1);
	for (size_t i = 0; i < h->n && rc == 0; i++)
		rc = lxf_buf_addf(&b, "%s\n", h->v[i]);
	if (rc == 0)
		rc = lxf_file_write_atomic(path, b.len ? lxf_buf_str(&b) : "", b.len, 0600, &err);
	lxf_buf_fini(&b);
	return rc;
}
