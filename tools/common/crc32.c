// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#include "crc32.h"

/**
 * crc32_ieee_update() - continue a CRC-32 (start from 0) over @len bytes
 *
 * Table driven; the table is built on first use, so call it once before
 * threads share it.
 */
uint32_t crc32_ieee_update(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = i;
			int k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}
