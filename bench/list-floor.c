/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor of one `lxf list R:` with libcurl kept (bench/lxf-list.sh,
 * bench/startup.sh): load libcurl, GET one URL over a unix socket, parse
 * nothing. Built by the benches at run time: list-floor SOCKET URL.
 */
#include <curl/curl.h>

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

int main(int argc, char **argv)
{
	CURL *h;

	if (argc < 3 || curl_global_init(CURL_GLOBAL_DEFAULT) || !(h = curl_easy_init()))
		return 2;
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, argv[1]);
	curl_easy_setopt(h, CURLOPT_URL, argv[2]);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	return curl_easy_perform(h) == CURLE_OK ? 0 : 1;
}
