// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * The ACCESS ioctl: the kernel reads (CRC-32) or writes (fill) any buffer,
 * native or imported, the way an importer does: through a kernel mapping
 * (vmap), between begin_cpu_access and end_cpu_access, after the buffer's
 * implicit fences. For an imported buffer these are the exporter's
 * dma-buf operations, so ACCESS makes them reachable from userspace.
 */

#include <linux/crc32.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/iosys-map.h>
#include <linux/sizes.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

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
	ret = vshare_gem_vmap_locked(obj, &map);
	dma_resv_unlock(obj->resv);
	if (ret)
		return ret;
	/* I/O memory would need memcpy_fromio(): not for a CPU op. */
	if (map.is_iomem) {
		ret = -EOPNOTSUPP;
		goto out_vunmap;
	}

	if (dmabuf) {
		/*
		 * Both ways, whatever this access does: an exporter may map
		 * its pages at the first begin_cpu_access and sync every later
		 * one against that mapping (udmabuf does), and DMA-API debug
		 * reports a sync whose direction differs from the mapping's.
		 */
		ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		if (ret)
			goto out_vunmap;
		vshare_access_range(args, map.vaddr);
		ret = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
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
	vshare_gem_vunmap_locked(obj, &map);
	dma_resv_unlock(obj->resv);
	return ret;
}

/**
 * vshare_access_ioctl - read or write a buffer from the kernel
 * @dev: the vshare device
 * @data: &struct drm_vshare_access
 * @file: the DRM file the handle belongs to
 *
 * Implements &DRM_IOCTL_VSHARE_ACCESS, for native and imported buffers.
 *
 * Returns: 0; -EINVAL for bad ops, padding or ranges; -ENOENT for an
 * unknown handle; -EACCES for a FILL of a read-only import; -ENODEV for a
 * revoked buffer; -EINTR; -EOPNOTSUPP for I/O memory.
 */
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
