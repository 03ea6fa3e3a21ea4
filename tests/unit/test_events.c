/* SPDX-License-Identifier: Apache-2.0 */
/* Event JSON shape, ?type= parsing and the exec/console control messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "json.h"
#include "ws.h"

static void test_types(void **state)
{
	struct lxf_err err;
	unsigned m = 0;

	(void)state;
	assert_int_equal(events_parse_types("", &m, &err), 0);
	assert_int_equal(m, EVENTS_ALL);
	assert_int_equal(events_parse_types("lifecycle", &m, &err), 0);
	assert_int_equal(m, EVENTS_LIFECYCLE);
	assert_int_equal(events_parse_types("operation,logging", &m, &err), 0);
	assert_int_equal(m, EVENTS_OPERATION | EVENTS_LOGGING);
	assert_int_equal(events_parse_types("lifecycle,,operation,", &m, &err), 0);
	assert_int_equal(m, EVENTS_LIFECYCLE | EVENTS_OPERATION);
	m = 42;
	assert_int_equal(events_parse_types("lifecycle,bogus", &m, &err), -LXF_EINVAL);
	assert_int_equal(m, 42); /* unchanged on error */
	assert_non_null(strstr(err.msg, "bogus"));
	assert_int_equal(events_parse_types("Lifecycle", &m, &err), -LXF_EINVAL);
}

static void test_timestamp(void **state)
{
	struct timespec t = {.tv_sec = 1714557600, .tv_nsec = 123456789};
	char buf[64];

	(void)state;
	events_timestamp(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T10:00:00.123456789Z");
	t.tv_nsec = 5;
	events_timestamp(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T10:00:00.000000005Z");
}

static void test_event_shape(void **state)
{
	struct timespec t = {.tv_sec = 0, .tv_nsec = 0};
	struct json_object *md = json_object_new_object(), *o;

	(void)state;
	lxf_json_add_str(md, "action", "instance-started");
	o = events_build("lifecycle", &t, md);
	assert_non_null(o);
	assert_string_equal(lxf_json_str(o, "type"), "lifecycle");
	assert_string_equal(lxf_json_str(o, "timestamp"), "1970-01-01T00:00:00.000000000Z");
	assert_string_equal(lxf_json_str(o, "location"), "none");
	assert_string_equal(lxf_json_str(o, "project"), "default");
	assert_string_equal(lxf_json_str(json_object_object_get(o, "metadata"), "action"),
			    "instance-started");
	assert_int_equal(json_object_object_length(o), 5);
	json_object_put(o);
}

static void test_state_actions(void **state)
{
	(void)state;
	assert_string_equal(events_state_action("start", false), "instance-started");
	assert_string_equal(events_state_action("stop", false), "instance-shutdown");
	assert_string_equal(events_state_action("stop", true), "instance-stopped");
	assert_string_equal(events_state_action("restart", false), "instance-restarted");
	assert_string_equal(events_state_action("freeze", false), "instance-paused");
	assert_string_equal(events_state_action("unfreeze", false), "instance-resumed");
	assert_null(events_state_action("explode", false));
}

static int parse(const char *s, struct ws_control *c, struct lxf_err *err)
{
	return ws_control_parse(s, strlen(s), c, err);
}

static void test_control(void **state)
{
	struct ws_control c;
	struct lxf_err err;

	(void)state;
	assert_int_equal(
	    parse("{\"command\":\"window-resize\",\"args\":{\"width\":\"80\",\"height\":\"24\"}}",
		  &c, &err),
	    0);
	assert_int_equal(c.kind, WS_CTL_RESIZE);
	assert_int_equal(c.width, 80);
	assert_int_equal(c.height, 24);
	assert_int_equal(parse("{\"command\":\"signal\",\"signal\":15}", &c, &err), 0);
	assert_int_equal(c.kind, WS_CTL_SIGNAL);
	assert_int_equal(c.signal, 15);
	/* Go's client sends an args map on signals too; it is ignored. */
	assert_int_equal(parse("{\"command\":\"signal\",\"args\":{},\"signal\":2}", &c, &err), 0);
	assert_int_equal(c.signal, 2);

	assert_int_equal(parse("{\"command\":\"signal\",\"signal\":0}", &c, &err), -LXF_EINVAL);
	assert_int_equal(parse("{\"command\":\"signal\",\"signal\":65}", &c, &err), -LXF_EINVAL);
	assert_int_equal(parse("{\"command\":\"signal\"}", &c, &err), -LXF_EINVAL);
	assert_int_equal(
	    parse("{\"command\":\"window-resize\",\"args\":{\"width\":\"80\"}}", &c, &err),
	    -LXF_EINVAL);
	assert_int_equal(
	    parse("{\"command\":\"window-resize\",\"args\":{\"width\":\"x\",\"height\":\"24\"}}",
		  &c, &err),
	    -LXF_EINVAL);
	assert_int_equal(
	    parse("{\"command\":\"window-resize\",\"args\":{\"width\":\"0\",\"height\":\"24\"}}",
		  &c, &err),
	    -LXF_EINVAL);
	assert_int_equal(parse("{\"command\":\"reboot\"}", &c, &err), -LXF_ENOTSUP);
	assert_int_equal(parse("{}", &c, &err), -LXF_EINVAL);
	assert_int_equal(parse("[1,2]", &c, &err), -LXF_EINVAL);
	assert_int_equal(parse("not json", &c, &err), -LXF_EINVAL);
	assert_int_equal(parse("", &c, &err), -LXF_EINVAL);
}

static void test_secret(void **state)
{
	char a[65], b[65];

	(void)state;
	ws_secret(a);
	ws_secret(b);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types),       cmocka_unit_test(test_timestamp),
	    cmocka_unit_test(test_event_shape), cmocka_unit_test(test_state_actions),
	    cmocka_unit_test(test_control),     cmocka_unit_test(test_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
