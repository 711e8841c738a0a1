// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "drmtest.h"
#include "igt.h"

/* The nth (from 0) node of that kind of @driver, by minor; -1 if none. */
int drm_open_driver_nth(const char *driver, enum drm_node node, int nth)
{
	return drm_open_driver_node(driver, node == NODE_RENDER ? "renderD" :
				    "card", nth, NULL, 0);
}

int drm_open_driver_require(const char *driver, enum drm_node node, int nth)
{
	int fd = drm_open_driver_nth(driver, node, nth);

	igt_require_f(fd >= 0, "no %s %s node #%d\n", driver,
		      node == NODE_RENDER ? "render" : "primary", nth);
	return fd;
}

void drm_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int __vshare_create(int fd, uint64_t *size, uint32_t flags, uint32_t *handle)
{
	struct drm_vshare_create arg = { .size = *size, .flags = flags };

	if (igt_ioctl(fd, DRM_IOCTL_VSHARE_CREATE, &arg))
		return -errno;
	*size = arg.size;
	*handle = arg.handle;
	return 0;
}

uint32_t vshare_create(int fd, uint64_t size)
{
	uint32_t handle = 0;

	igt_assert_eq(__vshare_create(fd, &size, 0, &handle), 0);
	igt_assert(handle);
	return handle;
}

static void *mmap_checked(int fd, size_t size, int prot, off_t offset)
{
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, fd, offset);

	igt_assert_f(ptr != MAP_FAILED, "mmap of %zu bytes failed\n", size);
	return ptr;
}

void *vshare_mmap(int fd, uint32_t handle, size_t size, int prot)
{
	struct drm_vshare_map_offset arg = { .handle = handle };

	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &arg);
	return mmap_checked(fd, size, prot, arg.offset);
}

int __gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close arg = { .handle = handle };

	return igt_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &arg) ? -errno : 0;
}

void gem_close(int fd, uint32_t handle)
{
	igt_assert_eq(__gem_close(fd, handle), 0);
}

int __dumb_create(int fd, struct drm_mode_create_dumb *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, arg) ? -errno : 0;
}

uint32_t dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		     uint32_t *pitch, uint64_t *size)
{
	struct drm_mode_create_dumb arg = {
		.width = width, .height = height, .bpp = bpp,
	};

	igt_assert_eq(__dumb_create(fd, &arg), 0);
	if (pitch)
		*pitch = arg.pitch;
	if (size)
		*size = arg.size;
	return arg.handle;
}

void *dumb_mmap(int fd, uint32_t handle, size_t size, int prot)
{
	struct drm_mode_map_dumb arg = { .handle = handle };

	do_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &arg);
	return mmap_checked(fd, size, prot, arg.offset);
}

int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf)
{
	struct drm_prime_handle arg = { .handle = handle, .flags = flags, .fd = -1 };

	if (igt_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &arg))
		return -errno;
	*dmabuf = arg.fd;
	return 0;
}

int prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags)
{
	int dmabuf = -1;

	igt_assert_eq(__prime_handle_to_fd(fd, handle, flags, &dmabuf), 0);
	igt_assert(dmabuf >= 0);
	return dmabuf;
}

int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle arg = { .fd = dmabuf };

	if (igt_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &arg))
		return -errno;
	*handle = arg.handle;
	return 0;
}

uint32_t prime_fd_to_handle(int fd, int dmabuf)
{
	uint32_t handle = 0;

	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &handle), 0);
	igt_assert(handle);
	return handle;
}

void *dmabuf_mmap(int dmabuf, size_t size, int prot)
{
	return mmap_checked(dmabuf, size, prot, 0);
}

/* DMA_BUF_IOCTL_SYNC: bracket CPU access to a dma-buf's mapping. */
int __dmabuf_sync(int dmabuf, uint64_t flags)
{
	struct dma_buf_sync arg = { .flags = flags };

	return igt_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &arg) ? -errno : 0;
}

void dmabuf_sync(int dmabuf, uint64_t flags)
{
	igt_assert_eq(__dmabuf_sync(dmabuf, flags), 0);
}

/* Two fds of the same dma-buf share one inode. */
bool same_file(int fd_a, int fd_b)
{
	struct stat a, b;

	igt_assert_eq(fstat(fd_a, &a), 0);
	igt_assert_eq(fstat(fd_b, &b), 0);
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Returns the number of wrong words (0 when the pattern is intact). */
size_t check_pattern(const void *ptr, size_t size, uint32_t seed)
{
	size_t first = 0, bad = pattern_mismatches(ptr, size, seed, &first);

	if (bad)
		igt_info("first mismatch at word %zu: %#x, expected %#x\n",
			 first, ((const uint32_t *)ptr)[first],
			 pattern_word(first, seed));
	return bad;
}

/*
 * A new buffer must be all zero; then it is dirtied, so that the next new
 * buffer, which may get its pages, shows whether they were cleared.
 */
void assert_zero_then_dirty(void *ptr, size_t size)
{
	igt_assert(all_zero(ptr, size));
	memset(ptr, 0xa5, size);
}

bool all_zero(const void *ptr, size_t size)
{
	const uint64_t *p = ptr;
	size_t i;

	for (i = 0; i < size / 8; i++)
		if (p[i])
			return false;
	return true;
}

/* CPU access that may raise SIGBUS (an unplugged or revoked buffer). */
static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, 1);
}

/* Copies words from @src until done or SIGBUS; returns how many it copied. */
size_t copy_until_sigbus(uint32_t *dst, const volatile uint32_t *src,
			 size_t words)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile size_t i = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1) == 0)
		for (; i < words; i++)
			dst[i] = src[i];
	sigaction(SIGBUS, &old, NULL);
	return i;
}

/* Whether reading the word at @p raises SIGBUS. */
bool read_sigbus(const volatile uint32_t *p)
{
	uint32_t v;

	return copy_until_sigbus(&v, p, 1) == 0;
}

/* Whether writing @value at @p raises SIGBUS. */
bool write_sigbus(volatile uint32_t *p, uint32_t value)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile bool bus = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1))
		bus = true;
	else
		*p = value;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/*
 * drm-@stat-memory ("total", "resident") of a DRM fd, from its fdinfo, in
 * bytes (absent: 0). DRM core prints it in B, KiB or MiB; older kernels
 * named the region "system".
 */
uint64_t fdinfo_memory(int fd, const char *stat)
{
	char path[64], line[256], key[64], alt[64];
	uint64_t bytes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(key, sizeof(key), "drm-%s-memory:", stat);
	snprintf(alt, sizeof(alt), "drm-%s-system:", stat);
	f = fopen(path, "r");
	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char unit[8] = "";
		const char *p;

		if (!strncmp(line, key, strlen(key)))
			p = line + strlen(key);
		else if (!strncmp(line, alt, strlen(alt)))
			p = line + strlen(alt);
		else
			continue;
		if (sscanf(p, "%llu %7s", &v, unit) < 1)
			continue;
		bytes = !strcmp(unit, "GiB") ? v << 30 :
			!strcmp(unit, "MiB") ? v << 20 :
			!strcmp(unit, "KiB") ? v << 10 : v;
	}
	fclose(f);
	return bytes;
}

/*
 * Where vgem's CPU view of a buffer it imported is mapped: its own file at
 * the MAP_DUMB offset, or, where vgem refuses MAP_DUMB of imports, the
 * dma-buf it imported. Returns the fd to mmap() and sets @offset.
 */
int vgem_import_mapping(int vgem, uint32_t handle, int dmabuf,
			uint64_t *offset)
{
	struct drm_mode_map_dumb map = { .handle = handle };

	if (igt_ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map) == 0) {
		*offset = map.offset;
		return vgem;
	}
	igt_info("vgem does not map imports (MAP_DUMB: %s): mapping the "
		 "dma-buf it imported instead\n", strerror(errno));
	*offset = 0;
	return dmabuf;
}

/*
 * Whether the kernel has warned since boot (taint W, bit 9): a subtest that
 * found it clear must leave it clear.
 */
bool kernel_warned(void)
{
	unsigned long taint = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	igt_assert(f);
	igt_assert_eq(fscanf(f, "%lu", &taint), 1);
	fclose(f);
	return taint & (1ul << 9);
}

/* The debugfs directory of the DRM device a file descriptor belongs to. */
int drm_debugfs_dir(int fd, char *path, size_t len)
{
	char link[256], target[256], want[128], line[256];
	struct stat st;
	ssize_t n;
	int i;

	if (fstat(fd, &st))
		return -errno;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	snprintf(want, sizeof(want), "dev=%s ", basename(target));

	for (i = 0; i < 64; i++) {
		FILE *f;
		bool hit;

		snprintf(path, len, "/sys/kernel/debug/dri/%d/name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		hit = fgets(line, sizeof(line), f) && strstr(line, want);
		fclose(f);
		if (hit) {
			snprintf(path, len, "/sys/kernel/debug/dri/%d", i);
			return 0;
		}
	}
	return -ENOENT;
}
