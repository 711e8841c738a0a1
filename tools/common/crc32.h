/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * The IEEE CRC-32 of zlib's crc32(), which vshare's ACCESS ioctl and
 * engine compute in the kernel.
 */

#ifndef VSHARE_CRC32_H
#define VSHARE_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_ieee_update(uint32_t crc, const void *buf, size_t len);

static inline uint32_t crc32_ieee(const void *buf, size_t len)
{
	return crc32_ieee_update(0, buf, len);
}

#endif /* VSHARE_CRC32_H */
