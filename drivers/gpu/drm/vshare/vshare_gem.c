// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare buffer objects: page allocation, CPU mappings and the ioctls that
 * create them.
 */

#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/vmalloc.h>

#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/drm_prime.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/*
 * Buffers are built from the largest pages the allocator gives without
 * effort, so that sg_tables and mappings stay compact: 2 MiB, 64 KiB, then
 * single pages. High orders neither reclaim nor retry; single pages may
 * retry but never invoke the OOM killer, so a too large buffer fails with
 * -ENOMEM instead.
 */
static const unsigned int vshare_orders[] = { 9, 4, 0 };

#define VSHARE_HIGH_ORDER_GFP	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				  __GFP_NORETRY) & ~__GFP_RECLAIM)
#define VSHARE_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_RETRY_MAYFAIL)

static void vshare_free_pages(struct page **pages, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		__free_page(pages[i]);
}

static int vshare_alloc_pages(struct vshare_bo *bo, unsigned long npages)
{
	unsigned long done = 0, j;
	unsigned int i, order;
	struct page *page;

	while (done < npages) {
		if (fatal_signal_pending(current))
			goto err;
		page = NULL;
		for (i = 0; i < ARRAY_SIZE(vshare_orders) && !page; i++) {
			order = vshare_orders[i];
			if (npages - done < (1UL << order))
				continue;
			page = alloc_pages(order ? VSHARE_HIGH_ORDER_GFP :
					   VSHARE_LOW_ORDER_GFP, order);
		}
		if (!page)
			goto err;
		/* Single refcounted pages, so each can be mapped on its own. */
		split_page(page, order);
		for (j = 0; j < (1UL << order); j++)
			bo->pages[done++] = page + j;
	}
	return 0;

err:
	vshare_free_pages(bo->pages, done);
	return -ENOMEM;
}

static void vshare_bo_free(struct drm_gem_object *obj)
{
	struct vshare_bo *bo = to_vshare_bo(obj);

	drm_WARN_ON(obj->dev, bo->vmap_count);
	if (obj->import_attach) {
		drm_prime_gem_destroy(obj, bo->sgt);
	} else {
		vshare_free_pages(bo->pages, obj->size >> PAGE_SHIFT);
		kvfree(bo->pages);
	}
	drm_gem_object_release(obj);
	kfree(bo);
}

static struct sg_table *vshare_bo_get_sg_table(struct drm_gem_object *obj)
{
	struct vshare_bo *bo = to_vshare_bo(obj);

	return drm_prime_pages_to_sg(obj->dev, bo->pages,
				     obj->size >> PAGE_SHIFT);
}

/* One kernel mapping, shared by all its users. */
static int vshare_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct vshare_bo *bo = to_vshare_bo(obj);

	dma_resv_assert_held(obj->resv);
	if (obj->import_attach)
		return dma_buf_vmap(obj->import_attach->dmabuf, map);

	if (!bo->vmap_count) {
		bo->vaddr = vmap(bo->pages, obj->size >> PAGE_SHIFT, VM_MAP,
				 PAGE_KERNEL);
		if (!bo->vaddr)
			return -ENOMEM;
	}
	bo->vmap_count++;
	iosys_map_set_vaddr(map, bo->vaddr);
	return 0;
}

static void vshare_bo_vunmap(struct drm_gem_object *obj,
			     struct iosys_map *map)
{
	struct vshare_bo *bo = to_vshare_bo(obj);

	dma_resv_assert_held(obj->resv);
	if (obj->import_attach) {
		dma_buf_vunmap(obj->import_attach->dmabuf, map);
		return;
	}
	if (drm_WARN_ON(obj->dev, !bo->vmap_count))
		return;
	if (--bo->vmap_count == 0) {
		vunmap(bo->vaddr);
		bo->vaddr = NULL;
	}
}

static vm_fault_t vshare_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct vshare_bo *bo = to_vshare_bo(obj);
	unsigned long pgoff;

	/* vm_pgoff carries the fake offset of the object's mmap node. */
	pgoff = vmf->pgoff - drm_vma_node_start(&obj->vma_node);
	if (pgoff >= obj->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;

	return vmf_insert_pfn(vma, vmf->address, page_to_pfn(bo->pages[pgoff]));
}

static const struct vm_operations_struct vshare_vm_ops = {
	.fault = vshare_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static int vshare_bo_mmap(struct drm_gem_object *obj,
			  struct vm_area_struct *vma)
{
	int ret;

	if (obj->import_attach) {
		/* Let the exporter map its own buffer. */
		vma->vm_private_data = NULL;
		vma->vm_ops = NULL;
		ret = dma_buf_mmap(obj->dma_buf, vma, 0);
		if (ret)
			return ret;
		/* Drop the reference drm_gem_mmap_obj() took for our vm_ops. */
		drm_gem_object_put(obj);
		vm_flags_set(vma, VM_DONTEXPAND);
		return 0;
	}

	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	return 0;
}

static enum drm_gem_object_status vshare_bo_status(struct drm_gem_object *obj)
{
	return DRM_GEM_OBJECT_RESIDENT;
}

static const struct drm_gem_object_funcs vshare_bo_funcs = {
	.free = vshare_bo_free,
	.get_sg_table = vshare_bo_get_sg_table,
	.vmap = vshare_bo_vmap,
	.vunmap = vshare_bo_vunmap,
	.mmap = vshare_bo_mmap,
	.status = vshare_bo_status,
	.vm_ops = &vshare_vm_ops,
};

/* The object shell, before its memory: shared by creation and import. */
struct vshare_bo *vshare_bo_alloc(struct drm_device *dev, size_t size)
{
	struct vshare_bo *bo;

	bo = kzalloc_obj(*bo, GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.funcs = &vshare_bo_funcs;
	/* Our own pages back the object, not a shmem file. */
	drm_gem_private_object_init(dev, &bo->base, size);
	return bo;
}

/**
 * vshare_bo_create - allocate a zero-filled buffer object
 * @dev: the vshare DRM device
 * @size: size in bytes, not zero
 *
 * Returns: the new object with one reference, or an ERR_PTR: -EINVAL for a
 * zero size, -ENOMEM when the memory cannot be had.
 */
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size)
{
	unsigned long npages;
	struct vshare_bo *bo;
	int ret;

	if (!size || size > U64_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EINVAL);
	size = PAGE_ALIGN(size);
	npages = size >> PAGE_SHIFT;
	/* Never ask for more than the machine has: fail, don't warn. */
	if (npages > totalram_pages())
		return ERR_PTR(-ENOMEM);

	bo = vshare_bo_alloc(dev, size);
	if (IS_ERR(bo))
		return bo;

	bo->pages = kvmalloc_array(npages, sizeof(*bo->pages), GFP_KERNEL);
	if (!bo->pages) {
		ret = -ENOMEM;
		goto err_release;
	}
	ret = vshare_alloc_pages(bo, npages);
	if (ret)
		goto err_pages;

	ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret)
		goto err_free_pages;
	return bo;

err_free_pages:
	vshare_free_pages(bo->pages, npages);
err_pages:
	kvfree(bo->pages);
err_release:
	drm_gem_object_release(&bo->base);
	kfree(bo);
	return ERR_PTR(ret);
}

static int vshare_create_handle(struct drm_file *file, struct drm_device *dev,
				u64 size, u32 *handle)
{
	struct vshare_bo *bo;
	int ret;

	bo = vshare_bo_create(dev, size);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base, handle);
	/* The handle holds the object now, or it is freed here. */
	drm_gem_object_put(&bo->base);
	return ret;
}

int vshare_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct drm_vshare_create *args = data;
	int ret;

	if (args->flags)
		return -EINVAL;

	ret = vshare_create_handle(file, dev, args->size, &args->handle);
	if (ret)
		return ret;
	args->size = PAGE_ALIGN(args->size);
	return 0;
}

int vshare_map_offset_ioctl(struct drm_device *dev, void *data,
			    struct drm_file *file)
{
	struct drm_vshare_map_offset *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->pad)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return ret;
}

int vshare_dumb_create(struct drm_file *file, struct drm_device *dev,
		       struct drm_mode_create_dumb *args)
{
	u32 pitch;
	u64 size;
	int ret;

	if (!args->width || !args->height || !args->bpp || args->flags)
		return -EINVAL;
	/* 64-byte pitch alignment, what scanout engines commonly want. */
	if (check_mul_overflow(args->width, DIV_ROUND_UP(args->bpp, 8), &pitch) ||
	    check_add_overflow(pitch, 63u, &pitch))
		return -EINVAL;
	pitch = ALIGN_DOWN(pitch, 64);
	size = (u64)pitch * args->height;

	ret = vshare_create_handle(file, dev, size, &args->handle);
	if (ret)
		return ret;
	args->pitch = pitch;
	args->size = PAGE_ALIGN(size);
	return 0;
}
