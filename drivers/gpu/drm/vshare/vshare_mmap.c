// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * CPU mappings of native buffers, through the DRM file or the dma-buf:
 * pages are inserted at fault time, 2 MiB at once where the mapping and a
 * 2 MiB block of the buffer line up. A lazy buffer gets its pages here, a
 * 2 MiB chunk at a time.
 */

#include <linux/dma-buf.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_vma_manager.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

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
	if (idx < bo->backing.npages && !bo->revoked &&
	    !vshare_backing_populate(&bo->backing, idx, 1)) {
		atomic64_inc(&bo->stats.faults);
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
	/* The address must meet a 2 MiB chunk of the buffer. */
	idx = vshare_fault_index(vma, addr);
	if (!IS_ALIGNED(idx, PMD_SIZE >> PAGE_SHIFT))
		return VM_FAULT_FALLBACK;

	/* The 4 KiB handler gives the SIGBUS of an unplugged device. */
	if (!drm_dev_enter(bo->base.dev, &cookie))
		return VM_FAULT_FALLBACK;
	mutex_lock(&bo->lock);
	/* A lazy buffer gets the whole chunk now: it may be one block. */
	if (bo->revoked || idx >= bo->backing.npages ||
	    vshare_backing_populate(&bo->backing, idx, 1) ||
	    !vshare_backing_huge(&bo->backing, idx))
		ret = VM_FAULT_FALLBACK;
	else
		ret = vshare_insert_pfn_pmd(vmf,
					    page_to_pfn(bo->backing.pages[idx]),
					    vmf->flags & FAULT_FLAG_WRITE);
	mutex_unlock(&bo->lock);
	drm_dev_exit(cookie);
	if (ret == VM_FAULT_NOPAGE) {
		atomic64_inc(&bo->stats.faults);
		atomic64_inc(&bo->stats.pmd_faults);
	}
	return ret;
}

const struct vm_operations_struct vshare_vm_ops = {
	.fault = vshare_bo_fault,
	.huge_fault = vshare_bo_huge_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

/**
 * vshare_bo_mmap - set up a CPU mapping of a native buffer
 * @obj: the buffer
 * @vma: the new mapping, of the DRM file or of the buffer's dma-buf
 *
 * Private (copy-on-write) mappings are refused: PFN mappings cannot be
 * COW, and the fault path would hit the BUG_ON() of vmf_insert_pfn() for
 * them.
 *
 * Returns: 0, -EINVAL for a private mapping, -ENODEV once revoked, or
 * -ENOMEM.
 */
int vshare_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct vshare_bo *bo = to_vshare_bo(obj);
	pgprot_t prot;

	if (vshare_is_cow_mapping(vma))
		return -EINVAL;
	if (READ_ONCE(bo->revoked))
		return -ENODEV;
	if (vshare_inject_fail(VSHARE_INJECT_MMAP))
		return -ENOMEM;

	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP |
		     VM_HUGEPAGE);
	prot = vm_get_page_prot(vma->vm_flags);
	if (bo->flags & VSHARE_CREATE_WC)
		prot = pgprot_writecombine(prot);
	vma->vm_page_prot = prot;
	return 0;
}

/**
 * vshare_bo_zap_locked - take down every CPU mapping of a native buffer
 * @bo: the buffer, its reservation lock held
 *
 * Mappings of the DRM files and of the dma-buf: the next access faults.
 * The dma-buf is the one vshare keeps (&vshare_bo.dmabuf): DRM core
 * forgets its own pointer once the exporter closed its handles, while
 * importers still hold the dma-buf.
 */
void vshare_bo_zap_locked(struct vshare_bo *bo)
{
	struct drm_gem_object *obj = &bo->base;

	dma_resv_assert_held(obj->resv);
	drm_vma_node_unmap(&obj->vma_node, obj->dev->anon_inode->i_mapping);
	/* dma-buf mappings carry the same fake offset (vshare_dmabuf_mmap). */
	if (bo->dmabuf)
		unmap_mapping_range(bo->dmabuf->file->f_mapping,
				    drm_vma_node_offset_addr(&obj->vma_node),
				    obj->size, 1);
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
