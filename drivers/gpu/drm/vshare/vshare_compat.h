/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 *
 * The few kernel API differences between the kernels vshare supports
 * (6.12 LTS to 7.x), kept in one place. The Makefile probes the kernel's
 * headers and defines VSHARE_HAVE_* for what the kernel has; in a kernel
 * tree of the newest API nothing here expands to anything.
 */

#ifndef _VSHARE_COMPAT_H_
#define _VSHARE_COMPAT_H_

#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#ifdef VSHARE_HAVE_PFN_T
#include <linux/pfn_t.h>
#endif

/* drm_driver.date was removed in 6.14. */
#ifdef VSHARE_HAVE_DRIVER_DATE
#define VSHARE_DRIVER_DATE	.date = "20261123",
#else
#define VSHARE_DRIVER_DATE
#endif

/* Symbol namespaces became string literals in 6.13. */
#ifdef VSHARE_HAVE_NS_TOKEN
#define VSHARE_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS(DMA_BUF)
#else
#define VSHARE_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS("DMA_BUF")
#endif

/* Typed allocation helpers arrived in 7.x. */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP)	kzalloc(sizeof(P), GFP)
#endif

/*
 * 2 MiB PFN mappings need the architecture's special PMDs (6.12+). pfn_t
 * was dropped from the insertion API in 6.17.
 */
static inline vm_fault_t vshare_insert_pfn_pmd(struct vm_fault *vmf,
					       unsigned long pfn, bool write)
{
#if !defined(CONFIG_TRANSPARENT_HUGEPAGE) || \
	!defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP)
	return VM_FAULT_FALLBACK;
#elif defined(VSHARE_HAVE_PFN_T)
	return vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write);
#else
	return vmf_insert_pfn_pmd(vmf, pfn, write);
#endif
}

/* is_cow_mapping(vm_flags) became vma_is_cow_mapping(vma) in 7.x. */
static inline bool vshare_is_cow_mapping(const struct vm_area_struct *vma)
{
#ifdef VSHARE_HAVE_VMA_IS_COW_MAPPING
	return vma_is_cow_mapping(vma);
#else
	return is_cow_mapping(vma->vm_flags);
#endif
}

/* from_timer() became timer_container_of() in 6.16. */
#ifdef timer_container_of
#define vshare_timer_container_of	timer_container_of
#else
#define vshare_timer_container_of	from_timer
#endif

/*
 * A GEM object's kernel mapping with its reservation lock held. The DRM
 * core exports it on every kernel but declares it only in its internal
 * header: as drm_gem_vmap() while drm_gem_vmap_unlocked() was the public
 * one (6.12), as drm_gem_vmap_locked() since drm_gem_vmap() became the
 * variant that takes the lock itself (7.x).
 */
#ifdef VSHARE_HAVE_GEM_VMAP_UNLOCKED
int drm_gem_vmap(struct drm_gem_object *obj, struct iosys_map *map);
void drm_gem_vunmap(struct drm_gem_object *obj, struct iosys_map *map);
#define vshare_gem_vmap_locked		drm_gem_vmap
#define vshare_gem_vunmap_locked	drm_gem_vunmap
#else
int drm_gem_vmap_locked(struct drm_gem_object *obj, struct iosys_map *map);
void drm_gem_vunmap_locked(struct drm_gem_object *obj, struct iosys_map *map);
#define vshare_gem_vmap_locked		drm_gem_vmap_locked
#define vshare_gem_vunmap_locked	drm_gem_vunmap_locked
#endif

/*
 * The dmem cgroup controller came in 6.14 (region registration took a
 * struct dmem_cgroup_init later); before it, devices have no region and
 * nothing is charged.
 */
#ifdef VSHARE_HAVE_DMEM
#include <linux/cgroup_dmem.h>
#else
struct dmem_cgroup_region;
struct dmem_cgroup_pool_state;

static inline int dmem_cgroup_try_charge(struct dmem_cgroup_region *region,
					 u64 size,
					 struct dmem_cgroup_pool_state **pool,
					 struct dmem_cgroup_pool_state **limit)
{
	*pool = NULL;
	return 0;
}

static inline void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool,
					u64 size)
{
}
#endif

static inline bool vshare_have_dmem(void)
{
#ifdef VSHARE_HAVE_DMEM
	return IS_ENABLED(CONFIG_CGROUP_DMEM);
#else
	return false;
#endif
}

static inline struct dmem_cgroup_region *
vshare_register_dmem(struct drm_device *dev, const char *name, u64 size)
{
#if defined(VSHARE_HAVE_DMEM_INIT)
	struct dmem_cgroup_init init = { .size = size };

	return drmm_cgroup_register_region(dev, name, &init);
#elif defined(VSHARE_HAVE_DMEM)
	return drmm_cgroup_register_region(dev, name, size);
#else
	return NULL;
#endif
}

/* dma-buf's move_notify became invalidate_mappings in 7.x. */
#ifdef VSHARE_HAVE_INVALIDATE_MAPPINGS
#define VSHARE_ATTACH_INVALIDATE	invalidate_mappings
#define vshare_dma_buf_invalidate_mappings	dma_buf_invalidate_mappings
#else
#define VSHARE_ATTACH_INVALIDATE	move_notify
#define vshare_dma_buf_invalidate_mappings	dma_buf_move_notify
#endif

#endif /* _VSHARE_COMPAT_H_ */
