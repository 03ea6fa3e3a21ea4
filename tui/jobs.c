/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running lxf commands from the console. Every action, the `:` prompt,
 * the details view and exec/console go through the CLI's command table
 * (lxfcli, the code `lxf` runs), in a child process that re-executes this
 * binary as "lxf-tui --cli ARGS": a fresh process, because forking a
 * process with live curl/websocket threads and carrying on in the child
 * is unsafe, and because a command that exits or crashes must not take
 * the console with it. Background commands write into a pipe that the UI
 * loop polls; their lines go to the log view (or the details view), and
 * the last one to the status line while the command runs.
 * exec and console get the terminal: the screen is handed over with
 * def_prog_mode/endwin and restored after; their stderr passes through
 * a pipe so that their error is kept for the status line and the log.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "complete.h"
#include "ui.h"

/* "--cli A B ; C D": runs each command in turn; the last failure wins. */
int tui_cli_main(int argc, char **argv)
{
	char **v = calloc((size_t)argc + 2, sizeof(*v));
	int st = 0, n = 0;

	if (!v) {
		(void)fprintf(stderr, "lxf-tui: out of memory\n");
		return 1;
	}

	/* The console shows each line as it comes (progress), not at exit. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i <= argc; i++) {
		if (i == argc || strcmp(argv[i], ";") == 0) {
			if (n > 0) {
				int rc;

				v[0] = (char *)"lxf";
				v[n + 1] = NULL;
				rc = lxf_cmd_run(n + 1, v);
				(void)fflush(stdout);
				(void)fflush(stderr);
				if (rc != 0)
					st = rc;
			}
			n = 0;
			continue;
		}
		v[1 + n++] = argv[i];
	}
	free(v);
	return st;
}

bool tui_cmd_exists(const char *name)
{
	const struct lxf_cmd *c;

	for (size_t i = 0; (c = lxf_cmd_nth(i)) != NULL; i++)
		if (strcmp(c->name, name) == 0)
			return true;
	return false;
}

/* complete.c's source of instance names: the rows of the model (no network). */
static void complete_instances(void *ctx, const struct lxf_remotes *r, const char *remote,
			       struct lxf_cands *c)
{
	struct tui_model *m = ctx;

	(void)r;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->hosts[m->rows[i].host].name, remote) == 0)
			lxf_cands_add(c, m->rows[i].name);
	pthread_mutex_unlock(&m->lock);
}

size_t tui_cmd_complete(struct tui_ui *ui, char *list, size_t listlen)
{
	const struct lxf_complete_src src = {.instances = complete_instances, .ctx = ui->m};
	char partial[TUI_INPUT_MAX], common[TUI_INPUT_MAX];
	struct lxf_cands c = {.n = 0};
	size_t pl, cl, n, off = 0;

	lxf_complete(ui->in, &src, &c, partial, sizeof(partial));
	list[0] = '\0';
	for (size_t i = 0; i < c.n; i++) {
		int w = snprintf(list + off, listlen - off, "%s ", c.v[i]);

		if (w < 0 || (size_t)w >= listlen - off) {
			list[off] = '\0';
			break;
		}
		off += (size_t)w;
	}
	pl = strlen(partial);
	cl = lxf_cands_common(&c, common, sizeof(common));
	if (cl > pl && ui->ilen + cl - pl < sizeof(ui->in)) {
		memcpy(ui->in + ui->ilen, common + pl, cl - pl + 1);
		ui->ilen += cl - pl;
	}
	n = c.n;
	lxf_cands_fini(&c);
	return n;
}

/*
 * "lxf-tui --cli ARGV...", NULL-terminated (free it; the strings are
 * argv's): made before the fork, as the child of a threaded process must
 * not malloc. NULL when out of memory.
 */
static char **job_argv(int argc, char *const *argv)
{
	char **v = calloc((size_t)argc + 3, sizeof(*v));

	if (!v)
		return NULL;
	v[0] = (char *)"lxf-tui";
	v[1] = (char *)"--cli";
	for (int i = 0; i < argc; i++)
		v[2 + i] = argv[i];
	return v;
}

static void job_exec_child(struct tui_ui *ui, char **v)
{
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGQUIT, SIG_DFL);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)execv(ui->self_exe, v);
	(void)fprintf(stderr, "lxf-tui: cannot run %s: %s\n", ui->self_exe, strerror(errno));
	_exit(127);
}

int tui_job_start(struct tui_ui *ui, enum tui_sink sink, const char *label, int argc,
		  char *const *argv)
{
	struct tui_job *j;
	char **v = NULL;
	int p[2], nul;
	pid_t pid;

	/* "exec R:C -- sh" at the prompt wants the terminal, not a pipe. */
	if (tui_cmd_interactive(argc, argv))
		return tui_job_foreground(ui, argc, argv) < 0 ? -1 : 0;
	if (ui->njobs == TUI_JOBS_MAX) {
		(void)snprintf(ui->msg, sizeof(ui->msg), "too many commands running (%d)",
			       TUI_JOBS_MAX);
		return -1;
	}
	v = job_argv(argc, argv);
	if (!v || pipe2(p, O_CLOEXEC) != 0) {
		(void)snprintf(ui->msg, sizeof(ui->msg), "pipe: %s", strerror(v ? errno : ENOMEM));
		free(v);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		(void)snprintf(ui->msg, sizeof(ui->msg), "fork: %s", strerror(errno));
		(void)close(p[0]);
		(void)close(p[1]);
		free(v);
		return -1;
	}
	if (pid == 0) {
		nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		job_exec_child(ui, v);
	}
	free(v);
	(void)close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	j = &ui->jobs[ui->njobs++];
	memset(j, 0, sizeof(*j));
	j->pid = pid;
	j->fd = p[0];
	j->sink = sink;
	(void)snprintf(j->label, sizeof(j->label), "%s", label);
	if (sink == TUI_SINK_LOG)
		ui->msg[0] = '\0'; /* older news: the status line follows this job now */
	pthread_mutex_lock(&ui->m->lock);
	tui_model_log(ui->m, "$ lxf %s", label);
	pthread_mutex_unlock(&ui->m->lock);
	return 0;
}

void tui_job_note(struct tui_job *j, const char *line, unsigned seq)
{
	(void)snprintf(j->last, sizeof(j->last), "%s", line);
	if (strncmp(line, "Error:", 6) == 0)
		(void)snprintf(j->error, sizeof(j->error), "%s", line);
	j->seq = seq;
}

void tui_job_status(const struct tui_job *j, int st, char *buf, size_t len)
{
	if (st < 0 && !j->seq)
		buf[0] = '\0';
	else if (st < 0)
		(void)snprintf(buf, len, "%s: %s", j->label, j->last);
	else if (st == 0)
		(void)snprintf(buf, len, "%s: done", j->label);
	else if (j->error[0])
		(void)snprintf(buf, len, "%s: exit %d: %s", j->label, st, j->error);
	else
		(void)snprintf(buf, len, "%s: exit %d, see the log (L)", j->label, st);
}

const struct tui_job *tui_job_latest(const struct tui_ui *ui)
{
	const struct tui_job *best = NULL;

	for (size_t i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].sink == TUI_SINK_LOG && ui->jobs[i].seq &&
		    (!best || ui->jobs[i].seq > best->seq))
			best = &ui->jobs[i];
	return best;
}

static void job_line(struct tui_ui *ui, struct tui_job *j)
{
	j->partial[j->plen] = '\0';
	if (j->sink == TUI_SINK_PICK) {
		tui_pick_line(ui, j->label, j->partial);
	} else if (j->sink == TUI_SINK_DETAILS) {
		(void)lxf_buf_adds(&ui->details, j->partial);
		(void)lxf_buf_addc(&ui->details, '\n');
	} else {
		pthread_mutex_lock(&ui->m->lock);
		tui_model_log(ui->m, "  %s", j->partial);
		pthread_mutex_unlock(&ui->m->lock);
	}
	tui_job_note(j, j->partial, ++ui->job_seq);
	j->plen = 0;
}

/* Drains job i's pipe; at EOF reaps it and reports its status. */
void tui_job_read(struct tui_ui *ui, size_t i)
{
	struct tui_job *j = &ui->jobs[i];
	char buf[4096];
	ssize_t r;
	int st = 0;

	while ((r = read(j->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t k = 0; k < r; k++) {
			if (buf[k] == '\n' || j->plen == sizeof(j->partial) - 1)
				job_line(ui, j);
			if (buf[k] != '\n')
				j->partial[j->plen++] = buf[k];
		}
		/* The details sink is capped; the log is a ring already. */
		if (ui->details.len > TUI_DETAILS_MAX)
			lxf_buf_reset(&ui->details);
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (j->plen)
		job_line(ui, j);
	(void)close(j->fd);
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	pthread_mutex_lock(&ui->m->lock);
	tui_model_log(ui->m, "[%s: exit %d]", j->label, st);
	pthread_mutex_unlock(&ui->m->lock);
	/* The details view shows its own outcome; only a failure is news there. */
	if (j->sink == TUI_SINK_LOG || st != 0)
		tui_job_status(j, st, ui->msg, sizeof(ui->msg));
	ui->jobs[i] = ui->jobs[--ui->njobs];
}

bool tui_exec_is_fanout(int argc, char *const *argv)
{
	return argc >= 3 && strcmp(argv[0], "exec") == 0 && strcmp(argv[1], "--") == 0;
}

char **tui_exec_fanout_argv(char (*const targets)[TUI_TARGET_LEN], size_t n, int argc,
			    char *const *argv, int *argc_out)
{
	char **v = calloc(n + (size_t)argc + 4, sizeof(*v));
	int k = 0;

	if (!v)
		return NULL;
	v[k++] = (char *)"exec";
	v[k++] = (char *)"--group-output";
	for (size_t i = 0; i < n; i++)
		v[k++] = (char *)targets[i];
	v[k++] = (char *)"--";
	for (int i = 0; i < argc; i++)
		v[k++] = argv[i];
	*argc_out = k;
	return v;
}

bool tui_cmd_interactive(int argc, char *const *argv)
{
	int words = 0;
	bool dashes = false;

	if (argc < 1)
		return false;
	if (strcmp(argv[0], "console") == 0)
		return true;
	if (strcmp(argv[0], "exec") != 0)
		return false;
	for (int i = 1; i < argc; i++) {
		if (dashes) {
			words++;
			continue;
		}
		if (strcmp(argv[i], "--") == 0)
			dashes = true;
		else if (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--force-interactive") == 0)
			return true;
		else if (strcmp(argv[i], "-T") == 0 ||
			 strcmp(argv[i], "--force-noninteractive") == 0)
			return false;
		else if (strcmp(argv[i], "--group-output") == 0 || strcmp(argv[i], "--all") == 0)
			return false; /* a fan-out: many outputs, no one terminal */
	}
	/* "exec R:C -- sh": a program alone wants a terminal; "-- sh -c ..." runs in the
	 * background. Without "--" lxf takes the command after the instance. */
	if (!dashes)
		for (int i = 2; i < argc; i++)
			words += argv[i][0] != '-';
	return words == 1;
}

/*
 * The stderr of a command on the terminal, copied through to the terminal
 * (a shell's prompt, lxf's progress) and kept line by line, so that its
 * error reaches the status line and the log once the screen is back:
 * written straight to the terminal it would be drawn over at once.
 */
static void fg_relay(struct tui_ui *ui, struct tui_job *j, int fd, pid_t pid, int *st)
{
	bool exited = false;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char buf[1024];
		ssize_t r;

		/* A child of the command could hold the pipe: the command's exit ends it. */
		if (!exited && waitpid(pid, st, WNOHANG) == pid)
			exited = true;
		if (poll(&p, 1, exited ? 0 : 200) < 0 && errno != EINTR)
			break;
		r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno != EINTR && (errno != EAGAIN || exited)))
			break; /* EOF, or nothing more from a command that ended */
		if (r < 0)
			continue;
		/* A terminal gone is no reason to stop: the log still gets it. */
		(void)!write(STDERR_FILENO, buf, (size_t)r);
		for (ssize_t k = 0; k < r; k++) {
			if (buf[k] == '\n' || j->plen == sizeof(j->partial) - 1)
				job_line(ui, j);
			if (buf[k] != '\n' && buf[k] != '\r')
				j->partial[j->plen++] = buf[k];
		}
	}
	if (j->plen)
		job_line(ui, j);
	if (!exited)
		while (waitpid(pid, st, 0) < 0 && errno == EINTR)
			;
}

/* Runs a command on the terminal (exec, console) and restores the screen. */
int tui_job_foreground(struct tui_ui *ui, int argc, char *const *argv)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
	struct tui_job j = {.sink = TUI_SINK_LOG};
	size_t off = 0;
	pid_t pid = -1;
	int p[2] = {-1, -1}, st = 0;
	char **v;

	for (int i = 0; i < argc && off + 1 < sizeof(j.label); i++) {
		int w =
		    snprintf(j.label + off, sizeof(j.label) - off, "%s%s", i ? " " : "", argv[i]);

		off = w < 0 ? off : off + (size_t)w;
	}
	pthread_mutex_lock(&ui->m->lock);
	tui_model_log(ui->m, "$ lxf %s", j.label);
	pthread_mutex_unlock(&ui->m->lock);
	v = job_argv(argc, argv);
	if (!v || pipe2(p, O_CLOEXEC) != 0) {
		(void)snprintf(ui->msg, sizeof(ui->msg), "pipe: %s", strerror(v ? errno : ENOMEM));
		free(v);
		return -1;
	}
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	def_prog_mode();
	(void)endwin();
	/* As system() does: the terminal's ^C belongs to the child now. */
	(void)sigaction(SIGINT, &ign, &oint);
	(void)sigaction(SIGQUIT, &ign, &oquit);
	pid = fork();
	if (pid == 0) {
		if (dup2(p[1], STDERR_FILENO) < 0)
			_exit(127);
		job_exec_child(ui, v);
	}
	free(v);
	(void)close(p[1]);
	if (pid > 0)
		fg_relay(ui, &j, p[0], pid, &st);
	(void)close(p[0]);
	(void)sigaction(SIGINT, &oint, NULL);
	(void)sigaction(SIGQUIT, &oquit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	(void)refresh();
	if (pid < 0) {
		(void)snprintf(ui->msg, sizeof(ui->msg), "fork: %s", strerror(errno));
		return -1;
	}
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	pthread_mutex_lock(&ui->m->lock);
	tui_model_log(ui->m, "[%s: exit %d]", j.label, st);
	pthread_mutex_unlock(&ui->m->lock);
	tui_job_status(&j, st, ui->msg, sizeof(ui->msg));
	return st;
}
