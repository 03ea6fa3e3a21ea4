/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Prometheus / OpenMetrics text of /1.0/metrics: a strict parser over
 * a private copy of the input (names and unescaped label values are cut in
 * place, so the strings cost no allocation of their own), then the
 * per-instance counters and rates of lxf top. See metrics.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct mparse {
	struct lxf_metrics *m;
	size_t cap_samples, cap_labels, nlabels;
	const char *fam; /* the family of the last # TYPE, "" before any */
	enum lxf_metric_type fam_type;
	size_t line;
	struct lxf_err *err;
};

static bool mp_name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool mp_name_char(char c, bool colon)
{
	return mp_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Scans a name at *p (metric names allow ':'); returns its length, 0 for none. */
static size_t mp_name(const char *p, bool colon)
{
	size_t n = 0;

	if (!mp_name_start(p[0], colon))
		return 0;
	while (mp_name_char(p[n], colon))
		n++;
	return n;
}

static int mp_bad(struct mparse *mp, const char *what)
{
	return lxf_err_set(mp->err, LXF_EINVAL, "metrics line %zu: %s", mp->line, what);
}

static enum lxf_metric_type mp_type_word(const char *w)
{
	static const struct {
		const char *word;
		enum lxf_metric_type type;
	} types[] = {
	    {"counter", LXF_METRIC_COUNTER},      {"gauge", LXF_METRIC_GAUGE},
	    {"histogram", LXF_METRIC_HISTOGRAM},  {"summary", LXF_METRIC_SUMMARY},
	    {"untyped", LXF_METRIC_UNTYPED},      {"unknown", LXF_METRIC_UNTYPED},
	    {"info", LXF_METRIC_OTHER},           {"stateset", LXF_METRIC_OTHER},
	    {"gaugehistogram", LXF_METRIC_OTHER},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(w, types[i].word) == 0)
			return types[i].type;
	return (enum lxf_metric_type) - 1;
}

/* "# HELP name text", "# TYPE name type", "# EOF" or another comment. */
static int mp_comment(struct mparse *mp, char *s, bool *eof)
{
	enum lxf_metric_type t;
	size_t n;
	char *w;

	if (strcmp(s, "# EOF") == 0) {
		*eof = true;
		return 0;
	}
	if (strncmp(s, "# TYPE ", 7) != 0)
		return 0; /* # HELP and free comments carry nothing we use */
	s += 7;
	n = mp_name(s, true);
	if (!n || s[n] != ' ')
		return mp_bad(mp, "# TYPE without a metric name");
	s[n] = '\0';
	w = s + n + 1;
	t = mp_type_word(w);
	if ((int)t < 0)
		return mp_bad(mp, "unknown metric type in # TYPE");
	mp->fam = s;
	mp->fam_type = t;
	return 0;
}

/* A sample belongs to the last # TYPE's family when its name is the
 * family's, or that plus one of the suffixes the types add. */
static enum lxf_metric_type mp_sample_type(const struct mparse *mp, const char *name)
{
	static const char *const suffixes[] = {"",     "_total",  "_created", "_count",
					       "_sum", "_bucket", "_info"};
	size_t n = strlen(mp->fam);

	if (!n || strncmp(name, mp->fam, n) != 0)
		return LXF_METRIC_UNTYPED;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strcmp(name + n, suffixes[i]) == 0)
			return mp->fam_type;
	/* "# TYPE x_total counter" (Prometheus' own style) names the sample itself. */
	return LXF_METRIC_UNTYPED;
}

static int mp_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*v, ncap * size);
	if (!p)
		return -LXF_ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* Unescapes the quoted value at *p (just past '"') in place; *p ends past the closing '"'. */
static int mp_label_value(struct mparse *mp, char **p, char **value)
{
	char *r = *p, *w = *p;

	*value = w;
	for (;;) {
		char c = *r++;

		if (c == '\0')
			return mp_bad(mp, "unterminated label value");
		if (c == '"')
			break;
		if (c == '\\') {
			c = *r++;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != '"')
				return mp_bad(mp, "bad escape in label value");
		}
		*w++ = c;
	}
	*w = '\0';
	*p = r;
	return 0;
}

/* {name="value",...} at *p (on the '{'); *p ends past the '}'. */
static int mp_labels(struct mparse *mp, char **p, size_t *count)
{
	char *s = *p + 1;
	size_t n = 0;

	while (*s != '}') {
		struct lxf_metric_label *l;
		size_t len = mp_name(s, false);
		char *name = s, *value;
		int rc;

		if (!len || s[len] != '=' || s[len + 1] != '"')
			return mp_bad(mp, "bad label (want name=\"value\")");
		if (n == LXF_METRICS_LABELS_MAX)
			return lxf_err_set(mp->err, LXF_ETOOBIG, "metrics line %zu: over %u labels",
					   mp->line, LXF_METRICS_LABELS_MAX);
		s[len] = '\0';
		s += len + 2;
		rc = mp_label_value(mp, &s, &value);
		if (rc)
			return rc;
		if (mp_grow((void **)&mp->m->label_store, &mp->cap_labels, mp->nlabels + 1,
			    sizeof(*l)))
			return lxf_err_set(mp->err, LXF_ENOMEM, "out of memory");
		l = &mp->m->label_store[mp->nlabels++];
		l->name = name;
		l->value = value;
		n++;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return mp_bad(mp, "labels not separated by ','");
	}
	*p = s + 1;
	*count = n;
	return 0;
}

/* A number as both formats write it ("1.5", "1e3", "+Inf", "NaN") up to a space or the end. */
static int mp_number(struct mparse *mp, char **p, double *out)
{
	char *end = NULL;

	*out = strtod(*p, &end);
	if (end == *p || (*end != '\0' && *end != ' '))
		return mp_bad(mp, "bad number");
	*p = end;
	return 0;
}

static int mp_sample(struct mparse *mp, char *s)
{
	struct lxf_metric_sample *smp;
	size_t len = mp_name(s, true), nl = 0;
	double ts;
	char *name = s;
	int rc;

	if (!len)
		return mp_bad(mp, "no metric name");
	s += len;
	if (*s == '{') {
		rc = mp_labels(mp, &s, &nl);
		if (rc)
			return rc;
	}
	if (*s != ' ')
		return mp_bad(mp, "no value after the metric name");
	name[len] = '\0'; /* after the labels: the '{' was needed until now */
	s++;
	if (mp_grow((void **)&mp->m->samples, &mp->cap_samples, mp->m->n + 1, sizeof(*smp)))
		return lxf_err_set(mp->err, LXF_ENOMEM, "out of memory");
	smp = &mp->m->samples[mp->m->n];
	memset(smp, 0, sizeof(*smp));
	smp->name = name;
	smp->nlabels = nl;
	smp->type = mp_sample_type(mp, name);
	rc = mp_number(mp, &s, &smp->value);
	if (rc == 0 && *s == ' ') {
		s++;
		rc = mp_number(mp, &s, &ts); /* the timestamp: the scrape's time is what we use */
	}
	if (rc == 0 && *s != '\0')
		rc = mp_bad(mp, "trailing text after the value");
	if (rc == 0)
		mp->m->n++;
	return rc;
}

int lxf_metrics_parse(const char *text, size_t len, struct lxf_metrics *m, struct lxf_err *err)
{
	struct mparse mp = {.m = m, .fam = "", .err = err};
	bool eof = false;
	size_t pos = 0, at = 0;
	int rc = 0;

	if (len > LXF_METRICS_TEXT_MAX)
		return lxf_err_set(err, LXF_ETOOBIG, "metrics: %zu bytes, over the cap of %u", len,
				   LXF_METRICS_TEXT_MAX);
	m->text = malloc(len + 1);
	if (!m->text)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	if (memchr(m->text, '\0', len))
		return lxf_err_set(err, LXF_EINVAL, "metrics: a NUL byte in the text");
	while (rc == 0 && pos < len) {
		char *line = m->text + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;

		mp.line++;
		pos += ll + (nl != NULL);
		if (ll > LXF_METRICS_LINE_MAX) {
			rc = lxf_err_set(err, LXF_ETOOBIG, "metrics line %zu: over %u bytes",
					 mp.line, LXF_METRICS_LINE_MAX);
			break;
		}
		line[ll] = '\0';
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (ll == 0)
			continue;
		if (eof)
			rc = mp_bad(&mp, "text after # EOF");
		else if (line[0] == '#')
			rc = mp_comment(&mp, line, &eof);
		else
			rc = mp_sample(&mp, line);
	}
	/* The label store moved as it grew: point each sample at its run now. */
	for (size_t i = 0; rc == 0 && i < m->n; i++) {
		m->samples[i].labels = m->label_store ? m->label_store + at : NULL;
		at += m->samples[i].nlabels;
	}
	return rc;
}

void lxf_metrics_fini(struct lxf_metrics *m)
{
	free(m->samples);
	free(m->label_store);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

const char *lxf_metric_label(const struct lxf_metric_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}
