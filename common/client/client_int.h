/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's insides, shared by client.c (one request at a time) and
 * multi.c (a batch of requests driven together by one curl multi handle).
 */
#ifndef LXF_CLIENT_INT_H
#define LXF_CLIENT_INT_H

#include <curl/curl.h>

#include "client.h"

struct lxf_client {
	CURL *curl;
	char *addr;
	char *socket_path; /* unix remotes */
	char *base;        /* "http://lxd" or "https://host:port" */
	char *project;
	char *cert_path;
	char *key_path;
	char *server_cert_path;
	char *name; /* the remote's, for messages */
	long timeout_secs;
	long connect_secs;
	long answer_secs; /* 0: no silence rule */
	long cur_answer;  /* the request under way's silence limit, for its error */
	/* TLS: the pinned server certificate (DER), or accept_any for the first
	 * contact; peer is what the server presented in the last handshake. */
	unsigned char *pin_der;
	size_t pin_len;
	bool accept_any;
	bool pin_mismatch;
	unsigned char *peer_der;
	size_t peer_len;
};

/* Where a download's body goes, decided at its first byte (client_stream_body). */
enum client_sink {
	CLIENT_SINK_UNDECIDED, /* zero: no byte yet */
	CLIENT_SINK_FD,        /* a file body: written to fd as it comes */
	CLIENT_SINK_BUFFER,    /* anything else (JSON, errors): kept in resp->body */
};

struct client_xfer {
	struct lxf_response *resp;
	bool too_big;
	/* Downloads: the fd a file body streams to, and whether it was chosen. */
	CURL *curl;
	int fd;
	enum client_sink sink;
	int write_errno;
	/* Uploads from an fd. */
	int in_fd;
};

/*
 * Readies c's easy handle for METHOD path (body and headers optional),
 * with a whole-request timeout and a silence limit answer (0: none):
 * resp (x->resp) emptied, URL, options, request headers (*hdrs, for the
 * caller to free with curl_slist_free_all once the transfer is over).
 */
int lxf_client_prepare(struct lxf_client *c, const char *method, const char *path,
		       struct json_object *body, long timeout, long answer,
		       const char *const *headers, struct client_xfer *x, struct curl_slist **hdrs,
		       struct lxf_err *err);

/* Turns a finished transfer (curl's result cc) into lxf_client_request's answer. */
int lxf_client_finish(struct lxf_client *c, CURLcode cc, struct client_xfer *x,
		      struct lxf_err *err);

#endif
