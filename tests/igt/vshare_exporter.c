// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_exporter: what makes vshare a complete exporter, seen from
 * userspace and debugfs: allocation flags and caching, the memory limit,
 * compact sg tables, attachment and mapping bookkeeping, CPU access by the
 * kernel (the ACCESS ioctl) on native and imported buffers, cache syncs,
 * and 2 MiB CPU mappings.
 */

/**
 * TEST: vshare exporter
 * Category: Core
 * Description: vshare as a complete exporter, seen from userspace and
 *	debugfs: allocation, caching, limits, sg tables, attachments, kernel
 *	CPU access and CPU mappings.
 *
 * SUBTEST: sg-runs-64mib
 * Description: A 64 MiB buffer is at most 32 physically contiguous runs,
 *	of origin native, and is gone from debugfs once closed.
 *
 * SUBTEST: debugfs-listing
 * Description: 600 buffers are listed once each, in increasing id order,
 *	whether the file is read in 61-byte pieces or at once, and the totals
 *	line counts the lines; buffers closed halfway through a read are not
 *	listed after it and no live one is skipped.
 *
 * SUBTEST: create-contiguous
 * Description: A 4 MiB CONTIGUOUS buffer is one run, zeroed, keeps a
 *	pattern; 4 MiB + 4 KiB is ENOMEM; 12 KiB is one run too.
 *
 * SUBTEST: create-wc
 * Description: A WC buffer is wc in debugfs, zeroed, and what is written
 *	through its dma-buf is read through its GEM mapping and the kernel.
 *
 * SUBTEST: mem-limit
 * Description: With mem_limit_mb 64 MiB above what is in use, a 48 MiB
 *	buffer fits and 32 MiB more (cached or WC) do not, 16 MiB do; freed
 *	memory can be used again, and the total goes back.
 *
 * SUBTEST: access-native
 * Description: ACCESS CRC32 of a whole buffer and of an unaligned range
 *	match the CPU's; a FILL across a run boundary changes those 16 bytes
 *	only; bad ranges, ops and handles are refused; no vmap is left.
 *
 * SUBTEST: dmabuf-sync
 * Description: Each DMA_BUF_IOCTL_SYNC is one begin/end_cpu_access in
 *	debugfs; the CPU and the kernel read the same; bad flags are EINVAL.
 *
 * SUBTEST: mmap-pmd
 * Description: A first touch of a 2 MiB-aligned 16 MiB dma-buf mapping
 *	uses 2 MiB entries (debugfs faults); the GEM mapping and a mapping at
 *	an offset read the same bytes.
 *
 * SUBTEST: gem-mmap-pmd
 * Description: mmap(NULL) of a GEM buffer is 2 MiB-aligned, and touching
 *	it uses 2 MiB entries.
 *
 * SUBTEST: attach-map-counts
 * Description: vshare device 1 importing a 64 MiB buffer attaches and
 *	maps it once (origin imported); closing the import undoes both.
 *
 * SUBTEST: access-imported-vshare
 * Description: ACCESS CRC32 and FILL on device 0's import of a device 1
 *	buffer see and change the exporter's pages, each through one
 *	begin/end_cpu_access pair, leaving no vmap; bad arguments refused.
 *
 * SUBTEST: access-imported-vgem
 * Description: ACCESS CRC32 and FILL on an imported vgem dumb buffer agree
 *	with vgem's own mapping.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

static uint32_t create_flags(int fd, uint64_t size, uint32_t flags)
{
	uint32_t handle = 0;

	igt_assert_eq(__vshare_create(fd, &size, flags, &handle), 0);
	return handle;
}

static struct vshare_bo_state state(int fd, uint64_t size)
{
	struct vshare_bo_state st;

	igt_assert_f(vshare_bo_state(fd, size, &st),
		     "no buffer of %" PRIu64 " bytes in debugfs\n", size);
	return st;
}

/* An mmap at a 2 MiB aligned address, so that PMD mappings can be used. */
static void *mmap_aligned(int fd, off_t offset, size_t size, int prot)
{
	char *area = mmap(NULL, size + 2 * MiB, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *aligned;
	void *ptr;

	igt_assert(area != MAP_FAILED);
	aligned = (char *)(((uintptr_t)area + 2 * MiB - 1) & ~(2 * MiB - 1));
	ptr = mmap(aligned, size, prot, MAP_SHARED | MAP_FIXED, fd, offset);
	igt_assert(ptr == aligned);
	if (aligned > area)
		munmap(area, aligned - area);
	munmap(aligned + size, area + size + 2 * MiB - (aligned + size));
	return ptr;
}

/* A pattern buffer with a FILL applied, to compare a whole buffer with. */
static uint32_t *expected_after_fill(uint64_t size, uint32_t seed,
				     uint64_t offset, uint64_t len, uint32_t value)
{
	uint32_t *expected = malloc(size);
	uint64_t i;

	igt_assert(expected);
	fill_pattern(expected, size, seed);
	for (i = offset / 4; i < (offset + len) / 4; i++)
		expected[i] = value;
	return expected;
}

static void assert_same(const uint32_t *got, const uint32_t *expected,
			uint64_t size)
{
	uint64_t i;

	for (i = 0; i < size / 4; i++)
		igt_assert_f(got[i] == expected[i],
			     "word %" PRIu64 " is %#x, expected %#x\n",
			     i, got[i], expected[i]);
}

static void check_access_bad_args(int fd, uint32_t handle, uint64_t size)
{
	struct drm_vshare_access arg = {
		.handle = handle, .op = VSHARE_ACCESS_CRC32, .size = 4,
	};

	arg.pad = 1;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.pad = 0;
	arg.op = 0;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.op = 3;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.op = VSHARE_ACCESS_CRC32;
	arg.size = 0;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.size = 6;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.size = 4;
	arg.offset = 2;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.offset = size;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.offset = size - 4;
	arg.size = 8;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.offset = ~0ull - 3;
	arg.size = 8;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, EINVAL);
	arg.offset = 0;
	arg.size = 4;
	arg.handle = 0x7fff;
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_ACCESS, &arg, ENOENT);
}

static void test_sg_runs_64mib(int fd)
{
	const uint64_t size = 64 * MiB;
	uint32_t handle = vshare_create(fd, size);
	struct vshare_bo_state st = state(fd, size);

	igt_info("64 MiB buffer: %lu physically contiguous runs (%lu per MiB)\n",
		 st.runs, st.runs / 64);
	igt_assert_f(st.runs <= 32, "%lu runs\n", st.runs);
	igt_assert_eq(strcmp(st.origin, "native"), 0);
	gem_close(fd, handle);
	igt_assert_eq(vshare_bo_count(fd, size), 0);
}

#define LISTED 600
#define LISTED_SIZE (5 * 4096ull)

/* The listing from the offset of @lfd on, read @chunk bytes at a time. */
static char *read_listing(int lfd, size_t chunk)
{
	size_t len = 0, cap = 1 << 16;
	char *text = malloc(cap + 1);
	ssize_t n;

	igt_assert(text);
	do {
		if (len + chunk > cap) {
			cap *= 2;
			text = realloc(text, cap + 1);
			igt_assert(text);
		}
		n = read(lfd, text + len, chunk);
		igt_assert_f(n >= 0, "read: %m\n");
		len += n;
	} while (n);
	text[len] = 0;
	return text;
}

/* Reads, 61 bytes at a time, until @lines whole lines have come. */
static char *read_listing_lines(int lfd, int lines)
{
	char *text = malloc(1 << 20);
	size_t len = 0;
	ssize_t n;
	int seen = 0;

	igt_assert(text);
	while (seen < lines) {
		n = read(lfd, text + len, 61);
		igt_assert_f(n > 0, "read: %zd %m\n", n);
		for (; n; n--)
			seen += text[len++] == '\n';
	}
	text[len] = 0;
	return text;
}

/*
 * The ids of the listed buffers of LISTED_SIZE, in @ids (their count
 * returned); asserts every buffer line comes in increasing id order and,
 * with @totals, that the totals line counts them all.
 */
static int listed_ids(const char *text, uint32_t *ids, int max, bool totals)
{
	unsigned long buffers = ~0ul, bytes;
	struct vshare_bo_state st;
	uint32_t last = 0;
	int lines = 0, n = 0;
	const char *line;

	for (line = text; *line; line = strchr(line, '\n') + 1) {
		igt_assert(strchr(line, '\n'));
		if (sscanf(line, "buffers: %lu, bytes: %lu", &buffers, &bytes) == 2)
			continue;
		if (sscanf(line, "%u %" SCNu64, &st.id, &st.size) != 2)
			continue;
		igt_assert_f(st.id > last, "id %u listed after %u\n", st.id, last);
		last = st.id;
		lines++;
		if (st.size == LISTED_SIZE) {
			igt_assert(n < max);
			ids[n++] = st.id;
		}
	}
	igt_assert_f(!totals || buffers == (unsigned long)lines,
		     "totals say %lu buffers, %d listed\n", buffers, lines);
	return n;
}

static int open_listing(int fd)
{
	char dir[128], path[160];
	int lfd;

	igt_assert_eq(drm_debugfs_dir(fd, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/vshare_buffers", dir);
	lfd = open(path, O_RDONLY);
	igt_assert_f(lfd >= 0, "%s: %m\n", path);
	return lfd;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether @id is one of the even-numbered buffers of @ids, closed first. */
static bool closed_id(const uint32_t *ids, uint32_t id)
{
	const uint32_t *hit = bsearch(&id, ids, LISTED, sizeof(*ids), cmp_u32);

	return hit && (hit - ids) % 2 == 0;
}

static void test_debugfs_listing(int fd)
{
	static uint32_t handles[LISTED], ids[LISTED], again[LISTED];
	char *text, *rest;
	size_t cut;
	int i, n, lfd;

	for (i = 0; i < LISTED; i++)
		handles[i] = vshare_create(fd, LISTED_SIZE);

	/* The file's text far exceeds a page: reads resume mid-listing. */
	lfd = open_listing(fd);
	text = read_listing(lfd, 61);
	close(lfd);
	n = listed_ids(text, ids, LISTED, true);
	igt_assert_eq(n, LISTED);
	free(text);
	lfd = open_listing(fd);
	text = read_listing(lfd, 1 << 20);
	close(lfd);
	igt_assert_eq(listed_ids(text, again, LISTED, true), LISTED);
	igt_assert(!memcmp(ids, again, sizeof(ids)));
	free(text);

	/*
	 * Half of them closed once a read has passed a third of them: the
	 * listing goes on from where it was. What the kernel had already
	 * put in its page of text may still show a closed one; nothing
	 * after that page may, and every open one must be there.
	 */
	lfd = open_listing(fd);
	text = read_listing_lines(lfd, LISTED / 3);
	for (i = 0; i < LISTED; i += 2)
		gem_close(fd, handles[i]);
	rest = read_listing(lfd, 61);
	close(lfd);
	cut = strlen(rest) > 8192 ? 8192 : strlen(rest);
	while (rest[cut] && rest[cut - 1] != '\n')
		cut++;
	n = listed_ids(rest + cut, again, LISTED, false);
	for (i = 0; i < n; i++)
		igt_assert_f(!closed_id(ids, again[i]),
			     "closed buffer %u still listed\n", again[i]);
	text = realloc(text, strlen(text) + strlen(rest) + 1);
	igt_assert(text);
	strcat(text, rest);
	n = listed_ids(text, again, LISTED, false);
	for (i = 1; i < LISTED; i += 2)
		igt_assert_f(bsearch(&ids[i], again, n, sizeof(*again), cmp_u32),
			     "open buffer %u not listed\n", ids[i]);
	free(text);
	free(rest);
	for (i = 1; i < LISTED; i += 2)
		gem_close(fd, handles[i]);
	igt_assert_eq(vshare_bo_count(fd, LISTED_SIZE), 0);
}

static void test_create_contiguous(int fd)
{
	const uint64_t size = 4 * MiB;
	uint64_t big = 4 * MiB + 4096;
	uint32_t handle = create_flags(fd, size, VSHARE_CREATE_CONTIGUOUS);
	struct vshare_bo_state st = state(fd, size);
	void *ptr;

	igt_assert_eq(st.runs, 1);
	igt_assert_eq(strcmp(st.origin, "contig"), 0);
	ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	igt_assert(all_zero(ptr, size));
	fill_pattern(ptr, size, 11);
	igt_assert_eq(check_pattern(ptr, size, 11), 0);
	munmap(ptr, size);
	gem_close(fd, handle);

	igt_assert_eq(__vshare_create(fd, &big, VSHARE_CREATE_CONTIGUOUS,
				      &handle), -ENOMEM);
	/* A small odd size gives back the block's tail. */
	handle = create_flags(fd, 3 * 4096, VSHARE_CREATE_CONTIGUOUS);
	igt_assert_eq(state(fd, 3 * 4096).runs, 1);
	gem_close(fd, handle);
}

static void test_create_wc(int fd)
{
	const uint64_t size = 2 * MiB + 3 * 4096;
	uint32_t handle = create_flags(fd, size, VSHARE_CREATE_WC);
	struct vshare_bo_state st = state(fd, size);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	void *ptr = dmabuf_mmap(dmabuf, size, PROT_READ | PROT_WRITE);
	void *gptr = vshare_mmap(fd, handle, size, PROT_READ);

	igt_assert_eq(strcmp(st.caching, "wc"), 0);
	igt_assert(all_zero(gptr, size));
	fill_pattern(ptr, size, 12);
	igt_assert_eq(check_pattern(gptr, size, 12), 0);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  crc32_ieee(gptr, size));
	munmap(ptr, size);
	munmap(gptr, size);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_mem_limit(int fd)
{
	unsigned int saved = vshare_param("mem_limit_mb");
	uint64_t used = vshare_mem_used(fd), size = 32 * MiB;
	uint32_t a, b, c;

	vshare_set_param("mem_limit_mb", used / MiB + 64);
	a = vshare_create(fd, 48 * MiB);
	igt_assert_eq(__vshare_create(fd, &size, 0, &b), -ENOMEM);
	size = 32 * MiB;
	igt_assert_eq(__vshare_create(fd, &size, VSHARE_CREATE_WC, &b),
		      -ENOMEM);
	b = vshare_create(fd, 16 * MiB);
	igt_assert_eq_u64(vshare_mem_used(fd), used + 64 * MiB);
	gem_close(fd, a);
	c = vshare_create(fd, 32 * MiB);
	gem_close(fd, b);
	gem_close(fd, c);
	vshare_set_param("mem_limit_mb", saved);
	igt_assert_eq_u64(vshare_mem_used(fd), used);
}

static void test_access_native(int fd)
{
	const uint64_t size = 3 * MiB + 4096;
	uint32_t handle = vshare_create(fd, size);
	uint32_t *ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	uint32_t *expected = expected_after_fill(size, 13, 2 * MiB - 8, 16,
						 0xdeadbeef);

	fill_pattern(ptr, size, 13);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  crc32_ieee(ptr, size));
	igt_assert_eq_u32(vshare_crc32(fd, handle, 4096 + 8, 40000),
			  crc32_ieee((char *)ptr + 4096 + 8, 40000));

	/* Across a run boundary, and nothing else changes. */
	vshare_fill(fd, handle, 2 * MiB - 8, 16, 0xdeadbeef);
	assert_same(ptr, expected, size);
	free(expected);
	check_access_bad_args(fd, handle, size);
	igt_assert_eq(state(fd, size).vmaps, 0);
	munmap(ptr, size);
	gem_close(fd, handle);
}

static void test_dmabuf_sync(int fd)
{
	const uint64_t size = MiB + 4096;
	uint32_t handle = vshare_create(fd, size);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	struct dma_buf_sync sync = { 0 };
	long long before = state(fd, size).syncs;
	void *ptr = dmabuf_mmap(dmabuf, size, PROT_READ | PROT_WRITE);

	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	do_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
	fill_pattern(ptr, size, 14);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	do_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
	igt_assert_eq(state(fd, size).syncs - before, 2);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	do_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
	igt_assert_eq_u32(crc32_ieee(ptr, size),
			  vshare_crc32(fd, handle, 0, size));
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	do_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
	sync.flags = ~0ull;
	do_ioctl_err(dmabuf, DMA_BUF_IOCTL_SYNC, &sync, EINVAL);
	munmap(ptr, size);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_mmap_pmd(int fd)
{
	const uint64_t size = 16 * MiB;
	uint32_t handle = vshare_create(fd, size);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	struct vshare_bo_state st;
	char *ptr, *gptr;
	uint64_t i;

	ptr = mmap_aligned(dmabuf, 0, size, PROT_READ | PROT_WRITE);
	for (i = 0; i < size; i += 4096)
		ptr[i] = i >> 12;
	st = state(fd, size);
	igt_info("16 MiB first touch: %lld faults, %lld of them 2 MiB (%lu runs)\n",
		 st.faults, st.pmd, st.runs);
	igt_assert(st.faults > 0);
	igt_assert_f(st.pmd > 0, "no 2 MiB mapping was used\n");
	igt_assert(st.faults < (long long)(size / 4096));

	/* Through the DRM file and at an offset, the same bytes. */
	gptr = vshare_mmap(fd, handle, size, PROT_READ);
	for (i = 0; i < size; i += 4096)
		igt_assert_eq(gptr[i], (char)(i >> 12));
	munmap(gptr, size);
	gptr = mmap(NULL, size - 2 * MiB, PROT_READ, MAP_SHARED, dmabuf,
		    2 * MiB);
	igt_assert(gptr != MAP_FAILED);
	for (i = 0; i < size - 2 * MiB; i += 4096)
		igt_assert_eq(gptr[i], (char)((i + 2 * MiB) >> 12));
	munmap(gptr, size - 2 * MiB);
	munmap(ptr, size);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_gem_mmap_pmd(int fd)
{
	const uint64_t size = 8 * MiB;
	uint32_t handle = vshare_create(fd, size);
	struct vshare_bo_state st;
	char *ptr;
	uint64_t i;

	ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	igt_info("mapped at %p\n", ptr);
	igt_assert_eq((uintptr_t)ptr & (2 * MiB - 1), 0);
	for (i = 0; i < size; i += 4096)
		ptr[i] = 1;
	st = state(fd, size);
	igt_info("8 MiB first touch: %lld faults, %lld of them 2 MiB\n",
		 st.faults, st.pmd);
	igt_assert(st.pmd > 0);
	munmap(ptr, size);
	gem_close(fd, handle);
}

static void test_attach_map_counts(int fd, int fd2)
{
	const uint64_t size = 64 * MiB + 4096;
	uint32_t handle = vshare_create(fd, size), theirs;
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	struct vshare_bo_state st;

	igt_assert_eq(state(fd, size).attach, 0);
	theirs = prime_fd_to_handle(fd2, dmabuf);
	st = state(fd, size);
	igt_assert_eq(st.attach, 1);
	igt_assert_eq(st.maps, 1);
	igt_assert_eq(strcmp(state(fd2, size).origin, "imported"), 0);
	gem_close(fd2, theirs);
	st = state(fd, size);
	igt_assert_eq(st.attach, 0);
	igt_assert_eq(st.maps, 0);
	igt_assert_eq(vshare_bo_count(fd2, size), 0);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_access_imported_vshare(int fd, int fd2)
{
	const uint64_t size = 5 * MiB;
	uint32_t handle = vshare_create(fd2, size), theirs;
	/* Read-write: the import is written through. */
	int dmabuf = prime_handle_to_fd(fd2, handle,
					DRM_CLOEXEC | DRM_RDWR);
	uint32_t *ptr = vshare_mmap(fd2, handle, size,
				    PROT_READ | PROT_WRITE);
	long long syncs = state(fd2, size).syncs;

	theirs = prime_fd_to_handle(fd, dmabuf);
	uint32_t *expected = expected_after_fill(size, 15, 4096,
						 4096, 0x12345678);

	fill_pattern(ptr, size, 15);
	igt_assert_eq_u32(vshare_crc32(fd, theirs, 0, size),
			  crc32_ieee(ptr, size));
	vshare_fill(fd, theirs, 4096, 4096, 0x12345678);
	assert_same(ptr, expected, size);
	free(expected);
	igt_assert_eq(state(fd2, size).syncs - syncs, 4);
	igt_assert_eq(state(fd2, size).vmaps, 0);
	check_access_bad_args(fd, theirs, size);
	munmap(ptr, size);
	gem_close(fd, theirs);
	close(dmabuf);
	gem_close(fd2, handle);
}

static void test_access_imported_vgem(int fd, int vgem)
{
	uint32_t pitch, vh, handle;
	uint64_t size;
	uint32_t *vptr, *expected;
	int dmabuf;

	vh = dumb_create(vgem, 1024, 300, 32, &pitch, &size);
	expected = expected_after_fill(size, 16, 0, 4096, 0xa5a5a5a5);
	vptr = dumb_mmap(vgem, vh, size, PROT_READ | PROT_WRITE);
	fill_pattern(vptr, size, 16);
	dmabuf = prime_handle_to_fd(vgem, vh, DRM_CLOEXEC | DRM_RDWR);
	handle = prime_fd_to_handle(fd, dmabuf);

	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  crc32_ieee(vptr, size));
	vshare_fill(fd, handle, 0, 4096, 0xa5a5a5a5);
	assert_same(vptr, expected, size);
	free(expected);
	munmap(vptr, size);
	close(dmabuf);
	gem_close(fd, handle);
	gem_close(vgem, vh);
}

int igt_main()
{
	int fd = -1, fd2 = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("A 64 MiB buffer is a few 2 MiB runs, not 16384 pages.");
	igt_subtest("sg-runs-64mib")
		test_sg_runs_64mib(fd);

	igt_describe("The buffer listing in debugfs is whole and in order "
		     "however it is read, and live while it is read.");
	igt_subtest("debugfs-listing")
		test_debugfs_listing(fd);

	igt_describe("CONTIGUOUS buffers are one run, or ENOMEM beyond the "
		     "largest block.");
	igt_subtest("create-contiguous")
		test_create_contiguous(fd);

	igt_describe("Write-combined buffers map, export and read back like "
		     "cached ones.");
	igt_subtest("create-wc")
		test_create_wc(fd);

	igt_describe("Buffers over the module's memory limit fail with "
		     "ENOMEM.");
	igt_subtest("mem-limit")
		test_mem_limit(fd);

	igt_describe("The kernel fills and checksums native buffers; bad "
		     "ranges fail.");
	igt_subtest("access-native")
		test_access_native(fd);

	igt_describe("DMA_BUF_IOCTL_SYNC reaches vshare's "
		     "begin/end_cpu_access.");
	igt_subtest("dmabuf-sync")
		test_dmabuf_sync(fd);

	igt_describe("Touching a 2 MiB-aligned dma-buf mapping uses 2 MiB "
		     "page-table entries.");
	igt_subtest("mmap-pmd")
		test_mmap_pmd(fd);

	igt_describe("mmap(NULL) of the DRM file is placed for 2 MiB "
		     "mappings.");
	igt_subtest("gem-mmap-pmd")
		test_gem_mmap_pmd(fd);

	igt_subtest_group() {
		igt_fixture() {
			fd2 = drm_open_driver_require("vshare", NODE_RENDER, 1);
		}

		igt_describe("An importing vshare device's attachment and "
			     "mapping are counted and undone.");
		igt_subtest("attach-map-counts")
			test_attach_map_counts(fd, fd2);

		igt_describe("ACCESS on an imported vshare buffer goes "
			     "through its exporter.");
		igt_subtest("access-imported-vshare")
			test_access_imported_vshare(fd, fd2);

		igt_fixture() {
			drm_close(fd2);
		}
	}

	igt_subtest_group() {
		int vgem = -1;

		igt_fixture() {
			vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
		}

		igt_describe("ACCESS on an imported vgem buffer matches "
			     "vgem's mapping both ways.");
		igt_subtest("access-imported-vgem")
			test_access_imported_vgem(fd, vgem);

		igt_fixture() {
			drm_close(vgem);
		}
	}

	igt_fixture() {
		drm_close(fd);
	}
}
