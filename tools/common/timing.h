/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * CLOCK_MONOTONIC in the units the tests and the tools measure in.
 */

#ifndef VSHARE_TIMING_H
#define VSHARE_TIMING_H

#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double now_ms(void)
{
	return now_s() * 1e3;
}

static inline double now_us(void)
{
	return now_s() * 1e6;
}

#endif /* VSHARE_TIMING_H */
