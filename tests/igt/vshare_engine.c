// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_engine: the virtual engine's jobs (fill, copy, CRC-32) on native
 * and imported buffers, their ordering, explicit in/out fences (sync_file,
 * syncobj), implicit sync through the buffers, errors, hangs and recovery;
 * the bounded queue, all-or-nothing SUBMIT under fault injection, and the
 * ACCESS ioctl waiting for the jobs using a buffer.
 */

/**
 * TEST: vshare engine
 * Category: Core
 * Description: vshare's virtual engine: its jobs on native and imported
 *	buffers, their order, explicit and implicit fences, errors, hangs,
 *	the bounded queue and SUBMIT under fault injection.
 *
 * SUBTEST: fill
 * Description: A FILL of MiB + 16 bytes at MiB - 8 writes exactly that
 *	range of a 3 MiB buffer.
 *
 * SUBTEST: copy
 * Description: A COPY of a whole 2 MiB + 4 KiB buffer, and of one MiB
 *	within a buffer, give the source's bytes.
 *
 * SUBTEST: crc32
 * Description: A CRC32 job over MiB of a source at 4 KiB writes the CPU's
 *	CRC-32 of it at offset 8 of its destination, and nothing before.
 *
 * SUBTEST: ordering-and-busy
 * Description: A fast job behind a 500 ms one finishes after it (one
 *	ring), and the slow job's buffer polls busy until then.
 *
 * SUBTEST: implicit-sync
 * Description: A COPY from a buffer a slow FILL writes gets the fill.
 *
 * SUBTEST: in-sync-file
 * Description: A job with a sw_sync in-fence does not run until the
 *	fence signals, then does.
 *
 * SUBTEST: syncobj-chain
 * Description: A FILL's out-syncobj is a COPY's in-syncobj (and its
 *	out-syncobj): waiting on it, the copy holds the fill.
 *
 * SUBTEST: imported-vgem
 * Description: A FILL of an imported vgem dumb buffer is seen through
 *	vgem's mapping.
 *
 * SUBTEST: hang-recovery
 * Description: With job_timeout_ms 500, a HANG job signals -EIO, the job
 *	depending on it -ECANCELED, neither writes, and the next job runs.
 *
 * SUBTEST: dependency-timeout
 * Description: With job_timeout_ms 300, a job whose sw_sync in-fence
 *	never signals ends with -ETIMEDOUT.
 *
 * SUBTEST: bad-args
 * Description: Bad ops, flags, sizes, offsets, delays, handles, fences
 *	and syncobjs are EINVAL or ENOENT; then a valid job runs.
 *
 * SUBTEST: queue-bounded
 * Description: With 64 jobs queued behind a fence, SUBMIT is EBUSY,
 *	without an out-fence, from any file of the device, while another
 *	device still takes jobs; a slot frees once a job finishes.
 *
 * SUBTEST: submit-all-or-nothing
 * Description: Each allocation and injection point of SUBMIT fails in
 *	turn (fail-nth): a failed SUBMIT runs no job, writes nothing, returns
 *	no sync_file, installs no file and leaves the syncobj empty; then it
 *	goes through.
 *
 * SUBTEST: access-waits-for-job
 * Description: ACCESS CRC32 of a buffer a 300 ms job writes returns the
 *	job's fill; an ACCESS FILL lands after the job's.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

/* Submits and returns the job's sync_file. */
static int submit(int fd, struct drm_vshare_submit s)
{
	s.flags |= VSHARE_SUBMIT_OUT_SYNC_FILE;
	igt_assert_eq(__vshare_submit(fd, &s), 0);
	igt_assert(s.out_fence_fd >= 0);
	return s.out_fence_fd;
}

static bool signaled_within(int sync_fd, int ms)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void wait_ok(int sync_fd)
{
	igt_assert_f(signaled_within(sync_fd, 20000), "job did not finish\n");
	igt_assert_eq(sync_file_status(sync_fd), 1);
	close(sync_fd);
}

static void check_fill(const uint32_t *p, uint64_t size, uint64_t off,
		       uint64_t len, uint32_t value)
{
	uint64_t i;

	for (i = 0; i < size / 4; i++) {
		uint32_t want = i * 4 >= off && i * 4 < off + len ? value : 0;

		igt_assert_f(p[i] == want, "word %" PRIu64 ": %#x, expected %#x\n",
			     i, p[i], want);
	}
}

/* A FILL of a 4 KiB buffer with an out sync_file: 0 or -errno. */
static int __fill(int fd, uint32_t dst, uint32_t value, uint32_t delay_ms,
		  int *sync_fd)
{
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.dst_handle = dst, .size = 4096, .value = value,
		.delay_ms = delay_ms, .out_fence_fd = -1,
	};
	int ret = __vshare_submit(fd, &s);

	*sync_fd = s.out_fence_fd;
	return ret;
}

/* Whether a dma-buf has no unsignaled fence left within @ms. */
static bool idle_within(int dmabuf, int ms)
{
	struct pollfd p = { .fd = dmabuf, .events = POLLIN | POLLOUT };

	return poll(&p, 1, ms) == 1 && (p.revents & (POLLIN | POLLOUT)) ==
	       (POLLIN | POLLOUT);
}

/* A second file of the device @fd belongs to. */
static int reopen(int fd)
{
	char path[64];
	int other;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	other = open(path, O_RDWR | O_CLOEXEC);
	igt_assert(other >= 0);
	return other;
}

static bool same_device(int a, int b)
{
	struct stat sa, sb;

	igt_assert_eq(fstat(a, &sa), 0);
	igt_assert_eq(fstat(b, &sb), 0);
	return sa.st_rdev == sb.st_rdev;
}

static void test_queue_bounded(int fd)
{
	struct drm_vshare_fence_signal sig = { 0 };
	int syncs[VSHARE_MAX_JOBS + 2], n = 0, i, ret, sync_fd, other;
	uint32_t a = vshare_create(fd, 4096), b = vshare_create(fd, 4096);
	uint32_t last = 0, id, h;
	double start = now_ms(), deadline;
	bool second_done;

	/* The head job waits for a fence we hold: none finishes meanwhile. */
	igt_assert_eq(__vshare_fence_attach(fd, a, VSHARE_FENCE_WRITE |
					    VSHARE_FENCE_TIMEOUT, 10000, &id), 0);
	/*
	 * The others queue behind it. A job of an earlier subtest that just
	 * signaled may hold its slot a moment longer: wait for that.
	 */
	deadline = now_ms() + 1000;
	while (n < VSHARE_MAX_JOBS) {
		uint32_t value = n ? 0x100 + n : 1;

		ret = __fill(fd, n ? b : a, value, n ? 40 : 0, &sync_fd);
		if (ret == -EBUSY && now_ms() < deadline) {
			usleep(1000);
			continue;
		}
		igt_assert_f(ret == 0, "job %d: %s\n", n, strerror(-ret));
		if (n)
			last = value;
		syncs[n++] = sync_fd;
	}

	/* Full: refused without an out-fence, from any file of the device. */
	igt_assert_eq(__fill(fd, b, 0xbad, 0, &sync_fd), -EBUSY);
	igt_assert_eq(sync_fd, -1);
	other = reopen(fd);
	h = vshare_create(other, 4096);
	igt_assert_eq(__fill(other, h, 0xbad, 0, &sync_fd), -EBUSY);
	igt_assert_eq(sync_fd, -1);
	close(other);
	/* Another device has a queue of its own. */
	other = drm_open_driver_nth("vshare", NODE_RENDER, 1);
	igt_assert_f(other >= 0, "needs vshare device 1\n");
	if (!same_device(fd, other)) {
		h = vshare_create(other, 4096);
		igt_assert_eq(__fill(other, h, 0x600d, 0, &sync_fd), 0);
		wait_ok(sync_fd);
		igt_assert_eq_u32(vshare_crc32(other, h, 0, 4096),
				  fill_crc(4096, 0x600d));
	}
	drm_close(other);

	igt_assert(!signaled_within(syncs[0], 0));
	sig.fence = id;
	do_ioctl(fd, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &sig);
	igt_assert(signaled_within(syncs[0], 20000));
	igt_assert_eq(sync_file_status(syncs[0]), 1);

	/*
	 * The head job's slot is free once it finished. Its fence signals
	 * just before the slot is given back, but surely before the next job
	 * (40 ms) finishes.
	 */
	for (;;) {
		second_done = signaled_within(syncs[1], 0);
		ret = __fill(fd, b, 0x200, 0, &sync_fd);
		if (!ret)
			break;
		igt_assert_eq(ret, -EBUSY);
		igt_assert_f(!second_done,
			     "SUBMIT still refused after two jobs finished\n");
		usleep(500);
	}
	last = 0x200;
	syncs[n++] = sync_fd;
	/* That was the only free slot, unless the next job finished too. */
	ret = __fill(fd, b, 0x201, 0, &sync_fd);
	if (ret == 0) {
		igt_assert_f(signaled_within(syncs[1], 0),
			     "%d jobs accepted at once\n", VSHARE_MAX_JOBS + 1);
		last = 0x201;
		syncs[n++] = sync_fd;
	} else {
		igt_assert_eq(ret, -EBUSY);
	}

	for (i = 0; i < n; i++)
		wait_ok(syncs[i]);
	igt_assert_eq_u32(vshare_crc32(fd, a, 0, 4096), fill_crc(4096, 1));
	igt_assert_eq_u32(vshare_crc32(fd, b, 0, 4096), fill_crc(4096, last));
	igt_info("%d jobs in %.0f ms\n", n, now_ms() - start);
	gem_close(fd, a);
	gem_close(fd, b);
}

/*
 * fail-nth through a file opened once: with allocations that may reclaim
 * made to fail, opening it each time could fail.
 */
#define FAIL_NTH	"/proc/thread-self/fail-nth"

static int fail_nth_fd = -1;

static void fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	igt_assert_eq(pwrite(fail_nth_fd, buf, len, 0), len);
}

static unsigned int fail_nth_get(void)
{
	char buf[16] = { 0 };

	igt_assert(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0);
	return strtoul(buf, NULL, 10);
}

/*
 * By default failslab only fails allocations that cannot reclaim, which
 * SUBMIT hardly makes: let it fail GFP_KERNEL ones too (fail-nth fails
 * them in this thread only), quietly, so that the walk covers SUBMIT's
 * allocations as well as vshare's own injection points.
 */
static struct {
	const char *path;
	const char *value;
	char saved[16];
} failslab_attrs[] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N\n" },
	/* run-guest.sh makes failslab ignore every cache outside this test. */
	{ "/sys/kernel/debug/failslab/cache-filter", "N\n" },
	{ "/sys/kernel/debug/failslab/verbose", "0\n" },
};

static void failslab_restore(int sig)
{
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(failslab_attrs) / sizeof(failslab_attrs[0]); i++) {
		if (!failslab_attrs[i].saved[0])
			continue;
		fd = open(failslab_attrs[i].path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, failslab_attrs[i].saved,
				  strlen(failslab_attrs[i].saved)) < 0)
				fprintf(stderr, "restoring %s: %m\n",
					failslab_attrs[i].path);
			close(fd);
		}
		failslab_attrs[i].saved[0] = '\0';
	}
}

static bool failslab_include_reclaim(void)
{
	static bool handler;
	unsigned int i;
	ssize_t n;
	int fd;

	if (access(failslab_attrs[0].path, W_OK)) {
		igt_info("no failslab: vshare's injection points only\n");
		return false;
	}
	if (!handler) {
		igt_install_exit_handler(failslab_restore);
		handler = true;
	}
	for (i = 0; i < sizeof(failslab_attrs) / sizeof(failslab_attrs[0]); i++) {
		/* debugfs attributes: no pwrite(), and one open per access. */
		fd = open(failslab_attrs[i].path, O_RDONLY | O_CLOEXEC);
		igt_assert_f(fd >= 0, "%s: %m\n", failslab_attrs[i].path);
		n = read(fd, failslab_attrs[i].saved,
			 sizeof(failslab_attrs[i].saved) - 1);
		close(fd);
		igt_assert(n > 0);
		failslab_attrs[i].saved[n] = '\0';
		fd = open(failslab_attrs[i].path, O_WRONLY | O_CLOEXEC);
		igt_assert_f(fd >= 0, "%s: %m\n", failslab_attrs[i].path);
		n = strlen(failslab_attrs[i].value);
		igt_assert_eq(write(fd, failslab_attrs[i].value, n), n);
		close(fd);
	}
	return true;
}

/* The descriptor the next open would get. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	igt_assert(fd >= 0);
	close(fd);
	return fd;
}

static void test_submit_all_or_nothing(int fd)
{
	const uint32_t zero_crc = fill_crc(4096, 0);
	uint32_t scratch = vshare_create(fd, 4096);
	unsigned int n, left = 0, failures = 0;
	bool done = false, usercopy;

	igt_require_f(access(FAIL_NTH, W_OK) == 0,
		      "no fail-nth (CONFIG_FAULT_INJECTION)\n");
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	igt_assert(fail_nth_fd >= 0);
	failslab_include_reclaim();
	usercopy = access("/sys/kernel/debug/fail_usercopy", F_OK) == 0;
	/* Warm-up: the path to the ioctl is faulted in before anything fails. */
	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = scratch, .size = 4096 }));

	for (n = 1; n <= 200 && !done; n++) {
		struct drm_syncobj_create create = { 0 };
		struct drm_syncobj_destroy destroy = { 0 };
		struct drm_syncobj_wait wait = { .count_handles = 1 };
		uint32_t value = 0x5eed0000 + n, dst;
		struct drm_vshare_submit s;
		int dmabuf, free_fd, ret;

		dst = vshare_create(fd, 4096);
		dmabuf = prime_handle_to_fd(fd, dst, DRM_CLOEXEC);
		do_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create);
		wait.handles = (uintptr_t)&create.handle;
		free_fd = lowest_free_fd();
		s = (struct drm_vshare_submit){
			.op = VSHARE_JOB_FILL,
			.flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
			.dst_handle = dst, .size = 4096, .value = value,
			.out_fence_fd = -1, .out_syncobj = create.handle,
		};

		fail_nth_set(n);
		ret = __vshare_submit(fd, &s);
		left = fail_nth_get();
		fail_nth_set(0);

		if (ret == 0) {
			/* Through: the job runs and signals both out-fences. */
			igt_assert(s.out_fence_fd >= 0);
			wait_ok(s.out_fence_fd);
			wait.timeout_nsec = INT64_MAX;
			do_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wait);
			igt_assert_eq_u32(vshare_crc32(fd, dst, 0, 4096),
					  fill_crc(4096, value));
			/* Not even reached: every point has been failed. */
			done = left > 0;
		} else if (ret == -EFAULT && usercopy) {
			/*
			 * fail_usercopy: copying the arguments in or out
			 * failed, after the job was queued maybe. No driver
			 * can undo that; the next point is what counts.
			 */
			failures++;
			if (s.out_fence_fd >= 0)
				close(s.out_fence_fd);
		} else {
			failures++;
			igt_debug("failure %u: %s\n", n, strerror(-ret));
			igt_assert_f(left == 0, "SUBMIT failed (%s) without "
				     "an injected failure\n", strerror(-ret));
			igt_assert_f(s.out_fence_fd == -1, "failed SUBMIT (%s) "
				     "returned out_fence_fd %d\n",
				     strerror(-ret), s.out_fence_fd);
			igt_assert_f(lowest_free_fd() == free_fd,
				     "failed SUBMIT (%s) installed a file\n",
				     strerror(-ret));
			/* A job queued nonetheless would run before this. */
			wait_ok(submit(fd, (struct drm_vshare_submit){
				.op = VSHARE_JOB_FILL, .dst_handle = scratch,
				.size = 4096, .value = n }));
			igt_assert_f(idle_within(dmabuf, 1000), "failed SUBMIT "
				     "(%s) left a pending fence in the buffer\n",
				     strerror(-ret));
			igt_assert_f(vshare_crc32(fd, dst, 0, 4096) == zero_crc,
				     "failed SUBMIT (%s) wrote the buffer\n",
				     strerror(-ret));
			/* A syncobj without a fence: EINVAL, not a timeout. */
			wait.timeout_nsec = 0;
			do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wait, EINVAL);
		}
		destroy.handle = create.handle;
		do_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &destroy);
		close(dmabuf);
		gem_close(fd, dst);
	}
	failslab_restore(0);
	close(fail_nth_fd);
	fail_nth_fd = -1;
	igt_info("SUBMIT failed at %u injection points, then went through\n",
		 failures);
	igt_assert_f(done, "SUBMIT still failing after %u injection points\n",
		     failures);
	/* At least the kernel mapping of the buffer can fail. */
	igt_assert_lt(0, failures);
	gem_close(fd, scratch);
}

static void test_access_waits_for_job(int fd)
{
	const uint64_t size = MiB;
	uint32_t handle = vshare_create(fd, size), crc, *p;
	double start;
	int sync_fd;

	/* A reader waits for the writing job... */
	sync_fd = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = handle, .size = size,
		.value = 0xdeadbeef, .delay_ms = 300 });
	start = now_ms();
	crc = vshare_crc32(fd, handle, 0, size);
	igt_info("ACCESS CRC32 returned after %.0f ms\n", now_ms() - start);
	igt_assert_eq_u32(crc, fill_crc(size, 0xdeadbeef));
	igt_assert(signaled_within(sync_fd, 0));
	wait_ok(sync_fd);

	/* ... and a writer too: the later write wins. */
	sync_fd = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = handle, .size = size,
		.value = 2, .delay_ms = 300 });
	vshare_fill(fd, handle, 0, size, 1);
	igt_assert(signaled_within(sync_fd, 0));
	wait_ok(sync_fd);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size), fill_crc(size, 1));
	p = vshare_mmap(fd, handle, size, PROT_READ);
	igt_assert_eq_u32(p[0], 1);
	igt_assert_eq_u32(p[size / 4 - 1], 1);
	munmap(p, size);
	gem_close(fd, handle);
}

static void test_fill(int fd)
{
	const uint64_t size = 3 * MiB;
	uint32_t dst = vshare_create(fd, size);
	uint32_t *p = vshare_mmap(fd, dst, size, PROT_READ);

	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = dst,
		.dst_offset = MiB - 8, .size = MiB + 16, .value = 0xf111f111 }));
	check_fill(p, size, MiB - 8, MiB + 16, 0xf111f111);
	munmap(p, size);
	gem_close(fd, dst);
}

static void test_copy(int fd)
{
	const uint64_t size = 2 * MiB + 4096;
	uint32_t a = vshare_create(fd, size), b = vshare_create(fd, size);
	uint32_t *pa = vshare_mmap(fd, a, size, PROT_READ | PROT_WRITE);
	uint32_t *pb = vshare_mmap(fd, b, size, PROT_READ | PROT_WRITE);

	fill_pattern(pa, size, 21);
	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = b, .src_handle = a,
		.size = size }));
	igt_assert_eq(check_pattern(pb, size, 21), 0);
	/* Within one buffer, without overlap. */
	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = a, .src_handle = a,
		.dst_offset = 0, .src_offset = MiB, .size = MiB }));
	igt_assert_eq(memcmp(pa, pb + MiB / 4, MiB), 0);
	munmap(pa, size);
	munmap(pb, size);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_crc32(int fd)
{
	const uint64_t size = MiB + 4096;
	uint32_t src = vshare_create(fd, size), res = vshare_create(fd, 4096);
	uint32_t *ps = vshare_mmap(fd, src, size, PROT_READ | PROT_WRITE);
	uint32_t *pr = vshare_mmap(fd, res, 4096, PROT_READ);

	fill_pattern(ps, size, 22);
	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_CRC32, .dst_handle = res, .dst_offset = 8,
		.src_handle = src, .src_offset = 4096, .size = MiB }));
	igt_assert_eq_u32(pr[2], crc32_ieee((char *)ps + 4096, MiB));
	igt_assert_eq_u32(pr[0], 0);
	munmap(ps, size);
	munmap(pr, 4096);
	gem_close(fd, src);
	gem_close(fd, res);
}

static void test_ordering_and_busy(int fd)
{
	uint32_t a = vshare_create(fd, 4096), b = vshare_create(fd, 4096);
	int dmabuf = prime_handle_to_fd(fd, a, DRM_CLOEXEC);
	struct pollfd p = { .fd = dmabuf, .events = POLLIN };
	uint32_t *pb = vshare_mmap(fd, b, 4096, PROT_READ);
	int slow, fast;
	double t0 = now_ms();

	slow = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = a, .size = 4096,
		.value = 1, .delay_ms = 500 });
	/* Independent buffer, but the engine is a single ring. */
	fast = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = b, .size = 4096,
		.value = 2 });
	igt_assert_eq(poll(&p, 1, 0), 0);
	igt_assert(signaled_within(fast, 20000));
	igt_assert_eq(sync_file_status(slow), 1);
	igt_info("slow job done after %.0f ms\n", now_ms() - t0);
	igt_assert(now_ms() - t0 >= 490);
	igt_assert_eq(poll(&p, 1, 0), 1);
	igt_assert_eq_u32(pb[0], 2);
	close(slow);
	close(fast);
	munmap(pb, 4096);
	close(dmabuf);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_implicit_sync(int fd)
{
	uint32_t a = vshare_create(fd, MiB), b = vshare_create(fd, MiB);
	uint32_t *pb = vshare_mmap(fd, b, MiB, PROT_READ);
	uint32_t f1, f2;

	f1 = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = a, .size = MiB,
		.value = 0xabcd1234, .delay_ms = 300 });
	f2 = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = b, .src_handle = a,
		.size = MiB });
	wait_ok(f2);
	wait_ok(f1);
	check_fill(pb, MiB, 0, MiB, 0xabcd1234);
	munmap(pb, MiB);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_in_sync_file(int fd)
{
	uint32_t dst = vshare_create(fd, 4096);
	uint32_t *p = vshare_mmap(fd, dst, 4096, PROT_READ);
	int timeline, in, out;

	timeline = sw_sync_timeline();
	in = sw_sync_fence(timeline);
	out = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = dst, .size = 4096,
		.value = 7, .flags = VSHARE_SUBMIT_IN_SYNC_FILE,
		.in_fence_fd = in });
	igt_assert(!signaled_within(out, 300));
	igt_assert_eq_u32(p[0], 0);
	sw_sync_inc(timeline);
	wait_ok(out);
	igt_assert_eq_u32(p[0], 7);
	close(in);
	close(timeline);
	munmap(p, 4096);
	gem_close(fd, dst);
}

static void test_syncobj_chain(int fd)
{
	struct drm_syncobj_create create = { 0 };
	struct drm_syncobj_wait wait = { .count_handles = 1,
					 .timeout_nsec = INT64_MAX };
	uint32_t a = vshare_create(fd, 4096), b = vshare_create(fd, 4096);
	uint32_t *pb = vshare_mmap(fd, b, 4096, PROT_READ);
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_FILL, .dst_handle = a, .size = 4096,
		.value = 0x51, .delay_ms = 200,
	};

	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create);
	s.out_syncobj = create.handle;
	igt_assert_eq(__vshare_submit(fd, &s), 0);
	igt_assert(s.seqno > 0);
	igt_assert_eq(s.out_fence_fd, -1);

	s = (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = b, .src_handle = a,
		.size = 4096, .in_syncobj = create.handle,
		.out_syncobj = create.handle,
	};
	igt_assert_eq(__vshare_submit(fd, &s), 0);
	wait.handles = (uintptr_t)&create.handle;
	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wait);
	igt_assert_eq_u32(pb[0], 0x51);
	munmap(pb, 4096);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_imported_vgem(int fd)
{
	int vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	uint32_t pitch, vh, handle;
	uint64_t size;
	uint32_t *vp;
	int dmabuf;

	vh = dumb_create(vgem, 256, 256, 32, &pitch, &size);
	vp = dumb_mmap(vgem, vh, size, PROT_READ | PROT_WRITE);
	dmabuf = prime_handle_to_fd(vgem, vh, DRM_CLOEXEC | DRM_RDWR);
	handle = prime_fd_to_handle(fd, dmabuf);
	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = handle, .size = size,
		.value = 0x0badf00d }));
	check_fill(vp, size, 0, size, 0x0badf00d);
	munmap(vp, size);
	close(dmabuf);
	gem_close(fd, handle);
	gem_close(vgem, vh);
	close(vgem);
}

static void test_hang_recovery(int fd)
{
	unsigned int saved = vshare_param("job_timeout_ms");
	uint32_t dst = vshare_create(fd, 4096);
	uint32_t *p = vshare_mmap(fd, dst, 4096, PROT_READ);
	int hung, next;

	vshare_set_param("job_timeout_ms", 500);
	hung = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = dst, .size = 4096,
		.value = 1, .flags = VSHARE_SUBMIT_HANG });
	next = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = dst, .size = 4096,
		.value = 2 });
	igt_assert(signaled_within(hung, 20000));
	igt_assert_eq(sync_file_status(hung), -EIO);
	/* The next job depended on the hung one's write: cancelled. */
	igt_assert(signaled_within(next, 20000));
	igt_assert_eq(sync_file_status(next), -ECANCELED);
	igt_assert_eq_u32(p[0], 0);
	vshare_set_param("job_timeout_ms", saved);
	wait_ok(submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = dst, .size = 4096,
		.value = 3 }));
	igt_assert_eq_u32(p[0], 3);
	close(hung);
	close(next);
	munmap(p, 4096);
	gem_close(fd, dst);
}

static void test_dependency_timeout(int fd)
{
	unsigned int saved = vshare_param("job_timeout_ms");
	uint32_t dst = vshare_create(fd, 4096);
	int timeline, in, out;

	timeline = sw_sync_timeline();
	vshare_set_param("job_timeout_ms", 300);
	in = sw_sync_fence(timeline);
	out = submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = dst, .size = 4096,
		.value = 9, .flags = VSHARE_SUBMIT_IN_SYNC_FILE,
		.in_fence_fd = in });
	igt_assert(signaled_within(out, 20000));
	igt_assert_eq(sync_file_status(out), -ETIMEDOUT);
	vshare_set_param("job_timeout_ms", saved);
	close(out);
	close(in);
	close(timeline);
	gem_close(fd, dst);
}

static void test_bad_args(int fd)
{
	uint32_t a = vshare_create(fd, 8192), b = vshare_create(fd, 4096);
	struct drm_vshare_submit ok = {
		.op = VSHARE_JOB_FILL, .dst_handle = a, .size = 4096,
	};
	struct drm_vshare_submit s;
	int null = open("/dev/null", O_RDONLY);

#define BAD(field_changes, err) do {					\
		s = ok;							\
		field_changes;						\
		igt_assert_eq(__vshare_submit(fd, &s), -(err));		\
	} while (0)
	BAD(s.op = 0, EINVAL);
	BAD(s.op = 4, EINVAL);
	BAD(s.flags = 1u << 3, EINVAL);
	BAD(s.size = 0, EINVAL);
	BAD(s.size = 6, EINVAL);
	BAD(s.dst_offset = 2, EINVAL);
	BAD(s.dst_offset = 8192, EINVAL);
	BAD(s.dst_offset = ~0ull - 3, EINVAL);
	BAD(s.size = 8192 + 4096, EINVAL);
	BAD(s.delay_ms = 10001, EINVAL);
	BAD(s.src_handle = b, EINVAL);
	BAD(s.dst_handle = 0, EINVAL);
	BAD(s.dst_handle = 0x7fff, ENOENT);
	BAD(s.in_fence_fd = null, EINVAL);
	BAD((s.flags = VSHARE_SUBMIT_IN_SYNC_FILE, s.in_fence_fd = null), EINVAL);
	BAD((s.flags = VSHARE_SUBMIT_IN_SYNC_FILE, s.in_fence_fd = -1), EINVAL);
	BAD(s.in_syncobj = 0x7fff, ENOENT);
	BAD(s.out_syncobj = 0x7fff, ENOENT);
	BAD((s.op = VSHARE_JOB_COPY, s.src_handle = 0x7fff), ENOENT);
	BAD((s.op = VSHARE_JOB_COPY, s.src_handle = b, s.size = 8192), EINVAL);
	BAD((s.op = VSHARE_JOB_COPY, s.src_handle = a, s.dst_offset = 4),
	    EINVAL);
	BAD((s.op = VSHARE_JOB_CRC32, s.src_handle = b, s.value = 1), EINVAL);
	BAD((s.op = VSHARE_JOB_CRC32, s.src_handle = b, s.dst_offset = 8190),
	    EINVAL);
	BAD(s.op = VSHARE_JOB_CRC32, EINVAL);
#undef BAD
	/* After all the refusals, a valid job still runs. */
	wait_ok(submit(fd, ok));
	close(null);
	gem_close(fd, a);
	gem_close(fd, b);
}

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("A FILL job writes its range of a buffer and nothing "
		     "else.");
	igt_subtest("fill")
		test_fill(fd);

	igt_describe("COPY jobs copy between buffers and within one.");
	igt_subtest("copy")
		test_copy(fd);

	igt_describe("A CRC32 job writes the CRC-32 of its source range.");
	igt_subtest("crc32")
		test_crc32(fd);

	igt_describe("Jobs run in order, and a slow job holds its buffer "
		     "busy.");
	igt_subtest("ordering-and-busy")
		test_ordering_and_busy(fd);

	igt_describe("A job reading a buffer waits for the job writing it.");
	igt_subtest("implicit-sync")
		test_implicit_sync(fd);

	igt_describe("An in-fence sync_file holds the job back until it "
		     "signals.");
	igt_subtest("in-sync-file")
		test_in_sync_file(fd);

	igt_describe("The out-syncobj of one job is the in-syncobj of the "
		     "next.");
	igt_subtest("syncobj-chain")
		test_syncobj_chain(fd);

	igt_describe("The engine writes imported vgem buffers too.");
	igt_subtest("imported-vgem")
		test_imported_vgem(fd);

	igt_describe("A hung job signals -EIO after the timeout and the "
		     "engine recovers.");
	igt_subtest("hang-recovery")
		test_hang_recovery(fd);

	igt_describe("A dependency that never signals times the job out.");
	igt_subtest("dependency-timeout")
		test_dependency_timeout(fd);

	igt_describe("SUBMIT refuses bad arguments, then still runs a valid "
		     "job.");
	igt_subtest("bad-args")
		test_bad_args(fd);

	igt_describe("The job queue holds at most 64 jobs per device.");
	igt_subtest("queue-bounded")
		test_queue_bounded(fd);

	igt_describe("A SUBMIT that fails at any allocation leaves no trace.");
	igt_subtest("submit-all-or-nothing")
		test_submit_all_or_nothing(fd);

	igt_describe("ACCESS waits for the jobs writing the buffer.");
	igt_subtest("access-waits-for-job")
		test_access_waits_for_job(fd);

	igt_fixture() {
		drm_close(fd);
	}
}
