/* SPDX-License-Identifier: Apache-2.0 */
/* lxf_apply_live_read: see run.h. (Being written.) */
#include <string.h>

#include "run.h"

int lxf_apply_live_read(struct lxf_remotes *r, const struct lxf_apply_spec *spec, bool add_remotes,
			struct lxf_apply_live *out, struct lxf_err *err)
{
	(void)r;
	(void)spec;
	(void)add_remotes;
	memset(out, 0, sizeof(*out));
	return lxf_err_set(err, LXF_ENOTSUP, "not implemented yet");
}

void lxf_apply_live_fini(struct lxf_apply_live *live)
{
	memset(live, 0, sizeof(*live));
}
