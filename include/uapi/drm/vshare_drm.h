/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 */

#ifndef _UAPI_VSHARE_DRM_H_
#define _UAPI_VSHARE_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vshare uapi
 *
 * vshare is a virtual DRM device whose purpose is to export buffers as
 * dma-bufs. Buffers are created with &DRM_IOCTL_VSHARE_CREATE on the render
 * or card node (dumb buffers work on the card node too), mapped into the
 * caller with &DRM_IOCTL_VSHARE_MAP_OFFSET and mmap(2) on the DRM fd, and
 * shared with DRM_IOCTL_PRIME_HANDLE_TO_FD.
 *
 * Every ioctl rejects unknown flags and non-zero padding with -EINVAL, so
 * that fields and flags can be given a meaning later without breaking old
 * binaries.
 */

#define DRM_VSHARE_CREATE		0x00
#define DRM_VSHARE_MAP_OFFSET		0x01

#define DRM_IOCTL_VSHARE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_CREATE, struct drm_vshare_create)
#define DRM_IOCTL_VSHARE_MAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_MAP_OFFSET, \
		 struct drm_vshare_map_offset)

/**
 * struct drm_vshare_create - create a vshare buffer object
 *
 * The buffer is zero-filled. Its size is @size rounded up to the page size.
 */
struct drm_vshare_create {
	/**
	 * @size: in: requested size in bytes, not zero; out: the size actually
	 * allocated (page aligned). A size larger than the memory vshare may
	 * use fails with -ENOMEM.
	 */
	__u64 size;
	/** @flags: in: creation flags, must be 0 for now. */
	__u32 flags;
	/** @handle: out: GEM handle of the new object, local to the file. */
	__u32 handle;
};

/**
 * struct drm_vshare_map_offset - get the mmap offset of a buffer
 *
 * The returned offset is passed to mmap(2) on the DRM file descriptor the
 * handle belongs to. A buffer imported from another exporter is mapped
 * through its exporter (as mmap(2) of its dma-buf would do).
 */
struct drm_vshare_map_offset {
	/** @handle: in: GEM handle of the buffer. */
	__u32 handle;
	/** @pad: must be 0. */
	__u32 pad;
	/** @offset: out: fake offset to pass to mmap(2). */
	__u64 offset;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VSHARE_DRM_H_ */
