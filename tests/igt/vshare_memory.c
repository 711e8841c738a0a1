// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_memory: vshare's memory as the rest of the kernel sees it.
 */

/**
 * TEST: vshare memory
 * Category: Core
 * Description: properties of vshare's memory checked from outside the
 *	driver, never on its own word (debugfs): page-table pages from VmPTE,
 *	objects by their debugfs identity. (/proc/self/pagemap skips PFN
 *	mappings: page frames, contiguity and page attributes are read from
 *	the page tables by the KUnit suite.)
 *
 * SUBTEST: pmd-mappings
 * Description: a 2 MiB-aligned mapping of a buffer needs (almost) no
 *	page-table pages; the same buffer mapped 4 KiB off alignment needs one
 *	per 2 MiB, the negative control.
 *
 * SUBTEST: self-import-same-object
 * Description: a read-write export imported into another file of the
 *	same device is the same object (one buffer in debugfs, same id).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)
#define PAGE 4096ull

static long vm_pte_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "VmPTE: %ld kB", &kb);
	fclose(f);
	igt_assert(kb >= 0);
	return kb;
}

/* Page-table memory a full read of the mapping at @want costs, in kB. */
static long touch_cost(int fd, uint64_t offset, uint64_t size, void *want)
{
	volatile uint8_t *ptr;
	long before = vm_pte_kb();
	uint64_t i;

	ptr = mmap(want, size, PROT_READ, MAP_SHARED | (want ? MAP_FIXED : 0),
		   fd, offset);
	igt_assert(ptr != MAP_FAILED);
	for (i = 0; i < size; i += PAGE)
		(void)ptr[i];
	before = vm_pte_kb() - before;
	munmap((void *)ptr, size);
	return before;
}

static void test_pmd_mappings(int fd)
{
	const uint64_t size = 64 * MiB;
	struct drm_vshare_map_offset map = { .handle = vshare_create(fd, size) };
	long aligned, misaligned;
	uint8_t *area;

	igt_assert_eq(igt_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &map), 0);
	aligned = touch_cost(fd, map.offset, size, NULL);
	/* A place 4 KiB off 2 MiB alignment, for the control. */
	area = mmap(NULL, size + 4 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	igt_assert(area != MAP_FAILED);
	munmap(area, size + 4 * MiB);
	area = (uint8_t *)(((uintptr_t)area + 2 * MiB - 1) & ~(2 * MiB - 1)) +
	       PAGE;
	misaligned = touch_cost(fd, map.offset, size, area);
	igt_info("page tables for 64 MiB: %ld kB mapped aligned, %ld kB "
		 "4 KiB off\n", aligned, misaligned);
	/* 4 KiB entries need one 4 KiB table per 2 MiB: 128 kB here. */
	igt_assert_lte(112, misaligned);
	igt_assert_lte(aligned, 16);
	gem_close(fd, map.handle);
}

static void test_self_import_same_object(int fd)
{
	const uint64_t size = 3 * MiB + PAGE;
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
	struct vshare_bo_state before, after;
	uint32_t handle = vshare_create(fd, size), imported;
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);

	igt_assert(vshare_bo_state(fd, size, &before));
	igt_assert_eq(vshare_bo_count(fd, size), 1);
	imported = prime_fd_to_handle(other, dmabuf);
	igt_assert_eq(vshare_bo_count(fd, size), 1);
	igt_assert(vshare_bo_state(fd, size, &after));
	igt_assert_eq(after.id, before.id);
	igt_assert_eq(after.attach, 0);	/* not attached to itself */
	/* Writes through one handle are seen through the other. */
	vshare_fill(other, imported, 0, size, 0x5e1f0bef);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  vshare_crc32(other, imported, 0, size));
	gem_close(other, imported);
	close(dmabuf);
	gem_close(fd, handle);
	drm_close(other);
}

int igt_main()
{
	struct vshare_totals start;
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vshare_totals(fd, NULL, &start);
	}

	igt_describe("Aligned mappings use 2 MiB entries: no page tables.");
	igt_subtest("pmd-mappings")
		test_pmd_mappings(fd);

	igt_describe("A self-import in another file is the same object.");
	igt_subtest("self-import-same-object")
		test_self_import_same_object(fd);

	igt_fixture() {
		vshare_assert_totals(fd, NULL, &start, 0);
		drm_close(fd);
	}
}
