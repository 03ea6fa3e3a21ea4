/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-admin: lxfd's client subcommands (waitready, shutdown, init), which
 * talk to the daemon's socket with libcurl, and the image downloads of
 * image copies between hosts (admin_fetch.c). lxfd execs this program for
 * them so that the daemon process itself never maps libcurl and the TLS,
 * HTTP/2, LDAP... libraries libcurl pulls in.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "cmdline.h"
#include "init.h"

static size_t discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
}

/* One request on the socket; returns the HTTP status, or -1 when nothing answered. */
static long client_request(const char *sock, const char *method, const char *url, long timeout)
{
	CURL *c = curl_easy_init();
	long status = -1;

	if (!c)
		return -1;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmd_waitready(const char *sock, long timeout)
{
	double end = now_s() + (double)timeout;

	for (;;) {
		if (client_request(sock, "GET", "http://lxd/1.0", 5) == 200)
			return 0;
		if (timeout > 0 && now_s() >= end) {
			fprintf(stderr, "lxfd: the daemon did not answer within %ld seconds\n",
				timeout);
			return 1;
		}
		usleep(100 * 1000);
	}
}

static int cmd_shutdown(const char *sock, long timeout)
{
	char url[64];
	long st;

	snprintf(url, sizeof(url), "http://lxd/internal/shutdown?timeout=%ld",
		 timeout > 0 ? timeout : 30);
	st = client_request(sock, "PUT", url, 30);
	if (st < 0) {
		fprintf(stderr, "lxfd: the daemon is not running (%s)\n", sock);
		return 1;
	}
	if (st != 200) {
		fprintf(stderr, "lxfd: shutdown refused (HTTP %ld)\n", st);
		return 1;
	}
	/* Wait for the socket to go quiet: the daemon is gone. */
	while (lxfd_socket_answers(sock))
		usleep(100 * 1000);
	return 0;
}

int main(int argc, char **argv)
{
	struct lxfd_opts o;
	int ret;

	/* lxfd's own use: not a user command, not in lxfd's usage. */
	if (argc > 1 && strcmp(argv[1], "image-fetch") == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ret = lxfd_admin_image_fetch(argc, argv);
		curl_global_cleanup();
		return ret;
	}
	if (argc > 1 && strcmp(argv[1], "url-fetch") == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ret = lxfd_admin_url_fetch(argc, argv);
		curl_global_cleanup();
		return ret;
	}
	if (argc > 1 && strcmp(argv[1], "image-push") == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ret = lxfd_admin_image_push(argc, argv);
		curl_global_cleanup();
		return ret;
	}
	ret = lxfd_opts_parse(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (!o.cmd) {
		fprintf(stderr, "lxfd-admin: a command is needed (waitready, shutdown, init)\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(o.cmd, "init") == 0)
		ret = lxfd_init_cmd(o.sock, o.init_preseed);
	else if (strcmp(o.cmd, "waitready") == 0)
		ret = cmd_waitready(o.sock, o.timeout);
	else
		ret = cmd_shutdown(o.sock, o.timeout);
	curl_global_cleanup();
	return ret;
}
