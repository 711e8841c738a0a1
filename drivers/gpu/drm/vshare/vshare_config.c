// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Device configurations: the data a vshare device is built from, its
 * defaults and its valid ranges. Nothing here touches a device, so the
 * rules are tested without one (KUnit) and shared by every front end
 * (module parameters today).
 */

#include <linux/mm.h>
#include <linux/sizes.h>

#include "vshare_config.h"

/* Longest timeout a configuration may ask for: ten minutes. */
#define VSHARE_MAX_TIMEOUT_MS	600000

/**
 * vshare_config_init - fill a configuration with the defaults
 * @config: the configuration
 *
 * The defaults make the device every vshare device was before devices
 * became data: a 64-bit DMA mask, no segment limit, no memory limit of
 * its own, and the timeouts of the module parameters.
 */
void vshare_config_init(struct vshare_config *config)
{
	*config = (struct vshare_config) {
		.dma_mask_bits = 64,
		.max_segment_size = SZ_4G,
	};
}

/**
 * vshare_config_is_valid - whether a device can be built from a configuration
 * @config: the configuration
 *
 * Returns: true if every field is within its range (see &struct
 * vshare_config).
 */
bool vshare_config_is_valid(const struct vshare_config *config)
{
	if (config->dma_mask_bits < 32 || config->dma_mask_bits > 64)
		return false;
	if (config->max_segment_size < PAGE_SIZE ||
	    config->max_segment_size > SZ_4G ||
	    !PAGE_ALIGNED(config->max_segment_size))
		return false;
	if (config->mem_limit && !PAGE_ALIGNED(config->mem_limit))
		return false;
	return config->fence_timeout_ms <= VSHARE_MAX_TIMEOUT_MS &&
	       config->job_timeout_ms <= VSHARE_MAX_TIMEOUT_MS;
}
