// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_race, fences and the engine: FENCE_SIGNAL against the expiry
 * timer, and engine jobs on buffers being exported, imported and closed
 * (fence-signal-vs-expiry, engine-vs-close).
 */

#define _GNU_SOURCE
#include <poll.h>
#include <stdatomic.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "race.h"
#include "vshare_lib.h"

/*
 * A sync_file's status: 0 pending, 1 signaled, < 0 error; -1000 on failure.
 * Thread-safe, unlike sync_file_status(): no igt_assert.
 */
static int sync_status(int sync_fd)
{
	struct sync_file_info info = { 0 };

	if (igt_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info))
		return -1000;
	return info.status;
}

/* Waits for a job's sync_file, checks it signaled without error, closes it. */
static bool job_fence_ok(int sync_fd)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	int ret, status;
	bool ok;

	ret = poll(&p, 1, 30000);
	ok = race_check(ret == 1, "out-fence did not signal in 30 s (poll %d)\n",
			ret);
	if (ok) {
		status = sync_status(sync_fd);
		ok = race_check(status == 1, "out-fence status %d (%s)\n", status,
				status < 0 ? errname(-status) : "pending");
	}
	close(sync_fd);
	return ok;
}

/*
 * fence-signal-vs-expiry: FENCE_SIGNAL races the fence's expiry timer, and
 * the close of the file that attached it.
 */
#define FSE_THREADS	2

static struct {
	int fd;
	uint32_t handle[FSE_THREADS];
	int dmabuf[FSE_THREADS];
	atomic_long signaled, expired, expired_early, closes;
} fse;

static short poll_ready(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, ms) < 0)
		return -1;
	return p.revents & events;
}

/* A file that attached a fence and goes away signals it, racing the timer. */
static bool fse_close_file(int i, uint32_t timeout, unsigned int *seed)
{
	int fd = open_path(vs_path[0]), ret;
	uint32_t h = 0, id;
	short ready;

	if (!race_check(fd >= 0, "open: %s\n", errname(errno)))
		return false;
	ret = __prime_fd_to_handle(fd, fse.dmabuf[i], &h);
	if (!ret)
		ret = __vshare_fence_attach(fd, h, VSHARE_FENCE_WRITE | VSHARE_FENCE_TIMEOUT,
			       timeout, &id);
	if (!race_check(ret == 0, "import/FENCE_ATTACH: %s\n", errname(-ret))) {
		close(fd);
		return false;
	}
	usleep(rand_r(seed) % 6000);
	close(fd);
	ready = poll_ready(fse.dmabuf[i], POLLIN | POLLOUT, 1000);
	atomic_fetch_add(&fse.closes, 1);
	return race_check(ready == (POLLIN | POLLOUT),
			  "dma-buf not idle after its fence's file closed (%#x)\n",
			  ready);
}

static void *fse_thread(void *arg)
{
	int i = (intptr_t)arg, sync_fd = -1, ret, st0, st1;
	unsigned int seed = 0x5eed + i;
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t timeout = n % 6, id = 0;
		uint32_t flags = VSHARE_FENCE_TIMEOUT |
				 (n & 1 ? VSHARE_FENCE_WRITE : 0);
		short ready;

		if (n % 16 == 15) {
			if (!fse_close_file(i, timeout, &seed))
				break;
			continue;
		}

		/* Every earlier fence is signaled: no conflict possible. */
		ret = __vshare_fence_attach(fse.fd, fse.handle[i], flags, timeout, &id);
		if (!race_check(ret == 0, "FENCE_ATTACH (timeout %u ms): %s\n",
				timeout, errname(-ret)))
			break;
		ret = __dmabuf_export_sync_file(fse.dmabuf[i], DMA_BUF_SYNC_WRITE,
					 &sync_fd);
		if (!race_check(ret == 0, "EXPORT_SYNC_FILE: %s\n",
				errname(-ret)))
			break;
		/* 0: the sync_file holds our fence, pending. */
		st0 = sync_status(sync_fd);

		/* HZ granularity: sometimes before the expiry, sometimes after. */
		usleep(rand_r(&seed) % 12000);
		ret = __vshare_fence_signal(fse.fd, id, 0);
		ready = poll_ready(fse.dmabuf[i], POLLIN | POLLOUT, 0);
		st1 = sync_status(sync_fd);
		close(sync_fd);

		if (!race_check(ret == 0 || ret == -ETIMEDOUT,
				"FENCE_SIGNAL: %s\n", errname(-ret)) ||
		    !race_check(ready == (POLLIN | POLLOUT),
				"dma-buf not idle after FENCE_SIGNAL (%#x)\n",
				ready))
			break;
		if (st0 == 0) {
			/* Signal and fence agree on who won. */
			if (!race_check((ret == 0 && st1 == 1) ||
					(ret == -ETIMEDOUT && st1 == -ETIMEDOUT),
					"FENCE_SIGNAL returned %d but the fence "
					"status is %d (timeout %u ms)\n",
					ret, st1, timeout))
				break;
		} else {
			/* Expired before the export: only the timer signals. */
			if (!race_check(ret == -ETIMEDOUT &&
					(st0 == 1 || st0 == -ETIMEDOUT) &&
					st1 == st0,
					"fence expired before the export "
					"(status %d, then %d), FENCE_SIGNAL "
					"returned %d\n", st0, st1, ret))
				break;
			atomic_fetch_add(&fse.expired_early, 1);
		}
		atomic_fetch_add(ret ? &fse.expired : &fse.signaled, 1);
	}
	return NULL;
}

void test_fence_signal_vs_expiry(void)
{
	race_fn fns[FSE_THREADS];
	struct vshare_totals start;
	int i;

	totals_get(&start);
	memset(&fse, 0, sizeof(fse));
	fse.fd = vs[0];
	for (i = 0; i < FSE_THREADS; i++) {
		fns[i] = fse_thread;
		fse.handle[i] = vshare_create(vs[0], 4096);
		fse.dmabuf[i] = prime_handle_to_fd(vs[0], fse.handle[i],
						   DRM_CLOEXEC | DRM_RDWR);
	}

	race_run(FSE_THREADS, fns, NULL);
	for (i = 0; i < FSE_THREADS; i++) {
		/* Nothing may be left pending. */
		igt_assert_eq(poll_ready(fse.dmabuf[i], POLLIN | POLLOUT, 1000),
			      POLLIN | POLLOUT);
		close(fse.dmabuf[i]);
		gem_close(vs[0], fse.handle[i]);
	}
	igt_info("fence-signal-vs-expiry: %ld signaled, %ld expired first "
		 "(%ld before the sync_file export), %ld signaled by closing "
		 "the file\n", atomic_load(&fse.signaled),
		 atomic_load(&fse.expired), atomic_load(&fse.expired_early),
		 atomic_load(&fse.closes));
	race_assert_ok();
	igt_assert(atomic_load(&fse.signaled) + atomic_load(&fse.expired) > 0);
	totals_wait(&start);
}

/*
 * engine-vs-close: engine jobs on buffers that are exported, imported
 * by device #1, written by its engine and closed meanwhile.
 */
#define ENG_SIZE	(64 * 1024)
#define ENG_HALF	(ENG_SIZE / 2)
#define ENG_SLOTS	4
#define ENG_SUBMITTERS	2
#define ENG_RING	16

static struct {
	int fd0, fd1;
	int priv_fd[ENG_SUBMITTERS];
	_Atomic uint32_t slot[ENG_SLOTS];	/* live handles, churn's */
	_Atomic uint32_t retiring;		/* being closed by churn */
	atomic_long jobs, enoent, private_checks, peer_jobs, churned;
} eng;

/* Out-fences in flight: waited for (and checked) oldest first. */
struct fence_ring {
	int fds[ENG_RING];
	int head, count;
};

static bool ring_pop(struct fence_ring *r)
{
	int fd = r->fds[r->head];

	r->head = (r->head + 1) % ENG_RING;
	r->count--;
	return job_fence_ok(fd);
}

static bool ring_push(struct fence_ring *r, int fd)
{
	bool ok = true;

	if (r->count == ENG_RING)
		ok = ring_pop(r);
	r->fds[(r->head + r->count) % ENG_RING] = fd;
	r->count++;
	return ok;
}

static void ring_drain(struct fence_ring *r)
{
	while (r->count)
		ring_pop(r);
}

/*
 * A private buffer whose handle is closed while a job writes it: the job
 * still completes, into the buffer the dma-buf keeps alive.
 */
static bool eng_private_check(int fd, long n)
{
	uint32_t p = 0, hp = 0, x = 0xc0ffee00u ^ (uint32_t)n;
	uint64_t size = ENG_SIZE, crc = 0;
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.size = ENG_SIZE, .value = x, .delay_ms = 2,
	};
	int dmabuf = -1, ret;
	bool ok;

	ret = __vshare_create(fd, &size, 0, &p);
	if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
		return false;
	s.dst_handle = p;
	ret = __vshare_submit(fd, &s);
	if (!race_check(ret == 0, "SUBMIT: %s\n", errname(-ret))) {
		__gem_close(fd, p);
		return false;
	}
	ret = __prime_handle_to_fd(fd, p, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	race_check(ret == 0, "PRIME_HANDLE_TO_FD: %s\n", errname(-ret));
	ret = __gem_close(fd, p);
	race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret));
	ok = job_fence_ok(s.out_fence_fd);
	if (dmabuf < 0)
		return false;
	ret = __prime_fd_to_handle(fd, dmabuf, &hp);
	close(dmabuf);
	if (!race_check(ret == 0, "PRIME_FD_TO_HANDLE: %s\n", errname(-ret)))
		return false;
	ret = __vshare_access(fd, hp, VSHARE_ACCESS_CRC32, 0, ENG_SIZE, 0, &crc);
	ok = race_check(ret == 0, "ACCESS CRC32: %s\n", errname(-ret)) && ok;
	ok = ok && race_check(crc == fill_crc(ENG_SIZE, x),
			      "buffer CRC %#" PRIx64 " after a FILL of %#x\n",
			      crc, x);
	ret = __gem_close(fd, hp);
	return race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)) && ok;
}

static void *eng_submitter(void *arg)
{
	int i = (intptr_t)arg, ret;
	unsigned int seed = 0xe9 + i;
	struct fence_ring ring = { 0 };
	long n;

	for (n = 0; racing(n); n++) {
		struct drm_vshare_submit s = {
			.flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
			.delay_ms = rand_r(&seed) % 3,
		};

		if (n % 8 == 7) {
			if (!eng_private_check(eng.priv_fd[i], n))
				break;
			atomic_fetch_add(&eng.private_checks, 1);
			continue;
		}
		/* Sometimes the buffer churn is closing right now. */
		s.dst_handle = n % 4 == 2 ? atomic_load(&eng.retiring) :
			       atomic_load(&eng.slot[rand_r(&seed) % ENG_SLOTS]);
		if (n & 1) {
			s.op = VSHARE_JOB_FILL;
			s.size = ENG_SIZE;
			s.value = n;
		} else {
			/* Disjoint halves, even if both handles are one buffer. */
			s.op = VSHARE_JOB_COPY;
			s.src_handle = atomic_load(&eng.slot[rand_r(&seed) %
							     ENG_SLOTS]);
			s.dst_offset = ENG_HALF;
			s.size = ENG_HALF;
		}
		ret = __vshare_submit(eng.fd0, &s);
		if (ret == -ENOENT) {
			atomic_fetch_add(&eng.enoent, 1);
			continue;
		}
		if (!race_check(ret == 0, "SUBMIT %s: %s\n",
				s.op == VSHARE_JOB_FILL ? "FILL" : "COPY",
				errname(-ret)))
			break;
		atomic_fetch_add(&eng.jobs, 1);
		if (!ring_push(&ring, s.out_fence_fd))
			break;
	}
	ring_drain(&ring);
	return NULL;
}

/*
 * Replaces the buffers under the submitters: the old one is exported,
 * imported by device #1, written by device #1's engine, and every handle
 * and fd of it closed while jobs of both engines are in flight.
 */
static void *eng_churn(void *arg)
{
	struct fence_ring ring = { 0 };
	long n;
	int ret;

	for (n = 0; racing(n); n++) {
		int s = n % ENG_SLOTS, dmabuf = -1;
		uint32_t old = atomic_load(&eng.slot[s]), h = 0, h1 = 0;
		uint64_t size = ENG_SIZE;
		struct drm_vshare_submit job = {
			.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
			.size = ENG_SIZE, .value = 0xdead0000u | (uint32_t)n,
			.delay_ms = 1,
		};

		ret = __vshare_create(eng.fd0, &size, 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		atomic_store(&eng.slot[s], h);
		atomic_store(&eng.retiring, old);

		ret = __prime_handle_to_fd(eng.fd0, old, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
		if (!ret)
			ret = __prime_fd_to_handle(eng.fd1, dmabuf, &h1);
		if (race_check(ret == 0, "export/import: %s\n", errname(-ret))) {
			job.dst_handle = h1;
			ret = __vshare_submit(eng.fd1, &job);
			if (race_check(ret == 0, "SUBMIT on device #1: %s\n",
				       errname(-ret))) {
				atomic_fetch_add(&eng.peer_jobs, 1);
				ring_push(&ring, job.out_fence_fd);
			}
			ret = __gem_close(eng.fd1, h1);
			race_check(ret == 0, "GEM_CLOSE (device #1): %s\n",
				   errname(-ret));
		}
		if (dmabuf >= 0)
			close(dmabuf);
		ret = __gem_close(eng.fd0, old);
		if (!race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)))
			break;
		atomic_fetch_add(&eng.churned, 1);
	}
	ring_drain(&ring);
	return NULL;
}

void test_engine_vs_close(void)
{
	race_fn fns[] = { eng_churn, eng_submitter, eng_submitter };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct vshare_totals start;
	int i;

	totals_get(&start);
	memset(&eng, 0, sizeof(eng));
	eng.fd0 = vs[0];
	eng.fd1 = vs[1];
	for (i = 0; i < ENG_SUBMITTERS; i++) {
		eng.priv_fd[i] = open_path(vs_path[0]);
		igt_assert(eng.priv_fd[i] >= 0);
	}
	for (i = 0; i < ENG_SLOTS; i++)
		atomic_store(&eng.slot[i], vshare_create(vs[0], ENG_SIZE));
	atomic_store(&eng.retiring, atomic_load(&eng.slot[0]));

	race_run(3, fns, args);
	for (i = 0; i < ENG_SLOTS; i++)
		gem_close(vs[0], atomic_load(&eng.slot[i]));
	for (i = 0; i < ENG_SUBMITTERS; i++)
		close(eng.priv_fd[i]);
	igt_info("engine-vs-close: %ld jobs (%ld ENOENT), %ld private "
		 "close-while-busy checks, %ld buffers replaced, each written "
		 "by device #1 (%ld jobs)\n", atomic_load(&eng.jobs),
		 atomic_load(&eng.enoent), atomic_load(&eng.private_checks),
		 atomic_load(&eng.churned), atomic_load(&eng.peer_jobs));
	race_assert_ok();
	igt_assert(atomic_load(&eng.jobs) > 0);
	igt_assert(atomic_load(&eng.churned) > 0);
	totals_wait(&start);
}
