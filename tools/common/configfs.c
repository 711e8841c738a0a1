// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "configfs.h"

const char *const vshare_config_keys[] = {
	"dma_mask_bits", "max_segment_size", "segment_boundary", "alloc",
	"caching", "pitch_align", "size_align", "max_buffer_size", "pinning",
	"mem_limit", "dmem_region_size", "fence_timeout_ms", "job_timeout_ms",
	NULL
};

/** vshare_config_key() - whether @key is a field of the configuration */
bool vshare_config_key(const char *key)
{
	const char *const *k;

	for (k = vshare_config_keys; *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}

static void cfs_path(char *path, size_t len, const char *name,
		     const char *attr)
{
	snprintf(path, len, VSHARE_CONFIGFS_DIR "/%s%s%s", name,
		 attr ? "/" : "", attr ? attr : "");
}

int vshare_cfs_mkdir(const char *name)
{
	char path[256];

	cfs_path(path, sizeof(path), name, NULL);
	return mkdir(path, 0755) ? -errno : 0;
}

int vshare_cfs_rmdir(const char *name)
{
	char path[256];

	cfs_path(path, sizeof(path), name, NULL);
	return rmdir(path) ? -errno : 0;
}

bool vshare_cfs_exists(const char *name)
{
	char path[256];

	cfs_path(path, sizeof(path), name, NULL);
	return access(path, F_OK) == 0;
}

/**
 * vshare_cfs_write() - write @value to an attribute, in one write(2) as
 * configfs wants; 0 or the -errno of open(2) or write(2)
 */
int vshare_cfs_write(const char *name, const char *attr, const char *value)
{
	ssize_t len = strlen(value);
	char path[256];
	int fd, ret = 0;

	cfs_path(path, sizeof(path), name, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, value, len) != len)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

/** vshare_cfs_read() - an attribute's value, without its newline */
int vshare_cfs_read(const char *name, const char *attr, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	cfs_path(path, sizeof(path), name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int vshare_cfs_enable(const char *name, bool enable)
{
	return vshare_cfs_write(name, "enabled", enable ? "1" : "0");
}

/**
 * vshare_cfs_find() - the configfs device whose platform device is @pdev
 * ("vshare.2"): 0 with its name, or -ENOENT (a default device, or none)
 */
int vshare_cfs_find(const char *pdev, char *name, size_t len)
{
	char dev[64];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	dir = opendir(VSHARE_CONFIGFS_DIR);
	if (!dir)
		return -ENOENT;
	while (ret && (de = readdir(dir))) {
		if (de->d_name[0] == '.' ||
		    vshare_cfs_read(de->d_name, "device", dev, sizeof(dev)) ||
		    strcmp(dev, pdev))
			continue;
		snprintf(name, len, "%s", de->d_name);
		ret = 0;
	}
	closedir(dir);
	return ret;
}

/**
 * vshare_pdev_nodes() - the /dev/dri paths of the card and render node of
 * platform device @pdev, from /sys/bus/platform/devices/@pdev/drm/; 0, or
 * -ENOENT if it has no card node. @render is empty if it has none.
 */
int vshare_pdev_nodes(const char *pdev, char *card, char *render, size_t len)
{
	char path[256];
	struct dirent *de;
	DIR *dir;

	card[0] = render[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/drm", pdev);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while ((de = readdir(dir))) {
		const char *d = de->d_name;

		/* cardN and renderDN, not the connectors (card0-Virtual-1). */
		if (!strncmp(d, "card", 4) && d[4] &&
		    strspn(d + 4, "0123456789") == strlen(d + 4))
			snprintf(card, len, "/dev/dri/%s", d);
		else if (!strncmp(d, "renderD", 7) && d[7] &&
			 strspn(d + 7, "0123456789") == strlen(d + 7))
			snprintf(render, len, "/dev/dri/%s", d);
	}
	closedir(dir);
	return card[0] ? 0 : -ENOENT;
}
