// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_syncobj: timeline syncobjs with vshare's engine (issue 18). A
 * SUBMIT signals a timeline point (out_syncobj_point) and waits for one
 * (in_syncobj_point), the points it names and no others; bad points are
 * refused without changing the timeline; a point signaled by a job of
 * device 0 is waited for by device 1, exported as a sync_file in one ioctl
 * where the kernel can (Linux 7.x), and through a binary syncobj and
 * SYNCOBJ_TRANSFER everywhere. The syncobj ioctls themselves are upstream
 * IGT's syncobj_* tests' business.
 *
 * Jobs on one device run in order, and a job waits implicitly for the jobs
 * writing the buffers it uses: to show that a job waits for a point, the
 * point's fence comes from elsewhere (a fence only the test signals,
 * another device's job) and the waiting job writes a buffer nothing else
 * uses, read through its mapping, which does not wait.
 */

/**
 * TEST: vshare syncobj
 * Category: Core
 * Description: vshare's engine signals and waits for timeline syncobj
 *	points, on one device and between two.
 *
 * SUBTEST: timeline-submit
 * Description: A delayed FILL signals point 3 of a timeline when it is
 *	done, not before (TIMELINE_WAIT, QUERY); a COPY waiting for point 3
 *	copies the fill and is not held back by a later point 7, whose fence
 *	only the test signals; a FILL waiting for point 7 writes nothing until
 *	then, and signals point 9 after. A point with no fence yet, a point
 *	of a syncobj with no fence or a binary one, a point without its
 *	syncobj are EINVAL, and no failing SUBMIT adds a point or writes.
 *
 * SUBTEST: timeline-export-device1
 * Description: Linux 7.x: a point of device 0's timeline, signaled by a
 *	delayed job, exported as a sync_file in one ioctl
 *	(HANDLE_TO_FD_FLAGS_TIMELINE) is pending until the job is done; the
 *	job's sync_file imported at a point of device 1's timeline in one
 *	ioctl (FD_TO_HANDLE_FLAGS_TIMELINE): TIMELINE_WAIT on device 1
 *	returns once the job is done, and a device 1 job waiting for the
 *	point writes its buffer only after.
 *
 * SUBTEST: cross-device-wait
 * Description: The same through the ioctls every kernel has: the point
 *	goes to a binary syncobj (SYNCOBJ_TRANSFER), out as a sync_file, into
 *	a binary syncobj of device 1 and to a point of its timeline
 *	(SYNCOBJ_TRANSFER); device 1's job waiting for it writes only after
 *	device 0's job, and signals a point of its own.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"
#include "syncobj.h"
#include "vshare_lib.h"

#define BO_SIZE		4096
/* How long the job a point stands for takes, and the least it may. */
#define DELAY_MS	2000
#define DELAY_MIN_MS	(DELAY_MS - 50)
/* A wait that has to end. */
#define LONG_MS		30000

#define LAST_SUBMITTED	DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED
#define WAIT_FOR_SUBMIT	DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT

/* A device by its platform device, so that 0 and 1 are two devices. */
static int open_device(const char *pdev)
{
	int fd = vshare_open_pdev(pdev, NODE_RENDER);

	igt_require_f(fd >= 0, "no vshare device %s\n", pdev);
	return fd;
}

static uint32_t *map_bo(int fd, uint32_t handle)
{
	return vshare_mmap(fd, handle, BO_SIZE, PROT_READ);
}

/* What the kernel reads from a buffer (ACCESS waits for its jobs). */
static void assert_filled(int fd, uint32_t handle, uint32_t value)
{
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, BO_SIZE),
			  fill_crc(BO_SIZE, value));
}

/* A FILL of a whole buffer, the rest as in @s. */
static int fill(int fd, uint32_t handle, uint32_t value,
		struct drm_vshare_submit s)
{
	s.op = VSHARE_JOB_FILL;
	s.dst_handle = handle;
	s.size = BO_SIZE;
	s.value = value;
	return vshare_submit_job(fd, s);
}

/* A fence that only the test signals, as the fence of a timeline point. */
struct held_point {
	uint32_t bo;
	uint32_t fence;
};

static void hold_point(int fd, uint32_t timeline, uint64_t point,
		       struct held_point *held)
{
	uint32_t binary = syncobj_create(fd, 0);
	int dmabuf, sync_fd;

	/* Expires after 30 s, should the test fail before it signals it. */
	held->bo = vshare_create(fd, BO_SIZE);
	igt_assert_eq(__vshare_fence_attach(fd, held->bo, VSHARE_FENCE_WRITE |
					    VSHARE_FENCE_TIMEOUT, LONG_MS,
					    &held->fence), 0);
	dmabuf = prime_handle_to_fd(fd, held->bo, DRM_CLOEXEC);
	sync_fd = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	igt_assert(!poll_now(sync_fd, POLLIN));
	syncobj_import_sync_file(fd, binary, sync_fd);
	syncobj_transfer(fd, timeline, point, binary, 0);
	close(sync_fd);
	close(dmabuf);
	syncobj_destroy(fd, binary);
}

static void release_point(int fd, struct held_point *held)
{
	igt_assert_eq(__vshare_fence_signal(fd, held->fence, 0), 0);
	gem_close(fd, held->bo);
}

/*
 * Every SUBMIT that fails leaves @timeline (whose points are signaled) as
 * it was: no new point, nothing written; then the same SUBMIT, valid,
 * adds the point. Bad points are EINVAL.
 */
static void timeline_errors(int fd, uint32_t timeline)
{
	const uint64_t last = syncobj_query(fd, timeline, LAST_SUBMITTED);
	uint32_t dst = vshare_create(fd, BO_SIZE), *p = map_bo(fd, dst);
	uint32_t scratch = vshare_create(fd, BO_SIZE);
	uint32_t fresh = syncobj_create(fd, 0);
	uint32_t binary = syncobj_create(fd, 0);
	const struct drm_vshare_submit ok = {
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.dst_handle = dst, .size = BO_SIZE, .value = 0x77777777,
		.out_fence_fd = -1, .out_syncobj = timeline,
		.out_syncobj_point = last + 1,
		/* A point signaled long ago: nothing to wait for. */
		.in_syncobj = timeline, .in_syncobj_point = 3,
	};
	struct drm_vshare_submit s;

	/* A binary syncobj with a job's fence, which has no points. */
	sync_file_wait_ok(fill(fd, scratch, 1, (struct drm_vshare_submit){
		.out_syncobj = binary }));

#define REFUSED(change, err) do {					\
		s = ok;							\
		change;							\
		igt_assert_eq(__vshare_submit(fd, &s), -(err));		\
		igt_assert_eq(s.out_fence_fd, -1);			\
		igt_assert_eq_u64(syncobj_query(fd, timeline,		\
						LAST_SUBMITTED), last);	\
	} while (0)
	/* Points that have no fence (yet). */
	REFUSED(s.in_syncobj_point = last + 5, EINVAL);
	REFUSED((s.in_syncobj = fresh, s.in_syncobj_point = 1), EINVAL);
	REFUSED((s.in_syncobj = binary, s.in_syncobj_point = 1), EINVAL);
	/* Points without their syncobj. */
	REFUSED(s.in_syncobj = 0, EINVAL);
	REFUSED(s.out_syncobj = 0, EINVAL);
	/* Anything else wrong, with a valid point to signal. */
	REFUSED(s.in_syncobj = 0x7fff, ENOENT);
	REFUSED(s.out_syncobj = 0x7fff, ENOENT);
	REFUSED(s.dst_handle = 0x7fff, ENOENT);
	REFUSED(s.delay_ms = 10001, EINVAL);
#undef REFUSED
	/* Not even a point waiting for a fence. */
	igt_assert_eq(__syncobj_timeline_wait(fd, timeline, last + 1, 0, 0),
		      -EINVAL);

	s = ok;
	igt_assert_eq(__vshare_submit(fd, &s), 0);
	igt_assert_eq_u64(syncobj_query(fd, timeline, LAST_SUBMITTED),
			  last + 1);
	igt_assert_eq(__syncobj_timeline_wait(fd, timeline, last + 1, LONG_MS,
					      0), 0);
	sync_file_wait_ok(s.out_fence_fd);
	/* That job ran after every refused one would have: none wrote. */
	igt_assert_eq_u32(p[0], 0x77777777);
	assert_filled(fd, dst, 0x77777777);

	munmap(p, BO_SIZE);
	syncobj_destroy(fd, binary);
	syncobj_destroy(fd, fresh);
	gem_close(fd, scratch);
	gem_close(fd, dst);
}

static void test_timeline_submit(int fd)
{
	uint32_t timeline = syncobj_create(fd, 0);
	uint32_t a = vshare_create(fd, BO_SIZE), b = vshare_create(fd, BO_SIZE);
	uint32_t d = vshare_create(fd, BO_SIZE);
	uint32_t *pb = map_bo(fd, b), *pd = map_bo(fd, d);
	struct held_point held;
	int fill_a, copy_b, fill_d;
	double start = now_ms();

	/* Point 3 is a FILL that takes DELAY_MS. */
	fill_a = fill(fd, a, 0x11111111, (struct drm_vshare_submit){
		.delay_ms = DELAY_MS, .out_syncobj = timeline,
		.out_syncobj_point = 3 });
	igt_assert_eq_u64(syncobj_query(fd, timeline, LAST_SUBMITTED), 3);
	igt_assert_eq_u64(syncobj_query(fd, timeline, 0), 0);
	igt_assert_eq(__syncobj_timeline_wait(fd, timeline, 3, 0, 0), -ETIME);

	/* Point 7 is a fence only the test signals. */
	hold_point(fd, timeline, 7, &held);
	igt_assert_eq_u64(syncobj_query(fd, timeline, LAST_SUBMITTED), 7);

	/* Waits for point 3, not for the later point 7. */
	copy_b = vshare_submit_job(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = b, .src_handle = a,
		.size = BO_SIZE, .in_syncobj = timeline,
		.in_syncobj_point = 3 });
	/* Waits for point 7, signals point 9. */
	fill_d = fill(fd, d, 0x33333333, (struct drm_vshare_submit){
		.in_syncobj = timeline, .in_syncobj_point = 7,
		.out_syncobj = timeline, .out_syncobj_point = 9 });
	igt_assert_eq_u64(syncobj_query(fd, timeline, LAST_SUBMITTED), 9);

	/* Point 3 signals when the fill is done, and not before. */
	igt_assert_eq(__syncobj_timeline_wait(fd, timeline, 3, LONG_MS,
					      WAIT_FOR_SUBMIT), 0);
	igt_info("point 3 signaled after %.0f ms\n", now_ms() - start);
	igt_assert_lte(DELAY_MIN_MS, now_ms() - start);
	igt_assert_eq(sync_file_status(fill_a), 1);
	igt_assert_eq_u64(syncobj_query(fd, timeline, 0), 3);
	sync_file_wait_ok(fill_a);
	/* The copy that waited for it has the fill. */
	sync_file_wait_ok(copy_b);
	igt_assert_eq_u32(pb[0], 0x11111111);
	assert_filled(fd, b, 0x11111111);

	/* The fill waiting for point 7 has not run... */
	igt_assert(!ready_within(fill_d, POLLIN, 500));
	igt_assert(all_zero(pd, BO_SIZE));
	igt_assert_eq(__syncobj_timeline_wait(fd, timeline, 9, 0, 0), -ETIME);
	igt_assert_eq_u64(syncobj_query(fd, timeline, 0), 3);
	/* ... until the fence of point 7 signals, then signals point 9. */
	release_point(fd, &held);
	igt_assert_eq(__syncobj_timeline_wait(fd, timeline, 9, LONG_MS, 0), 0);
	igt_assert_eq_u64(syncobj_query(fd, timeline, 0), 9);
	sync_file_wait_ok(fill_d);
	igt_assert_eq_u32(pd[0], 0x33333333);
	assert_filled(fd, d, 0x33333333);

	timeline_errors(fd, timeline);

	munmap(pb, BO_SIZE);
	munmap(pd, BO_SIZE);
	gem_close(fd, a);
	gem_close(fd, b);
	gem_close(fd, d);
	syncobj_destroy(fd, timeline);
}

/*
 * A job of device 0 that takes DELAY_MS, signals a point of device 0's
 * timeline, and is waited for through a point of device 1's timeline.
 */
struct cross {
	int fd0, fd1;
	uint32_t timeline0, timeline1;
	uint32_t bo0, value;
	int job;		/* its sync_file */
	double start;
};

static void cross_start(struct cross *c, int fd0, uint64_t point,
			uint32_t value)
{
	c->fd0 = fd0;
	c->fd1 = open_device("vshare.1");
	c->timeline0 = syncobj_create(fd0, 0);
	c->timeline1 = syncobj_create(c->fd1, 0);
	c->bo0 = vshare_create(fd0, BO_SIZE);
	c->value = value;
	c->start = now_ms();
	c->job = fill(fd0, c->bo0, value, (struct drm_vshare_submit){
		.delay_ms = DELAY_MS, .out_syncobj = c->timeline0,
		.out_syncobj_point = point });
}

static void cross_finish(struct cross *c)
{
	sync_file_wait_ok(c->job);
	gem_close(c->fd0, c->bo0);
	syncobj_destroy(c->fd1, c->timeline1);
	syncobj_destroy(c->fd0, c->timeline0);
	drm_close(c->fd1);
}

/*
 * Point @point of device 1's timeline stands for device 0's job: a device
 * 1 job waiting for it fills a buffer of its own only after that job, and
 * signals point + 1.
 */
static void device1_waits(struct cross *c, uint64_t point)
{
	const int fd1 = c->fd1;
	uint32_t bo1 = vshare_create(fd1, BO_SIZE), *p = map_bo(fd1, bo1);
	int waiter;

	igt_assert_eq_u64(syncobj_query(fd1, c->timeline1, LAST_SUBMITTED),
			  point);
	igt_assert_eq_u64(syncobj_query(fd1, c->timeline1, 0), 0);
	waiter = fill(fd1, bo1, 0x22222222, (struct drm_vshare_submit){
		.in_syncobj = c->timeline1, .in_syncobj_point = point,
		.out_syncobj = c->timeline1, .out_syncobj_point = point + 1 });

	/* While device 0's job runs, device 1's waits. */
	igt_assert(!ready_within(waiter, POLLIN, 500));
	igt_assert_f(!poll_now(c->job, POLLIN), "device 0's job was done "
		     "%.0f ms after it was submitted: too soon to tell\n",
		     now_ms() - c->start);
	igt_assert(all_zero(p, BO_SIZE));
	igt_assert_eq(__syncobj_timeline_wait(fd1, c->timeline1, point + 1, 0,
					      0), -ETIME);

	/* Device 1 sees the point signal once device 0's job is done. */
	igt_assert_eq(__syncobj_timeline_wait(fd1, c->timeline1, point,
					      LONG_MS, 0), 0);
	igt_info("device 1's point signaled after %.0f ms\n",
		 now_ms() - c->start);
	igt_assert_lte(DELAY_MIN_MS, now_ms() - c->start);
	igt_assert_eq(sync_file_status(c->job), 1);
	assert_filled(c->fd0, c->bo0, c->value);

	/* Then its own job runs, and signals the next point. */
	igt_assert_eq(__syncobj_timeline_wait(fd1, c->timeline1, point + 1,
					      LONG_MS, 0), 0);
	igt_assert_eq_u64(syncobj_query(fd1, c->timeline1, 0), point + 1);
	sync_file_wait_ok(waiter);
	igt_assert_eq_u32(p[0], 0x22222222);
	assert_filled(fd1, bo1, 0x22222222);
	munmap(p, BO_SIZE);
	gem_close(fd1, bo1);
}

/*
 * Whether the kernel exports and imports points in one ioctl (7.x). What is
 * imported at a point is never an exported point: that is a dma_fence_chain,
 * which FD_TO_HANDLE_FLAGS_TIMELINE puts inside a new chain without
 * flattening it (SYNCOBJ_TRANSFER does), and dma_fence_chain_init() WARNs
 * on a chain inside a chain (Linux 7.3). Any user can trigger that kernel
 * report; these tests must not.
 */
static void require_point_fds(int fd)
{
	uint32_t timeline = syncobj_create(fd, 0);
	uint32_t other = syncobj_create(fd, 0);
	uint32_t signaled = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int exported, imported = -EINVAL, sync_fd = -1;

	syncobj_timeline_signal(fd, timeline, 1);
	exported = __syncobj_export_point(fd, timeline, 1, &sync_fd);
	if (!exported) {
		igt_assert(poll_now(sync_fd, POLLIN));
		close(sync_fd);
		sync_fd = syncobj_export_sync_file(fd, signaled);
		imported = __syncobj_import_point(fd, other, 5, sync_fd);
		close(sync_fd);
	}
	if (!imported)
		igt_assert_eq_u64(syncobj_query(fd, other, 0), 5);
	syncobj_destroy(fd, signaled);
	syncobj_destroy(fd, other);
	syncobj_destroy(fd, timeline);
	igt_require_f(exported != -EINVAL, "the kernel has no "
		      "DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE (Linux 7.x has "
		      "it, 6.12 not)\n");
	igt_assert_eq(exported, 0);
	igt_require_f(imported != -EINVAL, "the kernel has no "
		      "DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE (Linux 7.x has "
		      "it, 6.12 not)\n");
	igt_assert_eq(imported, 0);
}

static void test_timeline_export_device1(int fd0)
{
	struct cross c;
	int point_fd = -1;

	require_point_fds(fd0);
	cross_start(&c, fd0, 4, 0x44444444);
	/* Point 4 of device 0 out in one ioctl: pending while the job is. */
	igt_assert_eq(__syncobj_export_point(fd0, c.timeline0, 4, &point_fd),
		      0);
	igt_assert(!poll_now(point_fd, POLLIN));
	/* The job's own fence becomes point 2 of device 1, in one ioctl. */
	igt_assert_eq(__syncobj_import_point(c.fd1, c.timeline1, 2, c.job), 0);

	device1_waits(&c, 2);
	igt_assert(poll_now(point_fd, POLLIN));
	close(point_fd);
	cross_finish(&c);
}

static void test_cross_device_wait(int fd0)
{
	uint32_t binary0, binary1;
	struct cross c;
	int sync_fd;

	cross_start(&c, fd0, 6, 0x55555555);
	binary0 = syncobj_create(fd0, 0);
	binary1 = syncobj_create(c.fd1, 0);
	/* Point 6 of device 0 becomes point 3 of device 1. */
	syncobj_transfer(fd0, binary0, 0, c.timeline0, 6);
	sync_fd = syncobj_export_sync_file(fd0, binary0);
	igt_assert(!poll_now(sync_fd, POLLIN));
	syncobj_import_sync_file(c.fd1, binary1, sync_fd);
	close(sync_fd);
	syncobj_transfer(c.fd1, c.timeline1, 3, binary1, 0);

	device1_waits(&c, 3);
	syncobj_destroy(c.fd1, binary1);
	syncobj_destroy(fd0, binary0);
	cross_finish(&c);
}

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = open_device("vshare.0");
		/*
		 * A job gives up on a dependency after job_timeout_ms (5 s);
		 * under qemu TCG the points tested here may take longer.
		 */
		if (vshare_param("job_timeout_ms") < 20000)
			vshare_set_param("job_timeout_ms", 20000);
	}

	igt_describe("SUBMIT signals and waits for the timeline points it "
		     "names, and refuses bad ones without a trace.");
	igt_subtest("timeline-submit")
		test_timeline_submit(fd);

	igt_describe("A point exported as a sync_file in one ioctl is waited "
		     "for on another device (Linux 7.x).");
	igt_subtest("timeline-export-device1")
		test_timeline_export_device1(fd);

	igt_describe("A point transferred to another device's timeline orders "
		     "that device's job after the first device's.");
	igt_subtest("cross-device-wait")
		test_cross_device_wait(fd);

	igt_fixture() {
		drm_close(fd);
	}
}
