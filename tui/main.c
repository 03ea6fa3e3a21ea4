/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf-tui: the full-screen fleet console. This first step only parses its
 * options; the console itself is tracked as its own issue, so running it
 * without --help/--version says so and fails instead of pretending.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
	(void)fprintf(f, "Usage: lxf-tui [--readonly] [-h|--help] [-V|--version]\n"
			 "\n"
			 "A full-screen console over every container of every remote\n"
			 "configured for lxf (see lxf-tui(1)).\n"
			 "\n"
			 "  --readonly     refuse every action (view only)\n"
			 "  -h, --help     show this help\n"
			 "  -V, --version  show the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"readonly", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			(void)printf("lxf-tui %s\n", LXF_VERSION);
			return 0;
		case 'r':
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		(void)fprintf(stderr, "lxf-tui: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	(void)fprintf(stderr, "lxf-tui: the full-screen console is not available in this "
			      "version; use 'lxf list' for the fleet view\n");
	return 1;
}
