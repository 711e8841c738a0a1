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
#include <linux/sizes.h>

#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/* Longest wait for the buffer's fences before a move gives up. */
#define VSHARE_MOVE_TIMEOUT	(10 * HZ)

/* Pages copied between two chances for the scheduler (2 MiB). */
#define VSHARE_MOVE_CHUNK	(SZ_2M >> PAGE_SHIFT)

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

/* Copies the contents into the new pages and puts them in place. */
static void vshare_bo_swap_locked(struct vshare_bo *bo,
				  struct vshare_backing *new)
{
	unsigned long i;

	dma_resv_assert_held(bo->base.resv);
	lockdep_assert_held(&bo->lock);
	vshare_bo_zap_locked(bo);
	for (i = 0; i < bo->backing.npages; i++) {
		copy_highpage(new->pages[i], bo->backing.pages[i]);
		if (!(i % VSHARE_MOVE_CHUNK))
			cond_resched();
	}
	vshare_backing_swap(&bo->backing, new);
	atomic_inc(&bo->stats.moves);
}

/* Whatever devices queued on the old pages finishes first. */
static int vshare_bo_wait_idle_locked(struct vshare_bo *bo)
{
	long wait;

	dma_resv_assert_held(bo->base.resv);
	wait = dma_resv_wait_timeout(bo->base.resv, DMA_RESV_USAGE_BOOKKEEP,
				     true, VSHARE_MOVE_TIMEOUT);
	if (wait <= 0)
		return wait ?: -ETIMEDOUT;
	return 0;
}

/**
 * vshare_bo_move - give a native buffer new pages, contents preserved
 * @bo: the buffer
 *
 * The new copy counts against vshare's memory limits (and the caller's
 * memory cgroup) until the old one is freed.
 *
 * Returns: 0; -EBUSY if it is pinned, mapped by the kernel or kept mapped
 * by an importer; -ENODEV if revoked; -ENOMEM; -ETIMEDOUT if its fences do
 * not signal; -EINTR; -EINVAL for an imported buffer.
 */
int vshare_bo_move(struct vshare_bo *bo)
{
	struct vshare_device *vdev = to_vshare_device(bo->base.dev);
	struct drm_gem_object *obj = &bo->base;
	struct vshare_backing new = { };
	int ret;

	ret = vshare_bo_lock_native(bo);
	if (ret)
		return ret;
	ret = bo->pin_count || bo->vmap_count ? -EBUSY : 0;
	if (!ret)
		ret = vshare_bo_wait_idle_locked(bo);
	/* A lazy buffer's contents are all of it: the new copy has every page. */
	if (!ret)
		ret = vshare_bo_populate_locked(bo);
	if (!ret)
		ret = vshare_mem_charge(vdev, obj->size);
	if (ret)
		goto out_unlock;
	ret = vshare_backing_alloc(&new, bo->backing.npages, bo->flags,
				   bo->backing.zone, false);
	if (ret)
		goto out_free;
	vshare_bo_invalidate_locked(bo);

	/* Faults wait on the lock: nobody maps the old pages from here. */
	mutex_lock(&bo->lock);
	if (vshare_bo_is_mapped(bo))
		ret = -EBUSY;
	else
		vshare_bo_swap_locked(bo, &new);
	mutex_unlock(&bo->lock);

out_free:
	/* The old pages after a move, the unused new ones otherwise. */
	vshare_backing_free(&new);
	vshare_mem_uncharge(vdev, obj->size);
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
