/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for tui/jobs.c's status line: a running command shows its
 * last line, an ended one "done" or its exit status (with its last error,
 * else where to look) and never calls an exit status a failure by name,
 * and the newest line of the running log jobs wins.
 */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ui.h"

static void job_init(struct tui_job *j, enum tui_sink sink, const char *label)
{
	memset(j, 0, sizeof(*j));
	j->sink = sink;
	(void)snprintf(j->label, sizeof(j->label), "%s", label);
}

static void test_running_shows_last_line(void **state)
{
	struct tui_job j;
	char buf[256];

	(void)state;
	job_init(&j, TUI_SINK_LOG, "apply -f web.yaml");
	tui_job_status(&j, -1, buf, sizeof(buf));
	assert_string_equal(buf, ""); /* nothing printed yet: nothing to say */
	tui_job_note(&j, "h1: create web-1: done (1.2 s)", 1);
	tui_job_status(&j, -1, buf, sizeof(buf));
	assert_string_equal(buf, "apply -f web.yaml: h1: create web-1: done (1.2 s)");
	tui_job_note(&j, "h2: create web-2: done (0.9 s)", 2);
	tui_job_status(&j, -1, buf, sizeof(buf));
	assert_string_equal(buf, "apply -f web.yaml: h2: create web-2: done (0.9 s)");
}

static void test_ended(void **state)
{
	struct tui_job j;
	char buf[256];

	(void)state;
	job_init(&j, TUI_SINK_LOG, "apply -f web.yaml");
	tui_job_note(&j, "h1: create web-1: done (1.2 s)", 1);
	tui_job_status(&j, 0, buf, sizeof(buf));
	assert_string_equal(buf, "apply -f web.yaml: done");
	/* plan's "there are changes": the status, not a verdict. */
	job_init(&j, TUI_SINK_LOG, "plan -f web.yaml");
	tui_job_note(&j, "Plan: 1 to create, 0 to update, 0 to move, 0 to delete; ...", 1);
	tui_job_status(&j, 2, buf, sizeof(buf));
	assert_string_equal(buf, "plan -f web.yaml: exit 2, see the log (L)");
	assert_null(strstr(buf, "fail"));
	/* The last Error: line outlives the lines printed after it. */
	job_init(&j, TUI_SINK_LOG, "apply -f web.yaml");
	tui_job_note(&j, "Error: remote h3 is down: connection refused", 1);
	tui_job_note(&j, "Error: web-5: not found", 2);
	tui_job_note(&j, "web-5  h3  create  failed", 3);
	tui_job_status(&j, 3, buf, sizeof(buf));
	assert_string_equal(buf, "apply -f web.yaml: exit 3: Error: web-5: not found");
}

static void test_truncated_to_the_buffer(void **state)
{
	struct tui_job j;
	char buf[16];

	(void)state;
	job_init(&j, TUI_SINK_LOG, "apply -f a-rather-long-file-name.yaml");
	tui_job_note(&j, "h1: create web-1: done (1.2 s)", 1);
	tui_job_status(&j, -1, buf, sizeof(buf));
	assert_string_equal(buf, "apply -f a-rath");
	tui_job_status(&j, 0, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static void test_latest(void **state)
{
	static struct tui_ui ui;

	(void)state;
	memset(&ui, 0, sizeof(ui));
	assert_null(tui_job_latest(&ui));
	job_init(&ui.jobs[0], TUI_SINK_LOG, "apply -f a.yaml");
	job_init(&ui.jobs[1], TUI_SINK_DETAILS, "info h1:c1");
	job_init(&ui.jobs[2], TUI_SINK_LOG, "plan -f b.yaml");
	ui.njobs = 3;
	/* A job that printed nothing yet is not shown; details are not progress. */
	assert_null(tui_job_latest(&ui));
	tui_job_note(&ui.jobs[0], "h1: create web-1: done (1.2 s)", 1);
	tui_job_note(&ui.jobs[1], "Name: c1", 2);
	assert_ptr_equal(tui_job_latest(&ui), &ui.jobs[0]);
	tui_job_note(&ui.jobs[2], "+ create web-1 on h1", 3);
	assert_ptr_equal(tui_job_latest(&ui), &ui.jobs[2]);
	tui_job_note(&ui.jobs[0], "h1: create web-2: done (1.0 s)", 4);
	assert_ptr_equal(tui_job_latest(&ui), &ui.jobs[0]);
}

/* Which commands of the : prompt get the terminal rather than a pipe. */
static void test_interactive(void **state)
{
	char *shell[] = {"exec", "h1:c1", "--", "sh"};
	char *script[] = {"exec", "h1:c1", "--", "sh", "-c", "echo hi"};
	char *bare[] = {"exec", "h1:c1", "sh"};
	char *forced[] = {"exec", "-t", "h1:c1", "--", "sh", "-c", "top"};
	char *refused[] = {"exec", "-T", "h1:c1", "--", "sh"};
	char *console[] = {"console", "h1:c1"};
	char *list[] = {"list"};

	(void)state;
	assert_true(tui_cmd_interactive(4, shell));
	assert_false(tui_cmd_interactive(6, script));
	assert_true(tui_cmd_interactive(3, bare));
	assert_true(tui_cmd_interactive(7, forced));
	assert_false(tui_cmd_interactive(5, refused));
	assert_true(tui_cmd_interactive(2, console));
	assert_false(tui_cmd_interactive(1, list));
	assert_false(tui_cmd_interactive(0, list));
}

/* ":exec -- CMD" fans CMD out over the targets; a fan-out never takes the terminal. */
static void test_exec_fanout(void **state)
{
	char *fan[] = {"exec", "--", "hostname"};
	char *one[] = {"exec", "h1:c1", "--", "sh"};
	char *cmd[] = {"sh", "-c", "exit 3"};
	char targets[2][TUI_TARGET_LEN] = {"h1:a", "h2:b"};
	char **v;
	int n = 0;

	(void)state;
	assert_true(tui_exec_is_fanout(3, fan));
	assert_false(tui_exec_is_fanout(2, fan));
	assert_false(tui_exec_is_fanout(4, one));
	v = tui_exec_fanout_argv(targets, 2, 3, cmd, &n);
	assert_non_null(v);
	assert_int_equal(n, 8);
	assert_string_equal(v[0], "exec");
	assert_string_equal(v[1], "--group-output");
	assert_string_equal(v[2], "h1:a");
	assert_string_equal(v[3], "h2:b");
	assert_string_equal(v[4], "--");
	assert_string_equal(v[5], "sh");
	assert_string_equal(v[7], "exit 3");
	assert_null(v[8]);
	free(v);
	/* One target and one word after "--" is still the fan-out, in the background. */
	v = tui_exec_fanout_argv(targets, 1, 1, cmd, &n);
	assert_non_null(v);
	assert_int_equal(n, 5);
	assert_false(tui_cmd_interactive(n, v));
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_running_shows_last_line),
	    cmocka_unit_test(test_ended),
	    cmocka_unit_test(test_truncated_to_the_buffer),
	    cmocka_unit_test(test_latest),
	    cmocka_unit_test(test_interactive),
	    cmocka_unit_test(test_exec_fanout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
