/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 *
 * The types every part of vshare shares, and what each file offers.
 *
 * The files form layers; each one uses only the layers below it (checked
 * by tools/layers.py):
 *
 *   9  vshare_module.c       the module: default devices, configfs
 *   8  vshare_configfs.c     devices described and made at run time
 *   7  vshare_drv.c          the DRM driver, devices built from a
 *                            configuration
 *   6  vshare_engine.c       the virtual engine (SUBMIT); debugfs
 *      vshare_debugfs.c
 *   5  vshare_access.c       ACCESS, fences (FENCE_*), move and revoke:
 *      vshare_fence.c        over any buffer, native or imported
 *      vshare_move.c
 *   4  vshare_gem.c          native GEM objects and the ioctls that create
 *      vshare_import.c       them; imported objects
 *   3  vshare_dmabuf.c       the dma-buf exporter
 *   2  vshare_bo.c           a native buffer's kernel mapping, device
 *      vshare_mmap.c         mappings and CPU access; its CPU mappings
 *   1  vshare_mem.c          the memory budget and the page allocator
 *   0  vshare_config.c       device configurations; fault injection
 *      vshare_inject.c
 */

#ifndef _VSHARE_DRV_H_
#define _VSHARE_DRV_H_

/**
 * DOC: Locking
 *
 * From the outside in, a thread may take:
 *
 * 0. a configfs device's lock, around building or removing its device
 *    (vshare_configfs.c), so that nothing below may take it;
 * 1. &vshare_engine.submit_lock, while SUBMIT gives a job its place on the
 *    timeline and publishes its fence;
 * 2. the reservation locks of buffers (several at once with a ww context),
 *    which protect &vshare_bo.pin_count, &vshare_bo.vmap_count and
 *    &vshare_bo.vaddr, &vshare_bo.dmabuf, &vshare_bo.sgt of imports, and
 *    &vshare_bo.revoked for writing (see 3.). Functions that need it are
 *    named ``*_locked`` and assert it;
 * 3. &vshare_bo.lock, which keeps a move from swapping the pages under a
 *    CPU page fault (the fault path takes it under the mmap lock), and
 *    under which a lazy buffer gets its pages (&vshare_backing.pages,
 *    &vshare_backing.chunks and &vshare_backing.populated): a chunk at a
 *    fault, all of them before a kernel or device mapping
 *    (vshare_bo_populate_locked(), under 2.);
 *    &vshare_bo.revoked is set with both 2. and 3. held, so either one
 *    is enough to read it (elsewhere it is read with READ_ONCE());
 * 4. &vshare_bo.mappings_lock, a spinlock and a leaf: engine jobs take it
 *    in their fence signalling path, which must not take 2. or 3.
 *
 * &vshare_device.bos_lock is a leaf taken on its own (buffer creation and
 * release, debugfs). Fence locks are per fence (dma_fence core takes them).
 */

#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_gem.h>

#include "vshare_config.h"

#define DRIVER_NAME	"vshare"
#define DRIVER_DESC	"Virtual dma-buf exporter"

struct dma_buf;
struct dma_buf_attachment;
struct dma_fence;
struct dmem_cgroup_pool_state;
struct dmem_cgroup_region;
struct dma_fence_ops;
struct drm_mode_create_dumb;
struct iosys_map;
struct platform_device;
struct sg_table;

/**
 * struct vshare_engine - the virtual engine of a device
 * @wq: ordered workqueue running the jobs in submission order
 * @cleanup_wq: where finished jobs drop what they held
 * @submit_lock: orders sequence numbers, publication and queueing
 * @context: fence context of the engine's timeline
 * @seqno: last sequence number given out
 * @queued: jobs submitted and not yet finished, at most VSHARE_MAX_JOBS
 * @hangs: jobs that hung (VSHARE_SUBMIT_HANG)
 * @completed: jobs that ran to completion
 */
struct vshare_engine {
	struct workqueue_struct *wq;
	struct workqueue_struct *cleanup_wq;
	struct mutex submit_lock; /* orders seqno, publication, queueing */
	u64 context;
	atomic64_t seqno;
	atomic_t queued;
	atomic_t hangs;
	atomic64_t completed;
};

/**
 * struct vshare_device - one vshare DRM device
 * @drm: the DRM device, embedded
 * @pdev: the platform device carrying the DMA mask importers map against
 * @config: what the device was built from, its own copy
 * @engine: the virtual engine
 * @mem_used: bytes of native buffers of this device, against
 *	&vshare_config.mem_limit
 * @dmem: the device's dmem cgroup region, if it has one
 * @bos_lock: protects @bos, and keeps its buffers from being freed while
 *	debugfs reads them
 * @bos: every live buffer object of the device, sorted by id, for
 *	debugfs: a listing resumes at an id without walking to it
 * @next_id: id of the last buffer object made (ids are unique and not 0)
 */
struct vshare_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct vshare_config config;
	struct vshare_engine engine;
	atomic64_t mem_used;
	struct dmem_cgroup_region *dmem;
	struct mutex bos_lock; /* protects bos */
	struct rb_root bos;
	u32 next_id;
};

static inline struct vshare_device *to_vshare_device(struct drm_device *drm)
{
	return container_of(drm, struct vshare_device, drm);
}

/**
 * struct vshare_file - per-file state of a vshare DRM file
 * @fences: FENCE_ATTACH fences not yet signaled through the ioctl, by id
 */
struct vshare_file {
	struct xarray fences;
};

/**
 * struct vshare_backing - the pages of a native buffer
 * @pages: one entry per PAGE_SIZE page; a lazy buffer has none until its
 *	first chunk, then entries only in the chunks that @chunks marks
 * @huge: bitmap of the PMD-sized chunks that are one aligned 2 MiB block
 * @chunks: of a lazy buffer, bitmap of the PMD-sized chunks that have
 *	their pages (it gets them a chunk at a time); NULL for the others,
 *	whose first @populated pages are allocated
 * @npages: number of pages
 * @populated: number of pages allocated
 * @runs: number of physically contiguous runs of @pages, once all are
 *	allocated
 * @flags: VSHARE_CREATE_* flags the pages are allocated with
 * @zone: zone modifier of the allocations (__GFP_DMA32 or __GFP_HIGHMEM)
 * @page: @pages of a one-page buffer, which then needs no allocation
 */
struct vshare_backing {
	struct page **pages;
	unsigned long *huge;
	unsigned long *chunks;
	unsigned long npages;
	unsigned long populated;
	unsigned long runs;
	u32 flags;
	gfp_t zone;
	struct page *page;
};

/**
 * struct vshare_bo_stats - what happened to a buffer, for debugfs
 * @attachments: current dma-buf attachments
 * @maps: current DMA mappings of attachments
 * @faults: CPU page faults served (4 KiB and 2 MiB)
 * @pmd_faults: of @faults, those served with a 2 MiB mapping
 * @syncs: begin/end_cpu_access calls
 * @moves: times the buffer was given new pages (vshare_bo_move())
 */
struct vshare_bo_stats {
	atomic_t attachments;
	atomic_t maps;
	atomic64_t faults;
	atomic64_t pmd_faults;
	atomic64_t syncs;
	atomic_t moves;
};

/**
 * struct vshare_bo - a vshare buffer object, native or imported
 * @base: the GEM object, embedded
 * @node: entry in &vshare_device.bos
 * @id: number shown in debugfs, its key in &vshare_device.bos
 * @flags: VSHARE_CREATE_* flags
 * @stats: what happened to it
 * @backing: native: its pages
 * @dmabuf: native: the dma-buf it is exported as, until that dma-buf is
 *	released (unlike &drm_gem_object.dma_buf, which DRM core clears when
 *	the last handle goes); protected by the reservation lock
 * @lock: native: protects the pages against faults during a move
 * @mappings_lock: native: protects @mappings; a spinlock, so that engine
 *	jobs can do cache maintenance in their fence signalling path
 * @mappings: native: active DMA mappings of attachments
 * @pin_count: native: static importers that pinned it (reservation lock)
 * @revoked: native: the memory was taken away (vshare_bo_revoke())
 * @vaddr: native: kernel mapping, valid while @vmap_count is non-zero
 * @vmap_count: native: users of @vaddr, protected by the reservation lock
 * @dmem_pool: native: the dmem cgroup pool it is charged to, if any
 * @sgt: imported: the exporter's mapping of the buffer; NULL while
 *	invalidated, protected by the reservation lock
 * @nents: imported: entries of the exporter's last mapping, for debugfs
 * @readonly: imported: the dma-buf was opened read-only, so vshare never
 *	writes it nor maps it writable
 */
struct vshare_bo {
	struct drm_gem_object base;
	struct rb_node node;
	u32 id;
	u32 flags;
	struct vshare_bo_stats stats;

	struct vshare_backing backing;
	struct dma_buf *dmabuf;
	struct mutex lock; /* protects the pages against faults */
	spinlock_t mappings_lock; /* protects mappings */
	struct list_head mappings;
	unsigned int pin_count;
	bool revoked;
	void *vaddr;
	unsigned int vmap_count;
	struct dmem_cgroup_pool_state *dmem_pool;

	struct sg_table *sgt;
	unsigned int nents;
	bool readonly;
};

static inline struct vshare_bo *to_vshare_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vshare_bo, base);
}

/* vshare_inject.c: fault injection */

/**
 * enum vshare_inject_point - the operations vshare can be made to fail
 * @VSHARE_INJECT_ALLOC: allocation of one block of a buffer's pages
 * @VSHARE_INJECT_EXPORT: PRIME export of a buffer
 * @VSHARE_INJECT_ATTACH: dma-buf attach
 * @VSHARE_INJECT_MAP: dma-buf map_dma_buf
 * @VSHARE_INJECT_VMAP: kernel mapping of a native buffer
 * @VSHARE_INJECT_MMAP: mmap of a buffer, through DRM or the dma-buf
 * @VSHARE_INJECT_CPU_ACCESS: dma-buf begin_cpu_access
 * @VSHARE_INJECT_COUNT: number of points
 */
enum vshare_inject_point {
	VSHARE_INJECT_ALLOC,
	VSHARE_INJECT_EXPORT,
	VSHARE_INJECT_ATTACH,
	VSHARE_INJECT_MAP,
	VSHARE_INJECT_VMAP,
	VSHARE_INJECT_MMAP,
	VSHARE_INJECT_CPU_ACCESS,
	VSHARE_INJECT_COUNT
};

#ifdef CONFIG_FAULT_INJECTION
bool vshare_inject_fail(enum vshare_inject_point point);
void vshare_inject_init(void);
void vshare_inject_fini(void);
#else
static inline bool vshare_inject_fail(enum vshare_inject_point point)
{
	return false;
}

static inline void vshare_inject_init(void) { }
static inline void vshare_inject_fini(void) { }
#endif

/* vshare_mem.c: the memory budget and the page allocator */
u64 vshare_mem_used(void);
u64 vshare_mem_limit(void);
int vshare_mem_charge(struct vshare_device *vdev, u64 size);
void vshare_mem_uncharge(struct vshare_device *vdev, u64 size);
int vshare_dmem_init(struct vshare_device *vdev);
int vshare_dmem_charge(struct vshare_device *vdev, u64 size,
		       struct dmem_cgroup_pool_state **pool);
void vshare_dmem_uncharge(struct dmem_cgroup_pool_state *pool, u64 size);
int vshare_backing_alloc(struct vshare_backing *b, unsigned long npages,
			 u32 flags, gfp_t zone, bool lazy);
int vshare_backing_populate(struct vshare_backing *b, unsigned long first,
			    unsigned long count);
void vshare_backing_free(struct vshare_backing *b);
void vshare_backing_swap(struct vshare_backing *a, struct vshare_backing *b);
gfp_t vshare_backing_gfp(const struct vshare_backing *b, unsigned int order);
bool vshare_backing_huge(const struct vshare_backing *b, unsigned long idx);
unsigned long vshare_backing_block_left(const struct vshare_backing *b,
					unsigned long idx);

/* vshare_bo.c: native buffers, their kernel and device mappings */
int vshare_bo_cache_init(void);
void vshare_bo_cache_fini(void);
struct vshare_bo *vshare_bo_alloc(struct drm_device *dev, size_t size,
				  const struct drm_gem_object_funcs *funcs);
void vshare_bo_release(struct vshare_bo *bo);
int vshare_bo_check_range(struct drm_gem_object *obj, u64 offset, u64 size);
int vshare_bo_populate_locked(struct vshare_bo *bo);
int vshare_bo_vmap_locked(struct vshare_bo *bo, struct iosys_map *map);
void vshare_bo_vunmap_locked(struct vshare_bo *bo, struct iosys_map *map);
struct sg_table *vshare_bo_map_locked(struct vshare_bo *bo,
				      struct dma_buf_attachment *attach,
				      enum dma_data_direction dir);
void vshare_bo_unmap(struct vshare_bo *bo, struct dma_buf_attachment *attach,
		     struct sg_table *sgt);
void vshare_bo_unmap_all(struct vshare_bo *bo,
			 struct dma_buf_attachment *attach);
bool vshare_bo_is_mapped(struct vshare_bo *bo);
void vshare_bo_begin_cpu_access(struct vshare_bo *bo,
				enum dma_data_direction dir);
void vshare_bo_end_cpu_access(struct vshare_bo *bo,
			      enum dma_data_direction dir);

/* vshare_mmap.c: CPU mappings of native buffers */
extern const struct vm_operations_struct vshare_vm_ops;
int vshare_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma);
void vshare_bo_zap_locked(struct vshare_bo *bo);
unsigned long vshare_get_unmapped_area(struct file *filp, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags);

/* vshare_dmabuf.c: the exporter */
struct dma_buf *vshare_gem_prime_export(struct drm_gem_object *obj, int flags);
struct vshare_bo *vshare_dmabuf_to_bo(struct dma_buf *dmabuf);

/* vshare_gem.c: native GEM objects */
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size,
				   u32 flags);
int vshare_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);
int vshare_create_dmabuf_ioctl(struct drm_device *dev, void *data,
			       struct drm_file *file);
int vshare_map_offset_ioctl(struct drm_device *dev, void *data,
			    struct drm_file *file);
int vshare_dumb_create(struct drm_file *file, struct drm_device *dev,
		       struct drm_mode_create_dumb *args);

/* vshare_import.c: imported objects */
struct drm_gem_object *vshare_gem_prime_import(struct drm_device *dev,
					       struct dma_buf *dmabuf);
int vshare_import_revalidate_locked(struct vshare_bo *bo);

/* vshare_access.c */
int vshare_access_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);

/* vshare_fence.c */
void vshare_fence_init(struct dma_fence *fence,
		       const struct dma_fence_ops *ops, spinlock_t *lock,
		       u64 context, u64 seqno);
void vshare_fence_release(struct dma_fence *fence);
int vshare_fence_attach_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file);
int vshare_fence_signal_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file);
void vshare_fence_file_fini(struct vshare_file *vfile);

/* vshare_engine.c */
int vshare_engine_init(struct vshare_device *vdev);
void vshare_engine_fini(struct vshare_device *vdev);
int vshare_submit_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);

/* vshare_move.c */
int vshare_bo_move(struct vshare_bo *bo);
int vshare_bo_revoke(struct vshare_bo *bo);

/* vshare_debugfs.c */
void vshare_debugfs_init(struct vshare_device *vdev);

/* vshare_drv.c */
int vshare_driver_register(void);
void vshare_driver_unregister(void);
struct platform_device *vshare_device_create(const struct vshare_config *config);
void vshare_device_destroy(struct platform_device *pdev);

/* vshare_configfs.c */
#if IS_ENABLED(CONFIG_CONFIGFS_FS)
int vshare_configfs_register(void);
void vshare_configfs_unregister(void);
#else
static inline int vshare_configfs_register(void) { return 0; }
static inline void vshare_configfs_unregister(void) { }
#endif

#endif /* _VSHARE_DRV_H_ */
