// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Native GEM objects: their functions, their creation, and the ioctls
 * that create them and map them.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/overflow.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/drm_vma_manager.h>
#include <drm/vshare_drm.h>

#include "vshare_drv.h"

static void vshare_gem_free(struct drm_gem_object *obj)
{
	struct vshare_bo *bo = to_vshare_bo(obj);

	drm_WARN_ON(obj->dev, bo->vmap_count);
	drm_WARN_ON(obj->dev, vshare_bo_is_mapped(bo));
	vshare_backing_free(&bo->backing);
	vshare_dmem_uncharge(bo->dmem_pool, obj->size);
	vshare_mem_uncharge(to_vshare_device(obj->dev), obj->size);
	vshare_bo_release(bo);
}

/* vshare's own kernel mappings (ACCESS, engine jobs). */
static int vshare_gem_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	if (vshare_inject_fail(VSHARE_INJECT_VMAP))
		return -ENOMEM;
	return vshare_bo_vmap_locked(to_vshare_bo(obj), map);
}

static void vshare_gem_vunmap(struct drm_gem_object *obj,
			      struct iosys_map *map)
{
	vshare_bo_vunmap_locked(to_vshare_bo(obj), map);
}

/* A lazy buffer counts as resident in fdinfo once it has all its pages. */
static enum drm_gem_object_status vshare_gem_status(struct drm_gem_object *obj)
{
	struct vshare_backing *b = &to_vshare_bo(obj)->backing;

	return READ_ONCE(b->populated) == b->npages ? DRM_GEM_OBJECT_RESIDENT : 0;
}

static const struct drm_gem_object_funcs vshare_gem_funcs = {
	.free = vshare_gem_free,
	.export = vshare_gem_prime_export,
	.vmap = vshare_gem_vmap,
	.vunmap = vshare_gem_vunmap,
	.mmap = vshare_bo_mmap,
	.status = vshare_gem_status,
	.vm_ops = &vshare_vm_ops,
};

/*
 * What the device's configuration makes of a request: the caching and
 * allocation it imposes, and the size rounded to its alignment.
 */
static int vshare_bo_constrain(const struct vshare_config *cfg, u64 *size,
			       u32 *flags)
{
	if (!*size || (*flags & ~VSHARE_CREATE_FLAGS) ||
	    *size > U64_MAX - cfg->size_align + 1)
		return -EINVAL;
	if (cfg->caching == VSHARE_CACHING_CACHED && (*flags & VSHARE_CREATE_WC))
		return -EINVAL;
	if (cfg->caching == VSHARE_CACHING_WC)
		*flags |= VSHARE_CREATE_WC;
	if (cfg->alloc == VSHARE_ALLOC_CONTIGUOUS)
		*flags |= VSHARE_CREATE_CONTIGUOUS;
	*size = round_up(*size, cfg->size_align);
	if (cfg->max_buffer_size && *size > cfg->max_buffer_size)
		return -E2BIG;
	return 0;
}

/* Pages out of a device's DMA reach come from the first 4 GiB instead. */
static gfp_t vshare_bo_zone(struct vshare_device *vdev)
{
	u64 mask = DMA_BIT_MASK(vdev->config.dma_mask_bits);

	return mask < dma_get_required_mask(&vdev->pdev->dev) ? __GFP_DMA32 :
								__GFP_HIGHMEM;
}

/**
 * vshare_bo_create - allocate a zero-filled buffer object
 * @dev: the vshare DRM device
 * @size: size in bytes, not zero
 * @flags: VSHARE_CREATE_* flags
 *
 * The device's configuration decides the rest: size alignment and limit,
 * caching, contiguous or lazy allocation, where the pages may lie.
 *
 * Returns: the new object with one reference, or an ERR_PTR: -EINVAL for a
 * zero size, unknown flags or a caching the device does not offer; -E2BIG
 * beyond the device's largest buffer; -ENOMEM when the memory cannot be
 * had or is over vshare's limits.
 */
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size, u32 flags)
{
	struct vshare_device *vdev = to_vshare_device(dev);
	struct vshare_bo *bo;
	bool lazy;
	int ret;

	ret = vshare_bo_constrain(&vdev->config, &size, &flags);
	if (ret)
		return ERR_PTR(ret);
	/* Never ask for more than the machine has: fail, don't warn. */
	if (size >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);
	ret = vshare_mem_charge(vdev, size);
	if (ret)
		return ERR_PTR(ret);

	bo = vshare_bo_alloc(dev, size, &vshare_gem_funcs);
	if (IS_ERR(bo)) {
		vshare_mem_uncharge(vdev, size);
		return bo;
	}
	bo->flags = flags;

	/* From here on, vshare_gem_free() undoes whatever was done. */
	lazy = vdev->config.alloc == VSHARE_ALLOC_LAZY;
	ret = vshare_dmem_charge(vdev, size, &bo->dmem_pool);
	if (!ret)
		ret = vshare_backing_alloc(&bo->backing, size >> PAGE_SHIFT,
					   flags, vshare_bo_zone(vdev), lazy);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	/* The mmap offset is made when first needed: creation stays cheap. */
	return bo;
}

static int vshare_create_handle(struct drm_file *file, struct drm_device *dev,
				u64 *size, u32 flags, u32 *handle)
{
	struct vshare_bo *bo;
	int ret;

	bo = vshare_bo_create(dev, *size, flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	*size = bo->base.size;
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
	u64 size = args->size;
	int ret;

	ret = vshare_create_handle(file, dev, &size, args->flags,
				   &args->handle);
	if (!ret)
		args->size = size;
	return ret;
}

/**
 * vshare_create_dmabuf_ioctl - create a buffer as a dma-buf
 * @dev: the vshare device
 * @data: &struct drm_vshare_create_dmabuf
 * @file: the DRM file of the caller, which gets no handle
 *
 * Implements &DRM_IOCTL_VSHARE_CREATE_DMABUF: the one-call path a dma-buf
 * heap offers, for callers that only want to share the buffer.
 *
 * Returns: 0; -EINVAL for a zero size, unknown flags or non-zero padding;
 * -E2BIG; -ENOMEM; -EMFILE when the caller has no descriptor free.
 */
int vshare_create_dmabuf_ioctl(struct drm_device *dev, void *data,
			       struct drm_file *file)
{
	struct drm_vshare_create_dmabuf *args = data;
	struct dma_buf *dmabuf;
	struct vshare_bo *bo;
	int fd;

	if (args->pad || args->fd_flags & ~(DRM_CLOEXEC | DRM_RDWR))
		return -EINVAL;
	bo = vshare_bo_create(dev, args->size, args->flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	dmabuf = vshare_gem_prime_export(&bo->base, args->fd_flags);
	/* The dma-buf holds the buffer now, or it is freed here. */
	args->size = bo->base.size;
	drm_gem_object_put(&bo->base);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = dma_buf_fd(dmabuf, args->fd_flags & DRM_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	args->fd = fd;
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
 * Implements &DRM_IOCTL_MODE_CREATE_DUMB, with the device's pitch
 * alignment (64 bytes by default, what scanout engines commonly want).
 *
 * Returns: 0; -EINVAL for bad sizes or flags; -E2BIG; -ENOMEM.
 */
int vshare_dumb_create(struct drm_file *file, struct drm_device *dev,
		       struct drm_mode_create_dumb *args)
{
	u32 align = to_vshare_device(dev)->config.pitch_align;
	u32 pitch;
	u64 size;
	int ret;

	if (!args->width || !args->height || !args->bpp || args->flags)
		return -EINVAL;
	if (check_mul_overflow(args->width, DIV_ROUND_UP(args->bpp, 8), &pitch) ||
	    check_add_overflow(pitch, align - 1, &pitch))
		return -EINVAL;
	pitch = ALIGN_DOWN(pitch, align);
	size = (u64)pitch * args->height;

	ret = vshare_create_handle(file, dev, &size, 0, &args->handle);
	if (ret)
		return ret;
	args->pitch = pitch;
	args->size = size;
	return 0;
}
