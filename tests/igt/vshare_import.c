// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_import: vshare as the importer of foreign dma-bufs (udmabuf, the
 * system dma-buf heap) and buffer sharing between two vshare devices, with
 * contents checked through each side's own mapping, both ways, and through
 * the kernel's (ACCESS: vmap and CPU access of the exporter). Also the
 * CPU-access ioctl and read-only exports of vshare dma-bufs.
 */

/**
 * TEST: vshare import
 * Category: Core
 * Description: vshare importing foreign dma-bufs and the buffers of another
 *	vshare device, contents checked through each side's mapping and the
 *	kernel's.
 *
 * SUBTEST: import-udmabuf
 * Description: A udmabuf of a sealed memfd imported into vshare: one
 *	handle, the same dma-buf when exported back, contents both ways
 *	through vshare's mapping and the memfd's, and the vshare handle alone
 *	keeps the pages.
 *
 * SUBTEST: import-system-heap
 * Description: A system heap dma-buf imported into vshare: contents both
 *	ways through the heap's mapping (between syncs) and vshare's, the
 *	kernel's view (ACCESS CRC32 and FILL), and the vshare handle alone
 *	keeps the buffer.
 *
 * SUBTEST: vshare-to-vshare
 * Description: vshare device 1 imports a buffer of device 0: contents
 *	both ways and through the kernel, the importer's handle alone keeps
 *	it, and device 0 finds its own object when it comes back.
 *
 * SUBTEST: vshare2-to-vshare
 * Description: The same, device 1's buffer imported by device 0.
 *
 * SUBTEST: dmabuf-sync
 * Description: DMA_BUF_IOCTL_SYNC with each direction brackets CPU
 *	access through the dma-buf, whose writes the GEM mapping sees; flags
 *	without a direction or with unknown bits are EINVAL.
 *
 * SUBTEST: readonly-export-mmap
 * Description: A buffer's first export without DRM_RDWR is an O_RDONLY
 *	dma-buf: it maps read-only with the contents, and neither a shared
 *	writable mmap nor an mprotect() to writable is allowed (EACCES).
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

/*
 * A 2 MiB head that may be one huge page and a few single pages after it,
 * so that both contiguous and scattered parts of a buffer are covered.
 */
static size_t buf_size(void)
{
	return 2 * MiB + 3 * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Map a buffer through its vshare file at a 2 MiB-aligned address, so that
 * its 2 MiB head may be mapped whole (one PMD) whatever the address layout.
 */
static void *vshare_mmap_aligned(int fd, uint32_t handle, size_t size,
				 int prot)
{
	struct drm_vshare_map_offset arg = { .handle = handle };
	char *area, *aligned;
	void *ptr;

	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg);
	/* Reserve room for an aligned start, map over it, trim the rest. */
	area = mmap(NULL, size + 2 * MiB, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(area != MAP_FAILED);
	aligned = (char *)(((uintptr_t)area + 2 * MiB - 1) &
			   ~(uintptr_t)(2 * MiB - 1));
	ptr = mmap(aligned, size, prot, MAP_SHARED | MAP_FIXED, fd, arg.offset);
	igt_assert_f(ptr == aligned, "mmap: %s\n", strerror(errno));
	if (aligned > area)
		munmap(area, aligned - area);
	munmap(aligned + size, area + size + 2 * MiB - (aligned + size));
	return ptr;
}

/* A sealed memfd of @size bytes, as udmabuf wants: shrinking is forbidden. */
static int sealed_memfd(size_t size)
{
	int memfd = memfd_create("vshare_import", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	igt_assert_f(memfd >= 0, "memfd_create: %s\n", strerror(errno));
	igt_assert_eq(ftruncate(memfd, size), 0);
	igt_assert_eq(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	return memfd;
}

static int udmabuf_create(int dev, int memfd, size_t size)
{
	struct udmabuf_create arg = {
		.memfd = memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = size,
	};
	int dmabuf = ioctl(dev, UDMABUF_CREATE, &arg);

	igt_assert_f(dmabuf >= 0, "UDMABUF_CREATE: %s\n", strerror(errno));
	return dmabuf;
}

static int heap_alloc(int heap, size_t size)
{
	struct dma_heap_allocation_data arg = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	do_ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &arg);
	igt_assert((int)arg.fd >= 0);
	return arg.fd;
}

/*
 * Import @dmabuf into vshare and check what every import must give: one
 * handle however often it is imported, and the very same dma-buf when
 * vshare exports it again.
 */
static uint32_t import_checked(int fd, int dmabuf)
{
	uint32_t handle = prime_fd_to_handle(fd, dmabuf);
	int back;

	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), handle);
	back = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	igt_assert(same_file(back, dmabuf));
	close(back);
	return handle;
}

/*
 * The kernel's view of an imported buffer (ACCESS: the exporter's vmap and
 * CPU-access operations) must be the exporter's contents, @owner being
 * the exporter's own mapping (read between the caller's syncs): a CRC of
 * the whole buffer, then a fill of one page whose words must land there.
 */
static void check_kernel_view(int fd, uint32_t handle, const void *owner,
			      size_t size)
{
	const size_t page = sysconf(_SC_PAGESIZE);
	const uint32_t *words = (const uint32_t *)((const char *)owner + page);
	size_t i;

	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  crc32_ieee(owner, size));
	vshare_fill(fd, handle, page, page, 0xfeedc0de);
	for (i = 0; i < page / 4; i++)
		igt_assert_eq_u32(words[i], 0xfeedc0de);
}

/*
 * Share a new buffer of @exporter with @importer (two different vshare
 * devices): contents both ways, then the importer's handle alone keeps the
 * buffer alive, and the buffer can come back to its own device.
 */
static void test_share_between(int exporter, int importer, uint32_t seed)
{
	const size_t size = buf_size();
	uint32_t eh, ih;
	void *eptr, *iptr;
	int dmabuf;

	eh = vshare_create(exporter, size);
	eptr = vshare_mmap(exporter, eh, size, PROT_READ | PROT_WRITE);
	fill_pattern(eptr, size, seed);
	dmabuf = prime_handle_to_fd(exporter, eh, DRM_CLOEXEC | DRM_RDWR);

	ih = import_checked(importer, dmabuf);
	check_kernel_view(importer, ih, eptr, size);
	fill_pattern(eptr, size, seed);
	iptr = vshare_mmap_aligned(importer, ih, size, PROT_READ | PROT_WRITE);
	igt_assert_eq(check_pattern(iptr, size, seed), 0);
	fill_pattern(iptr, size, seed + 1);
	igt_assert_eq(check_pattern(eptr, size, seed + 1), 0);

	/* The exporter lets go of everything but the importer's handle. */
	munmap(eptr, size);
	munmap(iptr, size);
	close(dmabuf);
	gem_close(exporter, eh);

	iptr = vshare_mmap(importer, ih, size, PROT_READ | PROT_WRITE);
	igt_assert_eq(check_pattern(iptr, size, seed + 1), 0);
	fill_pattern(iptr, size, seed + 2);
	munmap(iptr, size);

	/* Back to the exporting device, which finds its own object again. */
	dmabuf = prime_handle_to_fd(importer, ih, DRM_CLOEXEC | DRM_RDWR);
	gem_close(importer, ih);
	eh = import_checked(exporter, dmabuf);
	close(dmabuf);
	eptr = vshare_mmap_aligned(exporter, eh, size, PROT_READ);
	igt_assert_eq(check_pattern(eptr, size, seed + 2), 0);
	munmap(eptr, size);
	gem_close(exporter, eh);
}

static void test_import_udmabuf(int fd)
{
	const size_t size = buf_size();
	int dev, memfd, dmabuf;
	void *mptr, *ptr;
	uint32_t handle;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	igt_require_f(dev >= 0, "no /dev/udmabuf: %s\n", strerror(errno));

	memfd = sealed_memfd(size);
	dmabuf = udmabuf_create(dev, memfd, size);
	mptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    memfd, 0);
	igt_assert(mptr != MAP_FAILED);
	fill_pattern(mptr, size, 11);

	/*
	 * Not through ACCESS: udmabuf's own CPU-access operations map
	 * its table with the direction of the first access and sync
	 * later ones with theirs (6.12, 7.3), and on 7.3 with segments
	 * longer than its device allows, which DMA-API debugging
	 * reports; the other exporters below cover ACCESS.
	 */
	handle = import_checked(fd, dmabuf);
	ptr = vshare_mmap_aligned(fd, handle, size,
				  PROT_READ | PROT_WRITE);
	igt_assert_eq(check_pattern(ptr, size, 11), 0);
	fill_pattern(ptr, size, 12);
	igt_assert_eq(check_pattern(mptr, size, 12), 0);
	munmap(ptr, size);

	/* The vshare handle alone keeps the import alive. */
	close(dmabuf);
	fill_pattern(mptr, size, 13);
	ptr = vshare_mmap(fd, handle, size, PROT_READ);
	igt_assert_eq(check_pattern(ptr, size, 13), 0);
	munmap(ptr, size);

	gem_close(fd, handle);
	munmap(mptr, size);
	close(memfd);
	close(dev);
}

static void test_import_system_heap(int fd)
{
	const size_t size = buf_size();
	int heap, dmabuf;
	void *hptr, *ptr;
	uint32_t handle;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	igt_require_f(heap >= 0, "no system dma-buf heap: %s\n",
		      strerror(errno));

	dmabuf = heap_alloc(heap, size);
	hptr = dmabuf_mmap(dmabuf, size, PROT_READ | PROT_WRITE);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	fill_pattern(hptr, size, 21);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	handle = import_checked(fd, dmabuf);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	check_kernel_view(fd, handle, hptr, size);
	fill_pattern(hptr, size, 21);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	ptr = vshare_mmap_aligned(fd, handle, size,
				  PROT_READ | PROT_WRITE);
	igt_assert_eq(check_pattern(ptr, size, 21), 0);
	fill_pattern(ptr, size, 22);
	munmap(ptr, size);

	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	igt_assert_eq(check_pattern(hptr, size, 22), 0);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	/* The vshare handle alone keeps the heap buffer alive. */
	munmap(hptr, size);
	close(dmabuf);
	ptr = vshare_mmap(fd, handle, size, PROT_READ);
	igt_assert_eq(check_pattern(ptr, size, 22), 0);
	munmap(ptr, size);

	gem_close(fd, handle);
	close(heap);
}

static void test_dmabuf_sync(int fd)
{
	static const uint64_t bad_flags[] = {
		DMA_BUF_SYNC_START,			/* no direction */
		DMA_BUF_SYNC_END,
		DMA_BUF_SYNC_RW | (1ull << 3),		/* unknown bit */
		DMA_BUF_SYNC_RW | (1ull << 63),
		~0ull,
	};
	const size_t size = buf_size();
	uint32_t handle = vshare_create(fd, size);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	void *ptr = dmabuf_mmap(dmabuf, size, PROT_READ | PROT_WRITE);
	void *gptr;
	unsigned int i;

	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	fill_pattern(ptr, size, 51);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);

	/* Each direction on its own is valid too. */
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	igt_assert_eq(check_pattern(ptr, size, 51), 0);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	fill_pattern(ptr, size, 52);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	/* What the CPU wrote through the dma-buf is in the object. */
	gptr = vshare_mmap(fd, handle, size, PROT_READ);
	igt_assert_eq(check_pattern(gptr, size, 52), 0);
	munmap(gptr, size);

	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++)
		igt_assert_f(__dmabuf_sync(dmabuf, bad_flags[i]) == -EINVAL,
			     "flags %#" PRIx64 " not refused with EINVAL\n",
			     bad_flags[i]);

	munmap(ptr, size);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_readonly_export_mmap(int fd)
{
	const size_t size = buf_size();
	uint32_t handle = vshare_create(fd, size);
	void *ptr;
	int dmabuf;

	ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	fill_pattern(ptr, size, 61);
	munmap(ptr, size);

	/* The first export of the object makes its one dma-buf. */
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	igt_assert_eq(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDONLY);

	ptr = dmabuf_mmap(dmabuf, size, PROT_READ);
	igt_assert_eq(check_pattern(ptr, size, 61), 0);
	/* Nor can a read-only mapping be made writable later. */
	igt_assert(mprotect(ptr, size, PROT_READ | PROT_WRITE) == -1 &&
		   errno == EACCES);
	munmap(ptr, size);

	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   dmabuf, 0);
	igt_assert_f(ptr == MAP_FAILED && errno == EACCES,
		     "writable mmap of a read-only export: %s\n",
		     ptr == MAP_FAILED ? strerror(errno) : "mapped");

	close(dmabuf);
	gem_close(fd, handle);
}

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("vshare imports a udmabuf and shares the memfd's pages.");
	igt_subtest("import-udmabuf")
		test_import_udmabuf(fd);

	igt_describe("vshare imports a system heap dma-buf, its mappings and "
		     "the kernel's view agreeing.");
	igt_subtest("import-system-heap")
		test_import_system_heap(fd);

	igt_subtest_group() {
		int fd1 = -1;

		igt_fixture() {
			struct stat st0, st1;

			fd1 = drm_open_driver_require("vshare", NODE_RENDER, 1);
			/* Two devices, or the import would be a self-import. */
			igt_assert_eq(fstat(fd, &st0), 0);
			igt_assert_eq(fstat(fd1, &st1), 0);
			igt_assert(st0.st_rdev != st1.st_rdev);
		}

		igt_describe("vshare device 1 imports a buffer of device 0.");
		igt_subtest("vshare-to-vshare")
			test_share_between(fd, fd1, 31);

		igt_describe("vshare device 0 imports a buffer of device 1.");
		igt_subtest("vshare2-to-vshare")
			test_share_between(fd1, fd, 41);

		igt_fixture() {
			drm_close(fd1);
		}
	}

	igt_describe("DMA_BUF_IOCTL_SYNC brackets CPU access and refuses bad "
		     "flags.");
	igt_subtest("dmabuf-sync")
		test_dmabuf_sync(fd);

	igt_describe("An export without DRM_RDWR maps read-only only.");
	igt_subtest("readonly-export-mmap")
		test_readonly_export_mmap(fd);

	igt_fixture() {
		drm_close(fd);
	}
}
