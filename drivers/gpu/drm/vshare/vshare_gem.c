// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare buffer objects: page allocation, CPU mappings and the ioctls that
 * create them.
 */

#include <linux/bitmap.h>
#include <linux/dma-buf.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/vmalloc.h>

#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/*
 * All vshare devices share one memory budget, so that a test allocating
 * too much gets -ENOMEM from vshare long before the OOM killer wakes up.
 */
static unsigned int mem_limit_mb;
module_param(mem_limit_mb, uint, 0644);
MODULE_PARM_DESC(mem_limit_mb,
		 "Memory all vshare buffers may use, in MiB (default: half of RAM)");

static atomic64_t vshare_mem_bytes = ATOMIC64_INIT(0);

u64 vshare_mem_limit(void)
{
	unsigned int mb = READ_ONCE(mem_limit_mb);

	if (!mb)
		return (u64)totalram_pages() * PAGE_SIZE / 2;
	return (u64)mb << 20;
}

u64 vshare_mem_used(void)
{
	return atomic64_read(&vshare_mem_bytes);
}

/**
 * vshare_mem_charge - take memory from vshare's budget
 * @size: bytes about to be allocated
 *
 * Returns: 0, or -ENOMEM when the budget would be exceeded.
 */
int vshare_mem_charge(u64 size)
{
	if (atomic64_add_return(size, &vshare_mem_bytes) > vshare_mem_limit()) {
		atomic64_sub(size, &vshare_mem_bytes);
		return -ENOMEM;
	}
	return 0;
}

/**
 * vshare_mem_uncharge - give memory back to vshare's budget
 * @size: bytes freed, as given to vshare_mem_charge()
 */
void vshare_mem_uncharge(u64 size)
{
	atomic64_sub(size, &vshare_mem_bytes);
}

/*
 * Buffers are built from the largest pages the allocator gives without
 * effort, so that sg_tables and mappings stay compact: 2 MiB, 64 KiB, then
 * single pages. High orders neither reclaim nor retry; single pages may
 * retry but never invoke the OOM killer. Every page is charged to the
 * memory cgroup of the task that allocates it, which then gets -ENOMEM
 * at its limit (no OOM kill: neither flag lets the charge invoke it).
 */
static const unsigned int vshare_orders[] = { PMD_SHIFT - PAGE_SHIFT, 4, 0 };

#define VSHARE_HIGH_ORDER_GFP	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				  __GFP_NORETRY | __GFP_ACCOUNT) & ~__GFP_RECLAIM)
#define VSHARE_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_RETRY_MAYFAIL | __GFP_ACCOUNT)

static void vshare_free_pages(struct page **pages, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		__free_page(pages[i]);
}

/*
 * Splits a block into single refcounted pages, each mappable on its own,
 * and counts the runs as blocks come: a block that does not follow the
 * previous one in memory starts a new run.
 */
static void vshare_add_block(struct vshare_backing *b, unsigned long *done,
			     unsigned long *runs, struct page *page,
			     unsigned int order)
{
	unsigned long j;

	if (!*done ||
	    page_to_pfn(page) != page_to_pfn(b->pages[*done - 1]) + 1)
		(*runs)++;
	split_page(page, order);
	if ((1UL << order) == VSHARE_HUGE_PAGES && !(*done % VSHARE_HUGE_PAGES))
		__set_bit(*done / VSHARE_HUGE_PAGES, b->huge);
	for (j = 0; j < (1UL << order); j++)
		b->pages[(*done)++] = page + j;
}

static int vshare_alloc_contiguous(struct vshare_backing *b,
				   unsigned long npages)
{
	unsigned int order = get_order(npages << PAGE_SHIFT);
	unsigned long done = 0;
	struct page *page;

	if (order > MAX_PAGE_ORDER || vshare_should_fail(VSHARE_FAULT_ALLOC))
		return -ENOMEM;
	page = alloc_pages(VSHARE_LOW_ORDER_GFP, order);
	if (!page)
		return -ENOMEM;
	split_page(page, order);
	for (done = 0; done < npages; done++)
		b->pages[done] = page + done;
	/* Give back the tail beyond the buffer's size. */
	for (; done < (1UL << order); done++)
		__free_page(page + done);
	for (done = 0; done + VSHARE_HUGE_PAGES <= npages;
	     done += VSHARE_HUGE_PAGES)
		if (IS_ALIGNED(page_to_pfn(b->pages[done]), VSHARE_HUGE_PAGES))
			__set_bit(done / VSHARE_HUGE_PAGES, b->huge);
	b->runs = 1;
	return 0;
}

static int vshare_alloc_scattered(struct vshare_backing *b,
				  unsigned long npages)
{
	unsigned long done = 0, runs = 0;
	unsigned int i, order = 0;
	struct page *page;

	while (done < npages) {
		if (fatal_signal_pending(current) ||
		    vshare_should_fail(VSHARE_FAULT_ALLOC))
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
		vshare_add_block(b, &done, &runs, page, order);
	}
	b->runs = runs;
	return 0;

err:
	vshare_free_pages(b->pages, done);
	return -ENOMEM;
}

/* Write-combined buffers get no cached alias in the kernel's linear map. */
static int vshare_set_caching(struct vshare_bo *bo, struct page **pages,
			      bool wc)
{
#ifdef CONFIG_X86
	int n = bo->base.size >> PAGE_SHIFT;

	if (bo->flags & VSHARE_CREATE_WC)
		return wc ? set_pages_array_wc(pages, n) :
			    set_pages_array_wb(pages, n);
#endif
	return 0;
}

/**
 * vshare_backing_free - free what vshare_backing_alloc() gave
 * @bo: the buffer the backing was made for
 * @b: the backing; its arrays are freed, its pages if @b->runs is set
 */
void vshare_backing_free(struct vshare_bo *bo, struct vshare_backing *b)
{
	/* runs is 0 until every page is allocated. */
	if (b->runs) {
		vshare_set_caching(bo, b->pages, false);
		vshare_free_pages(b->pages, bo->base.size >> PAGE_SHIFT);
	}
	kvfree(b->pages);
	bitmap_free(b->huge);
}

/**
 * vshare_backing_alloc - allocate zeroed pages for a native buffer
 * @bo: the buffer: its size and flags say what to allocate
 * @b: returns the pages, their 2 MiB blocks and their number of runs
 *
 * Returns: 0, or -ENOMEM; on error, vshare_backing_free() must still be
 * called (as it is for a buffer that fails to be created).
 */
int vshare_backing_alloc(struct vshare_bo *bo, struct vshare_backing *b)
{
	unsigned long npages = bo->base.size >> PAGE_SHIFT;
	int ret;

	b->pages = kvmalloc_array(npages, sizeof(*b->pages), GFP_KERNEL);
	/* Only buffers of 2 MiB or more can have PMD-mapped blocks. */
	if (npages >= VSHARE_HUGE_PAGES)
		b->huge = bitmap_zalloc(npages / VSHARE_HUGE_PAGES, GFP_KERNEL);
	if (!b->pages || (npages >= VSHARE_HUGE_PAGES && !b->huge))
		return -ENOMEM;
	if (bo->flags & VSHARE_CREATE_CONTIGUOUS)
		ret = vshare_alloc_contiguous(b, npages);
	else
		ret = vshare_alloc_scattered(b, npages);
	if (ret)
		return ret;
	return vshare_set_caching(bo, b->pages, true);
}

static pgprot_t vshare_bo_pgprot(struct vshare_bo *bo, pgprot_t prot)
{
	return bo->flags & VSHARE_CREATE_WC ? pgprot_writecombine(prot) : prot;
}

static void vshare_bo_free(struct drm_gem_object *obj)
{
	struct vshare_device *vdev = to_vshare_device(obj->dev);
	struct vshare_bo *bo = to_vshare_bo(obj);

	drm_WARN_ON(obj->dev, bo->vmap_count);
	drm_WARN_ON(obj->dev, !list_empty(&bo->mappings));

	mutex_lock(&vdev->bos_lock);
	list_del(&bo->node);
	mutex_unlock(&vdev->bos_lock);

	if (obj->import_attach) {
		vshare_import_release(bo);
	} else {
		vshare_backing_free(bo, &bo->backing);
		vshare_mem_uncharge(obj->size);
	}
	drm_gem_object_release(obj);
	mutex_destroy(&bo->lock);
	kfree(bo);
}

/**
 * vshare_bo_vmap_pages - map a native buffer into the kernel
 * @bo: the buffer, its reservation lock held
 * @map: returns the mapping
 *
 * One kernel mapping, shared by all its users until the last vunmap.
 *
 * Returns: 0 or -ENOMEM.
 */
int vshare_bo_vmap_pages(struct vshare_bo *bo, struct iosys_map *map)
{
	dma_resv_assert_held(bo->base.resv);
	if (!bo->vmap_count) {
		bo->vaddr = vmap(bo->backing.pages, bo->base.size >> PAGE_SHIFT, VM_MAP,
				 vshare_bo_pgprot(bo, PAGE_KERNEL));
		if (!bo->vaddr)
			return -ENOMEM;
	}
	bo->vmap_count++;
	iosys_map_set_vaddr(map, bo->vaddr);
	return 0;
}

/* vshare's own kernel mappings (ACCESS, engine jobs), native or imported. */
static int vshare_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct vshare_bo *bo = to_vshare_bo(obj);
	int ret;

	dma_resv_assert_held(obj->resv);
	if (vshare_should_fail(VSHARE_FAULT_VMAP))
		return -ENOMEM;
	if (obj->import_attach) {
		/* Like any importer, revalidate the mapping before use. */
		ret = vshare_import_revalidate(bo);
		return ret ?: dma_buf_vmap(obj->import_attach->dmabuf, map);
	}
	if (bo->revoked)
		return -ENODEV;
	return vshare_bo_vmap_pages(bo, map);
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

/*
 * Page index in the buffer of a faulting address. vm_pgoff carries the fake
 * offset of the object's mmap node, for dma-buf mappings too.
 */
static unsigned long vshare_fault_index(struct vm_area_struct *vma,
					unsigned long address)
{
	struct drm_gem_object *obj = vma->vm_private_data;

	return vma->vm_pgoff - drm_vma_node_start(&obj->vma_node) +
	       ((address - vma->vm_start) >> PAGE_SHIFT);
}

static vm_fault_t vshare_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vshare_bo *bo = to_vshare_bo(vma->vm_private_data);
	unsigned long idx = vshare_fault_index(vma, vmf->address);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int cookie;

	/* Once the device is unplugged, its buffers are no longer served. */
	if (!drm_dev_enter(bo->base.dev, &cookie))
		return VM_FAULT_SIGBUS;
	/*
	 * The lock keeps a move from swapping the pages under us. The core
	 * bounds every mapping by the object and VM_DONTEXPAND stops mremap()
	 * from growing one (vshare_basic's mmap-beyond-end and
	 * mremap-grow-refused), so idx is in range; the check only keeps a
	 * future path from reading past the page array.
	 */
	mutex_lock(&bo->lock);
	if (idx < bo->base.size >> PAGE_SHIFT && !bo->revoked) {
		atomic64_inc(&bo->faults);
		ret = vmf_insert_pfn(vma, vmf->address,
				     page_to_pfn(bo->backing.pages[idx]));
	}
	mutex_unlock(&bo->lock);
	drm_dev_exit(cookie);
	return ret;
}

/* A 2 MiB mapping where the address and an aligned 2 MiB block line up. */
static vm_fault_t vshare_bo_huge_fault(struct vm_fault *vmf,
				       unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vshare_bo *bo = to_vshare_bo(vma->vm_private_data);
	unsigned long addr = vmf->address & PMD_MASK;
	unsigned long idx;
	vm_fault_t ret;
	int cookie;

	if (order != PMD_SHIFT - PAGE_SHIFT || addr < vma->vm_start ||
	    addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	idx = vshare_fault_index(vma, addr);
	if (!IS_ALIGNED(idx, VSHARE_HUGE_PAGES) ||
	    idx + VSHARE_HUGE_PAGES > bo->base.size >> PAGE_SHIFT)
		return VM_FAULT_FALLBACK;

	/* The 4 KiB handler gives the SIGBUS of an unplugged device. */
	if (!drm_dev_enter(bo->base.dev, &cookie))
		return VM_FAULT_FALLBACK;
	mutex_lock(&bo->lock);
	if (bo->revoked || !test_bit(idx / VSHARE_HUGE_PAGES, bo->backing.huge))
		ret = VM_FAULT_FALLBACK;
	else
		ret = vshare_insert_pfn_pmd(vmf,
					    page_to_pfn(bo->backing.pages[idx]),
					    vmf->flags & FAULT_FLAG_WRITE);
	mutex_unlock(&bo->lock);
	drm_dev_exit(cookie);
	if (ret == VM_FAULT_NOPAGE) {
		atomic64_inc(&bo->faults);
		atomic64_inc(&bo->pmd_faults);
	}
	return ret;
}

static const struct vm_operations_struct vshare_vm_ops = {
	.fault = vshare_bo_fault,
	.huge_fault = vshare_bo_huge_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

/**
 * vshare_bo_mmap - set up a CPU mapping of a buffer object
 * @obj: the object
 * @vma: the new mapping, of the DRM file or of the object's dma-buf
 *
 * Pages are inserted at fault time, 2 MiB at once where possible. Private
 * (copy-on-write) mappings are refused: PFN mappings cannot be COW, and the
 * fault path would hit the BUG_ON() of vmf_insert_pfn() for them. A read-only
 * import is never mapped writable, nor can it become writable by mprotect().
 *
 * Returns: 0, -EINVAL for a private mapping, -EACCES for a writable mapping
 * of a read-only import, or another negative errno.
 */
int vshare_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct vshare_bo *bo = to_vshare_bo(obj);
	int ret;

	if (vshare_is_cow_mapping(vma))
		return -EINVAL;
	if (bo->readonly) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	if (obj->import_attach) {
		/* Let the exporter map its own buffer. */
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
	if (READ_ONCE(bo->revoked))
		return -ENODEV;
	if (vshare_should_fail(VSHARE_FAULT_MMAP))
		return -ENOMEM;

	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP |
		     VM_HUGEPAGE);
	vma->vm_page_prot = vshare_bo_pgprot(bo, vm_get_page_prot(vma->vm_flags));
	return 0;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/**
 * vshare_get_unmapped_area - place mappings of the DRM file for 2 MiB pages
 * @filp: the DRM file
 * @addr: address hint
 * @len: length of the mapping
 * @pgoff: fake offset of the object (plus an offset into it)
 * @flags: mmap flags
 *
 * An address congruent, modulo 2 MiB, to the offset inside the object lets
 * the fault handler map each aligned 2 MiB block with one PMD entry.
 *
 * Returns: the address, or a negative errno.
 */
unsigned long vshare_get_unmapped_area(struct file *filp, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags)
{
	struct drm_file *priv = filp->private_data;
	struct drm_vma_offset_manager *mgr = priv->minor->dev->vma_offset_manager;
	struct drm_vma_offset_node *node;
	unsigned long start = 0;

	drm_vma_offset_lock_lookup(mgr);
	node = drm_vma_offset_lookup_locked(mgr, pgoff, 1);
	if (node)
		start = drm_vma_node_start(node);
	drm_vma_offset_unlock_lookup(mgr);

	return thp_get_unmapped_area(filp, addr, len, pgoff - start, flags);
}
#endif

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

static enum drm_gem_object_status vshare_bo_status(struct drm_gem_object *obj)
{
	return DRM_GEM_OBJECT_RESIDENT;
}

static const struct drm_gem_object_funcs vshare_bo_funcs = {
	.free = vshare_bo_free,
	.export = vshare_gem_prime_export,
	.vmap = vshare_bo_vmap,
	.vunmap = vshare_bo_vunmap,
	.mmap = vshare_bo_mmap,
	.status = vshare_bo_status,
	.vm_ops = &vshare_vm_ops,
};

/**
 * vshare_bo_alloc - allocate the shell of a buffer object
 * @dev: the vshare DRM device
 * @size: size in bytes, page aligned
 *
 * The object has no memory yet: creation adds pages, import an sg_table.
 *
 * Returns: the object, or an ERR_PTR.
 */
struct vshare_bo *vshare_bo_alloc(struct drm_device *dev, size_t size)
{
	struct vshare_device *vdev = to_vshare_device(dev);
	struct vshare_bo *bo;

	bo = kzalloc_obj(*bo, GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.funcs = &vshare_bo_funcs;
	/* Our own pages back the object, not a shmem file. */
	drm_gem_private_object_init(dev, &bo->base, size);
	mutex_init(&bo->lock);
	spin_lock_init(&bo->mappings_lock);
	INIT_LIST_HEAD(&bo->mappings);

	mutex_lock(&vdev->bos_lock);
	bo->id = ++vdev->next_id;
	list_add_tail(&bo->node, &vdev->bos);
	mutex_unlock(&vdev->bos_lock);
	return bo;
}

/**
 * vshare_bo_create - allocate a zero-filled buffer object
 * @dev: the vshare DRM device
 * @size: size in bytes, not zero
 * @flags: VSHARE_CREATE_* flags
 *
 * Returns: the new object with one reference, or an ERR_PTR: -EINVAL for a
 * zero size or unknown flags, -ENOMEM when the memory cannot be had or is
 * over vshare's limit.
 */
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size, u32 flags)
{
	unsigned long npages;
	struct vshare_bo *bo;
	int ret;

	if (!size || size > U64_MAX - PAGE_SIZE + 1 ||
	    (flags & ~VSHARE_CREATE_FLAGS))
		return ERR_PTR(-EINVAL);
	size = PAGE_ALIGN(size);
	npages = size >> PAGE_SHIFT;
	/* Never ask for more than the machine has: fail, don't warn. */
	if (npages > totalram_pages())
		return ERR_PTR(-ENOMEM);
	ret = vshare_mem_charge(size);
	if (ret)
		return ERR_PTR(ret);

	bo = vshare_bo_alloc(dev, size);
	if (IS_ERR(bo)) {
		vshare_mem_uncharge(size);
		return bo;
	}
	bo->flags = flags;

	/* From here on, vshare_bo_free() undoes whatever was done. */
	ret = vshare_backing_alloc(bo, &bo->backing);
	if (ret)
		goto err_put;
	/* The mmap offset is made when first needed: creation stays cheap. */
	return bo;

err_put:
	drm_gem_object_put(&bo->base);
	return ERR_PTR(ret);
}

static int vshare_create_handle(struct drm_file *file, struct drm_device *dev,
				u64 size, u32 flags, u32 *handle)
{
	struct vshare_bo *bo;
	int ret;

	bo = vshare_bo_create(dev, size, flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base, handle);
	/* The handle holds the object now, or it is freed here. */
	drm_gem_object_put(&bo->base);
	return ret;
}

/**
 * vshare_create_ioctl - create a zero-filled buffer
 * @dev: the vshare device
 * @data: &struct drm_vshare_create
 * @file: the DRM file that gets the handle
 *
 * Implements &DRM_IOCTL_VSHARE_CREATE.
 *
 * Returns: 0; -EINVAL for a zero size or unknown flags; -ENOMEM.
 */
int vshare_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct drm_vshare_create *args = data;
	int ret;

	ret = vshare_create_handle(file, dev, args->size, args->flags,
				   &args->handle);
	if (ret)
		return ret;
	args->size = PAGE_ALIGN(args->size);
	return 0;
}

/**
 * vshare_map_offset_ioctl - the mmap offset of a buffer
 * @dev: the vshare device
 * @data: &struct drm_vshare_map_offset
 * @file: the DRM file the handle belongs to
 *
 * Implements &DRM_IOCTL_VSHARE_MAP_OFFSET, for native and imported buffers.
 *
 * Returns: 0; -EINVAL for non-zero padding; -ENOENT; -ENOMEM.
 */
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

/**
 * vshare_dumb_create - create a dumb buffer
 * @file: the DRM file that gets the handle
 * @dev: the vshare device
 * @args: &struct drm_mode_create_dumb
 *
 * Implements &DRM_IOCTL_MODE_CREATE_DUMB, with a 64-byte aligned pitch.
 *
 * Returns: 0; -EINVAL for bad sizes or flags; -ENOMEM.
 */
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

	ret = vshare_create_handle(file, dev, size, 0, &args->handle);
	if (ret)
		return ret;
	args->pitch = pitch;
	args->size = PAGE_ALIGN(size);
	return 0;
}
