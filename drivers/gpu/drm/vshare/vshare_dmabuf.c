// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare's dma-buf exporter: its own dma_buf_ops, in the order of struct
 * dma_buf_ops, over the native buffer's mappings (vshare_bo.c and
 * vshare_mmap.c), and the export itself, built on the DRM PRIME helpers.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>

#include <drm/drm_gem.h>
#include <drm/drm_prime.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

static struct vshare_bo *vshare_attach_bo(struct dma_buf_attachment *attach)
{
	return to_vshare_bo(attach->dmabuf->priv);
}

static int vshare_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	if (vshare_inject_fail(VSHARE_INJECT_ATTACH))
		return -ENOMEM;
	atomic_inc(&to_vshare_bo(dmabuf->priv)->stats.attachments);
	return 0;
}

static void vshare_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = to_vshare_bo(dmabuf->priv);

	vshare_bo_unmap_all(bo, attach);
	atomic_dec(&bo->stats.attachments);
}

static enum vshare_pinning vshare_bo_pinning(struct vshare_bo *bo)
{
	return to_vshare_device(bo->base.dev)->config.pinning;
}

/*
 * vshare is a dynamic exporter, so that buffers can move: static importers
 * pin the buffer while they hold a mapping of it, unless the device is
 * configured to refuse them.
 */
static int vshare_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = vshare_attach_bo(attach);

	dma_resv_assert_held(attach->dmabuf->resv);
	if (vshare_bo_pinning(bo) == VSHARE_PINNING_NEVER)
		return -EOPNOTSUPP;
	bo->pin_count++;
	return 0;
}

static void vshare_dmabuf_unpin(struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = vshare_attach_bo(attach);

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!WARN_ON(!bo->pin_count))
		bo->pin_count--;
}

static struct sg_table *vshare_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct vshare_bo *bo = vshare_attach_bo(attach);

	if (!valid_dma_direction(dir))
		return ERR_PTR(-EINVAL);
	/* A device that maps only pinned buffers: dynamic importers pin first. */
	if (vshare_bo_pinning(bo) == VSHARE_PINNING_STATIC_ONLY &&
	    attach->importer_ops && !bo->pin_count)
		return ERR_PTR(-EOPNOTSUPP);
	if (vshare_inject_fail(VSHARE_INJECT_MAP))
		return ERR_PTR(-ENOMEM);
	return vshare_bo_map_locked(bo, attach, dir);
}

static void vshare_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	vshare_bo_unmap(vshare_attach_bo(attach), attach, sgt);
}

/*
 * The dma-buf is gone: forget it before DRM core drops the buffer's
 * reference, so that a move or revoke never tells a released dma-buf.
 */
static void vshare_dmabuf_release(struct dma_buf *dmabuf)
{
	struct vshare_bo *bo = to_vshare_bo(dmabuf->priv);

	dma_resv_lock(dmabuf->resv, NULL);
	if (bo->dmabuf == dmabuf)
		bo->dmabuf = NULL;
	dma_resv_unlock(dmabuf->resv);
	drm_gem_dmabuf_release(dmabuf);
}

static int vshare_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	struct vshare_bo *bo = to_vshare_bo(dmabuf->priv);

	if (READ_ONCE(bo->revoked))
		return -ENODEV;
	if (vshare_inject_fail(VSHARE_INJECT_CPU_ACCESS))
		return -ENOMEM;
	vshare_bo_begin_cpu_access(bo, dir);
	return 0;
}

static int vshare_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	vshare_bo_end_cpu_access(to_vshare_bo(dmabuf->priv), dir);
	return 0;
}

static int vshare_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	struct drm_gem_object *obj = dmabuf->priv;
	int ret;

	/* Copy-on-write is refused before the read-only rule clears it. */
	if (vshare_is_cow_mapping(vma))
		return -EINVAL;
	/*
	 * The VFS refuses this already for mappings of the dma-buf file, but
	 * not for an importer's DRM file that maps it through dma_buf_mmap():
	 * a read-only dma-buf is never mapped writable, nor may mprotect()
	 * make it so.
	 */
	if (!(dmabuf->file->f_mode & FMODE_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}

	/*
	 * dma-buf checked the page offset against the size; add the fake
	 * offset (made on first use, and fixed for the object's life), as for
	 * mappings of the DRM file.
	 */
	ret = drm_gem_create_mmap_offset(obj);
	if (ret)
		return ret;
	vma->vm_pgoff += drm_vma_node_start(&obj->vma_node);
	drm_gem_object_get(obj);
	vma->vm_private_data = obj;
	vma->vm_ops = &vshare_vm_ops;
	ret = vshare_bo_mmap(obj, vma);
	if (ret)
		drm_gem_object_put(obj);
	return ret;
}

/*
 * An importer's kernel mapping. The dma-buf core warns when an exporter's
 * vmap fails, as it must not: injected vmap faults stay out of this path
 * (a revoked buffer still fails).
 */
static int vshare_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	return vshare_bo_vmap_locked(to_vshare_bo(dmabuf->priv), map);
}

static void vshare_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	vshare_bo_vunmap_locked(to_vshare_bo(dmabuf->priv), map);
}

static const struct dma_buf_ops vshare_dmabuf_ops = {
	.attach = vshare_dmabuf_attach,
	.detach = vshare_dmabuf_detach,
	.pin = vshare_dmabuf_pin,
	.unpin = vshare_dmabuf_unpin,
	.map_dma_buf = vshare_dmabuf_map,
	.unmap_dma_buf = vshare_dmabuf_unmap,
	.release = vshare_dmabuf_release,
	.begin_cpu_access = vshare_dmabuf_begin_cpu_access,
	.end_cpu_access = vshare_dmabuf_end_cpu_access,
	.mmap = vshare_dmabuf_mmap,
	.vmap = vshare_dmabuf_vmap,
	.vunmap = vshare_dmabuf_vunmap,
};

/**
 * vshare_dmabuf_to_bo - the vshare buffer behind a dma-buf
 * @dmabuf: any dma-buf
 *
 * Returns: the native buffer @dmabuf exports, of any vshare device, or
 * NULL if another exporter made @dmabuf.
 */
struct vshare_bo *vshare_dmabuf_to_bo(struct dma_buf *dmabuf)
{
	if (dmabuf->ops != &vshare_dmabuf_ops)
		return NULL;
	return to_vshare_bo(dmabuf->priv);
}

/**
 * vshare_gem_prime_export - export a vshare buffer as a dma-buf
 * @obj: the buffer object
 * @flags: file flags of the new dma-buf (O_RDWR, O_CLOEXEC)
 *
 * Returns: the dma-buf, named "vshare", or an ERR_PTR.
 */
struct dma_buf *vshare_gem_prime_export(struct drm_gem_object *obj, int flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vshare_bo *bo = to_vshare_bo(obj);
	struct dma_buf *dmabuf;

	if (vshare_inject_fail(VSHARE_INJECT_EXPORT))
		return ERR_PTR(-ENOMEM);
	exp_info.exp_name = DRIVER_NAME;
	exp_info.owner = THIS_MODULE;
	exp_info.ops = &vshare_dmabuf_ops;
	exp_info.size = obj->size;
	exp_info.flags = flags;
	exp_info.priv = obj;
	exp_info.resv = obj->resv;

	dmabuf = drm_gem_dmabuf_export(obj->dev, &exp_info);
	if (IS_ERR(dmabuf))
		return dmabuf;
	dma_resv_lock(obj->resv, NULL);
	if (!bo->dmabuf)
		bo->dmabuf = dmabuf;
	dma_resv_unlock(obj->resv);
	return dmabuf;
}
