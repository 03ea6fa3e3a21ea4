/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_ADMIN_H
#define LXFD_ADMIN_H

/*
 * lxfd-admin's internal subcommands, run by lxfd itself (not by users).
 * `lxfd-admin image-fetch SERVER FP SECRET CERTFILE OUT` (admin_fetch.c):
 * argv as given to main; prints the helper answer, returns the exit status.
 */
int lxfd_admin_image_fetch(int argc, char **argv);
/* `lxfd-admin url-fetch URL CERTFILE OUT CAP [SHA256]` (admin_fetch.c): one
 * file of an image server, for simplestreams pulls (api_image_ss.c). */
int lxfd_admin_url_fetch(int argc, char **argv);
/* `lxfd-admin image-push TARGET FP SECRET CERTFILE FILE` (admin_push.c), the same way. */
int lxfd_admin_image_push(int argc, char **argv);

#endif
