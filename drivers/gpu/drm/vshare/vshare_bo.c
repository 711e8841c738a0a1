// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * The buffer object: its shell, shared by native and imported objects,
 * and a native buffer's mappings: the kernel's (vmap), the devices' (DMA
 * mappings made for importers) and the CPU access between them.
 *
 * Every DMA mapping gets its own sg_table, with one entry per physically
 * contiguous run cut at the importer's maximum segment size, so that
 * importers see the buffer as compact as it really is. The mappings are
 * remembered, so that CPU access can do the cache maintenance each of
 * them needs.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/vmalloc.h>

#include <drm/drm_print.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/**
 * struct vshare_mapping - one DMA mapping of a native buffer
 * @node: entry in &vshare_bo.mappings
 * @attach: the attachment it was made for
 * @dev: the importing device
 * @sgt: the mapped table returned to the importer, part of the mapping so
 *	that a map allocates one object less
 * @dir: the direction it was mapped for
 */
struct vshare_mapping {
	struct list_head node;
	struct dma_buf_attachment *attach;
	struct device *dev;
	struct sg_table sgt;
	enum dma_data_direction dir;
};

static struct kmem_cache *vshare_bo_cache;

/**
 * vshare_bo_cache_init - create the slab cache of buffer objects
 *
 * Returns: 0 or -ENOMEM.
 */
int vshare_bo_cache_init(void)
{
	vshare_bo_cache = KMEM_CACHE(vshare_bo, 0);
	return vshare_bo_cache ? 0 : -ENOMEM;
}

/**
 * vshare_bo_cache_fini - destroy the slab cache, every object freed
 */
void vshare_bo_cache_fini(void)
{
	kmem_cache_destroy(vshare_bo_cache);
}

static int vshare_bo_cmp(struct rb_node *a, const struct rb_node *b)
{
	u32 x = rb_entry(a, struct vshare_bo, node)->id;
	u32 y = rb_entry(b, struct vshare_bo, node)->id;

	return x < y ? -1 : x > y;
}

/**
 * vshare_bo_alloc - allocate the shell of a buffer object
 * @dev: the vshare DRM device
 * @size: size in bytes, page aligned
 * @funcs: the object's functions: native or imported
 *
 * The object has no memory yet: creation adds pages, import an sg_table.
 * Its @funcs->free must end with vshare_bo_release().
 *
 * Returns: the object, or an ERR_PTR.
 */
struct vshare_bo *vshare_bo_alloc(struct drm_device *dev, size_t size,
				  const struct drm_gem_object_funcs *funcs)
{
	struct vshare_device *vdev = to_vshare_device(dev);
	struct vshare_bo *bo;

	bo = kmem_cache_alloc(vshare_bo_cache, GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	/*
	 * Cleared here, where its size is known, in words: the slab clears
	 * a variable size byte by byte ("rep stosb"), which an emulated CPU
	 * runs one iteration per byte.
	 */
	memset(bo, 0, sizeof(*bo));
	bo->base.funcs = funcs;
	/* Our own pages back the object, not a shmem file. */
	drm_gem_private_object_init(dev, &bo->base, size);
	mutex_init(&bo->lock);
	spin_lock_init(&bo->mappings_lock);
	INIT_LIST_HEAD(&bo->mappings);

	/*
	 * An rbtree, not an xarray: adding a node allocates nothing. Ids are
	 * unique and not 0, even once they wrap around.
	 */
	mutex_lock(&vdev->bos_lock);
	do {
		bo->id = ++vdev->next_id;
	} while (!bo->id || rb_find_add(&bo->node, &vdev->bos, vshare_bo_cmp));
	mutex_unlock(&vdev->bos_lock);
	return bo;
}

/**
 * vshare_bo_release - free the shell of a buffer object
 * @bo: the object, whose memory its owner already let go
 */
void vshare_bo_release(struct vshare_bo *bo)
{
	struct vshare_device *vdev = to_vshare_device(bo->base.dev);

	mutex_lock(&vdev->bos_lock);
	rb_erase(&bo->node, &vdev->bos);
	mutex_unlock(&vdev->bos_lock);

	drm_gem_object_release(&bo->base);
	mutex_destroy(&bo->lock);
	kmem_cache_free(vshare_bo_cache, bo);
}

/**
 * vshare_bo_check_range - validate a byte range of a buffer
 * @obj: the buffer
 * @offset: start, which must be 4-byte aligned
 * @size: length
 *
 * Returns: 0, or -EINVAL if the range is misaligned, overflows or does not
 * lie within the buffer.
 */
int vshare_bo_check_range(struct drm_gem_object *obj, u64 offset, u64 size)
{
	u64 end;

	if (!IS_ALIGNED(offset, 4) || check_add_overflow(offset, size, &end) ||
	    end > obj->size)
		return -EINVAL;
	return 0;
}

/**
 * vshare_bo_populate_locked - give a lazy buffer all its pages
 * @bo: a native buffer, its reservation lock held
 *
 * Kernel and device mappings need every page; faults may be adding
 * chunks at the same time, under &vshare_bo.lock.
 *
 * Returns: 0 or -ENOMEM.
 */
int vshare_bo_populate_locked(struct vshare_bo *bo)
{
	int ret;

	dma_resv_assert_held(bo->base.resv);
	/* Pairs with the release in vshare_populate_chunk(). */
	if (smp_load_acquire(&bo->backing.populated) == bo->backing.npages)
		return 0;
	mutex_lock(&bo->lock);
	ret = vshare_backing_populate(&bo->backing, 0, bo->backing.npages);
	mutex_unlock(&bo->lock);
	return ret;
}

/**
 * vshare_bo_vmap_locked - map a native buffer into the kernel
 * @bo: the buffer, its reservation lock held
 * @map: returns the mapping
 *
 * One kernel mapping, shared by all its users until the last vunmap.
 *
 * Returns: 0, -ENODEV once revoked, or -ENOMEM.
 */
int vshare_bo_vmap_locked(struct vshare_bo *bo, struct iosys_map *map)
{
	pgprot_t prot = PAGE_KERNEL;
	int ret;

	dma_resv_assert_held(bo->base.resv);
	if (bo->revoked)
		return -ENODEV;
	ret = vshare_bo_populate_locked(bo);
	if (ret)
		return ret;
	if (bo->flags & VSHARE_CREATE_WC)
		prot = pgprot_writecombine(prot);
	if (!bo->vmap_count) {
		bo->vaddr = vmap(bo->backing.pages, bo->backing.npages, VM_MAP,
				 prot);
		if (!bo->vaddr)
			return -ENOMEM;
	}
	bo->vmap_count++;
	iosys_map_set_vaddr(map, bo->vaddr);
	return 0;
}

/**
 * vshare_bo_vunmap_locked - drop a kernel mapping of a native buffer
 * @bo: the buffer, its reservation lock held
 * @map: the mapping vshare_bo_vmap_locked() gave
 */
void vshare_bo_vunmap_locked(struct vshare_bo *bo, struct iosys_map *map)
{
	dma_resv_assert_held(bo->base.resv);
	if (drm_WARN_ON(bo->base.dev, !bo->vmap_count))
		return;
	if (--bo->vmap_count == 0) {
		vunmap(bo->vaddr);
		bo->vaddr = NULL;
	}
}

/*
 * The number of pages of the entry that starts at page @first: those
 * physically contiguous with it, cut where the importing device's maximum
 * segment size (@max_pages, at least one) or segment boundary says. Whole
 * blocks are stepped over, their pages being contiguous: the walk costs a
 * step per block, not per page.
 */
static unsigned long vshare_sg_entry(const struct vshare_backing *b,
				     unsigned long first, unsigned long max_pages,
				     unsigned long boundary)
{
	phys_addr_t start = page_to_phys(b->pages[first]);
	u64 to_boundary = ((((u64)start | boundary) - start) >> PAGE_SHIFT) + 1;
	unsigned long cap = min_t(u64, min(b->npages - first, max_pages),
				  to_boundary);
	unsigned long len = 0;

	while (len < cap && (!len || page_to_pfn(b->pages[first + len]) ==
					     page_to_pfn(b->pages[first]) + len))
		len += vshare_backing_block_left(b, first + len);
	return min(len, cap);
}

/*
 * One entry per physically contiguous run of the buffer, cut where the
 * importing device's maximum segment size or segment boundary says:
 * counted first, then filled.
 */
static int vshare_bo_sg_table(struct vshare_bo *bo, struct device *dev,
			      struct sg_table *sgt)
{
	const struct vshare_backing *b = &bo->backing;
	unsigned long max_pages = max_t(unsigned long,
					dma_get_max_seg_size(dev) >> PAGE_SHIFT, 1);
	unsigned long boundary = dma_get_seg_boundary(dev);
	unsigned long first, len, nents = 0;
	struct scatterlist *sg;

	for (first = 0; first < b->npages; first += len, nents++)
		len = vshare_sg_entry(b, first, max_pages, boundary);
	if (sg_alloc_table(sgt, nents, GFP_KERNEL))
		return -ENOMEM;
	for (first = 0, sg = sgt->sgl; first < b->npages; first += len,
	     sg = sg_next(sg)) {
		len = vshare_sg_entry(b, first, max_pages, boundary);
		sg_set_page(sg, b->pages[first], len * PAGE_SIZE, 0);
	}
	return 0;
}

static void vshare_mapping_free(struct vshare_bo *bo,
				struct vshare_mapping *mapping)
{
	/* What the device wrote reaches the pages (or leaves the bounce). */
	dma_sync_sgtable_for_cpu(mapping->dev, &mapping->sgt, mapping->dir);
	dma_unmap_sgtable(mapping->dev, &mapping->sgt, mapping->dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&mapping->sgt);
	kfree(mapping);
	atomic_dec(&bo->stats.maps);
}

/**
 * vshare_bo_map_locked - map a native buffer for an importing device
 * @bo: the buffer, its reservation lock held
 * @attach: the importer's attachment
 * @dir: the direction of the device's accesses
 *
 * Returns: the mapped table, or an ERR_PTR: -ENODEV once revoked, -ENOMEM
 * or the DMA layer's error.
 */
struct sg_table *vshare_bo_map_locked(struct vshare_bo *bo,
				      struct dma_buf_attachment *attach,
				      enum dma_data_direction dir)
{
	struct vshare_mapping *mapping;
	struct sg_table *sgt;
	int ret;

	dma_resv_assert_held(bo->base.resv);
	if (bo->revoked)
		return ERR_PTR(-ENODEV);
	ret = vshare_bo_populate_locked(bo);
	if (ret)
		return ERR_PTR(ret);
	mapping = kzalloc_obj(*mapping, GFP_KERNEL);
	if (!mapping)
		return ERR_PTR(-ENOMEM);
	sgt = &mapping->sgt;
	ret = vshare_bo_sg_table(bo, attach->dev, sgt);
	if (ret) {
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
	ret = dma_map_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		sg_free_table(sgt);
		kfree(mapping);
		return ERR_PTR(ret);
	}
	dma_sync_sgtable_for_device(attach->dev, sgt, dir);

	mapping->attach = attach;
	mapping->dev = attach->dev;
	mapping->dir = dir;
	spin_lock(&bo->mappings_lock);
	list_add(&mapping->node, &bo->mappings);
	spin_unlock(&bo->mappings_lock);
	atomic_inc(&bo->stats.maps);
	return sgt;
}

/**
 * vshare_bo_unmap - undo one vshare_bo_map_locked()
 * @bo: the buffer
 * @attach: the attachment the table was mapped for
 * @sgt: the table
 *
 * An importer unmapping what it never mapped is a bug, and warns.
 */
void vshare_bo_unmap(struct vshare_bo *bo, struct dma_buf_attachment *attach,
		     struct sg_table *sgt)
{
	struct vshare_mapping *mapping, *found = NULL;

	spin_lock(&bo->mappings_lock);
	list_for_each_entry(mapping, &bo->mappings, node) {
		if (&mapping->sgt == sgt && mapping->attach == attach) {
			list_del(&mapping->node);
			found = mapping;
			break;
		}
	}
	spin_unlock(&bo->mappings_lock);
	if (WARN_ON(!found))
		return;
	vshare_mapping_free(bo, found);
}

/**
 * vshare_bo_unmap_all - undo every mapping of one attachment
 * @bo: the buffer
 * @attach: the attachment going away
 *
 * An importer that detaches with mappings still live would leak them and
 * leave our pages mapped for its device.
 */
void vshare_bo_unmap_all(struct vshare_bo *bo,
			 struct dma_buf_attachment *attach)
{
	struct vshare_mapping *mapping, *tmp;
	LIST_HEAD(stale);

	spin_lock(&bo->mappings_lock);
	list_for_each_entry_safe(mapping, tmp, &bo->mappings, node)
		if (mapping->attach == attach)
			list_move(&mapping->node, &stale);
	spin_unlock(&bo->mappings_lock);

	list_for_each_entry_safe(mapping, tmp, &stale, node)
		vshare_mapping_free(bo, mapping);
}

/**
 * vshare_bo_is_mapped - whether any device keeps the buffer mapped
 * @bo: the buffer
 *
 * Returns: true while some importer holds a DMA mapping of it.
 */
bool vshare_bo_is_mapped(struct vshare_bo *bo)
{
	bool mapped;

	spin_lock(&bo->mappings_lock);
	mapped = !list_empty(&bo->mappings);
	spin_unlock(&bo->mappings_lock);
	return mapped;
}

/**
 * vshare_bo_begin_cpu_access - make a native buffer coherent for the CPU
 * @bo: the buffer
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

	atomic64_inc(&bo->stats.syncs);
	spin_lock(&bo->mappings_lock);
	list_for_each_entry(mapping, &bo->mappings, node)
		dma_sync_sgtable_for_cpu(mapping->dev, &mapping->sgt,
					 mapping->dir);
	spin_unlock(&bo->mappings_lock);

	if (dir != DMA_TO_DEVICE && READ_ONCE(bo->vaddr))
		invalidate_kernel_vmap_range(bo->vaddr, bo->base.size);
}

/**
 * vshare_bo_end_cpu_access - hand a native buffer back to its devices
 * @bo: the buffer
 * @dir: the direction given to vshare_bo_begin_cpu_access()
 *
 * Flushes the kernel mapping where the CPU wrote and syncs every active DMA
 * mapping for its device.
 */
void vshare_bo_end_cpu_access(struct vshare_bo *bo,
			      enum dma_data_direction dir)
{
	struct vshare_mapping *mapping;

	atomic64_inc(&bo->stats.syncs);
	if (dir != DMA_FROM_DEVICE && READ_ONCE(bo->vaddr))
		flush_kernel_vmap_range(bo->vaddr, bo->base.size);

	spin_lock(&bo->mappings_lock);
	list_for_each_entry(mapping, &bo->mappings, node)
		dma_sync_sgtable_for_device(mapping->dev, &mapping->sgt,
					    mapping->dir);
	spin_unlock(&bo->mappings_lock);
}
