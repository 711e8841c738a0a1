// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_fault: vshare's fault injection (/sys/kernel/debug/vshare/fail_*)
 * makes each exporter operation fail on demand, and every importer path
 * we drive gets a clean error: -ENOMEM back to userspace, nothing left
 * attached, mapped or allocated, and the same operation works once the
 * fault is disarmed. Faults are armed for this process only (task-filter),
 * or for the Nth injection point it reaches (/proc/thread-self/fail-nth),
 * which walks the failure through every allocation of a buffer.
 */

/**
 * TEST: vshare fault
 * Category: Core
 * Description: Each exporter operation of vshare made to fail on demand
 *	(fault injection): every importer path gets ENOMEM, nothing stays
 *	attached, mapped or allocated, and the operation works once the
 *	fault is disarmed.
 *
 * SUBTEST: alloc-each-block
 * Description: Each block allocation of a buffer fails in turn
 *	(fail-nth): CREATE and dumb create return ENOMEM with nothing
 *	allocated, until the buffer gets through zeroed. Dynamic subtests:
 *	native-8mib, native-2mib-plus-68kib, contiguous-1mib, dumb-1024x768.
 *
 * SUBTEST: export
 * Description: PRIME export fails with ENOMEM and caches nothing; the
 *	next export works and shares the buffer.
 *
 * SUBTEST: attach
 * Description: dma-buf attach fails: the import into vgem, vkms and
 *	another vshare device (dynamic subtests) returns ENOMEM, nothing
 *	stays attached, and the import works once disarmed.
 *
 * SUBTEST: map
 * Description: map_dma_buf fails: the same importers get ENOMEM (or, for
 *	one that maps lazily, never reach it), the attachment they made is
 *	gone, and the import works once disarmed.
 *
 * SUBTEST: vmap
 * Description: vmap fails: the kernel access ioctl on the buffer and on
 *	its import in another vshare device gets ENOMEM, no kernel mapping
 *	is left, and both work once disarmed.
 *
 * SUBTEST: engine-vmap-each
 * Description: Each kernel mapping an engine COPY job takes fails in turn
 *	(fail-nth): SUBMIT returns ENOMEM, the mapping already taken is
 *	dropped; then the job runs and copies.
 *
 * SUBTEST: mmap
 * Description: mmap fails with ENOMEM through the vshare file, the
 *	dma-buf and an importing vshare device, faulting nothing in; every
 *	mapping works once disarmed.
 *
 * SUBTEST: cpu-access
 * Description: begin_cpu_access fails: DMA_BUF_IOCTL_SYNC(START) and the
 *	access ioctl of an importing vshare device get ENOMEM; both work once
 *	disarmed.
 *
 * SUBTEST: random
 * Description: Every point fails at random (seeded, IGT_FAULT_SEED)
 *	while buffers are created, exported, imported, mapped and accessed:
 *	every error is ENOMEM and all memory comes back.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

struct ctx {
	int vs;		/* vshare device 0: the exporter */
	int card;	/* its primary node, for dumb buffers */
	int vs1;	/* vshare device 1: an importer */
	int vgem;
	int vkms;
	struct vshare_totals start;	/* what each subtest leaves */
};

/* Nothing of vshare's memory may stay allocated by a failed operation. */
static void assert_clean(struct ctx *c)
{
	vshare_assert_totals(c->vs, NULL, &c->start, 0);
}

/* Exactly one buffer of @size on the exporter, in the given state. */
static void assert_bo(struct ctx *c, uint64_t size, int attach, int maps,
		      int vmaps)
{
	struct vshare_bo_state st;

	igt_assert_eq(vshare_bo_count(c->vs, size), 1);
	igt_assert(vshare_bo_state(c->vs, size, &st));
	igt_assert_eq(st.attach, attach);
	igt_assert_eq(st.maps, maps);
	igt_assert_eq(st.vmaps, vmaps);
}

/* A vshare buffer filled through the kernel, exported read-write. */
static uint32_t make_buffer(struct ctx *c, uint64_t size, uint32_t value,
			    int *dmabuf)
{
	uint32_t handle = vshare_create(c->vs, size);

	vshare_fill(c->vs, handle, 0, size, value);
	*dmabuf = prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC | DRM_RDWR);
	return handle;
}

/*
 * Walks a failure through every injection point an operation reaches: the
 * Nth point fails for N = 1, 2, ... until the operation gets through
 * without reaching the armed one. Every failure must be ENOMEM and leave
 * no memory allocated. Returns the number of points the operation has.
 */
static int walk_failures(struct ctx *c, int (*op)(struct ctx *c, void *arg),
			 void *arg)
{
	struct vshare_totals before;
	unsigned int n;
	int ret;

	vshare_totals(c->vs, NULL, &before);
	for (n = 1; n < 100000; n++) {
		vshare_fail_nth(n);
		ret = op(c, arg);
		if (ret == 0) {
			/* It got through: the armed point was never reached. */
			igt_assert_neq(vshare_fail_nth_left(), 0);
			vshare_fail_nth(0);
			return n - 1;
		}
		vshare_fail_nth(0);
		igt_assert_eq(ret, -ENOMEM);
		vshare_assert_totals(c->vs, NULL, &before, 0);
	}
	igt_assert_f(false, "the operation never got through\n");
	return -1;
}

struct create_op {
	uint64_t size;
	uint32_t flags;
	bool dumb;
	uint32_t handle;
};

static int create_op(struct ctx *c, void *arg)
{
	struct create_op *op = arg;
	uint64_t size = op->size;
	int ret;

	if (op->dumb) {
		struct drm_mode_create_dumb dumb = {
			.width = 1024, .height = size / 4096, .bpp = 32,
		};

		ret = __dumb_create(c->card, &dumb);
		op->handle = dumb.handle;
	} else {
		ret = __vshare_create(c->vs, &size, op->flags, &op->handle);
	}
	return ret;
}

static void alloc_each_block(struct ctx *c, uint64_t size, uint32_t flags,
			     bool dumb)
{
	struct create_op op = { .size = size, .flags = flags, .dumb = dumb };
	int fd = dumb ? c->card : c->vs;
	void *ptr;
	int points;

	points = walk_failures(c, create_op, &op);
	igt_info("%d allocation points for %llu bytes\n", points,
		 (unsigned long long)size);
	igt_assert_lte(1, points);
	/* The buffer that finally got through is whole and zeroed. */
	ptr = vshare_mmap(fd, op.handle, size, PROT_READ);
	igt_assert(all_zero(ptr, size));
	munmap(ptr, size);
	gem_close(fd, op.handle);
	assert_clean(c);
}

struct copy_op {
	uint32_t src, dst;
	uint64_t size;
};

static int copy_op(struct ctx *c, void *arg)
{
	struct copy_op *op = arg;
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_COPY, .dst_handle = op->dst,
		.src_handle = op->src, .size = op->size,
	};
	struct vshare_bo_state st;
	int ret = __vshare_submit(c->vs, &s);

	/* A refused job holds no kernel mapping of either buffer. */
	if (ret) {
		igt_assert(vshare_bo_state(c->vs, op->size, &st));
		igt_assert_eq(st.vmaps, 0);
	}
	return ret;
}

static int import_into(int importer, int dmabuf, uint32_t *handle)
{
	return __prime_fd_to_handle(importer, dmabuf, handle);
}

/*
 * An importer's PRIME import fails while @point is armed (attach or map),
 * leaving the exporter's buffer unattached; once disarmed the import
 * works, and the importer shares the very same buffer.
 */
static void import_fails(struct ctx *c, const char *point, int importer)
{
	const uint64_t size = 2 * MiB;
	uint32_t handle, imported;
	int dmabuf, back, ret;

	handle = make_buffer(c, size, 0x5eed0001, &dmabuf);

	vshare_fault_arm(point, 100);
	ret = import_into(importer, dmabuf, &imported);
	vshare_fault_disarm(point);
	if (ret == 0 && !strcmp(point, "map")) {
		/*
		 * Importers built on the shmem helpers map only when they
		 * need to (Linux 6.13+): such an import never reaches the
		 * point, and must not have mapped.
		 */
		igt_info("the import maps lazily: map not reached\n");
		assert_bo(c, size, 1, 0, 0);
		gem_close(importer, imported);
	} else {
		igt_assert_eq(ret, -ENOMEM);
	}
	assert_bo(c, size, 0, 0, 0);

	igt_assert_eq(import_into(importer, dmabuf, &imported), 0);
	/* Imported for real: the importer hands back our own dma-buf. */
	back = prime_handle_to_fd(importer, imported, DRM_CLOEXEC);
	igt_assert(same_file(back, dmabuf));
	close(back);
	if (importer == c->vs1)
		igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
				  fill_crc(size, 0x5eed0001));

	gem_close(importer, imported);
	close(dmabuf);
	gem_close(c->vs, handle);
	assert_clean(c);
}

static void require_importer(int fd, const char *name)
{
	igt_require_f(fd >= 0, "no %s device\n", name);
}

static int importer_fd(struct ctx *c, const char *name)
{
	if (!strcmp(name, "vgem"))
		return c->vgem;
	if (!strcmp(name, "vkms"))
		return c->vkms;
	return c->vs1;
}

static const char *const importers[] = { "vgem", "vkms", "vshare", NULL };

/* import_fails() with @point armed, one dynamic subtest per importer. */
static void test_import_fails_each(struct ctx *c, const char *point)
{
	const char *const *name;

	for (name = importers; *name; name++)
		igt_dynamic(*name) {
			require_importer(importer_fd(c, *name), *name);
			import_fails(c, point, importer_fd(c, *name));
		}
}

/* One round of random work, with every point failing at random. */
static void random_round(struct ctx *c, unsigned int *seed, int *failures)
{
	const uint64_t size = (1 + rand_r(seed) % 5) * MiB;
	int importer = rand_r(seed) % 2 ? c->vs1 : c->vgem;
	uint32_t handle, imported = 0;
	uint64_t got = size;
	int dmabuf = -1, ret;
	uint64_t crc;
	void *ptr;

	ret = __vshare_create(c->vs, &got, 0, &handle);
	if (ret) {
		igt_assert_eq(ret, -ENOMEM);
		(*failures)++;
		return;
	}
	ret = __prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC | DRM_RDWR,
				   &dmabuf);
	if (ret) {
		igt_assert_eq(ret, -ENOMEM);
		(*failures)++;
		goto out;
	}
	ret = import_into(importer, dmabuf, &imported);
	if (ret) {
		igt_assert_eq(ret, -ENOMEM);
		(*failures)++;
	}
	ret = __vshare_access(c->vs, handle, VSHARE_ACCESS_CRC32, 0, size, 0,
			      &crc);
	if (ret) {
		igt_assert_eq(ret, -ENOMEM);
		(*failures)++;
	}
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	if (ptr == MAP_FAILED) {
		igt_assert_eq(errno, ENOMEM);
		(*failures)++;
	} else {
		ret = __dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
		if (ret) {
			igt_assert_eq(ret, -ENOMEM);
			(*failures)++;
		} else {
			memset(ptr, 0x11, 4096);
			dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
		}
		munmap(ptr, size);
	}
out:
	if (imported)
		gem_close(importer, imported);
	if (dmabuf >= 0)
		close(dmabuf);
	gem_close(c->vs, handle);
}

static void test_export(struct ctx *c)
{
	const uint64_t size = MiB;
	uint32_t handle = vshare_create(c->vs, size);
	int dmabuf, ret;

	vshare_fill(c->vs, handle, 0, size, 0x5eed0002);
	vshare_fault_arm("export", 100);
	ret = __prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC, &dmabuf);
	igt_assert_eq(ret, -ENOMEM);
	ret = __prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC | DRM_RDWR,
				   &dmabuf);
	igt_assert_eq(ret, -ENOMEM);
	vshare_fault_disarm("export");

	dmabuf = prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC);
	if (c->vs1 >= 0) {
		uint32_t imported = prime_fd_to_handle(c->vs1, dmabuf);

		igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
				  fill_crc(size, 0x5eed0002));
		gem_close(c->vs1, imported);
	}
	close(dmabuf);
	gem_close(c->vs, handle);
	assert_clean(c);
}

static void test_vmap(struct ctx *c)
{
	const uint64_t size = 2 * MiB;
	uint32_t handle, imported = 0;
	uint64_t crc;
	int dmabuf;

	handle = make_buffer(c, size, 0x5eed0003, &dmabuf);
	vshare_fault_arm("vmap", 100);
	igt_assert_eq(__vshare_access(c->vs, handle, VSHARE_ACCESS_CRC32,
				      0, size, 0, &crc), -ENOMEM);
	if (c->vs1 >= 0) {
		imported = prime_fd_to_handle(c->vs1, dmabuf);
		igt_assert_eq(__vshare_access(c->vs1, imported,
					      VSHARE_ACCESS_CRC32, 0,
					      size, 0, &crc), -ENOMEM);
	}
	vshare_fault_disarm("vmap");
	assert_bo(c, size, c->vs1 >= 0, c->vs1 >= 0, 0);

	igt_assert_eq_u32(vshare_crc32(c->vs, handle, 0, size),
			  fill_crc(size, 0x5eed0003));
	if (c->vs1 >= 0) {
		igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
				  fill_crc(size, 0x5eed0003));
		gem_close(c->vs1, imported);
	}
	close(dmabuf);
	gem_close(c->vs, handle);
	assert_clean(c);
}

static void test_engine_vmap_each(struct ctx *c)
{
	const uint64_t size = MiB;
	struct copy_op op;
	int points;

	op.src = vshare_create(c->vs, size);
	op.dst = vshare_create(c->vs, size);
	op.size = size;
	vshare_fill(c->vs, op.src, 0, size, 0x5eed0006);
	points = walk_failures(c, copy_op, &op);
	igt_assert_eq(points, 2);
	igt_assert_eq_u32(vshare_crc32(c->vs, op.dst, 0, size),
			  fill_crc(size, 0x5eed0006));
	gem_close(c->vs, op.src);
	gem_close(c->vs, op.dst);
	assert_clean(c);
}

static void test_mmap(struct ctx *c)
{
	const uint64_t size = 2 * MiB;
	struct drm_vshare_map_offset arg = { 0 };
	uint32_t handle, imported = 0;
	struct vshare_bo_state st;
	uint32_t *ptr;
	int dmabuf;

	handle = make_buffer(c, size, 0x5eed0004, &dmabuf);
	arg.handle = handle;
	do_ioctl(c->vs, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg);
	if (c->vs1 >= 0)
		imported = prime_fd_to_handle(c->vs1, dmabuf);

	vshare_fault_arm("mmap", 100);
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, c->vs, arg.offset);
	igt_assert(ptr == MAP_FAILED && errno == ENOMEM);
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr == MAP_FAILED && errno == ENOMEM);
	if (imported) {
		struct drm_vshare_map_offset iarg = { .handle = imported };

		do_ioctl(c->vs1, DRM_IOCTL_VSHARE_MAP_OFFSET, &iarg);
		ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, c->vs1,
			   iarg.offset);
		igt_assert(ptr == MAP_FAILED && errno == ENOMEM);
	}
	vshare_fault_disarm("mmap");
	igt_assert(vshare_bo_state(c->vs, size, &st));
	igt_assert_eq(st.faults, 0);

	ptr = vshare_mmap(c->vs, handle, size, PROT_READ);
	igt_assert_eq_u32(ptr[size / 4 - 1], 0x5eed0004);
	munmap(ptr, size);
	ptr = dmabuf_mmap(dmabuf, size, PROT_READ);
	igt_assert_eq_u32(ptr[0], 0x5eed0004);
	munmap(ptr, size);
	if (imported) {
		ptr = vshare_mmap(c->vs1, imported, size, PROT_READ);
		igt_assert_eq_u32(ptr[1000], 0x5eed0004);
		munmap(ptr, size);
		gem_close(c->vs1, imported);
	}
	close(dmabuf);
	gem_close(c->vs, handle);
	assert_clean(c);
}

static void test_cpu_access(struct ctx *c)
{
	const uint64_t size = MiB;
	uint32_t handle, imported = 0;
	uint64_t crc;
	int dmabuf;

	handle = make_buffer(c, size, 0x5eed0005, &dmabuf);
	if (c->vs1 >= 0)
		imported = prime_fd_to_handle(c->vs1, dmabuf);

	vshare_fault_arm("cpu_access", 100);
	igt_assert_eq(__dmabuf_sync(dmabuf, DMA_BUF_SYNC_START |
				    DMA_BUF_SYNC_READ), -ENOMEM);
	if (imported)
		igt_assert_eq(__vshare_access(c->vs1, imported,
					      VSHARE_ACCESS_CRC32, 0,
					      size, 0, &crc), -ENOMEM);
	vshare_fault_disarm("cpu_access");

	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (imported) {
		igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
				  fill_crc(size, 0x5eed0005));
		gem_close(c->vs1, imported);
	}
	close(dmabuf);
	gem_close(c->vs, handle);
	assert_clean(c);
}

static void test_random(struct ctx *c)
{
	const char *env = getenv("IGT_FAULT_SEED");
	unsigned int seed = env ? strtoul(env, NULL, 0) : 0x7a3d;
	const char *const *p;
	int i, rounds = 200, failures = 0;

	igt_require(c->vs1 >= 0 && c->vgem >= 0);
	igt_info("seed %#x, %d rounds\n", seed, rounds);
	for (p = vshare_fault_points; *p; p++)
		vshare_fault_arm(*p, 15);
	for (i = 0; i < rounds; i++)
		random_round(c, &seed, &failures);
	vshare_fault_disarm_all();
	igt_info("%d operations failed as injected\n", failures);
	igt_assert_lte(1, failures);
	assert_clean(c);
}

int igt_main()
{
	struct ctx c = { .vs = -1, .card = -1, .vs1 = -1, .vgem = -1,
			 .vkms = -1 };

	igt_fixture() {
		c.vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vshare_require_faults();
		c.card = drm_open_driver_require("vshare", NODE_PRIMARY, 0);
		c.vs1 = drm_open_driver_nth("vshare", NODE_RENDER, 1);
		c.vgem = drm_open_driver_nth("vgem", NODE_PRIMARY, 0);
		c.vkms = drm_open_driver_nth("vkms", NODE_PRIMARY, 0);
		/* The importers are the point: without them, fail loudly. */
		igt_assert_f(c.vs1 >= 0 && c.vgem >= 0 && c.vkms >= 0,
			     "needs vshare device 1, vgem and vkms\n");
		vshare_fault_disarm_all();
		vshare_totals(c.vs, NULL, &c.start);
	}

	igt_describe("Each block allocation of a buffer fails in turn, "
		     "leaving nothing allocated.");
	igt_subtest_with_dynamic("alloc-each-block") {
		igt_dynamic("native-8mib")
			alloc_each_block(&c, 8 * MiB, 0, false);
		igt_dynamic("native-2mib-plus-68kib")
			alloc_each_block(&c, 2 * MiB + 68 * 1024, 0, false);
		igt_dynamic("contiguous-1mib")
			alloc_each_block(&c, MiB, VSHARE_CREATE_CONTIGUOUS,
					 false);
		igt_dynamic("dumb-1024x768")
			alloc_each_block(&c, 3 * MiB, 0, true);
	}

	igt_describe("A failed PRIME export caches nothing; the next one "
		     "works.");
	igt_subtest("export")
		test_export(&c);

	igt_describe("A failed dma-buf attach leaves the importer with "
		     "nothing attached.");
	igt_subtest_with_dynamic("attach")
		test_import_fails_each(&c, "attach");

	igt_describe("A failed map_dma_buf leaves the importer with nothing "
		     "attached or mapped.");
	igt_subtest_with_dynamic("map")
		test_import_fails_each(&c, "map");

	igt_describe("A failed vmap fails kernel access cleanly, on the "
		     "buffer and its import.");
	igt_subtest("vmap")
		test_vmap(&c);

	igt_describe("Each kernel mapping of an engine job fails in turn, and "
		     "is undone.");
	igt_subtest("engine-vmap-each")
		test_engine_vmap_each(&c);

	igt_describe("A failed mmap faults nothing in, whichever file maps "
		     "the buffer.");
	igt_subtest("mmap")
		test_mmap(&c);

	igt_describe("A failed begin_cpu_access fails CPU and kernel access "
		     "cleanly.");
	igt_subtest("cpu-access")
		test_cpu_access(&c);

	igt_describe("Random failures at every point all give ENOMEM and leak "
		     "nothing.");
	igt_subtest("random")
		test_random(&c);

	igt_fixture() {
		vshare_fault_disarm_all();
		if (c.vkms >= 0)
			drm_close(c.vkms);
		if (c.vgem >= 0)
			drm_close(c.vgem);
		if (c.vs1 >= 0)
			drm_close(c.vs1);
		drm_close(c.card);
		drm_close(c.vs);
	}
}
