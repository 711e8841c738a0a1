// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_fence: vgem-compatible fences on vshare buffers, and the implicit
 * synchronisation they drive: poll(2) on the dma-buf, sync_file export and
 * import, another device (vgem) seeing the buffer busy, expiry, errnos.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

/* vgem's FENCE_ATTACH ABI (include/uapi/drm/vgem_drm.h), for the peer. */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};
#define VGEM_IOCTL_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 1, struct vgem_fence_attach)

static uint32_t attach(int fd, uint32_t handle, uint32_t flags)
{
	uint32_t id = 0;

	igt_assert_eq(__vshare_fence_attach(fd, handle, flags, 0, &id), 0);
	igt_assert(id);
	return id;
}

static int __signal(int fd, uint32_t id, uint32_t flags)
{
	struct drm_vshare_fence_signal arg = { .fence = id, .flags = flags };

	return igt_ioctl(fd, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &arg) ? -errno : 0;
}

static int sync_file_status(int sync_fd)
{
	struct sync_file_info info = { 0 };

	do_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	return info.status;
}

static int export_sync_file(int dmabuf, uint32_t flags)
{
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };

	do_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg);
	igt_assert(arg.fd >= 0);
	return arg.fd;
}

int igt_main()
{
	uint32_t handle = 0;
	int fd = -1, dmabuf = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("A read fence blocks writers only; signaling frees the buffer.");
	igt_subtest("read-fence-poll") {
		uint32_t id;

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN | POLLOUT);
		id = attach(fd, handle, 0);
		igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN);
		igt_assert_eq(__signal(fd, id, 0), 0);
		igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN | POLLOUT);
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("A write fence blocks readers and writers.");
	igt_subtest("write-fence-poll") {
		uint32_t id;

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		id = attach(fd, handle, VSHARE_FENCE_WRITE);
		igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), 0);
		igt_assert_eq(__signal(fd, id, 0), 0);
		igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN | POLLOUT);
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("Conflicting fences are refused with EBUSY, as in vgem.");
	igt_subtest("conflicts") {
		uint32_t r1, r2, w;

		handle = vshare_create(fd, 4096);
		r1 = attach(fd, handle, 0);
		r2 = attach(fd, handle, 0);
		igt_assert_neq(r1, r2);
		igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE, 0, NULL), -EBUSY);
		igt_assert_eq(__signal(fd, r1, 0), 0);
		igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE, 0, NULL), -EBUSY);
		igt_assert_eq(__signal(fd, r2, 0), 0);
		w = attach(fd, handle, VSHARE_FENCE_WRITE);
		igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 0, NULL), -EBUSY);
		igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE, 0, NULL), -EBUSY);
		igt_assert_eq(__signal(fd, w, 0), 0);
		gem_close(fd, handle);
	}

	igt_subtest("bad-args") {
		uint32_t id;

		handle = vshare_create(fd, 4096);
		igt_assert_eq(__vshare_fence_attach(fd, handle, 1u << 2, 0, NULL), -EINVAL);
		igt_assert_eq(__vshare_fence_attach(fd, handle, ~0u, 0, NULL), -EINVAL);
		igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 100, NULL), -EINVAL);
		igt_assert_eq(__vshare_fence_attach(fd, 0x7fff, 0, 0, NULL), -ENOENT);
		igt_assert_eq(__signal(fd, 0, 0), -ENOENT);
		igt_assert_eq(__signal(fd, 0x7fff, 0), -ENOENT);
		id = attach(fd, handle, 0);
		igt_assert_eq(__signal(fd, id, 1), -EINVAL);
		igt_assert_eq(__signal(fd, id, 0), 0);
		igt_assert_eq(__signal(fd, id, 0), -ENOENT);
		gem_close(fd, handle);
	}

	igt_describe("A fence expires after its own timeout, with ETIMEDOUT.");
	igt_subtest("expiry-per-fence") {
		struct timespec start, end;
		uint32_t id;
		int sync_fd;
		double ms;

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		clock_gettime(CLOCK_MONOTONIC, &start);
		igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE |
				       VSHARE_FENCE_TIMEOUT, 300, &id), 0);
		sync_fd = export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
		igt_assert_eq(sync_file_status(sync_fd), 0);
		igt_assert(ready_within(dmabuf, POLLIN, 5000));
		clock_gettime(CLOCK_MONOTONIC, &end);
		ms = (end.tv_sec - start.tv_sec) * 1e3 +
		     (end.tv_nsec - start.tv_nsec) / 1e6;
		igt_info("fence expired after %.0f ms (timeout 300 ms)\n", ms);
		igt_assert(ms >= 290);
		igt_assert_eq(sync_file_status(sync_fd), -ETIMEDOUT);
		igt_assert_eq(__signal(fd, id, 0), -ETIMEDOUT);
		close(sync_fd);
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("Without a timeout, the module parameter sets the expiry.");
	igt_subtest("expiry-module-default") {
		unsigned int saved = vshare_param("fence_timeout_ms");
		uint32_t id;

		vshare_set_param("fence_timeout_ms", 200);
		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		id = attach(fd, handle, VSHARE_FENCE_WRITE);
		vshare_set_param("fence_timeout_ms", saved);
		igt_assert_eq(poll_now(dmabuf, POLLIN), 0);
		igt_assert(ready_within(dmabuf, POLLIN, 5000));
		igt_assert_eq(__signal(fd, id, 0), -ETIMEDOUT);
		/* A zero timeout is already expired. */
		igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_TIMEOUT, 0, &id), 0);
		igt_assert(ready_within(dmabuf, POLLOUT, 5000));
		igt_assert_eq(__signal(fd, id, 0), -ETIMEDOUT);
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("EXPORT_SYNC_FILE snapshots the fences; later ones are not in it.");
	igt_subtest("export-sync-file") {
		int rd, wr, empty;
		uint32_t id, id2;

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		empty = export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
		igt_assert_eq(sync_file_status(empty), 1);

		id = attach(fd, handle, 0);
		rd = export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
		wr = export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
		/* Readers wait for writers only: a read fence leaves them free. */
		igt_assert_eq(sync_file_status(rd), 1);
		igt_assert_eq(sync_file_status(wr), 0);
		igt_assert_eq(poll_now(wr, POLLIN), 0);

		id2 = attach(fd, handle, 0);
		igt_assert_eq(__signal(fd, id, 0), 0);
		/* The snapshot is complete although a newer fence is pending. */
		igt_assert(ready_within(wr, POLLIN, 1000));
		igt_assert_eq(sync_file_status(wr), 1);
		igt_assert_eq(poll_now(dmabuf, POLLOUT), 0);
		igt_assert_eq(__signal(fd, id2, 0), 0);
		close(rd);
		close(wr);
		close(empty);
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("IMPORT_SYNC_FILE makes the buffer wait for a foreign fence.");
	igt_subtest("import-sync-file") {
		struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
		int timeline = sw_sync_timeline();
		int in = sw_sync_fence(timeline);

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		imp.fd = in;
		do_ioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp);
		igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), 0);
		/* vshare's own FENCE_ATTACH sees the foreign write fence too. */
		igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 0, NULL), -EBUSY);
		sw_sync_inc(timeline);
		igt_assert(ready_within(dmabuf, POLLIN | POLLOUT, 1000));
		close(in);
		close(timeline);
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("vgem importing a busy vshare buffer sees the same fences.");
	igt_subtest("peer-sees-fence") {
		struct vgem_fence_attach va = { .flags = 1 /* VGEM_FENCE_WRITE */ };
		int vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
		uint32_t id;

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		va.handle = prime_fd_to_handle(vgem, dmabuf);
		id = attach(fd, handle, VSHARE_FENCE_WRITE);
		do_ioctl_err(vgem, VGEM_IOCTL_FENCE_ATTACH, &va, EBUSY);
		igt_assert_eq(__signal(fd, id, 0), 0);
		do_ioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &va);
		/* And vgem's fence is seen by vshare. */
		igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 0, NULL), -EBUSY);
		igt_assert_eq(poll_now(dmabuf, POLLIN), 0);
		close(vgem);	/* vgem signals its fences on close. */
		igt_assert(ready_within(dmabuf, POLLIN | POLLOUT, 1000));
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("Closing the file that attached a fence signals it.");
	igt_subtest("close-signals") {
		int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
		uint32_t theirs;

		handle = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
		theirs = prime_fd_to_handle(other, dmabuf);
		attach(other, theirs, VSHARE_FENCE_WRITE);
		igt_assert_eq(poll_now(dmabuf, POLLIN), 0);
		close(other);
		igt_assert(ready_within(dmabuf, POLLIN | POLLOUT, 1000));
		close(dmabuf);
		gem_close(fd, handle);
	}

	igt_describe("DRIVER_SYNCOBJ: syncobjs can be created on vshare.");
	igt_subtest("syncobj-create") {
		struct drm_syncobj_create create = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
		struct drm_syncobj_destroy destroy = { 0 };
		struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ_TIMELINE };

		do_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create);
		igt_assert(create.handle);
		destroy.handle = create.handle;
		do_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &destroy);
		do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &destroy, EINVAL);
		do_ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
		igt_assert_eq_u64(cap.value, 1);
	}

	igt_fixture() {
		drm_close(fd);
	}
}
