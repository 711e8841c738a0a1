/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 */

#ifndef _VSHARE_CONFIG_H_
#define _VSHARE_CONFIG_H_

#include <linux/types.h>

/**
 * enum vshare_alloc - how a device backs its buffers
 * @VSHARE_ALLOC_SCATTERED: the largest blocks the page allocator gives
 *	without effort (2 MiB, 64 KiB, 4 KiB), all at creation
 * @VSHARE_ALLOC_CONTIGUOUS: every buffer one physically contiguous run
 * @VSHARE_ALLOC_LAZY: as scattered, but 2 MiB at a time when first
 *	touched (CPU fault) or all at once when first mapped (kernel,
 *	importer)
 */
enum vshare_alloc {
	VSHARE_ALLOC_SCATTERED,
	VSHARE_ALLOC_CONTIGUOUS,
	VSHARE_ALLOC_LAZY,
};

/**
 * enum vshare_caching - which CPU caching a device's buffers may have
 * @VSHARE_CACHING_BOTH: what CREATE asks for (cached unless VSHARE_CREATE_WC)
 * @VSHARE_CACHING_CACHED: cached only: VSHARE_CREATE_WC is refused
 * @VSHARE_CACHING_WC: write-combined only, whatever CREATE asks for
 */
enum vshare_caching {
	VSHARE_CACHING_BOTH,
	VSHARE_CACHING_CACHED,
	VSHARE_CACHING_WC,
};

/**
 * enum vshare_pinning - what a device's exporter lets importers do
 * @VSHARE_PINNING_DYNAMIC: static importers pin, dynamic importers map
 *	unpinned and are told when the buffer moves
 * @VSHARE_PINNING_STATIC_ONLY: mappings only of pinned buffers: a dynamic
 *	importer that does not pin is refused
 * @VSHARE_PINNING_NEVER: nothing may pin: importers that need pinned
 *	buffers (static importers) are refused
 */
enum vshare_pinning {
	VSHARE_PINNING_DYNAMIC,
	VSHARE_PINNING_STATIC_ONLY,
	VSHARE_PINNING_NEVER,
};

/**
 * struct vshare_config - what a vshare device is, as data
 * @dma_mask_bits: width of the device's DMA mask, 32 to 64: what it maps
 *	imported buffers against, and where its own buffers may lie
 * @max_segment_size: longest DMA segment the device takes when it imports,
 *	4 KiB to 4 GiB, in pages (4 GiB means no limit)
 * @segment_boundary: boundary mask no DMA segment of the device may cross
 *	when it imports: a power of two minus one, at least 4 KiB - 1
 * @alloc: how buffers are backed (&enum vshare_alloc)
 * @caching: which caching buffers may have (&enum vshare_caching)
 * @pitch_align: alignment of dumb buffers' pitch in bytes, a power of two
 *	from 1 to 4096
 * @size_align: alignment of every buffer's size in bytes, a power of two
 *	from 4 KiB to 1 GiB
 * @max_buffer_size: largest buffer in bytes, 0 for no limit
 * @pinning: what importers may do (&enum vshare_pinning)
 * @mem_limit: bytes the device's native buffers may use together, 0 for
 *	no limit of its own (the module-wide budget always applies)
 * @dmem_region_size: size of the device's dmem cgroup region in bytes, 0
 *	for none (Linux 6.14 and newer)
 * @fence_timeout_ms: expiry of FENCE_ATTACH fences made without a timeout
 *	of their own, 0 to follow the fence_timeout_ms module parameter
 * @job_timeout_ms: how long an engine job waits for each dependency and a
 *	hung job lasts, 0 to follow the job_timeout_ms module parameter
 *
 * A device is built from a configuration (vshare_device_create()) and
 * keeps its own copy: changing a configuration never changes a device
 * that exists. The module's default devices get the defaults
 * (vshare_config_init()). Every field is reachable by its name, as text,
 * through vshare_config_set() and vshare_config_show().
 */
struct vshare_config {
	u32 dma_mask_bits;
	u64 max_segment_size;
	u64 segment_boundary;
	enum vshare_alloc alloc;
	enum vshare_caching caching;
	u32 pitch_align;
	u64 size_align;
	u64 max_buffer_size;
	enum vshare_pinning pinning;
	u64 mem_limit;
	u64 dmem_region_size;
	u32 fence_timeout_ms;
	u32 job_timeout_ms;
};

void vshare_config_init(struct vshare_config *config);
bool vshare_config_is_valid(const struct vshare_config *config);
int vshare_config_set(struct vshare_config *config, const char *key,
		      const char *value);
int vshare_config_show(const struct vshare_config *config, const char *key,
		       char *buf, size_t size);

#endif /* _VSHARE_CONFIG_H_ */
