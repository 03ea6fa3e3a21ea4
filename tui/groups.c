/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TUI's "@group" words: config.yml's groups, through the client's own
 * expansion, so that "@web" names the same hosts in the filter as in
 * `lxf list @web`.
 */
#include <stdio.h>

#include "ui.h"

int tui_group_expand(void *ctx, const char *spec, char ***names, size_t *n, char *errbuf,
		     size_t errlen)
{
	struct lxf_err err = {0};

	if (lxf_remotes_expand(ctx, spec, names, n, &err) != 0) {
		(void)snprintf(errbuf, errlen, "%s", err.msg);
		return -1;
	}
	return 0;
}
