/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * The test patterns that buffers are filled with and checked against, by
 * the tests and the tools alike: words by index, and pixels by position.
 */

#ifndef VSHARE_PATTERN_H
#define VSHARE_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* A pattern that differs in every word and with every seed. */
static inline uint32_t pattern_word(size_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ seed;

	return x ^ (x >> 15);
}

void fill_pattern(void *ptr, size_t size, uint32_t seed);
size_t pattern_mismatches(const void *ptr, size_t size, uint32_t seed,
			  size_t *first);
uint32_t pattern_xy(uint32_t x, uint32_t y, uint32_t seed);

#endif /* VSHARE_PATTERN_H */
