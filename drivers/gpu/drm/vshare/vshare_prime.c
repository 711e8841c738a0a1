// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * PRIME: buffers imported from other exporters.
 */

#include <linux/dma-buf.h>

#include <drm/drm_prime.h>

#include "vshare_drv.h"

struct drm_gem_object *
vshare_prime_import_sg_table(struct drm_device *dev,
			     struct dma_buf_attachment *attach,
			     struct sg_table *sgt)
{
	struct vshare_bo *bo;

	bo = vshare_bo_alloc(dev, attach->dmabuf->size);
	if (IS_ERR(bo))
		return ERR_CAST(bo);

	bo->sgt = sgt;
	return &bo->base;
}
