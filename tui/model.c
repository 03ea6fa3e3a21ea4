/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet model: one fixed-size row per container in one array, hosts,
 * the log ring, and the pure functions over them (JSON to row, filter,
 * sort, event decoding). The caller holds m->lock around every call that
 * takes a model; none of these functions lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "tui.h"
#include "view.h"

const char *const tui_col_names[TUI_COL_N] = {"REMOTE", "NAME",   "STATE", "IPV4",
					      "CPU",    "MEMORY", "IMAGE"};

static void copy(char *dst, size_t len, const char *src)
{
	(void)snprintf(dst, len, "%s", src ? src : "");
}

int tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->wake_wr = -1;
	if (pthread_mutex_init(&m->lock, NULL) != 0)
		return -1;
	return 0;
}

void tui_model_fini(struct tui_model *m)
{
	free(m->index);
	m->index = NULL;
	m->index_cap = 0;
	free(m->rows);
	m->rows = NULL;
	m->n = m->cap = 0;
	free(m->hosts);
	m->hosts = NULL;
	m->nhosts = m->hosts_cap = 0;
	(void)pthread_mutex_destroy(&m->lock);
}

int tui_model_add_host(struct tui_model *m, const struct lxf_remote *rem)
{
	struct tui_host *h;

	for (size_t i = 0; i < m->nhosts; i++)
		if (m->hosts[i].rem == rem)
			return 0;
	if (m->nhosts > UINT16_MAX)
		return -1;
	if (m->nhosts == m->hosts_cap) {
		size_t cap = m->hosts_cap ? m->hosts_cap * 2 : 16;

		h = realloc(m->hosts, cap * sizeof(*h));
		if (!h)
			return -1;
		m->hosts = h;
		m->hosts_cap = cap;
	}
	h = &m->hosts[m->nhosts++];
	memset(h, 0, sizeof(*h));
	h->rem = rem;
	copy(h->name, sizeof(h->name), rem->name);
	h->mem_used = h->mem_total = -1;
	h->status = TUI_HOST_CONNECTING;
	tui_series_init(&h->h_cpu);
	tui_series_init(&h->h_mem);
	return 0;
}

/* Wakes the UI loop: one byte on the self-pipe (non-blocking; a full pipe
 * already means "wake up"). */
void tui_model_changed(struct tui_model *m)
{
	char c = 1;

	m->gen++;
	/* One byte per wake-up, not per change: a re-list of 100 rows is one. */
	if (m->woken || m->wake_wr < 0)
		return;
	if (write(m->wake_wr, &c, 1) < 0 && errno != EAGAIN)
		m->wake_wr = -1;
	else
		m->woken = true;
}

void tui_model_log(struct tui_model *m, const char *fmt, ...)
{
	va_list ap;
	size_t slot = (m->log_head + m->log_n) % TUI_LOG_LINES;

	if (m->log_n == TUI_LOG_LINES) {
		slot = m->log_head;
		m->log_head = (m->log_head + 1) % TUI_LOG_LINES;
	} else {
		m->log_n++;
	}
	va_start(ap, fmt);
	(void)vsnprintf(m->log[slot], TUI_LOG_WIDTH, fmt, ap);
	va_end(ap);
	/* Control characters from a command's output would move the cursor. */
	for (char *p = m->log[slot]; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	m->log_gen++;
	tui_model_changed(m);
}

const char *tui_model_log_line(const struct tui_model *m, size_t i)
{
	if (i >= m->log_n)
		return "";
	return m->log[(m->log_head + i) % TUI_LOG_LINES];
}

static int64_t json_int_at(struct json_object *o, const char *path)
{
	struct json_object *v = lxf_json_path(o, path);

	if (!v ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return -1;
	return json_object_get_int64(v);
}

/* Drops a UTF-8 sequence that a cut to the field's size left incomplete. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && n - i < 3)
		i--;
	if (i == 0 || (unsigned char)s[i - 1] < 0xc0)
		return;
	need = (unsigned char)s[i - 1] >= 0xf0 ? 4 : (unsigned char)s[i - 1] >= 0xe0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Copies cell of inst into dst (cut to size, as UTF-8) or dflt when it is empty. */
static void row_cell(char *dst, size_t len, int (*cell)(struct json_object *, struct lxf_buf *),
		     struct json_object *inst, const char *dflt)
{
	struct lxf_buf b = {0};

	copy(dst, len, cell(inst, &b) == 0 && b.len ? lxf_buf_str(&b) : dflt);
	utf8_trim(dst);
	lxf_buf_fini(&b);
}

/* Bytes received and sent on the interfaces of an active inst but loopback, -1 unknown. */
static void row_net(struct tui_row *r, struct json_object *inst)
{
	struct json_object *ifaces = lxf_view_active(inst) ? lxf_view_ifaces(inst) : NULL;

	r->rx = r->tx = -1;
	if (!ifaces || !json_object_is_type(ifaces, json_type_object))
		return;
	r->rx = r->tx = 0;
	json_object_object_foreach(ifaces, name, iface)
	{
		const char *type = lxf_json_str(iface, "type");
		struct json_object *rx = lxf_json_path(iface, "counters.bytes_received");
		struct json_object *tx = lxf_json_path(iface, "counters.bytes_sent");

		if (strcmp(name, "lo") == 0 || (type && strcmp(type, "loopback") == 0))
			continue;
		r->rx += rx ? json_object_get_int64(rx) : 0;
		r->tx += tx ? json_object_get_int64(tx) : 0;
	}
}

/*
 * The row shows what `lxf list` shows, through the instance view: its STATE
 * cell, the address that heads its IPV4 cell (lxc's rule), the memory and
 * CPU of an active instance; the graphs start empty.
 */
int tui_row_from_json(struct tui_row *r, struct json_object *inst)
{
	const char *name = lxf_json_str(inst, "name");

	if (!name || !*name || strlen(name) >= sizeof(r->name))
		return -1;
	copy(r->name, sizeof(r->name), name);
	row_cell(r->state, sizeof(r->state), lxf_view_col('s')->cell, inst, "UNKNOWN");
	row_cell(r->image, sizeof(r->image), lxf_view_image, inst, "-");
	lxf_view_addr_first(inst, "inet", r->ipv4, sizeof(r->ipv4));
	r->cpu_ns = lxf_view_cpu_ns(inst);
	r->mem = lxf_view_memory(inst);
	r->cpu_base_ns = r->cpu_base_ms = -1;
	r->cpu_pm = -1;
	row_net(r, inst);
	r->rx_base = r->tx_base = r->rx_bps = r->tx_bps = -1;
	tui_series_init(&r->h_cpu);
	tui_series_init(&r->h_mem);
	tui_series_init(&r->h_rx);
	tui_series_init(&r->h_tx);
	return 0;
}

static uint32_t series_val(int64_t v)
{
	return v < 0 ? 0 : v >= TUI_SERIES_GAP ? TUI_SERIES_GAP - 1 : (uint32_t)v;
}

/* The rate of counter now over dt ms since base, per second; -1 when unknown or reset. */
static int64_t per_sec(int64_t now, int64_t base, int64_t dt)
{
	return now < 0 || base < 0 || now < base ? -1 : (now - base) * 1000 / dt;
}

/*
 * The CPU and network rates of r, sampled at now_ms, from the row it
 * replaces, and a sample of each for the graphs (gap: the host was down
 * or slow since the last one). The base sample moves only once
 * TUI_CPU_MIN_MS have passed, so that an event's re-read right after a
 * periodic one does not give a rate over a few milliseconds; a counter
 * that went back (a restart) starts over. A sample wakes no one: the
 * screen redraws its graphs once a slot (draw.c), however many hosts answer.
 */
static void row_rate(struct tui_row *r, const struct tui_row *old, int64_t now_ms, bool gap)
{
	int64_t dt;

	if (r->cpu_ns < 0)
		return;
	if (!old || old->cpu_base_ns < 0 || r->cpu_ns < old->cpu_base_ns ||
	    now_ms < old->cpu_base_ms) {
		r->cpu_base_ns = r->cpu_ns;
		r->cpu_base_ms = now_ms;
		r->rx_base = r->rx;
		r->tx_base = r->tx;
		return;
	}
	dt = now_ms - old->cpu_base_ms;
	if (dt < TUI_CPU_MIN_MS) {
		r->cpu_base_ns = old->cpu_base_ns;
		r->cpu_base_ms = old->cpu_base_ms;
		r->cpu_pm = old->cpu_pm;
		r->rx_base = old->rx_base;
		r->tx_base = old->tx_base;
		r->rx_bps = old->rx_bps;
		r->tx_bps = old->tx_bps;
		return;
	}
	/* ns per ms is 1e6 for one whole CPU: per mille is delta / dt / 1e3. */
	r->cpu_pm = (int32_t)((r->cpu_ns - old->cpu_base_ns) / dt / 1000);
	r->rx_bps = per_sec(r->rx, old->rx_base, dt);
	r->tx_bps = per_sec(r->tx, old->tx_base, dt);
	r->cpu_base_ns = r->cpu_ns;
	r->cpu_base_ms = now_ms;
	r->rx_base = r->rx;
	r->tx_base = r->tx;
	tui_series_push(&r->h_cpu, now_ms, series_val(r->cpu_pm), gap);
	if (r->mem >= 0)
		tui_series_push(&r->h_mem, now_ms, series_val(r->mem / 1024), gap);
	if (r->rx_bps >= 0)
		tui_series_push(&r->h_rx, now_ms, series_val(r->rx_bps), gap);
	if (r->tx_bps >= 0)
		tui_series_push(&r->h_tx, now_ms, series_val(r->tx_bps), gap);
}

bool tui_host_gap(const struct tui_host *h, const struct tui_series *hist)
{
	return h->gap_ms > 0 && hist->last >= 0 && tui_series_slot(h->gap_ms) >= hist->last;
}

/* FNV-1a of the host and the name: the slot a row starts looking from. */
static size_t index_hash(uint16_t host, const char *name)
{
	uint32_t h = 2166136261u ^ host;

	h *= 16777619u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static void index_put(struct tui_model *m, size_t row)
{
	size_t mask = m->index_cap - 1;
	size_t s = index_hash(m->rows[row].host, m->rows[row].name) & mask;

	while (m->index[s])
		s = (s + 1) & mask;
	m->index[s] = (uint32_t)row + 1;
}

/*
 * Makes the index anew for the rows there are, sized for cap of them (at
 * least twice as many slots): after rows moved (a removal swaps the last
 * row in) or the array grew. -1 out of memory, the old index kept.
 */
static int index_rebuild(struct tui_model *m, size_t cap)
{
	size_t icap = m->index_cap ? m->index_cap : 512;

	while (icap < 2 * cap)
		icap *= 2;
	if (icap != m->index_cap) {
		uint32_t *ni = malloc(icap * sizeof(*ni));

		if (!ni)
			return -1;
		free(m->index);
		m->index = ni;
		m->index_cap = icap;
	}
	memset(m->index, 0, m->index_cap * sizeof(*m->index));
	for (size_t i = 0; i < m->n; i++)
		index_put(m, i);
	return 0;
}

ssize_t tui_model_find(const struct tui_model *m, uint16_t host, const char *name)
{
	size_t mask = m->index_cap - 1;

	if (!m->index_cap)
		return -1;
	for (size_t s = index_hash(host, name) & mask; m->index[s]; s = (s + 1) & mask) {
		const struct tui_row *r = &m->rows[m->index[s] - 1];

		if (r->host == host && strcmp(r->name, name) == 0)
			return (ssize_t)m->index[s] - 1;
	}
	return -1;
}

/* Keeps host's counts of rows and running rows as r comes (+1) or goes (-1). */
static void host_count(struct tui_model *m, const struct tui_row *r, int dir)
{
	struct tui_host *h;

	if (r->host >= m->nhosts)
		return;
	h = &m->hosts[r->host];
	h->nrows += (size_t)dir;
	h->nrun += tui_row_running(r) ? (size_t)dir : 0;
}

/* Row i goes: the last row moves into its slot (the index is rebuilt). */
static void row_drop(struct tui_model *m, size_t i)
{
	host_count(m, &m->rows[i], -1);
	m->rows[i] = m->rows[--m->n];
}

/* Whether b shows (and sorts) as a does. */
static bool row_shows_same(const struct tui_row *a, const struct tui_row *b)
{
	return a->stale == b->stale && a->cpu_pm == b->cpu_pm && a->mem == b->mem &&
	       strcmp(a->state, b->state) == 0 && strcmp(a->ipv4, b->ipv4) == 0 &&
	       strcmp(a->image, b->image) == 0;
}

int tui_model_upsert(struct tui_model *m, uint16_t host, struct json_object *inst, int64_t now_ms)
{
	struct tui_row r = {.host = host, .seen = true};
	ssize_t i;

	if (tui_row_from_json(&r, inst) != 0)
		return -1;
	i = tui_model_find(m, host, r.name);
	if (i >= 0) {
		const struct tui_row *old = &m->rows[i];
		bool same, gap = host < m->nhosts && tui_host_gap(&m->hosts[host], &old->h_cpu);

		r.h_cpu = old->h_cpu;
		r.h_mem = old->h_mem;
		r.h_rx = old->h_rx;
		r.h_tx = old->h_tx;
		if (host < m->nhosts && m->hosts[host].scraped && r.cpu_ns >= 0) {
			/* Its rates and graphs come from the scrapes (usage.c). */
			r.cpu_pm = old->cpu_pm;
			r.rx_bps = old->rx_bps;
			r.tx_bps = old->tx_bps;
		} else {
			row_rate(&r, old, now_ms, gap);
		}
		/* The 5 s stats of a quiet fleet change nothing shown: no redraw. */
		same = row_shows_same(old, &r);
		r.marked = old->marked;
		host_count(m, &m->rows[i], -1);
		host_count(m, &r, +1);
		m->rows[i] = r;
		if (!same)
			tui_model_changed(m);
		return 0;
	}
	row_rate(&r, NULL, now_ms, false);
	if (host < m->nhosts && m->hosts[host].nrows >= TUI_HOST_ROWS_MAX)
		return -1;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct tui_row *nr;

		if (cap > UINT32_MAX - 1 || index_rebuild(m, cap) != 0)
			return -1;
		nr = realloc(m->rows, cap * sizeof(*nr));
		if (!nr)
			return -1;
		m->rows = nr;
		m->cap = cap;
	}
	m->rows[m->n++] = r;
	host_count(m, &r, +1);
	index_put(m, m->n - 1);
	tui_model_changed(m);
	return 0;
}

void tui_model_set_stale(struct tui_model *m, uint16_t host)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->rows[i].host == host) {
			host_count(m, &m->rows[i], -1);
			m->rows[i].stale = true;
			host_count(m, &m->rows[i], +1);
		}
	tui_model_changed(m);
}

const char *tui_row_state(const struct tui_row *r)
{
	return r->stale ? "UNKNOWN" : r->state;
}

bool tui_row_running(const struct tui_row *r)
{
	return !r->stale && strcmp(r->state, "RUNNING") == 0;
}

bool tui_model_remove(struct tui_model *m, uint16_t host, const char *name)
{
	ssize_t i = tui_model_find(m, host, name);

	if (i < 0)
		return false;
	row_drop(m, (size_t)i);
	(void)index_rebuild(m, m->cap); /* same size: no allocation */
	tui_model_changed(m);
	return true;
}

int tui_model_relist(struct tui_model *m, uint16_t host, struct json_object *insts, int64_t now_ms)
{
	size_t dropped = 0;
	int rc = 0;

	if (!json_object_is_type(insts, json_type_array))
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (m->rows[i].host == host)
			m->rows[i].seen = false;
	/* Each upsert wakes the UI only for a row that shows differently: a
	 * periodic re-list of a quiet host draws nothing. */
	for (size_t i = 0; i < json_object_array_length(insts); i++)
		if (tui_model_upsert(m, host, json_object_array_get_idx(insts, i), now_ms) != 0)
			rc = -1;
	for (size_t i = 0; i < m->n;) {
		if (m->rows[i].host == host && !m->rows[i].seen) {
			row_drop(m, i);
			dropped++;
		} else {
			i++;
		}
	}
	if (dropped) {
		(void)index_rebuild(m, m->cap);
		tui_model_changed(m);
	}
	return rc;
}

void tui_model_refresh(struct tui_model *m, uint16_t host, struct json_object *insts,
		       int64_t now_ms)
{
	if (!json_object_is_type(insts, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(insts); i++) {
		struct json_object *o = json_object_array_get_idx(insts, i);
		const char *name = lxf_json_str(o, "name");

		/* Only known rows: one deleted meanwhile must not come back. */
		if (name && tui_model_find(m, host, name) >= 0)
			(void)tui_model_upsert(m, host, o, now_ms);
	}
}

void tui_model_host_sample(struct tui_model *m, uint16_t host, int64_t now_ms)
{
	struct tui_host *h;
	int64_t cpu = 0, mem = 0;
	bool gap;

	if (host >= m->nhosts)
		return;
	h = &m->hosts[host];
	for (size_t i = 0; i < m->n; i++) {
		const struct tui_row *r = &m->rows[i];

		if (r->host != host || !tui_row_running(r))
			continue;
		cpu += r->cpu_pm > 0 ? r->cpu_pm : 0;
		mem += r->mem > 0 ? r->mem / 1024 : 0;
	}
	gap = tui_host_gap(h, &h->h_cpu);
	tui_series_push(&h->h_cpu, now_ms, series_val(cpu), gap);
	tui_series_push(&h->h_mem, now_ms, series_val(mem), gap);
}

int64_t tui_host_graph_end(const struct tui_host *h, int64_t now_ms)
{
	bool slow = h->req_since_ms && now_ms - h->req_since_ms >= TUI_SLOW_MS;

	if (h->status == TUI_HOST_UP && !slow && h->h_cpu.last >= 0)
		return h->h_cpu.last;
	return tui_series_slot(now_ms);
}

void tui_model_set_op(struct tui_model *m, uint16_t host, const struct tui_op *op, bool done)
{
	struct tui_host *h = &m->hosts[host];
	size_t i;

	for (i = 0; i < h->nops && strcmp(h->ops[i].id, op->id) != 0; i++)
		;
	if (done) {
		if (i < h->nops)
			h->ops[i] = h->ops[--h->nops];
	} else if (i < h->nops) {
		h->ops[i] = *op;
	} else if (h->nops < TUI_OPS_MAX) {
		h->ops[h->nops++] = *op;
	}
	tui_model_changed(m);
}

int tui_filter_parse(const char *text, struct tui_filter *f, char *errbuf, size_t errlen)
{
	const char *p = text;
	size_t cap = 1;

	memset(f, 0, sizeof(*f));
	/* At most one term per two bytes ("a b"): sized once. */
	for (const char *q = text; *q; q++)
		cap += *q == ' ';
	f->t = calloc(cap, sizeof(*f->t));
	if (!f->t) {
		(void)snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	while (*p) {
		struct tui_filter_term *t = &f->t[f->n];
		size_t len;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " ");
		t->kind = TUI_F_NAME;
		if (len > 5 && strncasecmp(p, "host:", 5) == 0) {
			t->kind = TUI_F_HOST;
			p += 5;
			len -= 5;
		} else if (len > 6 && strncasecmp(p, "state:", 6) == 0) {
			t->kind = TUI_F_STATE;
			p += 6;
			len -= 6;
		} else if (len > 1 && p[0] == '@') {
			t->kind = TUI_F_GROUP;
		}
		t->text = strndup(p, len);
		if (!t->text) {
			(void)snprintf(errbuf, errlen, "out of memory");
			return -1;
		}
		f->n++;
		p += len;
	}
	return 0;
}

static void term_hosts_free(struct tui_filter_term *t)
{
	lxf_remotes_names_free(t->hosts, t->nhosts);
	t->hosts = NULL;
	t->nhosts = 0;
}

int tui_filter_groups(struct tui_filter *f, tui_group_fn *expand, void *ctx, char *errbuf,
		      size_t errlen)
{
	for (size_t i = 0; i < f->n; i++) {
		struct tui_filter_term *t = &f->t[i];
		char **names = NULL;
		size_t n = 0;

		if (t->kind != TUI_F_GROUP)
			continue;
		if (expand(ctx, t->text, &names, &n, errbuf, errlen) != 0)
			return -1;
		term_hosts_free(t);
		t->hosts = names;
		t->nhosts = n;
	}
	return 0;
}

void tui_filter_fini(struct tui_filter *f)
{
	for (size_t i = 0; i < f->n; i++) {
		term_hosts_free(&f->t[i]);
		free(f->t[i].text);
	}
	free(f->t);
	f->t = NULL;
	f->n = 0;
}

static bool term_host_in(const struct tui_filter_term *t, const char *host)
{
	for (size_t i = 0; i < t->nhosts; i++)
		if (strcmp(t->hosts[i], host) == 0)
			return true;
	return false;
}

/*
 * A plain word matches a name (a substring) or a host (the whole name), and
 * the CLI's HOST:NAME form both: "h2" is every row of h2, "h2:c" h2's
 * rows with "c" in their name.
 */
static bool name_term_match(const char *t, const char *name, const char *host)
{
	const char *colon = strchr(t, ':');

	if (!colon)
		return strcasestr(name, t) || strcasecmp(host, t) == 0;
	return strncasecmp(host, t, (size_t)(colon - t)) == 0 && !host[colon - t] &&
	       strcasestr(name, colon + 1);
}

bool tui_filter_match(const struct tui_filter *f, const struct tui_row *r, const char *host)
{
	for (size_t i = 0; i < f->n; i++) {
		const char *t = f->t[i].text;

		switch (f->t[i].kind) {
		case TUI_F_GROUP:
			if (!term_host_in(&f->t[i], host))
				return false;
			break;
		case TUI_F_HOST:
			if (strcasecmp(host, t) != 0)
				return false;
			break;
		case TUI_F_STATE:
			if (strncasecmp(tui_row_state(r), t, strlen(t)) != 0)
				return false;
			break;
		case TUI_F_NAME:
			if (!name_term_match(t, r->name, host))
				return false;
			break;
		}
	}
	return true;
}

/* qsort has no context argument: the sort runs on the UI thread only. */
static const struct tui_model *sort_m;
static enum tui_col sort_col;
static int sort_dir;

/* An address as a number, so that 10.0.0.9 sorts before 10.0.0.10; -1 none. */
static int64_t ntohl_ip(const char *s)
{
	struct in_addr a;

	if (!*s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	return (int64_t)ntohl(a.s_addr);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int sort_cmp(const void *pa, const void *pb)
{
	const struct tui_row *a = &sort_m->rows[*(const size_t *)pa];
	const struct tui_row *b = &sort_m->rows[*(const size_t *)pb];
	int c = 0;

	switch (sort_col) {
	case TUI_COL_REMOTE:
		c = strcmp(sort_m->hosts[a->host].name, sort_m->hosts[b->host].name);
		break;
	case TUI_COL_NAME:
		break;
	case TUI_COL_STATE:
		c = strcmp(tui_row_state(a), tui_row_state(b));
		break;
	case TUI_COL_IPV4:
		c = cmp_i64(ntohl_ip(a->ipv4), ntohl_ip(b->ipv4));
		break;
	case TUI_COL_CPU:
		c = cmp_i64(a->cpu_pm, b->cpu_pm);
		if (c == 0)
			c = cmp_i64(a->cpu_ns, b->cpu_ns);
		break;
	case TUI_COL_MEMORY:
		c = cmp_i64(a->mem, b->mem);
		break;
	case TUI_COL_IMAGE:
		c = strcmp(a->image, b->image);
		break;
	case TUI_COL_N:
		break;
	}
	if (c == 0)
		c = strcmp(a->name, b->name);
	if (c == 0)
		c = strcmp(sort_m->hosts[a->host].name, sort_m->hosts[b->host].name);
	return c * sort_dir;
}

void tui_sort(const struct tui_model *m, size_t *idx, size_t n, enum tui_col col, bool desc)
{
	if (n < 2)
		return; /* idx may be NULL for an empty view */
	sort_m = m;
	sort_col = col;
	sort_dir = desc ? -1 : 1;
	qsort(idx, n, sizeof(*idx), sort_cmp);
}

int tui_event_parse(struct json_object *ev, struct tui_event *out)
{
	const char *type = lxf_json_str(ev, "type");
	struct json_object *md = lxf_json_path(ev, "metadata");
	const char *prefix = "/1.0/instances/";

	memset(out, 0, sizeof(*out));
	if (!type || !md)
		return -1;
	if (strcmp(type, "lifecycle") == 0) {
		const char *action = lxf_json_str(md, "action"), *src = lxf_json_str(md, "source");
		size_t len;

		if (!action || !src || strncmp(src, prefix, strlen(prefix)) != 0)
			return 0;
		copy(out->action, sizeof(out->action), action);
		src += strlen(prefix);
		len = strcspn(src, "/?");
		if (len == 0 || len >= sizeof(out->name))
			return 0;
		memcpy(out->name, src, len);
		out->name[len] = '\0';
		if (strcmp(action, "instance-deleted") == 0 && src[len] != '/')
			out->kind = TUI_EV_DELETED;
		else if (strcmp(action, "instance-renamed") == 0)
			out->kind = TUI_EV_RELIST; /* the old name is not in every server's event */
		else
			out->kind = TUI_EV_REFRESH; /* snapshot-* included: counts, state */
		return 0;
	}
	if (strcmp(type, "operation") == 0) {
		const char *id = lxf_json_str(md, "id"), *desc = lxf_json_str(md, "description");
		int64_t code = json_int_at(md, "status_code");
		struct json_object *opmd = lxf_json_path(md, "metadata");
		const char *prog = NULL;

		if (!id)
			return -1;
		out->kind = TUI_EV_OP;
		copy(out->op.id, sizeof(out->op.id), id);
		copy(out->op.desc, sizeof(out->op.desc), desc ? desc : "operation");
		/* LXD puts progress as "download_progress", "create_instance_from_image_unpack_progress"... */
		if (opmd && json_object_is_type(opmd, json_type_object)) {
			json_object_object_foreach(opmd, k, v)
			{
				size_t kl = strlen(k);

				if (kl >= 8 && strcmp(k + kl - 8, "progress") == 0 &&
				    json_object_is_type(v, json_type_string))
					prog = json_object_get_string(v);
			}
		}
		copy(out->op.progress, sizeof(out->op.progress), prog);
		out->op_done = code >= 200 || code < 0;
		return 0;
	}
	return 0;
}

void tui_fmt_bytes(char *buf, size_t len, int64_t v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	size_t u = 0;

	if (v < 0) {
		copy(buf, len, "-");
		return;
	}
	while (d >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024.0;
		u++;
	}
	(void)snprintf(buf, len, u ? "%.1f%s" : "%.0f%s", d, units[u]);
}

int64_t tui_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
