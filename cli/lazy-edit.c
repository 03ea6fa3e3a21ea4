/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libedit, opened by the interactive prompt only (prompt.c; lazy.h says why
 * nothing else pays for it). el_set and history are variadic: each op's
 * arguments are read by the shape the table gives and passed on; an op not
 * in the table is a programming error, reported as such. libedit calls
 * history back through the pointer EL_HIST gives it, so that one is
 * replaced by the library's own function.
 */
#include <errno.h>
#include <histedit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy.h"

static struct lxf_lazy_lib lazy_edit = {LXF_SONAME_EDIT, "the interactive prompt", NULL, NULL};

/* clang-format off */
LXF_LAZY_STUB(lazy_edit, EditLine *, el_init, (const char *prog, FILE *in, FILE *out, FILE *err),
	      (prog, in, out, err))
LXF_LAZY_STUB_VOID(lazy_edit, el_end, (EditLine *el), (el))
LXF_LAZY_STUB(lazy_edit, const char *, el_gets, (EditLine *el, int *count), (el, count))
LXF_LAZY_STUB(lazy_edit, const LineInfo *, el_line, (EditLine *el), (el))
LXF_LAZY_STUB(lazy_edit, int, el_insertstr, (EditLine *el, const char *s), (el, s))
LXF_LAZY_STUB(lazy_edit, History *, history_init, (void), ())
LXF_LAZY_STUB_VOID(lazy_edit, history_end, (History *h), (h))
/* clang-format on */

/* The arguments after op: an int, a pointer, a function, a function and a
 * pointer, two strings and a function. */
enum edit_shape { EDIT_INT, EDIT_PTR, EDIT_FN, EDIT_FN_PTR, EDIT_STR_STR_FN, EDIT_STR_STR_NULL };

struct edit_op {
	int op;
	enum edit_shape shape;
};

static const struct edit_op edit_el_ops[] = {
    {EL_EDITOR, EDIT_PTR},   {EL_SIGNAL, EDIT_INT},       {EL_PROMPT, EDIT_FN},
    {EL_HIST, EDIT_FN_PTR},  {EL_ADDFN, EDIT_STR_STR_FN}, {EL_BIND, EDIT_STR_STR_NULL},
    {EL_EDITMODE, EDIT_INT}, {EL_UNBUFFERED, EDIT_INT},
};
static const struct edit_op edit_hist_ops[] = {
    {H_SETSIZE, EDIT_INT}, {H_SETUNIQUE, EDIT_INT}, {H_LOAD, EDIT_PTR},
    {H_SAVE, EDIT_PTR},    {H_ENTER, EDIT_PTR},     {H_ADD, EDIT_PTR},
};

static enum edit_shape edit_shape(const struct edit_op *ops, size_t n, const char *fn, int op)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].op == op)
			return ops[i].shape;
	fprintf(stderr, "%s: %s op %d is not forwarded (cli/lazy-edit.c)\n",
		program_invocation_short_name, fn, op);
	abort();
}

static lxf_lazy_fn_t edit_set_slot, edit_hist_slot;

static __typeof__(&(history)) edit_history_fn(void)
{
	return (__typeof__(&(history)))lxf_lazy_fn(&lazy_edit, "history", &edit_hist_slot);
}

int(el_set)(EditLine *el, int op, ...)
{
	__typeof__(&(el_set)) fn =
	    (__typeof__(&(el_set)))lxf_lazy_fn(&lazy_edit, "el_set", &edit_set_slot);
	const char *s1, *s2;
	lxf_lazy_fn_t f;
	va_list ap;
	int rc;

	va_start(ap, op);
	switch (
	    edit_shape(edit_el_ops, sizeof(edit_el_ops) / sizeof(edit_el_ops[0]), "el_set", op)) {
	case EDIT_INT:
		rc = fn(el, op, va_arg(ap, int));
		break;
	case EDIT_PTR:
		rc = fn(el, op, va_arg(ap, void *));
		break;
	case EDIT_FN:
		rc = fn(el, op, va_arg(ap, lxf_lazy_fn_t));
		break;
	case EDIT_FN_PTR:
		f = va_arg(ap, lxf_lazy_fn_t);
		if (op == EL_HIST && f == (lxf_lazy_fn_t)(history))
			f = (lxf_lazy_fn_t)edit_history_fn();
		rc = fn(el, op, f, va_arg(ap, void *));
		break;
	case EDIT_STR_STR_FN:
		s1 = va_arg(ap, const char *);
		s2 = va_arg(ap, const char *);
		rc = fn(el, op, s1, s2, va_arg(ap, lxf_lazy_fn_t));
		break;
	default: /* EDIT_STR_STR_NULL: a key and its function */
		s1 = va_arg(ap, const char *);
		rc = fn(el, op, s1, va_arg(ap, const char *), (const char *)NULL);
		break;
	}
	va_end(ap);
	return rc;
}

int(history)(History *h, HistEvent *ev, int op, ...)
{
	__typeof__(&(history)) fn = edit_history_fn();
	va_list ap;
	int rc;

	va_start(ap, op);
	if (edit_shape(edit_hist_ops, sizeof(edit_hist_ops) / sizeof(edit_hist_ops[0]), "history",
		       op) == EDIT_INT)
		rc = fn(h, ev, op, va_arg(ap, int));
	else
		rc = fn(h, ev, op, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
