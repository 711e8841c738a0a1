/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * Device and buffer helpers shared by the vshare IGT tests.
 */

#ifndef VSHARE_DRMTEST_H
#define VSHARE_DRMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <drm.h>
#include <drm_mode.h>

#include "drm_open.h"
#include "pattern.h"
#include "vshare_drm.h"

enum drm_node { NODE_RENDER, NODE_PRIMARY };

int drm_open_driver_nth(const char *driver, enum drm_node node, int nth);
int drm_open_driver_require(const char *driver, enum drm_node node, int nth);
void drm_close(int fd);

int __vshare_create(int fd, uint64_t *size, uint32_t flags, uint32_t *handle);
uint32_t vshare_create(int fd, uint64_t size);
void *vshare_mmap(int fd, uint32_t handle, size_t size, int prot);
int __gem_close(int fd, uint32_t handle);
void gem_close(int fd, uint32_t handle);

int __dumb_create(int fd, struct drm_mode_create_dumb *arg);
uint32_t dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		     uint32_t *pitch, uint64_t *size);
void *dumb_mmap(int fd, uint32_t handle, size_t size, int prot);

int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf);
int prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags);
int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);
uint32_t prime_fd_to_handle(int fd, int dmabuf);
void *dmabuf_mmap(int dmabuf, size_t size, int prot);
int __dmabuf_sync(int dmabuf, uint64_t flags);
void dmabuf_sync(int dmabuf, uint64_t flags);
bool same_file(int fd_a, int fd_b);

size_t check_pattern(const void *ptr, size_t size, uint32_t seed);
bool all_zero(const void *ptr, size_t size);
void assert_zero_then_dirty(void *ptr, size_t size);

size_t copy_until_sigbus(uint32_t *dst, const volatile uint32_t *src,
			 size_t words);
bool read_sigbus(const volatile uint32_t *p);
bool write_sigbus(volatile uint32_t *p, uint32_t value);

uint64_t fdinfo_memory(int fd, const char *stat);
int vgem_import_mapping(int vgem, uint32_t handle, int dmabuf,
			uint64_t *offset);
bool kernel_warned(void);
int drm_debugfs_dir(int fd, char *path, size_t len);

#endif /* VSHARE_DRMTEST_H */
