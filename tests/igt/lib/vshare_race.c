// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "igt.h"
#include "vshare_race.h"

static struct {
	atomic_bool stop;
	double deadline;
	pthread_mutex_t lock;
	bool failed;
	char msg[1024];
} race = { .lock = PTHREAD_MUTEX_INITIALIZER };

const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ?: "unknown errno";
}

/** racing() - whether a thread at iteration @iter goes on; may end the race */
bool racing(long iter)
{
	if (atomic_load(&race.stop))
		return false;
	if (iter >= RACE_MAX_ITER || now_s() >= race.deadline) {
		atomic_store(&race.stop, true);
		return false;
	}
	return true;
}

/** race_stopped() - whether the race is over, for threads that wait */
bool race_stopped(void)
{
	return atomic_load(&race.stop);
}

void race_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	pthread_mutex_lock(&race.lock);
	if (!race.failed) {
		race.failed = true;
		n = snprintf(race.msg, sizeof(race.msg), "%s:%d: ", file, line);
		va_start(ap, fmt);
		vsnprintf(race.msg + n, sizeof(race.msg) - n, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&race.lock);
	atomic_store(&race.stop, true);
}

/**
 * race_run() - runs @n threads until they have all stopped
 * @args: each thread's argument; NULL gives thread i the argument i
 */
void race_run(int n, race_fn *fns, void **args)
{
	pthread_t threads[RACE_MAX_THREADS];
	int i, started = 0, ret;

	igt_assert(n <= RACE_MAX_THREADS);
	atomic_store(&race.stop, false);
	race.failed = false;
	race.msg[0] = '\0';
	race.deadline = now_s() + RACE_SECONDS;
	for (i = 0; i < n; i++) {
		ret = pthread_create(&threads[i], NULL, fns[i],
				     args ? args[i] : (void *)(intptr_t)i);
		if (ret) {
			race_fail(__FILE__, __LINE__, "pthread_create: %s\n",
				  errname(ret));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

/* After the cleanup: the first failure of a worker fails the subtest. */
void race_assert_ok(void)
{
	igt_assert_f(!race.failed, "%s", race.msg);
}

void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(cond, lock, &ts);
}
