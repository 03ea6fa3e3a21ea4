/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_LOG_H
#define LXF_LOG_H

#include <stdbool.h>

enum lxf_log_level { LXF_LOG_DEBUG, LXF_LOG_INFO, LXF_LOG_WARN, LXF_LOG_ERROR };

/*
 * Sends log lines to path (appended, created 0640, O_CLOEXEC), or to stderr
 * when path is NULL. Lines are "TIMESTAMP LEVEL [ident] message". Safe to call
 * from several threads: each line is one write(2). Returns 0 or -LXF_EIO.
 */
int lxf_log_open(const char *ident, const char *path, enum lxf_log_level min);
void lxf_log_close(void);
void lxf_log_set_level(enum lxf_log_level min);
bool lxf_log_enabled(enum lxf_log_level level);

void lxf_log(enum lxf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A hook that sees every line logged at or above the current level (the
 * daemon forwards them as "logging" events). Called on the logging thread
 * with the formatted message (no timestamp, no newline); it must not log.
 * NULL removes it.
 */
typedef void (*lxf_log_hook_fn)(enum lxf_log_level level, const char *msg);
void lxf_log_set_hook(lxf_log_hook_fn fn);

#define lxf_debug(...) lxf_log(LXF_LOG_DEBUG, __VA_ARGS__)
#define lxf_info(...)  lxf_log(LXF_LOG_INFO, __VA_ARGS__)
#define lxf_warn(...)  lxf_log(LXF_LOG_WARN, __VA_ARGS__)
#define lxf_error(...) lxf_log(LXF_LOG_ERROR, __VA_ARGS__)

#endif
