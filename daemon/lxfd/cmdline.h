/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_CMDLINE_H
#define LXFD_CMDLINE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * lxfd's command line, parsed the same way by lxfd (the daemon) and by
 * lxfd-admin (its client subcommands, which lxfd execs so that the daemon
 * process never links libcurl).
 */
struct lxfd_opts {
	const char *dir;
	const char *group;
	const char *logfile;
	bool debug;
	long timeout;
	bool init_auto, init_preseed;
	const char *cmd;     /* NULL (run the daemon), "waitready", "shutdown" or "init" */
	char sock[PATH_MAX]; /* DIR/unix.socket */
};

/*
 * Parses argv into o. Returns -1 when the caller goes on with o, else the
 * exit status to end with (usage errors printed, --help / version done).
 */
int lxfd_opts_parse(int argc, char **argv, struct lxfd_opts *o);

/* True when something accepts connections on the unix socket at path. */
bool lxfd_socket_answers(const char *path);

#endif
