/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's waiting note: see note.h. */
#include "note.h"

#include <stdio.h>
#include <unistd.h>

void lxf_cli_waiting_note(void *arg, const char *const *names, size_t n)
{
	FILE *f = arg;

	if (!f || !n || !isatty(fileno(f)))
		return;
	fputs("waiting for ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
	fputs("\u2026\n", f);
	(void)fflush(f);
}
