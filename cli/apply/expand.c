/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The string rules of lxf.yaml: name ranges, ${VAR} substitution and
 * LXD's instance name rule. Pure functions: spec.c adds the positions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "spec.h"

#define RANGE_DIGITS_MAX 6 /* both ends below 1000000: no overflow, and past any cap */

/* Digits of [p, end) into *v; false when empty, too long or not all digits. */
static bool expand_number(const char *p, const char *end, unsigned long *v)
{
	size_t n = (size_t)(end - p);

	*v = 0;
	if (n == 0 || n > RANGE_DIGITS_MAX)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		*v = *v * 10 + (unsigned long)(*p - '0');
	}
	return true;
}

static void expand_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int lxf_apply_expand_range(const char *name, char ***names, size_t *n, struct lxf_err *err)
{
	const char *open = strchr(name, '{'), *close, *dots;
	unsigned long lo, hi;
	size_t count, lw, hw;
	int width = 0, ret = 0;
	char **v = NULL;

	*names = NULL;
	*n = 0;
	close = open ? strchr(open, '}') : strchr(name, '}');
	if (!open && !close) {
		v = calloc(1, sizeof(*v));
		if (!v || !(v[0] = strdup(name))) {
			free(v);
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
		*names = v;
		*n = 1;
		return 0;
	}
	if (!open || !close || close < open)
		return lxf_err_set(err, LXF_EINVAL, "bad range in '%s': unbalanced braces", name);
	if (strchr(open + 1, '{') || strchr(close + 1, '}'))
		return lxf_err_set(err, LXF_EINVAL, "bad range in '%s': only one {A..B} per name",
				   name);
	dots = strstr(open, "..");
	if (!dots || dots > close)
		return lxf_err_set(err, LXF_EINVAL, "bad range in '%s': want {A..B}", name);
	if (!expand_number(open + 1, dots, &lo) || !expand_number(dots + 2, close, &hi))
		return lxf_err_set(err, LXF_EINVAL,
				   "bad range in '%s': A and B of {A..B} must be numbers of at "
				   "most %d digits",
				   name, RANGE_DIGITS_MAX);
	lw = (size_t)(dots - open - 1);
	hw = (size_t)(close - dots - 2);
	if ((lw > 1 && open[1] == '0') || (hw > 1 && dots[2] == '0')) {
		if (lw != hw)
			return lxf_err_set(err, LXF_EINVAL,
					   "bad range in '%s': zero-padded ends must have the "
					   "same width",
					   name);
		width = (int)lw;
	}
	if (lo > hi)
		return lxf_err_set(err, LXF_EINVAL, "bad range in '%s': %lu is greater than %lu",
				   name, lo, hi);
	count = hi - lo + 1;
	if (count > LXF_APPLY_MAX_RANGE)
		return lxf_err_set(err, LXF_EINVAL,
				   "bad range in '%s': %zu names, at most %d in one range", name,
				   count, LXF_APPLY_MAX_RANGE);
	v = calloc(count, sizeof(*v));
	if (!v)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		if (asprintf(&v[i], "%.*s%0*lu%s", (int)(open - name), name, width, lo + i,
			     close + 1) < 0) {
			v[i] = NULL;
			ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			break;
		}
	}
	if (ret < 0) {
		expand_free(v, count);
		return ret;
	}
	*names = v;
	*n = count;
	return 0;
}

static bool subst_name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

int lxf_apply_subst(const char *s, size_t len, char **out, size_t *outlen, struct lxf_err *err)
{
	struct lxf_buf b;
	char var[128];
	int ret = 0;

	*out = NULL;
	*outlen = 0;
	lxf_buf_init(&b, LXF_APPLY_MAX_VALUE);
	for (size_t i = 0; i < len && ret == 0; i++) {
		const char *close, *val;
		size_t vn;

		if (s[i] != '$' || i + 1 >= len || (s[i + 1] != '$' && s[i + 1] != '{')) {
			ret = lxf_buf_addc(&b, s[i]);
			continue;
		}
		if (s[i + 1] == '$') {
			ret = lxf_buf_addc(&b, '$');
			i++;
			continue;
		}
		close = memchr(s + i + 2, '}', len - i - 2);
		if (!close) {
			ret = lxf_err_set(err, LXF_EINVAL, "'${' without its '}'");
			goto out;
		}
		vn = (size_t)(close - s - i - 2);
		if (vn == 0 || vn >= sizeof(var)) {
			ret = lxf_err_set(err, LXF_EINVAL, "bad variable name in '${%.*s}'",
					  (int)(vn > 64 ? 64 : vn), s + i + 2);
			goto out;
		}
		memcpy(var, s + i + 2, vn);
		var[vn] = '\0';
		for (size_t k = 0; k < vn; k++) {
			if (!subst_name_char(var[k], k == 0)) {
				ret = lxf_err_set(err, LXF_EINVAL, "bad variable name in '${%s}'",
						  var);
				goto out;
			}
		}
		val = getenv(var);
		if (!val) {
			ret = lxf_err_set(err, LXF_EINVAL, "variable '%s' is not set", var);
			goto out;
		}
		ret = lxf_buf_adds(&b, val);
		i = (size_t)(close - s);
	}
	if (ret == -LXF_ETOOBIG) {
		ret = lxf_err_set(err, LXF_ETOOBIG, "value longer than %u bytes",
				  LXF_APPLY_MAX_VALUE);
		goto out;
	}
	if (ret < 0) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	*outlen = b.len;
	*out = lxf_buf_take(&b);
	if (!*out)
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	lxf_buf_fini(&b);
	return ret;
}

int lxf_apply_check_instance_name(const char *name, struct lxf_err *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63)
		return lxf_err_set(err, LXF_EINVAL,
				   "bad instance name '%.80s': must be 1 to 63 characters", name);
	for (size_t i = 0; i < len; i++)
		if (!isascii((unsigned char)name[i]) ||
		    !(isalnum((unsigned char)name[i]) || name[i] == '-'))
			return lxf_err_set(err, LXF_EINVAL,
					   "bad instance name '%s': only letters, digits and '-'",
					   name);
	if (isdigit((unsigned char)name[0]) || name[0] == '-' || name[len - 1] == '-')
		return lxf_err_set(err, LXF_EINVAL,
				   "bad instance name '%s': must not start with a digit or '-' "
				   "nor end with '-'",
				   name);
	return 0;
}
