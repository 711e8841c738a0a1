// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_prime: PRIME export and import of vshare buffers, with vshare as
 * the exporter and as the importer of vgem buffers.
 */

/**
 * TEST: vshare prime
 * Category: Core
 * Description: PRIME export and import of vshare buffers, with vshare as
 *	the exporter and as the importer of vgem buffers.
 *
 * SUBTEST: self-import-same-handle
 * Description: A dma-buf imported into the file that exported it gives
 *	the same handle, and exporting twice gives the same dma-buf.
 *
 * SUBTEST: export-bad-args
 * Description: Export of an unknown handle is ENOENT, with unknown flags
 *	EINVAL.
 *
 * SUBTEST: import-bad-fd
 * Description: Import of fd -1 or of a closed fd is EBADF, of /dev/null
 *	or of the DRM fd itself EINVAL.
 *
 * SUBTEST: dmabuf-mmap
 * Description: A pattern written through the dma-buf's mapping is read
 *	through the GEM mapping, and the other way round.
 *
 * SUBTEST: dmabuf-mmap-beyond-end
 * Description: mmap of a dma-buf larger than it, or running past its end,
 *	fails with EINVAL; a page inside it maps.
 *
 * SUBTEST: export-close-reimport
 * Description: With its handle closed, the dma-buf alone keeps the
 *	buffer; imported again, it has its contents.
 *
 * SUBTEST: create-dmabuf
 * Description: DRM_IOCTL_VSHARE_CREATE_DMABUF gives a read-write dma-buf
 *	of the rounded size, zeroed; what its mapping writes, the kernel
 *	reads (CRC) through the object it imports back as, whose export is
 *	the same dma-buf; nothing is left once the fd and handle go.
 *
 * SUBTEST: create-dmabuf-read-only
 * Description: without DRM_RDWR the dma-buf is read-only: no writable
 *	mapping (EACCES), and its import refuses ACCESS FILL (EACCES).
 *
 * SUBTEST: create-dmabuf-bad-args
 * Description: zero or huge sizes, unknown create or fd flags, non-zero
 *	padding: EINVAL and no fd; a size beyond the machine: ENOMEM.
 *
 * SUBTEST: share-between-files
 * Description: Another file of the device imports the dma-buf and reads
 *	what the first file wrote.
 *
 * SUBTEST: export-to-vgem
 * Description: vgem imports a vshare dma-buf (once per buffer), exports
 *	the same dma-buf back, and its handle alone keeps the contents.
 *
 * SUBTEST: import-from-vgem
 * Description: A vgem dumb buffer imported into vshare: one handle,
 *	contents both ways through each side's mapping, and re-exported it
 *	is vgem's own dma-buf.
 *
 * SUBTEST: dmabuf-tracepoints
 * Description: The dma_buf trace events (Linux 7.0+) name vshare as the
 *	exporter of a buffer, with its size and inode, in order: export, get
 *	(the fd PRIME returned) and attach when vgem imports it (dev_name
 *	vgem), the dma-buf mmap, then vgem's detach and put; the fd event, on
 *	kernels whose PRIME export emits it (7.3, not 7.2), has that fd.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

static void test_self_import_same_handle(int fd)
{
	uint32_t handle = vshare_create(fd, MiB);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	int again = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);

	igt_assert_eq(prime_fd_to_handle(fd, dmabuf), handle);
	/* One GEM object, one dma-buf. */
	igt_assert(same_file(dmabuf, again));
	close(again);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_export_bad_args(int fd)
{
	uint32_t handle = vshare_create(fd, 4096);
	int dmabuf;

	igt_assert_eq(__prime_handle_to_fd(fd, 0x7fff, DRM_CLOEXEC, &dmabuf),
		      -ENOENT);
	igt_assert_eq(__prime_handle_to_fd(fd, handle, 0x1000, &dmabuf),
		      -EINVAL);
	gem_close(fd, handle);
}

static void test_import_bad_fd(int fd)
{
	uint32_t handle;
	int null = open("/dev/null", O_RDONLY);

	igt_assert_eq(__prime_fd_to_handle(fd, -1, &handle), -EBADF);
	igt_assert_eq(__prime_fd_to_handle(fd, 9999, &handle), -EBADF);
	igt_assert_eq(__prime_fd_to_handle(fd, null, &handle), -EINVAL);
	igt_assert_eq(__prime_fd_to_handle(fd, fd, &handle), -EINVAL);
	close(null);
}

static void test_dmabuf_mmap(int fd)
{
	const size_t size = 3 * MiB + 4096;
	uint32_t handle = vshare_create(fd, size);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	void *dptr = dmabuf_mmap(dmabuf, size, PROT_READ | PROT_WRITE);
	void *gptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);

	fill_pattern(dptr, size, 1);
	igt_assert_eq(check_pattern(gptr, size, 1), 0);
	fill_pattern(gptr, size, 2);
	igt_assert_eq(check_pattern(dptr, size, 2), 0);
	munmap(dptr, size);
	munmap(gptr, size);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_dmabuf_mmap_beyond_end(int fd)
{
	uint32_t handle = vshare_create(fd, 2 * 4096);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	void *ptr;

	ptr = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	ptr = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, dmabuf, 4096);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	ptr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, dmabuf, 4096);
	igt_assert(ptr != MAP_FAILED);
	munmap(ptr, 4096);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_export_close_reimport(int fd)
{
	const size_t size = 2 * MiB;
	uint32_t handle = vshare_create(fd, size);
	void *ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);

	fill_pattern(ptr, size, 3);
	munmap(ptr, size);
	gem_close(fd, handle);

	handle = prime_fd_to_handle(fd, dmabuf);
	close(dmabuf);
	ptr = vshare_mmap(fd, handle, size, PROT_READ);
	igt_assert_eq(check_pattern(ptr, size, 3), 0);
	munmap(ptr, size);
	gem_close(fd, handle);
}

static int __create_dmabuf(int fd, struct drm_vshare_create_dmabuf *a)
{
	return igt_ioctl(fd, DRM_IOCTL_VSHARE_CREATE_DMABUF, a) ? -errno : 0;
}

static void test_create_dmabuf(int fd)
{
	struct drm_vshare_create_dmabuf a = {
		.size = 3 * MiB + 1, .fd_flags = DRM_CLOEXEC | DRM_RDWR,
	};
	struct vshare_totals start;
	uint32_t handle, again, want;
	int dup;
	void *ptr;

	vshare_totals(fd, NULL, &start);
	igt_assert_eq(__create_dmabuf(fd, &a), 0);
	igt_assert_eq_u64(a.size, 3 * MiB + 4096);
	igt_assert(fcntl(a.fd, F_GETFL) & O_RDWR);
	igt_assert(fcntl(a.fd, F_GETFD) & FD_CLOEXEC);
	/* Zeroed, and what the dma-buf's mapping writes is the buffer's. */
	ptr = dmabuf_mmap(a.fd, a.size, PROT_READ | PROT_WRITE);
	igt_assert_eq_u32(crc32_ieee(ptr, a.size), fill_crc(a.size, 0));
	fill_pattern(ptr, a.size, 7);
	want = crc32_ieee(ptr, a.size);
	munmap(ptr, a.size);
	handle = prime_fd_to_handle(fd, a.fd);
	again = prime_fd_to_handle(fd, a.fd);
	igt_assert_eq_u32(handle, again);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, a.size), want);
	/* Exported again, it is the same dma-buf. */
	dup = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	igt_assert(same_file(dup, a.fd));
	close(dup);
	gem_close(fd, handle);
	close(a.fd);
	vshare_assert_totals(fd, NULL, &start, 1000);
}

static void test_create_dmabuf_read_only(int fd)
{
	struct drm_vshare_create_dmabuf a = {
		.size = MiB, .fd_flags = DRM_CLOEXEC,
	};
	uint32_t handle;
	void *ptr;

	igt_assert_eq(__create_dmabuf(fd, &a), 0);
	igt_assert_eq(fcntl(a.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ptr = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0);
	igt_assert(ptr == MAP_FAILED && errno == EACCES);
	ptr = dmabuf_mmap(a.fd, a.size, PROT_READ);
	munmap(ptr, a.size);
	/* Its holder cannot write it through the device either. */
	handle = prime_fd_to_handle(fd, a.fd);
	igt_assert_eq(__vshare_access(fd, handle, VSHARE_ACCESS_FILL, 0, 4096,
				      1, NULL), -EACCES);
	gem_close(fd, handle);
	close(a.fd);
}

static void test_create_dmabuf_bad_args(int fd)
{
	static const struct drm_vshare_create_dmabuf bad[] = {
		{ .size = 0, .fd_flags = DRM_CLOEXEC },
		{ .size = 4096, .flags = ~0u },
		{ .size = 4096, .fd_flags = 0x1000 },
		{ .size = 4096, .fd_flags = DRM_RDWR | 0x100 },
		{ .size = 4096, .pad = 1 },
		{ .size = ~0ull },
	};
	struct drm_vshare_create_dmabuf a;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = bad[i];
		a.fd = -1;
		igt_assert_eq(__create_dmabuf(fd, &a), -EINVAL);
		igt_assert_eq(a.fd, -1);
	}
	a = (struct drm_vshare_create_dmabuf) { .size = 1ull << 50 };
	igt_assert_eq(__create_dmabuf(fd, &a), -ENOMEM);
}

static void test_share_between_files(int fd)
{
	int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
	const size_t size = MiB;
	uint32_t handle = vshare_create(fd, size), theirs;
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);
	void *ours_ptr, *their_ptr;

	theirs = prime_fd_to_handle(other, dmabuf);
	ours_ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	their_ptr = vshare_mmap(other, theirs, size, PROT_READ);
	fill_pattern(ours_ptr, size, 4);
	igt_assert_eq(check_pattern(their_ptr, size, 4), 0);
	munmap(ours_ptr, size);
	munmap(their_ptr, size);
	close(dmabuf);
	close(other);
	gem_close(fd, handle);
}

static void test_export_to_vgem(int fd, int vgem)
{
	const size_t size = 4 * MiB;
	uint32_t handle = vshare_create(fd, size), vh;
	int dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	int back;
	void *ptr;

	ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	fill_pattern(ptr, size, 5);
	munmap(ptr, size);

	vh = prime_fd_to_handle(vgem, dmabuf);
	igt_assert_eq(prime_fd_to_handle(vgem, dmabuf), vh);
	back = prime_handle_to_fd(vgem, vh, DRM_CLOEXEC | DRM_RDWR);
	igt_assert(same_file(back, dmabuf));

	/* The vgem handle alone keeps the buffer alive. */
	close(dmabuf);
	gem_close(fd, handle);
	ptr = dmabuf_mmap(back, size, PROT_READ);
	igt_assert_eq(check_pattern(ptr, size, 5), 0);
	munmap(ptr, size);
	close(back);
	gem_close(vgem, vh);
}

static void test_import_from_vgem(int fd, int vgem)
{
	uint32_t pitch, vh, handle;
	uint64_t size;
	void *vptr, *ptr;
	int dmabuf;

	vh = dumb_create(vgem, 512, 512, 32, &pitch, &size);
	vptr = dumb_mmap(vgem, vh, size, PROT_READ | PROT_WRITE);
	fill_pattern(vptr, size, 6);
	dmabuf = prime_handle_to_fd(vgem, vh, DRM_CLOEXEC | DRM_RDWR);

	handle = prime_fd_to_handle(fd, dmabuf);
	igt_assert_eq(prime_fd_to_handle(fd, dmabuf), handle);
	ptr = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	igt_assert_eq(check_pattern(ptr, size, 6), 0);
	fill_pattern(ptr, size, 7);
	igt_assert_eq(check_pattern(vptr, size, 7), 0);
	munmap(ptr, size);

	/* Re-exporting an imported buffer gives the original. */
	{
		int back = prime_handle_to_fd(fd, handle, DRM_CLOEXEC);

		igt_assert(same_file(back, dmabuf));
		close(back);
	}
	close(dmabuf);
	gem_close(fd, handle);
	munmap(vptr, size);
	gem_close(vgem, vh);
}

/* A tracing instance of our own, so that nobody else's events mix in. */
#define TRACE_DIR	"/sys/kernel/tracing"
#define TRACE_INST	TRACE_DIR "/instances/vshare_prime"

static void trace_start(void)
{
	igt_require_f(access(TRACE_DIR "/events/dma_buf", F_OK) == 0,
		      "no dma_buf trace events (Linux 7.0+)\n");
	rmdir(TRACE_INST);
	igt_assert_f(mkdir(TRACE_INST, 0700) == 0, TRACE_INST ": %m\n");
	vshare_write_file(TRACE_INST "/events/dma_buf/enable", "1\n");
}

/* Stops tracing and returns what was traced, the instance gone. */
static char *trace_stop(void)
{
	char *text;

	vshare_write_file(TRACE_INST "/events/dma_buf/enable", "0\n");
	text = vshare_read_all(open(TRACE_INST "/trace", O_RDONLY));
	igt_assert_eq(rmdir(TRACE_INST), 0);
	return text;
}

/*
 * The first line at or after @from with "@event: @args" in it and, if
 * @also is set, that too; returns where the next line starts, or NULL.
 */
static const char *trace_find(const char *from, const char *event,
			      const char *args, const char *also)
{
	char want[256];

	snprintf(want, sizeof(want), "%s: %s", event, args);
	while (from && *from) {
		const char *end = strchrnul(from, '\n');
		char *line = strndup(from, end - from);
		bool found = strstr(line, want) && (!also || strstr(line, also));

		free(line);
		from = *end ? end + 1 : end;
		if (found)
			return from;
	}
	return NULL;
}

static void test_dmabuf_tracepoints(int fd, int vgem)
{
	char fd_arg[16];
	/* In order; each line also has the fd PRIME returned or vgem's name. */
	const struct { const char *event, *also; } events[] = {
		{ "dma_buf_export" }, { "dma_buf_get", fd_arg },
		{ "dma_buf_dynamic_attach", " dev_name=vgem" },
		{ "dma_buf_mmap_internal" },
		{ "dma_buf_detach", " dev_name=vgem" }, { "dma_buf_put" },
	};
	const size_t size = 7 * 4096;
	char who[96];
	const char *at;
	uint32_t handle, vh;
	struct stat st;
	char *trace;
	int dmabuf;
	void *ptr;

	trace_start();
	handle = vshare_create(fd, size);
	dmabuf = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	vh = prime_fd_to_handle(vgem, dmabuf);
	ptr = dmabuf_mmap(dmabuf, size, PROT_READ);
	munmap(ptr, size);
	igt_assert_eq(fstat(dmabuf, &st), 0);
	gem_close(vgem, vh);
	trace = trace_stop();

	snprintf(who, sizeof(who), "exp_name=vshare size=%zu ino=%lu", size,
		 (unsigned long)st.st_ino);
	snprintf(fd_arg, sizeof(fd_arg), " fd=%d", dmabuf);
	at = trace;
	for (unsigned int i = 0; i < ARRAY_SIZE(events); i++) {
		at = trace_find(at, events[i].event, who, events[i].also);
		igt_assert_f(at, "no %s: %s%s in order in the trace:\n%s",
			     events[i].event, who, events[i].also ?: "", trace);
	}
	/* 7.2's PRIME installs the fd without dma_buf_fd(), untraced. */
	if (trace_find(trace, "dma_buf_fd", who, NULL))
		igt_assert_f(trace_find(trace, "dma_buf_fd", who, fd_arg),
			     "dma_buf_fd without%s:\n%s", fd_arg, trace);
	free(trace);
	close(dmabuf);
	gem_close(fd, handle);
}

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("Importing our own dma-buf gives back the same handle.");
	igt_subtest("self-import-same-handle")
		test_self_import_same_handle(fd);

	igt_describe("PRIME export of an unknown handle or with bad flags "
		     "fails.");
	igt_subtest("export-bad-args")
		test_export_bad_args(fd);

	igt_describe("PRIME import of what is not a dma-buf fails.");
	igt_subtest("import-bad-fd")
		test_import_bad_fd(fd);

	igt_describe("mmap of the dma-buf and of the GEM object see the same "
		     "memory.");
	igt_subtest("dmabuf-mmap")
		test_dmabuf_mmap(fd);

	igt_describe("mmap of a dma-buf past its end is refused.");
	igt_subtest("dmabuf-mmap-beyond-end")
		test_dmabuf_mmap_beyond_end(fd);

	igt_describe("The dma-buf keeps the buffer alive after its handle is "
		     "closed.");
	igt_subtest("export-close-reimport")
		test_export_close_reimport(fd);

	igt_describe("CREATE_DMABUF makes a zeroed buffer as a dma-buf in one "
		     "call; imported back it is the device's own object.");
	igt_subtest("create-dmabuf")
		test_create_dmabuf(fd);

	igt_describe("A read-only CREATE_DMABUF buffer stays read-only.");
	igt_subtest("create-dmabuf-read-only")
		test_create_dmabuf_read_only(fd);

	igt_describe("CREATE_DMABUF refuses bad sizes, flags and padding.");
	igt_subtest("create-dmabuf-bad-args")
		test_create_dmabuf_bad_args(fd);

	igt_describe("A buffer moves between two vshare files through its fd.");
	igt_subtest("share-between-files")
		test_share_between_files(fd);

	igt_subtest_group() {
		int vgem = -1;

		igt_fixture() {
			vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
		}

		igt_describe("vgem imports a vshare dma-buf and re-exports "
			     "the same one.");
		igt_subtest("export-to-vgem")
			test_export_to_vgem(fd, vgem);

		igt_describe("vshare imports a vgem dma-buf; both sides see "
			     "each other's writes.");
		igt_subtest("import-from-vgem")
			test_import_from_vgem(fd, vgem);

		igt_describe("The kernel's dma_buf trace events show a vshare "
			     "buffer's life in vgem.");
		igt_subtest("dmabuf-tracepoints")
			test_dmabuf_tracepoints(fd, vgem);

		igt_fixture() {
			drm_close(vgem);
		}
	}

	igt_fixture() {
		drm_close(fd);
	}
}
