/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * vgem's fence ABI (include/uapi/drm/vgem_drm.h), which the uapi headers
 * we build against do not carry: vgem is the peer driver of the tests.
 */

#ifndef VSHARE_VGEM_H
#define VSHARE_VGEM_H

#include <stdint.h>

#include <drm.h>

struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};

struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define VGEM_FENCE_WRITE	(1u << 0)
#define VGEM_IOCTL_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 2, struct vgem_fence_signal)

#endif /* VSHARE_VGEM_H */
