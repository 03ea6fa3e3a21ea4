/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Line logger. Each line is formatted into a stack buffer and sent with a
 * single write(2) on an O_APPEND fd, so lines from several threads (and
 * several processes sharing the file) never interleave.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

#define LOG_LINE_MAX  4096
#define LOG_IDENT_MAX 32

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1; /* -1: stderr */
static char log_ident[LOG_IDENT_MAX] = "lxf";
static atomic_int log_min = LXF_LOG_INFO;
static _Atomic(lxf_log_hook_fn) log_hook;

static const char *const log_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int lxf_log_open(const char *ident, const char *path, enum lxf_log_level min)
{
	int fd = -1;
	int ret = 0;

	if (path) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
		if (fd < 0) {
			ret = -LXF_EIO;
			goto out;
		}
	}
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	fd = -1;
	(void)snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "lxf");
	pthread_mutex_unlock(&log_lock);
	lxf_log_set_level(min);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

void lxf_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	pthread_mutex_unlock(&log_lock);
}

void lxf_log_set_level(enum lxf_log_level min)
{
	if (min < LXF_LOG_DEBUG || min > LXF_LOG_ERROR)
		min = LXF_LOG_INFO;
	atomic_store(&log_min, (int)min);
}

bool lxf_log_enabled(enum lxf_log_level level)
{
	return (int)level >= atomic_load(&log_min);
}

/* "2024-05-01T12:34:56.789Z" */
static void log_timestamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm) ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		(void)snprintf(out, size, "-");
		return;
	}
	(void)snprintf(out, size, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

static void log_write_all(int fd, const char *p, size_t n)
{
	/* Short writes are rare (pipes, full disk); retry but never block forever on EINTR. */
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void log_vline(enum lxf_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	char ts[48];
	size_t len, msg;
	lxf_log_hook_fn hook;
	int n;

	log_timestamp(ts, sizeof(ts));
	pthread_mutex_lock(&log_lock);
	n = snprintf(line, sizeof(line), "%s %s [%s] ", ts, log_names[level], log_ident);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		goto out;
	len = msg = (size_t)n;
	/* Leave room for the newline; a longer message is cut, not split. */
	/* clang-analyzer misreads a va_list parameter passed to glibc's vsnprintf. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len - 1 ? (size_t)n : sizeof(line) - len - 2;
	/* One line per call: embedded newlines would let a message forge log lines. */
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len] = '\0';
	/* Under the lock: hook calls keep the order of the lines they report. */
	hook = atomic_load(&log_hook);
	if (hook)
		hook(level, line + msg);
	line[len++] = '\n';
	log_write_all(log_fd >= 0 ? log_fd : STDERR_FILENO, line, len);
out:
	pthread_mutex_unlock(&log_lock);
}

void lxf_log(enum lxf_log_level level, const char *fmt, ...)
{
	int saved_errno = errno;

	if (level < LXF_LOG_DEBUG || level > LXF_LOG_ERROR)
		level = LXF_LOG_ERROR;
	if (lxf_log_enabled(level)) {
		va_list ap;

		va_start(ap, fmt);
		log_vline(level, fmt, ap);
		va_end(ap);
	}
	errno = saved_errno;
}

void lxf_log_set_hook(lxf_log_hook_fn fn)
{
	atomic_store(&log_hook, fn);
}
