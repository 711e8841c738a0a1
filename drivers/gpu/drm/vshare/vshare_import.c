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

#include <drm/drm_file.h>
#include <drm/drm_prime.h>
#include <drm/vshare_drm.h>

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

static void vshare_access_range(struct drm_vshare_access *args, void *vaddr)
{
	u32 *p = vaddr + args->offset;
	u64 i;

	if (args->op == VSHARE_ACCESS_FILL) {
		for (i = 0; i < args->size / 4; i++)
			p[i] = args->value;
	} else {
		args->result = crc32_le(~0u, (void *)p, args->size) ^ ~0u;
	}
}

/* CPU access through the exporter's dma-buf operations. */
static int vshare_access_imported(struct drm_gem_object *obj,
				  struct drm_vshare_access *args,
				  enum dma_data_direction dir)
{
	struct dma_buf *dmabuf = obj->import_attach->dmabuf;
	struct iosys_map map;
	int ret, end;

	ret = dma_buf_begin_cpu_access(dmabuf, dir);
	if (ret)
		return ret;
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	if (!ret) {
		/* I/O memory would need memcpy_fromio(): not for a CPU op. */
		if (map.is_iomem)
			ret = -EOPNOTSUPP;
		else
			vshare_access_range(args, map.vaddr);
		dma_buf_vunmap_unlocked(dmabuf, &map);
	}
	end = dma_buf_end_cpu_access(dmabuf, dir);
	return ret ?: end;
}

static int vshare_access_native(struct drm_gem_object *obj,
				struct drm_vshare_access *args,
				enum dma_data_direction dir)
{
	struct vshare_bo *bo = to_vshare_bo(obj);
	struct iosys_map map;
	int ret;

	dma_resv_lock(obj->resv, NULL);
	ret = obj->funcs->vmap(obj, &map);
	dma_resv_unlock(obj->resv);
	if (ret)
		return ret;

	vshare_bo_begin_cpu_access(bo, dir);
	vshare_access_range(args, map.vaddr);
	vshare_bo_end_cpu_access(bo, dir);

	dma_resv_lock(obj->resv, NULL);
	obj->funcs->vunmap(obj, &map);
	dma_resv_unlock(obj->resv);
	return 0;
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
	if (!ret && obj->import_attach)
		ret = vshare_access_imported(obj, args, dir);
	else if (!ret)
		ret = vshare_access_native(obj, args, dir);
	drm_gem_object_put(obj);
	return ret;
}
