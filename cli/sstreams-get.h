/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_SSTREAMS_GET_H
#define LXF_CLI_SSTREAMS_GET_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"
#include "remotes.h"

/* Whether rem is a simplestreams image server (protocol: simplestreams). */
bool lxf_ss_remote(const struct lxf_remote *rem);

/*
 * The images of simplestreams remote rem, shaped as GET
 * /1.0/images?recursion=1 answers them (*out, new array): what `lxf image
 * list NAME:` shows. Errors name the URL that failed.
 */
int lxf_ss_remote_images(const struct lxf_remote *rem, struct json_object **out,
			 struct lxf_err *err);

#endif
