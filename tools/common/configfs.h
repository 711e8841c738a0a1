/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * vshare devices in configfs (/sys/kernel/config/vshare/NAME/), for the
 * tests and the tools alike: every call returns 0 or -errno, the errno
 * the kernel gave, so that callers can check it or print it.
 */

#ifndef VSHARE_CONFIGFS_H
#define VSHARE_CONFIGFS_H

#include <stdbool.h>
#include <stddef.h>

#define VSHARE_CONFIGFS_DIR	"/sys/kernel/config/vshare"

/* The attributes of struct vshare_config, in the kernel's order; NULL-ended. */
extern const char *const vshare_config_keys[];

bool vshare_config_key(const char *key);
int vshare_cfs_mkdir(const char *name);
int vshare_cfs_rmdir(const char *name);
bool vshare_cfs_exists(const char *name);
int vshare_cfs_write(const char *name, const char *attr, const char *value);
int vshare_cfs_read(const char *name, const char *attr, char *buf, size_t len);
int vshare_cfs_enable(const char *name, bool enable);
int vshare_cfs_find(const char *pdev, char *name, size_t len);
int vshare_pdev_nodes(const char *pdev, char *card, char *render, size_t len);

#endif /* VSHARE_CONFIGFS_H */
