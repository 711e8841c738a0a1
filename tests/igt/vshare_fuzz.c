// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_fuzz: a bounded, seeded random walk over every vshare ioctl and
 * the PRIME, GEM and dma-buf calls on vshare objects, with arguments
 * biased toward the interesting: live and dead handles and fds, zero, all
 * ones, page boundaries, sizes near 2^32 and 2^64, stray flag and padding
 * bits, private and executable mappings, mprotect(), read-only exports and
 * their imports into the second device, which is now and then unbound
 * (its file kept open a while: every call on it must give ENODEV) and
 * bound again. Nothing may crash, no call with a
 * never-valid handle may succeed, nothing may write a read-only import,
 * and once everything is closed vshare's memory is back where it started.
 * Kernel reports during the run fail it (igt_runner watches the log).
 *
 * IGT_FUZZ_SEED and IGT_FUZZ_COUNT override the seed and the number of
 * calls; both are printed, so any run can be replayed.
 */

/**
 * TEST: vshare fuzz
 * Category: Core
 * Description: A bounded, seeded random walk over the vshare ioctls and
 *	the PRIME, GEM and dma-buf calls on vshare objects.
 *
 * SUBTEST: ioctls
 * Description: IGT_FUZZ_COUNT (25000) calls from IGT_FUZZ_SEED, one
 *	function per kind of call: nothing crashes, no call with a
 *	never-valid handle succeeds, no private mapping is accepted, no
 *	read-only import is written, and once everything is closed vshare's
 *	memory is back where it started (within 10 s).
 *
 * SUBTEST: seeds-differ
 * Description: Seeds 0 to 4095 start 4096 different walks: their first
 *	eight numbers differ pairwise (seed | 1 once made seeds 2 and 3 walk
 *	the same calls). Needs no device.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MAX_OBJS	16
#define MAX_SIZE	(4ull << 20)
#define NEVER_HANDLE	0x7ffffff0u	/* no test makes that many handles */

enum call {
	C_CREATE, C_MAP_OFFSET, C_ACCESS, C_FENCE_ATTACH, C_FENCE_SIGNAL,
	C_SUBMIT, C_GEM_CLOSE, C_EXPORT, C_IMPORT, C_IMPORT_OTHER, C_SYNC,
	C_SET_NAME, C_EXPORT_SYNC_FILE, C_MMAP, C_CLOSE_FD, C_WRITE_OTHER,
	C_REPLUG, C_CREATE_DMABUF, C_NUM
};

static const char *const call_names[C_NUM] = {
	"create", "map_offset", "access", "fence_attach", "fence_signal",
	"submit", "gem_close", "prime_export", "prime_import",
	"prime_import_other", "dmabuf_sync", "dmabuf_set_name",
	"export_sync_file", "mmap", "close_fd", "write_other", "replug_other",
	"create_dmabuf",
};

struct fuzz {
	uint64_t state;
	int vs, other;
	uint32_t handles[MAX_OBJS];	/* 0: free slot */
	uint64_t sizes[MAX_OBJS];
	int dmabufs[MAX_OBJS];		/* -1: none */
	bool readonly[MAX_OBJS];	/* dmabufs[] was exported read-only */
	uint32_t others[MAX_OBJS];	/* imports into the other device */
	unsigned long calls[C_NUM], ok[C_NUM];
};

static uint64_t rnd(struct fuzz *f)
{
	/* xorshift64*: reproducible from the seed alone. */
	f->state ^= f->state >> 12;
	f->state ^= f->state << 25;
	f->state ^= f->state >> 27;
	return f->state * 0x2545f4914f6cdd1dull;
}

/*
 * xorshift64* needs a state other than 0; every other seed is its own
 * start, so distinct seeds walk distinct calls and seed N of an older run
 * replays as seed N (odd N: their walks were kept).
 */
static void seed_walk(struct fuzz *f, uint64_t seed)
{
	f->state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static uint64_t pick(struct fuzz *f, uint64_t n)
{
	return rnd(f) % n;
}

/* A 64-bit value that is often a boundary. */
static uint64_t value64(struct fuzz *f, uint64_t size)
{
	switch (pick(f, 10)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return ~0ull - pick(f, 8192);
	case 3: return (1ull << 32) + pick(f, 8) - 4;
	case 4: return 1ull << 63;
	case 5: return size;
	case 6: return size - 4;
	case 7: return pick(f, 16) * 4096;
	default: return pick(f, size + 1) & ~3ull;
	}
}

static uint32_t value32(struct fuzz *f)
{
	switch (pick(f, 5)) {
	case 0: return 0;
	case 1: return ~0u;
	case 2: return 1u << pick(f, 32);
	default: return pick(f, 8);
	}
}

static int slot(struct fuzz *f, bool live)
{
	int i, start = pick(f, MAX_OBJS);

	for (i = 0; i < MAX_OBJS; i++) {
		int s = (start + i) % MAX_OBJS;

		if (!!f->handles[s] == live)
			return s;
	}
	return -1;
}

/* A handle: mostly live, sometimes one that never existed. */
static uint32_t handle(struct fuzz *f, bool *valid)
{
	int s = slot(f, true);

	if (s < 0 || !pick(f, 6)) {
		*valid = false;
		return pick(f, 2) ? NEVER_HANDLE + pick(f, 8) : 0;
	}
	*valid = true;
	return f->handles[s];
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static void drop(struct fuzz *f, int s)
{
	if (f->dmabufs[s] >= 0)
		close(f->dmabufs[s]);
	if (f->others[s] && f->other >= 0)
		__gem_close(f->other, f->others[s]);
	__gem_close(f->vs, f->handles[s]);
	f->handles[s] = 0;
	f->others[s] = 0;
	f->dmabufs[s] = -1;
	f->readonly[s] = false;
}

/*
 * Unbinds device 1 under its open file and imports, checks that the file
 * only gets ENODEV now, then binds the device again and opens it anew.
 */
static int replug_other(struct fuzz *f)
{
	uint64_t size = 4096;
	uint32_t h;
	int k;

	igt_assert_eq(vshare_pdev_unbind("vshare.1"), 0);
	igt_assert_eq(__vshare_create(f->other, &size, 0, &h), -ENODEV);
	for (k = 0; k < MAX_OBJS; k++)
		if (f->others[k])
			igt_assert_eq(__vshare_access(f->other, f->others[k],
						      VSHARE_ACCESS_CRC32, 0,
						      4096, 0, NULL), -ENODEV);
	drm_close(f->other);
	memset(f->others, 0, sizeof(f->others));
	igt_assert_eq(vshare_pdev_bind("vshare.1"), 0);
	f->other = vshare_open_pdev("vshare.1", NODE_RENDER);
	igt_assert(f->other >= 0);
	return 0;
}

/* A failed run must not leave device 1 unbound for the tests after it. */
static void rebind_other(int sig)
{
	if (access("/sys/bus/platform/devices/vshare.1/driver", F_OK))
		vshare_pdev_bind("vshare.1");
}

/*
 * One step of the walk: the call, a live slot (or -1), a handle (mostly
 * the slot's, sometimes one that never existed) and whether it is live.
 * A call function returns 0 or -errno, and says through @valid when what
 * it passed was live after all, or took no handle.
 */
struct step {
	enum call c;
	int s;
	uint32_t h;
	bool valid;
};

static int call_create(struct fuzz *f, struct step *st)
{
	int free_slot = slot(f, false);
	uint64_t size = pick(f, 4) ? 1 + pick(f, MAX_SIZE) :
		value64(f, MAX_SIZE);
	uint32_t flags = pick(f, 3) ? pick(f, 4) : value32(f), nh;
	int ret;

	if (free_slot < 0 || size > MAX_SIZE)
		size = value64(f, 0) | (1ull << 62);
	ret = __vshare_create(f->vs, &size, flags, &nh);
	if (!ret) {
		igt_assert(size <= MAX_SIZE + 4096 && free_slot >= 0);
		f->handles[free_slot] = nh;
		f->sizes[free_slot] = size;
	}
	return ret;
}

/*
 * A buffer made as a dma-buf in one call: imported back, it takes a free
 * slot with its dma-buf (a read-only one gives a separate, read-only
 * object).
 */
static int call_create_dmabuf(struct fuzz *f, struct step *st)
{
	struct drm_vshare_create_dmabuf a = {
		.size = pick(f, 4) ? 1 + pick(f, MAX_SIZE) : value64(f, MAX_SIZE),
		.flags = pick(f, 3) ? pick(f, 4) : value32(f),
		.fd_flags = pick(f, 4) ? DRM_CLOEXEC | pick(f, 2) * DRM_RDWR :
			    value32(f),
		.pad = pick(f, 8) ? 0 : value32(f),
	};
	int free_slot = slot(f, false), ret;
	uint32_t h;

	if (a.size > MAX_SIZE)
		a.size = value64(f, 0) | (1ull << 62);
	ret = xioctl(f->vs, DRM_IOCTL_VSHARE_CREATE_DMABUF, &a);
	if (ret)
		return ret;
	igt_assert(a.size <= MAX_SIZE + 4096 && a.fd >= 0);
	if (free_slot < 0 || __prime_fd_to_handle(f->vs, a.fd, &h)) {
		close(a.fd);
		return 0;
	}
	f->handles[free_slot] = h;
	f->sizes[free_slot] = a.size;
	f->dmabufs[free_slot] = a.fd;
	f->readonly[free_slot] = !(fcntl(a.fd, F_GETFL) & O_RDWR);
	return 0;
}

static int call_map_offset(struct fuzz *f, struct step *st)
{
	struct drm_vshare_map_offset a = {
		.handle = st->h, .pad = pick(f, 8) ? 0 : value32(f),
	};

	return xioctl(f->vs, DRM_IOCTL_VSHARE_MAP_OFFSET, &a);
}

static int call_access(struct fuzz *f, struct step *st)
{
	uint64_t size = st->s >= 0 ? f->sizes[st->s] : 4096, r;

	return __vshare_access(f->vs, st->h, pick(f, 3), value64(f, size),
			       value64(f, size), rnd(f), &r);
}

static int call_fence_attach(struct fuzz *f, struct step *st)
{
	uint32_t id;

	return __vshare_fence_attach(f->vs, st->h, pick(f, 4) ? pick(f, 2) :
				     value32(f), 1 + pick(f, 50), &id);
}

static int call_fence_signal(struct fuzz *f, struct step *st)
{
	struct drm_vshare_fence_signal a = {
		.fence = pick(f, 16), .flags = pick(f, 8) ? 0 : value32(f),
	};

	st->valid = true;	/* ids are small numbers: may be live */
	return xioctl(f->vs, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &a);
}

static int call_submit(struct fuzz *f, struct step *st)
{
	uint64_t size = st->s >= 0 ? f->sizes[st->s] : 4096;
	bool v2;
	struct drm_vshare_submit a = {
		.op = pick(f, 2) ? 1 + pick(f, 3) : pick(f, 5),
		.dst_handle = st->h, .src_handle = handle(f, &v2),
		.dst_offset = pick(f, 2) ? 0 : value64(f, size),
		.src_offset = pick(f, 2) ? 0 : value64(f, size),
		.size = pick(f, 2) ? 4096 : value64(f, size),
		.value = pick(f, 2) ? 0 : rnd(f),
		.delay_ms = pick(f, 4) ? 0 : pick(f, 20),
		.flags = pick(f, 4) ? 0 : value32(f) & ~4u,
		.in_fence_fd = pick(f, 8) ? 0 : -1,
	};
	int ret;

	/* FILL reads nothing: usually give it no source. */
	if (a.op == VSHARE_JOB_FILL && pick(f, 4))
		a.src_handle = 0;

	ret = __vshare_submit(f->vs, &a);
	if (!ret && (a.flags & VSHARE_SUBMIT_OUT_SYNC_FILE))
		close(a.out_fence_fd);
	return ret;
}

static int call_gem_close(struct fuzz *f, struct step *st)
{
	int k;

	for (k = 0; k < MAX_OBJS && f->handles[k] != st->h; k++)
		;
	if (st->valid && k < MAX_OBJS) {
		drop(f, k);
		return 0;
	}
	return __gem_close(f->vs, st->h);
}

static int call_export(struct fuzz *f, struct step *st)
{
	uint32_t flags = pick(f, 4) ? DRM_CLOEXEC | DRM_RDWR :
			 pick(f, 2) ? DRM_CLOEXEC : value32(f);
	int fd, ret, s = st->s;

	ret = __prime_handle_to_fd(f->vs, st->h, flags, &fd);
	if (!ret) {
		if (s >= 0 && f->handles[s] == st->h && f->dmabufs[s] < 0) {
			f->dmabufs[s] = fd;
			/* The first export decides for the object. */
			f->readonly[s] = !(fcntl(fd, F_GETFL) & O_RDWR);
		} else {
			close(fd);
		}
	}
	return ret;
}

/* Into vshare device 0 (C_IMPORT) or device 1 (C_IMPORT_OTHER). */
static int call_import(struct fuzz *f, struct step *st)
{
	int s = st->s, fd = s >= 0 ? f->dmabufs[s] : -1;
	int dev = st->c == C_IMPORT ? f->vs : f->other;
	uint32_t got;
	int ret;

	if (dev < 0)
		return 0;
	if (fd < 0 || !pick(f, 8))
		fd = pick(f, 2) ? -1 : 0x3fff;
	ret = __prime_fd_to_handle(dev, fd, &got);
	st->valid = fd >= 0 && fd != 0x3fff;
	if (!ret && st->c == C_IMPORT)
		igt_assert_eq_u32(got, f->handles[s]);
	if (!ret && st->c == C_IMPORT_OTHER) {
		if (f->others[s] && f->others[s] != got)
			__gem_close(f->other, f->others[s]);
		f->others[s] = got;
	}
	return ret;
}

/* The slot's dma-buf, or -1: the dma-buf calls skip (succeed) without. */
static int slot_dmabuf(struct fuzz *f, struct step *st)
{
	return st->s >= 0 ? f->dmabufs[st->s] : -1;
}

static int call_sync(struct fuzz *f, struct step *st)
{
	int fd = slot_dmabuf(f, st), ret;
	struct dma_buf_sync a = { 0 };

	if (fd < 0)
		return 0;
	a.flags = pick(f, 3) ? (DMA_BUF_SYNC_START | pick(f, 4)) : value32(f);
	ret = xioctl(fd, DMA_BUF_IOCTL_SYNC, &a);
	if (!ret && !(a.flags & DMA_BUF_SYNC_END)) {
		a.flags = (a.flags & DMA_BUF_SYNC_RW) | DMA_BUF_SYNC_END;
		xioctl(fd, DMA_BUF_IOCTL_SYNC, &a);
	}
	return ret;
}

static int call_set_name(struct fuzz *f, struct step *st)
{
	int fd = slot_dmabuf(f, st);

	if (fd < 0)
		return 0;
	return xioctl(fd, DMA_BUF_SET_NAME_B, "fuzz");
}

static int call_export_sync_file(struct fuzz *f, struct step *st)
{
	int fd = slot_dmabuf(f, st), ret;
	struct dma_buf_export_sync_file a = { .fd = -1 };

	if (fd < 0)
		return 0;
	a.flags = pick(f, 4) ? DMA_BUF_SYNC_RW : value32(f);
	ret = xioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &a);
	if (!ret)
		close(a.fd);
	return ret;
}

static int call_mmap(struct fuzz *f, struct step *st)
{
	int s = st->s;
	struct drm_vshare_map_offset a = { .handle = st->h };
	uint64_t size = s >= 0 ? f->sizes[s] : 4096;
	uint64_t len = pick(f, 3) ? size : value64(f, size) & ~4095ull;
	uint64_t off = pick(f, 3) ? 0 : value64(f, size) & ~4095ull;
	bool dmabuf = s >= 0 && f->dmabufs[s] >= 0 && pick(f, 2);
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_READ, PROT_READ | PROT_EXEC, PROT_WRITE, PROT_NONE,
	};
	int prot = prots[pick(f, 6)], flags = pick(f, 3) ?
		   MAP_SHARED : MAP_PRIVATE;
	volatile uint8_t *p;
	int ret;

	if (dmabuf)
		st->valid = true;
	else if ((ret = xioctl(f->vs, DRM_IOCTL_VSHARE_MAP_OFFSET, &a)))
		return ret;
	if (!len || len > (1ull << 40))
		len = 4096;
	/*
	 * Private writable mappings are charged up front: a huge one
	 * only makes the VM's overcommit check complain in the log.
	 */
	if (flags == MAP_PRIVATE && len > MAX_SIZE)
		len = MAX_SIZE;
	p = mmap(NULL, len, prot, flags,
		 dmabuf ? f->dmabufs[s] : f->vs,
		 dmabuf ? off : a.offset + off);
	ret = p == MAP_FAILED ? -errno : 0;
	/* Copy-on-write mappings of a buffer are never allowed. */
	igt_assert_f(ret || flags == MAP_SHARED,
		     "private mapping of a vshare buffer accepted\n");
	if (!ret && pick(f, 4) == 0) {
		prot = prots[pick(f, 6)];
		if (mprotect((void *)p, len, prot))
			prot = -1;	/* unchanged: touch nothing */
	}
	/* Touch only what is inside a buffer we know the size of. */
	if (!ret && st->valid && s >= 0 && f->handles[s] == st->h &&
	    off + len <= size && prot >= 0) {
		if (prot & PROT_READ)
			(void)p[len - 1];
		if ((prot & PROT_WRITE) && (prot & PROT_READ))
			p[0] = p[len - 1];
	}
	if (!ret)
		munmap((void *)p, len);
	return ret;
}

static int call_close_fd(struct fuzz *f, struct step *st)
{
	int s = st->s;

	if (s >= 0 && f->dmabufs[s] >= 0) {
		close(f->dmabufs[s]);
		f->dmabufs[s] = -1;
	}
	return 0;
}

/* Through device 1's import: refused if the export is read-only. */
static int call_write_other(struct fuzz *f, struct step *st)
{
	struct drm_vshare_map_offset a = { 0 };
	uint32_t other = st->s >= 0 ? f->others[st->s] : 0;
	int ret;
	void *p;

	st->valid = true;
	if (!other)
		return 0;
	a.handle = other;
	switch (pick(f, 3)) {
	case 0:
		ret = __vshare_access(f->other, other, VSHARE_ACCESS_FILL,
				      0, 4096, rnd(f), NULL);
		break;
	case 1: {
		struct drm_vshare_submit j = {
			.op = VSHARE_JOB_FILL, .dst_handle = other,
			.size = 4096, .value = rnd(f),
		};

		ret = __vshare_submit(f->other, &j);
		break;
	}
	default:
		ret = xioctl(f->other, DRM_IOCTL_VSHARE_MAP_OFFSET, &a);
		if (ret)
			break;
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			 f->other, a.offset);
		ret = p == MAP_FAILED ? -errno : 0;
		if (!ret)
			munmap(p, 4096);
		break;
	}
	if (f->readonly[st->s])
		igt_assert_f(ret == -EACCES,
			     "read-only import written: %d\n", ret);
	return ret;
}

static int call_replug(struct fuzz *f, struct step *st)
{
	st->valid = true;
	/* Rare: each one costs a device probe. */
	if (f->other >= 0 && !pick(f, 32))
		return replug_other(f);
	return 0;
}

static int (*const call_fns[C_NUM])(struct fuzz *f, struct step *st) = {
	[C_CREATE] = call_create,
	[C_MAP_OFFSET] = call_map_offset,
	[C_ACCESS] = call_access,
	[C_FENCE_ATTACH] = call_fence_attach,
	[C_FENCE_SIGNAL] = call_fence_signal,
	[C_SUBMIT] = call_submit,
	[C_GEM_CLOSE] = call_gem_close,
	[C_EXPORT] = call_export,
	[C_IMPORT] = call_import,
	[C_IMPORT_OTHER] = call_import,
	[C_SYNC] = call_sync,
	[C_SET_NAME] = call_set_name,
	[C_EXPORT_SYNC_FILE] = call_export_sync_file,
	[C_MMAP] = call_mmap,
	[C_CLOSE_FD] = call_close_fd,
	[C_WRITE_OTHER] = call_write_other,
	[C_REPLUG] = call_replug,
	[C_CREATE_DMABUF] = call_create_dmabuf,
};

static void step(struct fuzz *f)
{
	struct step st = { .valid = true };
	int ret;

	st.c = pick(f, C_NUM);
	st.s = slot(f, true);
	st.h = handle(f, &st.valid);
	/* Calls that take no handle cannot misuse one. */
	if (st.c == C_CREATE || st.c == C_SYNC || st.c == C_SET_NAME ||
	    st.c == C_EXPORT_SYNC_FILE || st.c == C_CLOSE_FD ||
	    st.c == C_CREATE_DMABUF)
		st.valid = true;
	f->calls[st.c]++;
	ret = call_fns[st.c](f, &st);
	/* Nothing takes a handle that never existed. */
	if (!st.valid && st.c != C_IMPORT && st.c != C_IMPORT_OTHER)
		igt_assert_f(ret != 0, "%s succeeded with handle %#x\n",
			     call_names[st.c], st.h);
	if (!ret)
		f->ok[st.c]++;
}

static void test_ioctls(struct fuzz *f, const struct vshare_totals *start)
{
	const char *env_seed = getenv("IGT_FUZZ_SEED");
	const char *env_count = getenv("IGT_FUZZ_COUNT");
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : 0x5eedf00d;
	unsigned long i, count = env_count ? strtoul(env_count, NULL, 0) :
				 25000;
	int k;

	igt_info("seed %#llx, %lu calls\n", (unsigned long long)seed, count);
	seed_walk(f, seed);
	for (k = 0; k < MAX_OBJS; k++)
		f->dmabufs[k] = -1;
	for (i = 0; i < count; i++) {
		step(f);
		/* For the long run's progress lines. */
		if ((i + 1) % 50000 == 0)
			igt_info("fuzz: %lu of %lu calls\n", i + 1, count);
	}
	for (k = 0; k < MAX_OBJS; k++)
		if (f->handles[k])
			drop(f, k);
	for (k = 0; k < C_NUM; k++)
		igt_info("%-20s %6lu calls, %6lu succeeded\n", call_names[k],
			 f->calls[k], f->ok[k]);
	/* Jobs and fences may hold buffers a little longer. */
	vshare_assert_totals(f->vs, NULL, start, 10000);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_seeds_differ(void)
{
	enum { SEEDS = 4096, WORDS = 8 };
	uint64_t *starts = calloc(SEEDS, sizeof(*starts));
	unsigned int i, w;

	igt_assert(starts);
	for (i = 0; i < SEEDS; i++) {
		struct fuzz f = { 0 };

		/* One 64-bit digest of a walk's first numbers per seed. */
		seed_walk(&f, i);
		for (w = 0; w < WORDS; w++)
			starts[i] = starts[i] * 0x100000001b3ull ^ rnd(&f);
	}
	qsort(starts, SEEDS, sizeof(*starts), cmp_u64);
	for (i = 1; i < SEEDS; i++)
		igt_assert_f(starts[i] != starts[i - 1],
			     "two seeds start the same walk\n");
	free(starts);
}

int igt_main()
{
	struct vshare_totals start;
	struct fuzz f = { 0 };

	igt_describe("Different seeds give different walks.");
	igt_subtest("seeds-differ")
		test_seeds_differ();

	igt_fixture() {
		f.vs = vshare_open_pdev("vshare.0", NODE_RENDER);
		igt_require_f(f.vs >= 0, "no vshare.0\n");
		f.other = vshare_open_pdev("vshare.1", NODE_RENDER);
		igt_require_f(f.other >= 0, "needs vshare.1 (num_devices=2)\n");
		igt_install_exit_handler(rebind_other);
		vshare_totals(f.vs, NULL, &start);
	}

	igt_describe("A seeded random walk over the calls on vshare objects "
		     "neither crashes nor leaks.");
	igt_subtest("ioctls")
		test_ioctls(&f, &start);

	igt_fixture() {
		if (f.other >= 0)
			drm_close(f.other);
		drm_close(f.vs);
	}
}
