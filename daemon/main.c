/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd: the daemon (foreground) and its small client subcommands
 * (waitready, shutdown, version), which talk to the socket with libcurl.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "file.h"
#include "http.h"
#include "init.h"
#include "log.h"
#include "op.h"

struct opts {
	const char *dir;
	const char *group;
	const char *logfile;
	bool debug;
	long timeout;
	bool init_auto, init_preseed;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: lxfd [--dir DIR] [--group GROUP] [--logfile FILE] [--debug]\n"
		   "       lxfd waitready [--timeout N]\n"
		   "       lxfd shutdown [--timeout N]\n"
		   "       lxfd init --auto | --preseed\n"
		   "       lxfd version\n"
		   "\n"
		   "Runs the lxf daemon in the foreground. DIR defaults to $LXF_DIR, else\n"
		   "/var/lib/lxf; the API socket is DIR/unix.socket.\n"
		   "  waitready   wait until the daemon answers (N seconds, default forever)\n"
		   "  shutdown    stop all containers cleanly and make the daemon exit\n"
		   "  init        set up lxfbr0, the default pool and profile (--auto), or\n"
		   "              apply an LXD preseed read on stdin (--preseed)\n");
}

static int sock_path(const struct opts *o, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s/unix.socket", o->dir);
	struct sockaddr_un sa;

	return len < 0 || (size_t)len >= n || (size_t)len >= sizeof(sa.sun_path) ? -1 : 0;
}

/* True when something accepts connections on the socket. */
static bool socket_answers(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

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
	while (socket_answers(sock))
		usleep(100 * 1000);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	lxfd_conf.quit = 1;
}

static int make_dirs(const char *dir, struct lxf_err *err)
{
	static const char *const subs[] = {"containers", "images", "logs"};
	char path[PATH_MAX];
	int ret = lxf_mkdir_p(dir, 0711, err);

	if (ret == 0 && chmod(dir, 0711) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot chmod %s", dir);
	for (size_t i = 0; ret == 0 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		ret = lxf_mkdir_p(path, 0711, err);
	}
	return ret;
}

static int run_daemon(const struct opts *o, const char *sock)
{
	struct sigaction sa;
	struct lxf_err err;
	char path[PATH_MAX];
	bool listening = false;
	int ret;

	lxf_err_clear(&err);
	ret = lxf_log_open("lxfd", o->logfile, o->debug ? LXF_LOG_DEBUG : LXF_LOG_INFO);
	if (ret < 0) {
		fprintf(stderr, "lxfd: cannot open log file %s\n", o->logfile);
		return 1;
	}
	if (!realpath(o->dir, lxfd_conf.dir) &&
	    snprintf(lxfd_conf.dir, sizeof(lxfd_conf.dir), "%s", o->dir) < 0)
		return 1;
	ret = make_dirs(o->dir, &err);
	if (ret == 0 && !realpath(o->dir, lxfd_conf.dir))
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot resolve %s", o->dir);
	if (ret < 0)
		goto out;
	if (socket_answers(sock)) {
		ret = lxf_err_set(&err, LXF_EBUSY, "lxfd is already running on %s", sock);
		goto out;
	}
	if (unlink(sock) < 0 && errno != ENOENT) {
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot remove stale socket %s", sock);
		goto out;
	}
	if (snprintf(path, sizeof(path), "%s/lxf.db", lxfd_conf.dir) >= (int)sizeof(path)) {
		ret = lxf_err_set(&err, LXF_EINVAL, "Directory path too long");
		goto out;
	}
	ret = db_open(path, &err);
	if (ret == 0)
		ret = backend_init(lxfd_conf.dir, &err);
	if (ret == 0)
		ret = api_server_init(&err);
	if (ret == 0)
		ret = op_init(&err);
	if (ret == 0)
		ret = autostart_schedule(&err);
	if (ret < 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() must return to see quit */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	ret = http_start(sock, o->group, lxfd_conf.dir, &err);
	listening = true; /* even half-made, the socket is ours to remove */
	if (ret < 0)
		goto out;
	lxf_info("lxfd %s ready on %s (pid %ld)", LXF_VERSION, sock, (long)getpid());
	http_run(&lxfd_conf.quit);
	lxf_info("Shutting down");
out:
	http_stop();
	if (ret < 0) {
		lxf_error("%s", err.msg);
		if (o->logfile)
			fprintf(stderr, "lxfd: %s\n", err.msg);
	}
	/* Leave a busy worker to the exit rather than wait minutes for it. */
	if (op_shutdown(5) == 0)
		db_close();
	if (listening)
		unlink(sock);
	lxf_log_close();
	return ret < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},     {"group", required_argument, NULL, 'g'},
	    {"logfile", required_argument, NULL, 'l'}, {"debug", no_argument, NULL, 'D'},
	    {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},       {"auto", no_argument, NULL, 'A'},
	    {"preseed", no_argument, NULL, 'P'},       {NULL, 0, NULL, 0},
	};
	struct opts o = {.dir = getenv("LXF_DIR"), .timeout = 0};
	char sock[PATH_MAX];
	const char *cmd = NULL;
	int c, ret;

	if (!o.dir || !o.dir[0])
		o.dir = "/var/lib/lxf";
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1 || optind < argc) {
		if (c == -1) {
			if (cmd) {
				fprintf(stderr, "lxfd: unexpected argument '%s'\n", argv[optind]);
				return 2;
			}
			cmd = argv[optind++];
			continue;
		}
		switch (c) {
		case 'd':
			o.dir = optarg;
			break;
		case 'g':
			o.group = optarg;
			break;
		case 'l':
			o.logfile = optarg;
			break;
		case 'D':
			o.debug = true;
			break;
		case 't': {
			char *end = NULL;
			o.timeout = strtol(optarg, &end, 10);
			if (!*optarg || *end || o.timeout < 0) {
				fprintf(stderr, "lxfd: bad --timeout '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'A':
			o.init_auto = true;
			break;
		case 'P':
			o.init_preseed = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s\n", LXF_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (sock_path(&o, sock, sizeof(sock)) < 0) {
		fprintf(stderr, "lxfd: directory path too long: %s\n", o.dir);
		return 2;
	}
	if (cmd && strcmp(cmd, "version") == 0) {
		printf("%s\n", LXF_VERSION);
		return 0;
	}
	if ((o.init_auto || o.init_preseed) && (!cmd || strcmp(cmd, "init") != 0)) {
		fprintf(stderr, "lxfd: --auto and --preseed belong to 'lxfd init'\n");
		return 2;
	}
	if (cmd && strcmp(cmd, "init") == 0) {
		if (o.init_auto == o.init_preseed) {
			fprintf(stderr, "lxfd: init needs exactly one of --auto and --preseed\n");
			return 2;
		}
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ret = lxfd_init_cmd(sock, o.init_preseed);
		curl_global_cleanup();
		return ret;
	}
	if (cmd && strcmp(cmd, "waitready") != 0 && strcmp(cmd, "shutdown") != 0) {
		fprintf(stderr, "lxfd: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (!cmd)
		return run_daemon(&o, sock);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = strcmp(cmd, "waitready") == 0 ? cmd_waitready(sock, o.timeout)
					    : cmd_shutdown(sock, o.timeout);
	curl_global_cleanup();
	return ret;
}
