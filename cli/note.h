/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_NOTE_H
#define LXF_CLI_NOTE_H

#include <stddef.h>

/*
 * The waiting note of a fleet-wide read (lxf_client_waiting_fn): on a
 * terminal, "waiting for h3…" on arg (a FILE *, stderr) for the remotes
 * still silent while the others have answered; nothing when arg is not a
 * terminal, so scripts and pipes see only the answers.
 */
void lxf_cli_waiting_note(void *arg, const char *const *names, size_t n);

#endif
