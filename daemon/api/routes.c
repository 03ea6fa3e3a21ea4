/* SPDX-License-Identifier: Apache-2.0 */
/* routes.def bound to its handlers: the table lxfd hands to the router. */
#include <stddef.h>

#include "api.h"
#include "events.h"
#include "http.h"
#include "router.h"
#include "ws.h"

static const struct route routes[] = {
#define ROUTE(meth, tmpl, fn, flags, cap) {ROUTE_##meth, tmpl, fn, NULL, #fn, flags, cap},
#define ROUTE_WS(tmpl, open, flags)       {ROUTE_GET, tmpl, NULL, open, #open, flags, 0},
#include "routes.def"
#undef ROUTE_WS
#undef ROUTE
};

void api_routes_init(void)
{
	router_init(routes, sizeof(routes) / sizeof(routes[0]));
	http_set_token_check(api_image_push_admit);
}
