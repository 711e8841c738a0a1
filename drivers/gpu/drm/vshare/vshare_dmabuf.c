// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare's dma-buf exporter: its own dma_buf_ops, built on the DRM PRIME
 * helpers for export and release.
 *
 * Every mapping of an attachment gets its own sg_table, with one entry per
 * physically contiguous run cut at the importer's maximum segment size, so
 * that importers see the buffer as compact as it really is. The mappings
 * are remembered, so that CPU access can do the cache maintenance each of
 * them needs.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/scatterlist.h>

#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/*
 * vshare is a dynamic exporter, so that buffers can move: static importers
 * pin the buffer while they hold a mapping of it.
 */
static int vshare_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = to_vshare_bo(attach->dmabuf->priv);

	dma_resv_assert_held(attach->dmabuf->resv);
	bo->pin_count++;
	return 0;
}

static void vshare_dmabuf_unpin(struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = to_vshare_bo(attach->dmabuf->priv);

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!WARN_ON(!bo->pin_count))
		bo->pin_count--;
}

static int vshare_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = to_vshare_bo(dmabuf->priv);

	if (vshare_should_fail(VSHARE_FAULT_ATTACH))
		return -ENOMEM;
	atomic_inc(&bo->attachments);
	return 0;
}

static void vshare_mapping_free(struct vshare_bo *bo,
				struct vshare_mapping *mapping)
{
	/* What the device wrote reaches the pages (or leaves the bounce). */
	dma_sync_sgtable_for_cpu(mapping->dev, mapping->sgt, mapping->dir);
	dma_unmap_sgtable(mapping->dev, mapping->sgt, mapping->dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(mapping->sgt);
	kfree(mapping->sgt);
	kfree(mapping);
	atomic_dec(&bo->maps);
}

/*
 * An importer that detaches with mappings still live would leak them and
 * leave our pages mapped for its device: unmap them now.
 */
static void vshare_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = to_vshare_bo(dmabuf->priv);
	struct vshare_mapping *mapping, *tmp;
	LIST_HEAD(stale);

	spin_lock(&bo->mappings_lock);
	list_for_each_entry_safe(mapping, tmp, &bo->mappings, node)
		if (mapping->attach == attach)
			list_move(&mapping->node, &stale);
	spin_unlock(&bo->mappings_lock);

	list_for_each_entry_safe(mapping, tmp, &stale, node)
		vshare_mapping_free(bo, mapping);
	atomic_dec(&bo->attachments);
}

/*
 * One entry per physically contiguous run of the buffer, cut at the
 * importing device's maximum segment size (whole pages, at least one).
 */
static struct sg_table *vshare_bo_sg_table(struct vshare_bo *bo,
					   struct device *dev)
{
	unsigned int max_seg = dma_get_max_seg_size(dev);
	struct sg_table *sgt = kzalloc_obj(*sgt, GFP_KERNEL);
	int ret;

	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages_segment(sgt, bo->backing.pages,
						bo->base.size >> PAGE_SHIFT, 0,
						bo->base.size,
						max(ALIGN_DOWN(max_seg, PAGE_SIZE),
						    PAGE_SIZE),
						GFP_KERNEL);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	return sgt;
}

static struct sg_table *vshare_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct vshare_bo *bo = to_vshare_bo(attach->dmabuf->priv);
	struct vshare_mapping *mapping;
	int ret;

	if (!valid_dma_direction(dir))
		return ERR_PTR(-EINVAL);
	dma_resv_assert_held(attach->dmabuf->resv);
	if (bo->revoked)
		return ERR_PTR(-ENODEV);
	if (vshare_should_fail(VSHARE_FAULT_MAP))
		return ERR_PTR(-ENOMEM);

	mapping = kzalloc_obj(*mapping, GFP_KERNEL);
	if (!mapping)
		return ERR_PTR(-ENOMEM);
	mapping->sgt = vshare_bo_sg_table(bo, attach->dev);
	if (IS_ERR(mapping->sgt)) {
		ret = PTR_ERR(mapping->sgt);
		kfree(mapping);
		return ERR_PTR(ret);
	}
	/*
	 * Several importers may map the same pages at once, which the DMA
	 * API allows only for mappings that leave cache maintenance to their
	 * owner (as the PRIME helpers map): map without it, then sync
	 * explicitly, write-combined or not, since where the DMA layer
	 * bounces (swiotlb) the sync is the copy.
	 */
	ret = dma_map_sgtable(attach->dev, mapping->sgt, dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		sg_free_table(mapping->sgt);
		kfree(mapping->sgt);
		kfree(mapping);
		return ERR_PTR(ret);
	}
	dma_sync_sgtable_for_device(attach->dev, mapping->sgt, dir);

	mapping->attach = attach;
	mapping->dev = attach->dev;
	mapping->dir = dir;
	spin_lock(&bo->mappings_lock);
	list_add(&mapping->node, &bo->mappings);
	spin_unlock(&bo->mappings_lock);
	atomic_inc(&bo->maps);
	return mapping->sgt;
}

static void vshare_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct vshare_bo *bo = to_vshare_bo(attach->dmabuf->priv);
	struct vshare_mapping *mapping, *found = NULL;

	spin_lock(&bo->mappings_lock);
	list_for_each_entry(mapping, &bo->mappings, node) {
		if (mapping->sgt == sgt && mapping->attach == attach) {
			list_del(&mapping->node);
			found = mapping;
			break;
		}
	}
	spin_unlock(&bo->mappings_lock);
	/* An importer unmapping what it never mapped is a bug: say so. */
	if (WARN_ON(!found))
		return;
	vshare_mapping_free(bo, found);
}

/**
 * vshare_bo_begin_cpu_access - make a buffer coherent for the CPU
 * @bo: a native vshare buffer
 * @dir: DMA_FROM_DEVICE to read, DMA_TO_DEVICE to write, or both
 *
 * Syncs every active DMA mapping of the buffer for the CPU (each in the
 * direction it was mapped in, as the DMA API requires) and invalidates the
 * kernel mapping where the CPU will read. Write-combined buffers too: they
 * have no CPU cache to maintain, but a bounce buffer must still be copied.
 * Takes only a spinlock: engine jobs call it in their signalling path.
 */
void vshare_bo_begin_cpu_access(struct vshare_bo *bo,
				enum dma_data_direction dir)
{
	struct vshare_mapping *mapping;

	atomic64_inc(&bo->syncs);
	spin_lock(&bo->mappings_lock);
	list_for_each_entry(mapping, &bo->mappings, node)
		dma_sync_sgtable_for_cpu(mapping->dev, mapping->sgt,
					 mapping->dir);
	spin_unlock(&bo->mappings_lock);

	if (dir != DMA_TO_DEVICE && READ_ONCE(bo->vaddr))
		invalidate_kernel_vmap_range(bo->vaddr, bo->base.size);
}

/**
 * vshare_bo_end_cpu_access - hand a buffer back to its devices
 * @bo: a native vshare buffer
 * @dir: the direction given to vshare_bo_begin_cpu_access()
 *
 * Flushes the kernel mapping where the CPU wrote and syncs every active DMA
 * mapping for its device.
 */
void vshare_bo_end_cpu_access(struct vshare_bo *bo,
			      enum dma_data_direction dir)
{
	struct vshare_mapping *mapping;

	atomic64_inc(&bo->syncs);
	if (dir != DMA_FROM_DEVICE && READ_ONCE(bo->vaddr))
		flush_kernel_vmap_range(bo->vaddr, bo->base.size);

	spin_lock(&bo->mappings_lock);
	list_for_each_entry(mapping, &bo->mappings, node)
		dma_sync_sgtable_for_device(mapping->dev, mapping->sgt,
					    mapping->dir);
	spin_unlock(&bo->mappings_lock);
}

static int vshare_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	if (READ_ONCE(to_vshare_bo(dmabuf->priv)->revoked))
		return -ENODEV;
	if (vshare_should_fail(VSHARE_FAULT_CPU_ACCESS))
		return -ENOMEM;
	vshare_bo_begin_cpu_access(to_vshare_bo(dmabuf->priv), dir);
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
	vma->vm_ops = obj->funcs->vm_ops;
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
	struct vshare_bo *bo = to_vshare_bo(dmabuf->priv);

	if (bo->revoked)
		return -ENODEV;
	return vshare_bo_vmap_pages(bo, map);
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

static const struct dma_buf_ops vshare_dmabuf_ops = {
	.pin = vshare_dmabuf_pin,
	.unpin = vshare_dmabuf_unpin,
	.attach = vshare_dmabuf_attach,
	.detach = vshare_dmabuf_detach,
	.map_dma_buf = vshare_dmabuf_map,
	.unmap_dma_buf = vshare_dmabuf_unmap,
	.release = vshare_dmabuf_release,
	.begin_cpu_access = vshare_dmabuf_begin_cpu_access,
	.end_cpu_access = vshare_dmabuf_end_cpu_access,
	.mmap = vshare_dmabuf_mmap,
	.vmap = vshare_dmabuf_vmap,
	.vunmap = drm_gem_dmabuf_vunmap,
};

/**
 * vshare_gem_prime_import - import a dma-buf into a vshare device
 * @dev: the importing device
 * @dmabuf: the buffer
 *
 * A buffer this device exported read-write is its own GEM object again;
 * anything else, including buffers of other vshare devices and read-only
 * exports of this one, is imported with a dynamic attachment
 * (vshare_import_dynamic()), read-only if the dma-buf is.
 *
 * Returns: a GEM object with a new reference, or an ERR_PTR.
 */
struct drm_gem_object *vshare_gem_prime_import(struct drm_device *dev,
					       struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj = dmabuf->priv;

	if (dmabuf->ops == &vshare_dmabuf_ops && obj->dev == dev &&
	    (dmabuf->file->f_mode & FMODE_WRITE)) {
		drm_gem_object_get(obj);
		return obj;
	}
	return vshare_import_dynamic(dev, dmabuf);
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

	if (vshare_should_fail(VSHARE_FAULT_EXPORT))
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
