/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * Racing threads: a subtest starts its threads together with race_run();
 * each loops while racing() and checks what it sees with race_check(). A
 * race lasts RACE_SECONDS or RACE_MAX_ITER iterations of a thread,
 * whichever comes first (the test VM is a slow emulator).
 *
 * igt_assert() jumps out of the subtest and is only for the main thread:
 * worker threads record the first failure with race_check(), which stops
 * the race; the main thread cleans up, then race_assert_ok().
 */

#ifndef VSHARE_RACE_H
#define VSHARE_RACE_H

#include <pthread.h>
#include <stdbool.h>

#define RACE_SECONDS		3.0
#define RACE_MAX_ITER		20000
#define RACE_MAX_THREADS	8

typedef void *(*race_fn)(void *);

void race_run(int n, race_fn *fns, void **args);
bool racing(long iter);
bool race_stopped(void);
void race_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void race_assert_ok(void);

/* For worker threads: records a failure and stops the race; true if ok. */
#define race_check(expr, fmt, ...) ({					\
	bool __ok = (expr);						\
	if (!__ok)							\
		race_fail(__FILE__, __LINE__, "%s: " fmt, #expr,	\
			  ##__VA_ARGS__);				\
	__ok;								\
})

const char *errname(int err);
void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, int ms);

#endif /* VSHARE_RACE_H */
