// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * The virtual engine: jobs (fill, copy, CRC-32) run in submission order on
 * an ordered workqueue, each behind a dma_fence on the device's timeline,
 * with explicit in/out fences and implicit sync through the buffers'
 * reservation objects. Everything a job needs (object references, kernel
 * mappings, fence slots) is taken at submission, so the signalling path
 * allocates nothing.
 */

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/sync_file.h>
#include <linux/workqueue.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_syncobj.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

static unsigned int job_timeout_ms = 5000;
module_param(job_timeout_ms, uint, 0644);
MODULE_PARM_DESC(job_timeout_ms,
		 "Time a job may wait for its fences, and a hung job lasts (ms, default 5000)");

#define VSHARE_MAX_DELAY_MS	10000

/* Dependencies: a sync_file, a syncobj, and one per buffer (dst, src). */
#define VSHARE_MAX_DEPS		4

struct vshare_job {
	struct dma_fence base;	/* first: freeing the fence frees the job */
	struct work_struct work;
	struct vshare_device *vdev;
	struct drm_vshare_submit args;
	struct drm_gem_object *objs[2];	/* dst, then src if another buffer */
	struct iosys_map maps[2];
	unsigned int nobjs;
	struct dma_fence *deps[VSHARE_MAX_DEPS];
	unsigned int ndeps;
	bool has_fence;	/* base is initialised: the fence owns the memory */
};

static const char *vshare_job_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

static const char *vshare_job_timeline_name(struct dma_fence *fence)
{
	return "engine";
}

static const struct dma_fence_ops vshare_job_fence_ops = {
	.get_driver_name = vshare_job_driver_name,
	.get_timeline_name = vshare_job_timeline_name,
};

static void vshare_job_execute(struct vshare_job *job)
{
	struct drm_vshare_submit *args = &job->args;
	/* A source that is the destination buffer has no map of its own. */
	void *src = job->maps[job->nobjs - 1].vaddr + args->src_offset;
	void *dst = job->maps[0].vaddr + args->dst_offset;
	u32 *p = dst;
	u64 i;

	switch (args->op) {
	case VSHARE_JOB_FILL:
		for (i = 0; i < args->size / 4; i++)
			p[i] = args->value;
		break;
	case VSHARE_JOB_COPY:
		memcpy(dst, src, args->size);
		break;
	case VSHARE_JOB_CRC32:
		*(__le32 *)dst = cpu_to_le32(crc32_le(~0u, src, args->size) ^ ~0u);
		break;
	}
}

/* Native buffers get the cache maintenance a device access needs. */
static void vshare_job_sync(struct vshare_job *job, bool begin)
{
	unsigned int i;

	for (i = 0; i < job->nobjs; i++) {
		struct drm_gem_object *obj = job->objs[i];

		if (obj->import_attach)
			continue;
		if (begin)
			vshare_bo_begin_cpu_access(to_vshare_bo(obj),
						   DMA_BIDIRECTIONAL);
		else
			vshare_bo_end_cpu_access(to_vshare_bo(obj),
						 DMA_BIDIRECTIONAL);
	}
}

/* Drops everything a job holds, and the job's reference to its fence. */
static void vshare_job_free(struct vshare_job *job)
{
	unsigned int i;

	for (i = 0; i < job->ndeps; i++)
		dma_fence_put(job->deps[i]);
	for (i = 0; i < job->nobjs; i++) {
		struct drm_gem_object *obj = job->objs[i];

		if (!iosys_map_is_null(&job->maps[i])) {
			dma_resv_lock(obj->resv, NULL);
			obj->funcs->vunmap(obj, &job->maps[i]);
			dma_resv_unlock(obj->resv);
		}
		drm_gem_object_put(obj);
	}
	drm_dev_put(&job->vdev->drm);
	/* Not base.ops: newer kernels clear it once the fence signals. */
	if (job->has_fence)
		dma_fence_put(&job->base);
	else
		kfree(job);
}

static void vshare_job_work(struct work_struct *work)
{
	struct vshare_job *job = container_of(work, struct vshare_job, work);
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(job_timeout_ms));
	int error = 0;
	unsigned int i;
	long ret;

	for (i = 0; i < job->ndeps && !error; i++) {
		ret = dma_fence_wait_timeout(job->deps[i], false, timeout);
		if (ret == 0)
			error = -ETIMEDOUT;
		else if (ret < 0)
			error = ret;
		else if (job->deps[i]->error)
			error = -ECANCELED;	/* a failed producer */
	}

	if (!error && (job->args.flags & VSHARE_SUBMIT_HANG)) {
		/* The engine stops responding until the watchdog fires. */
		schedule_timeout_uninterruptible(timeout);
		atomic_inc(&job->vdev->engine.hangs);
		error = -EIO;
	}

	if (!error) {
		if (job->args.delay_ms)
			msleep(job->args.delay_ms);
		vshare_job_sync(job, true);
		vshare_job_execute(job);
		vshare_job_sync(job, false);
		atomic64_inc(&job->vdev->engine.completed);
	}

	if (error)
		dma_fence_set_error(&job->base, error);
	dma_fence_signal(&job->base);
	vshare_job_free(job);
}

static int vshare_job_args(struct drm_vshare_submit *args)
{
	if (args->flags & ~VSHARE_SUBMIT_FLAGS || !args->dst_handle ||
	    args->delay_ms > VSHARE_MAX_DELAY_MS)
		return -EINVAL;
	if (!(args->flags & VSHARE_SUBMIT_IN_SYNC_FILE) && args->in_fence_fd)
		return -EINVAL;
	if (args->op == VSHARE_JOB_CRC32) {
		if (!args->size || !IS_ALIGNED(args->size, 4) || args->value)
			return -EINVAL;
		return args->src_handle ? 0 : -EINVAL;
	}
	if (!args->size || !IS_ALIGNED(args->size, 4))
		return -EINVAL;
	if (args->op == VSHARE_JOB_FILL)
		return args->src_handle || args->src_offset ? -EINVAL : 0;
	if (args->op == VSHARE_JOB_COPY)
		return args->src_handle && !args->value ? 0 : -EINVAL;
	return -EINVAL;
}

static int vshare_job_lookup(struct vshare_job *job, struct drm_file *file)
{
	struct drm_vshare_submit *args = &job->args;
	struct drm_gem_object *dst, *src = NULL;
	u64 dst_size = args->op == VSHARE_JOB_CRC32 ? 4 : args->size;

	dst = drm_gem_object_lookup(file, args->dst_handle);
	if (!dst)
		return -ENOENT;
	job->objs[job->nobjs++] = dst;
	if (args->src_handle) {
		src = drm_gem_object_lookup(file, args->src_handle);
		if (!src)
			return -ENOENT;
		if (src == dst)
			drm_gem_object_put(src);
		else
			job->objs[job->nobjs++] = src;
	}
	if (vshare_bo_check_range(dst, args->dst_offset, dst_size))
		return -EINVAL;
	if (src) {
		if (vshare_bo_check_range(src, args->src_offset, args->size))
			return -EINVAL;
		/* memcpy() within one buffer: no overlap. */
		if (src == dst && args->op == VSHARE_JOB_COPY &&
		    args->src_offset < args->dst_offset + args->size &&
		    args->dst_offset < args->src_offset + args->size)
			return -EINVAL;
	}
	return 0;
}

static int vshare_job_explicit_deps(struct vshare_job *job,
				    struct drm_file *file)
{
	struct drm_vshare_submit *args = &job->args;
	struct dma_fence *fence;
	int ret;

	if (args->flags & VSHARE_SUBMIT_IN_SYNC_FILE) {
		fence = sync_file_get_fence(args->in_fence_fd);
		if (!fence)
			return -EINVAL;
		job->deps[job->ndeps++] = fence;
	}
	if (args->in_syncobj) {
		ret = drm_syncobj_find_fence(file, args->in_syncobj, 0, 0, &fence);
		if (ret)
			return ret;
		job->deps[job->ndeps++] = fence;
	}
	return 0;
}

/*
 * Under all the buffers' locks: take their implicit fences as
 * dependencies, map them, and publish the job's fence in them.
 */
static int vshare_job_publish(struct vshare_job *job)
{
	struct ww_acquire_ctx ctx;
	struct dma_fence *fence;
	unsigned int i;
	int ret;

	ret = drm_gem_lock_reservations(job->objs, job->nobjs, &ctx);
	if (ret)
		return ret;

	for (i = 0; i < job->nobjs; i++) {
		struct drm_gem_object *obj = job->objs[i];
		bool write = i == 0;

		ret = dma_resv_reserve_fences(obj->resv, 1);
		if (ret)
			goto out_unlock;
		ret = dma_resv_get_singleton(obj->resv, dma_resv_usage_rw(write),
					     &fence);
		if (ret)
			goto out_unlock;
		if (fence)
			job->deps[job->ndeps++] = fence;
		ret = obj->funcs->vmap(obj, &job->maps[i]);
		if (ret)
			goto out_unlock;
		if (job->maps[i].is_iomem) {
			ret = -EOPNOTSUPP;
			goto out_unlock;
		}
	}

	for (i = 0; i < job->nobjs; i++)
		dma_resv_add_fence(job->objs[i]->resv, &job->base,
				   i == 0 ? DMA_RESV_USAGE_WRITE :
				   DMA_RESV_USAGE_READ);
out_unlock:
	drm_gem_unlock_reservations(job->objs, job->nobjs, &ctx);
	return ret;
}

int vshare_submit_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct vshare_device *vdev = to_vshare_device(dev);
	struct vshare_engine *engine = &vdev->engine;
	struct drm_vshare_submit *args = data;
	struct drm_syncobj *syncobj = NULL;
	struct sync_file *sync_file;
	struct dma_fence *fence;
	struct vshare_job *job;
	int fd = -1, ret;

	ret = vshare_job_args(args);
	if (ret)
		return ret;

	job = kzalloc_obj(*job, GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->args = *args;
	job->vdev = vdev;
	drm_dev_get(dev);
	INIT_WORK(&job->work, vshare_job_work);

	ret = vshare_job_lookup(job, file);
	if (!ret)
		ret = vshare_job_explicit_deps(job, file);
	if (ret)
		goto err_free;
	if (args->out_syncobj) {
		syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!syncobj) {
			ret = -ENOENT;
			goto err_free;
		}
	}
	if (args->flags & VSHARE_SUBMIT_OUT_SYNC_FILE) {
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0) {
			ret = fd;
			goto err_free;
		}
	}

	/*
	 * Sequence numbers, publication in the buffers and the queue must
	 * agree: otherwise a job could depend on a later-queued one and the
	 * timeline would signal out of order.
	 */
	mutex_lock(&engine->submit_lock);
	dma_fence_init(&job->base, &vshare_job_fence_ops, &engine->lock,
		       engine->context, atomic64_inc_return(&engine->seqno));
	job->has_fence = true;
	ret = vshare_job_publish(job);
	if (ret) {
		mutex_unlock(&engine->submit_lock);
		/* Nobody saw the fence, but a fence must always signal. */
		dma_fence_signal(&job->base);
		goto err_free;
	}
	/* Ours, for after the job has run and freed itself. */
	fence = dma_fence_get(&job->base);
	queue_work(engine->wq, &job->work);
	mutex_unlock(&engine->submit_lock);

	if (fd >= 0) {
		sync_file = sync_file_create(fence);
		if (sync_file) {
			fd_install(fd, sync_file->file);
		} else {
			put_unused_fd(fd);
			fd = -1;
			ret = -ENOMEM;
		}
	}
	if (syncobj) {
		drm_syncobj_replace_fence(syncobj, fence);
		drm_syncobj_put(syncobj);
	}
	args->out_fence_fd = fd;
	args->seqno = fence->seqno;
	dma_fence_put(fence);
	return ret;

err_free:
	if (fd >= 0)
		put_unused_fd(fd);
	if (syncobj)
		drm_syncobj_put(syncobj);
	vshare_job_free(job);
	return ret;
}

static void vshare_engine_fini(struct drm_device *dev, void *data)
{
	struct vshare_engine *engine = data;

	destroy_workqueue(engine->wq);
	mutex_destroy(&engine->submit_lock);
}

int vshare_engine_init(struct vshare_device *vdev)
{
	struct vshare_engine *engine = &vdev->engine;

	spin_lock_init(&engine->lock);
	mutex_init(&engine->submit_lock);
	engine->context = dma_fence_context_alloc(1);
	engine->wq = alloc_ordered_workqueue("vshare-engine-%s", 0,
					     dev_name(vdev->drm.dev));
	if (!engine->wq)
		return -ENOMEM;
	return drmm_add_action_or_reset(&vdev->drm, vshare_engine_fini, engine);
}

/* Called when the device goes away: let queued jobs finish first. */
void vshare_engine_flush(struct vshare_device *vdev)
{
	flush_workqueue(vdev->engine.wq);
}
