// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_dynamic: buffers that move and buffers that are revoked, through
 * the debugfs knobs vshare_move and vshare_revoke. vshare is a dynamic
 * exporter, and a second vshare device imports with a dynamic attachment:
 * on a move it drops its mapping and maps the new pages when it next uses
 * the buffer, and sees the same contents. CPU mappings fault the new
 * pages in. A revoked buffer refuses every new use with ENODEV and its CPU
 * mappings get SIGBUS.
 */

/**
 * TEST: vshare dynamic
 * Category: Core
 * Description: Buffers that move and buffers that are revoked (debugfs
 *	vshare_move, vshare_revoke), with vshare as a dynamic exporter and a
 *	second vshare device as a dynamic importer.
 *
 * SUBTEST: move-mmapped
 * Description: A moved buffer keeps its contents: its old CPU mapping
 *	faults the new pages in, 2 MiB at a time where it can, writes after
 *	the move land in the new pages, and the kernel reads them.
 *
 * SUBTEST: move-one-page
 * Description: The same for a buffer of one page, whose page array is
 *	part of the buffer: the move must carry the new page over.
 *
 * SUBTEST: move-dynamic-importer
 * Description: vshare device 1 imports dynamically: a move invalidates
 *	its mapping (the exporter sees it unmapped), and its next access maps
 *	the new pages with the same contents.
 *
 * SUBTEST: after-exporter-closed
 * Description: The exporter closes its last handle while device 1 still
 *	holds the dma-buf (the normal hand-off): a move still tells the
 *	importer, so it succeeds and the importer reads the moved contents; a
 *	revoke still takes the importer's mapping away.
 *
 * SUBTEST: move-busy
 * Description: A move while the kernel maps the buffer (an engine job in
 *	flight) is refused with EBUSY and changes nothing; it goes through
 *	once the job is done.
 *
 * SUBTEST: move-stress
 * Description: Moves race CPU writes through the mmap and the importer's
 *	kernel accesses for a few seconds: no write is lost and the importer
 *	always reads what the CPU wrote last.
 *
 * SUBTEST: revoke
 * Description: A revoked buffer: its CPU mappings get SIGBUS, new mmaps,
 *	CPU access, kernel access and the dynamic importer's next use fail
 *	with ENODEV, it can neither move nor be revoked again, and it is
 *	freed as usual.
 *
 * SUBTEST: knob-errors
 * Description: vshare_move and vshare_revoke refuse unknown buffer ids
 *	with ENOENT.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

struct ctx {
	int vs;		/* vshare device 0: the exporter */
	int vs1;	/* vshare device 1: a dynamic importer */
	struct vshare_totals start;	/* what each subtest leaves */
};

static struct vshare_bo_state bo_state(int fd, uint64_t size)
{
	struct vshare_bo_state st;

	igt_assert(vshare_bo_state(fd, size, &st));
	return st;
}

static uint32_t pattern_crc(uint64_t size, uint32_t seed)
{
	void *buf = malloc(size);
	uint32_t crc;

	igt_assert(buf);
	fill_pattern(buf, size, seed);
	crc = crc32_ieee(buf, size);
	free(buf);
	return crc;
}

/* A buffer with the pattern of @seed written through its mmap. */
static uint32_t pattern_buffer(struct ctx *c, uint64_t size, uint32_t seed,
			       void **map)
{
	uint32_t handle = vshare_create(c->vs, size);

	*map = vshare_mmap(c->vs, handle, size, PROT_READ | PROT_WRITE);
	fill_pattern(*map, size, seed);
	return handle;
}

/* Waits for a sync_file to signal. */
static bool fence_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1;
}

/* Polls debugfs until the buffer holds no kernel mapping. */
static bool wait_unmapped(int fd, uint64_t size, int timeout_ms)
{
	return igt_wait(bo_state(fd, size).vmaps == 0, timeout_ms, 10);
}

struct stress {
	struct ctx *c;
	unsigned int id;
	volatile bool stop;
	int moves, busy;
};

static void *mover(void *arg)
{
	struct stress *s = arg;
	int ret;

	while (!s->stop) {
		ret = vshare_bo_knob(s->c->vs, "vshare_move", s->id);
		if (ret == 0)
			s->moves++;
		else if (ret == -EBUSY)
			s->busy++;
		else
			igt_assert_f(false, "move: %s\n", strerror(-ret));
	}
	return NULL;
}

static void test_move_mmapped(struct ctx *c, uint64_t size)
{
	const uint64_t last = size / sizeof(uint32_t) - 1;
	struct vshare_bo_state before, after;
	uint32_t handle;
	uint32_t *map;

	handle = pattern_buffer(c, size, 11, (void **)&map);
	before = bo_state(c->vs, size);
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", before.id), 0);
	after = bo_state(c->vs, size);
	igt_assert_eq(after.moves, before.moves + 1);
	igt_assert_eq(check_pattern(map, size, 11), 0);
	igt_assert_lt(before.faults, bo_state(c->vs, size).faults);

	map[last] = 0xfeedf00d;
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", before.id), 0);
	igt_assert_eq_u32(map[last], 0xfeedf00d);
	fill_pattern(map, size, 12);
	igt_assert_eq_u32(vshare_crc32(c->vs, handle, 0, size),
			  pattern_crc(size, 12));
	munmap(map, size);
	gem_close(c->vs, handle);
	vshare_assert_totals(c->vs, NULL, &c->start, 0);
}

static void test_move_dynamic_importer(struct ctx *c)
{
	const uint64_t size = 4 * MiB;
	struct vshare_bo_state st;
	uint32_t handle, imported;
	int dmabuf;
	void *map;

	handle = pattern_buffer(c, size, 21, &map);
	dmabuf = prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(c->vs1, dmabuf);
	st = bo_state(c->vs, size);
	igt_assert_eq(st.attach, 1);
	igt_assert_eq(st.maps, 1);

	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", st.id), 0);
	st = bo_state(c->vs, size);
	igt_assert_eq(st.moves, 1);
	igt_assert_eq(st.attach, 1);
	igt_assert_eq(st.maps, 0);

	igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
			  pattern_crc(size, 21));
	igt_assert_eq(bo_state(c->vs, size).maps, 1);
	/*
	 * Both copies hold the pattern, so reads alone cannot
	 * tell a stale mapping: a word written into the new
	 * pages (the exporter's mapping faults them in) must
	 * be what the importer reads.
	 */
	((uint32_t *)map)[1] = 0x5ca1ab1e;
	igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 4, 4),
			  crc32_ieee(&(uint32_t){ 0x5ca1ab1e }, 4));

	/* Writes by the importer land in the new pages. */
	vshare_fill(c->vs1, imported, 0, size, 0x0badcafe);
	igt_assert_eq_u32(((uint32_t *)map)[size / 4 - 1],
			  0x0badcafe);
	munmap(map, size);
	gem_close(c->vs1, imported);
	close(dmabuf);
	gem_close(c->vs, handle);
	vshare_assert_totals(c->vs, NULL, &c->start, 0);
}

static void test_after_exporter_closed(struct ctx *c)
{
	const uint64_t size = 4 * MiB;
	struct vshare_bo_state st;
	uint32_t handle, imported;
	int dmabuf;
	void *map;

	handle = pattern_buffer(c, size, 23, &map);
	dmabuf = prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC);
	imported = prime_fd_to_handle(c->vs1, dmabuf);
	close(dmabuf);
	st = bo_state(c->vs, size);
	igt_assert_eq(st.maps, 1);
	/* Only the importer and our mapping hold it now. */
	gem_close(c->vs, handle);

	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", st.id), 0);
	igt_assert_eq(bo_state(c->vs, size).moves, 1);
	igt_assert_eq(check_pattern(map, size, 23), 0);
	igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
			  pattern_crc(size, 23));

	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_revoke", st.id), 0);
	igt_assert_eq(bo_state(c->vs, size).maps, 0);
	igt_assert_eq(__vshare_access(c->vs1, imported,
				      VSHARE_ACCESS_CRC32, 0,
				      size, 0, NULL), -ENODEV);
	munmap(map, size);
	gem_close(c->vs1, imported);
	vshare_assert_totals(c->vs, NULL, &c->start, 0);
}

static void test_move_busy(struct ctx *c)
{
	const uint64_t size = MiB;
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_FILL, .size = size,
		.value = 0x600df00d, .delay_ms = 1500,
		.flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
	};
	struct vshare_bo_state st;
	uint32_t handle;
	void *map;

	handle = pattern_buffer(c, size, 31, &map);
	st = bo_state(c->vs, size);
	s.dst_handle = handle;
	igt_assert_eq(__vshare_submit(c->vs, &s), 0);
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", st.id), -EBUSY);
	igt_assert_eq(bo_state(c->vs, size).moves, 0);
	igt_assert(fence_wait(s.out_fence_fd, 20000));
	close(s.out_fence_fd);
	/* The job's mapping goes when the engine retires it. */
	igt_assert(wait_unmapped(c->vs, size, 5000));
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", st.id), 0);
	igt_assert_eq_u32(((uint32_t *)map)[7], 0x600df00d);
	munmap(map, size);
	gem_close(c->vs, handle);
}

static void test_move_stress(struct ctx *c)
{
	const uint64_t size = 4 * MiB;
	struct stress s = { .c = c };
	uint32_t handle, imported, i;
	pthread_t thread;
	uint32_t *map;
	double start;
	int dmabuf;

	handle = pattern_buffer(c, size, 41, (void **)&map);
	dmabuf = prime_handle_to_fd(c->vs, handle, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(c->vs1, dmabuf);
	s.id = bo_state(c->vs, size).id;
	igt_assert_eq(pthread_create(&thread, NULL, mover, &s), 0);
	/*
	 * 4 s, and on until 3 moves got through (30 s at most): under TCG
	 * with KASAN most moves are refused (EBUSY) while the importer is
	 * busy with the buffer, and 4 s once saw none in 136 tries.
	 */
	start = now_ms();
	for (i = 0; now_ms() < start + 4000 ||
		    (__atomic_load_n(&s.moves, __ATOMIC_RELAXED) < 3 &&
		     now_ms() < start + 30000); i++) {
		uint32_t v = 0x1000 + i;

		map[(i * 4099) % (size / 4)] = v;
		igt_assert_eq_u32(map[(i * 4099) % (size / 4)], v);
		if (i % 64 == 0) {
			vshare_fill(c->vs1, imported, 0, 4096, v);
			igt_assert_eq_u32(map[1023], v);
		}
	}
	s.stop = true;
	pthread_join(thread, NULL);
	igt_info("%u writes, %d moves, %d busy\n", i, s.moves,
		 s.busy);
	igt_assert_lte(1, s.moves);
	igt_assert_eq_u32(vshare_crc32(c->vs1, imported, 0, size),
			  crc32_ieee(map, size));
	munmap(map, size);
	gem_close(c->vs1, imported);
	close(dmabuf);
	gem_close(c->vs, handle);
	vshare_assert_totals(c->vs, NULL, &c->start, 0);
}

static void test_revoke(struct ctx *c)
{
	const uint64_t size = 2 * MiB;
	uint32_t handle, imported;
	unsigned int id;
	uint64_t crc;
	uint32_t *map;
	void *ptr;
	int dmabuf;

	handle = pattern_buffer(c, size, 51, (void **)&map);
	dmabuf = prime_handle_to_fd(c->vs, handle,
				    DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(c->vs1, dmabuf);
	id = bo_state(c->vs, size).id;

	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_revoke", id), 0);
	igt_assert(read_sigbus(map));
	igt_assert(read_sigbus(map + size / 4 - 1));
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr == MAP_FAILED && errno == ENODEV);
	igt_assert_eq(__dmabuf_sync(dmabuf, DMA_BUF_SYNC_START |
				    DMA_BUF_SYNC_READ), -ENODEV);
	igt_assert_eq(__vshare_access(c->vs, handle,
				      VSHARE_ACCESS_CRC32, 0,
				      size, 0, &crc), -ENODEV);
	igt_assert_eq(__vshare_access(c->vs1, imported,
				      VSHARE_ACCESS_CRC32, 0,
				      size, 0, &crc), -ENODEV);
	igt_assert_eq(bo_state(c->vs, size).maps, 0);
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", id), -ENODEV);
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_revoke", id), -ENODEV);

	munmap(map, size);
	gem_close(c->vs1, imported);
	close(dmabuf);
	gem_close(c->vs, handle);
	vshare_assert_totals(c->vs, NULL, &c->start, 0);
}

static void test_knob_errors(struct ctx *c)
{
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_move", 0), -ENOENT);
	igt_assert_eq(vshare_bo_knob(c->vs, "vshare_revoke", 0x7fffffff),
		      -ENOENT);
}

int igt_main()
{
	struct ctx c = { .vs = -1, .vs1 = -1 };

	igt_fixture() {
		c.vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vshare_totals(c.vs, NULL, &c.start);
	}

	igt_describe("A moved buffer keeps its contents, seen through its old "
		     "CPU mapping.");
	igt_subtest("move-mmapped")
		test_move_mmapped(&c, 8 * MiB);

	igt_describe("A moved one-page buffer keeps its contents.");
	igt_subtest("move-one-page")
		test_move_mmapped(&c, 4096);

	igt_subtest_group() {
		igt_fixture() {
			c.vs1 = drm_open_driver_nth("vshare", NODE_RENDER, 1);
			igt_require_f(c.vs1 >= 0, "needs num_devices=2\n");
		}

		igt_describe("A move invalidates a dynamic importer's "
			     "mapping, which maps the new pages.");
		igt_subtest("move-dynamic-importer")
			test_move_dynamic_importer(&c);

		igt_describe("Moves and revokes reach the importer after the "
			     "exporter closed its handle.");
		igt_subtest("after-exporter-closed")
			test_after_exporter_closed(&c);

		igt_describe("A buffer the kernel maps cannot move until it "
			     "is idle.");
		igt_subtest("move-busy")
			test_move_busy(&c);

		igt_describe("Moves lose no CPU write and show the importer "
			     "the latest contents.");
		igt_subtest("move-stress")
			test_move_stress(&c);

		igt_describe("A revoked buffer refuses every new use with "
			     "ENODEV or SIGBUS.");
		igt_subtest("revoke")
			test_revoke(&c);

		igt_fixture() {
			drm_close(c.vs1);
		}
	}

	igt_describe("The knobs refuse unknown buffer ids with ENOENT.");
	igt_subtest("knob-errors")
		test_knob_errors(&c);

	igt_fixture() {
		drm_close(c.vs);
	}
}
