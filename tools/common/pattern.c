// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#include "pattern.h"

/** fill_pattern() - the words of @seed's pattern, @size / 4 of them */
void fill_pattern(void *ptr, size_t size, uint32_t seed)
{
	uint32_t *p = ptr;
	size_t i;

	for (i = 0; i < size / 4; i++)
		p[i] = pattern_word(i, seed);
}

/**
 * pattern_mismatches() - how many words differ from @seed's pattern
 * @first: if not NULL and a word differs, gets the index of the first
 */
size_t pattern_mismatches(const void *ptr, size_t size, uint32_t seed,
			  size_t *first)
{
	const uint32_t *p = ptr;
	size_t i, bad = 0;

	for (i = 0; i < size / 4; i++) {
		if (p[i] == pattern_word(i, seed))
			continue;
		if (!bad++ && first)
			*first = i;
	}
	return bad;
}

/** pattern_xy() - the pixel at (@x, @y) of @seed's image, 32 random bits */
uint32_t pattern_xy(uint32_t x, uint32_t y, uint32_t seed)
{
	uint32_t h = (x * 0x9e3779b1u) ^ (y * 0x85ebca77u) ^ seed;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}
