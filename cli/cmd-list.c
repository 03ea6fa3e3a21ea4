/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf list [REMOTE:...] [FILTER...] [-c COLUMNS] [-f FORMAT]: the
 * instances of every remote (or the named ones), fetched in parallel
 * (fleet.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "fleet.h"
#include "json.h"
#include "list.h"
#include "output.h"

/* lxc's --fast columns (nsacPt) after lxf's REMOTE: none needs the state. */
#define CMD_LIST_FAST_COLS "rnsacPt"

/*
 * Splits positional args (lxf_list_split) into the remotes to ask (jobs,
 * r->n of them at most: those picked, else the fleet's members), the picks
 * (*picks: free()) and the filters.
 */
static int cmd_list_args(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args,
			 struct lxf_fleet_job *jobs, size_t *njobs, const char **filters,
			 size_t *nfilters, struct lxf_list_pick **picks, size_t *npicks,
			 struct lxf_err *err)
{
	const struct lxf_remotes *r = ctx->remotes;
	int rc = lxf_list_split(r, args->argc, args->argv, filters, nfilters, picks, npicks, err);

	*njobs = 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < *npicks; i++) {
		const struct lxf_remote *rem = lxf_remotes_find(r, (*picks)[i].remote);
		bool dup = false;

		if (!rem)
			return lxf_remotes_unknown(r, (*picks)[i].remote, err);
		for (size_t j = 0; j < *njobs; j++)
			dup |= jobs[j].remote == rem;
		if (!dup)
			jobs[(*njobs)++].remote = rem;
	}
	for (size_t i = 0; *npicks == 0 && i < r->n; i++)
		if (lxf_fleet_member(&r->v[i]))
			jobs[(*njobs)++].remote = &r->v[i];
	return 0;
}

/* Exactly the columns asked, as lxc prints them: `-c ns -f csv` is "name,state". */
static int cmd_list_table(struct lxf_cmd_ctx *ctx, enum lxf_fmt fmt,
			  const struct lxf_view_col **cols, size_t ncols, struct json_object **v,
			  size_t n, struct lxf_err *err)
{
	const char *headers[LXF_VIEW_MAX_COLS];
	char *row[LXF_VIEW_MAX_COLS];
	struct lxf_table t;
	int rc = 0;

	for (size_t c = 0; c < ncols; c++)
		headers[c] = cols[c]->header;
	lxf_table_init(&t, ncols, headers);
	for (size_t c = 0; c < ncols; c++)
		if (cols[c]->letter == 's')
			t.state_col = (int)c;
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols; c++)
			row[c] = lxf_view_cell(cols[c], v[i]);
		if (lxf_table_add_row(&t, row) != 0) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	lxf_table_print(ctx->out, fmt, &t, fmt == LXF_FMT_TABLE && lxf_output_color(ctx->out));
out:
	lxf_table_fini(&t);
	return rc;
}

/* Gathers the matching instances of every job, each tagged with its remote. */
static int cmd_list_collect(struct lxf_fleet_job *jobs, size_t njobs, const char **filters,
			    size_t nfilters, const struct lxf_list_pick *picks, size_t npicks,
			    struct json_object ***out, size_t *nout, struct lxf_err *err)
{
	struct json_object **v = NULL, **nv;
	size_t n = 0;

	for (size_t j = 0; j < njobs; j++) {
		struct json_object *arr = jobs[j].instances;

		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			struct json_object *inst = json_object_array_get_idx(arr, i);

			if (!json_object_is_type(inst, json_type_object))
				continue;
			if (lxf_json_add_str(inst, "remote", jobs[j].remote->name) != 0)
				goto nomem;
			if (!lxf_list_picked(picks, npicks, jobs[j].remote->name,
					     lxf_json_str(inst, "name")) ||
			    !lxf_list_match(inst, filters, nfilters))
				continue;
			nv = realloc(v, (n + 1) * sizeof(struct json_object *));
			if (!nv)
				goto nomem;
			v = nv;
			v[n++] = inst;
		}
	}
	lxf_list_sort(v, n);
	*out = v;
	*nout = n;
	return 0;
nomem:
	free(v);
	return lxf_err_set(err, LXF_ENOMEM, "out of memory");
}

/* Whether pick's instance is on its remote; *asked set when that remote answered. */
static bool cmd_list_pick_found(const struct lxf_fleet_job *jobs, size_t njobs,
				const struct lxf_list_pick *pick, bool *asked)
{
	for (size_t j = 0; j < njobs; j++) {
		struct json_object *arr = jobs[j].instances;

		if (jobs[j].rc || strcmp(jobs[j].remote->name, pick->remote) != 0)
			continue;
		*asked = true;
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			const char *nm = lxf_json_str(json_object_array_get_idx(arr, i), "name");

			if (nm && strcmp(nm, pick->name) == 0)
				return true;
		}
	}
	return false;
}

/*
 * The REMOTE:NAME words that name no instance on their (answering)
 * remotes (on none of them for "@web:NAME"): each is said on ctx->err,
 * not left as a silently missing row. Returns how many.
 */
static size_t cmd_list_missing(struct lxf_cmd_ctx *ctx, const struct lxf_fleet_job *jobs,
			       size_t njobs, const struct lxf_list_pick *picks, size_t npicks)
{
	size_t missing = 0;

	for (size_t w = 0; w < npicks; w++) {
		bool asked = false, found = false, seen = false;

		/* A word's picks (one per remote of its group) count together, once. */
		for (size_t k = 0; k < w; k++)
			seen |= picks[k].word == picks[w].word;
		if (seen || !picks[w].name[0])
			continue;
		for (size_t p = w; !found && p < npicks; p++)
			if (picks[p].word == picks[w].word)
				found = cmd_list_pick_found(jobs, njobs, &picks[p], &asked);
		if (asked && !found) {
			fprintf(ctx->err, "lxf: instance '%s' not found on %.*s\n", picks[w].name,
				(int)strcspn(picks[w].word, ":"), picks[w].word);
			missing++;
		}
	}
	return missing;
}

/* lxc drops L unless clustered; we drop it from the default set when nothing has a location. */
static size_t cmd_list_drop_location(const struct lxf_view_col **cols, size_t ncols,
				     struct json_object **v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *loc = lxf_json_str(v[i], "location");

		if (loc && *loc && strcmp(loc, "none") != 0)
			return ncols;
	}
	for (size_t c = 0; c < ncols; c++)
		if (cols[c]->letter != 'L')
			cols[k++] = cols[c];
	return k;
}

/*
 * What a table of cols, sorted and filtered by filters, reads of each
 * instance (lxf_fleet_fetch_keep): the columns' members, the name and
 * location (sorting, picks, the L column's drop) and the filters' fields.
 * Returns a malloc'ed string (free()) or NULL on ENOMEM.
 */
static char *cmd_list_keep(const struct lxf_view_col *const *cols, size_t ncols,
			   const char *const *filters, size_t nfilters)
{
	struct lxf_buf b = {0};
	int rc = lxf_buf_adds(&b, "name location");

	for (size_t c = 0; c < ncols && rc == 0; c++)
		rc = lxf_buf_addf(&b, " %s", cols[c]->reads);
	for (size_t i = 0; i < nfilters && rc == 0; i++)
		if (strchr(filters[i], '='))
			/* list.c's key=value: its shorthands and the expanded config. */
			rc = lxf_buf_adds(&b, " type status architecture state.network "
					      "expanded_config");
	if (rc) {
		lxf_buf_fini(&b);
		return NULL;
	}
	return lxf_buf_take(&b);
}

/*
 * The list's URL: recursion=2 when state is shown (or whole objects are
 * printed), and with a keep list, fields= (api extension
 * lxf_instances_fields): lxfd then builds and sends only those members
 * (a table of 10 instances reads ~1 KB of their ~15 KB). LXD ignores the
 * parameter and answers in full, which fleet.c cuts the same way, so it
 * is sent without asking GET /1.0 first: no round trip more for anyone.
 * Returns a malloc'ed string (free()) or NULL on ENOMEM.
 */
/* Whether the word w (n bytes) of the space-separated list keep came before. */
static bool cmd_list_word_seen(const char *keep, const char *w, size_t n)
{
	for (const char *p = keep; p < w;) {
		size_t m = strcspn(p, " ");

		if (m == n && memcmp(p, w, n) == 0)
			return true;
		p += m;
		p += strspn(p, " ");
	}
	return false;
}

static char *cmd_list_path(bool recursion2, const char *keep)
{
	struct lxf_buf b = {0};
	int rc = lxf_buf_addf(&b, "/1.0/instances?recursion=%d", recursion2 ? 2 : 1);
	const char *sep = "&fields=";

	/* keep is view.c's member names (letters, digits, '_' and '.': no
	 * escaping), a name once however many columns read it. */
	for (const char *w = keep; rc == 0 && w && *w;) {
		size_t n = strcspn(w, " ");

		if (n && !cmd_list_word_seen(keep, w, n)) {
			rc = lxf_buf_addf(&b, "%s%.*s", sep, (int)n, w);
			sep = ",";
		}
		w += n;
		w += strspn(w, " ");
	}
	if (rc) {
		lxf_buf_fini(&b);
		return NULL;
	}
	return lxf_buf_take(&b);
}

static int cmd_list_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	const struct lxf_view_col *cols[LXF_VIEW_MAX_COLS];
	const char *cspec = lxf_args_get(args, 'c');
	struct lxf_fleet_job *jobs = NULL;
	const char **filters = NULL;
	struct lxf_list_pick *picks = NULL;
	struct json_object **v = NULL, *arr = NULL;
	size_t ncols = 0, njobs = 0, nfilters = 0, npicks = 0, n = 0, failed = 0, missing;
	enum lxf_fmt fmt = args->fmt;
	struct lxf_err err = {0};
	char *keep = NULL, *path = NULL;
	bool needs_state = false, full;
	int st = LXF_EXIT_OK, first_fail = 0;

	if (lxf_args_has(args, LXF_OPT_FAST)) {
		if (cspec)
			return lxf_cmd_usage_error(self, ctx, "--fast and -c do not go together");
		cspec = CMD_LIST_FAST_COLS;
	}
	if (lxf_view_parse_columns(cspec ? cspec : LXF_LIST_DEFAULT_COLS, cols, LXF_VIEW_MAX_COLS,
				   &ncols, &err) != 0)
		return lxf_cmd_usage_error(self, ctx, "%s", err.msg);
	for (size_t c = 0; c < ncols; c++)
		needs_state |= cols[c]->needs != 0;
	jobs = calloc(ctx->remotes->n + (size_t)args->argc + 1, sizeof(*jobs));
	filters = calloc((size_t)args->argc + 1, sizeof(*filters));
	if (!jobs || !filters) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (cmd_list_args(ctx, args, jobs, &njobs, filters, &nfilters, &picks, &npicks, &err) !=
	    0) {
		st = err.code == LXF_EUSAGE ? lxf_cmd_usage_error(self, ctx, "%s", err.msg)
					    : lxf_cmd_fail(ctx, &err);
		goto out;
	}
	/* ipv4= / ipv6= filters read state.network, like the IP columns. */
	for (size_t i = 0; i < nfilters; i++)
		needs_state |= strncasecmp(filters[i], "ipv4=", 5) == 0 ||
			       strncasecmp(filters[i], "ipv6=", 5) == 0;
	/* JSON/YAML promise full objects; tables only pay for state when shown,
	 * and keep of each instance only what they read. */
	full = fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML;
	if (!full && !(keep = cmd_list_keep(cols, ncols, filters, nfilters))) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (!(path = cmd_list_path(needs_state || full, keep)) ||
	    lxf_fleet_fetch_keep(ctx->remotes, jobs, njobs, path, keep) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	for (size_t j = 0; j < njobs; j++) {
		if (!jobs[j].rc)
			continue;
		fprintf(ctx->err, "lxf: remote '%s': %s\n", jobs[j].remote->name, jobs[j].err.msg);
		if (!failed++)
			first_fail = jobs[j].err.code;
	}
	if (cmd_list_collect(jobs, njobs, filters, nfilters, picks, npicks, &v, &n, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (njobs && failed == njobs) {
		/* Nothing answered: no empty table pretending to be a result. */
		st = lxf_code_exit(first_fail);
		goto out;
	}
	missing = cmd_list_missing(ctx, jobs, njobs, picks, npicks);
	if (missing && n == 0) {
		/* Only names that are not there: an error, not an empty table. */
		st = failed ? LXF_EXIT_PARTIAL : LXF_EXIT_ERROR;
		goto out;
	}
	if (!cspec)
		ncols = cmd_list_drop_location(cols, ncols, v, n);
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		arr = json_object_new_array_ext((int)n);
		for (size_t i = 0; arr && i < n; i++)
			json_object_array_add(arr, json_object_get(v[i]));
		if (!arr || lxf_output_json(ctx->out, fmt, arr, &err) != 0) {
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
	} else if (cmd_list_table(ctx, fmt, cols, ncols, v, n, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (failed || missing)
		st = LXF_EXIT_PARTIAL;
out:
	if (arr)
		json_object_put(arr);
	free(v);
	lxf_fleet_jobs_fini(jobs, njobs);
	free(picks);
	free(filters);
	free(jobs);
	free(keep);
	free(path);
	return st;
}

/* What `lxf list --help` explains: only what view.c's columns and list.c's filters do. */
static const char cmd_list_help[] =
    "Filters (all must match):\n"
    "  NAME           an instance whose name starts with NAME, or matches it as a\n"
    "                 regular expression (POSIX ERE, anchored unless it has ^ or $)\n"
    "  REMOTE:        only the instances of that remote (several add up)\n"
    "  @GROUP         only those of the host group's remotes (lxf remote group);\n"
    "                 @web,h9: mixes groups and remotes, @web:NAME picks NAME there\n"
    "  key=value      a configuration key (expanded config) equal to value or\n"
    "                 matching it as an anchored regular expression; keys may be\n"
    "                 shortened per dotted part (s.privileged=true); an absent key\n"
    "                 reads as \"\" (user.x= matches instances without it)\n"
    "  type=, status=, architecture=, location=\n"
    "                 those fields, case-insensitive, several values with ','\n"
    "  ipv4=, ipv6=   an address, or a CIDR the instance has an address in\n"
    "\n"
    "Columns (-c, letters in the order shown; ',' between letters is allowed):\n"
    "  4  IPv4 addresses         6  IPv6 addresses        a  architecture\n"
    "  b  storage pool           c  creation date         d  description\n"
    "  e  project                f  base image (short)    F  base image (full)\n"
    "  l  last used date         L  location              m  memory usage\n"
    "  n  name                   N  number of processes   p  PID of init\n"
    "  P  profiles               r  remote                s  state\n"
    "  S  number of snapshots    t  type                  u  CPU usage\n"
    "Default: " LXF_LIST_DEFAULT_COLS " (L only when some instance has a location).\n"
    "4 6 m N p u need each instance's state; --fast (columns " CMD_LIST_FAST_COLS
    ") never asks for it.\n";

const struct lxf_cmd lxf_cmd_list_entry = {
    .name = "list",
    .aliases = {"ls"},
    .usage = "[REMOTE:[NAME]...] [@GROUP...] [FILTER...] [-c COLUMNS] [-f FORMAT]",
    .summary = "List the instances of every remote (or of the named ones)",
    .min_args = 0,
    .max_args = -1,
    .flags = LXF_CMD_F_FORMAT,
    .opts =
	{
	    {"columns", 'c', required_argument, "COLUMNS",
	     "Column letters (default rns46tSL): r n s 4 6 t S L a b c d e f F l m N p P u"},
	    {"fast", LXF_OPT_FAST, no_argument, NULL,
	     "Fast columns (" CMD_LIST_FAST_COLS "), no state fetched, as lxc's --fast"},
	},
    .exec = cmd_list_exec,
    .help = cmd_list_help,
};
