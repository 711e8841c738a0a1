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
		 "Default expiry of FENCE_ATTACH fences in ms (default 10000; a device may set its own)");

struct vshare_fence {
	struct dma_fence base;	/* first: vshare_fence_release() frees it */
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

/**
 * vshare_fence_init - initialise a vshare fence
 * @fence: the fence, first member of an allocation that
 *	vshare_fence_release() frees
 * @ops: its operations, whose @release must be vshare_fence_release()
 * @lock: its lock, which must live as long as the fence: not the device's
 * @context: fence context
 * @seqno: sequence number
 *
 * A fence can outlive its file, its device and every vshare buffer: a
 * sync_file, a syncobj or another driver's reservation object may keep it
 * for as long as they like, and call its operations, which are module
 * code. Each fence therefore holds a reference to the module until it is
 * released.
 */
void vshare_fence_init(struct dma_fence *fence,
		       const struct dma_fence_ops *ops, spinlock_t *lock,
		       u64 context, u64 seqno)
{
	__module_get(THIS_MODULE);
	dma_fence_init(fence, ops, lock, context, seqno);
}

/**
 * vshare_fence_release - free a vshare fence and let the module go
 * @fence: a fence made by vshare_fence_init(), no longer referenced
 *
 * The memory goes after an RCU grace period, as dma_fence_free() does for
 * any fence. module_put() comes last: the module's exit waits for a grace
 * period (vshare_exit()), which covers the return from here.
 */
void vshare_fence_release(struct dma_fence *fence)
{
	dma_fence_free(fence);
	module_put(THIS_MODULE);
}

/*
 * A pending timer holds a reference to its fence, so the last reference
 * never goes while the timer can still run, and the fence may be released
 * from the timer's own callback.
 */
static const struct dma_fence_ops vshare_fence_ops = {
	.get_driver_name = vshare_fence_driver_name,
	.get_timeline_name = vshare_fence_timeline_name,
	.release = vshare_fence_release,
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

	/* The timer's reference, unless its callback is dropping it. */
	if (timer_delete_sync(&fence->timer))
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
	vshare_fence_init(&fence->base, &vshare_fence_ops, &fence->lock,
			  dma_fence_context_alloc(1), 1);
	timer_setup(&fence->timer, vshare_fence_expire, TIMER_IRQSAFE);
	dma_fence_get(&fence->base);
	mod_timer(&fence->timer, jiffies + msecs_to_jiffies(timeout_ms));
	return &fence->base;
}

/*
 * Adds the fence to an idle buffer: check and add under one lock, so two
 * attaches cannot both win.
 */
static int vshare_fence_add(struct drm_gem_object *obj,
			    struct dma_fence *fence, bool write)
{
	enum dma_resv_usage usage = dma_resv_usage_rw(write);
	int ret;

	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (ret)
		return ret;
	if (!dma_resv_test_signaled(obj->resv, usage))
		ret = -EBUSY;
	else
		ret = dma_resv_reserve_fences(obj->resv, 1);
	if (!ret)
		dma_resv_add_fence(obj->resv, fence, write ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	dma_resv_unlock(obj->resv);
	return ret;
}

/**
 * vshare_fence_attach_ioctl - attach an unsignaled fence to a buffer
 * @dev: the vshare device
 * @data: &struct drm_vshare_fence_attach
 * @file: the DRM file that owns the fence until it is signaled
 *
 * Implements &DRM_IOCTL_VSHARE_FENCE_ATTACH.
 *
 * Returns: 0 or a negative errno (see &struct drm_vshare_fence_attach).
 */
int vshare_fence_attach_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vshare_file *vfile = file->driver_priv;
	struct drm_vshare_fence_attach *args = data;
	unsigned int timeout = to_vshare_device(dev)->config.fence_timeout_ms ?:
			       READ_ONCE(fence_timeout_ms);
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
	ret = fence ? vshare_fence_add(obj, fence,
				       args->flags & VSHARE_FENCE_WRITE) : -ENOMEM;
	if (!ret)
		ret = xa_alloc(&vfile->fences, &id, fence, xa_limit_32b,
			       GFP_KERNEL);
	if (!ret)
		args->out_fence = id;
	/* Never leave an unsignaled fence behind in the reservation object. */
	if (ret && fence)
		vshare_fence_finish(fence);
	drm_gem_object_put(obj);
	return ret;
}

/**
 * vshare_fence_signal_ioctl - signal a fence made by FENCE_ATTACH
 * @dev: the vshare device
 * @data: &struct drm_vshare_fence_signal
 * @file: the DRM file that owns the fence
 *
 * Implements &DRM_IOCTL_VSHARE_FENCE_SIGNAL.
 *
 * Returns: 0 or a negative errno (see &struct drm_vshare_fence_signal).
 */
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
