// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_bench: measures, in one boot, what an exporter costs its users,
 * for vshare, vgem, udmabuf, the dma-buf system heap and (where it applies)
 * plain anonymous memory. Prints CSV lines:
 *
 *   metric,exporter,size_bytes,value,unit
 *
 * Every figure is the median of several repetitions. Metrics:
 *   create_export   create a buffer and export it as a dma-buf fd (us)
 *   roundtrip       export, import into vshare device 1, close all (us)
 *   alloc           create a 256 MiB buffer (us); like create_export,
 *                   which every exporter's creation includes
 *   write_bw        first-touch write through a 2 MiB-aligned mmap (MiB/s)
 *   read_bw         read through the same mapping afterwards (MiB/s)
 *   sg_per_mib      sg entries per MiB the exporter gives an importer
 *   vmap            kernel vmap + CPU access of 64 MiB by an importer (us)
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "drm_open.h"
#include "timing.h"
#include "vshare_drm.h"

#define MiB (1024ul * 1024)

static void die(const char *what)
{
	fprintf(stderr, "vshare_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* An exporter: makes a dma-buf of a size, and frees what it made. */
struct exporter {
	const char *name;
	int (*create)(struct exporter *e, size_t size);	/* returns a dma-buf fd */
	void (*destroy)(struct exporter *e);
	int fd;			/* device fd */
	uint32_t handle;	/* GEM handle, if any */
	int memfd;		/* udmabuf's memfd */
	int advice;		/* anonymous memory: madvise() advice */
};

static int prime_export(int fd, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle,
				      .flags = DRM_CLOEXEC | DRM_RDWR };

	if (xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		die("PRIME_HANDLE_TO_FD");
	return p.fd;
}

static void gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static int vshare_create(struct exporter *e, size_t size)
{
	struct drm_vshare_create c = { .size = size };

	if (xioctl(e->fd, DRM_IOCTL_VSHARE_CREATE, &c))
		die("VSHARE_CREATE");
	e->handle = c.handle;
	return prime_export(e->fd, c.handle);
}

static int vgem_create(struct exporter *e, size_t size)
{
	struct drm_mode_create_dumb d = { .width = 1024, .bpp = 32,
					  .height = size / 4096 };

	if (xioctl(e->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d))
		die("vgem CREATE_DUMB");
	e->handle = d.handle;
	return prime_export(e->fd, d.handle);
}

static void gem_destroy(struct exporter *e)
{
	gem_close(e->fd, e->handle);
}

static int udmabuf_create(struct exporter *e, size_t size)
{
	struct udmabuf_create c = { .size = size, .flags = UDMABUF_FLAGS_CLOEXEC };
	int dmabuf;

	e->memfd = memfd_create("bench", MFD_ALLOW_SEALING);
	if (e->memfd < 0 || ftruncate(e->memfd, size) ||
	    fcntl(e->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("memfd");
	c.memfd = e->memfd;
	dmabuf = xioctl(e->fd, UDMABUF_CREATE, &c);
	if (dmabuf < 0)
		die("UDMABUF_CREATE");
	return dmabuf;
}

static void udmabuf_destroy(struct exporter *e)
{
	close(e->memfd);
}

static int heap_create(struct exporter *e, size_t size)
{
	struct dma_heap_allocation_data a = { .len = size,
					      .fd_flags = O_RDWR | O_CLOEXEC };

	if (xioctl(e->fd, DMA_HEAP_IOCTL_ALLOC, &a))
		die("DMA_HEAP_IOCTL_ALLOC");
	return a.fd;
}

static void nothing(struct exporter *e __attribute__((unused)))
{
}

static struct exporter exporters[] = {
	{ .name = "vshare", .create = vshare_create, .destroy = gem_destroy },
	{ .name = "vgem", .create = vgem_create, .destroy = gem_destroy },
	{ .name = "udmabuf", .create = udmabuf_create, .destroy = udmabuf_destroy },
	{ .name = "heap", .create = heap_create, .destroy = nothing },
	/* The limit for CPU mappings: plain memory, not an exporter. */
	{ .name = "anon-thp", .advice = MADV_HUGEPAGE },
	{ .name = "anon-4k", .advice = MADV_NOHUGEPAGE },
};

#define NUM_EXPORTERS 4		/* the first ones make dma-bufs */
#define NUM_ALL (sizeof(exporters) / sizeof(exporters[0]))
#define MAX_REPS 256

static int importer = -1;	/* vshare render node #1 */

static void report(const char *metric, const char *who, size_t size,
		   double value, const char *unit)
{
	printf("%s,%s,%zu,%.3f,%s\n", metric, who, size, value, unit);
	fflush(stdout);
}

/*
 * One measurement of one exporter at one size, giving up to two values
 * (mmap gives write and read bandwidth).
 */
typedef void (*measure_fn)(struct exporter *e, size_t size, double *out);

/* Create (and export, the dma-buf being what every exporter hands out). */
static void measure_create(struct exporter *e, size_t size, double *out)
{
	double t0 = now_us();
	int dmabuf = e->create(e, size);

	out[0] = now_us() - t0;
	close(dmabuf);
	e->destroy(e);
}

static void measure_roundtrip(struct exporter *e, size_t size, double *out)
{
	struct drm_prime_handle p = { 0 };
	int dmabuf = e->create(e, size);
	double t0 = now_us();

	p.fd = dmabuf;
	if (xioctl(importer, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		die("import");
	gem_close(importer, p.handle);
	close(dmabuf);
	e->destroy(e);
	out[0] = now_us() - t0;
}

/* A mapping at a 2 MiB-aligned address, as any application can make. */
static char *map_aligned(int fd, size_t size)
{
	char *area = mmap(NULL, size + 2 * MiB, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (area == MAP_FAILED)
		die("mmap reserve");
	p = (char *)(((uintptr_t)area + 2 * MiB - 1) & ~(2 * MiB - 1));
	if (fd >= 0)
		p = mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
	else
		p = mmap(p, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* First-touch write of every byte, then a read pass, in MiB/s. */
static void measure_mmap(struct exporter *e, size_t size, double *out)
{
	int dmabuf = e->create ? e->create(e, size) : -1;
	char *p = map_aligned(dmabuf, size);
	volatile uint64_t sink = 0;
	uint64_t sum = 0, *q = (uint64_t *)p;
	double t0;
	size_t i;

	if (!e->create)
		madvise(p, size, e->advice);
	t0 = now_us();
	memset(p, 0xa5, size);
	out[0] = size / (double)MiB / ((now_us() - t0) / 1e6);
	t0 = now_us();
	for (i = 0; i < size / 8; i++)
		sum += q[i];
	sink = sum;
	(void)sink;
	out[1] = size / (double)MiB / ((now_us() - t0) / 1e6);
	munmap(p, size);
	if (e->create) {
		close(dmabuf);
		e->destroy(e);
	}
}

/* The importer's debugfs line for the newest buffer of that size. */
static long imported_entries(size_t size)
{
	char link[128], target[256], want[64], path[128], line[512];
	unsigned long runs = 0, id;
	unsigned long long sz;
	struct stat st;
	long found = -1;
	ssize_t n;
	int i;

	fstat(importer, &st);
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = 0;
	snprintf(want, sizeof(want), "dev=%s ", basename(target));
	for (i = 0; i < 64 && found < 0; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f) || !strstr(line, want)) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/vshare_buffers", i);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%lu %llu %lu", &id, &sz, &runs) == 3 &&
			    sz == size)
				found = runs;
		if (f)
			fclose(f);
	}
	return found;
}

/* An importer's kernel access to the whole buffer; sg entries once. */
static void measure_vmap(struct exporter *e, size_t size, double *out)
{
	struct drm_vshare_access a = { .op = VSHARE_ACCESS_CRC32, .size = 4 };
	struct drm_prime_handle p = { 0 };
	int dmabuf = e->create(e, size);
	double t0;

	p.fd = dmabuf;
	if (xioctl(importer, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		die("import");
	out[1] = imported_entries(size) / (double)(size / MiB);
	a.handle = p.handle;
	t0 = now_us();
	if (xioctl(importer, DRM_IOCTL_VSHARE_ACCESS, &a))
		die("ACCESS");
	out[0] = now_us() - t0;
	gem_close(importer, p.handle);
	close(dmabuf);
	e->destroy(e);
}

/*
 * Measures @n exporters round-robin, after one unmeasured warm-up round,
 * so that a slow phase of the (emulated, shared) machine or a cold cache
 * falls on all of them alike, and reports each one's median.
 */
static void bench(const char *const metric[2], const char *const unit[2],
		  measure_fn fn, unsigned int n, size_t size, int reps)
{
	static double v[NUM_ALL][2][MAX_REPS];
	double out[2];
	unsigned int i, k;
	int r;

	for (i = 0; i < n; i++)
		fn(&exporters[i], size, out);
	for (r = 0; r < reps; r++)
		for (i = 0; i < n; i++) {
			fn(&exporters[i], size, out);
			for (k = 0; k < 2; k++)
				v[i][k][r] = out[k];
		}
	for (i = 0; i < n; i++)
		for (k = 0; k < 2 && metric[k]; k++)
			report(metric[k], exporters[i].name, size,
			       median(v[i][k], reps), unit[k]);
}

/* Small buffers: many repetitions, their timings being short. */
static int small_reps(int reps)
{
	return reps * 20 > MAX_REPS ? MAX_REPS : reps * 20;
}

int main(int argc, char **argv)
{
	static const char *const create[2] = { "create_export" };
	static const char *const roundtrip[2] = { "roundtrip" };
	static const char *const alloc[2] = { "alloc" };
	static const char *const mmap_bw[2] = { "write_bw", "read_bw" };
	static const char *const vmap[2] = { "vmap", "sg_per_mib" };
	static const char *const us[2] = { "us" };
	static const char *const bw[2] = { "MiB/s", "MiB/s" };
	static const char *const vmap_unit[2] = { "us", "entries" };
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	struct timespec res;
	unsigned int i;

	if (reps < 1 || reps > 16)
		reps = 5;
	/*
	 * A TCG guest without a TSC rate (its calibration against the PIT
	 * failed, no tsc_early_khz) keeps time in jiffies: 4 ms steps would
	 * make every figure noise.
	 */
	if (clock_getres(CLOCK_MONOTONIC, &res) || res.tv_sec ||
	    res.tv_nsec > 1000) {
		fprintf(stderr, "vshare_bench: the clock ticks in %ld ns steps (no TSC)\n",
			res.tv_nsec);
		return 1;
	}
	exporters[0].fd = drm_open_driver_node("vshare", "renderD", 0, NULL, 0);
	importer = drm_open_driver_node("vshare", "renderD", 1, NULL, 0);
	exporters[1].fd = drm_open_driver_node("vgem", "card", 0, NULL, 0);
	exporters[2].fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	exporters[3].fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < NUM_EXPORTERS; i++)
		if (exporters[i].fd < 0) {
			fprintf(stderr, "vshare_bench: no %s\n", exporters[i].name);
			return 1;
		}
	if (importer < 0) {
		fprintf(stderr, "vshare_bench: load vshare with num_devices=2\n");
		return 1;
	}

	printf("metric,exporter,size_bytes,value,unit\n");
	bench(create, us, measure_create, NUM_EXPORTERS, 4096, small_reps(reps));
	bench(create, us, measure_create, NUM_EXPORTERS, MiB, 4 * reps);
	bench(create, us, measure_create, NUM_EXPORTERS, 64 * MiB, reps);
	bench(roundtrip, us, measure_roundtrip, NUM_EXPORTERS, 4096,
	      small_reps(reps));
	bench(alloc, us, measure_create, NUM_EXPORTERS, 256 * MiB, reps);
	bench(mmap_bw, bw, measure_mmap, NUM_ALL, 64 * MiB, reps);
	bench(mmap_bw, bw, measure_mmap, NUM_ALL, 256 * MiB, reps);
	bench(vmap, vmap_unit, measure_vmap, NUM_EXPORTERS, 64 * MiB, reps);
	return 0;
}
