/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 */

#ifndef _VSHARE_DRV_H_
#define _VSHARE_DRV_H_

/**
 * DOC: Locking
 *
 * From the outside in, a thread may take:
 *
 * 1. &vshare_engine.submit_lock, while SUBMIT gives a job its place on the
 *    timeline and publishes its fence;
 * 2. the reservation locks of buffers (several at once with a ww context),
 *    which protect &vshare_bo.pin_count, &vshare_bo.vmap_count and
 *    &vshare_bo.vaddr, &vshare_bo.dmabuf, &vshare_bo.sgt of imports, and
 *    &vshare_bo.revoked for writing (see 3.);
 * 3. &vshare_bo.lock, which keeps a move from swapping the pages under a
 *    CPU page fault (the fault path takes it under the mmap lock);
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
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_gem.h>

#define DRIVER_NAME	"vshare"
#define DRIVER_DESC	"Virtual dma-buf exporter"

/* Pages in one PMD (2 MiB on x86-64), the largest run vshare allocates. */
#define VSHARE_HUGE_PAGES	(1UL << (PMD_SHIFT - PAGE_SHIFT))

struct dma_buf;
struct dma_buf_attachment;
struct dma_fence;
struct dma_fence_ops;
struct drm_mode_create_dumb;
struct iosys_map;
struct platform_device;
struct sg_table;

/* Jobs an engine holds at most, queued or running: SUBMIT says -EBUSY then. */
#define VSHARE_MAX_JOBS		64

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
 * @bos_lock: protects @bos
 * @bos: every live buffer object of the device, for debugfs
 * @next_id: id of the next buffer object
 * @engine: the virtual engine
 */
struct vshare_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct vshare_engine engine;
	struct mutex bos_lock; /* protects bos */
	struct list_head bos;
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
 * @pages: one entry per PAGE_SIZE page
 * @huge: bitmap of the PMD-sized chunks that are one aligned 2 MiB block
 * @runs: number of physically contiguous runs of @pages, 0 until all of
 *	them are allocated
 */
struct vshare_backing {
	struct page **pages;
	unsigned long *huge;
	unsigned long runs;
};

/**
 * struct vshare_bo - a vshare buffer object
 * @base: the GEM object, embedded
 * @node: entry in &vshare_device.bos
 * @id: number shown in debugfs
 * @flags: VSHARE_CREATE_* flags
 * @backing: the pages of a native buffer; none for imported objects
 * @dmabuf: the dma-buf this native buffer is exported as, until that
 *	dma-buf is released (unlike &drm_gem_object.dma_buf, which DRM core
 *	clears when the last handle goes); protected by the reservation lock
 * @readonly: an import of a dma-buf opened read-only: vshare never writes
 *	it nor maps it writable
 * @sgt: for imported objects, the exporter's mapping of the buffer; NULL
 *	while invalidated, protected by the reservation lock
 * @lock: protects the pages against faults during a move
 * @mappings_lock: protects @mappings; a spinlock, so that engine jobs can
 *	do cache maintenance in their fence signalling path
 * @pin_count: static importers that pinned the buffer (reservation lock)
 * @revoked: the memory was taken away (vshare_bo_revoke())
 * @moves: times the buffer was given new pages (vshare_bo_move())
 * @mappings: active DMA mappings (&struct vshare_mapping) of attachments
 * @vaddr: kernel mapping, valid while @vmap_count is non-zero
 * @vmap_count: users of @vaddr, protected by the reservation lock
 * @attachments: current dma-buf attachments
 * @maps: current DMA mappings of attachments
 * @faults: CPU page faults served (4 KiB and 2 MiB)
 * @pmd_faults: of @faults, those served with a 2 MiB mapping
 * @syncs: begin/end_cpu_access calls
 */
struct vshare_bo {
	struct drm_gem_object base;
	struct list_head node;
	u32 id;
	u32 flags;
	struct vshare_backing backing;
	struct dma_buf *dmabuf;
	bool readonly;
	struct sg_table *sgt;
	struct mutex lock; /* protects the pages against faults */
	spinlock_t mappings_lock; /* protects mappings */
	unsigned int pin_count;
	bool revoked;
	atomic_t moves;
	struct list_head mappings;
	void *vaddr;
	unsigned int vmap_count;
	atomic_t attachments;
	atomic_t maps;
	atomic64_t faults;
	atomic64_t pmd_faults;
	atomic64_t syncs;
};

static inline struct vshare_bo *to_vshare_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vshare_bo, base);
}

/**
 * struct vshare_mapping - one DMA mapping of a vshare buffer
 * @node: entry in &vshare_bo.mappings
 * @attach: the attachment it was made for
 * @dev: the importing device
 * @sgt: the mapped table returned to the importer
 * @dir: the direction it was mapped for
 */
struct vshare_mapping {
	struct list_head node;
	struct dma_buf_attachment *attach;
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

/* vshare_gem.c */
struct vshare_bo *vshare_bo_alloc(struct drm_device *dev, size_t size);
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size,
				   u32 flags);
int vshare_backing_alloc(struct vshare_bo *bo, struct vshare_backing *b);
void vshare_backing_free(struct vshare_bo *bo, struct vshare_backing *b);
int vshare_bo_vmap_pages(struct vshare_bo *bo, struct iosys_map *map);
int vshare_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma);
int vshare_bo_check_range(struct drm_gem_object *obj, u64 offset, u64 size);
unsigned long vshare_get_unmapped_area(struct file *filp, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags);
u64 vshare_mem_used(void);
u64 vshare_mem_limit(void);
int vshare_mem_charge(u64 size);
void vshare_mem_uncharge(u64 size);
int vshare_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);
int vshare_map_offset_ioctl(struct drm_device *dev, void *data,
			    struct drm_file *file);
int vshare_dumb_create(struct drm_file *file, struct drm_device *dev,
		       struct drm_mode_create_dumb *args);

/* vshare_dmabuf.c */
struct dma_buf *vshare_gem_prime_export(struct drm_gem_object *obj, int flags);
struct drm_gem_object *vshare_gem_prime_import(struct drm_device *dev,
					       struct dma_buf *dmabuf);
void vshare_bo_begin_cpu_access(struct vshare_bo *bo,
				enum dma_data_direction dir);
void vshare_bo_end_cpu_access(struct vshare_bo *bo,
			      enum dma_data_direction dir);

/* vshare_drv.c */
struct vshare_device *vshare_device_get(unsigned int index);

/* vshare_import.c */
struct drm_gem_object *vshare_import_dynamic(struct drm_device *dev,
					     struct dma_buf *dmabuf);
int vshare_import_revalidate(struct vshare_bo *bo);
void vshare_import_release(struct vshare_bo *bo);

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

/**
 * enum vshare_fault - the operations fault injection can make fail
 * @VSHARE_FAULT_ALLOC: allocation of one block of a buffer's pages
 * @VSHARE_FAULT_EXPORT: PRIME export of a buffer
 * @VSHARE_FAULT_ATTACH: dma-buf attach
 * @VSHARE_FAULT_MAP: dma-buf map_dma_buf
 * @VSHARE_FAULT_VMAP: kernel mapping of a native buffer
 * @VSHARE_FAULT_MMAP: mmap of a buffer, through DRM or the dma-buf
 * @VSHARE_FAULT_CPU_ACCESS: dma-buf begin_cpu_access
 * @VSHARE_FAULT_COUNT: number of points
 */
enum vshare_fault {
	VSHARE_FAULT_ALLOC,
	VSHARE_FAULT_EXPORT,
	VSHARE_FAULT_ATTACH,
	VSHARE_FAULT_MAP,
	VSHARE_FAULT_VMAP,
	VSHARE_FAULT_MMAP,
	VSHARE_FAULT_CPU_ACCESS,
	VSHARE_FAULT_COUNT
};

/* vshare_fault.c */
#ifdef CONFIG_FAULT_INJECTION
bool vshare_should_fail(enum vshare_fault point);
void vshare_fault_init(void);
void vshare_fault_fini(void);
#else
static inline bool vshare_should_fail(enum vshare_fault point)
{
	return false;
}

static inline void vshare_fault_init(void) { }
static inline void vshare_fault_fini(void) { }
#endif

#endif /* _VSHARE_DRV_H_ */
