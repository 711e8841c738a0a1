// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_engine: the virtual engine's jobs (fill, copy, CRC-32) on native
 * and imported buffers, their ordering, explicit in/out fences (sync_file,
 * syncobj), implicit sync through the buffers, errors, hangs and recovery.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>

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

static int status(int sync_fd)
{
	struct sync_file_info info = { 0 };

	do_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	return info.status;
}

static void wait_ok(int sync_fd)
{
	igt_assert_f(signaled_within(sync_fd, 20000), "job did not finish\n");
	igt_assert_eq(status(sync_fd), 1);
	close(sync_fd);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_subtest("fill") {
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

	igt_subtest("copy") {
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

	igt_subtest("crc32") {
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

	igt_describe("Jobs run in order; a slow job holds its buffer busy.");
	igt_subtest("ordering-and-busy") {
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
		igt_assert_eq(status(slow), 1);
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

	igt_describe("A job reading a buffer waits for the job writing it.");
	igt_subtest("implicit-sync") {
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

	igt_describe("An in-fence sync_file holds the job back until it signals.");
	igt_subtest("in-sync-file") {
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

	igt_describe("Out-syncobj of one job is the in-syncobj of the next.");
	igt_subtest("syncobj-chain") {
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

	igt_describe("The engine writes imported vgem buffers too.");
	igt_subtest("imported-vgem") {
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

	igt_describe("A hung job signals -EIO after the timeout; the engine recovers.");
	igt_subtest("hang-recovery") {
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
		igt_assert_eq(status(hung), -EIO);
		/* The next job depended on the hung one's write: cancelled. */
		igt_assert(signaled_within(next, 20000));
		igt_assert_eq(status(next), -ECANCELED);
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

	igt_describe("A dependency that never signals times the job out.");
	igt_subtest("dependency-timeout") {
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
		igt_assert_eq(status(out), -ETIMEDOUT);
		vshare_set_param("job_timeout_ms", saved);
		close(out);
		close(in);
		close(timeline);
		gem_close(fd, dst);
	}

	igt_subtest("bad-args") {
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

	igt_fixture() {
		drm_close(fd);
	}
}
