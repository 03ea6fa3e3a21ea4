/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Libraries loaded on first use. lxf links libcurl, libwebsockets and
 * OpenSSL through this layer instead of at start-up: Debian's libcurl
 * alone brings 31 more libraries (ldap, kerberos, rtmp, ssh2, gnutls...),
 * and loading and relocating them at exec cost every `lxf version`,
 * `--help`, alias expansion and usage error about 5x a libc-only program.
 * glibc has no delay-loading (Solaris' -z lazyload), so lazy.c defines each
 * function lxf calls under its own name (the headers' prototypes, checked by
 * the compiler) and forwards it to the library, opened with dlopen and looked
 * up with dlsym the first time any of its functions is called.
 */
#ifndef LXF_LAZY_H
#define LXF_LAZY_H

/* A library opened on first use. soname comes from the build (the library
 * the headers were compiled against), use says what needs it, for the error;
 * before, if set, is opened first (lazy.c says why). */
struct lxf_lazy_lib {
	const char *soname;
	const char *use;
	struct lxf_lazy_lib *before;
	void *handle; /* set once, atomically */
};

/* Any function pointer; cast to the function's own type (from the header,
 * __typeof__) before calling. */
typedef void (*lxf_lazy_fn_t)(void);

/* The function name of lib, kept in *slot after the first call. Thread-safe.
 * A library or function that cannot be loaded is fatal: the program prints
 * which library it needed and why, and exits with status 1 (the dynamic
 * loader would have refused to start it at all). */
lxf_lazy_fn_t lxf_lazy_fn(struct lxf_lazy_lib *lib, const char *name, lxf_lazy_fn_t *slot);

/* The stubs of a table: a function named name with the header's prototype
 * (params), calling the library's name with args. Parenthesized names keep
 * function-like macros of the same name (curl's typecheck) from expanding;
 * params and args are parenthesized lists already. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define LXF_LAZY_STUB(lib, ret, name, params, args)                                                \
	ret(name) params                                                                           \
	{                                                                                          \
		static lxf_lazy_fn_t slot;                                                         \
		return ((__typeof__(&(name)))lxf_lazy_fn(&(lib), #name, &slot))args;               \
	}
#define LXF_LAZY_STUB_VOID(lib, name, params, args)                                                \
	void(name) params                                                                          \
	{                                                                                          \
		static lxf_lazy_fn_t slot;                                                         \
		((__typeof__(&(name)))lxf_lazy_fn(&(lib), #name, &slot)) args;                     \
	}

/* NOLINTEND(bugprone-macro-parentheses) */

#endif
