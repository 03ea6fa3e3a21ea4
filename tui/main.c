/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf-tui: the full-screen fleet console. main() loads the remotes, starts
 * one feeder thread per host (fleet.c) and runs the UI loop: poll() on the
 * terminal, the self-pipe the feeders write to when the model changes, and
 * the pipes of running commands; then getch() without delay until empty.
 * "lxf-tui --cli ARGS" is the internal entry point jobs.c re-executes to
 * run one CLI command in a fresh process.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet.h"
#include "probe.h"
#include "ui.h"

static void usage(FILE *f)
{
	(void)fprintf(f, "Usage: lxf-tui [--readonly] [--ascii] [REMOTE...]\n"
			 "\n"
			 "A full-screen console over every container of every remote\n"
			 "configured for lxf, or of the REMOTEs named (see lxf-tui(1)).\n"
			 "Press ? inside for the keys.\n"
			 "\n"
			 "  --readonly     refuse every action (view only)\n"
			 "  --ascii        draw graphs and marks in ASCII (as under LANG=C)\n"
			 "  -h, --help     show this help\n"
			 "  -V, --version  show the version\n");
}

/* Remotes the console shows: the named ones, else the fleet's members (fleet.h). */
static int pick_hosts(struct tui_model *m, int argc, char **argv)
{
	const struct lxf_remotes *r = m->remotes;

	for (int i = 0; i < argc; i++) {
		const struct lxf_remote *rem = lxf_remotes_find(r, argv[i]);

		if (!rem) {
			(void)fprintf(stderr, "lxf-tui: remote '%s' not found\n", argv[i]);
			return -1;
		}
		if (tui_model_add_host(m, rem) != 0)
			goto nomem;
	}
	for (size_t i = 0; argc == 0 && i < r->n; i++) {
		/* The fleet's one rule: no image servers, no absent built-in `local`. */
		if (lxf_fleet_member(&r->v[i]) && tui_model_add_host(m, &r->v[i]) != 0)
			goto nomem;
	}
	if (m->nhosts == 0) {
		(void)fprintf(stderr, "lxf-tui: no remote to show\n");
		return -1;
	}
	return 0;
nomem:
	(void)fprintf(stderr, "lxf-tui: out of memory for %zu hosts\n", m->nhosts + 1);
	return -1;
}

/*
 * Model changes are drawn at most once per TUI_FRAME_MS, however many
 * hosts send events: a redraw (filter, sort, the whole screen) per event
 * of 200 hosts would be the whole CPU. A key is drawn at once.
 */
#define TUI_FRAME_MS 25

static void ui_loop(struct tui_ui *ui, int wake_rd)
{
	struct pollfd p[2 + TUI_JOBS_MAX];
	int64_t drawn = 0;
	bool dirty = true, now_please = true;

	while (!ui->quit) {
		int64_t now = tui_now_ms(), wait, read_us = 0;
		size_t np = 2;
		int ch;

		if (now_please || (dirty && now - drawn >= TUI_FRAME_MS)) {
			tui_draw(ui);
			drawn = now;
			dirty = now_please = false;
		}
		wait = dirty ? drawn + TUI_FRAME_MS - now : -1;
		if (ui->redraw_ms >= 0 && (wait < 0 || ui->redraw_ms - now < wait))
			wait = ui->redraw_ms > now ? ui->redraw_ms - now : 0;
		p[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		p[1] = (struct pollfd){.fd = wake_rd, .events = POLLIN};
		for (size_t i = 0; i < ui->njobs; i++)
			p[np++] = (struct pollfd){.fd = ui->jobs[i].fd, .events = POLLIN};
		if (poll(p, np, (int)wait) < 0 && errno != EINTR)
			break;
		if (tui_probe_on && (p[0].revents & POLLIN))
			read_us = tui_probe_now();
		/* A timeout: a frame held back is due, or a host's line ticks. */
		dirty = true;
		if (p[1].revents & POLLIN) {
			char buf[256];

			pthread_mutex_lock(&ui->m->lock);
			while (read(wake_rd, buf, sizeof(buf)) > 0)
				;
			ui->m->woken = false;
			pthread_mutex_unlock(&ui->m->lock);
		}
		/* Jobs in reverse: reaping one moves the last into its slot. */
		for (size_t i = np; i-- > 2;)
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
				tui_job_read(ui, i - 2);
		if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break; /* the terminal is gone */
		/* A resize arrives as KEY_RESIZE from getch (SIGWINCH wakes poll). */
		while ((ch = getch()) != ERR && !ui->quit) {
			if (tui_probe_on)
				tui_probe_key(ch, read_us ? read_us : tui_probe_now());
			tui_key(ui, ch);
			now_please = true;
		}
	}
}

static int console_main(struct tui_model *m, bool readonly, bool ascii)
{
	static struct tui_ui ui;
	const char *cs, *nocolor;
	int wake[2];
	ssize_t len;
	int rc = 1;

	ui.m = m;
	ui.readonly = readonly;
	ui.view_dirty = true;
	ui.sort_col = TUI_COL_NAME;
	ui.log_follow = true;
	lxf_buf_init(&ui.details, TUI_DETAILS_MAX + 4096);
	len = readlink("/proc/self/exe", ui.self_exe, sizeof(ui.self_exe) - 1);
	if (len <= 0) {
		(void)fprintf(stderr, "lxf-tui: cannot find its own executable: %s\n",
			      strerror(errno));
		return 1;
	}
	ui.self_exe[len] = '\0';
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		(void)fprintf(stderr, "lxf-tui: pipe: %s\n", strerror(errno));
		return 1;
	}
	m->wake_wr = wake[1];
	cs = nl_langinfo(CODESET);
	ui.utf8 = !ascii && cs && strcmp(cs, "UTF-8") == 0;
	/* https://no-color.org: any non-empty NO_COLOR turns colours off. */
	nocolor = getenv("NO_COLOR");
	ui.color = !(nocolor && nocolor[0]);
	if (!initscr()) {
		(void)fprintf(stderr, "lxf-tui: cannot initialise the terminal\n");
		goto out;
	}
	(void)raw(); /* Ctrl-C is a key: it quits cleanly, with status 0 (keys.c) */
	(void)noecho();
	(void)nonl();
	(void)keypad(stdscr, TRUE);
	(void)nodelay(stdscr, TRUE);
	set_escdelay(25);
	(void)curs_set(0);
	(void)mousemask(BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON4_PRESSED | BUTTON5_PRESSED,
			NULL);
	(void)mouseinterval(0);
	tui_colors_init(&ui);
	if (tui_fleet_start(m) != 0) {
		(void)endwin();
		(void)fprintf(stderr, "lxf-tui: cannot start the host threads\n");
		goto out;
	}
	ui_loop(&ui, wake[0]);
	(void)endwin();
	tui_probe_fini(); /* the terminal is given back: a key that quit is shown */
	rc = 0;
out:
	if (!tui_fleet_stop(m)) {
		/* A host thread is stuck in a request: do not free what it uses. */
		(void)fflush(stdout);
		_exit(rc);
	}
	for (size_t i = 0; i < ui.njobs; i++)
		(void)close(ui.jobs[i].fd);
	m->wake_wr = -1;
	(void)close(wake[0]);
	(void)close(wake[1]);
	lxf_buf_fini(&ui.details);
	free(ui.view);
	free(ui.targets);
	free(ui.target_host);
	tui_filter_fini(&ui.filter);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"readonly", no_argument, NULL, 'r'},
	    {"ascii", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	static struct tui_model m;
	struct lxf_err err = {0};
	bool readonly = false, ascii = false;
	int c, rc;

	(void)setlocale(LC_ALL, "");
	(void)signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "--cli") == 0)
		return tui_cli_main(argc - 2, argv + 2);
	tui_probe_init();
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			(void)printf("lxf-tui %s\n", LXF_VERSION);
			return 0;
		case 'r':
			readonly = true;
			break;
		case 'a':
			ascii = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		(void)fprintf(stderr, "lxf-tui: needs a terminal (use 'lxf list' in scripts)\n");
		return 2;
	}
	if (tui_model_init(&m) != 0)
		return 1;
	rc = lxf_remotes_load(NULL, &m.remotes, &err);
	if (rc != 0) {
		(void)fprintf(stderr, "lxf-tui: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	if (pick_hosts(&m, argc - optind, argv + optind) != 0) {
		rc = 2;
		goto out;
	}
	rc = console_main(&m, readonly, ascii);
out:
	tui_probe_fini();
	lxf_remotes_free(m.remotes);
	tui_model_fini(&m);
	return rc;
}
