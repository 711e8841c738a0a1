// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare as an importer: buffers of other exporters, of other vshare
 * devices and read-only exports of its own become imported objects, with
 * a dynamic attachment and functions of their own.
 */

#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>

#include <drm/drm_file.h>
#include <drm/drm_prime.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/*
 * The exporter moved or revoked the buffer: drop our mapping, and map
 * again when the buffer is next used (vshare_import_revalidate_locked()).
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
 * vshare_import_revalidate_locked - map an imported buffer if it is not
 * @bo: the imported buffer, its reservation lock held
 *
 * Returns: 0, or the exporter's error (-ENODEV once revoked).
 */
int vshare_import_revalidate_locked(struct vshare_bo *bo)
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
	bo->nents = sgt->orig_nents;
	return 0;
}

/* Unmaps, detaches and drops the dma-buf. */
static void vshare_import_free(struct drm_gem_object *obj)
{
	struct vshare_bo *bo = to_vshare_bo(obj);
	struct dma_buf_attachment *attach = obj->import_attach;
	struct dma_buf *dmabuf = attach->dmabuf;

	/* Under the lock: the exporter may be invalidating right now. */
	dma_resv_lock(dmabuf->resv, NULL);
	if (bo->sgt)
		dma_buf_unmap_attachment(attach, bo->sgt, DMA_BIDIRECTIONAL);
	bo->sgt = NULL;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	vshare_bo_release(bo);
}

/* vshare's own kernel mappings: like any importer, revalidate first. */
static int vshare_import_vmap(struct drm_gem_object *obj,
			      struct iosys_map *map)
{
	int ret;

	dma_resv_assert_held(obj->resv);
	if (vshare_inject_fail(VSHARE_INJECT_VMAP))
		return -ENOMEM;
	ret = vshare_import_revalidate_locked(to_vshare_bo(obj));
	return ret ?: dma_buf_vmap(obj->import_attach->dmabuf, map);
}

static void vshare_import_vunmap(struct drm_gem_object *obj,
				 struct iosys_map *map)
{
	dma_resv_assert_held(obj->resv);
	dma_buf_vunmap(obj->import_attach->dmabuf, map);
}

/*
 * The exporter maps its own buffer. A read-only import is never mapped
 * writable, nor can it become writable by mprotect(); a private mapping
 * is refused as for native buffers.
 */
static int vshare_import_mmap(struct drm_gem_object *obj,
			      struct vm_area_struct *vma)
{
	int ret;

	if (vshare_is_cow_mapping(vma))
		return -EINVAL;
	if (to_vshare_bo(obj)->readonly) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	vma->vm_private_data = NULL;
	vma->vm_ops = NULL;
	ret = dma_buf_mmap(obj->import_attach->dmabuf, vma, 0);
	if (ret)
		return ret;
	/* Drop the reference drm_gem_mmap_obj() took for our vm_ops. */
	drm_gem_object_put(obj);
	vm_flags_set(vma, VM_DONTEXPAND);
	return 0;
}

/* Counted as resident in fdinfo, as the exporter's memory is. */
static enum drm_gem_object_status
vshare_import_status(struct drm_gem_object *obj)
{
	return DRM_GEM_OBJECT_RESIDENT;
}

static const struct drm_gem_object_funcs vshare_import_funcs = {
	.free = vshare_import_free,
	.vmap = vshare_import_vmap,
	.vunmap = vshare_import_vunmap,
	.mmap = vshare_import_mmap,
	.status = vshare_import_status,
};

/*
 * The attachment is dynamic: the exporter may move the buffer, and tells
 * us through vshare_import_invalidate(). It is mapped at once, as static
 * importers do, so that an unusable buffer fails the import.
 */
static struct drm_gem_object *vshare_import_attach(struct drm_device *dev,
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
	bo = vshare_bo_alloc(dev, dmabuf->size, &vshare_import_funcs);
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
	ret = vshare_import_revalidate_locked(bo);
	dma_resv_unlock(dmabuf->resv);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	return &bo->base;
}

/**
 * vshare_gem_prime_import - import a dma-buf into a vshare device
 * @dev: the importing device
 * @dmabuf: the buffer
 *
 * A buffer this device exported read-write is its own GEM object again.
 * Anything else, including buffers of other vshare devices and read-only
 * exports of this one, becomes an imported object, read-only if the
 * dma-buf is: ACCESS FILL, engine jobs writing it and writable CPU
 * mappings are then refused with -EACCES.
 *
 * Returns: a GEM object with a new reference, or an ERR_PTR.
 */
struct drm_gem_object *vshare_gem_prime_import(struct drm_device *dev,
					       struct dma_buf *dmabuf)
{
	struct vshare_bo *bo = vshare_dmabuf_to_bo(dmabuf);

	if (bo && bo->base.dev == dev &&
	    (dmabuf->file->f_mode & FMODE_WRITE)) {
		drm_gem_object_get(&bo->base);
		return &bo->base;
	}
	return vshare_import_attach(dev, dmabuf);
}
