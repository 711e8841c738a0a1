// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_hotunplug: a vshare device unbound from its driver (a hot-unplug)
 * while its files, CPU mappings, dma-buf exports, queued jobs and fences
 * are still in use. The old files fail with ENODEV, their mappings with
 * SIGBUS; importers keep the buffers; queued jobs end at once with an
 * error; fences outlive the device and keep the module loaded. Every
 * subtest binds the device again, and an exit handler rebinds whatever a
 * failed subtest left unbound.
 */

/**
 * TEST: vshare hotunplug
 * Category: Core
 * Description: Unbinding vshare.0 from the vshare platform driver while
 *	its resources are still in use, and binding it again.
 *
 * SUBTEST: unbind-rebind
 * Description: An idle device unbinds and binds again, twice, with new
 *	minors; the other device is not affected, the new nodes work.
 *
 * SUBTEST: unbind-with-open-fd
 * Description: With a render and a card file open and a live buffer, the
 *	unbind completes; every ioctl and mmap on the old files fails with
 *	ENODEV, closing them works.
 *
 * SUBTEST: unbind-with-mmap
 * Description: After the unbind, GEM mappings raise SIGBUS on pages
 *	faulted in before and on pages never touched; a dma-buf mapping
 *	keeps its contents or raises SIGBUS.
 *
 * SUBTEST: unbind-with-exports
 * Description: Buffers exported to vgem and vshare.1 outlive the
 *	exporter: vshare.1 reads and copies them, vgem fences them, and the
 *	last references free them.
 *
 * SUBTEST: unbind-with-jobs
 * Description: With 64 jobs of 10 s queued (SUBMIT refuses the 65th with
 *	EBUSY), the unbind takes under 5 s; every job fence signals with an
 *	error and reads as vshare's.
 *
 * SUBTEST: fence-outlives-device
 * Description: A FENCE_ATTACH fence and a job fence in sync_files and in
 *	vgem's reservation object outlive the device: their info is read,
 *	vgem replaces the fence, all are freed.
 *
 * SUBTEST: module-pinned-by-fence
 * Description: A job's sync_file alone, every vshare file and dma-buf
 *	closed, holds a module reference until it is closed.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "vgem.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

#define DRIVER_DIR	"/sys/bus/platform/drivers/vshare"
#define DEVICES_DIR	"/sys/bus/platform/devices"
#define PDEV		"vshare.0"
#define PDEV_OTHER	"vshare.1"

/* How long an unbind may take when nothing is queued. */
#define UNBIND_TIMEOUT_MS	20000
/* ... and with a full queue of 10 s jobs, which it must cancel. */
#define UNBIND_JOBS_TIMEOUT_MS	5000

/* The driver link goes before remove() runs, and comes after probe(). */
static bool pdev_bound(const char *pdev)
{
	char path[128];

	snprintf(path, sizeof(path), DEVICES_DIR "/%s/driver", pdev);
	return access(path, F_OK) == 0;
}

/* Binds every vshare.N that is not bound: 0 or the first error. */
static int rebind_all(void)
{
	char pdev[32];
	int i, err, ret = 0;

	for (i = 0; i < 8; i++) {
		snprintf(pdev, sizeof(pdev), "vshare.%d", i);
		if (!vshare_pdev_exists(pdev) || pdev_bound(pdev))
			continue;
		/* Waits for an unbind still in progress, then probes. */
		err = vshare_pdev_bind(pdev);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/*
 * A rebound vshare.0 gets DRM minors after vshare.1's: rebind the later
 * devices too, so that the tests after this one find them in index order.
 */
static void restore_order(void)
{
	char pdev[32];
	int i;

	for (i = 1; i < 8; i++) {
		snprintf(pdev, sizeof(pdev), "vshare.%d", i);
		if (!pdev_bound(pdev))
			continue;
		if (vshare_pdev_unbind(pdev) ||
		    vshare_pdev_bind(pdev))
			fprintf(stderr, "rebinding %s failed\n", pdev);
	}
}

static void rebind_exit_handler(int sig)
{
	int err = rebind_all();

	if (err)
		fprintf(stderr, "rebinding vshare devices: %s\n", strerror(-err));
	restore_order();
}

/* At the start of each subtest: what a failed one left unbound comes back. */
static void require_bound(void)
{
	int err = rebind_all();

	igt_assert_f(err == 0, "rebinding vshare devices: %s\n", strerror(-err));
	igt_assert(pdev_bound(PDEV));
}

struct unbind_op {
	char pdev[32];
	int err;
	atomic_bool done;
};

static void *unbind_thread(void *arg)
{
	struct unbind_op *op = arg;

	op->err = vshare_pdev_unbind(op->pdev);
	atomic_store(&op->done, true);
	return NULL;
}

/*
 * Unbinds @pdev, failing if it takes over @timeout_ms: the write blocks
 * until remove() returns, so it runs in a thread, left behind on a timeout
 * (the exit handler's bind then waits for it). Returns the time it took.
 */
static double unbind_pdev(const char *pdev, double timeout_ms)
{
	struct unbind_op *op = calloc(1, sizeof(*op));
	double start, elapsed;
	pthread_t thread;
	int fd;

	igt_assert(op);
	igt_assert(pdev_bound(pdev));
	snprintf(op->pdev, sizeof(op->pdev), "%s", pdev);
	start = now_ms();
	igt_assert_eq(pthread_create(&thread, NULL, unbind_thread, op), 0);
	while (!atomic_load(&op->done) && now_ms() - start < timeout_ms)
		usleep(1000);
	elapsed = now_ms() - start;
	if (!atomic_load(&op->done)) {
		/* The thread still uses op: leave both to it. */
		pthread_detach(thread);
		igt_assert_f(false, "unbinding %s takes over %.0f ms\n", pdev,
			     timeout_ms);
	}
	pthread_join(thread, NULL);
	igt_assert_f(op->err == 0, "unbind %s: %s\n", pdev, strerror(-op->err));
	free(op);
	igt_info("%s unbound in %.1f ms\n", pdev, elapsed);

	igt_assert(!pdev_bound(pdev));
	fd = vshare_open_pdev(pdev, NODE_RENDER);
	igt_assert_f(fd < 0, "%s still has a render node\n", pdev);
	return elapsed;
}

static void bind_pdev(const char *pdev)
{
	int err = vshare_pdev_bind(pdev);
	int fd;

	igt_assert_f(err == 0, "bind %s: %s\n", pdev, strerror(-err));
	igt_assert(pdev_bound(pdev));
	fd = vshare_open_pdev(pdev, NODE_RENDER);
	igt_assert_f(fd >= 0, "%s has no render node after binding\n", pdev);
	close(fd);
}

static int open_pdev(const char *pdev, enum drm_node node)
{
	int fd = vshare_open_pdev(pdev, node);

	igt_assert_f(fd >= 0, "cannot open the %s node of %s\n",
		     node == NODE_RENDER ? "render" : "primary", pdev);
	return fd;
}

/* A device that works: zeroed buffers, kernel fill and CRC, mmap. */
static void exercise(int fd, uint32_t seed)
{
	const uint64_t size = MiB + 4096;
	uint32_t handle = vshare_create(fd, size);
	uint32_t *p;

	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size), fill_crc(size, 0));
	vshare_fill(fd, handle, 0, size, seed);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  fill_crc(size, seed));
	p = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	igt_assert_eq_u32(p[0], seed);
	igt_assert_eq_u32(p[size / 4 - 1], seed);
	fill_pattern(p, size, seed);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  crc32_ieee(p, size));
	munmap(p, size);
	gem_close(fd, handle);
}

/* The card node: dumb buffers, mapped and checked by the kernel. */
static void exercise_card(int card, uint32_t seed)
{
	uint32_t pitch, handle;
	uint64_t size;
	uint32_t *p;

	handle = dumb_create(card, 64, 64, 32, &pitch, &size);
	p = dumb_mmap(card, handle, size, PROT_READ | PROT_WRITE);
	fill_pattern(p, size, seed);
	igt_assert_eq_u32(vshare_crc32(card, handle, 0, size),
			  crc32_ieee(p, size));
	munmap(p, size);
	gem_close(card, handle);
}

static void exercise_pdev(const char *pdev, uint32_t seed)
{
	int fd = open_pdev(pdev, NODE_RENDER);

	exercise(fd, seed);
	close(fd);
}

/* Sync files. */
static int __submit_fill(int fd, uint32_t handle, uint64_t size,
			 uint32_t value, uint32_t delay_ms, int *sync_fd)
{
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.dst_handle = handle, .size = size, .value = value,
		.delay_ms = delay_ms, .out_fence_fd = -1,
	};
	int ret = __vshare_submit(fd, &s);

	*sync_fd = s.out_fence_fd;
	return ret;
}

static int submit_fill(int fd, uint32_t handle, uint64_t size, uint32_t value,
		       uint32_t delay_ms)
{
	int sync_fd;

	igt_assert_eq(__submit_fill(fd, handle, size, value, delay_ms,
				    &sync_fd), 0);
	igt_assert(sync_fd >= 0);
	return sync_fd;
}

static bool signaled_within(int sync_fd, int ms)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/*
 * SYNC_IOC_FILE_INFO with the fence array: the file's status, and its
 * single fence in @fence. The names are the fence's driver and timeline
 * names, read through the fence's ops while the device may be gone.
 */
static int sync_file_info(int sync_fd, struct sync_fence_info *fence)
{
	struct sync_file_info info = { 0 };

	do_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	igt_assert_eq(info.num_fences, 1);
	memset(fence, 0, sizeof(*fence));
	info.sync_fence_info = (uintptr_t)fence;
	do_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	igt_assert_eq(info.num_fences, 1);
	igt_assert(memchr(info.name, '\0', sizeof(info.name)));
	igt_assert(memchr(fence->obj_name, '\0', sizeof(fence->obj_name)));
	igt_assert(memchr(fence->driver_name, '\0', sizeof(fence->driver_name)));
	igt_debug("sync_file %s: status %d, fence %s/%s status %d\n", info.name,
		  info.status, fence->driver_name, fence->obj_name,
		  fence->status);
	return info.status;
}

/*
 * The names a signaled fence shows: since Linux 6.17 the core reports
 * placeholders ("detached-driver") for signaled fences instead of asking
 * the driver; older kernels call the driver's ops whatever the state.
 */
struct fence_names {
	char driver[32];
	char timeline[32];
	bool from_driver;
};

static void signaled_names(int fd, struct fence_names *names)
{
	struct drm_vshare_fence_signal sig = { 0 };
	uint32_t handle = vshare_create(fd, 4096);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	struct sync_fence_info fence;
	int sync_fd;

	/* A fence of FENCE_ATTACH: the engine's queue stays untouched. */
	igt_assert_eq(__vshare_fence_attach(fd, handle, 0, 0, &sig.fence), 0);
	sync_fd = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
	do_ioctl(fd, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &sig);
	igt_assert(signaled_within(sync_fd, 0));
	igt_assert_eq(sync_file_info(sync_fd, &fence), 1);
	memcpy(names->driver, fence.driver_name, sizeof(names->driver));
	memcpy(names->timeline, fence.obj_name, sizeof(names->timeline));
	names->from_driver = !strcmp(names->driver, "vshare");
	igt_info("a signaled vshare fence shows as %s/%s\n", names->driver,
		 names->timeline);
	close(sync_fd);
	close(dmabuf);
	gem_close(fd, handle);
}

/* The timeline name of a fence still pending, or NULL if it is not. */
static const char *pending_timeline(int sync_fd, char timeline[32])
{
	struct sync_fence_info fence;

	if (sync_file_info(sync_fd, &fence) != 0)
		return NULL;
	igt_assert_f(!strcmp(fence.driver_name, "vshare"),
		     "driver name \"%s\"\n", fence.driver_name);
	memcpy(timeline, fence.obj_name, 32);
	return timeline;
}

/* A vshare fence's names, as its state says they must read. */
static void check_names(const struct sync_fence_info *fence,
			const char *timeline, const struct fence_names *signaled)
{
	if (fence->status == 0 || signaled->from_driver) {
		igt_assert_f(!strcmp(fence->driver_name, "vshare"),
			     "driver name \"%s\"\n", fence->driver_name);
		if (timeline)
			igt_assert_f(!strcmp(fence->obj_name, timeline),
				     "timeline \"%s\", expected \"%s\"\n",
				     fence->obj_name, timeline);
	} else {
		igt_assert_f(!strcmp(fence->driver_name, signaled->driver),
			     "driver name \"%s\", expected \"%s\"\n",
			     fence->driver_name, signaled->driver);
		igt_assert_f(!strcmp(fence->obj_name, signaled->timeline),
			     "timeline \"%s\", expected \"%s\"\n",
			     fence->obj_name, signaled->timeline);
	}
}

static void test_unbind_rebind(void)
{
	int cycle, render, card, other;

	require_bound();
	for (cycle = 0; cycle < 2; cycle++) {
		render = open_pdev(PDEV, NODE_RENDER);
		card = open_pdev(PDEV, NODE_PRIMARY);
		exercise(render, 0x11110000 + cycle);
		exercise_card(card, 0x22220000 + cycle);
		close(render);
		close(card);

		unbind_pdev(PDEV, UNBIND_TIMEOUT_MS);
		igt_assert_f(vshare_open_pdev(PDEV, NODE_PRIMARY) < 0,
			     "%s still has a card node\n", PDEV);
		/* The other device does not notice. */
		other = vshare_open_pdev(PDEV_OTHER, NODE_RENDER);
		if (other >= 0) {
			exercise(other, 0x33330000 + cycle);
			close(other);
		}
		bind_pdev(PDEV);

		render = open_pdev(PDEV, NODE_RENDER);
		card = open_pdev(PDEV, NODE_PRIMARY);
		exercise(render, 0x44440000 + cycle);
		exercise_card(card, 0x55550000 + cycle);
		close(render);
		close(card);
	}
}

static void test_unbind_with_open_fd(void)
{
	const uint64_t size = 64 * 1024;
	struct drm_vshare_map_offset mo = { 0 };
	struct drm_vshare_fence_signal sig = { 0 };
	struct drm_syncobj_create sc = { 0 };
	struct drm_mode_map_dumb md = { 0 };
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_vshare_submit s;
	uint32_t handle, dumb_handle, id, h2 = 0;
	uint64_t sz = 4096;
	int render, card, dmabuf = -1;
	void *ptr;

	require_bound();
	render = open_pdev(PDEV, NODE_RENDER);
	card = open_pdev(PDEV, NODE_PRIMARY);
	handle = vshare_create(render, size);
	vshare_fill(render, handle, 0, size, 0x0dead0fd);
	mo.handle = handle;
	do_ioctl(render, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo);
	dumb_handle = dumb_create(card, 64, 64, 32, NULL, NULL);
	/* Still pending at the unbind: it expires, or the close signals it. */
	igt_assert_eq(__vshare_fence_attach(render, handle, VSHARE_FENCE_TIMEOUT,
					    300, &id), 0);

	unbind_pdev(PDEV, UNBIND_TIMEOUT_MS);

	igt_assert_eq(__vshare_create(render, &sz, 0, &h2), -ENODEV);
	do_ioctl_err(render, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo, ENODEV);
	igt_assert_eq(__vshare_access(render, handle, VSHARE_ACCESS_CRC32, 0,
				      size, 0, NULL), -ENODEV);
	igt_assert_eq(__vshare_access(render, handle, VSHARE_ACCESS_FILL, 0,
				      size, 1, NULL), -ENODEV);
	s = (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.dst_handle = handle, .size = size, .value = 2,
		.out_fence_fd = -1,
	};
	igt_assert_eq(__vshare_submit(render, &s), -ENODEV);
	igt_assert_eq(s.out_fence_fd, -1);
	igt_assert_eq(__prime_handle_to_fd(render, handle, DRM_CLOEXEC,
					   &dmabuf), -ENODEV);
	igt_assert_eq(dmabuf, -1);
	igt_assert_eq(__vshare_fence_attach(render, handle, 0, 0, NULL), -ENODEV);
	sig.fence = id;
	do_ioctl_err(render, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &sig, ENODEV);
	do_ioctl_err(render, DRM_IOCTL_SYNCOBJ_CREATE, &sc, ENODEV);
	igt_assert_eq(__gem_close(render, handle), -ENODEV);
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, render, mo.offset);
	igt_assert_f(ptr == MAP_FAILED && errno == ENODEV,
		     "mmap after unbind: %s\n",
		     ptr == MAP_FAILED ? strerror(errno) : "mapped");

	/* The card node too. */
	igt_assert_eq(__dumb_create(card, &dumb), -ENODEV);
	md.handle = dumb_handle;
	do_ioctl_err(card, DRM_IOCTL_MODE_MAP_DUMB, &md, ENODEV);
	igt_assert_eq(__vshare_access(card, dumb_handle, VSHARE_ACCESS_CRC32,
				      0, 4096, 0, NULL), -ENODEV);

	/* Closing them frees the buffers, the fence and the files. */
	igt_assert_eq(close(render), 0);
	igt_assert_eq(close(card), 0);

	bind_pdev(PDEV);
	exercise_pdev(PDEV, 0x0dead0fd);
}

static void test_unbind_with_mmap(void)
{
	const uint64_t size = 2 * MiB + 4096, touched = 2 * MiB;
	const uint32_t tail_value = 0x7a117a11;
	uint32_t gem, dbo, *gptr, *dptr, *copy;
	size_t words, n;
	int fd, dmabuf;

	require_bound();
	fd = open_pdev(PDEV, NODE_RENDER);

	/* A GEM mapping: the first 2 MiB faulted in, the last page never. */
	gem = vshare_create(fd, size);
	gptr = vshare_mmap(fd, gem, size, PROT_READ | PROT_WRITE);
	fill_pattern(gptr, touched, 41);
	igt_assert_eq_u32(vshare_crc32(fd, gem, 0, touched),
			  crc32_ieee(gptr, touched));
	igt_assert_eq_u32(vshare_crc32(fd, gem, touched, size - touched),
			  fill_crc(size - touched, 0));

	/* A dma-buf mapping of another buffer, the same way. */
	dbo = vshare_create(fd, size);
	vshare_fill(fd, dbo, touched, size - touched, tail_value);
	dmabuf = prime_handle_to_fd(fd, dbo, DRM_CLOEXEC | DRM_RDWR);
	dptr = dmabuf_mmap(dmabuf, size, PROT_READ | PROT_WRITE);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	fill_pattern(dptr, touched, 42);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	igt_assert_eq_u32(vshare_crc32(fd, dbo, 0, touched),
			  crc32_ieee(dptr, touched));

	unbind_pdev(PDEV, UNBIND_TIMEOUT_MS);

	/* The GEM mapping is gone: faulted-in and untouched pages alike. */
	igt_assert_f(read_sigbus(gptr), "reading a faulted-in page works\n");
	igt_assert_f(read_sigbus(gptr + MiB / 4 + 1),
		     "reading a faulted-in page works\n");
	igt_assert_f(write_sigbus(gptr, 1), "writing a faulted-in page works\n");
	igt_assert_f(read_sigbus(gptr + touched / 4),
		     "reading an untouched page works\n");
	igt_assert_f(write_sigbus(gptr + touched / 4 + 1, 1),
		     "writing an untouched page works\n");

	/* The dma-buf mapping shows what it showed, or nothing. */
	words = size / 4;
	copy = malloc(size);
	igt_assert(copy);
	n = copy_until_sigbus(copy, dptr, touched / 4);
	igt_info("dma-buf mapping: %zu of %" PRIu64 " words of the faulted-in "
		 "range read before SIGBUS\n", n, touched / 4);
	igt_assert_eq(check_pattern(copy, n * 4, 42), 0);
	n = copy_until_sigbus(copy, dptr + touched / 4, words - touched / 4);
	igt_info("dma-buf mapping: %zu of %" PRIu64 " words of the untouched "
		 "page read before SIGBUS\n", n, (size - touched) / 4);
	while (n--)
		igt_assert_eq_u32(copy[n], tail_value);
	free(copy);

	igt_assert_eq(munmap(gptr, size), 0);
	igt_assert_eq(munmap(dptr, size), 0);
	igt_assert_eq(close(dmabuf), 0);
	igt_assert_eq(close(fd), 0);

	bind_pdev(PDEV);
	exercise_pdev(PDEV, 0x3a3a3a3a);
}

/* The buffer contents of unbind-with-exports: two kernel fills. */
static void exports_contents(uint32_t *buf, uint64_t size)
{
	uint64_t i;

	for (i = 0; i < size / 4; i++)
		buf[i] = i < size / 8 ? 0xe1e1e1e1 : 0x5eb0a4d5;
}

static void test_unbind_with_exports(void)
{
	const uint64_t size = MiB + 8192;
	struct vgem_fence_attach va = { .flags = VGEM_FENCE_WRITE };
	struct vgem_fence_signal vs = { 0 };
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_COPY, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.size = size, .out_fence_fd = -1,
	};
	uint32_t handle, vgem_handle, imported, copy_dst, crc;
	uint32_t *expected, *vptr, *seen;
	int vs0, vs1, vgem, dmabuf, vdmabuf, sync_fd, mapfd;
	uint64_t offset;
	bool via_dumb;
	size_t n;

	require_bound();
	igt_require_f(vshare_pdev_exists(PDEV_OTHER), "no %s (num_devices=2)\n",
		      PDEV_OTHER);
	vs1 = vshare_open_pdev(PDEV_OTHER, NODE_RENDER);
	igt_require_f(vs1 >= 0, "%s has no render node\n", PDEV_OTHER);
	vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	vs0 = open_pdev(PDEV, NODE_RENDER);

	expected = malloc(size);
	seen = malloc(size);
	igt_assert(expected && seen);
	exports_contents(expected, size);
	crc = crc32_ieee(expected, size);

	handle = vshare_create(vs0, size);
	vshare_fill(vs0, handle, 0, size / 2, 0xe1e1e1e1);
	vshare_fill(vs0, handle, size / 2, size / 2, 0x5eb0a4d5);
	igt_assert_eq_u32(vshare_crc32(vs0, handle, 0, size), crc);
	dmabuf = prime_handle_to_fd(vs0, handle, DRM_CLOEXEC | DRM_RDWR);
	vgem_handle = prime_fd_to_handle(vgem, dmabuf);
	imported = prime_fd_to_handle(vs1, dmabuf);
	igt_assert_eq_u32(vshare_crc32(vs1, imported, 0, size), crc);

	/* vgem's CPU view, faulted in now. */
	mapfd = vgem_import_mapping(vgem, vgem_handle, dmabuf, &offset);
	via_dumb = mapfd == vgem;
	vptr = mmap(NULL, size, PROT_READ, MAP_SHARED, mapfd, offset);
	igt_assert(vptr != MAP_FAILED);
	igt_assert_eq(memcmp(vptr, expected, size), 0);

	/* Nothing of vshare.0 left open but the importers' references. */
	close(dmabuf);
	gem_close(vs0, handle);
	close(vs0);

	unbind_pdev(PDEV, UNBIND_TIMEOUT_MS);

	/* vshare.1 reads the buffer through the exporter's operations. */
	igt_assert_eq_u32(vshare_crc32(vs1, imported, 0, size), crc);
	/* and its engine copies it into a buffer of its own. */
	copy_dst = vshare_create(vs1, size);
	s.dst_handle = copy_dst;
	s.src_handle = imported;
	igt_assert_eq(__vshare_submit(vs1, &s), 0);
	sync_fd = s.out_fence_fd;
	igt_assert(signaled_within(sync_fd, 20000));
	igt_assert_eq(sync_file_status(sync_fd), 1);
	close(sync_fd);
	igt_assert_eq_u32(vshare_crc32(vs1, copy_dst, 0, size), crc);
	gem_close(vs1, copy_dst);

	/* vgem's mapping shows the contents, or nothing. */
	n = copy_until_sigbus(seen, vptr, size / 4);
	igt_info("vgem's mapping (%s): %zu of %" PRIu64 " words read after the "
		 "unbind before SIGBUS\n", via_dumb ? "MAP_DUMB" : "dma-buf",
		 n, size / 4);
	igt_assert_eq(memcmp(seen, expected, n * 4), 0);

	/* vgem fences the import: the reservation object lives on. */
	va.handle = vgem_handle;
	do_ioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &va);
	vdmabuf = prime_handle_to_fd(vgem, vgem_handle, DRM_CLOEXEC);
	igt_assert_eq(poll_now(vdmabuf, POLLIN), 0);
	vs.fence = va.out_fence;
	do_ioctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &vs);
	igt_assert(ready_within(vdmabuf, POLLIN | POLLOUT, 1000));
	igt_assert_eq_u32(vshare_crc32(vs1, imported, 0, size), crc);

	/* Dropping the last references frees the buffer of a gone device. */
	munmap(vptr, size);
	close(vdmabuf);
	gem_close(vgem, vgem_handle);
	gem_close(vs1, imported);
	close(vgem);
	close(vs1);
	free(expected);
	free(seen);

	bind_pdev(PDEV);
	exercise_pdev(PDEV, 0xe1e1e1e1);
}

static void test_unbind_with_jobs(void)
{
	/* One more than the bound, so a driver without one stops too. */
	const int max = VSHARE_MAX_JOBS + 1;
	int syncs[VSHARE_MAX_JOBS + 1], n, i, ret, extra, fd;
	struct fence_names signaled;
	struct sync_fence_info fence;
	char timeline_buf[32];
	const char *timeline;
	double ms, deadline;
	uint32_t handle;

	require_bound();
	fd = open_pdev(PDEV, NODE_RENDER);
	signaled_names(fd, &signaled);
	handle = vshare_create(fd, 4096);
	/*
	 * None of these finishes for 10 s. A job of an earlier subtest that
	 * just signaled may hold its slot a moment longer: wait for that.
	 */
	deadline = now_ms() + 1000;
	for (n = 0; n < max; ) {
		ret = __submit_fill(fd, handle, 4096, n + 1, 10000, &syncs[n]);
		if (ret == -EBUSY && n < VSHARE_MAX_JOBS && now_ms() < deadline) {
			usleep(1000);
			continue;
		}
		if (ret)
			break;
		igt_assert(syncs[n] >= 0);
		n++;
	}
	igt_info("%d jobs accepted, then %s\n", n, strerror(-ret));
	igt_assert_eq(ret, -EBUSY);
	igt_assert_eq(n, VSHARE_MAX_JOBS);
	igt_assert_eq(__submit_fill(fd, handle, 4096, 0, 0, &extra), -EBUSY);
	igt_assert_eq(extra, -1);
	timeline = pending_timeline(syncs[0], timeline_buf);
	igt_assert(timeline);

	gem_close(fd, handle);
	close(fd);

	/* 64 jobs of 10 s: the unbind cancels them. */
	ms = unbind_pdev(PDEV, UNBIND_JOBS_TIMEOUT_MS);
	igt_assert(ms < UNBIND_JOBS_TIMEOUT_MS);

	for (i = 0; i < n; i++) {
		igt_assert_f(signaled_within(syncs[i], 0),
			     "job %d still pending after the unbind\n", i);
		ret = sync_file_info(syncs[i], &fence);
		igt_assert_f(ret < 0, "job %d: status %d\n", i, ret);
		igt_assert_f(fence.status < 0, "job %d: fence status %d\n", i,
			     fence.status);
		check_names(&fence, timeline, &signaled);
		if (i == 0 || i == n - 1)
			igt_info("job %d: %s (%s/%s)\n", i,
				 strerror(-fence.status), fence.driver_name,
				 fence.obj_name);
	}
	for (i = 0; i < n; i++)
		close(syncs[i]);

	bind_pdev(PDEV);
	exercise_pdev(PDEV, 0x10b5);
}

static void test_fence_outlives_device(void)
{
	struct fence_names signaled;
	struct sync_fence_info fence;
	char attach_buf[32], job_buf[32];
	const char *attach_tl, *job_tl;
	uint32_t a, b, id, vgem_handle;
	int fd, vgem, da, dv, s_attach, s_job, status;

	require_bound();
	vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	fd = open_pdev(PDEV, NODE_RENDER);
	signaled_names(fd, &signaled);

	/* A FENCE_ATTACH fence, exported through the dma-buf. */
	a = vshare_create(fd, 4096);
	da = prime_handle_to_fd(fd, a, DRM_CLOEXEC | DRM_RDWR);
	igt_assert_eq(__vshare_fence_attach(fd, a, VSHARE_FENCE_TIMEOUT, 500,
					    &id), 0);
	/* A read fence: only a writer's export waits for it. */
	s_attach = dmabuf_export_sync_file(da, DMA_BUF_SYNC_WRITE);
	attach_tl = pending_timeline(s_attach, attach_buf);

	/* An engine job's out-fence, in a vgem buffer's reservation object. */
	b = vshare_create(fd, 4096);
	s_job = submit_fill(fd, b, 4096, 0x600df00d, 200);
	job_tl = pending_timeline(s_job, job_buf);
	vgem_handle = dumb_create(vgem, 32, 32, 32, NULL, NULL);
	dv = prime_handle_to_fd(vgem, vgem_handle, DRM_CLOEXEC | DRM_RDWR);
	dmabuf_import_sync_file(dv, s_job, DMA_BUF_SYNC_WRITE);
	if (poll_now(dv, POLLIN))
		igt_assert(signaled_within(s_job, 0));

	/* Closing the file signals the attached fence, if not expired. */
	close(da);
	gem_close(fd, a);
	gem_close(fd, b);
	close(fd);

	unbind_pdev(PDEV, UNBIND_TIMEOUT_MS);

	igt_assert(signaled_within(s_attach, 5000));
	status = sync_file_info(s_attach, &fence);
	igt_info("attached fence: status %d (%s/%s)\n", status,
		 fence.driver_name, fence.obj_name);
	igt_assert_f(status == 1 || status == -ETIMEDOUT,
		     "attached fence status %d\n", status);
	igt_assert_eq(fence.status, status);
	check_names(&fence, attach_tl, &signaled);

	igt_assert(signaled_within(s_job, 5000));
	status = sync_file_info(s_job, &fence);
	igt_info("job fence: status %d (%s/%s)\n", status, fence.driver_name,
		 fence.obj_name);
	/* Done before the unbind, or cancelled by it. */
	igt_assert_f(status == 1 || status == -ENODEV,
		     "job fence status %d\n", status);
	igt_assert_eq(fence.status, status);
	check_names(&fence, job_tl, &signaled);

	/* vgem waits on the vshare fence, then replaces it. */
	igt_assert(ready_within(dv, POLLIN | POLLOUT, 1000));
	if (access("/sys/kernel/debug/sync/sw_sync", R_OK | W_OK) == 0) {
		int timeline = sw_sync_timeline();
		int other = sw_sync_fence(timeline);

		dmabuf_import_sync_file(dv, other, DMA_BUF_SYNC_WRITE);
		igt_assert_eq(poll_now(dv, POLLIN | POLLOUT), 0);
		sw_sync_inc(timeline);
		igt_assert(ready_within(dv, POLLIN | POLLOUT, 1000));
		close(other);
		close(timeline);
	} else {
		struct vgem_fence_attach va = {
			.handle = vgem_handle, .flags = VGEM_FENCE_WRITE,
		};
		struct vgem_fence_signal vs = { 0 };

		do_ioctl(vgem, VGEM_IOCTL_FENCE_ATTACH, &va);
		igt_assert_eq(poll_now(dv, POLLIN | POLLOUT), 0);
		vs.fence = va.out_fence;
		do_ioctl(vgem, VGEM_IOCTL_FENCE_SIGNAL, &vs);
		igt_assert(ready_within(dv, POLLIN | POLLOUT, 1000));
	}
	/* Still readable once vgem let go of it. */
	igt_assert_eq(sync_file_info(s_job, &fence), status);
	check_names(&fence, job_tl, &signaled);

	close(s_attach);
	close(s_job);
	close(dv);
	gem_close(vgem, vgem_handle);
	close(vgem);

	bind_pdev(PDEV);
	exercise_pdev(PDEV, 0x600df00d);
}

static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/vshare/refcnt", "r");
	int refs = -1;

	igt_assert(f);
	igt_assert_eq(fscanf(f, "%d", &refs), 1);
	fclose(f);
	return refs;
}

/* The refcnt once it stopped changing (releases are asynchronous). */
static int settled_refcnt(void)
{
	int refs = module_refcnt(), same = 0, i;

	for (i = 0; i < 100 && same < 3; i++) {
		int now;

		usleep(20000);
		now = module_refcnt();
		same = now == refs ? same + 1 : 0;
		refs = now;
	}
	return refs;
}

static void test_module_pinned_by_fence(void)
{
	uint32_t handle;
	int fd, dmabuf, sync_fd, held, refs = -1;
	double end;

	require_bound();
	igt_require_f(access("/sys/module/vshare/refcnt", R_OK) == 0,
		      "vshare is not a loadable module\n");
	fd = open_pdev(PDEV, NODE_RENDER);
	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	sync_fd = submit_fill(fd, handle, 4096, 0x9e1d, 200);
	close(dmabuf);
	gem_close(fd, handle);
	close(fd);

	/* Done and cleaned up: only the sync_file keeps the fence. */
	igt_assert(signaled_within(sync_fd, 20000));
	igt_assert_eq(sync_file_status(sync_fd), 1);
	held = settled_refcnt();
	igt_info("module refcnt with only a sync_file: %d\n", held);
	igt_assert_lt(0, held);

	close(sync_fd);
	for (end = now_ms() + 2000; now_ms() < end; usleep(10000)) {
		refs = module_refcnt();
		if (refs <= held - 1)
			break;
	}
	igt_info("module refcnt after closing it: %d\n", refs);
	igt_assert_f(refs <= held - 1, "refcnt %d, was %d with the fence\n",
		     refs, held);
}

int igt_main()
{
	igt_fixture() {
		igt_require_f(vshare_pdev_exists(PDEV), "no platform device %s\n", PDEV);
		igt_require_f(access(DRIVER_DIR "/unbind", W_OK) == 0,
			      "cannot unbind vshare devices\n");
		igt_install_exit_handler(rebind_exit_handler);
		require_bound();
	}

	igt_describe("An idle device unbinds and binds again, and works.");
	igt_subtest("unbind-rebind")
		test_unbind_rebind();

	igt_describe("Files of an unbound device fail every call with ENODEV.");
	igt_subtest("unbind-with-open-fd")
		test_unbind_with_open_fd();

	igt_describe("GEM mappings of an unbound device raise SIGBUS.");
	igt_subtest("unbind-with-mmap")
		test_unbind_with_mmap();

	igt_describe("Buffers exported to other devices outlive their "
		     "exporter.");
	igt_subtest("unbind-with-exports")
		test_unbind_with_exports();

	igt_describe("The unbind cancels a full job queue quickly.");
	igt_subtest("unbind-with-jobs")
		test_unbind_with_jobs();

	igt_describe("vshare fences outlive the device in sync_files and in "
		     "vgem.");
	igt_subtest("fence-outlives-device")
		test_fence_outlives_device();

	igt_describe("A job's sync_file alone keeps the module loaded.");
	igt_subtest("module-pinned-by-fence")
		test_module_pinned_by_fence();
}
