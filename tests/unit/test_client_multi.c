/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf_client_request_all: every request of a batch gets its own answer,
 * whatever the others do (answer, fail, refuse, stay silent), and the
 * waiting note names the silent ones. The client's timeouts: a silent
 * server fails after the answer time, a slow one that keeps sending does
 * not, a handshake that never ends fails after the connect time. The
 * servers are test fixtures on unix sockets: each takes one connection,
 * reads the request head, then answers with canned bytes (or with nothing).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"
#include "client_int.h"
#include "json.h"

struct fixture {
	char path[108];
	int lfd;
	const char *answer; /* NULL: read the request, then say nothing */
	int hold_ms;        /* how long a silent server keeps the connection */
	int drip_ms;        /* > 0: the answer's body a byte at a time, this far apart */
	char request[512];  /* the request line the server got */
	pthread_t thread;
};

static void *fixture_main(void *arg)
{
	struct fixture *f = arg;
	size_t got = 0;
	int fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return NULL;
	/* The request head ends with an empty line; a GET has no body. */
	while (got < sizeof(f->request) - 1 && !strstr(f->request, "\r\n\r\n")) {
		ssize_t n = read(fd, f->request + got, sizeof(f->request) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (f->answer && f->drip_ms) {
		const char *body = strstr(f->answer, "\r\n\r\n") + 4;

		(void)!send(fd, f->answer, (size_t)(body - f->answer), MSG_NOSIGNAL);
		for (const char *p = body; *p; p++) {
			usleep((useconds_t)f->drip_ms * 1000);
			if (send(fd, p, 1, MSG_NOSIGNAL) != 1)
				break;
		}
	} else if (f->answer)
		(void)!write(fd, f->answer, strlen(f->answer));
	else
		usleep((useconds_t)f->hold_ms * 1000);
	close(fd);
	return NULL;
}

static void fixture_start(struct fixture *f, const char *dir, int i, const char *answer)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(f, 0, sizeof(*f));
	f->answer = answer;
	f->hold_ms = 2500;
	snprintf(f->path, sizeof(f->path), "%s/s%d.socket", dir, i);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fixture_main, f), 0);
}

static void fixture_stop(struct fixture *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
	unlink(f->path);
}

static char *http_json(const char *status, const char *body)
{
	char *s = NULL;

	assert_true(asprintf(&s,
			     "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
			     "Content-Length: %zu\r\n\r\n%s",
			     status, strlen(body), body) > 0);
	return s;
}

static struct lxf_client *client_for(const char *path, long timeout)
{
	struct lxf_client_opts o = {.timeout_secs = timeout};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char addr[160];

	snprintf(addr, sizeof(addr), "unix://%s", path);
	o.addr = addr;
	assert_int_equal(lxf_client_new(&o, &c, &err), 0);
	return c;
}

static void test_batch(void **state)
{
	char dir[] = "/tmp/lxf-test-multi.XXXXXX";
	struct fixture f[4];
	struct lxf_client_req r[6];
	char *ok1 = http_json("200 OK", "{\"type\":\"sync\",\"status_code\":200,"
					"\"metadata\":[\"/1.0/instances/a\"]}");
	char *ok2 =
	    http_json("200 OK", "{\"type\":\"sync\",\"status_code\":200,"
				"\"metadata\":[\"/1.0/instances/b\",\"/1.0/instances/c\"]}");
	char *notfound = http_json("404 Not Found", "{\"type\":\"error\",\"error\":\"Not found\","
						    "\"error_code\":404}");
	char gone[160];

	(void)state;
	assert_non_null(mkdtemp(dir));
	fixture_start(&f[0], dir, 0, ok1);
	fixture_start(&f[1], dir, 1, notfound);
	fixture_start(&f[2], dir, 2, ok2);
	fixture_start(&f[3], dir, 3, NULL); /* silent */
	snprintf(gone, sizeof(gone), "%s/nobody.socket", dir);
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 4; i++)
		r[i].c = client_for(f[i].path, 1);
	r[4].c = client_for(gone, 1);
	/* No client: skipped, its rc and message kept (a remote that had no config). */
	r[5].rc = lxf_err_set(&r[5].err, LXF_EINVAL, "kept");
	for (int i = 0; i < 6; i++) {
		r[i].method = "GET";
		r[i].path = i == 1 ? "/1.0/instances/x" : "/1.0/instances";
	}

	r[2].last = true;

	assert_int_equal(lxf_client_request_all(r, 6), 0);

	assert_int_equal(r[0].rc, 0);
	assert_int_equal(json_object_array_length(r[0].resp.metadata), 1);
	assert_string_equal(
	    json_object_get_string(json_object_array_get_idx(r[0].resp.metadata, 0)),
	    "/1.0/instances/a");
	assert_int_equal(r[1].rc, -LXF_ENOENT);
	assert_string_equal(r[1].err.msg, "Not found");
	assert_int_equal(r[1].resp.http_status, 404);
	assert_int_equal(r[2].rc, 0);
	assert_int_equal(json_object_array_length(r[2].resp.metadata), 2);
	assert_int_equal(r[3].rc, -LXF_ETIMEDOUT);
	assert_int_equal(r[4].rc, -LXF_EUNAVAIL);
	assert_non_null(strstr(r[4].err.msg, "nobody.socket"));
	assert_int_equal(r[5].rc, -LXF_EINVAL);
	assert_string_equal(r[5].err.msg, "kept");
	/* Each server saw its own request, once. */
	assert_non_null(strstr(f[0].request, "GET /1.0/instances HTTP/1.1\r\n"));
	assert_non_null(strstr(f[1].request, "GET /1.0/instances/x HTTP/1.1\r\n"));
	/* Only the request marked last asks the server to close. */
	assert_non_null(strstr(f[2].request, "Connection: close\r\n"));
	assert_null(strstr(f[0].request, "Connection: close"));

	/* The same clients still work one request at a time afterwards. */
	for (int i = 0; i < 6; i++)
		lxf_response_fini(&r[i].resp);
	fixture_stop(&f[0]);
	fixture_start(&f[0], dir, 0, ok2);
	assert_int_equal(
	    lxf_client_request(r[0].c, "GET", "/1.0/instances", NULL, &r[0].resp, &r[0].err), 0);
	assert_int_equal(json_object_array_length(r[0].resp.metadata), 2);
	lxf_response_fini(&r[0].resp);

	for (int i = 0; i < 4; i++)
		fixture_stop(&f[i]);
	for (int i = 0; i < 5; i++)
		lxf_client_free(r[i].c);
	rmdir(dir);
	free(ok1);
	free(ok2);
	free(notfound);
}

/* What each request's done hook saw when it was called. */
struct done_seen {
	int calls;
	int rc;
	int http_status;
	size_t nmeta;
};

/* Records the request's outcome, then frees its client: the batch must not
 * touch it again (ASan in CI). */
static void done_hook(struct lxf_client_req *r, void *arg)
{
	struct done_seen *seen = arg;

	seen->calls++;
	seen->rc = r->rc;
	seen->http_status = r->resp.http_status;
	seen->nmeta = r->resp.metadata && json_object_is_type(r->resp.metadata, json_type_array)
			  ? json_object_array_length(r->resp.metadata)
			  : 0;
	lxf_client_free(r->c);
	r->c = NULL;
}

/* The done hook: once per request that had a client, with its answer decoded,
 * and the client may go in it. */
static void test_done_hook(void **state)
{
	char dir[] = "/tmp/lxf-test-multi.XXXXXX";
	char *ok = http_json("200 OK", "{\"type\":\"sync\",\"status_code\":200,"
				       "\"metadata\":[\"/1.0/instances/a\",\"/1.0/instances/b\"]}");
	char *notfound = http_json("404 Not Found", "{\"type\":\"error\",\"error\":\"Not found\","
						    "\"error_code\":404}");
	struct done_seen seen[3] = {{0}};
	struct lxf_client_req r[3];
	struct fixture f[2];

	(void)state;
	assert_non_null(mkdtemp(dir));
	fixture_start(&f[0], dir, 0, ok);
	fixture_start(&f[1], dir, 1, notfound);
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 3; i++) {
		r[i].c = i < 2 ? client_for(f[i].path, 5) : NULL; /* r[2]: no client */
		r[i].method = "GET";
		r[i].path = "/1.0/instances";
		r[i].last = true;
		r[i].done = done_hook;
		r[i].done_arg = &seen[i];
	}
	assert_int_equal(lxf_client_request_all(r, 3), 0);
	assert_int_equal(seen[0].calls, 1);
	assert_int_equal(seen[0].rc, 0);
	assert_int_equal(seen[0].http_status, 200);
	assert_int_equal(seen[0].nmeta, 2);
	assert_int_equal(seen[1].calls, 1);
	assert_int_equal(seen[1].rc, -LXF_ENOENT);
	assert_int_equal(seen[1].http_status, 404);
	assert_int_equal(seen[2].calls, 0);
	/* The answers outlive the clients the hooks freed. */
	assert_null(r[0].c);
	assert_int_equal(json_object_array_length(r[0].resp.metadata), 2);
	assert_string_equal(r[1].err.msg, "Not found");
	for (int i = 0; i < 3; i++)
		lxf_response_fini(&r[i].resp);
	for (int i = 0; i < 2; i++)
		fixture_stop(&f[i]);
	rmdir(dir);
	free(ok);
	free(notfound);
}

/* HTTPS remotes are spread over threads; each still gets its own answer. */
static void test_https_spread(void **state)
{
	char dir[] = "/tmp/lxf-test-multi.XXXXXX";
	char *ok = http_json("200 OK", "{\"type\":\"sync\",\"status_code\":200,\"metadata\":[]}");
	struct lxf_client_req r[5];
	struct fixture f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fixture_start(&f, dir, 0, ok);
	memset(r, 0, sizeof(r));
	/* Nothing listens on port 1: each HTTPS one fails to connect, by itself. */
	for (int i = 0; i < 4; i++) {
		struct lxf_client_opts o = {.timeout_secs = 5};
		struct lxf_err err = {0};
		char addr[64];

		snprintf(addr, sizeof(addr), "https://127.0.0.%d:1", i + 1);
		o.addr = addr;
		assert_int_equal(lxf_client_new(&o, &r[i].c, &err), 0);
	}
	r[4].c = client_for(f.path, 5);
	for (int i = 0; i < 5; i++) {
		r[i].method = "GET";
		r[i].path = "/1.0";
	}
	assert_int_equal(lxf_client_request_all(r, 5), 0);
	for (int i = 0; i < 4; i++) {
		char want[64];

		snprintf(want, sizeof(want), "https://127.0.0.%d:1", i + 1);
		assert_int_equal(r[i].rc, -LXF_EUNAVAIL);
		assert_non_null(strstr(r[i].err.msg, want));
	}
	assert_int_equal(r[4].rc, 0);
	assert_int_equal(r[4].resp.http_status, 200);
	for (int i = 0; i < 5; i++) {
		lxf_response_fini(&r[i].resp);
		lxf_client_free(r[i].c);
	}
	fixture_stop(&f);
	rmdir(dir);
	free(ok);
}

/* Client defaults fit for a terminal: 2 s to connect, 5 s of silence. */
static void test_defaults(void **state)
{
	struct lxf_client_opts o = {.addr = "unix:///nowhere"};
	struct lxf_client *c = NULL;

	(void)state;
	assert_int_equal(lxf_client_new(&o, &c, NULL), 0);
	assert_int_equal(c->connect_secs, 2);
	assert_int_equal(c->answer_secs, 5);
	assert_int_equal(c->timeout_secs, 60);
	lxf_client_free(c);
}

static struct lxf_client *client_answer(const char *path, const char *name, long answer)
{
	struct lxf_client_opts o = {.answer_secs = answer, .name = name};
	struct lxf_client *c = NULL;
	char addr[160];

	snprintf(addr, sizeof(addr), "unix://%s", path);
	o.addr = addr;
	assert_int_equal(lxf_client_new(&o, &c, NULL), 0);
	return c;
}

/*
 * Silence fails after the answer time; a server that keeps sending, however
 * slowly, is waited for past it (a daemon under ASan, a long list).
 */
static void test_answer_silence(void **state)
{
	char dir[] = "/tmp/lxf-test-multi.XXXXXX";
	char *slow =
	    http_json("200 OK", "{\"type\":\"sync\",\"status_code\":200,"
				"\"metadata\":[\"/1.0/instances/a\",\"/1.0/instances/b\"]}");
	struct lxf_response resp = {0};
	struct lxf_err err = {0};
	struct lxf_client *c;
	struct fixture f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fixture_start(&f, dir, 0, NULL);
	c = client_answer(f.path, "h3", 1);
	assert_int_equal(lxf_client_request(c, "GET", "/1.0", NULL, &resp, &err), -LXF_ETIMEDOUT);
	assert_non_null(strstr(err.msg, "no answer for 1 s"));
	fixture_stop(&f);
	lxf_client_free(c);
	lxf_response_fini(&resp);

	/* A body of 2.5 s, a byte at a time: longer than 1 s, never silent for 1 s. */
	fixture_start(&f, dir, 0, slow);
	f.drip_ms = (int)(2500 / strlen(strstr(slow, "\r\n\r\n")));
	c = client_answer(f.path, "h3", 1);
	assert_int_equal(lxf_client_request(c, "GET", "/1.0", NULL, &resp, &err), 0);
	assert_int_equal(resp.http_status, 200);
	fixture_stop(&f);
	lxf_client_free(c);
	lxf_response_fini(&resp);
	rmdir(dir);
	free(slow);
}

/* A TCP listener that never takes the connection: the TLS handshake never ends. */
static void test_connect_timeout(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	struct lxf_client_opts o = {.connect_secs = 1};
	struct lxf_response resp = {0};
	struct lxf_err err = {0};
	struct lxf_client *c = NULL;
	char addr[64];
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	snprintf(addr, sizeof(addr), "https://127.0.0.1:%d", ntohs(sa.sin_port));
	o.addr = addr;
	assert_int_equal(lxf_client_new(&o, &c, NULL), 0);
	assert_int_equal(lxf_client_request(c, "GET", "/1.0", NULL, &resp, &err), -LXF_ETIMEDOUT);
	assert_non_null(strstr(err.msg, "no connection within 1 s"));
	lxf_client_free(c);
	lxf_response_fini(&resp);
	close(lfd);
}

struct note_seen {
	int calls;
	char names[128];
};

static void note_cb(void *arg, const char *const *names, size_t n)
{
	struct note_seen *seen = arg;
	size_t off = strlen(seen->names);

	seen->calls++;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(seen->names + off, sizeof(seen->names) - off, "%s%s",
					i ? "," : "", names[i]);
}

/*
 * The waiting note: once, after a second, naming only the remotes still
 * silent while others have answered; none when all answer at once.
 */
static void test_waiting_note(void **state)
{
	char dir[] = "/tmp/lxf-test-multi.XXXXXX";
	char *ok = http_json("200 OK", "{\"type\":\"sync\",\"status_code\":200,\"metadata\":[]}");
	struct note_seen seen = {0};
	struct lxf_client_req r[3];
	struct fixture f[3];

	(void)state;
	assert_non_null(mkdtemp(dir));
	fixture_start(&f[0], dir, 0, ok);
	fixture_start(&f[1], dir, 1, NULL); /* accepts, never answers */
	fixture_start(&f[2], dir, 2, ok);
	memset(r, 0, sizeof(r));
	r[0].c = client_answer(f[0].path, "h1", 2);
	r[1].c = client_answer(f[1].path, "h2", 2);
	r[2].c = client_answer(f[2].path, "h3", 2);
	for (int i = 0; i < 3; i++) {
		r[i].method = "GET";
		r[i].path = "/1.0";
	}
	assert_int_equal(lxf_client_request_all_note(r, 3, note_cb, &seen), 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.names, "h2");
	assert_int_equal(r[0].rc, 0);
	assert_int_equal(r[1].rc, -LXF_ETIMEDOUT);
	assert_int_equal(r[2].rc, 0);
	for (int i = 0; i < 3; i++) {
		fixture_stop(&f[i]);
		lxf_response_fini(&r[i].resp);
	}

	/* All answer at once: no note. */
	memset(&seen, 0, sizeof(seen));
	fixture_start(&f[0], dir, 0, ok);
	fixture_start(&f[1], dir, 1, ok);
	assert_int_equal(lxf_client_request_all_note(r, 2, note_cb, &seen), 0);
	assert_int_equal(seen.calls, 0);
	for (int i = 0; i < 3; i++) {
		if (i < 2)
			fixture_stop(&f[i]);
		lxf_response_fini(&r[i].resp);
		lxf_client_free(r[i].c);
	}
	rmdir(dir);
	free(ok);
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(lxf_client_request_all(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch),          cmocka_unit_test(test_https_spread),
	    cmocka_unit_test(test_empty),          cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_answer_silence), cmocka_unit_test(test_connect_timeout),
	    cmocka_unit_test(test_waiting_note),   cmocka_unit_test(test_done_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
