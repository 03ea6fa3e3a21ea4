/* SPDX-License-Identifier: Apache-2.0 */
/* lxf_apply_run: see run.h. (Being written.) */
#include "run.h"

int lxf_apply_run(const struct lxf_remotes *r, const struct lxf_apply_live *live,
		  const struct lxf_apply_plan *plan, const struct lxf_apply_run_opts *o,
		  struct lxf_apply_result *results, struct lxf_err *err)
{
	(void)r;
	(void)live;
	(void)plan;
	(void)o;
	(void)results;
	return lxf_err_set(err, LXF_ENOTSUP, "not implemented yet");
}
