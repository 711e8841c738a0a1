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
	if (!ret)
		ret = vshare_access_bo(obj, args, dir);
	drm_gem_object_put(obj);
	return ret;
}
