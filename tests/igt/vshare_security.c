// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_security: what one client must not reach. Render nodes take only
 * render-safe ioctls; handles belong to one file and one device; new
 * buffers never show what an old one held; read-only exports stay
 * read-only; sizes and offsets that wrap around are refused.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int __ioctl(int fd, unsigned long req, void *arg)
{
	return igt_ioctl(fd, req, arg) ? -errno : 0;
}

static uint32_t zero_crc(uint64_t size)
{
	void *buf = calloc(1, size);
	uint32_t crc;

	igt_assert(buf);
	crc = crc32_ieee(buf, size);
	free(buf);
	return crc;
}

int igt_main()
{
	int vs = -1;
	uint64_t start = 0;

	igt_fixture() {
		vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		start = vshare_mem_used(vs);
	}

	igt_describe("On a render node the vshare ioctls work, while dumb "
		     "buffers, flink names and master ioctls are refused.");
	igt_subtest("render-node-ioctls") {
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
		igt_assert_eq_u64(vshare_mem_used(vs), start);
	}

	igt_describe("A handle is only valid in the file that made it: "
		     "another file of the device, and the second device, "
		     "get ENOENT from every ioctl that takes it.");
	igt_subtest("handles-per-file") {
		int other = drm_open_driver_require("vshare", NODE_RENDER, 0);
		int dev1 = drm_open_driver_nth("vshare", NODE_RENDER, 1);
		uint32_t handle = vshare_create(vs, MiB);
		int fds[2] = { other, dev1 }, i, dmabuf;

		for (i = 0; i < 2; i++) {
			struct drm_vshare_map_offset map = { .handle = handle };
			struct drm_vshare_submit s = {
				.op = VSHARE_JOB_FILL, .dst_handle = handle,
				.size = 4096,
			};
			uint64_t r;

			if (fds[i] < 0)
				continue;
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
		if (dev1 >= 0)
			drm_close(dev1);
		drm_close(other);
		igt_assert_eq_u64(vshare_mem_used(vs), start);
	}

	igt_describe("New buffers are zero, whatever the freed ones held: "
		     "cached, contiguous, write-combined and dumb buffers "
		     "checked through mmap and the kernel's CRC.");
	igt_subtest("new-buffers-zeroed") {
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
							  zero_crc(size));
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

			igt_assert(all_zero(ptr, size));
			memset(ptr, 0xa5, size);
			munmap(ptr, size);
			gem_close(card, h);
		}
		drm_close(card);
		igt_assert_eq_u64(vshare_mem_used(vs), start);
	}

	igt_describe("A read-only export stays read-only: no writable mmap, "
		     "no mprotect to writable, and an importing vshare device "
		     "cannot map it writable either.");
	igt_subtest("read-only-export") {
		int dev1 = drm_open_driver_nth("vshare", NODE_RENDER, 1);
		uint32_t handle = vshare_create(vs, MiB);
		int dmabuf = prime_handle_to_fd(vs, handle, DRM_CLOEXEC);
		void *ptr;

		ptr = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED,
			   dmabuf, 0);
		igt_assert(ptr == MAP_FAILED && errno == EACCES);
		ptr = mmap(NULL, MiB, PROT_READ, MAP_SHARED, dmabuf, 0);
		igt_assert(ptr != MAP_FAILED);
		igt_assert_eq(mprotect(ptr, MiB, PROT_READ | PROT_WRITE), -1);
		igt_assert_eq(errno, EACCES);
		munmap(ptr, MiB);
		if (dev1 >= 0) {
			uint32_t imported = prime_fd_to_handle(dev1, dmabuf);
			struct drm_vshare_map_offset map = { .handle = imported };

			igt_assert_eq(__ioctl(dev1, DRM_IOCTL_VSHARE_MAP_OFFSET,
					      &map), 0);
			ptr = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
				   MAP_SHARED, dev1, map.offset);
			igt_assert(ptr == MAP_FAILED && errno == EACCES);
			gem_close(dev1, imported);
			drm_close(dev1);
		}
		close(dmabuf);
		gem_close(vs, handle);
		igt_assert_eq_u64(vshare_mem_used(vs), start);
	}

	igt_describe("Sizes and offsets that wrap around 2^64, or reach past "
		     "the end, are refused by every ioctl and by mmap.");
	igt_subtest("overflow") {
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
		igt_assert_eq_u64(vshare_mem_used(vs), start);
	}

	igt_fixture() {
		drm_close(vs);
	}
}
