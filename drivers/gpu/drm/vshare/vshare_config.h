/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 */

#ifndef _VSHARE_CONFIG_H_
#define _VSHARE_CONFIG_H_

#include <linux/types.h>

/**
 * struct vshare_config - what a vshare device is, as data
 * @dma_mask_bits: width of the device's DMA mask, 32 to 64: what it maps
 *	imported buffers against
 * @max_segment_size: longest DMA segment the device takes when it imports,
 *	4 KiB to 4 GiB (a 4 GiB limit means none)
 * @mem_limit: bytes the device's native buffers may use together, 0 for
 *	no limit of its own (the module-wide budget always applies)
 * @fence_timeout_ms: expiry of FENCE_ATTACH fences made without a timeout
 *	of their own, 0 to follow the fence_timeout_ms module parameter
 * @job_timeout_ms: how long an engine job waits for each dependency and a
 *	hung job lasts, 0 to follow the job_timeout_ms module parameter
 *
 * A device is built from a configuration (vshare_device_create()) and
 * keeps its own copy: changing a configuration never changes a device
 * that exists. The module's default devices get the defaults
 * (vshare_config_init()).
 */
struct vshare_config {
	u32 dma_mask_bits;
	u64 max_segment_size;
	u64 mem_limit;
	u32 fence_timeout_ms;
	u32 job_timeout_ms;
};

void vshare_config_init(struct vshare_config *config);
bool vshare_config_is_valid(const struct vshare_config *config);

#endif /* _VSHARE_CONFIG_H_ */
