// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_prime: PRIME export and import of vshare buffers, with vshare as
 * the exporter and as the importer of vgem buffers.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"

#define MiB (1024ull * 1024)

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("Importing our own dma-buf gives back the same handle.");
	igt_subtest("self-import-same-handle") {
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

	igt_subtest("export-bad-args") {
		uint32_t handle = vshare_create(fd, 4096);
		int dmabuf;

		igt_assert_eq(__prime_handle_to_fd(fd, 0x7fff, DRM_CLOEXEC, &dmabuf),
			      -ENOENT);
		igt_assert_eq(__prime_handle_to_fd(fd, handle, 0x1000, &dmabuf),
			      -EINVAL);
		gem_close(fd, handle);
	}

	igt_subtest("import-bad-fd") {
		uint32_t handle;
		int null = open("/dev/null", O_RDONLY);

		igt_assert_eq(__prime_fd_to_handle(fd, -1, &handle), -EBADF);
		igt_assert_eq(__prime_fd_to_handle(fd, 9999, &handle), -EBADF);
		igt_assert_eq(__prime_fd_to_handle(fd, null, &handle), -EINVAL);
		igt_assert_eq(__prime_fd_to_handle(fd, fd, &handle), -EINVAL);
		close(null);
	}

	igt_describe("mmap of the dma-buf and of the GEM object see the same memory.");
	igt_subtest("dmabuf-mmap") {
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

	igt_subtest("dmabuf-mmap-beyond-end") {
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

	igt_describe("The dma-buf keeps the buffer alive after its handle is closed.");
	igt_subtest("export-close-reimport") {
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

	igt_describe("A buffer moves between two vshare files through its fd.");
	igt_subtest("share-between-files") {
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

	igt_subtest_group() {
		int vgem = -1;

		igt_fixture() {
			vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
		}

		igt_describe("vshare -> vgem: vgem imports, re-exports the same dma-buf.");
		igt_subtest("export-to-vgem") {
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

		igt_describe("vgem -> vshare: contents both ways through each side's mmap.");
		igt_subtest("import-from-vgem") {
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

		igt_fixture() {
			drm_close(vgem);
		}
	}

	igt_fixture() {
		drm_close(fd);
	}
}
