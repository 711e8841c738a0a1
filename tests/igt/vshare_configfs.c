// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_configfs: vshare devices described in configfs
 * (/sys/kernel/config/vshare/NAME/), made and unplugged at run time, and
 * what each attribute does to the device's buffers and to its importers.
 * Where something outside the driver can tell (errnos, DRM core's fdinfo
 * and mmap bounds, the memory and dmem cgroups, the kernel's page flags,
 * vgem), the test asks it rather than vshare's debugfs. Every device a
 * subtest makes is disabled and removed, by the subtest or, when it
 * fails, by an exit handler: a device left behind would keep the module
 * loaded.
 */

/**
 * TEST: vshare configfs
 * Category: Core
 * Description: vshare devices made, used and unplugged through configfs,
 *	and the GPU profiles their attributes describe.
 *
 * SUBTEST: attributes
 * Description: Every attribute reads its default; each valid value is
 *	accepted and read back; invalid ones give EINVAL (not a value, or
 *	against a power-of-two or page rule) or ERANGE (out of range) and
 *	change nothing; the directory holds exactly the known attributes,
 *	device is read-only and no directory can be made inside.
 *
 * SUBTEST: enable-disable
 * Description: A new description enables into vshare.N (N the lowest
 *	free id) with card and render nodes that work; while enabled every
 *	attribute write and rmdir are EBUSY; disabled, the platform device
 *	and its nodes are gone and old files get ENODEV; enabled again with
 *	a changed attribute, it works as changed; rmdir then removes it.
 *
 * SUBTEST: disable-with-users
 * Description: Disabled with buffers, a CPU mapping, a dma-buf imported
 *	into vgem and open files: ioctls give ENODEV, the mapping SIGBUS,
 *	vgem's import keeps the contents, the directory can be removed, all
 *	memory comes back once they let go, and the kernel does not warn.
 *
 * SUBTEST: profile-pitch-size
 * Description: pitch_align=256 gives dumb pitches in multiples of 256;
 *	size_align=2M rounds CREATE and dumb sizes up, as fdinfo and mmap
 *	bounds show; max_buffer_size=8M refuses larger buffers with E2BIG.
 *
 * SUBTEST: profile-caching
 * Description: caching=cached refuses VSHARE_CREATE_WC with EINVAL;
 *	caching=wc makes every buffer write-combined, seen in the kernel's
 *	PAT page flags (/proc/kpageflags) where the kernel has them.
 *
 * SUBTEST: profile-pinning
 * Description: pinning=never: vgem (a static importer) cannot import
 *	(EOPNOTSUPP), while a dynamic importer can; vkms where it maps at
 *	import. pinning=static-only: another vshare device (a dynamic
 *	importer) cannot import, vgem can and reads the contents. No kernel
 *	warning.
 *
 * SUBTEST: profile-lazy
 * Description: alloc=lazy, in a memory cgroup: a 64 MiB buffer charges
 *	nothing at creation and 2 MiB per 2 MiB chunk touched through its
 *	mapping, reads zero, counts as resident in fdinfo only once a
 *	kernel read gave it all its pages, and is uncharged when freed.
 *
 * SUBTEST: profile-contiguous
 * Description: alloc=contiguous: a 4 MiB buffer is one run (as its
 *	importer sees it), a larger one is ENOMEM.
 *
 * SUBTEST: profile-mem-limit
 * Description: mem_limit=8M: 8 MiB of buffers fit, one more page is
 *	ENOMEM, freeing makes room again; other devices are not limited.
 *
 * SUBTEST: profile-dma32
 * Description: dma_mask_bits=32 on a machine with memory above 4 GiB: a
 *	64 MiB buffer is created, zero, and holds what is written through
 *	its mapping; more than the 16 MiB of ZONE_DMA, where a wrong GFP
 *	zone combination (__GFP_DMA32 with __GFP_HIGHMEM) sends the
 *	allocation on kernels built with CONFIG_ZONE_DMA (Debian's).
 *
 * SUBTEST: two-profiles-share
 * Description: A device with a 32-bit DMA mask and 64 KiB segments and a
 *	lazy device share buffers both ways through PRIME, contents checked
 *	by each side's kernel CRC; the 32-bit device's import is cut into
 *	64 KiB segments, and an untouched lazy buffer is all there when
 *	imported.
 *
 * SUBTEST: dmem
 * Description: dmem_region_size: the device's region is in the cgroup
 *	root's dmem.capacity; each buffer is charged to the creator's dmem
 *	cgroup to the byte, a buffer past dmem.max is ENOMEM, and freeing
 *	uncharges. Linux 6.14 and newer (dmem cgroup controller).
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "configfs.h"
#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)
#define PAGE 4096ull

/* The module's own devices: vshare.0 and vshare.1 (num_devices=2). */
#define DEFAULT_PDEV	"vshare.0"

/*
 * The configfs devices this process made, disabled and removed however
 * it ends: by the subtest, by the next one, or by the exit handler.
 */
#define MAX_DEVICES	8
static char made[MAX_DEVICES][32];

/* No assertions: it is an exit handler. */
static void remove_all(int sig)
{
	int i;

	for (i = 0; i < MAX_DEVICES; i++) {
		if (!made[i][0])
			continue;
		vshare_cfs_enable(made[i], false);
		vshare_cfs_rmdir(made[i]);
		made[i][0] = '\0';
	}
}

static void forget(const char *name)
{
	int i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (!strcmp(made[i], name))
			made[i][0] = '\0';
}

/* What a failed subtest left behind goes before the next one starts. */
static void begin(void)
{
	remove_all(0);
}

static void read_attr(const char *name, const char *attr, char *buf,
		      size_t len)
{
	int ret = vshare_cfs_read(name, attr, buf, len);

	igt_assert_f(ret == 0, "reading %s/%s: %s\n", name, attr,
		     strerror(-ret));
}

static void assert_attr(const char *name, const char *attr, const char *want)
{
	char value[64];

	read_attr(name, attr, value, sizeof(value));
	igt_assert_f(!strcmp(value, want), "%s/%s reads '%s', expected '%s'\n",
		     name, attr, value, want);
}

static void write_attr(const char *name, const char *attr, const char *value)
{
	int ret = vshare_cfs_write(name, attr, value);

	igt_assert_f(ret == 0, "writing '%s' to %s/%s: %s\n", value, name,
		     attr, strerror(-ret));
}

/* The write must fail with exactly @err. */
static void write_refused(const char *name, const char *attr,
			  const char *value, int err)
{
	int ret = vshare_cfs_write(name, attr, value);

	igt_assert_f(ret == -err, "writing '%s' to %s/%s: %s, expected %s\n",
		     value, name, attr, ret ? strerror(-ret) : "accepted",
		     strerror(err));
}

/*
 * A new description @name with @settings ("key=value", NULL-ended) written
 * in order; not enabled yet.
 */
static void make_device(const char *name, const char *const *settings)
{
	char key[64];
	int i, ret;

	/* One of an earlier run that died before its exit handler. */
	if (vshare_cfs_exists(name)) {
		vshare_cfs_enable(name, false);
		vshare_cfs_rmdir(name);
	}
	ret = vshare_cfs_mkdir(name);
	igt_assert_f(ret == 0, "mkdir %s/%s: %s\n", VSHARE_CONFIGFS_DIR, name,
		     strerror(-ret));
	for (i = 0; i < MAX_DEVICES && made[i][0]; i++)
		;
	igt_assert(i < MAX_DEVICES);
	snprintf(made[i], sizeof(made[i]), "%s", name);

	for (i = 0; settings && settings[i]; i++) {
		const char *eq = strchr(settings[i], '=');

		igt_assert(eq && eq - settings[i] < (int)sizeof(key));
		snprintf(key, sizeof(key), "%.*s", (int)(eq - settings[i]),
			 settings[i]);
		write_attr(name, key, eq + 1);
	}
}

/* Enables @name: its platform device in @pdev, its render node open. */
static int enable_device(const char *name, char pdev[32])
{
	int fd, ret = vshare_cfs_enable(name, true);

	igt_assert_f(ret == 0, "enabling %s: %s\n", name, strerror(-ret));
	read_attr(name, "device", pdev, 32);
	igt_assert_f(!strncmp(pdev, "vshare.", 7), "%s/device reads '%s'\n",
		     name, pdev);
	fd = vshare_open_pdev(pdev, NODE_RENDER);
	igt_assert_f(fd >= 0, "%s (%s) has no render node\n", name, pdev);
	return fd;
}

/* make_device() and enable_device() at once. */
static int new_device(const char *name, const char *const *settings,
		      char pdev[32])
{
	make_device(name, settings);
	return enable_device(name, pdev);
}

/* Disables and removes @name, which must then be gone. */
static void remove_device(const char *name)
{
	int ret;

	ret = vshare_cfs_enable(name, false);
	igt_assert_f(ret == 0, "disabling %s: %s\n", name, strerror(-ret));
	ret = vshare_cfs_rmdir(name);
	igt_assert_f(ret == 0, "rmdir %s: %s\n", name, strerror(-ret));
	forget(name);
	igt_assert(!vshare_cfs_exists(name));
}

/* The id the next vshare platform device gets: the lowest free one. */
static int lowest_free_id(void)
{
	char pdev[32];
	int id;

	for (id = 0; id < 64; id++) {
		snprintf(pdev, sizeof(pdev), "vshare.%d", id);
		if (!vshare_pdev_exists(pdev))
			return id;
	}
	igt_assert_f(false, "no free vshare platform device id\n");
	return -1;
}

static int open_default(void)
{
	int fd = vshare_open_pdev(DEFAULT_PDEV, NODE_RENDER);

	igt_require_f(fd >= 0, "no %s render node\n", DEFAULT_PDEV);
	return fd;
}

/* A working device: a zeroed buffer, kernel fill and CRC, and mmap. */
static void exercise(int fd, uint32_t seed)
{
	const uint64_t size = MiB + PAGE;
	uint32_t handle = vshare_create(fd, size);
	uint32_t *p;

	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size), fill_crc(size, 0));
	vshare_fill(fd, handle, 0, size, seed);
	p = vshare_mmap(fd, handle, size, PROT_READ | PROT_WRITE);
	igt_assert_eq_u32(p[0], seed);
	igt_assert_eq_u32(p[size / 4 - 1], seed);
	fill_pattern(p, size, seed);
	igt_assert_eq_u32(vshare_crc32(fd, handle, 0, size),
			  crc32_ieee(p, size));
	munmap(p, size);
	gem_close(fd, handle);
}

/* CREATE's errno (0 on success) and the size it returned. */
static int try_create(int fd, uint64_t size, uint32_t flags, uint64_t *got,
		      uint32_t *handle)
{
	uint32_t h = 0;
	int ret;

	ret = __vshare_create(fd, &size, flags, &h);
	if (got)
		*got = size;
	if (handle)
		*handle = h;
	else if (!ret)
		gem_close(fd, h);
	return ret;
}

/*
 * attributes: every attribute's default, values it takes, and values it
 * refuses with their errno.
 */
struct refused {
	const char *value;
	int err;
};

struct attr_case {
	const char *attr;
	const char *def;
	const char *valid[5];
	struct refused refused[7];
};

static const struct attr_case attr_cases[] = {
	{ "dma_mask_bits", "64", { "32", "40", "64" },
	  { { "31", ERANGE }, { "65", ERANGE }, { "0", ERANGE },
	    { "4294967328", ERANGE }, { "-1", EINVAL }, { "wide", EINVAL },
	    { "32 bits", EINVAL } } },
	{ "max_segment_size", "4294967296", { "4096", "65536", "4294967296" },
	  { { "0", ERANGE }, { "2048", ERANGE }, { "4294971392", ERANGE },
	    { "6144", EINVAL }, { "64K", EINVAL } } },
	{ "segment_boundary", "4294967295",
	  { "4095", "65535", "18446744073709551615", "4294967295" },
	  { { "0", ERANGE }, { "2047", ERANGE }, { "65536", EINVAL },
	    { "65534", EINVAL }, { "18446744073709551616", ERANGE },
	    { "all", EINVAL } } },
	{ "alloc", "scattered", { "contiguous", "lazy", "scattered" },
	  { { "Lazy", EINVAL }, { "lazy ", EINVAL }, { "1", EINVAL },
	    { "eager", EINVAL } } },
	{ "caching", "both", { "cached", "wc", "both" },
	  { { "uncached", EINVAL }, { "WC", EINVAL }, { "0", EINVAL } } },
	{ "pitch_align", "64", { "1", "256", "4096", "64" },
	  { { "0", ERANGE }, { "8192", ERANGE }, { "96", EINVAL },
	    { "3", EINVAL } } },
	{ "size_align", "4096", { "2097152", "1073741824", "4096" },
	  { { "0", ERANGE }, { "2048", ERANGE }, { "2147483648", ERANGE },
	    { "12288", EINVAL } } },
	{ "max_buffer_size", "0", { "4096", "8388608", "1099511627776", "0" },
	  { { "2048", ERANGE }, { "6144", EINVAL },
	    { "18446744073709551615", EINVAL },
	    { "18446744073709551616", ERANGE }, { "8M", EINVAL } } },
	{ "pinning", "dynamic", { "static-only", "never", "dynamic" },
	  { { "static_only", EINVAL }, { "static", EINVAL },
	    { "pinned", EINVAL } } },
	{ "mem_limit", "0", { "4096", "8388608", "0" },
	  { { "100", ERANGE }, { "10000", EINVAL } } },
	{ "dmem_region_size", "0", { "67108864", "4096", "0" },
	  { { "4095", ERANGE }, { "8193", EINVAL } } },
	{ "fence_timeout_ms", "0", { "1", "600000", "0" },
	  { { "600001", ERANGE }, { "4294967296", ERANGE }, { "1.5", EINVAL },
	    { "-1", EINVAL } } },
	{ "job_timeout_ms", "0", { "1", "600000", "0" },
	  { { "600001", ERANGE }, { "4294967296", ERANGE }, { "1.5", EINVAL },
	    { "-1", EINVAL } } },
};

/* The directory holds the attributes, enabled and device, nothing else. */
static void assert_directory(const char *name)
{
	char path[256];
	struct dirent *de;
	unsigned int seen = 0, i;
	DIR *dir;

	snprintf(path, sizeof(path), VSHARE_CONFIGFS_DIR "/%s", name);
	dir = opendir(path);
	igt_assert_f(dir, "%s: %s\n", path, strerror(errno));
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		igt_assert_f(vshare_config_key(de->d_name) ||
			     !strcmp(de->d_name, "enabled") ||
			     !strcmp(de->d_name, "device"),
			     "unknown attribute %s/%s\n", path, de->d_name);
		seen++;
	}
	closedir(dir);
	for (i = 0; vshare_config_keys[i]; i++) {
		snprintf(path, sizeof(path), VSHARE_CONFIGFS_DIR "/%s/%s", name,
			 vshare_config_keys[i]);
		igt_assert_f(access(path, F_OK) == 0, "no %s\n", path);
	}
	igt_assert_eq(seen, i + 2);
}

static void test_attributes(void)
{
	const char *name = "igt-attributes";
	const struct attr_case *c;
	char path[256];
	unsigned int i;

	begin();
	make_device(name, NULL);
	assert_directory(name);

	for (c = attr_cases; c < attr_cases + ARRAY_SIZE(attr_cases); c++) {
		assert_attr(name, c->attr, c->def);
		/* Each list of valid values ends with the default. */
		for (i = 0; i < ARRAY_SIZE(c->valid) && c->valid[i]; i++) {
			write_attr(name, c->attr, c->valid[i]);
			assert_attr(name, c->attr, c->valid[i]);
		}
		/* A refused value leaves the value in place. */
		for (i = 0; i < ARRAY_SIZE(c->refused) && c->refused[i].value;
		     i++) {
			write_refused(name, c->attr, c->refused[i].value,
				      c->refused[i].err);
			assert_attr(name, c->attr, c->def);
		}
	}

	/* Numbers in hex, and with echo's newline, read back in decimal. */
	write_attr(name, "dma_mask_bits", "0x28");
	assert_attr(name, "dma_mask_bits", "40");
	write_attr(name, "pitch_align", "512\n");
	assert_attr(name, "pitch_align", "512");
	write_attr(name, "alloc", "lazy\n");
	assert_attr(name, "alloc", "lazy");

	/* enabled takes a boolean; device is the kernel's to write. */
	assert_attr(name, "enabled", "0");
	assert_attr(name, "device", "");
	write_refused(name, "enabled", "2", EINVAL);
	write_refused(name, "enabled", "maybe", EINVAL);
	assert_attr(name, "enabled", "0");
	write_refused(name, "device", "vshare.9", EACCES);

	/* Attributes of other interfaces are not here. */
	write_refused(name, "num_devices", "2", ENOENT);
	write_refused(name, "mem_limit_mb", "1", ENOENT);
	write_refused(name, "dma_mask", "32", ENOENT);
	/* A device is an item: nothing is made inside it. */
	snprintf(path, sizeof(path), VSHARE_CONFIGFS_DIR "/%s/sub", name);
	igt_assert_f(mkdir(path, 0755) && errno == EPERM, "mkdir %s: %s\n",
		     path, strerror(errno));
	/* Names are unique. */
	igt_assert_eq(vshare_cfs_mkdir(name), -EEXIST);

	remove_device(name);
}

static void test_enable_disable(int vs0, const struct vshare_totals *start)
{
	const char *name = "igt-enable";
	const char *const settings[] = { "pitch_align=128", NULL };
	struct drm_mode_create_dumb dumb = {
		.width = 8, .height = 8, .bpp = 32,
	};
	char pdev[32], again[32], want[32], card[300], render[300];
	const char *const *key;
	char value[64];
	uint32_t pitch;
	int fd, cardfd;

	begin();
	make_device(name, settings);
	assert_attr(name, "enabled", "0");
	assert_attr(name, "device", "");

	snprintf(want, sizeof(want), "vshare.%d", lowest_free_id());
	fd = enable_device(name, pdev);
	igt_assert_f(!strcmp(pdev, want),
		     "%s is %s, expected %s (the lowest free id)\n", name, pdev,
		     want);
	assert_attr(name, "enabled", "1");
	igt_assert_eq(vshare_pdev_nodes(pdev, card, render, sizeof(card)), 0);
	igt_assert_f(access(card, F_OK) == 0, "no %s\n", card);
	igt_assert_f(render[0] && access(render, F_OK) == 0,
		     "no render node\n");
	igt_info("%s: %s with %s and %s\n", name, pdev, card, render);
	exercise(fd, 0x0e0e0001);
	cardfd = vshare_open_pdev(pdev, NODE_PRIMARY);
	igt_assert(cardfd >= 0);
	/* 8 pixels of 4 bytes: 32 bytes, up to a multiple of 128. */
	dumb_create(cardfd, 8, 8, 32, &pitch, NULL);
	igt_assert_eq(pitch, 128);

	/* What the device was built from cannot change under it. */
	for (key = vshare_config_keys; *key; key++) {
		read_attr(name, *key, value, sizeof(value));
		write_refused(name, *key, value, EBUSY);
	}
	assert_attr(name, "pitch_align", "128");
	igt_assert_eq(vshare_cfs_rmdir(name), -EBUSY);
	igt_assert(vshare_cfs_exists(name));
	/* Enabling what is enabled changes nothing. */
	write_attr(name, "enabled", "1");
	assert_attr(name, "device", pdev);

	/* Disabled: the platform device and its nodes go; old files fail. */
	igt_assert_eq(vshare_cfs_enable(name, false), 0);
	assert_attr(name, "enabled", "0");
	assert_attr(name, "device", "");
	igt_assert_f(!vshare_pdev_exists(pdev), "%s still exists\n", pdev);
	igt_assert_f(access(card, F_OK) && access(render, F_OK),
		     "%s or %s still exists\n", card, render);
	igt_assert(vshare_open_pdev(pdev, NODE_RENDER) < 0);
	igt_assert_eq(try_create(fd, PAGE, 0, NULL, NULL), -ENODEV);
	igt_assert_eq(__dumb_create(cardfd, &dumb), -ENODEV);
	igt_assert_eq(close(fd), 0);
	igt_assert_eq(close(cardfd), 0);
	/* Disabling what is disabled changes nothing either. */
	write_attr(name, "enabled", "0");

	/* Changed, then enabled again: a new device, as changed. */
	write_attr(name, "pitch_align", "512");
	snprintf(want, sizeof(want), "vshare.%d", lowest_free_id());
	fd = enable_device(name, again);
	igt_assert_f(!strcmp(again, want), "%s is %s, expected %s\n", name,
		     again, want);
	exercise(fd, 0x0e0e0002);
	cardfd = vshare_open_pdev(again, NODE_PRIMARY);
	igt_assert(cardfd >= 0);
	dumb_create(cardfd, 8, 8, 32, &pitch, NULL);
	igt_assert_eq(pitch, 512);
	close(cardfd);
	close(fd);

	remove_device(name);
	igt_assert(!vshare_pdev_exists(again));
	vshare_assert_totals(vs0, NULL, start, 1000);
}

static void test_disable_with_users(int vs0, const struct vshare_totals *start)
{
	const char *name = "igt-users";
	const uint64_t size = 2 * MiB + 2 * PAGE, touched = 2 * MiB;
	const uint32_t value = 0x5eb0a4d5;
	struct drm_mode_create_dumb dumb = {
		.width = 8, .height = 8, .bpp = 32,
	};
	struct drm_vshare_map_offset mo = { 0 };
	uint32_t a, b, h, vgem_handle, back, *map, *vptr, *seen;
	int fd, fd2, card, vgem, dmabuf, mapfd;
	uint64_t offset;
	char pdev[32];
	bool warned;
	size_t n, i;

	begin();
	vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	warned = kernel_warned();
	fd = new_device(name, NULL, pdev);
	fd2 = vshare_open_pdev(pdev, NODE_RENDER);
	card = vshare_open_pdev(pdev, NODE_PRIMARY);
	igt_assert(fd2 >= 0 && card >= 0);

	/* A CPU mapping: its first 2 MiB faulted in, its tail never. */
	a = vshare_create(fd, size);
	map = vshare_mmap(fd, a, size, PROT_READ | PROT_WRITE);
	fill_pattern(map, touched, 71);
	igt_assert_eq_u32(vshare_crc32(fd, a, 0, touched),
			  crc32_ieee(map, touched));
	mo.handle = a;
	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo);

	/* A buffer vgem imported, and vgem's CPU view of it faulted in. */
	b = vshare_create(fd, size);
	vshare_fill(fd, b, 0, size, value);
	dmabuf = prime_handle_to_fd(fd, b, DRM_CLOEXEC | DRM_RDWR);
	vgem_handle = prime_fd_to_handle(vgem, dmabuf);
	mapfd = vgem_import_mapping(vgem, vgem_handle, dmabuf, &offset);
	vptr = mmap(NULL, size, PROT_READ, MAP_SHARED, mapfd, offset);
	igt_assert(vptr != MAP_FAILED);
	for (i = 0; i < size / 4; i++)
		igt_assert_eq_u32(vptr[i], value);
	/* vgem's import holds the dma-buf now. */
	close(dmabuf);

	/* Buffers in the other files. */
	h = vshare_create(fd2, PAGE);
	dumb_create(card, 8, 8, 32, NULL, NULL);

	igt_assert_eq(vshare_cfs_enable(name, false), 0);
	igt_assert(!vshare_pdev_exists(pdev));
	/* Its users hold the device, not its description. */
	igt_assert_eq(vshare_cfs_rmdir(name), 0);
	forget(name);

	/* Every file: ENODEV. */
	igt_assert_eq(try_create(fd, PAGE, 0, NULL, NULL), -ENODEV);
	igt_assert_eq(try_create(fd2, PAGE, 0, NULL, NULL), -ENODEV);
	igt_assert_eq(__vshare_access(fd, a, VSHARE_ACCESS_CRC32, 0, PAGE, 0,
				      NULL), -ENODEV);
	igt_assert_eq(__vshare_access(fd2, h, VSHARE_ACCESS_FILL, 0, PAGE, 1,
				      NULL), -ENODEV);
	do_ioctl_err(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo, ENODEV);
	igt_assert_eq(__prime_handle_to_fd(fd, b, DRM_CLOEXEC, &dmabuf),
		      -ENODEV);
	igt_assert_eq(__dumb_create(card, &dumb), -ENODEV);
	igt_assert_eq(__gem_close(fd, a), -ENODEV);

	/* The CPU mapping: SIGBUS, faulted in or not. */
	igt_assert_f(read_sigbus(map), "reading a faulted-in page works\n");
	igt_assert_f(write_sigbus(map + 1, 1),
		     "writing a faulted-in page works\n");
	igt_assert_f(read_sigbus(map + touched / 4),
		     "reading an untouched page works\n");

	/*
	 * vgem's import: its mapping shows the contents or SIGBUS (dma-buf
	 * mappings are not taken down at unplug), and the dma-buf it holds,
	 * read by another device's kernel, has all of them.
	 */
	seen = malloc(size);
	igt_assert(seen);
	n = copy_until_sigbus(seen, vptr, size / 4);
	igt_info("vgem's mapping: %zu of %" PRIu64 " words read after the "
		 "disable, then SIGBUS\n", n, size / 4);
	for (i = 0; i < n; i++)
		igt_assert_eq_u32(seen[i], value);
	free(seen);
	dmabuf = prime_handle_to_fd(vgem, vgem_handle, DRM_CLOEXEC);
	back = prime_fd_to_handle(vs0, dmabuf);
	igt_assert_eq_u32(vshare_crc32(vs0, back, 0, size),
			  fill_crc(size, value));
	gem_close(vs0, back);
	close(dmabuf);

	/* Letting go frees everything. */
	igt_assert_eq(munmap(map, size), 0);
	igt_assert_eq(munmap(vptr, size), 0);
	gem_close(vgem, vgem_handle);
	igt_assert_eq(close(fd), 0);
	igt_assert_eq(close(fd2), 0);
	igt_assert_eq(close(card), 0);
	close(vgem);
	vshare_assert_totals(vs0, NULL, start, 2000);
	igt_assert_f(warned || !kernel_warned(), "the kernel warned\n");
}

/* mmap(2) of @size bytes of a buffer: 0 or the errno (DRM core's bounds). */
static int mmap_errno(int fd, uint32_t handle, uint64_t size)
{
	struct drm_vshare_map_offset mo = { .handle = handle };
	void *p;

	do_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, mo.offset);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, size);
	return 0;
}

static void test_profile_pitch_size(int vs0, const struct vshare_totals *start)
{
	const char *name = "igt-pitch";
	const char *const settings[] = {
		"pitch_align=256", "size_align=2097152",
		"max_buffer_size=8388608", NULL
	};
	static const struct {
		uint64_t ask, got;
	} sizes[] = {
		{ 1, 2 * MiB }, { PAGE, 2 * MiB }, { 2 * MiB, 2 * MiB },
		{ 3 * MiB, 4 * MiB }, { 7 * MiB + 1, 8 * MiB },
		{ 8 * MiB, 8 * MiB },
	};
	static const uint64_t too_big[] = {
		8 * MiB + 1, 8 * MiB + PAGE, 10 * MiB, 1ull << 40,
	};
	static const uint32_t widths[] = { 1, 64, 65, 100, 1000 };
	struct drm_mode_create_dumb big = {
		.width = 2048, .height = 1025, .bpp = 32,
	};
	uint64_t got, dsize, total = 0;
	uint32_t pitch, h;
	char pdev[32];
	int fd, card, defcard;
	unsigned int i;

	begin();
	fd = new_device(name, settings, pdev);
	card = vshare_open_pdev(pdev, NODE_PRIMARY);
	igt_assert(card >= 0);

	/* Dumb pitches: the smallest multiple of 256 that holds a row. */
	for (i = 0; i < ARRAY_SIZE(widths); i++) {
		dumb_create(card, widths[i], 10, 32, &pitch, &dsize);
		igt_debug("width %u: pitch %u, size %" PRIu64 "\n", widths[i],
			  pitch, dsize);
		igt_assert_eq(pitch % 256, 0);
		igt_assert_lte(widths[i] * 4, pitch);
		igt_assert_lt(pitch, widths[i] * 4 + 256);
		/* ... and the size rounded up to 2 MiB. */
		igt_assert_eq_u64(dsize, 2 * MiB);
	}
	/* The default device, for comparison: 64-byte pitches, page sizes. */
	defcard = vshare_open_pdev(DEFAULT_PDEV, NODE_PRIMARY);
	igt_assert(defcard >= 0);
	dumb_create(defcard, 100, 10, 32, &pitch, &dsize);
	igt_assert_eq(pitch, 448);
	igt_assert_eq_u64(dsize, 2 * PAGE);
	close(defcard);
	/* A dumb buffer larger than max_buffer_size once rounded. */
	igt_assert_eq(__dumb_create(card, &big), -E2BIG);

	/* CREATE returns the rounded size, and DRM core agrees. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		igt_assert_eq(try_create(fd, sizes[i].ask, 0, &got, &h), 0);
		igt_assert_eq_u64(got, sizes[i].got);
		total += got;
		igt_assert_eq_u64(fdinfo_memory(fd, "total"), total);
		igt_assert_eq(mmap_errno(fd, h, got), 0);
		igt_assert_eq(mmap_errno(fd, h, got + PAGE), EINVAL);
		igt_assert_eq_u32(vshare_crc32(fd, h, 0, got),
				  fill_crc(got, 0));
	}
	for (i = 0; i < ARRAY_SIZE(too_big); i++)
		igt_assert_eq(try_create(fd, too_big[i], 0, NULL, NULL),
			      -E2BIG);
	igt_assert_eq_u64(fdinfo_memory(fd, "total"), total);

	close(card);
	close(fd);
	remove_device(name);
	vshare_assert_totals(vs0, NULL, start, 1000);
}

/*
 * Pages the kernel's PAT tracking marks write-combined. On x86 with PAT a
 * RAM page's memory type lives in its flags (not in pat_memtype_list,
 * which tracks only what is not RAM): write-combined is PG_arch_1 without
 * PG_uncached, /proc/kpageflags bits 38 (KPF_ARCH) and 39 (KPF_UNCACHED).
 */
static long wc_pages(void)
{
	static uint64_t flags[8192];
	long count = 0;
	ssize_t n, i;
	int fd;

	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	igt_assert(fd >= 0);
	while ((n = read(fd, flags, sizeof(flags))) > 0)
		for (i = 0; i < n / 8; i++)
			count += (flags[i] >> 38 & 3) == 1;
	close(fd);
	return count;
}

/* pat_memtype_list exists only while PAT is enabled. */
static bool have_pat_flags(void)
{
	return access("/sys/kernel/debug/x86/pat_memtype_list", F_OK) == 0 &&
	       access("/proc/kpageflags", R_OK) == 0;
}

static void test_profile_caching(int vs0, const struct vshare_totals *start)
{
	const char *const cached[] = { "caching=cached", NULL };
	const char *const wc[] = { "caching=wc", NULL };
	const uint64_t size = 4 * MiB;
	struct vshare_bo_state st;
	long before, with, after;
	char pdev[32];
	uint32_t h, *p;
	int fc, fw, card;

	begin();
	fc = new_device("igt-cached", cached, pdev);
	fw = new_device("igt-wc", wc, pdev);

	/* cached: WC is refused however it is asked for; plain works. */
	igt_assert_eq(try_create(fc, MiB, VSHARE_CREATE_WC, NULL, NULL),
		      -EINVAL);
	igt_assert_eq(try_create(fc, MiB, VSHARE_CREATE_WC |
				 VSHARE_CREATE_CONTIGUOUS, NULL, NULL),
		      -EINVAL);
	igt_assert_eq(try_create(fc, MiB, 0, NULL, NULL), 0);

	/* wc: every buffer, with the flag or without, dumb ones too. */
	igt_assert_eq(try_create(fw, MiB, VSHARE_CREATE_WC, NULL, NULL), 0);
	h = vshare_create(fw, size);
	p = vshare_mmap(fw, h, size, PROT_READ | PROT_WRITE);
	fill_pattern(p, size, 91);
	igt_assert_eq_u32(vshare_crc32(fw, h, 0, size), crc32_ieee(p, size));
	munmap(p, size);
	/* The driver's own word, for the record. */
	igt_assert(vshare_bo_state(fw, size, &st));
	igt_assert_f(!strcmp(st.caching, "wc"), "caching %s\n", st.caching);
	card = vshare_open_pdev(pdev, NODE_PRIMARY);
	igt_assert(card >= 0);
	dumb_create(card, 256, 256, 32, NULL, NULL);
	igt_assert(vshare_bo_state(card, 256 * 1024, &st));
	igt_assert_f(!strcmp(st.caching, "wc"), "dumb caching %s\n",
		     st.caching);
	close(card);
	gem_close(fw, h);

	/*
	 * From outside vshare: the pages' memory type in the kernel's PAT
	 * tracking. Without PAT (or /proc/kpageflags) nothing outside the
	 * driver tells: the KUnit suite reads the page tables instead.
	 */
	if (have_pat_flags()) {
		/*
		 * Three scans (each reads every page's flags: slow under
		 * TCG): nothing, a wc and a cached buffer, nothing again.
		 * Only the wc buffer's pages may be counted in the middle.
		 */
		uint32_t hc;

		before = wc_pages();
		h = vshare_create(fw, size);
		hc = vshare_create(fc, size);
		with = wc_pages();
		gem_close(fw, h);
		gem_close(fc, hc);
		after = wc_pages();
		igt_info("write-combined pages: %ld, %ld with 4 MiB buffers of "
			 "caching=wc and of caching=cached, %ld after\n",
			 before, with, after);
		igt_assert_f(with - before >= (long)(size / PAGE),
			     "not write-combined: %ld more pages\n",
			     with - before);
		igt_assert_f(with - before < (long)(2 * size / PAGE),
			     "cached buffer write-combined too: %ld more pages\n",
			     with - before);
		igt_assert_f(with - after >= (long)(size / PAGE),
			     "still write-combined: %ld fewer pages\n",
			     with - after);
	} else {
		igt_info("no PAT page flags (PAT off, or no /proc/kpageflags): "
			 "write-combining taken on vshare's debugfs word\n");
	}

	close(fc);
	close(fw);
	remove_device("igt-cached");
	remove_device("igt-wc");
	vshare_assert_totals(vs0, NULL, start, 1000);
}

/* vgem's CPU view of a buffer it imported: every word is @value. */
static void assert_vgem_view(int vgem, uint32_t handle, int dmabuf,
			     uint64_t size, uint32_t value)
{
	uint64_t offset, i;
	int mapfd = vgem_import_mapping(vgem, handle, dmabuf, &offset);
	uint32_t *p = mmap(NULL, size, PROT_READ, MAP_SHARED, mapfd, offset);

	igt_assert(p != MAP_FAILED);
	for (i = 0; i < size / 4; i++)
		igt_assert_eq_u32(p[i], value);
	munmap(p, size);
}

/* A buffer of @fd filled with @value by the kernel, and its dma-buf. */
static int filled_export(int fd, uint64_t size, uint32_t value,
			 uint32_t *handle)
{
	*handle = vshare_create(fd, size);
	vshare_fill(fd, *handle, 0, size, value);
	return prime_handle_to_fd(fd, *handle, DRM_CLOEXEC | DRM_RDWR);
}

/* PRIME import into @importer: 0 with the handle, or -errno; logged. */
static int try_import(int importer, const char *who, int dmabuf,
		      uint32_t *handle)
{
	int ret = __prime_fd_to_handle(importer, dmabuf, handle);

	igt_info("%s importing: %s\n", who, ret ? strerror(-ret) : "imported");
	return ret;
}

static void test_profile_pinning(int vs0, const struct vshare_totals *start)
{
	const char *const never[] = { "pinning=never", NULL };
	const char *const static_only[] = { "pinning=static-only", NULL };
	const uint64_t size = MiB;
	struct vshare_bo_state st;
	uint32_t h, imported;
	int fn, fs, vgem, vkms, dmabuf, ret;
	char pdev[32];
	bool warned;

	begin();
	vgem = drm_open_driver_require("vgem", NODE_PRIMARY, 0);
	vkms = drm_open_driver_nth("vkms", NODE_PRIMARY, 0);
	warned = kernel_warned();
	fn = new_device("igt-never", never, pdev);
	fs = new_device("igt-static", static_only, pdev);

	/*
	 * never: a static importer that maps pins, which the exporter
	 * refuses. vgem maps at import up to Linux 6.16; since 6.17 the shmem
	 * helper imports without a mapping, and so without a pin: nothing to
	 * refuse then (KUnit and vshare_v4l2's dma-contig importer show the
	 * refusal of a mapping on every kernel).
	 */
	dmabuf = filled_export(fn, size, 0x9e7e0001, &h);
	ret = try_import(vgem, "vgem", dmabuf, &imported);
	if (ret)
		igt_assert_eq(ret, -EOPNOTSUPP);
	else
		gem_close(vgem, imported);
	if (vkms >= 0) {
		ret = try_import(vkms, "vkms", dmabuf, &imported);
		/* A vkms that maps only when it scans out has nothing to
		 * refuse yet. */
		if (ret)
			igt_assert_eq(ret, -EOPNOTSUPP);
		else
			gem_close(vkms, imported);
	}
	/* A dynamic importer maps without pinning: that it may. */
	imported = prime_fd_to_handle(vs0, dmabuf);
	igt_assert_eq_u32(vshare_crc32(vs0, imported, 0, size),
			  fill_crc(size, 0x9e7e0001));
	gem_close(vs0, imported);
	/* Nothing of the refused imports stays attached. */
	igt_assert(vshare_bo_state(fn, size, &st));
	igt_assert_eq(st.attach, 0);
	close(dmabuf);
	gem_close(fn, h);

	/*
	 * static-only: a dynamic importer that does not pin is refused at
	 * its first map (on 6.12 with CONFIG_DMABUF_MOVE_NOTIFY, as the test
	 * kernels have; without it the core pins every importer); vgem pins
	 * and may. In that order: a pinned buffer may be mapped by anyone.
	 */
	dmabuf = filled_export(fs, size, 0x9e7e0002, &h);
	igt_assert_eq(try_import(vs0, "vshare.0", dmabuf, &imported),
		      -EOPNOTSUPP);
	imported = prime_fd_to_handle(vgem, dmabuf);
	assert_vgem_view(vgem, imported, dmabuf, size, 0x9e7e0002);
	gem_close(vgem, imported);
	close(dmabuf);
	gem_close(fs, h);

	close(fn);
	close(fs);
	drm_close(vkms);
	close(vgem);
	remove_device("igt-never");
	remove_device("igt-static");
	vshare_assert_totals(vs0, NULL, start, 1000);
	igt_assert_f(warned || !kernel_warned(), "the kernel warned\n");
}

static uint64_t memory_current(const char *cg)
{
	return cgroup_read(cg, "memory.current", NULL);
}

static void test_profile_lazy(int vs0, const struct vshare_totals *start)
{
	const char *const lazy[] = { "alloc=lazy", NULL };
	/* Give or take the memory cgroup's per-CPU charge batches. */
	const uint64_t size = 64 * MiB, chunk = 2 * MiB, slack = 512 * 1024;
	static const unsigned int chunks[] = { 0, 5, 31 };
	const uint32_t zero_crc = fill_crc(size, 0);
	uint64_t base, prev, now;
	volatile uint32_t *p;
	const char *cg;
	char pdev[32];
	unsigned int i;
	uint32_t h;
	int fd;

	begin();
	fd = new_device("igt-lazy", lazy, pdev);
	cg = cgroup_enter_new("memory");
	base = memory_current(cg);

	h = vshare_create(fd, size);
	now = memory_current(cg);
	igt_info("memory.current: %" PRIu64 " KiB, +%" PRId64 " KiB with a "
		 "64 MiB lazy buffer\n", base >> 10,
		 (int64_t)(now - base) / 1024);
	igt_assert_f(now < base + slack, "creation charged %" PRIu64 " KiB\n",
		     (now - base) >> 10);
	igt_assert_eq_u64(fdinfo_memory(fd, "total"), size);
	igt_assert_eq_u64(fdinfo_memory(fd, "resident"), 0);

	p = vshare_mmap(fd, h, size, PROT_READ);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		const uint64_t first = chunks[i] * chunk / 4;

		prev = memory_current(cg);
		igt_assert_eq_u32(p[first + 17], 0);
		now = memory_current(cg);
		igt_info("chunk %u touched: memory.current %+" PRId64 " KiB\n",
			 chunks[i], (int64_t)(now - prev) / 1024);
		igt_assert_f(now + slack >= prev + chunk &&
			     now <= prev + chunk + slack,
			     "chunk %u: %+" PRId64 " KiB, expected 2048\n",
			     chunks[i], (int64_t)(now - prev) / 1024);
		/* The whole chunk came at once, zeroed. */
		prev = now;
		igt_assert(all_zero((const void *)(p + first), chunk));
		now = memory_current(cg);
		igt_assert_f(now <= prev + slack,
			     "reading the rest of chunk %u: +%" PRIu64 " KiB\n",
			     chunks[i], (now - prev) >> 10);
	}
	now = memory_current(cg);
	igt_assert_f(now + slack >= base + ARRAY_SIZE(chunks) * chunk &&
		     now <= base + ARRAY_SIZE(chunks) * chunk + 2 * slack,
		     "3 chunks touched: +%" PRIu64 " KiB\n",
		     (now - base) >> 10);
	/* Resident, for fdinfo, is all of it. */
	igt_assert_eq_u64(fdinfo_memory(fd, "resident"), 0);

	/* A kernel mapping needs every page: the rest comes at once. */
	igt_assert_eq_u32(vshare_crc32(fd, h, 0, size), zero_crc);
	now = memory_current(cg);
	igt_info("after a kernel read: +%" PRIu64 " KiB\n", (now - base) >> 10);
	igt_assert_f(now + slack >= base + size &&
		     now <= base + size + 2 * slack,
		     "fully populated: +%" PRIu64 " KiB\n", (now - base) >> 10);
	igt_assert_eq_u64(fdinfo_memory(fd, "resident"), size);
	igt_assert(all_zero((const void *)p, size));

	munmap((void *)p, size);
	gem_close(fd, h);
	now = memory_current(cg);
	igt_assert_f(now <= base + slack, "freed: still +%" PRIu64 " KiB\n",
		     (now - base) >> 10);
	cgroup_leave(0);

	close(fd);
	remove_device("igt-lazy");
	vshare_assert_totals(vs0, NULL, start, 1000);
}

static void test_profile_contiguous(int vs0, const struct vshare_totals *start)
{
	const char *const contiguous[] = { "alloc=contiguous", NULL };
	const uint64_t size = 4 * MiB;
	struct vshare_bo_state st;
	uint32_t h, imported, *p;
	char pdev[32];
	int fd, dmabuf;

	begin();
	fd = new_device("igt-contig", contiguous, pdev);

	/* The largest block the page allocator hands out: 4 MiB. */
	h = vshare_create(fd, size);
	igt_assert_eq_u32(vshare_crc32(fd, h, 0, size), fill_crc(size, 0));
	p = vshare_mmap(fd, h, size, PROT_READ | PROT_WRITE);
	fill_pattern(p, size, 101);
	igt_assert(vshare_bo_state(fd, size, &st));
	igt_assert_f(!strcmp(st.origin, "contig"), "origin %s\n", st.origin);
	/* One run, as an importer without segment limit gets it. */
	dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(vs0, dmabuf);
	igt_assert_eq_u32(vshare_crc32(vs0, imported, 0, size),
			  crc32_ieee(p, size));
	igt_assert(vshare_bo_state(vs0, size, &st));
	igt_assert_f(!strcmp(st.origin, "imported"), "origin %s\n", st.origin);
	igt_assert_eq(st.runs, 1);
	gem_close(vs0, imported);
	close(dmabuf);
	munmap(p, size);
	gem_close(fd, h);

	/* Anything larger is not one block. */
	igt_assert_eq(try_create(fd, 8 * MiB, 0, NULL, NULL), -ENOMEM);
	igt_assert_eq(try_create(fd, size + PAGE, 0, NULL, NULL), -ENOMEM);
	/* A smaller one gives the block's tail back. */
	igt_assert_eq(try_create(fd, MiB + PAGE, 0, NULL, NULL), 0);

	close(fd);
	remove_device("igt-contig");
	vshare_assert_totals(vs0, NULL, start, 1000);
}

/* Whether /proc/iomem (read as root) has system RAM above 4 GiB. */
static bool ram_above_4g(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long start, end;
	char line[256];
	bool above = false;

	igt_assert(f);
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, ": System RAM") &&
		    sscanf(line, "%llx-%llx", &start, &end) == 2 &&
		    end >= 1ull << 32)
			above = true;
	fclose(f);
	return above;
}

static void test_profile_dma32(int vs0, const struct vshare_totals *start)
{
	const char *const dma32[] = { "dma_mask_bits=32", NULL };
	const uint64_t size = 64 * MiB;
	uint32_t h, *p;
	char pdev[32];
	int fd, err;

	igt_require_f(ram_above_4g(), "no system RAM above 4 GiB\n");
	begin();
	fd = new_device("igt-dma32-big", dma32, pdev);

	err = try_create(fd, size, 0, NULL, &h);
	igt_assert_f(!err, "64 MiB on a 32-bit device: %s\n", strerror(-err));
	igt_assert_eq_u32(vshare_crc32(fd, h, 0, size), fill_crc(size, 0));
	p = vshare_mmap(fd, h, size, PROT_READ | PROT_WRITE);
	fill_pattern(p, size, 32);
	igt_assert_eq_u32(vshare_crc32(fd, h, 0, size), crc32_ieee(p, size));
	munmap(p, size);
	gem_close(fd, h);

	close(fd);
	remove_device("igt-dma32-big");
	vshare_assert_totals(vs0, NULL, start, 1000);
}

static void test_profile_mem_limit(int vs0, const struct vshare_totals *start)
{
	const char *const limit[] = { "mem_limit=8388608", NULL };
	uint32_t a, b, c;
	char pdev[32];
	int fd;

	begin();
	fd = new_device("igt-limit", limit, pdev);

	igt_assert_eq(try_create(fd, 8 * MiB + PAGE, 0, NULL, NULL), -ENOMEM);
	a = vshare_create(fd, 8 * MiB);
	igt_assert_eq(try_create(fd, PAGE, 0, NULL, NULL), -ENOMEM);
	/* The limit is the device's own. */
	igt_assert_eq(try_create(vs0, MiB, 0, NULL, NULL), 0);
	gem_close(fd, a);

	/* Freed memory is room again, to the page. */
	a = vshare_create(fd, 4 * MiB);
	b = vshare_create(fd, 4 * MiB - PAGE);
	c = vshare_create(fd, PAGE);
	igt_assert_eq(try_create(fd, PAGE, 0, NULL, NULL), -ENOMEM);
	gem_close(fd, c);
	igt_assert_eq(try_create(fd, PAGE, 0, NULL, NULL), 0);
	gem_close(fd, a);
	gem_close(fd, b);
	igt_assert_eq(try_create(fd, 8 * MiB, 0, NULL, NULL), 0);

	close(fd);
	remove_device("igt-limit");
	vshare_assert_totals(vs0, NULL, start, 1000);
}

static void test_two_profiles_share(int vs0, const struct vshare_totals *start)
{
	const char *const dma32[] = {
		"dma_mask_bits=32", "max_segment_size=65536", NULL
	};
	const char *const lazy[] = { "alloc=lazy", NULL };
	const uint64_t size = 4 * MiB + 3 * PAGE, small = 2 * MiB + PAGE;
	struct vshare_bo_state st;
	uint32_t ha, hb, imported, crc, *p;
	char pdev[32];
	int fa, fb, dmabuf;

	begin();
	fa = new_device("igt-dma32", dma32, pdev);
	fb = new_device("igt-lazy2", lazy, pdev);

	/* From the 32-bit device to the lazy one, and written back. */
	ha = vshare_create(fa, size);
	p = vshare_mmap(fa, ha, size, PROT_READ | PROT_WRITE);
	fill_pattern(p, size, 111);
	crc = crc32_ieee(p, size);
	igt_assert_eq_u32(vshare_crc32(fa, ha, 0, size), crc);
	dmabuf = prime_handle_to_fd(fa, ha, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(fb, dmabuf);
	igt_assert_eq_u32(vshare_crc32(fb, imported, 0, size), crc);
	vshare_fill(fb, imported, 0, PAGE, 0xb0b0b0b0);
	igt_assert_eq_u32(vshare_crc32(fa, ha, 0, PAGE),
			  fill_crc(PAGE, 0xb0b0b0b0));
	igt_assert_eq_u32(p[0], 0xb0b0b0b0);
	gem_close(fb, imported);
	close(dmabuf);
	munmap(p, size);
	gem_close(fa, ha);

	/* From the lazy device to the 32-bit one, and written back. */
	hb = vshare_create(fb, size);
	vshare_fill(fb, hb, 0, size, 0x32b17e00);
	dmabuf = prime_handle_to_fd(fb, hb, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(fa, dmabuf);
	igt_assert_eq_u32(vshare_crc32(fa, imported, 0, size),
			  fill_crc(size, 0x32b17e00));
	vshare_fill(fa, imported, size - PAGE, PAGE, 0xa0a0a0a0);
	igt_assert_eq_u32(vshare_crc32(fb, hb, size - PAGE, PAGE),
			  fill_crc(PAGE, 0xa0a0a0a0));
	/* The exporter cut its table at the importer's 64 KiB segments. */
	igt_assert(vshare_bo_state(fa, size, &st));
	igt_info("the 32-bit device's import: %lu segments\n", st.runs);
	igt_assert_lte((size + 65535) / 65536, st.runs);
	gem_close(fa, imported);
	close(dmabuf);
	gem_close(fb, hb);

	/* An untouched lazy buffer gets every page when it is imported. */
	hb = vshare_create(fb, small);
	igt_assert_eq_u64(fdinfo_memory(fb, "resident"), 0);
	dmabuf = prime_handle_to_fd(fb, hb, DRM_CLOEXEC | DRM_RDWR);
	imported = prime_fd_to_handle(fa, dmabuf);
	igt_assert_eq_u64(fdinfo_memory(fb, "resident"), small);
	igt_assert_eq_u32(vshare_crc32(fa, imported, 0, small),
			  fill_crc(small, 0));
	gem_close(fa, imported);
	close(dmabuf);
	gem_close(fb, hb);

	close(fa);
	close(fb);
	remove_device("igt-dma32");
	remove_device("igt-lazy2");
	vshare_assert_totals(vs0, NULL, start, 1000);
}

static uint64_t dmem_current(const char *cg, const char *region)
{
	return cgroup_read(cg, "dmem.current", region);
}

static void test_dmem(int vs0, const struct vshare_totals *start)
{
	const char *name = "igt-dmem";
	const char *const settings[] = { "dmem_region_size=67108864", NULL };
	const uint64_t region_size = 64 * MiB;
	char pdev[32], region[64], max[96];
	uint64_t capacity = 0, charged;
	uint32_t h1, h2, h3, dumb;
	const char *cg;
	bool have;
	int fd, card, ret;

	begin();
	make_device(name, settings);
	have = cgroup_has_controller("dmem");
	if (!have) {
		/* Without the controller vshare builds no such device. */
		ret = vshare_cfs_enable(name, true);
		remove_device(name);
		igt_assert_f(ret == -EOPNOTSUPP, "enabling a device with a "
			     "dmem region: %s, expected %s\n",
			     ret ? strerror(-ret) : "enabled",
			     strerror(EOPNOTSUPP));
	}
	igt_require_f(have, "dmem cgroup controller is Linux 6.14+ (not in "
		      CGROUP_ROOT "/cgroup.controllers)\n");
	ret = vshare_cfs_enable(name, true);
	if (ret == -EOPNOTSUPP)
		remove_device(name);
	igt_require_f(ret != -EOPNOTSUPP,
		      "vshare makes no dmem region on this kernel\n");
	igt_assert_f(ret == 0, "enabling %s: %s\n", name, strerror(-ret));
	read_attr(name, "device", pdev, sizeof(pdev));
	fd = vshare_open_pdev(pdev, NODE_RENDER);
	card = vshare_open_pdev(pdev, NODE_PRIMARY);
	igt_assert(fd >= 0 && card >= 0);

	snprintf(region, sizeof(region), "drm/%s/buffers", pdev);
	igt_assert_f(__cgroup_read(CGROUP_ROOT, "dmem.capacity", region,
				   &capacity), "no %s in dmem.capacity\n",
		     region);
	igt_assert_eq_u64(capacity, region_size);

	cg = cgroup_enter_new("dmem");
	igt_assert_eq_u64(dmem_current(cg, region), 0);
	/* Charged at creation, the full size, to the byte. */
	h1 = vshare_create(fd, MiB);
	igt_assert_eq_u64(dmem_current(cg, region), MiB);
	h2 = vshare_create(fd, 3 * MiB + PAGE);
	igt_assert_eq_u64(dmem_current(cg, region), 4 * MiB + PAGE);
	dumb = dumb_create(card, 64, 64, 32, NULL, NULL);
	charged = 4 * MiB + PAGE + 64 * 64 * 4;
	igt_assert_eq_u64(dmem_current(cg, region), charged);
	/* Buffers of other devices are not this region's. */
	igt_assert_eq(try_create(vs0, MiB, 0, NULL, NULL), 0);
	igt_assert_eq_u64(dmem_current(cg, region), charged);

	/* Past dmem.max: ENOMEM, nothing charged; up to it: fine. */
	snprintf(max, sizeof(max), "%s %" PRIu64 "\n", region,
		 (uint64_t)(8 * MiB));
	cgroup_write(cg, "dmem.max", max);
	igt_assert_eq(try_create(fd, 4 * MiB, 0, NULL, NULL), -ENOMEM);
	igt_assert_eq_u64(dmem_current(cg, region), charged);
	h3 = vshare_create(fd, 8 * MiB - charged);
	igt_assert_eq_u64(dmem_current(cg, region), 8 * MiB);
	igt_assert_eq(try_create(fd, PAGE, 0, NULL, NULL), -ENOMEM);

	/* Freeing uncharges. */
	gem_close(fd, h3);
	igt_assert_eq_u64(dmem_current(cg, region), charged);
	gem_close(card, dumb);
	gem_close(fd, h2);
	gem_close(fd, h1);
	igt_assert_eq_u64(dmem_current(cg, region), 0);
	cgroup_leave(0);

	close(card);
	close(fd);
	remove_device(name);
	vshare_assert_totals(vs0, NULL, start, 1000);
}

int igt_main()
{
	struct vshare_totals start;
	int vs0 = -1;

	igt_fixture() {
		igt_require_f(access(VSHARE_CONFIGFS_DIR, F_OK) == 0,
			      "no %s: configfs not mounted, or vshare without "
			      "configfs\n", VSHARE_CONFIGFS_DIR);
		vs0 = open_default();
		vshare_totals(vs0, NULL, &start);
		igt_install_exit_handler(remove_all);
	}

	igt_describe("Every attribute's default, valid values and errnos.");
	igt_subtest("attributes")
		test_attributes();

	igt_describe("A device enabled, busy, disabled and enabled again.");
	igt_subtest("enable-disable")
		test_enable_disable(vs0, &start);

	igt_describe("Disabled while its files, mappings and exports live.");
	igt_subtest("disable-with-users")
		test_disable_with_users(vs0, &start);

	igt_describe("pitch_align, size_align and max_buffer_size.");
	igt_subtest("profile-pitch-size")
		test_profile_pitch_size(vs0, &start);

	igt_describe("caching=cached refuses WC; caching=wc is WC throughout.");
	igt_subtest("profile-caching")
		test_profile_caching(vs0, &start);

	igt_describe("pinning=never and static-only, against their importers.");
	igt_subtest("profile-pinning")
		test_profile_pinning(vs0, &start);

	igt_describe("alloc=lazy: 2 MiB charged per chunk touched.");
	igt_subtest("profile-lazy")
		test_profile_lazy(vs0, &start);

	igt_describe("alloc=contiguous: one run, 4 MiB at most.");
	igt_subtest("profile-contiguous")
		test_profile_contiguous(vs0, &start);

	igt_describe("dma_mask_bits=32: buffers beyond ZONE_DMA's 16 MiB.");
	igt_subtest("profile-dma32")
		test_profile_dma32(vs0, &start);

	igt_describe("mem_limit: the device's own budget.");
	igt_subtest("profile-mem-limit")
		test_profile_mem_limit(vs0, &start);

	igt_describe("A 32-bit device and a lazy one share both ways.");
	igt_subtest("two-profiles-share")
		test_two_profiles_share(vs0, &start);

	igt_describe("dmem_region_size: charges in the dmem cgroup.");
	igt_subtest("dmem")
		test_dmem(vs0, &start);

	igt_fixture() {
		remove_all(0);
		drm_close(vs0);
	}
}
