/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * Opening a DRM node by the name of its driver, for the tests and the
 * tools alike. Plain C library and ioctls: the tools link statically.
 */

#ifndef VSHARE_DRM_OPEN_H
#define VSHARE_DRM_OPEN_H

#include <stddef.h>

char *drm_driver_name(int fd);
int drm_open_driver_node(const char *driver, const char *prefix, int nth,
			 char *path, size_t len);

#endif /* VSHARE_DRM_OPEN_H */
