// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare as an importer: buffers from other exporters, and the ACCESS ioctl
 * through which the kernel reads and writes any buffer the way an importer
 * does (begin_cpu_access, vmap, end_cpu_access).
 */

#include <linux/crc32.h>
#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/sizes.h>

#include <drm/drm_file.h>
#include <drm/drm_prime.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/*
 * The exporter moved or revoked the buffer: drop our mapping, and map
 * again when the buffer is next used (vshare_import_revalidate()).
 */
static void vshare_import_invalidate(struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	/* No object yet: the import is still being set up, unmapped. */
	if (!bo || !bo->sgt)
		return;
	dma_buf_unmap_attachment(attach, bo->sgt, DMA_BIDIRECTIONAL);
	bo->sgt = NULL;
}

static const struct dma_buf_attach_ops vshare_import_ops = {
	.allow_peer2peer = false,
	.VSHARE_ATTACH_INVALIDATE = vshare_import_invalidate,
};

/**
 * vshare_import_revalidate - map an imported buffer if it is not mapped
 * @bo: the imported buffer, its reservation lock held
 *
 * Returns: 0, or the exporter's error (-ENODEV once revoked).
 */
int vshare_import_revalidate(struct vshare_bo *bo)
{
	struct sg_table *sgt;

	dma_resv_assert_held(bo->base.resv);
	if (bo->sgt)
		return 0;
	sgt = dma_buf_map_attachment(bo->base.import_attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	bo->sgt = sgt;
	/* Shown in debugfs: how compact the exporter's memory is. */
	bo->backing.runs = sgt->orig_nents;
	return 0;
}

/**
 * vshare_import_dynamic - import a foreign dma-buf
 * @dev: the importing vshare device
 * @dmabuf: the buffer
 *
 * The attachment is dynamic: the exporter may move the buffer, and tells
 * us through vshare_import_invalidate(). It is mapped at once, as static
 * importers do, so that an unusable buffer fails the import. A dma-buf
 * opened read-only gives a read-only object: ACCESS FILL, engine jobs
 * writing it and writable CPU mappings are refused with -EACCES.
 *
 * Returns: a new GEM object, or an ERR_PTR.
 */
struct drm_gem_object *vshare_import_dynamic(struct drm_device *dev,
					     struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;
	struct vshare_bo *bo;
	int ret;

	attach = dma_buf_dynamic_attach(dmabuf, dev->dev, &vshare_import_ops,
					NULL);
	if (IS_ERR(attach))
		return ERR_CAST(attach);
	get_dma_buf(dmabuf);
	bo = vshare_bo_alloc(dev, dmabuf->size);
	if (IS_ERR(bo)) {
		dma_buf_detach(dmabuf, attach);
		dma_buf_put(dmabuf);
		return ERR_CAST(bo);
	}
	bo->base.import_attach = attach;
	bo->base.resv = dmabuf->resv;
	/* What the holder of a read-only file may not do, vshare won't. */
	bo->readonly = !(dmabuf->file->f_mode & FMODE_WRITE);

	/* From here on, freeing the object unmaps and detaches. */
	dma_resv_lock(dmabuf->resv, NULL);
	attach->importer_priv = bo;
	ret = vshare_import_revalidate(bo);
	dma_resv_unlock(dmabuf->resv);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	return &bo->base;
}

/**
 * vshare_import_release - unmap, detach and drop an imported buffer
 * @bo: the imported buffer, being freed
 */
void vshare_import_release(struct vshare_bo *bo)
{
	struct dma_buf_attachment *attach = bo->base.import_attach;
	struct dma_buf *dmabuf = attach->dmabuf;

	/* Under the lock: the exporter may be invalidating right now. */
	dma_resv_lock(dmabuf->resv, NULL);
	if (bo->sgt)
		dma_buf_unmap_attachment(attach, bo->sgt, DMA_BIDIRECTIONAL);
	bo->sgt = NULL;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
}

/* Ranges are done a MiB at a time, rescheduling in between. */
#define VSHARE_ACCESS_CHUNK	SZ_1M

static void vshare_access_range(struct drm_vshare_access *args, void *vaddr)
{
	void *p = vaddr + args->offset;
	u32 crc = ~0u;
	u64 done, n, i;

	for (done = 0; done < args->size; done += n) {
		n = min_t(u64, args->size - done, VSHARE_ACCESS_CHUNK);
		if (args->op == VSHARE_ACCESS_FILL) {
			for (i = 0; i < n / 4; i++)
				((u32 *)(p + done))[i] = args->value;
		} else {
			crc = crc32_le(crc, p + done, n);
		}
		cond_resched();
	}
	if (args->op == VSHARE_ACCESS_CRC32)
		args->result = crc ^ ~0u;
}

/*
 * Implicit sync for native buffers, as dma_buf_begin_cpu_access() does for
 * imported ones: a read waits for writers, a write for everybody.
 */
static int vshare_access_wait(struct drm_gem_object *obj,
			      enum dma_data_direction dir)
{
	long ret;

	ret = dma_resv_wait_timeout(obj->resv,
				    dma_resv_usage_rw(dir == DMA_TO_DEVICE),
				    true, MAX_SCHEDULE_TIMEOUT);
	return ret < 0 ? ret : 0;
}

/*
 * The kernel reads or writes the buffer as an importer does: mapped first,
 * so that CPU access begins with the mapping in place (its cache lines
 * invalidated); for an imported buffer, through the exporter's operations.
 */
static int vshare_access_bo(struct drm_gem_object *obj,
			    struct drm_vshare_access *args,
			    enum dma_data_direction dir)
{
	struct dma_buf *dmabuf = obj->import_attach ?
				 obj->import_attach->dmabuf : NULL;
	struct vshare_bo *bo = to_vshare_bo(obj);
	struct iosys_map map;
	int ret;

	dma_resv_lock(obj->resv, NULL);
	ret = obj->funcs->vmap(obj, &map);
	dma_resv_unlock(obj->resv);
	if (ret)
		return ret;
	/* I/O memory would need memcpy_fromio(): not for a CPU op. */
	if (map.is_iomem) {
		ret = -EOPNOTSUPP;
		goto out_vunmap;
	}

	if (dmabuf) {
		ret = dma_buf_begin_cpu_access(dmabuf, dir);
		if (ret)
			goto out_vunmap;
		vshare_access_range(args, map.vaddr);
		ret = dma_buf_end_cpu_access(dmabuf, dir);
	} else {
		ret = vshare_access_wait(obj, dir);
		if (ret)
			goto out_vunmap;
		vshare_bo_begin_cpu_access(bo, dir);
		vshare_access_range(args, map.vaddr);
		vshare_bo_end_cpu_access(bo, dir);
	}

out_vunmap:
	dma_resv_lock(obj->resv, NULL);
	obj->funcs->vunmap(obj, &map);
	dma_resv_unlock(obj->resv);
	return ret;
}

int vshare_access_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct drm_vshare_access *args = data;
	enum dma_data_direction dir;
	struct drm_gem_object *obj;
	int ret;

	if (args->pad || !args->size || !IS_ALIGNED(args->size, 4))
		return -EINVAL;
	switch (args->op) {
	case VSHARE_ACCESS_FILL:
		dir = DMA_TO_DEVICE;
		break;
	case VSHARE_ACCESS_CRC32:
		dir = DMA_FROM_DEVICE;
		break;
	default:
		return -EINVAL;
	}

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = vshare_bo_check_range(obj, args->offset, args->size);
	if (!ret && dir == DMA_TO_DEVICE && to_vshare_bo(obj)->readonly)
		ret = -EACCES;
	if (!ret)
		ret = vshare_access_bo(obj, args, dir);
	drm_gem_object_put(obj);
	return ret;
}
