// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vgem-compatible fences: userspace attaches an unsignaled fence to a
 * buffer's reservation object and signals it later, so that tests can hold
 * a buffer busy and watch importers wait. A timer expires forgotten fences
 * (with -ETIMEDOUT), after a per-fence or module-wide delay.
 */

#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/xarray.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

static unsigned int fence_timeout_ms = 10000;
module_param(fence_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fence_timeout_ms,
		 "Default expiry of FENCE_ATTACH fences in ms (default 10000)");

struct vshare_fence {
	struct dma_fence base;
	spinlock_t lock; /* protects base */
	struct timer_list timer;
};

static const char *vshare_fence_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

static const char *vshare_fence_timeline_name(struct dma_fence *fence)
{
	return "attached";
}

/*
 * A pending timer holds a reference to its fence, so the last reference
 * never goes while the timer can still run, and the fence may be released
 * from the timer's own callback.
 */
static const struct dma_fence_ops vshare_fence_ops = {
	.get_driver_name = vshare_fence_driver_name,
	.get_timeline_name = vshare_fence_timeline_name,
};

/* Runs in interrupt context: signaling is irq-safe. */
static void vshare_fence_expire(struct timer_list *t)
{
	struct vshare_fence *fence = vshare_timer_container_of(fence, t, timer);
	unsigned long flags;

	spin_lock_irqsave(&fence->lock, flags);
	if (!dma_fence_is_signaled_locked(&fence->base)) {
		dma_fence_set_error(&fence->base, -ETIMEDOUT);
		dma_fence_signal_locked(&fence->base);
	}
	spin_unlock_irqrestore(&fence->lock, flags);
	dma_fence_put(&fence->base);
}

/*
 * Signals the fence unless it expired, stops its timer and drops the
 * caller's reference. Returns -ETIMEDOUT if the timer got there first:
 * the check and the signal are one step under the fence lock, as in the
 * timer, so the answer always matches the fence's final status.
 */
static int vshare_fence_finish(struct dma_fence *base)
{
	struct vshare_fence *fence = container_of(base, typeof(*fence), base);
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&fence->lock, flags);
	if (dma_fence_is_signaled_locked(base))
		ret = -ETIMEDOUT;
	else
		dma_fence_signal_locked(base);
	spin_unlock_irqrestore(&fence->lock, flags);

	if (timer_delete(&fence->timer))
		dma_fence_put(base);
	dma_fence_put(base);
	return ret;
}

static struct dma_fence *vshare_fence_create(unsigned int timeout_ms)
{
	struct vshare_fence *fence = kzalloc_obj(*fence, GFP_KERNEL);

	if (!fence)
		return NULL;
	spin_lock_init(&fence->lock);
	dma_fence_init(&fence->base, &vshare_fence_ops, &fence->lock,
		       dma_fence_context_alloc(1), 1);
	timer_setup(&fence->timer, vshare_fence_expire, TIMER_IRQSAFE);
	dma_fence_get(&fence->base);
	mod_timer(&fence->timer, jiffies + msecs_to_jiffies(timeout_ms));
	return &fence->base;
}

int vshare_fence_attach_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vshare_file *vfile = file->driver_priv;
	struct drm_vshare_fence_attach *args = data;
	bool write = args->flags & VSHARE_FENCE_WRITE;
	unsigned int timeout = READ_ONCE(fence_timeout_ms);
	struct drm_gem_object *obj;
	struct dma_fence *fence;
	u32 id;
	int ret;

	if (args->flags & ~VSHARE_FENCE_FLAGS)
		return -EINVAL;
	if (args->flags & VSHARE_FENCE_TIMEOUT)
		timeout = args->timeout_ms;
	else if (args->timeout_ms)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	fence = vshare_fence_create(timeout);
	if (!fence) {
		ret = -ENOMEM;
		goto out_put;
	}

	/* Check and add under one lock, so two attaches cannot both win. */
	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (ret)
		goto out_fence;
	if (!dma_resv_test_signaled(obj->resv, dma_resv_usage_rw(write)))
		ret = -EBUSY;
	else
		ret = dma_resv_reserve_fences(obj->resv, 1);
	if (!ret)
		dma_resv_add_fence(obj->resv, fence, write ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	dma_resv_unlock(obj->resv);
	if (ret)
		goto out_fence;

	ret = xa_alloc(&vfile->fences, &id, fence, xa_limit_32b, GFP_KERNEL);
	if (ret)
		goto out_fence;
	args->out_fence = id;
	drm_gem_object_put(obj);
	return 0;

out_fence:
	/* Never leave an unsignaled fence behind in the reservation object. */
	vshare_fence_finish(fence);
out_put:
	drm_gem_object_put(obj);
	return ret;
}

int vshare_fence_signal_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vshare_file *vfile = file->driver_priv;
	struct drm_vshare_fence_signal *args = data;
	struct dma_fence *fence;

	if (args->flags)
		return -EINVAL;

	fence = xa_erase(&vfile->fences, args->fence);
	if (!fence)
		return -ENOENT;
	return vshare_fence_finish(fence);
}

/* A closing file signals the fences it still owns. */
void vshare_fence_file_fini(struct vshare_file *vfile)
{
	struct dma_fence *fence;
	unsigned long id;

	xa_for_each(&vfile->fences, id, fence)
		vshare_fence_finish(fence);
	xa_destroy(&vfile->fences);
}
