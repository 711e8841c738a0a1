// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Native GEM objects: their functions, their creation, and the ioctls
 * that create them and map them.
 */

#include <linux/mm.h>
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
	vshare_backing_free(&bo->backing, bo->flags);
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

static enum drm_gem_object_status vshare_gem_status(struct drm_gem_object *obj)
{
	return DRM_GEM_OBJECT_RESIDENT;
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

/**
 * vshare_bo_create - allocate a zero-filled buffer object
 * @dev: the vshare DRM device
 * @size: size in bytes, not zero
 * @flags: VSHARE_CREATE_* flags
 *
 * Returns: the new object with one reference, or an ERR_PTR: -EINVAL for a
 * zero size or unknown flags, -ENOMEM when the memory cannot be had or is
 * over vshare's limits.
 */
struct vshare_bo *vshare_bo_create(struct drm_device *dev, u64 size, u32 flags)
{
	struct vshare_device *vdev = to_vshare_device(dev);
	struct vshare_bo *bo;
	int ret;

	if (!size || size > U64_MAX - PAGE_SIZE + 1 ||
	    (flags & ~VSHARE_CREATE_FLAGS))
		return ERR_PTR(-EINVAL);
	size = PAGE_ALIGN(size);
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
	ret = vshare_backing_alloc(&bo->backing, size >> PAGE_SHIFT, flags);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	/* The mmap offset is made when first needed: creation stays cheap. */
	return bo;
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
