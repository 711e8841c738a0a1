// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Moving and revoking buffers, so that importers can prove they cope.
 *
 * A move gives a buffer new pages with the same contents, as a GPU driver
 * evicting VRAM does; a revoke takes the memory away for good, as VFIO
 * does on a device reset. Either way dynamic importers are told through
 * the dma-buf invalidation callback and must map again (a revoked buffer
 * then refuses with -ENODEV), and CPU mappings are zapped: they fault the
 * new pages in, or get SIGBUS once revoked. A buffer a static importer has
 * pinned, a dynamic importer keeps mapped, or the kernel has mapped cannot
 * move: -EBUSY, nothing changed.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/mm.h>

#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/* Longest wait for the buffer's fences before a move gives up. */
#define VSHARE_MOVE_TIMEOUT	(10 * HZ)

/*
 * Zaps every CPU mapping: of the DRM files and of the dma-buf. The dma-buf
 * is the one vshare keeps (&vshare_bo.dmabuf): DRM core forgets its own
 * pointer once the exporter closed its handles, while importers still hold
 * the dma-buf.
 */
static void vshare_bo_zap_locked(struct vshare_bo *bo)
{
	struct drm_gem_object *obj = &bo->base;

	dma_resv_assert_held(obj->resv);
	drm_vma_node_unmap(&obj->vma_node, obj->dev->anon_inode->i_mapping);
	/* dma-buf mappings carry the same fake offset (vshare_dmabuf_mmap). */
	if (bo->dmabuf)
		unmap_mapping_range(bo->dmabuf->file->f_mapping,
				    drm_vma_node_offset_addr(&obj->vma_node),
				    obj->size, 1);
}

static void vshare_bo_invalidate_locked(struct vshare_bo *bo)
{
	dma_resv_assert_held(bo->base.resv);
	if (bo->dmabuf)
		vshare_dma_buf_invalidate_mappings(bo->dmabuf);
}

/* The check both operations start with: a native, unrevoked buffer. */
static int vshare_bo_lock_native(struct vshare_bo *bo)
{
	int ret;

	if (bo->base.import_attach)
		return -EINVAL;
	ret = dma_resv_lock_interruptible(bo->base.resv, NULL);
	if (ret)
		return ret;
	if (bo->revoked) {
		dma_resv_unlock(bo->base.resv);
		return -ENODEV;
	}
	return 0;
}

/**
 * vshare_bo_move - give a native buffer new pages, contents preserved
 * @bo: the buffer
 *
 * The new copy counts against vshare's memory limit (and the caller's
 * memory cgroup) until the old one is freed.
 *
 * Returns: 0; -EBUSY if it is pinned, mapped by the kernel or kept mapped
 * by an importer; -ENODEV if revoked; -ENOMEM; -ETIMEDOUT if its fences do
 * not signal; -EINTR; -EINVAL for an imported buffer.
 */
int vshare_bo_move(struct vshare_bo *bo)
{
	struct drm_gem_object *obj = &bo->base;
	unsigned long i, npages = obj->size >> PAGE_SHIFT;
	struct vshare_backing new = { };
	long wait;
	int ret;

	ret = vshare_bo_lock_native(bo);
	if (ret)
		return ret;
	if (bo->pin_count || bo->vmap_count) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* Whatever devices queued on the old pages finishes first. */
	wait = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_BOOKKEEP, true,
				     VSHARE_MOVE_TIMEOUT);
	if (wait <= 0) {
		ret = wait ?: -ETIMEDOUT;
		goto out_unlock;
	}

	ret = vshare_mem_charge(obj->size);
	if (ret)
		goto out_unlock;
	ret = vshare_backing_alloc(bo, &new);
	if (ret)
		goto out_free;
	vshare_bo_invalidate_locked(bo);

	/* Faults wait on the lock: nobody maps the old pages from here. */
	mutex_lock(&bo->lock);
	spin_lock(&bo->mappings_lock);
	if (!list_empty(&bo->mappings))
		ret = -EBUSY;
	spin_unlock(&bo->mappings_lock);
	if (ret) {
		mutex_unlock(&bo->lock);
		goto out_free;
	}
	vshare_bo_zap_locked(bo);
	for (i = 0; i < npages; i++) {
		copy_highpage(new.pages[i], bo->backing.pages[i]);
		if (!(i % VSHARE_HUGE_PAGES))
			cond_resched();
	}
	swap(bo->backing, new);
	mutex_unlock(&bo->lock);
	atomic_inc(&bo->moves);

out_free:
	/* The old pages after a move, the unused new ones otherwise. */
	vshare_backing_free(bo, &new);
	vshare_mem_uncharge(obj->size);
out_unlock:
	dma_resv_unlock(obj->resv);
	return ret;
}

/**
 * vshare_bo_revoke - take a native buffer's memory away from its users
 * @bo: the buffer
 *
 * Its pages stay allocated until the buffer is freed, since static
 * importers may keep their mappings, but nobody maps them again.
 *
 * Returns: 0; -ENODEV if already revoked; -EINTR; -EINVAL for an imported
 * buffer.
 */
int vshare_bo_revoke(struct vshare_bo *bo)
{
	int ret;

	ret = vshare_bo_lock_native(bo);
	if (ret)
		return ret;
	mutex_lock(&bo->lock);
	WRITE_ONCE(bo->revoked, true);
	vshare_bo_zap_locked(bo);
	mutex_unlock(&bo->lock);
	vshare_bo_invalidate_locked(bo);
	dma_resv_unlock(bo->base.resv);
	return 0;
}
