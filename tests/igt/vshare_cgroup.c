// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_cgroup: vshare buffers and the memory cgroup.
 */

/**
 * TEST: vshare cgroup
 * Category: Core
 * Description: vshare buffer memory is charged to the memory cgroup of the
 *	task that allocates it, so a cgroup's memory.max holds for buffers
 *	too: past it, creation and moves fail with ENOMEM, and nothing is
 *	OOM-killed.
 *
 * SUBTEST: charged
 * Description: a buffer's pages show in memory.current, and leave it when
 *	the buffer is freed.
 *
 * SUBTEST: limit
 * Description: in a cgroup with memory.max=64M, a 1 GiB buffer and the
 *	buffer that would cross the limit get ENOMEM; no OOM kill happens.
 *
 * SUBTEST: move-charged
 * Description: a move allocates the new copy before freeing the old one:
 *	both count, against the cgroup and against vshare's own limit.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

static const char *cgdir;
static unsigned int saved_limit;

static uint64_t cg_read(const char *file, const char *key)
{
	return cgroup_read(cgdir, file, key);
}

/* A fresh group with memory.max, the test process in it. */
static void make_cgroup(const char *max)
{
	cgdir = cgroup_enter_new("memory");
	cgroup_write(cgdir, "memory.max", max);
}

/* Back to the root group, and vshare's own limit as it was. */
static void restore(int sig)
{
	cgroup_leave(sig);
	if (saved_limit != ~0u)
		vshare_set_param("mem_limit_mb", saved_limit);
}

static void test_charged(int vs)
{
	unsigned long long before, with, after;
	uint32_t handle;

	make_cgroup("max");
	before = cg_read("memory.current", NULL);
	handle = vshare_create(vs, 32 * MiB);
	with = cg_read("memory.current", NULL);
	igt_info("memory.current: %llu before, %llu with a 32 MiB buffer\n",
		 before, with);
	igt_assert_f(with >= before + 32 * MiB,
		     "32 MiB buffer not charged: %llu -> %llu\n", before, with);
	gem_close(vs, handle);
	after = cg_read("memory.current", NULL);
	igt_info("memory.current: %llu after closing it\n", after);
	/* Give or take the page tables and slabs of the test itself. */
	igt_assert_f(after <= before + MiB,
		     "32 MiB buffer not uncharged: %llu -> %llu\n", with, after);
	cgroup_leave(0);
}

static void test_limit(int vs, const struct vshare_totals *start)
{
	uint32_t handles[64], h;
	unsigned int n = 0, fit;
	uint64_t size;
	int ret;

	make_cgroup("64M");
	size = 1024 * MiB;
	igt_assert_eq(__vshare_create(vs, &size, 0, &h), -ENOMEM);
	/* 4 MiB at a time up to the limit: ENOMEM before 64 MiB. */
	for (;;) {
		size = 4 * MiB;
		ret = __vshare_create(vs, &size, 0, &handles[n]);
		if (ret)
			break;
		igt_assert(++n < 64);
	}
	/*
	 * The group is full now: free before anything else, or the test's
	 * own next page would be the one the OOM killer is called for.
	 */
	fit = n;
	while (n)
		gem_close(vs, handles[--n]);
	igt_assert_eq(ret, -ENOMEM);
	igt_info("%u buffers of 4 MiB fit under memory.max=64M\n", fit);
	igt_assert_lte(fit, 16);
	igt_assert_lte(8, fit);
	igt_assert_eq_u64(cg_read("memory.events", "oom_kill"), 0);
	vshare_assert_totals(vs, NULL, start, 0);
	cgroup_leave(0);
}

static void test_move_charged(int vs,
			      const struct vshare_totals *start)
{
	struct vshare_bo_state st;
	uint32_t handle;

	/* Against the cgroup: 40 MiB, moved, would need 80 of 64. */
	make_cgroup("64M");
	handle = vshare_create(vs, 40 * MiB);
	vshare_fill(vs, handle, 0, 40 * MiB, 0x600dcafe);
	igt_assert(vshare_bo_state(vs, 40 * MiB, &st));
	igt_assert_eq(vshare_bo_knob(vs, "vshare_move", st.id), -ENOMEM);
	igt_assert_eq_u64(cg_read("memory.events", "oom_kill"), 0);
	gem_close(vs, handle);
	cgroup_leave(0);

	/* Against vshare's own limit: 60 MiB, moved, would need 120 of 100. */
	saved_limit = vshare_param("mem_limit_mb");
	vshare_set_param("mem_limit_mb", 100);
	handle = vshare_create(vs, 60 * MiB);
	igt_assert(vshare_bo_state(vs, 60 * MiB, &st));
	igt_assert_eq(vshare_bo_knob(vs, "vshare_move", st.id), -ENOMEM);
	gem_close(vs, handle);
	/* With room for both copies, the same move works. */
	handle = vshare_create(vs, 40 * MiB);
	vshare_fill(vs, handle, 0, 40 * MiB, 0x600dcafe);
	igt_assert(vshare_bo_state(vs, 40 * MiB, &st));
	igt_assert_eq(vshare_bo_knob(vs, "vshare_move", st.id), 0);
	igt_assert_eq_u32(vshare_crc32(vs, handle, 0, 4096),
			  vshare_crc32(vs, handle, 40 * MiB - 4096, 4096));
	gem_close(vs, handle);
	vshare_set_param("mem_limit_mb", saved_limit);
	saved_limit = ~0u;
	vshare_assert_totals(vs, NULL, start, 0);
}

int igt_main()
{
	struct vshare_totals start;
	int vs = -1;

	igt_fixture() {
		vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vshare_totals(vs, NULL, &start);
		saved_limit = ~0u;
		igt_install_exit_handler(restore);
	}

	igt_describe("Buffer pages are charged to the creator's memory cgroup.");
	igt_subtest("charged")
		test_charged(vs);

	igt_describe("memory.max holds for vshare buffers: ENOMEM, no OOM kill.");
	igt_subtest("limit")
		test_limit(vs, &start);

	igt_describe("A move's second copy counts against both limits.");
	igt_subtest("move-charged")
		test_move_charged(vs, &start);

	igt_fixture() {
		drm_close(vs);
	}
}
