/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target over lxf.yaml(5): the input is the file. A file that
 * parses is then placed and diffed against one answering remote with no
 * instances and every other remote down, so the model's invariants (names,
 * remotes, never-NULL maps) are exercised by the code that relies on them.
 * Run: build-fuzz/tests/fuzz/fuzz_stack_spec tests/fuzz/corpus-stack
 */
#include <stdint.h>
#include <stdlib.h>

/* By path: scripts/lint's clang-tidy has no compile command for fuzz targets. */
#include "../../cli/apply/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *none = json_object_new_array();
	struct lxf_apply_facts facts[] = {{"local", true, 1u << 30, none}};
	struct lxf_apply_diff_opts opts = {.prune = true};
	struct lxf_apply_spec *spec = NULL;
	struct lxf_apply_diags diags = {0};
	struct lxf_apply_plan plan = {0};
	struct lxf_err err = {0};

	/* ${FUZZ_VAR} resolves, other variables do not. */
	(void)setenv("FUZZ_VAR", "value", 0);
	if (lxf_apply_spec_parse("fuzz.yaml", (const char *)data, size, NULL, &spec, &diags,
				 &err) == 0 &&
	    lxf_apply_diff(spec, facts, 1, &opts, &plan, &err) == 0)
		lxf_apply_plan_fini(&plan);
	lxf_apply_diags_fini(&diags);
	lxf_apply_spec_free(spec);
	json_object_put(none);
	return 0;
}
