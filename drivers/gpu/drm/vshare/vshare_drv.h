/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 */

#ifndef _VSHARE_DRV_H_
#define _VSHARE_DRV_H_

#include <drm/drm_device.h>
#include <drm/drm_gem.h>

#define DRIVER_NAME	"vshare"
#define DRIVER_DESC	"Virtual dma-buf exporter"

struct drm_mode_create_dumb;
struct platform_device;

/**
 * struct vshare_device - one vshare DRM device
 * @drm: the DRM device, embedded
 * @pdev: the platform device carrying the DMA mask importers map against
 */
struct vshare_device {
	struct drm_device drm;
	struct platform_device *pdev;
};

/**
 * struct vshare_bo - a vshare buffer object
 * @base: the GEM object, embedded
 * @pages: one entry per PAGE_SIZE page; NULL for imported objects
 * @sgt: for imported objects, the exporter's mapping of the buffer
 * @vaddr: kernel mapping, valid while @vmap_count is non-zero
 * @vmap_count: users of @vaddr, protected by the reservation lock
 */
struct vshare_bo {
	struct drm_gem_object base;
	struct page **pages;
	struct sg_table *sgt;
	void *vaddr;
	unsigned int vmap_count;
};

static inline struct vshare_bo *to_vshare_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vshare_bo, base);
}

struct vshare_bo *vshare_bo_alloc(struct drm_device *dev, size_t size);
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size);
int vshare_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);
int vshare_map_offset_ioctl(struct drm_device *dev, void *data,
			    struct drm_file *file);
int vshare_dumb_create(struct drm_file *file, struct drm_device *dev,
		       struct drm_mode_create_dumb *args);

struct drm_gem_object *
vshare_prime_import_sg_table(struct drm_device *dev,
			     struct dma_buf_attachment *attach,
			     struct sg_table *sgt);

#endif /* _VSHARE_DRV_H_ */
