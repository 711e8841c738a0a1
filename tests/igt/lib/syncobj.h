/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * DRM syncobj helpers: binary and timeline syncobjs, their points, and the
 * sync_files they are exported to and imported from.
 */

#ifndef VSHARE_SYNCOBJ_H
#define VSHARE_SYNCOBJ_H

#include <stdint.h>

#include <drm.h>

/*
 * Linux 7.x: SYNCOBJ_HANDLE_TO_FD and FD_TO_HANDLE with EXPORT/IMPORT_SYNC_FILE
 * take a timeline point with these flags, in a field that older kernels'
 * struct drm_syncobj_handle does not have; they refuse the flags (EINVAL).
 */
#ifndef DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE
#define DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE	(1 << 1)
#endif
#ifndef DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE	(1 << 1)
#endif

uint32_t syncobj_create(int fd, uint32_t flags);
void syncobj_destroy(int fd, uint32_t handle);
int __syncobj_timeline_wait(int fd, uint32_t handle, uint64_t point,
			    int timeout_ms, uint32_t flags);
uint64_t syncobj_query(int fd, uint32_t handle, uint32_t flags);
void syncobj_timeline_signal(int fd, uint32_t handle, uint64_t point);
void syncobj_transfer(int fd, uint32_t dst, uint64_t dst_point,
		      uint32_t src, uint64_t src_point);
int syncobj_export_sync_file(int fd, uint32_t handle);
void syncobj_import_sync_file(int fd, uint32_t handle, int sync_fd);
int __syncobj_export_point(int fd, uint32_t handle, uint64_t point,
			   int *sync_fd);
int __syncobj_import_point(int fd, uint32_t handle, uint64_t point,
			   int sync_fd);

#endif /* VSHARE_SYNCOBJ_H */
