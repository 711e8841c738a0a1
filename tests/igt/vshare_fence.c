// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_fence: vgem-compatible fences on vshare buffers, and the implicit
 * synchronisation they drive: poll(2) on the dma-buf, sync_file export and
 * import, another device (vgem) seeing the buffer busy, expiry, errnos.
 */

/**
 * TEST: vshare fence
 * Category: Core
 * Description: vgem-compatible fences on vshare buffers and the implicit
 *	synchronisation they drive.
 *
 * SUBTEST: read-fence-poll
 * Description: With a read fence attached, the dma-buf polls readable,
 *	not writable, until FENCE_SIGNAL.
 *
 * SUBTEST: write-fence-poll
 * Description: With a write fence attached, the dma-buf polls neither
 *	readable nor writable until FENCE_SIGNAL.
 *
 * SUBTEST: conflicts
 * Description: Read fences share a buffer; a write fence is EBUSY while
 *	one is pending, and a pending write fence makes any new fence EBUSY.
 *
 * SUBTEST: bad-args
 * Description: Unknown flags, a timeout without VSHARE_FENCE_TIMEOUT and
 *	unknown handles or fence ids are refused; a fence signals once.
 *
 * SUBTEST: expiry-per-fence
 * Description: A write fence with a 300 ms timeout signals with
 *	ETIMEDOUT no sooner than that, in a sync_file too; FENCE_SIGNAL then
 *	returns ETIMEDOUT.
 *
 * SUBTEST: expiry-module-default
 * Description: A fence without a timeout expires after fence_timeout_ms;
 *	a zero timeout has already expired.
 *
 * SUBTEST: export-sync-file
 * Description: DMA_BUF_IOCTL_EXPORT_SYNC_FILE for writers holds the read
 *	fences of the moment, for readers none; it signals when they do,
 *	however many fences come later.
 *
 * SUBTEST: import-sync-file
 * Description: A sw_sync fence imported as a write fence makes the
 *	dma-buf busy and FENCE_ATTACH EBUSY until it signals.
 *
 * SUBTEST: peer-sees-fence
 * Description: vgem cannot attach a fence to its import of a vshare
 *	buffer with a pending write fence, and vshare sees vgem's.
 *
 * SUBTEST: close-signals
 * Description: A write fence attached by another file signals when that
 *	file is closed.
 *
 * SUBTEST: syncobj-create
 * Description: DRIVER_SYNCOBJ: a syncobj is created and destroyed once,
 *	and DRM_CAP_SYNCOBJ_TIMELINE is 1.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"
#include "vgem.h"
#include "vshare_lib.h"

static uint32_t attach(int fd, uint32_t handle, uint32_t flags)
{
	uint32_t id = 0;

	igt_assert_eq(__vshare_fence_attach(fd, handle, flags, 0, &id), 0);
	igt_assert(id);
	return id;
}

static void test_read_fence_poll(int fd)
{
	uint32_t handle, id;
	int dmabuf;

	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN | POLLOUT);
	id = attach(fd, handle, 0);
	igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), 0);
	igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN | POLLOUT);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_write_fence_poll(int fd)
{
	uint32_t handle, id;
	int dmabuf;

	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	id = attach(fd, handle, VSHARE_FENCE_WRITE);
	igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), 0);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), 0);
	igt_assert_eq(poll_now(dmabuf, POLLIN | POLLOUT), POLLIN | POLLOUT);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_conflicts(int fd)
{
	uint32_t handle, r1, r2, w;

	handle = vshare_create(fd, 4096);
	r1 = attach(fd, handle, 0);
	r2 = attach(fd, handle, 0);
	igt_assert_neq(r1, r2);
	igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE, 0, NULL), -EBUSY);
	igt_assert_eq(__vshare_fence_signal(fd, r1, 0), 0);
	igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE, 0, NULL), -EBUSY);
	igt_assert_eq(__vshare_fence_signal(fd, r2, 0), 0);
	w = attach(fd, handle, VSHARE_FENCE_WRITE);
	igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 0, NULL), -EBUSY);
	igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE, 0, NULL), -EBUSY);
	igt_assert_eq(__vshare_fence_signal(fd, w, 0), 0);
	gem_close(fd, handle);
}

static void test_bad_args(int fd)
{
	uint32_t handle, id;

	handle = vshare_create(fd, 4096);
	igt_assert_eq(__vshare_fence_attach(fd, handle, 1u << 2, 0, NULL), -EINVAL);
	igt_assert_eq(__vshare_fence_attach(fd, handle, ~0u, 0, NULL), -EINVAL);
	igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 100, NULL), -EINVAL);
	igt_assert_eq(__vshare_fence_attach(fd, 0x7fff, 0, 0, NULL), -ENOENT);
	igt_assert_eq(__vshare_fence_signal(fd, 0, 0), -ENOENT);
	igt_assert_eq(__vshare_fence_signal(fd, 0x7fff, 0), -ENOENT);
	id = attach(fd, handle, 0);
	igt_assert_eq(__vshare_fence_signal(fd, id, 1), -EINVAL);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), 0);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), -ENOENT);
	gem_close(fd, handle);
}

static void test_expiry_per_fence(int fd)
{
	uint32_t handle, id;
	int dmabuf, sync_fd;
	double start, ms;

	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	start = now_ms();
	igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_WRITE |
			       VSHARE_FENCE_TIMEOUT, 300, &id), 0);
	sync_fd = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_file_status(sync_fd), 0);
	igt_assert(ready_within(dmabuf, POLLIN, 5000));
	ms = now_ms() - start;
	igt_info("fence expired after %.0f ms (timeout 300 ms)\n", ms);
	igt_assert(ms >= 290);
	igt_assert_eq(sync_file_status(sync_fd), -ETIMEDOUT);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), -ETIMEDOUT);
	close(sync_fd);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_expiry_module_default(int fd)
{
	unsigned int saved = vshare_param("fence_timeout_ms");
	uint32_t handle, id;
	int dmabuf;

	vshare_set_param("fence_timeout_ms", 200);
	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	id = attach(fd, handle, VSHARE_FENCE_WRITE);
	vshare_set_param("fence_timeout_ms", saved);
	igt_assert_eq(poll_now(dmabuf, POLLIN), 0);
	igt_assert(ready_within(dmabuf, POLLIN, 5000));
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), -ETIMEDOUT);
	/* A zero timeout is already expired. */
	igt_assert_eq(__vshare_fence_attach(fd, handle, VSHARE_FENCE_TIMEOUT, 0, &id), 0);
	igt_assert(ready_within(dmabuf, POLLOUT, 5000));
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), -ETIMEDOUT);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_export_sync_file(int fd)
{
	uint32_t handle, id, id2;
	int dmabuf, rd, wr, empty;

	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	empty = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
	igt_assert_eq(sync_file_status(empty), 1);

	id = attach(fd, handle, 0);
	rd = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	wr = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
	/* Readers wait for writers only: a read fence leaves them free. */
	igt_assert_eq(sync_file_status(rd), 1);
	igt_assert_eq(sync_file_status(wr), 0);
	igt_assert_eq(poll_now(wr, POLLIN), 0);

	id2 = attach(fd, handle, 0);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), 0);
	/* The snapshot is complete although a newer fence is pending. */
	igt_assert(ready_within(wr, POLLIN, 1000));
	igt_assert_eq(sync_file_status(wr), 1);
	igt_assert_eq(poll_now(dmabuf, POLLOUT), 0);
	igt_assert_eq(__vshare_fence_signal(fd, id2, 0), 0);
	close(rd);
	close(wr);
	close(empty);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_import_sync_file(int fd)
{
	int timeline = sw_sync_timeline();
	int in = sw_sync_fence(timeline);
	uint32_t handle;
	int dmabuf;

	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	dmabuf_import_sync_file(dmabuf, in, DMA_BUF_SYNC_WRITE);
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

static void test_peer_sees_fence(int fd)
{
	struct vgem_fence_attach va = { .flags = VGEM_FENCE_WRITE };
	int vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	uint32_t handle, id;
	int dmabuf;

	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	va.handle = prime_fd_to_handle(vgem, dmabuf);
	id = attach(fd, handle, VSHARE_FENCE_WRITE);
	do_ioctl_err(vgem, VGEM_IOCTL_FENCE_ATTACH, &va, EBUSY);
	igt_assert_eq(__vshare_fence_signal(fd, id, 0), 0);
	do_ioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &va);
	/* And vgem's fence is seen by vshare. */
	igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 0, NULL), -EBUSY);
	igt_assert_eq(poll_now(dmabuf, POLLIN), 0);
	close(vgem);	/* vgem signals its fences on close. */
	igt_assert(ready_within(dmabuf, POLLIN | POLLOUT, 1000));
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_close_signals(int fd)
{
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
	uint32_t handle, theirs;
	int dmabuf;

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

static void test_syncobj_create(int fd)
{
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

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("A read fence blocks writers only; signaling frees the "
		     "buffer.");
	igt_subtest("read-fence-poll")
		test_read_fence_poll(fd);

	igt_describe("A write fence blocks readers and writers.");
	igt_subtest("write-fence-poll")
		test_write_fence_poll(fd);

	igt_describe("Conflicting fences are refused with EBUSY, as in vgem.");
	igt_subtest("conflicts")
		test_conflicts(fd);

	igt_describe("FENCE_ATTACH and FENCE_SIGNAL refuse bad flags, handles "
		     "and ids.");
	igt_subtest("bad-args")
		test_bad_args(fd);

	igt_describe("A fence expires after its own timeout, with ETIMEDOUT.");
	igt_subtest("expiry-per-fence")
		test_expiry_per_fence(fd);

	igt_describe("Without a timeout, the module parameter sets the "
		     "expiry.");
	igt_subtest("expiry-module-default")
		test_expiry_module_default(fd);

	igt_describe("EXPORT_SYNC_FILE snapshots the fences of the buffer.");
	igt_subtest("export-sync-file")
		test_export_sync_file(fd);

	igt_describe("IMPORT_SYNC_FILE makes the buffer wait for a foreign "
		     "fence.");
	igt_subtest("import-sync-file")
		test_import_sync_file(fd);

	igt_describe("vgem importing a busy vshare buffer sees the same "
		     "fences.");
	igt_subtest("peer-sees-fence")
		test_peer_sees_fence(fd);

	igt_describe("Closing the file that attached a fence signals it.");
	igt_subtest("close-signals")
		test_close_signals(fd);

	igt_describe("Syncobjs, timelines included, can be created on vshare.");
	igt_subtest("syncobj-create")
		test_syncobj_create(fd);

	igt_fixture() {
		drm_close(fd);
	}
}
