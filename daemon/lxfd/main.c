/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd: the daemon (foreground). Its client subcommands (waitready,
 * shutdown, init) live in lxfd-admin (admin.c), which this execs.
 */
#include <errno.h>
#include <malloc.h>
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
#include "auth.h"
#include "backend.h"
#include "cmdline.h"
#include "db.h"
#include "events.h"
#include "file.h"
#include "helper.h"
#include "http.h"
#include "lifecycle.h"
#include "log.h"
#include "op.h"

static void on_signal(int sig)
{
	(void)sig;
	lxfd_conf.quit = 1;
}

/* The modes are backend_modes.c's: only containers/ is traversable. */
static int make_dirs(const char *dir, struct lxf_err *err)
{
	static const struct {
		const char *name;
		mode_t mode;
	} subs[] = {{"containers", 0711}, {"images", 0700}, {"logs", 0700}};
	char path[PATH_MAX];
	int ret = lxf_mkdir_p(dir, 0711, err);

	if (ret == 0 && chmod(dir, 0711) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot chmod %s", dir);
	for (size_t i = 0; ret == 0 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i].name);
		ret = lxf_mkdir_p(path, subs[i].mode, err);
	}
	return ret;
}

static int run_daemon(const struct lxfd_opts *o, const char *sock)
{
	struct sigaction sa;
	struct lxf_err err;
	char path[PATH_MAX];
	char https_addr[256];
	const struct http_https_conf https = {https_addr, auth_cert_level};
	bool listening = false;
	int ret;

	lxf_err_clear(&err);
	/*
	 * glibc gives threads up to 8 malloc arenas per CPU; each short-lived
	 * list or exec thread that lands on a new one leaves a few hundred kB
	 * resident there. Two arenas: RSS after 30 recursion=2 lists 13.8 MB
	 * instead of 16.3, at the same CPU (bench/RESULTS.md).
	 */
	(void)mallopt(M_ARENA_MAX, 2);
	/*
	 * No fastbins: a list's JSON tree is thousands of small chunks, which
	 * fastbins keep unmerged until the next large free (the answer's
	 * buffer) merges them all at once, 12% of a recursion=1 list of 200
	 * containers. Without them tcache still serves the small sizes; a
	 * recursion=2 list costs about 8% less CPU, RSS unchanged
	 * (bench/daemon-scale.sh).
	 */
	(void)mallopt(M_MXFAST, 0);
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
	if (lxfd_socket_answers(sock)) {
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
	api_routes_init();
	lxfd_conf.stop_all = lifecycle_stop_all;
	ret = db_open(path, &err);
	if (ret == 0)
		ret = backend_init(lxfd_conf.dir, &err);
	if (ret == 0)
		ret = lifecycle_init(&err);
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
	if (api_server_config_get("core.https_address", https_addr, sizeof(https_addr)) != 1)
		https_addr[0] = '\0';
	ret = http_start(sock, o->group, lxfd_conf.dir, &https, &err);
	listening = true; /* even half-made, the socket is ours to remove */
	if (ret == 0)
		ret = auth_init(&err);
	if (ret == 0)
		ret = events_init(&err);
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

/*
 * The client subcommands run as lxfd-admin: exec'd, not linked, so that
 * libcurl and its dependencies are never mapped into the daemon.
 */
static int exec_admin(char **argv)
{
	char path[PATH_MAX];
	struct lxf_err err;

	if (lxfd_helper_path("lxfd-admin", path, sizeof(path), &err) < 0) {
		fprintf(stderr, "lxfd: %s\n", err.msg);
		return 1;
	}
	execv(path, argv);
	fprintf(stderr, "lxfd: cannot run %s: %s\n", path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct lxfd_opts o;
	int ret = lxfd_opts_parse(argc, argv, &o);

	if (ret >= 0)
		return ret;
	if (o.cmd)
		return exec_admin(argv);
	return run_daemon(&o, o.sock);
}
