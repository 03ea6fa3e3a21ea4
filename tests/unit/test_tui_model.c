/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for tui/model.c: rows from JSON (as lxf list shows them), filter, sort, events, the log ring, CPU rates. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "tui.h"
#include "view.h"

/* The hosts h1 and h2 (tui_model_add_host borrows them). */
static struct lxf_remote test_rems[2] = {{.name = (char *)"h1"}, {.name = (char *)"h2"}};

static struct json_object *parse(const char *s)
{
	struct json_object *o = NULL;

	assert_int_equal(lxf_json_parse(s, strlen(s), 0, &o, NULL), 0);
	return o;
}

static struct json_object *inst(const char *name, const char *status, const char *ip, long long cpu,
				long long mem)
{
	char buf[1024];

	(void)snprintf(
	    buf, sizeof(buf),
	    "{\"name\":\"%s\",\"status\":\"%s\",\"config\":{\"image.description\":"
	    "\"busybox\"},\"state\":{\"cpu\":{\"usage\":%lld},\"memory\":{\"usage\":%lld},"
	    "\"network\":{\"lo\":{\"type\":\"loopback\",\"addresses\":[{\"family\":"
	    "\"inet\",\"address\":\"127.0.0.1\",\"scope\":\"local\"}]},\"eth0\":{\"type\":"
	    "\"broadcast\",\"addresses\":[{\"family\":\"inet6\",\"address\":\"fd42::1\","
	    "\"scope\":\"global\"},{\"family\":\"inet\",\"address\":\"%s\",\"scope\":"
	    "\"global\"}]}}}}",
	    name, status, cpu, mem, ip);
	return parse(buf);
}

static void model_setup(struct tui_model *m)
{
	assert_int_equal(tui_model_init(m), 0);
	assert_int_equal(tui_model_add_host(m, &test_rems[0]), 0);
	assert_int_equal(tui_model_add_host(m, &test_rems[1]), 0);
}

static void add(struct tui_model *m, uint16_t host, const char *name, const char *status,
		const char *ip, long long cpu, long long mem)
{
	struct json_object *o = inst(name, status, ip, cpu, mem);

	assert_int_equal(tui_model_upsert(m, host, o, 0), 0);
	json_object_put(o);
}

static void test_row_from_json(void **state)
{
	struct json_object *o = inst("web", "Running", "10.0.0.5", 2500000000LL, 1048576);
	struct tui_row r = {0};

	(void)state;
	assert_int_equal(tui_row_from_json(&r, o), 0);
	assert_string_equal(r.name, "web");
	assert_string_equal(r.state, "RUNNING");
	assert_string_equal(r.ipv4, "10.0.0.5"); /* not loopback, not inet6 */
	assert_string_equal(r.image, "busybox");
	assert_int_equal(r.cpu_ns, 2500000000LL);
	assert_int_equal(r.mem, 1048576);
	json_object_put(o);
	/* A stopped one shows no CPU/memory; a nameless one is refused. */
	o = inst("db", "Stopped", "", 7, 7);
	assert_int_equal(tui_row_from_json(&r, o), 0);
	assert_string_equal(r.state, "STOPPED");
	assert_int_equal(r.cpu_ns, -1);
	assert_int_equal(r.mem, -1);
	json_object_put(o);
	o = parse("{\"status\":\"Running\"}");
	assert_int_not_equal(tui_row_from_json(&r, o), 0);
	json_object_put(o);
}

/* IMAGE: "os release", else the description, else the short fingerprint. */
static void test_row_image(void **state)
{
	static const struct {
		const char *config, *want;
	} cases[] = {
	    {"{\"image.os\":\"Ubuntu\",\"image.release\":\"jammy\",\"image.description\":"
	     "\"Ubuntu jammy amd64 "
	     "(20231010_07:42)\",\"volatile.base_image\":\"0123456789abcdef\"}",
	     "Ubuntu jammy"},
	    {"{\"image.os\":\"busybox\"}", "busybox"},
	    {"{\"image.description\":\"a very long description that is cut short\"}",
	     "a very long description tha"},
	    {"{\"volatile.base_image\":\"0123456789abcdef0123\"}", "0123456789ab"},
	    /* Cut inside a UTF-8 character: the partial character goes. */
	    {"{\"image.description\":\"abcdefghijklmnopqrstuvwxyz\\u00e9\"}",
	     "abcdefghijklmnopqrstuvwxyz"},
	    {"{\"image.description\":\"abcdefghijklmnopqrstuvwxy\\u00e9\"}",
	     "abcdefghijklmnopqrstuvwxy\u00e9"},
	    {"{}", "-"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[512];
		struct json_object *o;
		struct tui_row r = {0};

		(void)snprintf(buf, sizeof(buf),
			       "{\"name\":\"c\",\"status\":\"Stopped\",\"config\":%s}",
			       cases[i].config);
		o = parse(buf);
		assert_int_equal(tui_row_from_json(&r, o), 0);
		assert_string_equal(r.image, cases[i].want);
		json_object_put(o);
	}
}

/*
 * The console and `lxf list` show one address for one container: eth1 is
 * listed first and its address sorts first, yet both pick from lxc's set
 * (no link-scoped address) and the console's is eth0's, a line of the CLI's
 * IPV4 cell. A stopped container shows none, whatever its state says.
 */
static void test_row_address_as_cli(void **state)
{
	static const char *const nets[] = {
	    "\"eth1\":{\"type\":\"broadcast\",\"addresses\":[{\"family\":\"inet\","
	    "\"address\":\"192.168.1.7\",\"scope\":\"global\"}]},\"eth0\":{\"type\":"
	    "\"broadcast\",\"addresses\":[{\"family\":\"inet\",\"address\":\"169.254.3.3\","
	    "\"scope\":\"link\"},{\"family\":\"inet\",\"address\":\"10.0.0.5\",\"scope\":"
	    "\"global\"},{\"family\":\"inet\",\"address\":\"10.0.0.50\",\"scope\":\"global\"}]}",
	    "\"eth0\":{\"type\":\"broadcast\",\"addresses\":[{\"family\":\"inet\","
	    "\"address\":\"10.0.0.5\",\"scope\":\"global\"}]}",
	};
	static const struct {
		const char *status;
		size_t net;
		const char *tui, *cli;
	} cases[] = {
	    {"Running", 0, "10.0.0.50", "192.168.1.7 (eth1)\n10.0.0.50 (eth0)\n10.0.0.5 (eth0)"},
	    {"Frozen", 1, "10.0.0.5", "10.0.0.5 (eth0)"},
	    {"Stopped", 1, "", ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[2048];
		struct json_object *o;
		struct tui_row r = {0};
		char *cell;

		(void)snprintf(buf, sizeof(buf),
			       "{\"name\":\"c\",\"status\":\"%s\",\"state\":{\"network\":{%s}}}",
			       cases[i].status, nets[cases[i].net]);
		o = parse(buf);
		assert_int_equal(tui_row_from_json(&r, o), 0);
		assert_string_equal(r.ipv4, cases[i].tui);
		cell = lxf_view_cell(lxf_view_col('4'), o);
		assert_non_null(cell);
		assert_string_equal(cell, cases[i].cli);
		free(cell);
		json_object_put(o);
	}
}

/* One sample of c1 on h1: cumulative CPU ns at now_ms. */
static void sample(struct tui_model *m, const char *status, long long cpu_ns, int64_t now_ms)
{
	struct json_object *o = inst("c1", status, "10.0.0.1", cpu_ns, 1);

	assert_int_equal(tui_model_upsert(m, 0, o, now_ms), 0);
	json_object_put(o);
}

static int32_t rate(const struct tui_model *m)
{
	return m->rows[tui_model_find(m, 0, "c1")].cpu_pm;
}

/* CPU is a rate over the last interval: unknown after one sample. */
static void test_cpu_rate(void **state)
{
	struct tui_model m;
	struct json_object *arr;

	(void)state;
	model_setup(&m);
	sample(&m, "Running", 1000000000LL, 10000);
	assert_int_equal(rate(&m), -1);
	/* 1 s of CPU in 2 s of wall time: 50.0 %. */
	sample(&m, "Running", 2000000000LL, 12000);
	assert_int_equal(rate(&m), 500);
	/* A sample 300 ms later keeps the rate and the base... */
	sample(&m, "Running", 2900000000LL, 12300);
	assert_int_equal(rate(&m), 500);
	assert_int_equal(m.rows[0].cpu_ns, 2900000000LL);
	/* ...so the next one is measured over the whole 2 s: 2 CPUs, 200 %. */
	sample(&m, "Running", 6000000000LL, 14000);
	assert_int_equal(rate(&m), 2000);
	/* An idle container: 0.0 %, not unknown. */
	sample(&m, "Running", 6000000000LL, 19000);
	assert_int_equal(rate(&m), 0);
	/* Stopped: no rate; started again (counter from zero): unknown first. */
	sample(&m, "Stopped", 0, 20000);
	assert_int_equal(rate(&m), -1);
	sample(&m, "Running", 100000000LL, 21000);
	assert_int_equal(rate(&m), -1);
	sample(&m, "Running", 200000000LL, 22000);
	assert_int_equal(rate(&m), 100);
	/* A counter that went back (restarted between samples) starts over. */
	sample(&m, "Running", 50000000LL, 23000);
	assert_int_equal(rate(&m), -1);
	/* A refresh updates known rows only: it never adds one. */
	arr = parse("[{\"name\":\"c1\",\"status\":\"Running\",\"state\":{\"cpu\":"
		    "{\"usage\":1050000000}}},{\"name\":\"new\",\"status\":\"Running\"}]");
	tui_model_refresh(&m, 0, arr, 24000);
	json_object_put(arr);
	assert_int_equal(rate(&m), 1000);
	assert_true(tui_model_find(&m, 0, "new") < 0);
	assert_int_equal(m.n, 1);
	tui_model_fini(&m);
}

/* One sample of c1 on h1 with its network counters: lo's are not counted. */
static void net_sample(struct tui_model *m, long long cpu_ns, long long rx, long long tx,
		       int64_t now_ms)
{
	char buf[512];
	struct json_object *o;

	(void)snprintf(
	    buf, sizeof(buf),
	    "{\"name\":\"c1\",\"status\":\"Running\",\"state\":{\"cpu\":{\"usage\":%lld},"
	    "\"memory\":{\"usage\":2097152},\"network\":{\"lo\":{\"type\":\"loopback\","
	    "\"counters\":{\"bytes_received\":99999,\"bytes_sent\":99999}},\"eth0\":{"
	    "\"type\":\"broadcast\",\"counters\":{\"bytes_received\":%lld,"
	    "\"bytes_sent\":%lld}}}}}",
	    cpu_ns, rx, tx);
	o = parse(buf);
	assert_int_equal(tui_model_upsert(m, 0, o, now_ms), 0);
	json_object_put(o);
}

/* The graphs' history: a sample of each rate per slot, a host's sums, and a
 * gap (not the last value held) for the slots its host was down. */
static void test_graph_history(void **state)
{
	const int64_t slot = TUI_SERIES_SLOT_MS;
	struct tui_model m;
	const struct tui_row *r;
	struct tui_host *h;

	(void)state;
	model_setup(&m);
	h = &m.hosts[0];
	net_sample(&m, 0, 0, 0, 10 * slot);
	r = &m.rows[0];
	assert_int_equal(r->rx, 0);
	assert_int_equal(tui_series_at(&r->h_cpu, 10, 0), TUI_SERIES_GAP); /* no rate yet */
	/* 1 s of CPU in 5 s: 20.0 %; 5,000 and 10,000 bytes: 1,000 and 2,000 a second. */
	net_sample(&m, 1000000000LL, 5000, 10000, 11 * slot);
	r = &m.rows[0];
	assert_int_equal(r->rx, 5000);
	assert_int_equal(tui_series_at(&r->h_cpu, 11, 0), 200);
	assert_int_equal(tui_series_at(&r->h_rx, 11, 0), 1000);
	assert_int_equal(tui_series_at(&r->h_tx, 11, 0), 2000);
	assert_int_equal(tui_series_at(&r->h_mem, 11, 0), 2048);
	tui_model_host_sample(&m, 0, 11 * slot);
	assert_int_equal(tui_series_at(&h->h_cpu, 11, 0), 200);
	assert_int_equal(tui_series_at(&h->h_mem, 11, 0), 2048);
	/* Up and answering: the graphs end at the last sample... */
	h->status = TUI_HOST_UP;
	assert_int_equal(tui_host_graph_end(h, 13 * slot), 11);
	/* ...down (or slow): at now, the slots since then blank. */
	h->status = TUI_HOST_DOWN;
	h->gap_ms = 12 * slot;
	assert_int_equal(tui_host_graph_end(h, 13 * slot), 13);
	h->status = TUI_HOST_UP;
	h->req_since_ms = 13 * slot;
	assert_int_equal(tui_host_graph_end(h, 13 * slot + TUI_SLOW_MS), 13);
	h->req_since_ms = 0;
	/* Back at slot 15: 1 s of CPU in 20 s, and the 3 slots between are a gap. */
	net_sample(&m, 2000000000LL, 5000, 10000, 15 * slot);
	r = &m.rows[0];
	assert_int_equal(tui_series_at(&r->h_cpu, 15, 0), 50);
	for (size_t i = 1; i <= 3; i++)
		assert_int_equal(tui_series_at(&r->h_cpu, 15, i), TUI_SERIES_GAP);
	assert_int_equal(tui_series_at(&r->h_cpu, 15, 4), 200);
	assert_int_equal(tui_series_at(&r->h_rx, 15, 0), 0);
	/* Up all along, read 10 s apart: the rate holds for both slots. */
	net_sample(&m, 3000000000LL, 5000, 10000, 17 * slot);
	r = &m.rows[0];
	assert_int_equal(tui_series_at(&r->h_cpu, 17, 0), 100);
	assert_int_equal(tui_series_at(&r->h_cpu, 17, 1), 100);
	tui_model_fini(&m);
}

/* tui_filter_parse over f, freeing what f held. */
static int fparse(const char *text, struct tui_filter *f, char *err, size_t len)
{
	tui_filter_fini(f);
	return tui_filter_parse(text, f, err, len);
}

/* The groups of the fake config: @web is h2, @all h1 and h2. */
static int fake_expand(void *ctx, const char *spec, char ***names, size_t *n, char *errbuf,
		       size_t errlen)
{
	static const char *const web[] = {"h2"}, *const all[] = {"h1", "h2"};
	const char *const *v = strcmp(spec, "@web") == 0   ? web
			       : strcmp(spec, "@all") == 0 ? all
							   : NULL;
	size_t k = v == web ? 1 : 2;

	(void)ctx;
	if (!v) {
		(void)snprintf(errbuf, errlen, "group '%s' not found", spec + 1);
		return -1;
	}
	*names = calloc(k, sizeof(**names));
	assert_non_null(*names);
	for (size_t i = 0; i < k; i++)
		(*names)[i] = strdup(v[i]);
	*n = k;
	return 0;
}

/* "@web" keeps the rows of the group's hosts, with the other terms. */
static void test_filter_group(void **state)
{
	struct tui_filter f = {0};
	struct tui_row r = {0};
	char err[64];

	(void)state;
	(void)snprintf(r.name, sizeof(r.name), "web1");
	(void)snprintf(r.state, sizeof(r.state), "RUNNING");
	assert_int_equal(fparse("@web", &f, err, sizeof(err)), 0);
	assert_int_equal(f.t[0].kind, TUI_F_GROUP);
	/* Unresolved, a group matches nothing. */
	assert_false(tui_filter_match(&f, &r, "h2"));
	assert_int_equal(tui_filter_groups(&f, fake_expand, NULL, err, sizeof(err)), 0);
	assert_true(tui_filter_match(&f, &r, "h2"));
	assert_false(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("@all state:stop", &f, err, sizeof(err)), 0);
	assert_int_equal(tui_filter_groups(&f, fake_expand, NULL, err, sizeof(err)), 0);
	assert_false(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("@all web", &f, err, sizeof(err)), 0);
	assert_int_equal(tui_filter_groups(&f, fake_expand, NULL, err, sizeof(err)), 0);
	assert_true(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("@db", &f, err, sizeof(err)), 0);
	assert_int_not_equal(tui_filter_groups(&f, fake_expand, NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "group 'db' not found");
	tui_filter_fini(&f);
}

static void test_filter(void **state)
{
	struct tui_filter f = {0};
	struct tui_row r = {0};
	char err[64];

	(void)state;
	(void)snprintf(r.name, sizeof(r.name), "WebServer");
	(void)snprintf(r.state, sizeof(r.state), "RUNNING");
	assert_int_equal(fparse("", &f, err, sizeof(err)), 0);
	assert_true(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("web", &f, err, sizeof(err)), 0);
	assert_true(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("db", &f, err, sizeof(err)), 0);
	assert_false(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("host:h2", &f, err, sizeof(err)), 0);
	assert_int_equal(f.t[0].kind, TUI_F_HOST);
	assert_false(tui_filter_match(&f, &r, "h1"));
	assert_true(tui_filter_match(&f, &r, "h2"));
	assert_int_equal(fparse("  state:running   server host:H1 ", &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 3);
	assert_true(tui_filter_match(&f, &r, "h1"));
	assert_int_equal(fparse("state:stop", &f, err, sizeof(err)), 0);
	assert_false(tui_filter_match(&f, &r, "h1"));
	/* No cap on terms but the prompt's line. */
	assert_int_equal(fparse("a b c d e f g h i j", &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 10);
	tui_filter_fini(&f);
}

static void test_sort(void **state)
{
	struct tui_model m;
	size_t idx[4];

	(void)state;
	model_setup(&m);
	add(&m, 1, "b", "Running", "10.0.0.10", 30, 300);
	add(&m, 0, "c", "Stopped", "", 0, 0);
	add(&m, 0, "a", "Running", "10.0.0.9", 10, 900);
	add(&m, 1, "a", "Frozen", "", 0, 0);
	for (size_t i = 0; i < 4; i++)
		idx[i] = i;
	tui_sort(&m, idx, 4, TUI_COL_NAME, false);
	assert_string_equal(m.rows[idx[0]].name, "a");
	assert_int_equal(m.rows[idx[0]].host, 0); /* ties go by host */
	assert_int_equal(m.rows[idx[1]].host, 1);
	assert_string_equal(m.rows[idx[3]].name, "c");
	tui_sort(&m, idx, 4, TUI_COL_IPV4, false);
	/* Numeric order: 10.0.0.9 before 10.0.0.10; no address first. */
	assert_string_equal(m.rows[idx[2]].ipv4, "10.0.0.9");
	assert_string_equal(m.rows[idx[3]].ipv4, "10.0.0.10");
	tui_sort(&m, idx, 4, TUI_COL_MEMORY, true);
	assert_int_equal(m.rows[idx[0]].mem, 900);
	tui_sort(&m, idx, 4, TUI_COL_REMOTE, true);
	assert_int_equal(m.rows[idx[0]].host, 1);
	tui_model_fini(&m);
}

static void test_upsert_relist(void **state)
{
	struct tui_model m;
	struct json_object *arr;

	(void)state;
	model_setup(&m);
	add(&m, 0, "a", "Stopped", "", 0, 0);
	add(&m, 0, "b", "Stopped", "", 0, 0);
	add(&m, 1, "a", "Stopped", "", 0, 0);
	assert_int_equal(m.n, 3);
	m.rows[tui_model_find(&m, 0, "a")].marked = true;
	/* An update keeps the row (and its mark) and changes its state. */
	add(&m, 0, "a", "Running", "10.1.1.1", 1, 1);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.rows[tui_model_find(&m, 0, "a")].state, "RUNNING");
	assert_true(m.rows[tui_model_find(&m, 0, "a")].marked);
	/* A re-list of h1 drops h1's rows it does not name, never h2's. */
	arr = parse(
	    "[{\"name\":\"a\",\"status\":\"Running\"},{\"name\":\"z\",\"status\":\"Stopped\"}]");
	assert_int_equal(tui_model_relist(&m, 0, arr, 0), 0);
	json_object_put(arr);
	assert_int_equal(m.n, 3);
	assert_true(tui_model_find(&m, 0, "b") < 0);
	assert_true(tui_model_find(&m, 0, "z") >= 0);
	assert_true(tui_model_find(&m, 1, "a") >= 0);
	assert_true(tui_model_remove(&m, 1, "a"));
	assert_false(tui_model_remove(&m, 1, "a"));
	assert_int_equal(m.n, 2);
	tui_model_fini(&m);
}

static void test_events(void **state)
{
	struct tui_event ev;
	struct json_object *o;
	struct tui_model m;

	(void)state;
	o = parse("{\"type\":\"lifecycle\",\"metadata\":{\"action\":\"instance-started\","
		  "\"source\":\"/1.0/instances/c1\"}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_int_equal(ev.kind, TUI_EV_REFRESH);
	assert_string_equal(ev.name, "c1");
	json_object_put(o);
	o = parse("{\"type\":\"lifecycle\",\"metadata\":{\"action\":\"instance-deleted\","
		  "\"source\":\"/1.0/instances/c1?project=default\"}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_int_equal(ev.kind, TUI_EV_DELETED);
	assert_string_equal(ev.name, "c1");
	json_object_put(o);
	/* A deleted snapshot is a change to its instance, not a deletion. */
	o = parse("{\"type\":\"lifecycle\",\"metadata\":{\"action\":\"instance-deleted\","
		  "\"source\":\"/1.0/instances/c1/snapshots/s1\"}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_int_equal(ev.kind, TUI_EV_REFRESH);
	json_object_put(o);
	o = parse("{\"type\":\"lifecycle\",\"metadata\":{\"action\":\"instance-renamed\","
		  "\"source\":\"/1.0/instances/c2\"}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_int_equal(ev.kind, TUI_EV_RELIST);
	json_object_put(o);
	o = parse("{\"type\":\"lifecycle\",\"metadata\":{\"action\":\"image-created\","
		  "\"source\":\"/1.0/images/abc\"}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_int_equal(ev.kind, TUI_EV_IGNORE);
	json_object_put(o);
	/* Operations: running ones are listed with progress, final ones go. */
	model_setup(&m);
	o = parse("{\"type\":\"operation\",\"metadata\":{\"id\":\"op1\",\"description\":"
		  "\"Creating instance\",\"status_code\":103,\"metadata\":{"
		  "\"create_instance_from_image_unpack_progress\":\"Unpack: 40%\"}}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_int_equal(ev.kind, TUI_EV_OP);
	assert_false(ev.op_done);
	assert_string_equal(ev.op.progress, "Unpack: 40%");
	tui_model_set_op(&m, 1, &ev.op, ev.op_done);
	assert_int_equal(m.hosts[1].nops, 1);
	json_object_put(o);
	o = parse("{\"type\":\"operation\",\"metadata\":{\"id\":\"op1\",\"status_code\":200}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_true(ev.op_done);
	tui_model_set_op(&m, 1, &ev.op, ev.op_done);
	assert_int_equal(m.hosts[1].nops, 0);
	json_object_put(o);
	/* A migration's progress (LXD's fs_progress) fits whole. */
	o = parse("{\"type\":\"operation\",\"metadata\":{\"id\":\"op2\",\"description\":"
		  "\"Migrating instance\",\"status_code\":103,\"metadata\":{\"fs_progress\":"
		  "\"web-server-01: 123.45MB (12.34MB/s)\"}}}");
	assert_int_equal(tui_event_parse(o, &ev), 0);
	assert_string_equal(ev.op.progress, "web-server-01: 123.45MB (12.34MB/s)");
	json_object_put(o);
	tui_model_fini(&m);
}

static void test_log_ring(void **state)
{
	static struct tui_model m;

	(void)state;
	model_setup(&m);
	for (int i = 0; i < TUI_LOG_LINES + 5; i++)
		tui_model_log(&m, "line %d\tx", i);
	assert_int_equal(m.log_n, TUI_LOG_LINES);
	assert_string_equal(tui_model_log_line(&m, 0), "line 5 x"); /* tab made a space */
	assert_string_equal(tui_model_log_line(&m, TUI_LOG_LINES - 1), "line 1004 x");
	tui_model_fini(&m);
}

/* Many changes between two draws write one byte to the self-pipe, not one each. */
static void test_wake_once(void **state)
{
	struct tui_model m;
	char buf[16];
	int p[2];

	(void)state;
	model_setup(&m);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	m.wake_wr = p[1];
	add(&m, 0, "a", "Stopped", "", 0, 0);
	add(&m, 0, "b", "Stopped", "", 0, 0);
	tui_model_log(&m, "x");
	assert_int_equal(read(p[0], buf, sizeof(buf)), 1);
	m.woken = false; /* what the UI does once it drained the pipe */
	add(&m, 1, "c", "Stopped", "", 0, 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 1);
	assert_int_equal(m.n, 3);
	(void)close(p[0]);
	(void)close(p[1]);
	tui_model_fini(&m);
}

/*
 * The index by (host, name) over thousands of rows, through growth, a
 * re-list that drops rows and a removal (both move rows), and the hosts'
 * counts of rows and running rows kept with it.
 */
static void test_index_counts(void **state)
{
	struct tui_model m;
	struct json_object *arr = json_object_new_array();
	char name[32];

	(void)state;
	model_setup(&m);
	for (int i = 0; i < 3000; i++) {
		(void)snprintf(name, sizeof(name), "c%d", i);
		add(&m, (uint16_t)(i % 2), name, i % 3 ? "Stopped" : "Running", "", 0, 0);
	}
	assert_int_equal(m.n, 3000);
	assert_int_equal(m.hosts[0].nrows, 1500);
	assert_int_equal(m.hosts[0].nrun, 500);
	assert_int_equal(m.hosts[1].nrun, 500);
	/* h1 keeps its rows c0, c6, c12 ... (one in three of its own). */
	for (int i = 0; i < 3000; i += 6) {
		(void)snprintf(name, sizeof(name), "c%d", i);
		json_object_array_add(arr, inst(name, "Stopped", "", 0, 0));
	}
	assert_int_equal(tui_model_relist(&m, 0, arr, 0), 0);
	json_object_put(arr);
	assert_true(tui_model_remove(&m, 1, "c1"));
	assert_int_equal(m.n, 500 + 1499);
	assert_int_equal(m.hosts[0].nrows, 500);
	assert_int_equal(m.hosts[0].nrun, 0); /* re-listed as stopped */
	assert_int_equal(m.hosts[1].nrows, 1499);
	assert_int_equal(m.hosts[1].nrun, 500);
	for (int i = 0; i < 3000; i++) {
		uint16_t host = (uint16_t)(i % 2);
		ssize_t k;

		(void)snprintf(name, sizeof(name), "c%d", i);
		k = tui_model_find(&m, host, name);
		if ((host == 0 && i % 6) || i == 1) {
			assert_true(k < 0);
			continue;
		}
		assert_true(k >= 0);
		assert_string_equal(m.rows[k].name, name);
		assert_int_equal(m.rows[k].host, host);
	}
	assert_true(tui_model_find(&m, 1, "c0") < 0); /* another host's name */
	tui_model_set_stale(&m, 1);
	assert_int_equal(m.hosts[1].nrows, 1499);
	assert_int_equal(m.hosts[1].nrun, 0);
	tui_model_fini(&m);
}

/* A periodic re-list that changes nothing shown does not wake the UI. */
static void test_relist_quiet(void **state)
{
	struct tui_model m;
	struct json_object *arr;
	char buf[16];
	int p[2];

	(void)state;
	model_setup(&m);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	m.wake_wr = p[1];
	arr = parse("[{\"name\":\"a\",\"status\":\"Stopped\"}]");
	assert_int_equal(tui_model_relist(&m, 0, arr, 0), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 1);
	m.woken = false;
	assert_int_equal(tui_model_relist(&m, 0, arr, 0), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), -1);
	json_object_put(arr);
	/* One row gone is news. */
	arr = parse("[]");
	assert_int_equal(tui_model_relist(&m, 0, arr, 0), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 1);
	assert_int_equal(m.n, 0);
	json_object_put(arr);
	(void)close(p[0]);
	(void)close(p[1]);
	tui_model_fini(&m);
}

/* A host that goes down: its rows are UNKNOWN, not running, until it is re-listed. */
static void test_stale(void **state)
{
	struct tui_model m;
	struct tui_filter f = {0};
	struct json_object *l;
	char err[64];

	(void)state;
	model_setup(&m);
	add(&m, 0, "a", "Running", "10.0.0.1", 1, 1);
	add(&m, 1, "b", "Running", "10.0.0.2", 1, 1);
	tui_model_set_stale(&m, 1);
	assert_false(m.rows[0].stale);
	assert_true(m.rows[1].stale);
	assert_string_equal(tui_row_state(&m.rows[1]), "UNKNOWN");
	assert_string_equal(tui_row_state(&m.rows[0]), "RUNNING");
	assert_true(tui_row_running(&m.rows[0]));
	assert_false(tui_row_running(&m.rows[1]));
	assert_int_equal(fparse("state:running", &f, err, sizeof(err)), 0);
	assert_false(tui_filter_match(&f, &m.rows[1], "h2"));
	assert_int_equal(fparse("state:unknown", &f, err, sizeof(err)), 0);
	assert_true(tui_filter_match(&f, &m.rows[1], "h2"));
	/* Back up: the re-list replaces the stale row. */
	l = json_object_new_array();
	json_object_array_add(l, inst("b", "Running", "10.0.0.2", 2, 2));
	assert_int_equal(tui_model_relist(&m, 1, l, 0), 0);
	json_object_put(l);
	assert_int_equal(tui_model_find(&m, 1, "b"), 1);
	assert_false(m.rows[1].stale);
	assert_true(tui_row_running(&m.rows[1]));
	tui_filter_fini(&f);
	tui_model_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_row_from_json),      cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_filter_group),       cmocka_unit_test(test_sort),
	    cmocka_unit_test(test_upsert_relist),      cmocka_unit_test(test_events),
	    cmocka_unit_test(test_log_ring),           cmocka_unit_test(test_wake_once),
	    cmocka_unit_test(test_row_image),          cmocka_unit_test(test_cpu_rate),
	    cmocka_unit_test(test_row_address_as_cli), cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_index_counts),       cmocka_unit_test(test_relist_quiet),
	    cmocka_unit_test(test_graph_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
