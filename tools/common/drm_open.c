// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm.h>

#include "drm_open.h"

/** drm_driver_name() - the driver of a DRM fd, malloc()ed, or NULL */
char *drm_driver_name(int fd)
{
	struct drm_version v = { 0 };
	char *name;
	int ret;

	do {
		ret = ioctl(fd, DRM_IOCTL_VERSION, &v);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	if (ret)
		return NULL;
	name = calloc(1, v.name_len + 1);
	if (!name)
		return NULL;
	v.name = name;
	v.date_len = 0;
	v.desc_len = 0;
	do {
		ret = ioctl(fd, DRM_IOCTL_VERSION, &v);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	if (ret) {
		free(name);
		return NULL;
	}
	return name;
}

static int node_cmp(const void *a, const void *b)
{
	return strverscmp(*(const char * const *)a, *(const char * const *)b);
}

/**
 * drm_open_driver_node() - open the @nth (from 0) node of @driver
 * @prefix: the kind of node, "card" or "renderD"
 * @path: if not NULL, gets the node's path (@len bytes at most)
 *
 * Nodes are taken in the order of their minors. Returns the fd, opened
 * read-write and close-on-exec, or -1 when there is none.
 */
int drm_open_driver_node(const char *driver, const char *prefix, int nth,
			 char *path, size_t len)
{
	char *names[64], node[300], *name;
	struct dirent *de;
	int n = 0, i, fd, ret = -1;
	DIR *dir;

	dir = opendir("/dev/dri");
	if (!dir)
		return -1;
	while ((de = readdir(dir)) && n < 64)
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			names[n++] = strdup(de->d_name);
	closedir(dir);
	qsort(names, n, sizeof(names[0]), node_cmp);

	for (i = 0; i < n && ret < 0; i++) {
		snprintf(node, sizeof(node), "/dev/dri/%s", names[i]);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		name = drm_driver_name(fd);
		if (name && !strcmp(name, driver) && nth-- == 0)
			ret = fd;
		else
			close(fd);
		free(name);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (ret >= 0 && path)
		snprintf(path, len, "%s", node);
	return ret;
}
