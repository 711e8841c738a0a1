// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_basic: buffer creation, mapping and the ioctls' bad-input paths.
 */

/**
 * TEST: vshare basic
 * Category: Core
 * Description: Creating, mapping and closing vshare buffers, and what the
 *	ioctls do with bad input.
 *
 * SUBTEST: version
 * Description: DRM_IOCTL_VERSION names the driver vshare.
 *
 * SUBTEST: create-close
 * Description: A buffer is created and closed; closing it again is EINVAL.
 *
 * SUBTEST: create-sizes
 * Description: Sizes from 1 byte to 64 MiB come back rounded up to 4 KiB.
 *
 * SUBTEST: create-zero-size
 * Description: CREATE of 0 bytes fails with EINVAL.
 *
 * SUBTEST: create-bad-flags
 * Description: CREATE with unknown flag bits fails with EINVAL.
 *
 * SUBTEST: create-huge
 * Description: 2^50 bytes fail with ENOMEM, a size that overflows when
 *	rounded up with EINVAL, the largest page-aligned size with ENOMEM.
 *
 * SUBTEST: create-many
 * Description: 1024 buffers of 4 to 28 KiB get distinct handles.
 *
 * SUBTEST: mmap-write-read
 * Description: A pattern written through one mapping is read through a
 *	second, and through a third that outlives the handle.
 *
 * SUBTEST: zeroed
 * Description: Four 8 MiB buffers in turn, each dirtied before it is
 *	freed, are all zero when new.
 *
 * SUBTEST: map-offset-bad-handle
 * Description: MAP_OFFSET of handle 0 or of an unknown handle is ENOENT.
 *
 * SUBTEST: map-offset-bad-pad
 * Description: MAP_OFFSET with a non-zero pad is EINVAL.
 *
 * SUBTEST: mmap-beyond-end
 * Description: mmap of more than the buffer, or at an offset inside it,
 *	fails with EINVAL; the buffer itself maps.
 *
 * SUBTEST: mremap-grow-refused
 * Description: mremap() of a mapping to more than the buffer fails with
 *	EFAULT (VM_DONTEXPAND) and the mapping still works: with
 *	mmap-beyond-end, why no fault reaches the driver past its pages.
 *
 * SUBTEST: ioctl-bad-nr
 * Description: A driver ioctl number past the table is EINVAL and copies
 *	nothing back.
 *
 * SUBTEST: ioctl-short-struct
 * Description: A CREATE struct of the size field alone works (flags read
 *	as 0) and makes a buffer.
 *
 * SUBTEST: handles-per-file
 * Description: Another file of the device cannot map or close a handle.
 *
 * SUBTEST: fdinfo-memory
 * Description: fdinfo names the driver and counts a 16 MiB buffer in
 *	drm-total-memory, until it is closed.
 *
 * SUBTEST: fdinfo-memory-keys
 * Description: The standard drm-*-memory keys to the byte for a 12 MiB +
 *	4 KiB buffer: total and resident on create, shared once exported
 *	(in the exporting file and in a second file that imported it),
 *	active while a delayed engine job holds it, all back on close.
 *
 * SUBTEST: fdinfo-client-name
 * Description: After DRM_IOCTL_SET_CLIENT_NAME (Linux 6.13+) fdinfo shows
 *	drm-client-name; names with spaces or control characters, or longer
 *	than 64 bytes, are EINVAL; an empty name takes the line away.
 *
 * SUBTEST: gem-change-handle
 * Description: DRM_IOCTL_GEM_CHANGE_HANDLE (Linux 6.18; disabled again in
 *	7.x) moves a vshare buffer to a new handle with its contents; the old
 *	handle is gone; a handle in use, a missing handle or one above
 *	INT_MAX is refused.
 *
 * SUBTEST: gem-change-handle-exported
 * Description: An exported buffer keeps its dma-buf under its new handle:
 *	importing the dma-buf gives the new handle, exporting the new handle
 *	gives the same dma-buf.
 *
 * SUBTEST: gem-change-handle-imported
 * Description: A vgem buffer imported into vshare, moved to a new handle:
 *	importing it again gives the new handle, re-exported it is vgem's own
 *	dma-buf, and vgem's writes are read through it.
 *
 * SUBTEST: dumb-create-map
 * Description: A 1000x700 dumb buffer on the card node has a 4032-byte
 *	pitch, maps zeroed and keeps what is written.
 *
 * SUBTEST: dumb-create-bad
 * Description: Dumb buffers of zero or overflowing width, height or bpp,
 *	or with flags, are EINVAL.
 *
 * SUBTEST: dumb-create-render-node
 * Description: CREATE_DUMB on the render node is EACCES.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

static bool fdinfo_has(int fd, const char *text)
{
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	igt_assert(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text);
	fclose(f);
	return found;
}

static void test_version(int fd)
{
	char *name = drm_driver_name(fd);

	igt_assert(name);
	igt_assert_eq(strcmp(name, "vshare"), 0);
	free(name);
}

static void test_create_close(int fd)
{
	uint32_t handle = vshare_create(fd, 4096);

	gem_close(fd, handle);
	igt_assert_eq(__gem_close(fd, handle), -EINVAL);
}

static void test_create_sizes(int fd)
{
	static const uint64_t sizes[] = {
		1, 4095, 4096, 4097, MiB + 1, 2 * MiB, 64 * MiB - 4096,
	};
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t size = sizes[i];
		uint32_t handle;

		igt_assert_eq(__vshare_create(fd, &size, 0, &handle), 0);
		igt_assert_eq_u64(size, (sizes[i] + 4095) & ~4095ull);
		gem_close(fd, handle);
	}
}

static void test_create_zero_size(int fd)
{
	uint64_t size = 0;
	uint32_t handle;

	igt_assert_eq(__vshare_create(fd, &size, 0, &handle), -EINVAL);
}

static void test_create_bad_flags(int fd)
{
	static const uint32_t flags[] = { 1u << 31, 1u << 16, ~0u };
	unsigned int i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		uint64_t size = 4096;
		uint32_t handle;

		igt_assert_eq(__vshare_create(fd, &size, flags[i], &handle),
			      -EINVAL);
	}
}

static void test_create_huge(int fd)
{
	uint64_t size = 1ull << 50;
	uint32_t handle;

	igt_assert_eq(__vshare_create(fd, &size, 0, &handle), -ENOMEM);
	size = ~0ull;
	igt_assert_eq(__vshare_create(fd, &size, 0, &handle), -EINVAL);
	size = ~0ull - 4095;
	igt_assert_eq(__vshare_create(fd, &size, 0, &handle), -ENOMEM);
}

static void test_create_many(int fd)
{
	static uint32_t handles[1024];
	unsigned int i, j;

	for (i = 0; i < 1024; i++) {
		handles[i] = vshare_create(fd, 4096 * (1 + i % 7));
		for (j = 0; j < i; j += 97)
			igt_assert_neq(handles[i], handles[j]);
	}
	for (i = 0; i < 1024; i++)
		gem_close(fd, handles[i]);
}

static void test_mmap_write_read(int fd)
{
	const size_t size = 4 * MiB + 12 * 4096;
	uint32_t handle = vshare_create(fd, size);
	void *a = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	void *b = vshare_mmap(fd, handle, size, PROT_READ);

	fill_pattern(a, size, 0x5eed);
	igt_assert_eq(check_pattern(b, size, 0x5eed), 0);
	munmap(a, size);
	munmap(b, size);
	/* The buffer outlives a mapping that outlives its handle. */
	a = vshare_mmap(fd, handle, size, PROT_READ);
	gem_close(fd, handle);
	igt_assert_eq(check_pattern(a, size, 0x5eed), 0);
	munmap(a, size);
}

static void test_zeroed(int fd)
{
	const size_t size = 8 * MiB;
	unsigned int round;

	for (round = 0; round < 4; round++) {
		uint32_t handle = vshare_create(fd, size);
		void *ptr = vshare_mmap(fd, handle, size,
					PROT_READ | PROT_WRITE);

		assert_zero_then_dirty(ptr, size);
		munmap(ptr, size);
		gem_close(fd, handle);
	}
}

static void test_map_offset_bad_handle(int fd)
{
	struct drm_vshare_map_offset arg = { .handle = 0x7fff };

	do_ioctl_err(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg, ENOENT);
	arg.handle = 0;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg, ENOENT);
}

static void test_map_offset_bad_pad(int fd)
{
	struct drm_vshare_map_offset arg = { .pad = 1 };

	arg.handle = vshare_create(fd, 4096);
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg, EINVAL);
	gem_close(fd, arg.handle);
}

static void test_mmap_beyond_end(int fd)
{
	struct drm_vshare_map_offset arg = { 0 };
	void *ptr;

	arg.handle = vshare_create(fd, 2 * 4096);
	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg);
	ptr = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, arg.offset);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	ptr = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd,
		   arg.offset + 4096);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	/* GEM offsets name a whole object: only its start maps. */
	ptr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, arg.offset + 4096);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	ptr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, arg.offset);
	igt_assert(ptr != MAP_FAILED);
	munmap(ptr, 4096);
	gem_close(fd, arg.handle);
}

static void test_mremap_grow_refused(int fd)
{
	struct drm_vshare_map_offset arg = { 0 };
	uint32_t *ptr;
	void *grown;

	arg.handle = vshare_create(fd, 2 * 4096);
	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg);
	ptr = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, arg.offset);
	igt_assert(ptr != MAP_FAILED);
	grown = mremap(ptr, 2 * 4096, 3 * 4096, MREMAP_MAYMOVE);
	igt_assert(grown == MAP_FAILED && errno == EFAULT);
	/* The mapping is as it was. */
	ptr[1024] = 0xdecade;
	igt_assert_eq_u32(vshare_crc32(fd, arg.handle, 4096, 4),
			  crc32_ieee(&(uint32_t){ 0xdecade }, 4));
	munmap(ptr, 2 * 4096);
	gem_close(fd, arg.handle);
}

static void test_ioctl_bad_nr(int fd)
{
	struct drm_vshare_create arg = { .size = 4096 };
	unsigned long bad = DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
				     struct drm_vshare_create);

	do_ioctl_err(fd, bad, &arg, EINVAL);
	igt_assert_eq(arg.handle, 0);
}

static void test_ioctl_short_struct(int fd)
{
	struct { uint64_t size; } small = { 4096 };
	unsigned long req = DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_CREATE,
				     typeof(small));
	struct drm_vshare_map_offset moff = { 0 };

	/* flags reads as 0; the handle is not copied back. */
	do_ioctl(fd, req, &small);
	igt_assert_eq_u64(small.size, 4096);
	/* The buffer exists: the file's first handle maps. */
	moff.handle = 1;
	while (igt_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &moff) && moff.handle < 64)
		moff.handle++;
	igt_assert(moff.handle < 64);
	gem_close(fd, moff.handle);
}

static void test_handles_per_file(int fd)
{
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
	struct drm_vshare_map_offset arg = { 0 };
	uint32_t handle = vshare_create(fd, 4096);

	arg.handle = handle;
	do_ioctl_err(other, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg, ENOENT);
	igt_assert_eq(__gem_close(other, handle), -EINVAL);
	close(other);
	gem_close(fd, handle);
}

static void test_fdinfo_memory(int fd)
{
	uint64_t before, after;
	uint32_t handle;

	igt_assert(fdinfo_has(fd, "drm-driver:\tvshare"));
	before = fdinfo_memory(fd, "total");
	handle = vshare_create(fd, 16 * MiB);
	after = fdinfo_memory(fd, "total");
	igt_info("drm-total memory: %" PRIu64 " KiB -> %" PRIu64 " KiB\n",
		 before >> 10, after >> 10);
	igt_assert_eq_u64(after - before, 16 * MiB);
	gem_close(fd, handle);
	igt_assert_eq_u64(fdinfo_memory(fd, "total"), before);
}

/* One file's drm-*-memory figures, in bytes. */
struct mem_keys {
	uint64_t total, shared, resident, active;
};

static struct mem_keys mem_keys(int fd)
{
	return (struct mem_keys) {
		.total = fdinfo_memory(fd, "total"),
		.shared = fdinfo_memory(fd, "shared"),
		.resident = fdinfo_memory(fd, "resident"),
		.active = fdinfo_memory(fd, "active"),
	};
}

static void assert_mem_keys(int fd, struct mem_keys want)
{
	struct mem_keys got = mem_keys(fd);

	igt_info("total %" PRIu64 " shared %" PRIu64 " resident %" PRIu64
		 " active %" PRIu64 "\n",
		 got.total, got.shared, got.resident, got.active);
	igt_assert_eq_u64(got.total, want.total);
	igt_assert_eq_u64(got.shared, want.shared);
	igt_assert_eq_u64(got.resident, want.resident);
	igt_assert_eq_u64(got.active, want.active);
}

/*
 * The size is not a whole MiB, so the kernel prints it in KiB and a unit
 * mix-up shows; the second file starts with nothing of its own.
 */
static void test_fdinfo_memory_keys(int fd)
{
	const uint64_t size = 12 * MiB + 4096;
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
	struct mem_keys base = mem_keys(fd), want = base;
	struct drm_vshare_submit job = {
		.op = VSHARE_JOB_FILL, .size = 4096, .delay_ms = 3000,
	};
	uint32_t handle, theirs;
	int dmabuf, sync_fd;

	igt_assert_eq_u64(base.active, 0);
	handle = vshare_create(fd, size);
	want.total += size;
	want.resident += size;
	assert_mem_keys(fd, want);

	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	want.shared += size;
	assert_mem_keys(fd, want);

	theirs = prime_fd_to_handle(other, dmabuf);
	assert_mem_keys(other, (struct mem_keys) {
		.total = size, .shared = size, .resident = size });

	/* Both files see the job: it is in the buffer's reservation object. */
	job.dst_handle = handle;
	sync_fd = vshare_submit_job(fd, job);
	igt_assert_eq(sync_file_status(sync_fd), 0);
	want.active += size;
	assert_mem_keys(fd, want);
	igt_assert_eq_u64(fdinfo_memory(other, "active"), size);
	sync_file_wait_ok(sync_fd);
	want.active -= size;
	assert_mem_keys(fd, want);

	gem_close(other, theirs);
	close(other);
	close(dmabuf);
	gem_close(fd, handle);
	assert_mem_keys(fd, base);
}

/* Not in every libdrm's drm.h yet. */
#ifndef DRM_IOCTL_SET_CLIENT_NAME
struct drm_set_client_name {
	__u64 name_len;
	__u64 name;
};

#define DRM_IOCTL_SET_CLIENT_NAME	DRM_IOWR(0xD1, struct drm_set_client_name)
#endif
#ifndef DRM_IOCTL_GEM_CHANGE_HANDLE
struct drm_gem_change_handle {
	__u32 handle;
	__u32 new_handle;
};

#define DRM_IOCTL_GEM_CHANGE_HANDLE	DRM_IOWR(0xD2, struct drm_gem_change_handle)
#endif

static int set_client_name(int fd, const char *name, size_t len)
{
	struct drm_set_client_name arg = {
		.name_len = len, .name = (uintptr_t)name,
	};

	return igt_ioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &arg) ? -errno : 0;
}

static void test_fdinfo_client_name(int fd)
{
	static const char *const bad[] = { "two words", "tab\tname", "bell\a" };
	char long_name[66];
	unsigned int i;

	/* An unknown core ioctl is EINVAL: older kernels have none. */
	igt_require_f(set_client_name(fd, "", 0) == 0,
		      "no DRM_IOCTL_SET_CLIENT_NAME (Linux 6.13+)\n");
	igt_assert(!fdinfo_has(fd, "drm-client-name:"));
	igt_assert_eq(set_client_name(fd, "vshare-igt", 10), 0);
	igt_assert(fdinfo_has(fd, "drm-client-name:\tvshare-igt\n"));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		igt_assert_eq(set_client_name(fd, bad[i], strlen(bad[i])), -EINVAL);
	memset(long_name, 'n', sizeof(long_name));
	igt_assert_eq(set_client_name(fd, long_name, 65), -EINVAL);
	/* A refused name leaves the old one. */
	igt_assert(fdinfo_has(fd, "drm-client-name:\tvshare-igt\n"));
	igt_assert_eq(set_client_name(fd, long_name, 64), 0);
	long_name[64] = '\n';
	long_name[65] = '\0';
	igt_assert(fdinfo_has(fd, long_name));
	igt_assert_eq(set_client_name(fd, "", 0), 0);
	igt_assert(!fdinfo_has(fd, "drm-client-name:"));
}

static int change_handle(int fd, uint32_t handle, uint32_t new_handle)
{
	struct drm_gem_change_handle arg = {
		.handle = handle, .new_handle = new_handle,
	};

	return igt_ioctl(fd, DRM_IOCTL_GEM_CHANGE_HANDLE, &arg) ? -errno : 0;
}

/*
 * A missing handle is ENOENT where the ioctl works. Before 6.18 it does not
 * exist, and 7.x has it as drm_invalid_op (EINVAL) until IGT covers its
 * corner cases (drm_gem.c): these are such tests.
 */
static void require_change_handle(int fd)
{
	igt_require_f(change_handle(fd, 0x7ffffff0, 0x7ffffff1) == -ENOENT,
		      "DRM_IOCTL_GEM_CHANGE_HANDLE is not enabled in this kernel\n");
}

static void test_gem_change_handle(int fd)
{
	uint32_t handle, other, crc;
	uint64_t size = 1 * MiB;

	require_change_handle(fd);
	handle = vshare_create(fd, size);
	other = vshare_create(fd, 4096);
	vshare_fill(fd, handle, 0, size, 0x5eed1234);
	crc = vshare_crc32(fd, handle, 0, size);
	igt_assert_eq(change_handle(fd, handle, 1000), 0);
	/* The old handle is gone, the new one has the contents. */
	igt_assert_eq(__vshare_access(fd, handle, VSHARE_ACCESS_CRC32, 0, size,
				      0, NULL), -ENOENT);
	igt_assert_eq(__gem_close(fd, handle), -EINVAL);
	igt_assert_eq_u32(vshare_crc32(fd, 1000, 0, size), crc);
	igt_assert_eq_u32(crc, fill_crc(size, 0x5eed1234));
	/* Taken, missing, or out of idr's range. */
	igt_assert_eq(change_handle(fd, 1000, other), -ENOSPC);
	igt_assert_eq(change_handle(fd, handle, 2000), -ENOENT);
	igt_assert_eq(change_handle(fd, 1000, 0x80000000u), -EINVAL);
	igt_assert_eq_u32(vshare_crc32(fd, 1000, 0, size), crc);
	gem_close(fd, 1000);
	gem_close(fd, other);
}

static void test_gem_change_handle_exported(int fd)
{
	uint32_t handle;
	int dmabuf, again;

	require_change_handle(fd);
	handle = vshare_create(fd, 4096);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	igt_assert_eq(change_handle(fd, handle, 1001), 0);
	/* PRIME's lookups follow the object to its new handle. */
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), 1001);
	again = prime_handle_to_fd(fd, 1001, DRM_CLOEXEC | DRM_RDWR);
	igt_assert(same_file(again, dmabuf));
	igt_assert_eq(__gem_close(fd, handle), -EINVAL);
	close(again);
	close(dmabuf);
	gem_close(fd, 1001);
}

static void test_gem_change_handle_imported(int fd)
{
	uint32_t pitch, vh, handle;
	int vgem, dmabuf, again;
	uint64_t size;
	void *ptr;

	require_change_handle(fd);
	vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	vh = dumb_create(vgem, 64, 64, 32, &pitch, &size);
	dmabuf = prime_handle_to_fd(vgem, vh, DRM_CLOEXEC | DRM_RDWR);
	handle = prime_fd_to_handle(fd, dmabuf);
	igt_assert_eq(change_handle(fd, handle, 1002), 0);
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), 1002);
	again = prime_handle_to_fd(fd, 1002, DRM_CLOEXEC);
	igt_assert(same_file(again, dmabuf));
	ptr = dumb_mmap(vgem, vh, size, PROT_READ | PROT_WRITE);
	memset(ptr, 0x5e, size);
	munmap(ptr, size);
	igt_assert_eq_u32(vshare_crc32(fd, 1002, 0, size),
			  fill_crc(size, 0x5e5e5e5e));
	close(again);
	close(dmabuf);
	gem_close(fd, 1002);
	gem_close(vgem, vh);
	drm_close(vgem);
}

static void test_dumb_create_map(int card)
{
	uint32_t pitch, handle;
	uint64_t size;
	void *ptr;

	handle = dumb_create(card, 1000, 700, 32, &pitch, &size);
	igt_assert_eq(pitch, 4032);
	igt_assert_eq_u64(size, (4032ull * 700 + 4095) & ~4095ull);
	ptr = dumb_mmap(card, handle, size, PROT_READ | PROT_WRITE);
	igt_assert(all_zero(ptr, size));
	fill_pattern(ptr, size, 77);
	igt_assert_eq(check_pattern(ptr, size, 77), 0);
	munmap(ptr, size);
	gem_close(card, handle);
}

static void test_dumb_create_bad(int card)
{
	struct drm_mode_create_dumb bad[] = {
		{ .width = 0, .height = 16, .bpp = 32 },
		{ .width = 16, .height = 0, .bpp = 32 },
		{ .width = 16, .height = 16, .bpp = 0 },
		{ .width = 16, .height = 16, .bpp = 32, .flags = 1 },
		{ .width = 0xffffffff, .height = 16, .bpp = 32 },
		{ .width = 16, .height = 16, .bpp = 0xffffffff },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		igt_assert_eq(__dumb_create(card, &bad[i]), -EINVAL);
}

static void test_dumb_create_render_node(int fd)
{
	struct drm_mode_create_dumb arg = {
		.width = 64, .height = 64, .bpp = 32,
	};

	igt_assert_eq(__dumb_create(fd, &arg), -EACCES);
}

int igt_main()
{
	int fd = -1, card = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("DRM_IOCTL_VERSION names the driver vshare.");
	igt_subtest("version")
		test_version(fd);

	igt_describe("A created buffer closes once; its handle is then gone.");
	igt_subtest("create-close")
		test_create_close(fd);

	igt_describe("Buffer sizes are rounded up to whole pages.");
	igt_subtest("create-sizes")
		test_create_sizes(fd);

	igt_describe("A buffer of zero bytes is refused.");
	igt_subtest("create-zero-size")
		test_create_zero_size(fd);

	igt_describe("Unknown CREATE flags are refused.");
	igt_subtest("create-bad-flags")
		test_create_bad_flags(fd);

	igt_describe("Sizes no machine has fail with ENOMEM, overflows with "
		     "EINVAL.");
	igt_subtest("create-huge")
		test_create_huge(fd);

	igt_describe("A thousand buffers get a thousand distinct handles.");
	igt_subtest("create-many")
		test_create_many(fd);

	igt_describe("Writes through one mapping are read through another.");
	igt_subtest("mmap-write-read")
		test_mmap_write_read(fd);

	igt_describe("New buffers never show old contents.");
	igt_subtest("zeroed")
		test_zeroed(fd);

	igt_describe("MAP_OFFSET of a handle that does not exist fails.");
	igt_subtest("map-offset-bad-handle")
		test_map_offset_bad_handle(fd);

	igt_describe("MAP_OFFSET with its padding set is refused.");
	igt_subtest("map-offset-bad-pad")
		test_map_offset_bad_pad(fd);

	igt_describe("mmap larger than the buffer or past its start is "
		     "refused.");
	igt_subtest("mmap-beyond-end")
		test_mmap_beyond_end(fd);

	igt_describe("mremap() cannot grow a mapping past the buffer's end.");
	igt_subtest("mremap-grow-refused")
		test_mremap_grow_refused(fd);

	igt_describe("Driver ioctl numbers past the table are refused.");
	igt_subtest("ioctl-bad-nr")
		test_ioctl_bad_nr(fd);

	igt_describe("An older, shorter CREATE struct still works.");
	igt_subtest("ioctl-short-struct")
		test_ioctl_short_struct(fd);

	igt_describe("Handles are private to the file that created them.");
	igt_subtest("handles-per-file")
		test_handles_per_file(fd);

	igt_describe("fdinfo names the driver and counts the file's memory.");
	igt_subtest("fdinfo-memory")
		test_fdinfo_memory(fd);

	igt_describe("fdinfo's standard memory keys follow a buffer's life "
		     "to the byte.");
	igt_subtest("fdinfo-memory-keys")
		test_fdinfo_memory_keys(fd);

	igt_describe("fdinfo shows the name a client set for itself.");
	igt_subtest("fdinfo-client-name")
		test_fdinfo_client_name(fd);

	igt_describe("A buffer keeps its contents under a new handle.");
	igt_subtest("gem-change-handle")
		test_gem_change_handle(fd);

	igt_describe("An exported buffer keeps its dma-buf under a new "
		     "handle.");
	igt_subtest("gem-change-handle-exported")
		test_gem_change_handle_exported(fd);

	igt_describe("An imported buffer keeps its exporter under a new "
		     "handle.");
	igt_subtest("gem-change-handle-imported")
		test_gem_change_handle_imported(fd);

	igt_subtest_group() {
		igt_fixture() {
			card = drm_open_driver_require("vshare", NODE_PRIMARY, 0);
		}

		igt_describe("Dumb buffers on the card node map, zeroed, with "
			     "a 64-byte pitch.");
		igt_subtest("dumb-create-map")
			test_dumb_create_map(card);

		igt_describe("Dumb buffers of impossible sizes or flags are "
			     "refused.");
		igt_subtest("dumb-create-bad")
			test_dumb_create_bad(card);

		igt_describe("The render node refuses dumb buffers.");
		igt_subtest("dumb-create-render-node")
			test_dumb_create_render_node(fd);

		igt_fixture() {
			drm_close(card);
		}
	}

	igt_fixture() {
		drm_close(fd);
	}
}
