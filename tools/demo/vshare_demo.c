// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_demo: the main job's walk-through. Creates a vshare buffer, fills
 * it, shares it with vgem as a dma-buf and back, then imports a vgem buffer
 * into vshare, checking the contents at every step and saying what it did.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#include "crc32.h"
#include "drm_open.h"
#include "pattern.h"
#include "vshare_drm.h"

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vshare_demo: FAILED: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	exit(1);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	if (ret)
		fail("%s: %s\n", what, strerror(errno));
}

static int open_driver(const char *driver, const char *prefix, char *path)
{
	int fd = drm_open_driver_node(driver, prefix, 0, path, 64);

	if (fd < 0)
		fail("no %s device\n", driver);
	return fd;
}

static void *map(int fd, off_t offset, size_t size)
{
	void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);

	if (ptr == MAP_FAILED)
		fail("mmap: %s\n", strerror(errno));
	return ptr;
}

static ino_t inode(int fd)
{
	struct stat st;

	fstat(fd, &st);
	return st.st_ino;
}

int main(void)
{
	const size_t size = 1024 * 1024;
	char vpath[64], gpath[64];
	int vshare = open_driver("vshare", "renderD", vpath);
	int vgem = open_driver("vgem", "card", gpath);
	struct drm_vshare_create create = { .size = size };
	struct drm_vshare_map_offset moff = { 0 };
	struct drm_prime_handle prime = { 0 };
	struct drm_mode_create_dumb dumb = { .width = 256, .height = 256, .bpp = 32 };
	struct drm_mode_map_dumb dmap = { 0 };
	uint32_t *ptr, *back, sum, vgem_handle;
	int dmabuf, vgem_dmabuf;

	printf("vshare device: %s, vgem device: %s\n", vpath, gpath);

	xioctl(vshare, DRM_IOCTL_VSHARE_CREATE, &create, "VSHARE_CREATE");
	moff.handle = create.handle;
	xioctl(vshare, DRM_IOCTL_VSHARE_MAP_OFFSET, &moff, "VSHARE_MAP_OFFSET");
	ptr = map(vshare, moff.offset, size);
	fill_pattern(ptr, size, 0xc0ffee);
	sum = crc32_ieee(ptr, size);
	printf("1. vshare buffer: handle %u, %llu bytes, filled, checksum %08x\n",
	       create.handle, (unsigned long long)create.size, sum);

	prime.handle = create.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	xioctl(vshare, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime, "PRIME_HANDLE_TO_FD");
	dmabuf = prime.fd;
	printf("2. exported as dma-buf fd %d (inode %lu)\n", dmabuf, inode(dmabuf));

	memset(&prime, 0, sizeof(prime));
	prime.fd = dmabuf;
	xioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime, "vgem PRIME_FD_TO_HANDLE");
	vgem_handle = prime.handle;
	printf("3. imported into vgem: vgem handle %u\n", vgem_handle);

	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	xioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime, "vgem PRIME_HANDLE_TO_FD");
	vgem_dmabuf = prime.fd;
	if (inode(vgem_dmabuf) != inode(dmabuf))
		fail("vgem re-exported a different dma-buf\n");
	back = map(vgem_dmabuf, 0, size);
	if (crc32_ieee(back, size) != sum)
		fail("contents differ after the round trip through vgem\n");
	printf("4. vgem re-exported the same dma-buf (inode %lu): checksum %08x matches\n",
	       inode(vgem_dmabuf), crc32_ieee(back, size));
	munmap(back, size);
	munmap(ptr, size);
	close(vgem_dmabuf);
	close(dmabuf);

	xioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &dumb, "vgem CREATE_DUMB");
	dmap.handle = dumb.handle;
	xioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &dmap, "vgem MAP_DUMB");
	back = map(vgem, dmap.offset, dumb.size);
	fill_pattern(back, dumb.size, 0xbeef);
	sum = crc32_ieee(back, dumb.size);
	memset(&prime, 0, sizeof(prime));
	prime.handle = dumb.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	xioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime, "vgem PRIME_HANDLE_TO_FD");
	dmabuf = prime.fd;
	printf("5. vgem dumb buffer %ux%u, %llu bytes, checksum %08x, exported as fd %d\n",
	       dumb.width, dumb.height, (unsigned long long)dumb.size, sum, dmabuf);

	memset(&prime, 0, sizeof(prime));
	prime.fd = dmabuf;
	xioctl(vshare, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime, "vshare PRIME_FD_TO_HANDLE");
	moff.handle = prime.handle;
	xioctl(vshare, DRM_IOCTL_VSHARE_MAP_OFFSET, &moff, "VSHARE_MAP_OFFSET");
	ptr = map(vshare, moff.offset, dumb.size);
	if (crc32_ieee(ptr, dumb.size) != sum)
		fail("vshare sees different contents than vgem wrote\n");
	printf("6. imported into vshare as handle %u: checksum %08x matches\n",
	       prime.handle, crc32_ieee(ptr, dumb.size));
	fill_pattern(ptr, dumb.size, 0x5a5a);
	if (crc32_ieee(back, dumb.size) != crc32_ieee(ptr, dumb.size))
		fail("vgem does not see what vshare wrote\n");
	printf("7. vshare wrote through its mapping, vgem reads it back: %08x\n",
	       crc32_ieee(back, dumb.size));

	printf("vshare_demo: OK, the buffer was shared across devices\n");
	return 0;
}
