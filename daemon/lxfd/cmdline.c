/* SPDX-License-Identifier: Apache-2.0 */
/* lxfd's command line (see cmdline.h). */
#include "cmdline.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

static int sock_path(struct lxfd_opts *o)
{
	int len = snprintf(o->sock, sizeof(o->sock), "%s/unix.socket", o->dir);
	struct sockaddr_un sa;

	return len < 0 || (size_t)len >= sizeof(o->sock) || (size_t)len >= sizeof(sa.sun_path) ? -1
											       : 0;
}

/* Checks the command and its flags once options are read. */
static int check_cmd(const struct lxfd_opts *o)
{
	const char *cmd = o->cmd;

	if (cmd && strcmp(cmd, "version") == 0) {
		printf("%s\n", LXF_VERSION);
		return 0;
	}
	if ((o->init_auto || o->init_preseed) && (!cmd || strcmp(cmd, "init") != 0)) {
		fprintf(stderr, "lxfd: --auto and --preseed belong to 'lxfd init'\n");
		return 2;
	}
	if (cmd && strcmp(cmd, "init") == 0 && o->init_auto == o->init_preseed) {
		fprintf(stderr, "lxfd: init needs exactly one of --auto and --preseed\n");
		return 2;
	}
	if (cmd && strcmp(cmd, "init") != 0 && strcmp(cmd, "waitready") != 0 &&
	    strcmp(cmd, "shutdown") != 0) {
		fprintf(stderr, "lxfd: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	return -1;
}

int lxfd_opts_parse(int argc, char **argv, struct lxfd_opts *o)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},     {"group", required_argument, NULL, 'g'},
	    {"logfile", required_argument, NULL, 'l'}, {"debug", no_argument, NULL, 'D'},
	    {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},       {"auto", no_argument, NULL, 'A'},
	    {"preseed", no_argument, NULL, 'P'},       {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = getenv("LXF_DIR");
	if (!o->dir || !o->dir[0])
		o->dir = "/var/lib/lxf";
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1 || optind < argc) {
		if (c == -1) {
			if (o->cmd) {
				fprintf(stderr, "lxfd: unexpected argument '%s'\n", argv[optind]);
				return 2;
			}
			o->cmd = argv[optind++];
			continue;
		}
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'l':
			o->logfile = optarg;
			break;
		case 'D':
			o->debug = true;
			break;
		case 't': {
			char *end = NULL;
			o->timeout = strtol(optarg, &end, 10);
			if (!*optarg || *end || o->timeout < 0) {
				fprintf(stderr, "lxfd: bad --timeout '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'A':
			o->init_auto = true;
			break;
		case 'P':
			o->init_preseed = true;
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
	if (sock_path(o) < 0) {
		fprintf(stderr, "lxfd: directory path too long: %s\n", o->dir);
		return 2;
	}
	return check_cmd(o);
}

/* True when something accepts connections on the socket. */
bool lxfd_socket_answers(const char *path)
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
