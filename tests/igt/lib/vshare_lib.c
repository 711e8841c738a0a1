// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <stdlib.h>
#include <poll.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

int __vshare_access(int fd, uint32_t handle, uint32_t op, uint64_t offset,
		    uint64_t size, uint32_t value, uint64_t *result)
{
	struct drm_vshare_access arg = {
		.handle = handle, .op = op, .offset = offset, .size = size,
		.value = value,
	};

	if (igt_ioctl(fd, DRM_IOCTL_VSHARE_ACCESS, &arg))
		return -errno;
	if (result)
		*result = arg.result;
	return 0;
}

void vshare_fill(int fd, uint32_t handle, uint64_t offset, uint64_t size,
		 uint32_t value)
{
	igt_assert_eq(__vshare_access(fd, handle, VSHARE_ACCESS_FILL, offset,
				      size, value, NULL), 0);
}

uint32_t vshare_crc32(int fd, uint32_t handle, uint64_t offset, uint64_t size)
{
	uint64_t result = 0;

	igt_assert_eq(__vshare_access(fd, handle, VSHARE_ACCESS_CRC32, offset,
				      size, 0, &result), 0);
	igt_assert(result <= UINT32_MAX);
	return result;
}

static FILE *open_buffers(int fd)
{
	char dir[128], path[160];
	FILE *f;

	igt_assert_eq(drm_debugfs_dir(fd, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/vshare_buffers", dir);
	f = fopen(path, "r");
	igt_assert_f(f, "cannot open %s\n", path);
	return f;
}

static bool parse_line(const char *line, struct vshare_bo_state *st)
{
	return sscanf(line, "%u %" SCNu64 " %lu %15s %15s %d %d %d %lld %lld %lld %d",
		      &st->id, &st->size, &st->runs, st->caching, st->origin,
		      &st->attach, &st->maps, &st->vmaps, &st->faults,
		      &st->pmd, &st->syncs, &st->moves) == 12;
}

/* The state of the newest buffer of that size on the fd's device. */
bool vshare_bo_state(int fd, uint64_t size, struct vshare_bo_state *st)
{
	struct vshare_bo_state cur;
	char line[512];
	bool found = false;
	FILE *f = open_buffers(fd);

	while (fgets(line, sizeof(line), f))
		if (parse_line(line, &cur) && cur.size == size) {
			*st = cur;
			found = true;
		}
	fclose(f);
	return found;
}

int vshare_bo_count(int fd, uint64_t size)
{
	struct vshare_bo_state cur;
	char line[512];
	int count = 0;
	FILE *f = open_buffers(fd);

	while (fgets(line, sizeof(line), f))
		if (parse_line(line, &cur) && (!size || cur.size == size))
			count++;
	fclose(f);
	return count;
}

/* Bytes of all vshare devices, from the debugfs totals line. */
uint64_t vshare_mem_used(int fd)
{
	unsigned long long used = ~0ull, limit;
	unsigned long count, bytes;
	char line[512];
	FILE *f = open_buffers(fd);

	while (fgets(line, sizeof(line), f))
		sscanf(line, "buffers: %lu, bytes: %lu, all devices: %llu of %llu",
		       &count, &bytes, &used, &limit);
	fclose(f);
	igt_assert(used != ~0ull);
	return used;
}

/**
 * vshare_totals() - vshare's memory in use, read through @fd, and the
 * buffers of the devices of @bo_fds (none if NULL, 0 for a negative fd)
 */
void vshare_totals(int fd, const int bo_fds[2], struct vshare_totals *t)
{
	int i;

	for (i = 0; i < 2; i++)
		t->bos[i] = bo_fds && bo_fds[i] >= 0 ?
			    vshare_bo_count(bo_fds[i], 0) : 0;
	t->mem = vshare_mem_used(fd);
}

static bool same_totals(const struct vshare_totals *a,
			const struct vshare_totals *b)
{
	return a->bos[0] == b->bos[0] && a->bos[1] == b->bos[1] &&
	       a->mem == b->mem;
}

/**
 * vshare_assert_totals() - the totals are back at @start
 * @timeout_ms: how long to wait for them: some references go
 *	asynchronously (an engine job drops its buffers just after it
 *	signals its fence); 0 checks once
 */
void vshare_assert_totals(int fd, const int bo_fds[2],
			  const struct vshare_totals *start, int timeout_ms)
{
	struct vshare_totals now;

	igt_wait((vshare_totals(fd, bo_fds, &now), same_totals(&now, start)),
		 timeout_ms, 10);
	igt_assert_f(same_totals(&now, start),
		     "not back to the start: device 0 %d -> %d buffers, "
		     "device 1 %d -> %d buffers, memory %" PRIu64 " -> %" PRIu64
		     " bytes\n", start->bos[0], now.bos[0], start->bos[1],
		     now.bos[1], start->mem, now.mem);
}

/* A vshare module parameter, /sys/module/vshare/parameters/NAME. */
static FILE *open_param(const char *name, const char *mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/vshare/parameters/%s", name);
	f = fopen(path, mode);
	igt_assert_f(f, "cannot open %s\n", path);
	return f;
}

unsigned int vshare_param(const char *name)
{
	FILE *f = open_param(name, "r");
	unsigned int value = 0;

	igt_assert_eq(fscanf(f, "%u", &value), 1);
	fclose(f);
	return value;
}

/*
 * Parameters a test changed get their first value back when it exits,
 * however it exits: one failed subtest must not change the ones after it.
 */
static struct {
	char name[32];
	unsigned int value;
} saved_params[8];
static unsigned int num_saved_params;

static void restore_params(int sig)
{
	char path[128];
	unsigned int i;
	FILE *f;

	for (i = 0; i < num_saved_params; i++) {
		snprintf(path, sizeof(path), "/sys/module/vshare/parameters/%s",
			 saved_params[i].name);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%u\n", saved_params[i].value);
			fclose(f);
		}
	}
}

static void save_param(const char *name)
{
	unsigned int i;

	for (i = 0; i < num_saved_params; i++)
		if (!strcmp(saved_params[i].name, name))
			return;
	igt_assert(num_saved_params < sizeof(saved_params) / sizeof(saved_params[0]));
	if (!num_saved_params)
		igt_install_exit_handler(restore_params);
	snprintf(saved_params[i].name, sizeof(saved_params[i].name), "%s", name);
	saved_params[i].value = vshare_param(name);
	num_saved_params++;
}

void vshare_set_param(const char *name, unsigned int value)
{
	FILE *f;

	save_param(name);
	f = open_param(name, "w");
	igt_assert(fprintf(f, "%u\n", value) > 0);
	igt_assert_eq(fclose(f), 0);
}

/* Thread-safe: no assertion; @id may be NULL. */
int __vshare_fence_attach(int fd, uint32_t handle, uint32_t flags,
			  uint32_t timeout_ms, uint32_t *id)
{
	struct drm_vshare_fence_attach arg = {
		.handle = handle, .flags = flags, .timeout_ms = timeout_ms,
	};

	if (igt_ioctl(fd, DRM_IOCTL_VSHARE_FENCE_ATTACH, &arg))
		return -errno;
	if (id)
		*id = arg.out_fence;
	return 0;
}

/* Thread-safe: no assertion. */
int __vshare_fence_signal(int fd, uint32_t id, uint32_t flags)
{
	struct drm_vshare_fence_signal arg = { .fence = id, .flags = flags };

	return igt_ioctl(fd, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &arg) ? -errno : 0;
}

/* Thread-safe: no assertion. */
int __vshare_submit(int fd, struct drm_vshare_submit *submit)
{
	return igt_ioctl(fd, DRM_IOCTL_VSHARE_SUBMIT, submit) ? -errno : 0;
}

/* Submits a job that must be accepted: its fence, as a sync_file. */
int vshare_submit_job(int fd, struct drm_vshare_submit s)
{
	s.flags |= VSHARE_SUBMIT_OUT_SYNC_FILE;
	s.out_fence_fd = -1;
	igt_assert_eq(__vshare_submit(fd, &s), 0);
	igt_assert_lte(0, s.out_fence_fd);
	return s.out_fence_fd;
}

/* A job's sync_file signals within 30 s, without error; then closed. */
void sync_file_wait_ok(int sync_fd)
{
	igt_assert_f(ready_within(sync_fd, POLLIN, 30000),
		     "job not done after 30 s\n");
	igt_assert_eq(sync_file_status(sync_fd), 1);
	close(sync_fd);
}

/* A sync_file's status: 0 pending, 1 signaled, < 0 the fence's error. */
int sync_file_status(int sync_fd)
{
	struct sync_file_info info = { 0 };

	do_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info);
	return info.status;
}

/* The dma-buf's fences for @flags' access, as a sync_file. Thread-safe. */
int __dmabuf_export_sync_file(int dmabuf, uint32_t flags, int *sync_fd)
{
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };

	if (igt_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg))
		return -errno;
	*sync_fd = arg.fd;
	return 0;
}

int dmabuf_export_sync_file(int dmabuf, uint32_t flags)
{
	int sync_fd = -1;

	igt_assert_eq(__dmabuf_export_sync_file(dmabuf, flags, &sync_fd), 0);
	igt_assert(sync_fd >= 0);
	return sync_fd;
}

/* Adds the sync_file's fence to the dma-buf, for @flags' access. */
void dmabuf_import_sync_file(int dmabuf, int sync_fd, uint32_t flags)
{
	struct dma_buf_import_sync_file arg = { .flags = flags, .fd = sync_fd };

	do_ioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg);
}

/* sw_sync's debugfs ABI (drivers/dma-buf/sync_debug.h). */
struct sw_sync_create_fence {
	uint32_t value;
	char name[32];
	int32_t fence;
};
#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence)
#define SW_SYNC_IOC_INC _IOW('W', 1, uint32_t)

/* A new sw_sync timeline; skips the subtest without sw_sync. */
int sw_sync_timeline(void)
{
	int timeline = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);

	igt_require_f(timeline >= 0, "no sw_sync in debugfs\n");
	return timeline;
}

/* A sync_file of a fence that signals at the timeline's next step. */
int sw_sync_fence(int timeline)
{
	struct sw_sync_create_fence create = { .value = 1 };

	strcpy(create.name, "vshare-test");
	do_ioctl(timeline, SW_SYNC_IOC_CREATE_FENCE, &create);
	igt_assert(create.fence >= 0);
	return create.fence;
}

void sw_sync_inc(int timeline)
{
	uint32_t one = 1;

	do_ioctl(timeline, SW_SYNC_IOC_INC, &one);
}

/*
 * Reads @fd to its end (a tracefs file, a BPF iterator) and closes it;
 * the text, NUL-terminated, is the caller's to free().
 */
char *vshare_read_all(int fd)
{
	size_t len = 0, cap = 1 << 16;
	char *text = malloc(cap);
	ssize_t n;

	igt_assert(fd >= 0 && text);
	while ((n = read(fd, text + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			text = realloc(text, cap);
			igt_assert(text);
		}
	}
	igt_assert_lte(0, n);
	text[len] = '\0';
	close(fd);
	return text;
}

/* Writes @value to a sysfs, debugfs, tracefs or proc file, or fails. */
void vshare_write_file(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	igt_assert_f(f, "%s: %m\n", path);
	igt_assert(fputs(value, f) >= 0);
	igt_assert_f(fclose(f) == 0, "%s: %m\n", path);
}

/*
 * Fault injection (the driver's vshare_fault.c): fault_attrs in
 * /sys/kernel/debug/vshare/fail_<point>/. Armed points fail only in tasks
 * marked make-it-fail, so other programs never see the failures.
 */
#define FAULT_DIR	"/sys/kernel/debug/vshare"

static void write_attr(const char *point, const char *attr, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), FAULT_DIR "/fail_%s/%s", point, attr);
	vshare_write_file(path, value);
}

void vshare_require_faults(void)
{
	igt_require_f(access(FAULT_DIR "/fail_alloc/probability", W_OK) == 0,
		      "no vshare fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS)\n");
}

void vshare_fault_arm(const char *point, unsigned int percent)
{
	char value[16];

	snprintf(value, sizeof(value), "%u\n", percent);
	write_attr(point, "verbose", "0\n");
	write_attr(point, "interval", "1\n");
	write_attr(point, "times", "-1\n");
	write_attr(point, "space", "0\n");
	write_attr(point, "task-filter", "Y\n");
	write_attr(point, "probability", value);
	vshare_write_file("/proc/thread-self/make-it-fail", "1\n");
}

void vshare_fault_disarm(const char *point)
{
	write_attr(point, "probability", "0\n");
	write_attr(point, "times", "0\n");
}

const char *const vshare_fault_points[] = {
	"alloc", "export", "attach", "map", "vmap", "mmap", "cpu_access", NULL
};

void vshare_fault_disarm_all(void)
{
	const char *const *p;

	for (p = vshare_fault_points; *p; p++)
		vshare_fault_disarm(*p);
}

void vshare_fail_nth(unsigned int n)
{
	char value[16];

	snprintf(value, sizeof(value), "%u\n", n);
	vshare_write_file("/proc/thread-self/fail-nth", value);
}

unsigned int vshare_fail_nth_left(void)
{
	FILE *f = fopen("/proc/thread-self/fail-nth", "r");
	unsigned int n = 0;

	igt_assert(f);
	igt_assert_eq(fscanf(f, "%u", &n), 1);
	fclose(f);
	return n;
}

/*
 * Opens the DRM node of the given kind that belongs to platform device
 * @pdev ("vshare.0"): its /sys/class/drm entry's device link points to it.
 * Unlike the order of minors, this survives an unbind and rebind, which
 * gives the device new minors. Returns -1 when there is none (unbound).
 */
int vshare_open_pdev(const char *pdev, enum drm_node node)
{
	const char *prefix = node == NODE_RENDER ? "renderD" : "card";
	char link[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	int fd = -1;
	DIR *dir;

	dir = opendir("/sys/class/drm");
	if (!dir)
		return -1;
	while (fd < 0 && (de = readdir(dir))) {
		const char *num = de->d_name + strlen(prefix);
		char *name;
		ssize_t n;

		/* Not the connectors: card0-Virtual-1. */
		if (strncmp(de->d_name, prefix, strlen(prefix)) || !*num ||
		    strspn(num, "0123456789") != strlen(num))
			continue;
		snprintf(link, sizeof(link), "/sys/class/drm/%s/device",
			 de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(basename(target), pdev))
			continue;
		snprintf(link, sizeof(link), "/dev/dri/%s", de->d_name);
		fd = open(link, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		name = drm_driver_name(fd);
		if (!name || strcmp(name, "vshare")) {
			close(fd);
			fd = -1;
		}
		free(name);
	}
	closedir(dir);
	return fd;
}

/* Whether platform device @pdev ("vshare.2") exists, bound or not. */
bool vshare_pdev_exists(const char *pdev)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s", pdev);
	return access(path, F_OK) == 0;
}

/*
 * Binds or unbinds a vshare platform device ("vshare.N"): 0 or -errno. No
 * assertions: exit handlers use it.
 */
static int pdev_driver_write(const char *file, const char *pdev)
{
	char path[128];
	ssize_t len = strlen(pdev);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/vshare/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, pdev, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

int vshare_pdev_bind(const char *pdev)
{
	return pdev_driver_write("bind", pdev);
}

int vshare_pdev_unbind(const char *pdev)
{
	return pdev_driver_write("unbind", pdev);
}

/* The CRC-32 of @size bytes filled with the 32-bit word @value. */
uint32_t fill_crc(uint64_t size, uint32_t value)
{
	uint32_t *buf = malloc(size), crc;
	uint64_t i;

	igt_assert(buf);
	for (i = 0; i < size / 4; i++)
		buf[i] = value;
	crc = crc32_ieee(buf, size);
	free(buf);
	return crc;
}

/* The poll(2) events of @fd that are ready right now. */
short poll_now(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	igt_assert(poll(&p, 1, 0) >= 0);
	return p.revents & events;
}

/* Whether all of @events are ready within @ms milliseconds. */
bool ready_within(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) == 1 && (p.revents & events) == events;
}

/* Writes @id to the device's debugfs @knob (vshare_move, vshare_revoke). */
int vshare_bo_knob(int fd, const char *knob, unsigned int id)
{
	char dir[128], path[192], val[16];
	int kfd, len, ret = 0;

	igt_assert_eq(drm_debugfs_dir(fd, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	kfd = open(path, O_WRONLY);
	igt_require_f(kfd >= 0, "no %s in vshare's debugfs\n", knob);
	len = snprintf(val, sizeof(val), "%u\n", id);
	if (write(kfd, val, len) != len)
		ret = -errno;
	close(kfd);
	return ret;
}

/*
 * Mesa's loaders probe drivers that cannot work here (zink, the Vulkan
 * ICDs of real GPUs) and say so on stderr, which igt_runner takes for a
 * warning: stderr_mute() sends stderr to /dev/null around such a probe,
 * stderr_restore() gives it back (the descriptor stderr_mute() returned).
 */
int stderr_mute(void)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	igt_assert(saved >= 0 && null >= 0);
	fflush(stderr);
	dup2(null, 2);
	close(null);
	return saved;
}

void stderr_restore(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}
