// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * The virtual engine: jobs (fill, copy, CRC-32) run in submission order on
 * an ordered workqueue, each behind a dma_fence on the device's timeline,
 * with explicit in/out fences and implicit sync through the buffers'
 * reservation objects. Everything a job needs (object references, kernel
 * mappings, fence slots) is taken at submission, so the signalling path
 * allocates nothing and takes no lock but spinlocks; what a job held is
 * dropped after its fence signaled, on another workqueue, so that taking
 * the reservation locks again never delays the jobs behind it.
 *
 * A job ends early, its fence signaled with -ENODEV, once the device is
 * unplugged: removing a device with a full queue takes milliseconds.
 */

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/sizes.h>
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
		 "Time a job may wait for its fences, and a hung job lasts (ms, default 5000; a device may set its own)");

#define VSHARE_MAX_DELAY_MS	10000

/* Jobs an engine holds at most, queued or running: SUBMIT says -EBUSY then. */
#define VSHARE_MAX_JOBS		64

/* Dependencies: a sync_file, a syncobj, and one per buffer (dst, src). */
#define VSHARE_MAX_DEPS		4

/* Jobs wait and sleep in slices of this, watching for an unplug. */
#define VSHARE_JOB_SLICE	(HZ / 50)

/* Jobs run and cleaned in pieces of this, rescheduling in between. */
#define VSHARE_JOB_CHUNK	SZ_1M

struct vshare_job {
	struct dma_fence base;	/* first: vshare_fence_release() frees the job */
	spinlock_t lock;	/* protects base */
	struct work_struct work;
	struct work_struct cleanup;
	struct vshare_device *vdev;
	struct drm_vshare_submit args;
	struct drm_gem_object *objs[2];	/* dst, then src if another buffer */
	struct iosys_map maps[2];
	unsigned int nobjs;
	struct dma_fence *deps[VSHARE_MAX_DEPS];
	unsigned int ndeps;
	struct sync_file *sync_file;	/* until installed in a descriptor */
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;	/* for a timeline point of syncobj */
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
	.release = vshare_fence_release,
};

static void vshare_job_execute(struct vshare_job *job)
{
	struct drm_vshare_submit *args = &job->args;
	/* A source that is the destination buffer has no map of its own. */
	void *src = job->maps[job->nobjs - 1].vaddr + args->src_offset;
	void *dst = job->maps[0].vaddr + args->dst_offset;
	u32 crc = ~0u;
	u64 done, n, i;

	/* Multi-GiB jobs give the CPU back now and then. */
	for (done = 0; done < args->size; done += n) {
		n = min_t(u64, args->size - done, VSHARE_JOB_CHUNK);
		switch (args->op) {
		case VSHARE_JOB_FILL:
			for (i = 0; i < n / 4; i++)
				((u32 *)(dst + done))[i] = args->value;
			break;
		case VSHARE_JOB_COPY:
			memcpy(dst + done, src + done, n);
			break;
		case VSHARE_JOB_CRC32:
			crc = crc32_le(crc, src + done, n);
			break;
		}
		cond_resched();
	}
	if (args->op == VSHARE_JOB_CRC32)
		*(__le32 *)dst = cpu_to_le32(crc ^ ~0u);
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

/*
 * Drops everything a job holds, and the job's reference to its fence.
 * Takes the buffers' reservation locks: never called where the job's
 * fence has yet to signal.
 */
static void vshare_job_free(struct vshare_job *job)
{
	unsigned int i;

	for (i = 0; i < job->ndeps; i++)
		dma_fence_put(job->deps[i]);
	for (i = 0; i < job->nobjs; i++) {
		struct drm_gem_object *obj = job->objs[i];

		if (!iosys_map_is_null(&job->maps[i])) {
			dma_resv_lock(obj->resv, NULL);
			vshare_gem_vunmap_locked(obj, &job->maps[i]);
			dma_resv_unlock(obj->resv);
		}
		drm_gem_object_put(obj);
	}
	if (job->sync_file)
		fput(job->sync_file->file);
	if (job->syncobj)
		drm_syncobj_put(job->syncobj);
	dma_fence_chain_free(job->chain);
	drm_dev_put(&job->vdev->drm);
	/* Not base.ops: newer kernels clear it once the fence signals. */
	if (job->has_fence)
		dma_fence_put(&job->base);
	else
		kfree(job);
}

static void vshare_job_cleanup_work(struct work_struct *work)
{
	vshare_job_free(container_of(work, struct vshare_job, cleanup));
}

static bool vshare_job_cancelled(struct vshare_job *job)
{
	return drm_dev_is_unplugged(&job->vdev->drm);
}

/* Waits for a dependency: 0, or why the job must not run. */
static int vshare_job_wait(struct vshare_job *job, struct dma_fence *fence,
			   unsigned long timeout)
{
	unsigned long slice;
	long ret;

	for (;;) {
		if (vshare_job_cancelled(job))
			return -ENODEV;
		slice = min_t(unsigned long, timeout, VSHARE_JOB_SLICE);
		ret = dma_fence_wait_timeout(fence, false, slice);
		if (ret < 0)
			return ret;
		if (ret > 0)
			return fence->error ? -ECANCELED : 0;	/* failed producer */
		if (timeout <= slice)
			return -ETIMEDOUT;
		timeout -= slice;
	}
}

/* Sleeps, unless the device goes away: false then. */
static bool vshare_job_sleep(struct vshare_job *job, unsigned long timeout)
{
	unsigned long end = jiffies + timeout;

	while (time_before(jiffies, end)) {
		if (vshare_job_cancelled(job))
			return false;
		schedule_timeout_uninterruptible(min_t(unsigned long,
						       end - jiffies,
						       VSHARE_JOB_SLICE));
	}
	return !vshare_job_cancelled(job);
}

/* The device's own timeout, or the module's. */
static unsigned long vshare_job_timeout(struct vshare_device *vdev)
{
	u32 ms = vdev->config.job_timeout_ms ?: READ_ONCE(job_timeout_ms);

	return msecs_to_jiffies(ms);
}

static int vshare_job_run(struct vshare_job *job)
{
	unsigned long timeout = vshare_job_timeout(job->vdev);
	unsigned int i;
	int ret;

	for (i = 0; i < job->ndeps; i++) {
		ret = vshare_job_wait(job, job->deps[i], timeout);
		if (ret)
			return ret;
	}
	if (job->args.flags & VSHARE_SUBMIT_HANG) {
		/* The engine stops responding until the watchdog fires. */
		if (!vshare_job_sleep(job, timeout))
			return -ENODEV;
		atomic_inc(&job->vdev->engine.hangs);
		return -EIO;
	}
	if (!vshare_job_sleep(job, msecs_to_jiffies(job->args.delay_ms)))
		return -ENODEV;
	vshare_job_sync(job, true);
	vshare_job_execute(job);
	vshare_job_sync(job, false);
	atomic64_inc(&job->vdev->engine.completed);
	return 0;
}

static void vshare_job_work(struct work_struct *work)
{
	struct vshare_job *job = container_of(work, struct vshare_job, work);
	struct vshare_engine *engine = &job->vdev->engine;
	bool cookie;
	int ret;

	/* From here to the signal, nothing may wait for this job's fence. */
	cookie = dma_fence_begin_signalling();
	ret = vshare_job_run(job);
	if (ret)
		dma_fence_set_error(&job->base, ret);
	dma_fence_signal(&job->base);
	atomic_dec(&engine->queued);
	dma_fence_end_signalling(cookie);
	queue_work(engine->cleanup_wq, &job->cleanup);
}

static int vshare_job_args(struct drm_vshare_submit *args)
{
	if (args->flags & ~VSHARE_SUBMIT_FLAGS || !args->dst_handle ||
	    args->delay_ms > VSHARE_MAX_DELAY_MS)
		return -EINVAL;
	if (!(args->flags & VSHARE_SUBMIT_IN_SYNC_FILE) && args->in_fence_fd)
		return -EINVAL;
	if ((args->in_syncobj_point && !args->in_syncobj) ||
	    (args->out_syncobj_point && !args->out_syncobj))
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
	/* Every op writes its destination. */
	if (to_vshare_bo(dst)->readonly)
		return -EACCES;
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
		ret = drm_syncobj_find_fence(file, args->in_syncobj,
					     args->in_syncobj_point, 0, &fence);
		if (ret)
			return ret;
		job->deps[job->ndeps++] = fence;
	}
	if (args->out_syncobj) {
		job->syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!job->syncobj)
			return -ENOENT;
	}
	/* Allocated now: publishing the point cannot fail later. */
	if (args->out_syncobj_point) {
		job->chain = dma_fence_chain_alloc();
		if (!job->chain)
			return -ENOMEM;
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
		ret = vshare_gem_vmap_locked(obj, &job->maps[i]);
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

/* What SUBMIT hands out once the job is queued. */
struct vshare_job_out {
	struct sync_file *sync_file;
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
};

/*
 * Gives the job its fence and place on the timeline, and queues it. Every
 * step that can fail comes before the job is published: a failed SUBMIT
 * leaves no trace. Once queued, the job may run and be cleaned up before
 * the ioctl returns: what the ioctl still hands out (the sync_file, the
 * out-syncobj) becomes the caller's before that.
 */
static int vshare_job_queue(struct vshare_job *job, struct vshare_job_out *out)
{
	struct vshare_engine *engine = &job->vdev->engine;
	int ret;

	if (atomic_inc_return(&engine->queued) > VSHARE_MAX_JOBS) {
		atomic_dec(&engine->queued);
		return -EBUSY;
	}
	/*
	 * Sequence numbers, publication in the buffers and the queue must
	 * agree: otherwise a job could depend on a later-queued one and the
	 * timeline would signal out of order.
	 */
	mutex_lock(&engine->submit_lock);
	vshare_fence_init(&job->base, &vshare_job_fence_ops, &job->lock,
			  engine->context, atomic64_inc_return(&engine->seqno));
	job->has_fence = true;
	ret = -ENOMEM;
	if (job->args.flags & VSHARE_SUBMIT_OUT_SYNC_FILE)
		job->sync_file = sync_file_create(&job->base);
	if (!(job->args.flags & VSHARE_SUBMIT_OUT_SYNC_FILE) || job->sync_file)
		ret = vshare_job_publish(job);
	if (ret) {
		mutex_unlock(&engine->submit_lock);
		atomic_dec(&engine->queued);
		/* Nobody saw the fence, but a fence must always signal. */
		dma_fence_set_error(&job->base, ret);
		dma_fence_signal(&job->base);
		return ret;
	}
	/* Ours until the ioctl returns: the job may be done before. */
	dma_fence_get(&job->base);
	*out = (struct vshare_job_out) {
		.sync_file = job->sync_file, .syncobj = job->syncobj,
		.chain = job->chain,
	};
	job->sync_file = NULL;
	job->syncobj = NULL;
	job->chain = NULL;
	queue_work(engine->wq, &job->work);
	mutex_unlock(&engine->submit_lock);
	return 0;
}

static struct vshare_job *vshare_job_alloc(struct vshare_device *vdev,
					   struct drm_vshare_submit *args)
{
	struct vshare_job *job = kzalloc_obj(*job, GFP_KERNEL);

	if (!job)
		return NULL;
	job->args = *args;
	job->vdev = vdev;
	drm_dev_get(&vdev->drm);
	spin_lock_init(&job->lock);
	INIT_WORK(&job->work, vshare_job_work);
	INIT_WORK(&job->cleanup, vshare_job_cleanup_work);
	return job;
}

/* What a job needs before it is queued, and a descriptor for its out-fence. */
static int vshare_job_prepare(struct vshare_job *job, struct drm_file *file,
			      int *fd)
{
	int ret;

	ret = vshare_job_lookup(job, file);
	if (!ret)
		ret = vshare_job_explicit_deps(job, file);
	if (ret || !(job->args.flags & VSHARE_SUBMIT_OUT_SYNC_FILE))
		return ret;
	*fd = get_unused_fd_flags(O_CLOEXEC);
	return *fd < 0 ? *fd : 0;
}

/* Hands the caller what the queued job gives out: nothing fails here. */
static void vshare_job_hand_out(struct vshare_job *job,
				struct drm_vshare_submit *args, int fd,
				struct vshare_job_out *out)
{
	if (out->sync_file)
		fd_install(fd, out->sync_file->file);
	if (out->chain)
		drm_syncobj_add_point(out->syncobj, out->chain, &job->base,
				      args->out_syncobj_point);
	else if (out->syncobj)
		drm_syncobj_replace_fence(out->syncobj, &job->base);
	if (out->syncobj)
		drm_syncobj_put(out->syncobj);
	args->out_fence_fd = fd;
	args->seqno = job->base.seqno;
	/* The reference vshare_job_queue() gave us. */
	dma_fence_put(&job->base);
}

/**
 * vshare_submit_ioctl - queue a job on the engine
 * @dev: the vshare device
 * @data: &struct drm_vshare_submit
 * @file: the DRM file whose handles and syncobjs the job names
 *
 * Implements &DRM_IOCTL_VSHARE_SUBMIT. All or nothing: when it fails, no
 * job was queued, no out-fence was made and no syncobj changed.
 *
 * Returns: 0 or a negative errno (see &struct drm_vshare_submit).
 */
int vshare_submit_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct drm_vshare_submit *args = data;
	struct vshare_job_out out = { };
	struct vshare_job *job;
	int fd = -1, cookie, ret;

	ret = vshare_job_args(args);
	if (ret)
		return ret;
	/* No job may be queued once an unplug has flushed the engine. */
	if (!drm_dev_enter(dev, &cookie))
		return -ENODEV;
	job = vshare_job_alloc(to_vshare_device(dev), args);
	ret = job ? vshare_job_prepare(job, file, &fd) : -ENOMEM;
	if (!ret)
		ret = vshare_job_queue(job, &out);
	if (!ret) {
		vshare_job_hand_out(job, args, fd, &out);
	} else if (job) {
		if (fd >= 0)
			put_unused_fd(fd);
		vshare_job_free(job);
	}
	drm_dev_exit(cookie);
	return ret;
}

/**
 * vshare_engine_init - set up a device's engine
 * @vdev: the device
 *
 * Returns: 0 or -ENOMEM; vshare_engine_fini() undoes it either way.
 */
int vshare_engine_init(struct vshare_device *vdev)
{
	struct vshare_engine *engine = &vdev->engine;

	mutex_init(&engine->submit_lock);
	engine->context = dma_fence_context_alloc(1);
	engine->wq = alloc_ordered_workqueue("vshare-engine-%s", 0,
					     dev_name(vdev->drm.dev));
	engine->cleanup_wq = alloc_workqueue("vshare-cleanup-%s", WQ_UNBOUND,
					     0, dev_name(vdev->drm.dev));
	return engine->wq && engine->cleanup_wq ? 0 : -ENOMEM;
}

/**
 * vshare_engine_fini - stop a device's engine
 * @vdev: the device, unplugged: no job can be submitted any more
 *
 * Queued jobs see the unplug and end at once; their cleanups run before
 * this returns, so that no vshare code is left running on the device's
 * behalf. The device itself may live on, held by open files.
 */
void vshare_engine_fini(struct vshare_device *vdev)
{
	struct vshare_engine *engine = &vdev->engine;

	if (engine->wq)
		destroy_workqueue(engine->wq);
	if (engine->cleanup_wq)
		destroy_workqueue(engine->cleanup_wq);
	engine->wq = NULL;
	engine->cleanup_wq = NULL;
	mutex_destroy(&engine->submit_lock);
}
