// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>

#include "igt.h"
#include "syncobj.h"

uint32_t syncobj_create(int fd, uint32_t flags)
{
	struct drm_syncobj_create arg = { .flags = flags };

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &arg);
	igt_assert(arg.handle);
	return arg.handle;
}

void syncobj_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy arg = { .handle = handle };

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &arg);
}

/*
 * Waits for @point of @handle (0 for a binary syncobj) for @timeout_ms
 * (0: not at all, < 0: for ever), with DRM_SYNCOBJ_WAIT_FLAGS_* @flags.
 * 0, -ETIME when the time is up, or another -errno. No assertion.
 */
int __syncobj_timeline_wait(int fd, uint32_t handle, uint64_t point,
			    int timeout_ms, uint32_t flags)
{
	struct drm_syncobj_timeline_wait arg = {
		.handles = (uintptr_t)&handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
		.flags = flags,
	};
	struct timespec now;

	/* The timeout is absolute, on the monotonic clock. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (timeout_ms < 0)
		arg.timeout_nsec = INT64_MAX;
	else if (timeout_ms > 0)
		arg.timeout_nsec = now.tv_sec * 1000000000ll + now.tv_nsec +
				   timeout_ms * 1000000ll;
	return igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &arg) ?
	       -errno : 0;
}

/*
 * The last signaled point of a timeline, or with
 * DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED the last point it has a fence for.
 */
uint64_t syncobj_query(int fd, uint32_t handle, uint32_t flags)
{
	uint64_t point = 0;
	struct drm_syncobj_timeline_array arg = {
		.handles = (uintptr_t)&handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
		.flags = flags,
	};

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &arg);
	return point;
}

/* Signals @point of a timeline now (a signaled fence at that point). */
void syncobj_timeline_signal(int fd, uint32_t handle, uint64_t point)
{
	struct drm_syncobj_timeline_array arg = {
		.handles = (uintptr_t)&handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
	};

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &arg);
}

/*
 * The fence of @src_point of @src (0: a binary syncobj's) becomes that of
 * @dst_point of @dst (0: replaces a binary syncobj's fence).
 */
void syncobj_transfer(int fd, uint32_t dst, uint64_t dst_point,
		      uint32_t src, uint64_t src_point)
{
	struct drm_syncobj_transfer arg = {
		.src_handle = src, .src_point = src_point,
		.dst_handle = dst, .dst_point = dst_point,
	};

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &arg);
}

/* A binary syncobj's fence as a new sync_file. */
int syncobj_export_sync_file(int fd, uint32_t handle)
{
	struct drm_syncobj_handle arg = {
		.handle = handle,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &arg);
	igt_assert_lte(0, arg.fd);
	return arg.fd;
}

/* A sync_file's fence replaces a binary syncobj's. */
void syncobj_import_sync_file(int fd, uint32_t handle, int sync_fd)
{
	struct drm_syncobj_handle arg = {
		.handle = handle,
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = sync_fd,
	};

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &arg);
}

/* struct drm_syncobj_handle as Linux 7.x has it, with the point. */
struct syncobj_handle_point {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
	uint32_t pad;
	uint64_t point;
};

#define SYNCOBJ_HANDLE_TO_FD_POINT \
	DRM_IOWR(0xC1, struct syncobj_handle_point)
#define SYNCOBJ_FD_TO_HANDLE_POINT \
	DRM_IOWR(0xC2, struct syncobj_handle_point)

/*
 * The fence of @point of a timeline as a new sync_file, in one ioctl
 * (DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE): 0 or -errno, -EINVAL on
 * kernels without the flag. No assertion.
 */
int __syncobj_export_point(int fd, uint32_t handle, uint64_t point,
			   int *sync_fd)
{
	struct syncobj_handle_point arg = {
		.handle = handle,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE |
			 DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
		.fd = -1,
		.point = point,
	};

	if (igt_ioctl(fd, SYNCOBJ_HANDLE_TO_FD_POINT, &arg))
		return -errno;
	*sync_fd = arg.fd;
	return 0;
}

/*
 * A sync_file's fence becomes @point of a timeline, in one ioctl
 * (DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE): 0 or -errno, -EINVAL on
 * kernels without the flag. No assertion.
 */
int __syncobj_import_point(int fd, uint32_t handle, uint64_t point,
			   int sync_fd)
{
	struct syncobj_handle_point arg = {
		.handle = handle,
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE |
			 DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
		.fd = sync_fd,
		.point = point,
	};

	return igt_ioctl(fd, SYNCOBJ_FD_TO_HANDLE_POINT, &arg) ? -errno : 0;
}
