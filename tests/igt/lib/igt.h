/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * A small, self-contained implementation of the IGT test-binary protocol,
 * with the macros of upstream IGT's current style (igt_main(),
 * igt_fixture(), igt_subtest_group(), igt_subtest(), igt_assert*(),
 * igt_require*()), so tests read like upstream ones and igt_runner runs
 * them. Only the C library is needed.
 */

#ifndef VSHARE_IGT_H
#define VSHARE_IGT_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "timing.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Exit codes igt_runner understands. */
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

extern sigjmp_buf igt_subtest_jmpbuf;
extern const char *igt_device_filter;

void __igt_init(int argc, char **argv);
void __igt_exit(void) __attribute__((noreturn));
bool __igt_run_subtest(const char *name);
bool __igt_run_dynamic(const char *name);
bool __igt_fixture(void);
void __igt_fixture_done(void);
int __igt_group_enter(void);
int __igt_group_exit(void);
bool __igt_with_dynamic_begin(void);
const char *__igt_subtest_name_f(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

void igt_success(void) __attribute__((noreturn));
void igt_fail(int exitcode) __attribute__((noreturn));
void igt_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6), noreturn));
void __igt_skip_check(const char *file, int line, const char *func,
		      const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6), noreturn));

void igt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_kmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_emit_ignore_dmesg_regex(const char *regex);

bool igt_only_list_subtests(void);
void igt_install_exit_handler(void (*fn)(int sig));
int igt_ioctl(int fd, unsigned long request, void *arg);
const char *igt_test_name(void);

/**
 * igt_main() - the test's body, as in "int igt_main() { ... }".
 */
#define igt_main()							\
	__igt_main_body(void);						\
	int main(int argc, char **argv)					\
	{								\
		__igt_init(argc, argv);					\
		__igt_main_body();					\
		__igt_exit();						\
	}								\
	_Pragma("GCC diagnostic ignored \"-Wreturn-type\"")		\
	int __igt_main_body(void)

/** igt_describe() - documentation of the next subtest (kept for style). */
#define igt_describe(str)	((void)(str))

/**
 * igt_fixture() - setup or teardown code; skipped when only listing, and a
 * failure or skip in it applies to every later subtest of its group.
 */
#define igt_fixture()							\
	for (int __fx = 0; __fx < 1 && __igt_fixture() &&		\
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0;			\
	     __fx++, __igt_fixture_done())

/** igt_subtest_group() - scope for fixture results. */
#define igt_subtest_group()						\
	for (int __grp = __igt_group_enter(); __grp;			\
	     __grp = __igt_group_exit())

/** igt_subtest() - a subtest: it ends by success, skip or failure. */
#define igt_subtest(name)						\
	for (; __igt_run_subtest(name) &&				\
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; igt_success())

#define igt_subtest_f(f...)	igt_subtest(__igt_subtest_name_f(f))

/**
 * igt_subtest_with_dynamic() - a subtest made of igt_dynamic() parts; it
 * fails if one of them fails, and skips if none ran.
 */
#define igt_subtest_with_dynamic(name)					\
	for (; __igt_run_subtest(name) && __igt_with_dynamic_begin() &&	\
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; igt_success())

#define igt_subtest_with_dynamic_f(f...)				\
	igt_subtest_with_dynamic(__igt_subtest_name_f(f))

extern sigjmp_buf igt_dynamic_jmpbuf;

#define igt_dynamic(name)						\
	for (; __igt_run_dynamic(name) &&				\
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; igt_success())

#define igt_dynamic_f(f...)	igt_dynamic(__igt_subtest_name_f(f))

#define igt_assert(expr)						\
	do {								\
		if (!(expr))						\
			__igt_fail_assert(__FILE__, __LINE__, __func__,	\
					  #expr, NULL);			\
	} while (0)

#define igt_assert_f(expr, f...)					\
	do {								\
		if (!(expr))						\
			__igt_fail_assert(__FILE__, __LINE__, __func__,	\
					  #expr, f);			\
	} while (0)

#define igt_fail_on(expr)		igt_assert(!(expr))
#define igt_fail_on_f(expr, f...)	igt_assert_f(!(expr), f)

#define __igt_assert_cmp(T, fmt, a, op, b)				\
	do {								\
		T __a = (a), __b = (b);					\
		if (!(__a op __b))					\
			__igt_fail_assert(__FILE__, __LINE__, __func__,	\
					  #a " " #op " " #b,		\
					  "error: " fmt " " #op " " fmt	\
					  " is false\n", __a, __b);	\
	} while (0)

#define igt_assert_eq(a, b)	__igt_assert_cmp(int, "%d", a, ==, b)
#define igt_assert_neq(a, b)	__igt_assert_cmp(int, "%d", a, !=, b)
#define igt_assert_lt(a, b)	__igt_assert_cmp(int, "%d", a, <, b)
#define igt_assert_lte(a, b)	__igt_assert_cmp(int, "%d", a, <=, b)
#define igt_assert_eq_u32(a, b)	__igt_assert_cmp(uint32_t, "%#" PRIx32, a, ==, b)
#define igt_assert_eq_u64(a, b)	__igt_assert_cmp(uint64_t, "%#" PRIx64, a, ==, b)
#define igt_assert_neq_u64(a, b) __igt_assert_cmp(uint64_t, "%#" PRIx64, a, !=, b)
#define igt_assert_lte_u64(a, b) __igt_assert_cmp(uint64_t, "%" PRIu64, a, <=, b)

#define igt_require(expr)						\
	do {								\
		if (!(expr))						\
			__igt_skip_check(__FILE__, __LINE__, __func__,	\
					 #expr, NULL);			\
	} while (0)

#define igt_require_f(expr, f...)					\
	do {								\
		if (!(expr))						\
			__igt_skip_check(__FILE__, __LINE__, __func__,	\
					 #expr, f);			\
	} while (0)

#define igt_skip_on(expr)		igt_require(!(expr))
#define igt_skip_on_f(expr, f...)	igt_require_f(!(expr), f)

/**
 * igt_wait() - polls @cond every @interval_ms until it holds or @timeout_ms
 * have passed; whether it held. It is evaluated at least once, and once
 * more when the time is up.
 */
#define igt_wait(cond, timeout_ms, interval_ms) ({			\
	double __end = now_ms() + (timeout_ms);				\
	bool __held;							\
	while (!(__held = (cond)) && now_ms() < __end)			\
		usleep((interval_ms) * 1000);				\
	__held;								\
})

/** do_ioctl() - the ioctl must succeed. */
#define do_ioctl(fd, req, arg)	igt_assert_eq(igt_ioctl(fd, req, arg), 0)

/** do_ioctl_err() - the ioctl must fail with exactly @err. */
#define do_ioctl_err(fd, req, arg, err)					\
	do {								\
		int __ret = igt_ioctl(fd, req, arg);			\
		igt_assert_f(__ret == -1 && errno == (err),		\
			     "ioctl returned %d, errno %d (%s), "	\
			     "expected errno %d (%s)\n", __ret,		\
			     __ret ? errno : 0,				\
			     __ret ? strerror(errno) : "none",		\
			     (err), strerror(err));			\
	} while (0)

#endif /* VSHARE_IGT_H */
