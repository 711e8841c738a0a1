// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_race, mappings: CPU mappings (GEM and dma-buf) and the kernel's
 * vmap of a buffer while its handles, fds and exporter go away
 * (mmap-vs-free, vmap-vs-release).
 */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "race.h"
#include "vshare_lib.h"

/*
 * mmap-vs-free: mappings of a buffer are touched while another
 * thread closes its handle and dma-buf.
 */
#define MVF_SIZE	(2 * MiB + 3 * 4096)
#define MVF_PAGES	((int)(MVF_SIZE / 4096))
#define MVF_WORDS	1024		/* per page */
#define MVF_TAG(i, n)	(0xb0000000u | (uint32_t)(i) << 24 | ((n) & 0xffffff))

static struct {
	int fd;
	_Atomic uint32_t handle;	/* published, may be stale */
	_Atomic int dmabuf;		/* published, may be stale */
	_Atomic uint32_t gen;
	_Atomic uint32_t closing_handle;	/* about to be closed */
	_Atomic int closing_fd;			/* about to be closed */
	uint32_t live_handle;		/* the closer's */
	int live_fd;			/* the closer's */
	atomic_long buffers, maps[2], refused[2], after_close[2];
} mvf;

static void *mvf_closer(void *arg)
{
	long n;
	int ret;

	for (n = 0; racing(n); n++) {
		uint64_t size = MVF_SIZE;
		uint32_t h = 0, old_h = mvf.live_handle;
		int fd = -1, old_fd = mvf.live_fd;

		ret = __vshare_create(mvf.fd, &size, n % 4 == 3 ?
				      VSHARE_CREATE_WC : 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		ret = __prime_handle_to_fd(mvf.fd, h, DRM_CLOEXEC | DRM_RDWR, &fd);
		if (!race_check(ret == 0, "PRIME_HANDLE_TO_FD: %s\n",
				errname(-ret))) {
			__gem_close(mvf.fd, h);
			break;
		}
		mvf.live_handle = h;
		mvf.live_fd = fd;
		atomic_store(&mvf.closing_handle, old_h);
		atomic_store(&mvf.closing_fd, old_fd);
		atomic_store(&mvf.handle, h);
		atomic_store(&mvf.dmabuf, fd);
		atomic_fetch_add(&mvf.gen, 1);
		/* Mappings of the old buffer must keep it alive. */
		close(old_fd);
		ret = __gem_close(mvf.fd, old_h);
		if (!race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)))
			break;
		atomic_fetch_add(&mvf.buffers, 1);
	}
	return NULL;
}

/*
 * Each mapper owns word @i of every page: it finds there zero or a tag of
 * its own from an earlier iteration, and writes its tag. Word 1023 is
 * nobody's and must stay zero.
 */
static bool mvf_touch(volatile uint32_t *p, int pg, int i, long n, bool first)
{
	volatile uint32_t *w = p + pg * MVF_WORDS;
	uint32_t v = w[i], tag = MVF_TAG(i, n);

	if (first) {
		if (!race_check(!v || (v >> 24 == (tag >> 24) &&
				       (v & 0xffffff) < (tag & 0xffffff)),
				"page %d word %d: %#x before writing %#x\n",
				pg, i, v, tag))
			return false;
		w[i] = tag;
		v = w[i];
	}
	return race_check(v == tag, "page %d word %d: %#x, wrote %#x\n",
			  pg, i, v, tag) &&
	       race_check(w[MVF_WORDS - 1] == 0, "page %d: stray %#x\n", pg,
			  w[MVF_WORDS - 1]);
}

static void *mvf_mapper(void *arg)
{
	int i = (intptr_t)arg;	/* 0: GEM mmap, 1: dma-buf mmap */
	long n;

	for (n = 1; racing(n); n++) {
		volatile uint32_t *p;
		uint32_t g;
		double end;
		int pg;
		bool ok = true;

		/* Every other time, the buffer the closer is closing now. */
		bool closing = n & 1;

		if (i == 0) {
			struct drm_vshare_map_offset mo = {
				.handle = closing ? atomic_load(&mvf.closing_handle) :
					  atomic_load(&mvf.handle),
			};

			if (igt_ioctl(mvf.fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo)) {
				if (!race_check(errno == ENOENT, "MAP_OFFSET: %s\n",
						errname(errno)))
					break;
				atomic_fetch_add(&mvf.refused[i], 1);
				continue;
			}
			p = mmap(NULL, MVF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 mvf.fd, mo.offset);
			/* Closed since: unknown offset, or no longer ours. */
			if (p == MAP_FAILED) {
				if (!race_check(errno == EINVAL || errno == EACCES,
						"GEM mmap: %s\n", errname(errno)))
					break;
				atomic_fetch_add(&mvf.refused[i], 1);
				continue;
			}
		} else {
			p = mmap(NULL, MVF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 closing ? atomic_load(&mvf.closing_fd) :
				 atomic_load(&mvf.dmabuf), 0);
			if (p == MAP_FAILED) {
				if (!race_check(errno == EBADF, "dma-buf mmap: %s\n",
						errname(errno)))
					break;
				atomic_fetch_add(&mvf.refused[i], 1);
				continue;
			}
		}
		g = atomic_load(&mvf.gen);

		/* Half the pages now, maybe while the closer closes... */
		for (pg = 0; pg < MVF_PAGES && ok; pg += 2)
			ok = mvf_touch(p, pg, i, n, true);
		/* ...and the other half surely after handle and fd are gone. */
		end = now_s() + 0.1;
		while (atomic_load(&mvf.gen) < g + 2 && now_s() < end &&
		       !race_stopped())
			sched_yield();
		if (atomic_load(&mvf.gen) >= g + 2)
			atomic_fetch_add(&mvf.after_close[i], 1);
		for (pg = 1; pg < MVF_PAGES && ok; pg += 2)
			ok = mvf_touch(p, pg, i, n, true);
		for (pg = 0; pg < MVF_PAGES && ok; pg++)
			ok = mvf_touch(p, pg, i, n, false);
		munmap((void *)p, MVF_SIZE);
		if (!ok)
			break;
		atomic_fetch_add(&mvf.maps[i], 1);
	}
	return NULL;
}

void test_mmap_vs_free(void)
{
	race_fn fns[] = { mvf_closer, mvf_mapper, mvf_mapper };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct vshare_totals start;

	totals_get(&start);
	memset(&mvf, 0, sizeof(mvf));
	mvf.fd = vs[0];
	mvf.live_handle = vshare_create(vs[0], MVF_SIZE);
	mvf.live_fd = prime_handle_to_fd(vs[0], mvf.live_handle,
					 DRM_CLOEXEC | DRM_RDWR);
	atomic_store(&mvf.handle, mvf.live_handle);
	atomic_store(&mvf.dmabuf, mvf.live_fd);
	atomic_store(&mvf.closing_handle, mvf.live_handle);
	atomic_store(&mvf.closing_fd, mvf.live_fd);

	race_run(3, fns, args);
	close(mvf.live_fd);
	gem_close(vs[0], mvf.live_handle);
	igt_info("mmap-vs-free: %ld buffers closed; GEM mmap: %ld mapped "
		 "(%ld touched after close), %ld refused; dma-buf mmap: %ld "
		 "mapped (%ld touched after close), %ld refused\n",
		 atomic_load(&mvf.buffers), atomic_load(&mvf.maps[0]),
		 atomic_load(&mvf.after_close[0]), atomic_load(&mvf.refused[0]),
		 atomic_load(&mvf.maps[1]), atomic_load(&mvf.after_close[1]),
		 atomic_load(&mvf.refused[1]));
	race_assert_ok();
	igt_assert(atomic_load(&mvf.maps[0]) > 0);
	igt_assert(atomic_load(&mvf.maps[1]) > 0);
	totals_wait(&start);
}

/*
 * vmap-vs-release: an importer's ACCESS goes through the exporter's
 * vmap while the exporter closes its handle, dma-buf and file.
 */
#define VVR_SIZE	(64 * 1024)
#define VVR_HALF	(VVR_SIZE / 2)
#define VVR_ACCESSORS	2

static struct {
	int imp_fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Under lock: the current import and what its first half holds. */
	uint32_t handle, gen, value, crc;
	int acks;
	uint32_t leftover;		/* an import left for the main thread */
	atomic_long rounds, accesses[VVR_ACCESSORS], files_closed;
} vvr = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
};

static void *vvr_releaser(void *arg)
{
	int exp_fd = -1, ret;
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t v = 0x5eed0000u + n, h = 0, hi = 0;
		uint64_t size = VVR_SIZE;
		int dmabuf = -1;
		bool acked;

		if (exp_fd < 0) {
			exp_fd = open_path(vs_path[1]);
			if (!race_check(exp_fd >= 0, "open %s: %s\n", vs_path[1],
					errname(errno)))
				break;
		}
		ret = __vshare_create(exp_fd, &size, n % 4 == 1 ?
				      VSHARE_CREATE_WC : 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		ret = __vshare_access(exp_fd, h, VSHARE_ACCESS_FILL, 0, VVR_SIZE,
				      v, NULL);
		if (!ret)
			ret = __prime_handle_to_fd(exp_fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
		if (!ret)
			ret = __prime_fd_to_handle(vvr.imp_fd, dmabuf, &hi);
		if (!race_check(ret == 0, "fill/export/import: %s\n",
				errname(-ret))) {
			if (dmabuf >= 0)
				close(dmabuf);
			__gem_close(exp_fd, h);
			break;
		}

		pthread_mutex_lock(&vvr.lock);
		vvr.handle = hi;
		vvr.value = v;
		vvr.crc = fill_crc(VVR_HALF, v);
		vvr.gen++;
		vvr.acks = 0;
		pthread_cond_broadcast(&vvr.cond);
		pthread_mutex_unlock(&vvr.lock);

		/* The exporter lets go while the importer accesses the buffer. */
		ret = __gem_close(exp_fd, h);
		race_check(ret == 0, "GEM_CLOSE exporter: %s\n", errname(-ret));
		close(dmabuf);
		if (n % 4 == 3) {
			close(exp_fd);
			exp_fd = -1;
			atomic_fetch_add(&vvr.files_closed, 1);
		}

		pthread_mutex_lock(&vvr.lock);
		while (vvr.acks < VVR_ACCESSORS && !race_stopped())
			cond_wait_ms(&vvr.cond, &vvr.lock, 10);
		acked = vvr.acks == VVR_ACCESSORS;
		pthread_mutex_unlock(&vvr.lock);
		if (!acked) {
			/* An accessor may still use it: after the join. */
			vvr.leftover = hi;
			break;
		}
		ret = __gem_close(vvr.imp_fd, hi);
		if (!race_check(ret == 0, "GEM_CLOSE import: %s\n", errname(-ret)))
			break;
		atomic_fetch_add(&vvr.rounds, 1);
	}
	if (exp_fd >= 0)
		close(exp_fd);
	return NULL;
}

/*
 * Accessor 0 checks the first half (the exporter's fill) with CRC32;
 * accessor 1 fills the second half and checks it. Both through the
 * exporter's vmap and begin/end_cpu_access.
 */
static void *vvr_accessor(void *arg)
{
	int i = (intptr_t)arg, k, ret;
	uint32_t seen = 0;
	long n;

	for (n = 0; ; n++) {
		uint32_t h, v, crc, w;
		uint64_t res = 0;
		bool go;

		pthread_mutex_lock(&vvr.lock);
		while (vvr.gen == seen && racing(n))
			cond_wait_ms(&vvr.cond, &vvr.lock, 10);
		go = vvr.gen != seen && racing(n);
		h = vvr.handle;
		v = vvr.value;
		crc = vvr.crc;
		seen = vvr.gen;
		pthread_mutex_unlock(&vvr.lock);
		if (!go)
			break;

		for (k = 0; k < 2; k++) {
			if (i == 0) {
				ret = __vshare_access(vvr.imp_fd, h,
						      VSHARE_ACCESS_CRC32, 0,
						      VVR_HALF, 0, &res);
				if (!race_check(ret == 0, "ACCESS CRC32: %s\n",
						errname(-ret)))
					return NULL;
				if (!race_check(res == crc, "CRC %#" PRIx64
						", expected %#x (fill %#x)\n",
						res, crc, v))
					return NULL;
			} else {
				w = ~v ^ k;
				ret = __vshare_access(vvr.imp_fd, h,
						      VSHARE_ACCESS_FILL, VVR_HALF,
						      VVR_HALF, w, NULL);
				if (!race_check(ret == 0, "ACCESS FILL: %s\n",
						errname(-ret)))
					return NULL;
				ret = __vshare_access(vvr.imp_fd, h,
						      VSHARE_ACCESS_CRC32, VVR_HALF,
						      VVR_HALF, 0, &res);
				if (!race_check(ret == 0, "ACCESS CRC32: %s\n",
						errname(-ret)))
					return NULL;
				if (!race_check(res == fill_crc(VVR_HALF, w),
						"CRC %#" PRIx64 " after fill %#x\n",
						res, w))
					return NULL;
			}
			atomic_fetch_add(&vvr.accesses[i], 1);
		}
		pthread_mutex_lock(&vvr.lock);
		vvr.acks++;
		pthread_cond_broadcast(&vvr.cond);
		pthread_mutex_unlock(&vvr.lock);
	}
	return NULL;
}

void test_vmap_vs_release(void)
{
	race_fn fns[] = { vvr_releaser, vvr_accessor, vvr_accessor };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct vshare_totals start;

	totals_get(&start);
	vvr.imp_fd = vs[0];
	vvr.handle = vvr.gen = vvr.value = vvr.crc = 0;
	vvr.acks = 0;
	vvr.leftover = 0;
	atomic_store(&vvr.rounds, 0);
	atomic_store(&vvr.accesses[0], 0);
	atomic_store(&vvr.accesses[1], 0);
	atomic_store(&vvr.files_closed, 0);

	race_run(3, fns, args);
	if (vvr.leftover)
		gem_close(vs[0], vvr.leftover);
	igt_info("vmap-vs-release: %ld exporter buffers released under the "
		 "importer (%ld with their file), %ld CRC32 and %ld FILL+CRC32 "
		 "accesses\n", atomic_load(&vvr.rounds),
		 atomic_load(&vvr.files_closed), atomic_load(&vvr.accesses[0]),
		 atomic_load(&vvr.accesses[1]));
	race_assert_ok();
	igt_assert(atomic_load(&vvr.rounds) > 0);
	totals_wait(&start);
}
