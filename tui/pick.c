/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's pickers and its snapshots view. A launch (n) picks a host
 * that is up, then an image from the fleet's images (one row per image,
 * marked with the hosts that have it; `lxf image list HOST: -f csv` jobs
 * fill it as they answer), then asks a name and runs `lxf launch` as a
 * job: from the host's own image, else from a host that has it. The
 * snapshots view (s in the details) lists the snapshots `lxf info` printed
 * in the details text; take, restore and delete run as details jobs that
 * end with `lxf info` again, so the list follows. Nothing here waits on
 * the network.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

#define IMG_LIST_PREFIX "image list "

static void pick_add(struct tui_pick *p, const char *key, const char *note)
{
	struct tui_pick_item *it;

	if (p->n == TUI_PICK_MAX)
		return;
	it = &p->v[p->n++];
	memset(it, 0, sizeof(*it));
	(void)snprintf(it->key, sizeof(it->key), "%s", key);
	(void)snprintf(it->note, sizeof(it->note), "%s", note);
}

/* n: the hosts that are up. */
void tui_key_launch(struct tui_ui *ui, const struct tui_key *k)
{
	struct tui_model *m = ui->m;

	(void)k;
	ui->pick.n = ui->pick.cur = 0;
	ui->pick.images = false;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nhosts; i++)
		if (m->hosts[i].status == TUI_HOST_UP)
			pick_add(&ui->pick, m->hosts[i].name, "");
	pthread_mutex_unlock(&m->lock);
	if (ui->pick.n == 0) {
		tui_say(ui, "launch: no host is up");
		return;
	}
	ui->mode = TUI_M_PICK;
}

/* The image picker: one `lxf image list HOST: -f csv` job per host (lines: tui_pick_line). */
static void images_load(struct tui_ui *ui)
{
	struct tui_pick *p = &ui->pick;
	char hosts[TUI_PICK_MAX][LXF_REMOTE_NAME_MAX + 2];
	size_t nh = p->n;

	for (size_t i = 0; i < nh; i++)
		(void)snprintf(hosts[i], sizeof(hosts[i]), "%s:", p->v[i].key);
	p->n = p->cur = 0;
	p->images = true;
	for (size_t i = 0; i < nh; i++) {
		char label[LXF_REMOTE_NAME_MAX + 32];
		char *argv[5] = {(char *)"image", (char *)"list", hosts[i], (char *)"-f",
				 (char *)"csv"};

		(void)snprintf(label, sizeof(label), IMG_LIST_PREFIX "%.*s -f csv",
			       LXF_REMOTE_NAME_MAX + 1, hosts[i]);
		(void)tui_job_start(ui, TUI_SINK_PICK, label, 5, argv);
	}
}

/*
 * The next CSV field of *p into buf (RFC 4180 quotes); false at the end of
 * the line. The first call must not be on an empty line.
 */
static bool csv_field(const char **p, char *buf, size_t len)
{
	const char *s = *p;
	size_t n = 0;
	bool q = *s == '"';

	if (!*s && s[-1] != ',')
		return false;
	s += q;
	for (; *s && (q || *s != ','); s++) {
		if (q && *s == '"') {
			if (s[1] != '"') {
				q = false;
				continue;
			}
			s++;
		}
		if (n + 1 < len)
			buf[n++] = *s;
	}
	buf[n] = '\0';
	*p = *s ? s + 1 : s;
	return true;
}

/*
 * A line of an image list job: REMOTE,ALIAS,FINGERPRINT,PUBLIC,DESCRIPTION,...
 * (image list has a REMOTE column, as every fleet-wide list has).
 */
void tui_pick_line(struct tui_ui *ui, const char *label, const char *line)
{
	struct tui_pick *p = &ui->pick;
	char host[LXF_REMOTE_NAME_MAX + 1], f[5][TUI_NAME_MAX];
	const char *s = line;
	struct tui_pick_item *it = NULL;
	size_t hl;

	if (strncmp(label, IMG_LIST_PREFIX, strlen(IMG_LIST_PREFIX)) != 0 || !p->images ||
	    ui->mode != TUI_M_PICK || !line[0])
		return;
	label += strlen(IMG_LIST_PREFIX);
	hl = strcspn(label, ":");
	(void)snprintf(host, sizeof(host), "%.*s", (int)hl, label);
	if (strncmp(line, "Error", 5) == 0) {
		tui_say(ui, "%s: %s", host, line);
		return;
	}
	for (int i = 0; i < 5; i++)
		if (!csv_field(&s, f[i], sizeof(f[i])))
			return;
	if (!f[2][0])
		return;
	for (size_t i = 0; i < p->n && !it; i++)
		if (strcmp(p->v[i].fp, f[2]) == 0)
			it = &p->v[i];
	if (!it) {
		pick_add(p, f[1][0] ? f[1] : f[2], f[4]);
		if (p->n == 0 || strcmp(p->v[p->n - 1].key, f[1][0] ? f[1] : f[2]) != 0)
			return; /* full */
		it = &p->v[p->n - 1];
		(void)snprintf(it->fp, sizeof(it->fp), "%s", f[2]);
	}
	hl = strlen(it->hosts);
	(void)snprintf(it->hosts + hl, sizeof(it->hosts) - hl, "%s%s", hl ? " " : "", host);
}

/* Whether the word w is one of the blank-separated words of list. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *s = list; (s = strstr(s, w)) != NULL; s += n)
		if ((s == list || s[-1] == ' ') && (s[n] == ' ' || !s[n]))
			return true;
	return false;
}

void tui_key_pick_enter(struct tui_ui *ui, const struct tui_key *k)
{
	struct tui_pick *p = &ui->pick;
	const struct tui_pick_item *it = p->cur < p->n ? &p->v[p->cur] : NULL;

	(void)k;
	if (!it)
		return;
	if (!p->images) {
		(void)snprintf(p->host, sizeof(p->host), "%s", it->key);
		images_load(ui);
		return;
	}
	/* The host's own copy, else the first host that has it (lxf launch SRC:IMAGE HOST:NAME). */
	if (has_word(it->hosts, p->host))
		(void)snprintf(p->image, sizeof(p->image), "%s", it->key);
	else
		(void)snprintf(p->image, sizeof(p->image), "%.*s:%s", (int)strcspn(it->hosts, " "),
			       it->hosts, it->key);
	ui->mode = TUI_M_TABLE;
	tui_prompt_open(ui, TUI_IN_LAUNCH, "", false);
}

void tui_launch_submit(struct tui_ui *ui, const char *name)
{
	char dst[LXF_REMOTE_NAME_MAX + TUI_NAME_MAX + 2],
	    label[sizeof(dst) + sizeof(ui->pick.image) + 8];
	char *argv[3] = {(char *)"launch", ui->pick.image, dst};

	if (!name[0] || strchr(name, ' ') || strchr(name, ':') || strchr(name, '/')) {
		tui_say(ui, "launch: a name without spaces, ':' or '/' is needed");
		return;
	}
	(void)snprintf(dst, sizeof(dst), "%s:%s", ui->pick.host, name);
	(void)snprintf(label, sizeof(label), "launch %s %s", ui->pick.image, dst);
	(void)tui_job_start(ui, TUI_SINK_LOG, label, 3, argv);
}

/* --- snapshots: the rows of the "Snapshots:" table of the details text --- */

/* The cells of a "| a | b | c |" row: the first two, trimmed. */
static bool table_row(const char *line, size_t len, char *a, size_t alen, char *b, size_t blen)
{
	const char *s = line, *end = line + len;
	char *out[2] = {a, b};
	size_t cap[2] = {alen, blen};

	if (len < 2 || line[0] != '|')
		return false;
	for (int c = 0; c < 2; c++) {
		const char *e;

		s++;
		while (s < end && *s == ' ')
			s++;
		e = memchr(s, '|', (size_t)(end - s));
		if (!e)
			return false;
		(void)snprintf(out[c], cap[c], "%.*s", (int)(e - s), s);
		for (size_t n = strlen(out[c]); n && out[c][n - 1] == ' ';)
			out[c][--n] = '\0';
		s = e;
	}
	return true;
}

static void snaps_parse(struct tui_ui *ui)
{
	const char *p = lxf_buf_str(&ui->details);
	bool in = false, header = true;
	struct tui_pick *pk = &ui->pick;

	pk->n = 0;
	for (; p && *p && pk->n < TUI_PICK_MAX;
	     p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0)) {
		size_t len = strcspn(p, "\n");
		char a[TUI_NAME_MAX], b[96];

		if (len == strlen("Snapshots:") && strncmp(p, "Snapshots:", len) == 0) {
			in = true;
			continue;
		}
		if (!in || len == 0 || p[0] == '+')
			continue;
		if (!table_row(p, len, a, sizeof(a), b, sizeof(b))) {
			in = false;
			continue;
		}
		if (!header)
			pick_add(pk, a, b);
		header = false;
	}
	if (pk->cur >= pk->n)
		pk->cur = pk->n ? pk->n - 1 : 0;
}

void tui_key_snaps(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->pick.cur = 0;
	snaps_parse(ui);
	ui->mode = TUI_M_SNAPS;
}

/*
 * Runs "lxf VERB ARG [ARG2] ; info INST ; config show INST" into the
 * details, staying in the view it came from (the list follows).
 */
static void snap_job(struct tui_ui *ui, const char *verb, const char *arg, const char *arg2)
{
	char *inst = ui->pick.inst, title[sizeof(ui->pick.inst) + 16];
	char *argv[10];
	int n = 0;
	enum tui_mode back = ui->mode;

	argv[n++] = (char *)verb;
	argv[n++] = (char *)arg;
	if (arg2)
		argv[n++] = (char *)arg2;
	argv[n++] = (char *)";";
	argv[n++] = (char *)"info";
	argv[n++] = inst;
	argv[n++] = (char *)";";
	argv[n++] = (char *)"config";
	argv[n++] = (char *)"show";
	argv[n++] = inst;
	(void)snprintf(title, sizeof(title), "Details of %s", inst);
	tui_details_run(ui, title, n, argv);
	ui->mode = back;
}

void tui_key_snap_take(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	snap_job(ui, "snapshot", ui->pick.inst, NULL);
}

static const char *snap_current(struct tui_ui *ui)
{
	snaps_parse(ui);
	if (ui->pick.cur >= ui->pick.n) {
		tui_say(ui, "no snapshot selected");
		return NULL;
	}
	(void)snprintf(ui->pick.snap, sizeof(ui->pick.snap), "%s", ui->pick.v[ui->pick.cur].key);
	return ui->pick.snap;
}

static void snap_restore_run(struct tui_ui *ui)
{
	snap_job(ui, "restore", ui->pick.inst, ui->pick.snap);
}

static void snap_delete_run(struct tui_ui *ui)
{
	char arg[sizeof(ui->pick.inst) + TUI_NAME_MAX + 1];

	(void)snprintf(arg, sizeof(arg), "%s/%s", ui->pick.inst, ui->pick.snap);
	snap_job(ui, "delete", arg, NULL);
}

void tui_key_snap_restore(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (snap_current(ui))
		tui_confirm(ui, snap_restore_run, "Restore %s from its snapshot %s?", ui->pick.inst,
			    ui->pick.snap);
}

void tui_key_snap_delete(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (snap_current(ui))
		tui_confirm(ui, snap_delete_run, "Delete the snapshot %s/%s?", ui->pick.inst,
			    ui->pick.snap);
}

void tui_key_pick_up(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->pick.cur)
		ui->pick.cur--;
}

void tui_key_pick_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->pick.cur + 1 < ui->pick.n)
		ui->pick.cur++;
}

/* --- drawing (draw.c calls it for TUI_M_PICK and TUI_M_SNAPS, under the model's lock) --- */

static bool pick_loading(const struct tui_ui *ui)
{
	for (size_t i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].sink == (ui->mode == TUI_M_PICK ? TUI_SINK_PICK : TUI_SINK_DETAILS))
			return true;
	return false;
}

void tui_pick_draw(struct tui_ui *ui, int y, int rows)
{
	struct tui_pick *p = &ui->pick;
	size_t top = 0;
	const char *empty = ui->mode == TUI_M_SNAPS ? "(no snapshots: N takes one)"
			    : p->images             ? "(no images on the hosts that are up)"
						    : "(no host is up)";

	if (ui->mode == TUI_M_SNAPS)
		snaps_parse(ui);
	attron(A_BOLD);
	if (ui->mode == TUI_M_SNAPS)
		mvprintw(y, 0, "Snapshots of %s%s", p->inst,
			 pick_loading(ui) ? "  (updating...)" : "");
	else if (p->images)
		mvprintw(y, 0, "Launch on %s: pick an image%s", p->host,
			 pick_loading(ui) ? "  (loading...)" : "");
	else
		mvprintw(y, 0, "Launch: pick a host");
	attroff(A_BOLD);
	if (p->n == 0 && !pick_loading(ui))
		mvprintw(y + 2, 2, "%s", empty);
	if (rows > 1 && p->cur >= (size_t)rows - 1)
		top = p->cur - (size_t)rows + 2;
	for (size_t i = top; i < p->n && (int)(i - top) < rows - 1; i++) {
		const struct tui_pick_item *it = &p->v[i];

		move(y + 1 + (int)(i - top), 0);
		if (i == p->cur)
			attron(A_REVERSE);
		if (p->images)
			printw("%-2s%-24.24s %-36.36s on %s", i == p->cur ? ">" : "", it->key,
			       it->note, it->hosts);
		else
			printw("%-2s%-24.24s %s", i == p->cur ? ">" : "", it->key, it->note);
		if (i == p->cur)
			attroff(A_REVERSE);
	}
}
