// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_security: what one client must not reach. Render nodes take only
 * render-safe ioctls; handles belong to one file and one device; new
 * buffers never show what an old one held; private (copy-on-write)
 * mappings are refused; read-only dma-bufs stay read-only on every path,
 * whoever exported them and whoever maps them; sizes and offsets that wrap
 * around are refused.
 */

/**
 * TEST: vshare security
 * Category: Core
 * Description: Isolation between clients, and read-only and private
 *	mappings of vshare buffers and of the dma-bufs it imports.
 *
 * SUBTEST: render-node-ioctls
 * Description: On a render node the vshare ioctls work, while dumb
 *	buffers, flink names and master ioctls are refused.
 *
 * SUBTEST: handles-per-file
 * Description: A handle is only valid in the file that made it: another
 *	file of the device, and vshare device 1, get ENOENT from every ioctl
 *	that takes it.
 *
 * SUBTEST: new-buffers-zeroed
 * Description: New buffers are zero, whatever the freed ones held:
 *	cached, contiguous, write-combined and dumb buffers checked through
 *	mmap and the kernel's CRC.
 *
 * SUBTEST: private-mappings
 * Description: Private (copy-on-write) mappings are refused with EINVAL,
 *	readable or writable, through the DRM fd and the dma-buf: native
 *	buffers of 4 KiB and 2 MiB, a read-only export, imports of vshare and
 *	vgem buffers.
 *
 * SUBTEST: read-only-export
 * Description: A dma-buf exported without DRM_RDWR cannot be mapped, or
 *	mprotect()ed, writable, nor mapped writable by device 1.
 *
 * SUBTEST: read-only-same-device
 * Description: A read-only dma-buf imported by another file of the same
 *	device: ACCESS FILL, engine jobs writing it, writable and private
 *	mmaps and mprotect() all fail; reads show the owner's contents,
 *	which stay unchanged.
 *
 * SUBTEST: read-only-other-device
 * Description: The same, imported by vshare device 1.
 *
 * SUBTEST: read-only-foreign
 * Description: The same for read-only foreign dma-bufs, as dynamic
 *	subtests: heap (a system heap buffer allocated O_RDONLY), vgem (a
 *	vgem buffer exported without DRM_RDWR); the exporter's view stays
 *	unchanged.
 *
 * SUBTEST: read-only-mapped-by-vgem
 * Description: A read-only vshare dma-buf imported by vgem is readable
 *	through vgem's mapping, never writable, nor made writable by
 *	mprotect().
 *
 * SUBTEST: overflow
 * Description: Sizes and offsets that wrap around 2^64, or reach past the
 *	end, are refused by every ioctl and by mmap.
 */

#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

static int __ioctl(int fd, unsigned long req, void *arg)
{
	return igt_ioctl(fd, req, arg) ? -errno : 0;
}

/* vshare device 1: always there in the suite VM (vshare loads two). */
static int open_vshare1(int vs)
{
	int fd = drm_open_driver_nth("vshare", NODE_RENDER, 1);
	struct stat st0, st1;

	igt_require_f(fd >= 0, "needs vshare device 1 (a second vshare render node)\n");
	/* Two devices, or an import would be a self-import. */
	igt_assert_eq(fstat(vs, &st0), 0);
	igt_assert_eq(fstat(fd, &st1), 0);
	igt_assert(st0.st_rdev != st1.st_rdev);
	return fd;
}

static int open_vgem(void)
{
	int fd = drm_open_driver_nth("vgem", NODE_PRIMARY, 0);

	igt_require_f(fd >= 0, "needs vgem (modprobe vgem)\n");
	return fd;
}

static int open_system_heap(void)
{
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

	igt_require_f(heap >= 0, "needs the system dma-buf heap, /dev/dma_heap/system: %s\n",
		      strerror(errno));
	return heap;
}

static int heap_alloc(int heap, uint64_t size, uint32_t fd_flags)
{
	struct dma_heap_allocation_data arg = {
		.len = size,
		.fd_flags = fd_flags,
	};

	do_ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &arg);
	igt_assert((int)arg.fd >= 0);
	return arg.fd;
}

static bool read_only_file(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	igt_assert(flags >= 0);
	return (flags & O_ACCMODE) == O_RDONLY;
}

/*
 * Export without DRM_RDWR. Only a buffer's first export makes its dma-buf,
 * so this must be the first: check that the dma-buf is read-only indeed.
 */
static int export_read_only(int fd, uint32_t handle)
{
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);

	igt_assert_f(read_only_file(dmabuf),
		     "export without DRM_RDWR gave a writable dma-buf\n");
	return dmabuf;
}

static uint64_t map_offset(int fd, uint32_t handle)
{
	struct drm_vshare_map_offset arg = { .handle = handle };

	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg);
	return arg.offset;
}

/*
 * mmap() must fail with @err. A mapping made by mistake is unmapped without
 * being touched: reading a private mapping of a vshare buffer used to crash
 * the kernel.
 */
static void mmap_refused(int fd, uint64_t offset, size_t size, int prot,
			 int flags, int err, const char *what)
{
	void *ptr = mmap(NULL, size, prot, flags, fd, offset);
	int e = errno;

	if (ptr != MAP_FAILED)
		munmap(ptr, size);
	igt_assert_f(ptr == MAP_FAILED && e == err,
		     "%s: mmap(%s, %s) %s %s, expected %s\n", what,
		     prot & PROT_WRITE ? "PROT_READ|PROT_WRITE" : "PROT_READ",
		     flags == MAP_PRIVATE ? "MAP_PRIVATE" : "MAP_SHARED",
		     ptr == MAP_FAILED ? "failed with" : "succeeded",
		     ptr == MAP_FAILED ? strerror(e) : "(mapping not touched)",
		     strerror(err));
}

/* Private (copy-on-write) mappings: never, readable or writable. */
static void check_no_private_mmap(int fd, uint64_t offset, size_t size,
				  const char *what)
{
	mmap_refused(fd, offset, size, PROT_READ, MAP_PRIVATE, EINVAL, what);
	mmap_refused(fd, offset, size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		     EINVAL, what);
}

static void mprotect_refused(void *ptr, size_t size, int prot,
			     const char *what)
{
	int ret = mprotect(ptr, size, prot);

	igt_assert_f(ret == -1 && errno == EACCES,
		     "%s: mprotect(%s) %s, expected EACCES\n", what,
		     prot & PROT_READ ? "PROT_READ|PROT_WRITE" : "PROT_WRITE",
		     ret ? strerror(errno) : "succeeded");
}

static int __submit(int fd, struct drm_vshare_submit s)
{
	return __vshare_submit(fd, &s);
}

/* Runs a job to completion, waiting on its sync_file: it must succeed. */
static void submit_and_wait(int fd, struct drm_vshare_submit s)
{
	struct sync_file_info info = { 0 };
	struct pollfd p = { .events = POLLIN };

	s.flags |= VSHARE_SUBMIT_OUT_SYNC_FILE;
	igt_assert_eq(__vshare_submit(fd, &s), 0);
	igt_assert(s.out_fence_fd >= 0);
	p.fd = s.out_fence_fd;
	igt_assert_f(poll(&p, 1, 20000) == 1, "job did not finish\n");
	do_ioctl(p.fd, SYNC_IOC_FILE_INFO, &info);
	igt_assert_eq(info.status, 1);
	close(p.fd);
}

/*
 * A buffer of @fd with a pattern written through its owner's mapping;
 * returns the mapping, the handle and the CRC of the contents.
 */
static uint32_t *owner_buffer(int fd, uint64_t size, uint32_t seed,
			      uint32_t *handle, uint32_t *crc)
{
	uint32_t *ptr;

	*handle = vshare_create(fd, size);
	ptr = vshare_mmap(fd, *handle, size, PROT_READ | PROT_WRITE);
	fill_pattern(ptr, size, seed);
	*crc = crc32_ieee(ptr, size);
	igt_assert_eq_u32(vshare_crc32(fd, *handle, 0, size), *crc);
	return ptr;
}

/* The owner's contents, seen by the kernel and by the owner's mapping. */
static void check_owner(int fd, uint32_t handle, const uint32_t *ptr,
			uint64_t size, uint32_t seed, uint32_t crc)
{
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size), crc);
	igt_assert_eq(check_pattern(ptr, size, seed), 0);
}

/*
 * @handle is an import into @fd of a read-only dma-buf of @size bytes whose
 * contents have the CRC @owner_crc. Nothing of vshare may write it: ACCESS
 * FILL, engine jobs that write it (all of them write their dst), writable
 * or private mmaps through @fd, mprotect() of a read-only mapping, nor a
 * re-export with DRM_RDWR. Reading it works everywhere and shows the
 * owner's contents, which stay as they are.
 */
static void check_read_only_import(int fd, uint32_t handle, uint64_t size,
				   uint32_t owner_crc)
{
	uint32_t scratch = vshare_create(fd, size);
	uint64_t offset = map_offset(fd, handle);
	uint32_t *result;
	void *ptr;
	int dmabuf;

	/* The kernel's CPU access: CRC32 reads it, FILL may not write it. */
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size), owner_crc);
	igt_assert_eq(__vshare_access(fd, handle, VSHARE_ACCESS_FILL, 0, size,
				      0xdeadbeef, NULL), -EACCES);
	igt_assert_eq(__vshare_access(fd, handle, VSHARE_ACCESS_FILL,
				      size / 2, 4, 0xdeadbeef, NULL), -EACCES);

	/* The engine: never the destination of a job... */
	igt_assert_eq(__submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = handle, .size = size,
		.value = 0xdeadbeef }), -EACCES);
	igt_assert_eq(__submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = handle,
		.src_handle = scratch, .size = size }), -EACCES);
	igt_assert_eq(__submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = handle,
		.src_handle = handle, .src_offset = size / 2,
		.size = size / 2 }), -EACCES);
	igt_assert_eq(__submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_CRC32, .dst_handle = handle,
		.src_handle = scratch, .size = size }), -EACCES);
	igt_assert_eq(__submit(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_CRC32, .dst_handle = handle,
		.src_handle = handle, .dst_offset = size - 4,
		.size = size }), -EACCES);

	/* ...but a source it may be. */
	submit_and_wait(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_COPY, .dst_handle = scratch,
		.src_handle = handle, .size = size });
	igt_assert_eq_u32(vshare_crc32(fd, scratch, 0, size), owner_crc);
	submit_and_wait(fd, (struct drm_vshare_submit){
		.op = VSHARE_JOB_CRC32, .dst_handle = scratch,
		.src_handle = handle, .size = size });
	result = vshare_mmap(fd, scratch, 4096, PROT_READ);
	igt_assert_eq_u32(le32toh(*result), owner_crc);
	munmap(result, 4096);

	/* CPU mappings through the importing file: read-only, shared. */
	mmap_refused(fd, offset, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     EACCES, "read-only import");
	check_no_private_mmap(fd, offset, size, "read-only import");
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, offset);
	igt_assert_f(ptr != MAP_FAILED, "read-only mmap of a read-only import: %s\n",
		     strerror(errno));
	igt_assert_eq_u32(crc32_ieee(ptr, size), owner_crc);
	mprotect_refused(ptr, size, PROT_READ | PROT_WRITE, "read-only import");
	mprotect_refused(ptr, size, PROT_WRITE, "read-only import");
	munmap(ptr, size);

	/* Exported again, even with DRM_RDWR, it is the read-only dma-buf. */
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	igt_assert_f(read_only_file(dmabuf),
		     "re-export of a read-only import is writable\n");
	mmap_refused(dmabuf, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     EACCES, "re-export of a read-only import");
	close(dmabuf);

	gem_close(fd, scratch);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size), owner_crc);
}

/*
 * A buffer of vshare device 0, exported read-only and imported into
 * @importer (another file of device 0, or device 1).
 */
static void test_read_only_vshare(int vs, int importer)
{
	const uint64_t size = 2 * MiB + 4096;
	uint32_t handle, imported, crc;
	uint32_t *ptr = owner_buffer(vs, size, 31, &handle, &crc);
	int dmabuf = export_read_only(vs, handle);

	/* Back in the owner's file it is the owner's own, writable handle. */
	igt_assert_eq_u32(prime_fd_to_handle(vs, dmabuf), handle);

	imported = prime_fd_to_handle(importer, dmabuf);
	check_read_only_import(importer, imported, size, crc);
	gem_close(importer, imported);
	close(dmabuf);

	check_owner(vs, handle, ptr, size, 31, crc);
	munmap(ptr, size);
	gem_close(vs, handle);
}

/* A read-only buffer of the system heap: zero, and zero it stays. */
static void test_read_only_heap(int vs, const struct vshare_totals *start)
{
	const uint64_t size = 64 * 1024;
	int heap = open_system_heap();
	int dmabuf = heap_alloc(heap, size, O_RDONLY | O_CLOEXEC);
	uint32_t handle;
	void *ptr;

	igt_assert(read_only_file(dmabuf));
	handle = prime_fd_to_handle(vs, dmabuf);
	check_read_only_import(vs, handle, size, fill_crc(size, 0));
	gem_close(vs, handle);

	/* The heap's own mapping. */
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert_f(ptr != MAP_FAILED, "mmap of the heap buffer: %s\n",
		     strerror(errno));
	igt_assert(all_zero(ptr, size));
	munmap(ptr, size);
	close(dmabuf);
	close(heap);
	vshare_assert_totals(vs, NULL, start, 1000);
}

/* A vgem buffer exported read-only; vgem's own mapping keeps its pattern. */
static void test_read_only_vgem(int vs, const struct vshare_totals *start)
{
	int vgem = open_vgem();
	uint32_t vh, handle, crc;
	uint32_t *vptr;
	uint64_t size;
	int dmabuf;

	vh = dumb_create(vgem, 256, 256, 32, NULL, &size);
	vptr = dumb_mmap(vgem, vh, size, PROT_READ | PROT_WRITE);
	fill_pattern(vptr, size, 41);
	crc = crc32_ieee(vptr, size);
	dmabuf = export_read_only(vgem, vh);

	handle = prime_fd_to_handle(vs, dmabuf);
	check_read_only_import(vs, handle, size, crc);
	gem_close(vs, handle);
	close(dmabuf);

	igt_assert_eq(check_pattern(vptr, size, 41), 0);
	munmap(vptr, size);
	gem_close(vgem, vh);
	drm_close(vgem);
	vshare_assert_totals(vs, NULL, start, 1000);
}

/*
 * Private mappings of every kind of buffer, through the DRM fd and the
 * dma-buf: 4 KiB, and 2 MiB, which faults in as one huge page.
 */
static void test_private_mappings(int vs, const struct vshare_totals *start)
{
	static const uint64_t sizes[] = { 4096, 2 * MiB };
	int dev1 = open_vshare1(vs);
	int vgem = open_vgem();
	uint32_t vh, imported;
	unsigned int i;
	uint64_t size;
	int dmabuf;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint32_t handle, ro_handle, crc;
		void *ptr;

		size = sizes[i];
		handle = vshare_create(vs, size);
		vshare_fill(vs, handle, 0, size, 0x5a5a5a5a);
		crc = vshare_crc32(vs, handle, 0, size);

		check_no_private_mmap(vs, map_offset(vs, handle), size,
				      "native buffer, DRM fd");
		dmabuf = prime_handle_to_fd(vs, handle, DRM_CLOEXEC | DRM_RDWR);
		check_no_private_mmap(dmabuf, 0, size,
				      "native buffer, dma-buf");
		imported = prime_fd_to_handle(dev1, dmabuf);
		check_no_private_mmap(dev1, map_offset(dev1, imported), size,
				      "import into vshare device 1");
		gem_close(dev1, imported);
		close(dmabuf);

		/* A buffer of its own: its first export decides the mode. */
		ro_handle = vshare_create(vs, size);
		dmabuf = export_read_only(vs, ro_handle);
		check_no_private_mmap(dmabuf, 0, size, "read-only dma-buf");
		imported = prime_fd_to_handle(dev1, dmabuf);
		check_no_private_mmap(dev1, map_offset(dev1, imported), size,
				      "read-only import into vshare device 1");
		gem_close(dev1, imported);
		close(dmabuf);
		gem_close(vs, ro_handle);

		/* Shared mappings are unaffected. */
		ptr = vshare_mmap(vs, handle, size, PROT_READ);
		igt_assert_eq_u32(crc32_ieee(ptr, size), crc);
		munmap(ptr, size);
		gem_close(vs, handle);
	}

	vh = dumb_create(vgem, 256, 256, 32, NULL, &size);
	dmabuf = prime_handle_to_fd(vgem, vh, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(vs, dmabuf);
	check_no_private_mmap(vs, map_offset(vs, imported), size,
			      "vgem buffer imported into vshare");
	gem_close(vs, imported);
	close(dmabuf);
	gem_close(vgem, vh);
	drm_close(vgem);
	drm_close(dev1);
	vshare_assert_totals(vs, NULL, start, 1000);
}

/*
 * A read-only vshare dma-buf imported by vgem: mapped through vgem it is
 * readable, never writable. vgem (DRM core's dumb map offset) may refuse to
 * map imports; then the dma-buf vgem imported is mapped instead.
 */
static void test_read_only_mapped_by_vgem(int vs,
					  const struct vshare_totals *start)
{
	const uint64_t size = MiB;
	int vgem = open_vgem();
	uint32_t handle, crc, imported;
	uint32_t *ptr, *owner;
	uint64_t offset;
	int dmabuf, mapfd;

	owner = owner_buffer(vs, size, 51, &handle, &crc);
	dmabuf = export_read_only(vs, handle);
	imported = prime_fd_to_handle(vgem, dmabuf);
	mapfd = vgem_import_mapping(vgem, imported, dmabuf, &offset);

	mmap_refused(mapfd, offset, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     EACCES, "read-only dma-buf imported by vgem");
	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, mapfd, offset);
	igt_assert_f(ptr != MAP_FAILED, "read-only mmap: %s\n",
		     strerror(errno));
	igt_assert_eq(check_pattern(ptr, size, 51), 0);
	mprotect_refused(ptr, size, PROT_WRITE,
			 "read-only dma-buf imported by vgem");
	mprotect_refused(ptr, size, PROT_READ | PROT_WRITE,
			 "read-only dma-buf imported by vgem");
	munmap(ptr, size);

	gem_close(vgem, imported);
	drm_close(vgem);
	close(dmabuf);
	check_owner(vs, handle, owner, size, 51, crc);
	munmap(owner, size);
	gem_close(vs, handle);
	vshare_assert_totals(vs, NULL, start, 1000);
}

static void test_render_node_ioctls(int vs, const struct vshare_totals *start)
{
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64,
					     .bpp = 32 };
	struct drm_gem_flink flink = { 0 };
	struct drm_gem_open open_arg = { .name = 1 };
	uint32_t handle = vshare_create(vs, MiB);

	igt_assert_eq(__dumb_create(vs, &dumb), -EACCES);
	flink.handle = handle;
	igt_assert_eq(__ioctl(vs, DRM_IOCTL_GEM_FLINK, &flink), -EACCES);
	igt_assert_eq(__ioctl(vs, DRM_IOCTL_GEM_OPEN, &open_arg),
		      -EACCES);
	igt_assert_eq(__ioctl(vs, DRM_IOCTL_SET_MASTER, NULL), -EACCES);
	vshare_fill(vs, handle, 0, MiB, 0x12345678);
	igt_assert_eq_u32(vshare_crc32(vs, handle, 0, 4096),
			  vshare_crc32(vs, handle, 4096, 4096));
	gem_close(vs, handle);
	vshare_assert_totals(vs, NULL, start, 0);
}

static void test_handles_per_file(int vs, const struct vshare_totals *start)
{
	int dev1 = open_vshare1(vs);
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
	uint32_t handle = vshare_create(vs, MiB);
	int fds[2] = { other, dev1 }, i, dmabuf;

	for (i = 0; i < 2; i++) {
		struct drm_vshare_map_offset map = { .handle = handle };
		struct drm_vshare_submit s = {
			.op = VSHARE_JOB_FILL, .dst_handle = handle,
			.size = 4096,
		};
		uint64_t r;

		/* The other file may have handles of its own: make one. */
		gem_close(fds[i], vshare_create(fds[i], 4096));
		igt_assert_eq(__ioctl(fds[i], DRM_IOCTL_VSHARE_MAP_OFFSET,
				      &map), -ENOENT);
		igt_assert_eq(__vshare_access(fds[i], handle,
					      VSHARE_ACCESS_CRC32, 0,
					      4096, 0, &r), -ENOENT);
		igt_assert_eq(__vshare_submit(fds[i], &s), -ENOENT);
		igt_assert_eq(__prime_handle_to_fd(fds[i], handle,
						   DRM_CLOEXEC, &dmabuf),
			      -ENOENT);
		igt_assert_eq(__gem_close(fds[i], handle), -EINVAL);
	}
	gem_close(vs, handle);
	drm_close(dev1);
	drm_close(other);
	vshare_assert_totals(vs, NULL, start, 0);
}

static void test_new_buffers_zeroed(int vs, const struct vshare_totals *start)
{
	static const struct {
		uint64_t size;
		uint32_t flags;
	} kinds[] = {
		{ 4096, 0 }, { 65536, 0 }, { 2 * MiB + 4096, 0 },
		{ 4 * MiB, 0 }, { MiB, VSHARE_CREATE_CONTIGUOUS },
		{ 2 * MiB, VSHARE_CREATE_WC },
	};
	int card = drm_open_driver_require("vshare", NODE_PRIMARY, 0);
	unsigned int k, round;

	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		uint64_t size = kinds[k].size;
		uint32_t handles[8];
		void *ptr;
		int i;

		for (round = 0; round < 2; round++) {
			for (i = 0; i < 8; i++) {
				uint64_t got = size;

				igt_assert_eq(__vshare_create(vs, &got,
							      kinds[k].flags,
							      &handles[i]), 0);
				ptr = vshare_mmap(vs, handles[i], size,
						  PROT_READ | PROT_WRITE);
				igt_assert(all_zero(ptr, size));
				igt_assert_eq_u32(vshare_crc32(vs, handles[i],
							       0, size),
						  fill_crc(size, 0));
				/* Dirty it for the next round. */
				memset(ptr, 0xa5, size);
				munmap(ptr, size);
			}
			for (i = 0; i < 8; i++)
				gem_close(vs, handles[i]);
		}
	}
	for (round = 0; round < 2; round++) {
		uint32_t pitch;
		uint64_t size;
		uint32_t h = dumb_create(card, 512, 512, 32, &pitch,
					 &size);
		uint8_t *ptr = dumb_mmap(card, h, size,
					 PROT_READ | PROT_WRITE);

		assert_zero_then_dirty(ptr, size);
		munmap(ptr, size);
		gem_close(card, h);
	}
	drm_close(card);
	vshare_assert_totals(vs, NULL, start, 0);
}

static void test_read_only_export(int vs, const struct vshare_totals *start)
{
	int dev1 = open_vshare1(vs);
	uint32_t handle = vshare_create(vs, MiB);
	int dmabuf = export_read_only(vs, handle);
	uint32_t imported;
	void *ptr;

	mmap_refused(dmabuf, 0, MiB, PROT_READ | PROT_WRITE, MAP_SHARED,
		     EACCES, "read-only dma-buf");
	ptr = mmap(NULL, MiB, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);
	mprotect_refused(ptr, MiB, PROT_READ | PROT_WRITE,
			 "read-only dma-buf");
	munmap(ptr, MiB);

	imported = prime_fd_to_handle(dev1, dmabuf);
	mmap_refused(dev1, map_offset(dev1, imported), MiB,
		     PROT_READ | PROT_WRITE, MAP_SHARED, EACCES,
		     "read-only dma-buf imported by vshare device 1");
	gem_close(dev1, imported);
	drm_close(dev1);
	close(dmabuf);
	gem_close(vs, handle);
	vshare_assert_totals(vs, NULL, start, 0);
}

static void test_read_only_same_device(int vs,
				       const struct vshare_totals *start)
{
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);

	test_read_only_vshare(vs, other);
	drm_close(other);
	vshare_assert_totals(vs, NULL, start, 1000);
}

static void test_read_only_other_device(int vs,
					const struct vshare_totals *start)
{
	int dev1 = open_vshare1(vs);

	test_read_only_vshare(vs, dev1);
	drm_close(dev1);
	vshare_assert_totals(vs, NULL, start, 1000);
}

static void test_overflow(int vs, const struct vshare_totals *start)
{
	static const uint64_t huge[] = {
		~0ull, ~0ull - 4095, 1ull << 63, (1ull << 63) + 4096,
		1ull << 62,
	};
	uint32_t handle = vshare_create(vs, MiB);
	struct drm_vshare_map_offset map = { .handle = handle };
	uint64_t r, size;
	unsigned int i;
	void *ptr;

	for (i = 0; i < ARRAY_SIZE(huge); i++) {
		uint32_t h;
		int ret;

		size = huge[i];
		ret = __vshare_create(vs, &size, 0, &h);
		igt_assert_f(ret == -EINVAL || ret == -ENOMEM,
			     "create %#llx: %d\n",
			     (unsigned long long)huge[i], ret);
		igt_assert_eq(__vshare_access(vs, handle,
					      VSHARE_ACCESS_CRC32,
					      huge[i] & ~3ull, 8, 0, &r),
			      -EINVAL);
		igt_assert_eq(__vshare_access(vs, handle,
					      VSHARE_ACCESS_CRC32, 4,
					      huge[i] & ~3ull, 0, &r),
			      -EINVAL);
	}
	/* offset + size wraps to a small number. */
	igt_assert_eq(__vshare_access(vs, handle, VSHARE_ACCESS_FILL,
				      ~0ull - 3, 8, 0, &r), -EINVAL);
	igt_assert_eq(__vshare_access(vs, handle, VSHARE_ACCESS_FILL,
				      MiB, 4, 0, &r), -EINVAL);
	for (i = 0; i < 2; i++) {
		struct drm_vshare_submit s = {
			.op = VSHARE_JOB_COPY, .dst_handle = handle,
			.src_handle = handle, .size = 4096,
			.dst_offset = i ? ~0ull - 4091 : 0,
			.src_offset = i ? 0 : ~0ull - 4091,
		};

		igt_assert_eq(__vshare_submit(vs, &s), -EINVAL);
	}

	map.pad = 1;
	igt_assert_eq(__ioctl(vs, DRM_IOCTL_VSHARE_MAP_OFFSET, &map),
		      -EINVAL);
	map.pad = 0;
	igt_assert_eq(__ioctl(vs, DRM_IOCTL_VSHARE_MAP_OFFSET, &map), 0);
	/* Longer than the buffer, or starting past it. */
	ptr = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, vs, map.offset);
	igt_assert(ptr == MAP_FAILED);
	ptr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vs,
		   map.offset + MiB);
	igt_assert(ptr == MAP_FAILED);

	{
		int card = drm_open_driver_require("vshare",
						   NODE_PRIMARY, 0);
		struct drm_mode_create_dumb dumb = {
			.width = 1u << 20, .height = 1u << 20,
			.bpp = 32,
		};

		igt_assert_neq(__dumb_create(card, &dumb), 0);
		dumb.width = 0xffffffff;
		dumb.height = 2;
		igt_assert_neq(__dumb_create(card, &dumb), 0);
		drm_close(card);
	}
	gem_close(vs, handle);
	vshare_assert_totals(vs, NULL, start, 0);
}

int igt_main()
{
	struct vshare_totals start;
	int vs = -1;

	igt_fixture() {
		vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vshare_totals(vs, NULL, &start);
	}

	igt_describe("A render node takes the vshare ioctls and refuses the "
		     "others.");
	igt_subtest("render-node-ioctls")
		test_render_node_ioctls(vs, &start);

	igt_describe("A handle is only valid in the file that made it.");
	igt_subtest("handles-per-file")
		test_handles_per_file(vs, &start);

	igt_describe("New buffers never show what freed ones held.");
	igt_subtest("new-buffers-zeroed")
		test_new_buffers_zeroed(vs, &start);

	igt_describe("Private (copy-on-write) mappings of any buffer are "
		     "refused.");
	igt_subtest("private-mappings")
		test_private_mappings(vs, &start);

	igt_describe("A read-only export cannot be made writable.");
	igt_subtest("read-only-export")
		test_read_only_export(vs, &start);

	igt_describe("Another file of the device cannot write a read-only "
		     "import.");
	igt_subtest("read-only-same-device")
		test_read_only_same_device(vs, &start);

	igt_describe("vshare device 1 cannot write a read-only import.");
	igt_subtest("read-only-other-device")
		test_read_only_other_device(vs, &start);

	igt_describe("vshare cannot write read-only foreign dma-bufs it "
		     "imports.");
	igt_subtest_with_dynamic("read-only-foreign") {
		igt_dynamic("heap")
			test_read_only_heap(vs, &start);
		igt_dynamic("vgem")
			test_read_only_vgem(vs, &start);
	}

	igt_describe("vgem cannot map a read-only vshare dma-buf writable.");
	igt_subtest("read-only-mapped-by-vgem")
		test_read_only_mapped_by_vgem(vs, &start);

	igt_describe("Sizes and offsets that wrap around are refused.");
	igt_subtest("overflow")
		test_overflow(vs, &start);

	igt_fixture() {
		drm_close(vs);
	}
}
