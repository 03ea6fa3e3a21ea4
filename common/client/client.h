/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLIENT_H
#define LXF_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

/*
 * A REST client for one remote (lxfd or LXD) over libcurl. One client is
 * one curl easy handle: use a client from one thread at a time (lxf list
 * makes one client per remote thread).
 */

#define LXF_CLIENT_JSON_MAX (64u << 20) /* cap on a JSON response */
/*
 * Interactive defaults: a remote that does not connect within 2 s, or
 * sends nothing for 5 s in answer to an ordinary request, has failed. The
 * answer rule counts silence, not the whole request, so a slow but
 * working server (a big list, a daemon under ASan) is never cut off while
 * it is sending; a hung one is. Operation waits, exec, file and image
 * transfers and migration keep their own rules.
 */
#define LXF_CLIENT_CONNECT_SECS 2L
#define LXF_CLIENT_ANSWER_SECS  5L

struct lxf_client;

struct lxf_client_opts {
	/* "unix:///path/to/unix.socket" or "https://host:port". Required. */
	const char *addr;
	/* Project name added as ?project= when not NULL and not "default". */
	const char *project;
	/* HTTPS only: PEM client certificate and key; pinned server cert
	 * (PEM): the server must present exactly this certificate (checked
	 * in the TLS handshake, before any request is sent; a different one
	 * fails with -LXF_EPERM and both fingerprints). NULL: the system CAs. */
	const char *cert_path;
	const char *key_path;
	const char *server_cert_path;
	/* HTTPS only, for the first contact (lxf remote add): accept any
	 * server certificate and keep it (lxf_client_peer_cert). */
	bool accept_any_cert;
	/* The remote's name, for messages ("remote 'h1': ..."); may be NULL. */
	const char *name;
	/* Whole-request cap for ordinary requests; 0 = 60 s, or answer_secs
	 * when that is longer. */
	long timeout_secs;
	/* Connecting (TLS handshake included); 0 = LXF_CLIENT_CONNECT_SECS. */
	long connect_secs;
	/* Ordinary requests fail after this long without a byte from the
	 * server; 0 = LXF_CLIENT_ANSWER_SECS, < 0 = no such rule. */
	long answer_secs;
};

enum lxf_resp_type { LXF_RESP_NONE, LXF_RESP_SYNC, LXF_RESP_ASYNC, LXF_RESP_ERROR };

/* A decoded response envelope. Zero it before first use. */
struct lxf_response {
	int http_status;
	enum lxf_resp_type type;
	int status_code;
	char *operation;              /* async: "/1.0/operations/<id>", else NULL */
	struct json_object *envelope; /* the whole envelope, NULL when not JSON */
	struct json_object *metadata; /* borrowed from envelope; may be NULL */
	struct lxf_buf body;          /* the raw body (kept for `lxf query --raw`) */
	char content_type[128];
	/* Response headers of interest (empty / -1 when absent). */
	char etag[128];     /* ETag, for If-Match on a later PUT */
	char filename[256]; /* Content-Disposition filename (image export) */
	char file_type[16]; /* X-LXD-type: file, directory, symlink */
	long long file_uid; /* X-LXD-uid */
	long long file_gid; /* X-LXD-gid */
	int file_mode;      /* X-LXD-mode */
	bool streamed;      /* the body went to the caller's fd, not to body */
};

/*
 * Creates a client for opts->addr (strings are copied). Unix addresses map
 * to http://lxd/<path> over CURLOPT_UNIX_SOCKET_PATH; https addresses use
 * TLS 1.3 with the client certificate. Returns 0 and *out (free with
 * lxf_client_free), or -LXF_EINVAL for a bad address, -LXF_ENOMEM.
 */
int lxf_client_new(const struct lxf_client_opts *opts, struct lxf_client **out,
		   struct lxf_err *err);

/* Frees c (NULL allowed). */
void lxf_client_free(struct lxf_client *c);

/* The address the client was made for; borrowed, lives as long as c. */
const char *lxf_client_addr(const struct lxf_client *c);

/*
 * The DER certificate the server presented in the last TLS handshake, or
 * NULL (*len 0) when none was seen (unix remotes, reused connections see
 * the first one). Borrowed: valid until the next request or lxf_client_free.
 */
const unsigned char *lxf_client_peer_cert(const struct lxf_client *c, size_t *len);

/* Releases everything resp holds; resp is zeroed and reusable. */
void lxf_response_fini(struct lxf_response *resp);

/* One request of a batch for lxf_client_request_all. Zero it, then set c, method, path. */
struct lxf_client_req {
	struct lxf_client *c; /* NULL: skipped, rc and err left as they are */
	const char *method;
	const char *path;
	/* The client's last request: ask the server to close the connection
	 * with its answer (Connection: close), rather than keep it open until
	 * we go and make it wake up again just to close it. */
	bool last;
	/* Optional: called with the request and done_arg once its answer is
	 * decoded (rc and resp set), while the rest of the batch may still be
	 * in flight, from the thread that drove it (for HTTPS remotes, maybe
	 * not the caller's). The batch is done with c by then: the hook may
	 * free it (lxf_client_free) and set c to NULL. What a caller keeps of
	 * each answer can be cut down here, so that the next answers reuse
	 * the memory. */
	void (*done)(struct lxf_client_req *r, void *done_arg);
	void *done_arg;
	struct lxf_response resp; /* the caller releases it (lxf_response_fini) */
	struct lxf_err err;
	int rc;
};

/*
 * Sends every request of reqs at once and returns when all have ended,
 * each with what lxf_client_request would have given it (rc, err, resp).
 * The transfers are driven together by curl multi handles: the unix
 * remotes' all in the calling thread, HTTPS ones spread over up to one
 * thread per CPU (their handshakes cost CPU). A slow or dead remote delays
 * the batch by its own timeout only. Returns 0, or -LXF_ENOMEM when the
 * batch could not start (then every request's rc says so too). A client is
 * used by one request at most.
 */
int lxf_client_request_all(struct lxf_client_req *reqs, size_t n);

/*
 * A batch's waiting note: names (borrowed, for the call only) are the
 * remotes (their name, else address) whose requests have not ended while
 * others' have.
 */
typedef void (*lxf_client_waiting_fn)(void *arg, const char *const *names, size_t n);

/*
 * As lxf_client_request_all, and when a second has passed with some
 * requests ended and others not, calls note (may be NULL: none) once,
 * from any of the batch's threads.
 */
int lxf_client_request_all_note(struct lxf_client_req *reqs, size_t n, lxf_client_waiting_fn note,
				void *note_arg);

/*
 * Sends METHOD path ("/1.0/instances?recursion=1") with an optional JSON
 * body (borrowed; NULL for none) and decodes the envelope into *resp
 * (previous contents released). A sync or async answer returns 0. An error
 * envelope, or an HTTP status >= 400, returns the code matching the HTTP
 * status (lxf_code_from_http) with the server's "error" text in err, and
 * resp is still filled. Transport failures are -LXF_EUNAVAIL (could not
 * connect), -LXF_ETIMEDOUT, -LXF_ETOOBIG (response over
 * LXF_CLIENT_JSON_MAX) or -LXF_EIO.
 */
int lxf_client_request(struct lxf_client *c, const char *method, const char *path,
		       struct json_object *body, struct lxf_response *resp, struct lxf_err *err);

/*
 * POSTs the file at file_path as a raw body (application/octet-stream,
 * unless headers name a Content-Type) to path, with extra headers
 * ("X-LXD-filename: x", NULL-terminated array, may be NULL). Same return contract as lxf_client_request. No overall
 * timeout: it aborts when under 1 byte/s for 60 s.
 */
int lxf_client_upload(struct lxf_client *c, const char *path, const char *file_path,
		      const char *const *headers, struct lxf_response *resp, struct lxf_err *err);

/*
 * Waits for the operation op_url ("/1.0/operations/<id>", as found in
 * lxf_response.operation) with GET <op_url>/wait?timeout=<timeout_secs>
 * (-1 = no limit): the server holds the request, no polling. On success
 * *op (may be NULL) receives a new reference to the final Operation
 * object. A failed operation returns -LXF_EIO with the operation's "err"
 * text, a cancelled one -LXF_ECANCELED, one still running at the timeout
 * -LXF_ETIMEDOUT.
 */
int lxf_client_wait_op(struct lxf_client *c, const char *op_url, int timeout_secs,
		       struct json_object **op, struct lxf_err *err);

/*
 * Convenience: sends the request and, when the answer is async, waits for
 * the operation (no limit). *op (may be NULL) gets the final Operation for
 * async answers or a reference to the sync metadata. Returns 0 or an error.
 */
int lxf_client_do(struct lxf_client *c, const char *method, const char *path,
		  struct json_object *body, struct json_object **op, struct lxf_err *err);

/*
 * As lxf_client_request, with extra request headers ("If-Match: x",
 * NULL-terminated array, may be NULL). Fills resp->etag when the server
 * sends one.
 */
int lxf_client_request_hdrs(struct lxf_client *c, const char *method, const char *path,
			    struct json_object *body, const char *const *headers,
			    struct lxf_response *resp, struct lxf_err *err);

/*
 * GETs path and streams a file body into fd (never held in memory):
 * when the answer is a success that is not JSON (X-LXD-type file, an
 * image export), the bytes go to fd and resp->streamed is true. Anything
 * else (an error envelope, a directory listing, a symlink's target) is
 * kept in resp->body (capped) and decoded as by lxf_client_request.
 * X-LXD-uid/gid/mode/type and the Content-Disposition filename are
 * filled in resp. No overall timeout: it aborts under 1 byte/s for 60 s.
 * A write failure on fd is -LXF_EIO. Same return contract otherwise.
 */
int lxf_client_download(struct lxf_client *c, const char *path, int fd, struct lxf_response *resp,
			struct lxf_err *err);

/*
 * Sends method (POST, PUT) to path with a raw body: the rest of fd (read
 * as it goes, never held in memory) when fd >= 0, else len bytes of data
 * (borrowed). Extra headers as for lxf_client_request_hdrs; the
 * Content-Type is application/octet-stream. Same return contract as
 * lxf_client_request; no overall timeout (aborts under 1 byte/s for 60 s).
 */
int lxf_client_send(struct lxf_client *c, const char *method, const char *path, int fd,
		    const void *data, size_t len, const char *const *headers,
		    struct lxf_response *resp, struct lxf_err *err);

/*
 * Traces every request of every client on f from now on (lxf --verbose,
 * --debug): level 1 the request line ("lxf: h1: > GET /1.0 HTTP/1.1"),
 * 2 also the response status line ("lxf: h1: < HTTP/1.1 200 OK"); 0 off.
 * Not thread-safe: call before any request. f is borrowed.
 */
void lxf_client_set_trace(FILE *f, int level);

/*
 * URL-escapes one path component (an instance or alias name). Returns a
 * malloc'ed string (free()) or NULL on ENOMEM.
 */
char *lxf_client_escape(const char *s);

#endif
