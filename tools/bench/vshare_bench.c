// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_bench: measures, in one boot, what an exporter costs its users,
 * for vshare, vgem, udmabuf, the dma-buf system heap and (where it applies)
 * plain anonymous memory. Prints CSV lines on stdout:
 *
 *   metric,exporter,size_bytes,value,unit
 *
 * and its progress (section, sizes, elapsed time) on stderr, each line
 * labelled with the second argument if there is one (make bench: "boot 2
 * of 3"); the first is the repetitions of large buffers, the third, if
 * given, the sections to run (comma-separated: small, alloc, mmap, vmap,
 * map_iso, scaling, many, lean). Every timed figure is the median of
 * several repetitions, the exporters taking turns in an order that changes
 * at each repetition: who goes first, and who goes after whom (an
 * exporter's frees can slow the next one down). In the small section no
 * exporter takes turns with a relative (bench_apart()).
 *
 * Exporters and modes:
 *   vshare          device 0, the GEM path: CREATE, PRIME_HANDLE_TO_FD,
 *                   GEM_CLOSE
 *   vshare-1call    device 0, CREATE_DMABUF: the dma-buf in one ioctl
 *   vshare-lazy     a configfs device with alloc=lazy that the bench makes
 *                   (and removes at the end), the GEM path
 *   vshare-lazy-1call  CREATE_DMABUF on that device: no page is allocated,
 *                   so it times the objects and the dma-buf alone
 *   vgem, udmabuf, heap (the system heap): the peers
 *   heap-b          the system heap again, taking its turns as if it were
 *                   another exporter: the A/A control, whose ratio to the
 *                   heap is how finely the bench resolves a metric
 *   anon-thp, anon-4k: anonymous memory with and without THP, the limit
 *
 * Metrics (size_bytes is the buffer's size):
 *   create_export   create a buffer and export it as a dma-buf fd (us)
 *   release         then close it (the dma-buf and any handle): the
 *                   buffer is freed (us)
 *   roundtrip       import into vshare device 1, close all (us), taken
 *                   apart into roundtrip_import (PRIME_FD_TO_HANDLE),
 *                   roundtrip_unimport (the importer's GEM_CLOSE) and
 *                   roundtrip_release (closing the dma-buf and any
 *                   handle, which frees the buffer)
 *   alloc           create (and export) a 256 MiB buffer (us)
 *   ioctl_refused   the creation ioctl with flags it refuses at its first
 *                   check: the system call and the driver's dispatch (us)
 *   write_bw        first-touch write through a 2 MiB-aligned mmap, the
 *                   mmap() call included: an exporter may fill the page
 *                   tables there or at the faults (MiB/s)
 *   read_bw         read through the same mapping afterwards (MiB/s)
 *   write2_bw       second-touch write: the memory is mapped (MiB/s)
 *   read2_bw        a second read pass (MiB/s)
 *   read_pte_bw     read of the same buffer through a second mapping at an
 *                   address 4 KiB off 2 MiB alignment, so mapped with 4 KiB
 *                   PTEs only, after one untimed pass (MiB/s)
 *   faults_per_mib  minor faults of the first-touch write, per MiB
 *   fault_us        vshare's faults alone: one byte written per 2 MiB,
 *                   the time per fault it takes (us); write_faulted_bw
 *                   then times a write of every byte with no fault left,
 *                   write_again_bw a second one (MiB/s); anon-thp too,
 *                   whose faults also allocate and clear 2 MiB
 *   pte_kb_per_mib  page tables (VmPTE) the first touch added, kB per MiB
 *   sg_per_mib      sg entries per MiB the exporter gives an importer
 *   vmap            kernel vmap + CPU access of 64 MiB by an importer (us)
 *   map_iso_*       vshare's map_dma_buf with one sg entry per run (device
 *                   1) and one per page (a configfs device with
 *                   max_segment_size=4096), and a 4 KiB import (us,
 *                   entries): what a map costs per entry and per page
 *   scale_*         4 KiB to 1 GiB: create, export, first-touch write,
 *                   import (map_dma_buf), vmap (us); faults, sg entries,
 *                   page tables and kernel memory (Slab + vmalloc) per MiB
 *   many_*          100,000 live 4 KiB vshare buffers: create and close
 *                   rates, Slab and all kernel memory (Slab + vmalloc)
 *                   per buffer, debugfs listing time
 *   partners_roundtrip  the 1 MiB roundtrip of vshare-1call and of the
 *                   heap (exporter "vshare-1call+X", "heap+X") taking
 *                   turns alone (X = none) or with X (vgem, udmabuf) as a
 *                   third exporter (us)
 *   carryover_create_export, carryover_roundtrip  vshare-1call and the
 *                   heap (and vgem's creation) in a rotation with vgem and
 *                   udmabuf, as in the table, each figure by the turn
 *                   before it: vshare-1call's or the heap's (exporter
 *                   "<name>+pair") or vgem's or udmabuf's ("+peer") (us);
 *                   carryover_ioctl_refused the refused creation in the
 *                   creation's rotation, so split (us);
 *                   carryover_create_warmed vshare-1call's creation right
 *                   after an untimed one with no page, so split (us);
 *                   lean_carryover_* the same with vshare's lean build
 *                   loaded (lean)
 *   turn_create     the creation and release (4 KiB, 1 MiB) of
 *   turn_release    vshare-1call and of vshare-lazy-1call, each in turns
 *   lean_create     with the heap alone, with vshare reloaded in turns as
 *   lean_release    itself (turn_*) and as its lean build (lean_*:
 *                   tools/bench/lean.py, vshare's own work in a creation
 *                   and a release compiled out), when the environment
 *                   names both modules (VSHARE_KO, VSHARE_LEAN_KO) (us);
 *                   *_ratio the heap's time over the exporter's, the
 *                   median of the turns' ratios (x)
 *   reps            (exporter = a metric) repetitions behind its medians
 *   elapsed         (exporter = a section) seconds the section took
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "configfs.h"
#include "drm_open.h"
#include "timing.h"
#include "vshare_drm.h"

#define KiB 1024ul
#define MiB (1024ul * 1024)
#define GiB (1024ul * MiB)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static double start_s;
static const char *label = "";	/* what make bench calls this run */

static void die(const char *what)
{
	fprintf(stderr, "vshare_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Progress on stderr: make bench shows it, with the boot's number. */
static void progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vshare_bench: %s%s[%5.0f s] ", label, *label ? ": " : "",
		now_s() - start_s);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *size_name(size_t size)
{
	static char buf[4][32];
	static int k;
	char *s = buf[k++ % 4];

	if (size >= GiB && !(size % GiB))
		snprintf(s, 32, "%zu GiB", size / GiB);
	else if (size >= MiB && !(size % MiB))
		snprintf(s, 32, "%zu MiB", size / MiB);
	else
		snprintf(s, 32, "%zu KiB", size / KiB);
	return s;
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

/* The median of the values that are numbers; NAN if none is. */
static double median(const double *v, int n)
{
	double w[n > 0 ? n : 1];
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			w[m++] = v[i];
	if (!m)
		return NAN;
	qsort(w, m, sizeof(*w), cmp_double);
	return m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2;
}

/* A field of /proc/meminfo or /proc/self/status, in kB; -1 if absent. */
static long proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen(path, "r");

	while (f && kb < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* Kernel memory that buffers' bookkeeping takes: slab and vmalloc. */
static long kmem_kb(void)
{
	return proc_kb("/proc/meminfo", "Slab") +
	       proc_kb("/proc/meminfo", "VmallocUsed");
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* An exporter: makes a dma-buf of a size, and frees what it made. */
struct exporter {
	const char *name;
	/* GEM exporters: a handle of the size (0), or -1 with errno. */
	int (*make)(struct exporter *e, size_t size);
	/* A dma-buf fd of the size, or -1 with errno. */
	int (*create)(struct exporter *e, size_t size);
	void (*destroy)(struct exporter *e);
	/* Its creation ioctl with flags it refuses at once (EINVAL). */
	int (*refuse)(struct exporter *e);
	int fd;			/* device fd; -1: not available */
	uint32_t handle;	/* GEM handle, if any */
	int memfd;		/* udmabuf's memfd */
	int advice;		/* anonymous memory: madvise() advice */
};

static int prime_export(int fd, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle,
				      .flags = DRM_CLOEXEC | DRM_RDWR };

	if (xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return -1;
	return p.fd;
}

static void gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static int vshare_make(struct exporter *e, size_t size)
{
	struct drm_vshare_create c = { .size = size };

	if (xioctl(e->fd, DRM_IOCTL_VSHARE_CREATE, &c))
		return -1;
	e->handle = c.handle;
	return 0;
}

static int vgem_make(struct exporter *e, size_t size)
{
	struct drm_mode_create_dumb d = { .width = 1024, .bpp = 32,
					  .height = size / 4096 };

	if (xioctl(e->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d))
		return -1;
	e->handle = d.handle;
	return 0;
}

/* What a DRM exporter's user does: create, export (the handle stays). */
static int gem_create(struct exporter *e, size_t size)
{
	int fd, err;

	if (e->make(e, size))
		return -1;
	fd = prime_export(e->fd, e->handle);
	if (fd < 0) {
		err = errno;
		gem_close(e->fd, e->handle);
		errno = err;
	}
	return fd;
}

static void gem_destroy(struct exporter *e)
{
	gem_close(e->fd, e->handle);
}

/* The one-ioctl path: the dma-buf holds the buffer, no handle. */
static int vshare_create_dmabuf(struct exporter *e, size_t size)
{
	struct drm_vshare_create_dmabuf c = {
		.size = size, .fd_flags = DRM_CLOEXEC | DRM_RDWR,
	};

	if (xioctl(e->fd, DRM_IOCTL_VSHARE_CREATE_DMABUF, &c))
		return -1;
	return c.fd;
}

static int udmabuf_create(struct exporter *e, size_t size)
{
	struct udmabuf_create c = { .size = size, .flags = UDMABUF_FLAGS_CLOEXEC };
	int dmabuf, err;

	e->memfd = memfd_create("bench", MFD_ALLOW_SEALING);
	if (e->memfd < 0)
		return -1;
	c.memfd = e->memfd;
	if (ftruncate(e->memfd, size) ||
	    fcntl(e->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		dmabuf = -1;
	else
		dmabuf = xioctl(e->fd, UDMABUF_CREATE, &c);
	if (dmabuf < 0) {
		err = errno;
		close(e->memfd);
		errno = err;
	}
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
		return -1;
	return a.fd;
}

static void nothing(struct exporter *e __attribute__((unused)))
{
}

/*
 * The floor of a creation: the ioctl refused by its first check, so that
 * only the system call and the driver's dispatch are timed.
 */
static int vshare_refuse(struct exporter *e)
{
	struct drm_vshare_create c = { .size = 4096, .flags = ~0u };

	return ioctl(e->fd, DRM_IOCTL_VSHARE_CREATE, &c);
}

static int vshare_1call_refuse(struct exporter *e)
{
	struct drm_vshare_create_dmabuf c = { .size = 4096, .fd_flags = ~0u };

	return ioctl(e->fd, DRM_IOCTL_VSHARE_CREATE_DMABUF, &c);
}

static int vgem_refuse(struct exporter *e)
{
	struct drm_mode_create_dumb d = { .width = 1024, .height = 1 };

	return ioctl(e->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
}

static int heap_refuse(struct exporter *e)
{
	struct dma_heap_allocation_data a = { .len = 4096, .fd_flags = ~0u };

	return ioctl(e->fd, DMA_HEAP_IOCTL_ALLOC, &a);
}

enum {
	X_VSHARE, X_1CALL, X_LAZY, X_LAZY1, X_VGEM, X_UDMABUF, X_HEAP,
	X_HEAP_B, X_THP, X_4K,
	NUM_ALL
};

#define M(x)		(1u << (x))
#define M_PEERS		(M(X_VGEM) | M(X_UDMABUF) | M(X_HEAP))
#define M_ANON		(M(X_THP) | M(X_4K))
#define M_CONTROL	M(X_HEAP_B)
#define M_MODES		(M(X_VSHARE) | M(X_1CALL) | M(X_LAZY) | M(X_LAZY1))

static struct exporter exporters[NUM_ALL] = {
	[X_VSHARE] = { .name = "vshare", .make = vshare_make,
		       .create = gem_create, .destroy = gem_destroy,
		       .refuse = vshare_refuse },
	[X_1CALL] = { .name = "vshare-1call", .create = vshare_create_dmabuf,
		      .destroy = nothing, .refuse = vshare_1call_refuse },
	[X_LAZY] = { .name = "vshare-lazy", .make = vshare_make,
		     .create = gem_create, .destroy = gem_destroy, .fd = -1 },
	/* No page at creation: what the objects and the dma-buf cost. */
	[X_LAZY1] = { .name = "vshare-lazy-1call",
		      .create = vshare_create_dmabuf, .destroy = nothing,
		      .fd = -1 },
	[X_VGEM] = { .name = "vgem", .make = vgem_make, .create = gem_create,
		     .destroy = gem_destroy, .refuse = vgem_refuse },
	[X_UDMABUF] = { .name = "udmabuf", .create = udmabuf_create,
			.destroy = udmabuf_destroy },
	[X_HEAP] = { .name = "heap", .create = heap_create, .destroy = nothing,
		     .refuse = heap_refuse },
	/* The heap again: what two turns of the same exporter differ by. */
	[X_HEAP_B] = { .name = "heap-b", .create = heap_create,
		       .destroy = nothing, .refuse = heap_refuse },
	/* The limit for CPU mappings: plain memory, not an exporter. */
	[X_THP] = { .name = "anon-thp", .advice = MADV_HUGEPAGE },
	[X_4K] = { .name = "anon-4k", .advice = MADV_NOHUGEPAGE },
};

static int xcreate(struct exporter *e, size_t size)
{
	int fd = e->create(e, size);

	if (fd < 0) {
		fprintf(stderr, "vshare_bench: %s, %s: ", e->name, size_name(size));
		die("create");
	}
	return fd;
}

#define NVAL 10			/* values one measurement gives at most */
#define MAX_REPS 256

static int importer = -1;	/* vshare render node #1 */

static void report(const char *metric, const char *who, size_t size,
		   double value, const char *unit)
{
	printf("%s,%s,%zu,%.3f,%s\n", metric, who, size, value, unit);
	fflush(stdout);
}

/* Sections: their time goes into the CSV and onto the progress output. */
static double section_t0;
static const char *section_name;
static const char *only;	/* the sections to run; NULL: all */

/*
 * Starts section @name (NULL: ends the last one) and says whether to run
 * it: every section, or those that the third argument lists.
 */
static bool section(const char *name)
{
	double t = now_s();
	char *list, *tok, *save;
	bool run = true;

	if (section_name) {
		report("elapsed", section_name, 0, t - section_t0, "s");
		progress("%s: done in %.0f s", section_name, t - section_t0);
	}
	section_name = NULL;
	if (!name)
		return false;
	if (only) {
		list = strdup(only);
		if (!list)
			die("strdup");
		run = false;
		for (tok = strtok_r(list, ",", &save); tok && !run;
		     tok = strtok_r(NULL, ",", &save))
			run = !strcmp(tok, name);
		free(list);
	}
	if (run) {
		section_name = name;
		section_t0 = t;
		progress("section %s", name);
	}
	return run;
}

/* The debugfs directory of the DRM device of @fd, or NULL. */
static const char *debugfs_dir(int fd)
{
	static struct { dev_t rdev; char dir[64]; } cache[8];
	static int ncache;
	char link[128], target[256], want[64], path[128], line[512];
	struct stat st;
	ssize_t n;
	int i;

	if (fstat(fd, &st))
		return NULL;
	for (i = 0; i < ncache; i++)
		if (cache[i].rdev == st.st_rdev)
			return cache[i].dir;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = 0;
	snprintf(want, sizeof(want), "dev=%s ", basename(target));
	for (i = 0; i < 64; i++) {
		FILE *f;
		bool match;

		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		match = fgets(line, sizeof(line), f) && strstr(line, want);
		fclose(f);
		if (match && ncache < 8) {
			cache[ncache].rdev = st.st_rdev;
			snprintf(cache[ncache].dir, sizeof(cache[0].dir),
				 "/sys/kernel/debug/dri/%d", i);
			return cache[ncache++].dir;
		}
	}
	return NULL;
}

/* The "runs" of an importer's newest buffer of that size: its sg entries. */
static long imported_entries(int fd, size_t size)
{
	const char *dir = debugfs_dir(fd);
	char path[128], line[512];
	unsigned long runs = 0, id;
	unsigned long long sz;
	long found = -1;
	FILE *f;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/vshare_buffers", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lu %llu %lu", &id, &sz, &runs) == 3 &&
		    sz == size)
			found = runs;
	if (f)
		fclose(f);
	return found;
}

static uint32_t import(int fd, int dmabuf)
{
	struct drm_prime_handle p = { .fd = dmabuf };

	if (xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		die("PRIME_FD_TO_HANDLE");
	return p.handle;
}

/*
 * One measurement of one exporter at one size, giving up to NVAL values;
 * the caller sets them all to NAN first, and a NAN is not reported.
 */
typedef void (*measure_fn)(struct exporter *e, size_t size, double *out);

struct metrics {
	const char *name[NVAL];
	const char *unit[NVAL];
};

static unsigned int pick(unsigned int mask, struct exporter **list)
{
	unsigned int i, n = 0;

	for (i = 0; i < NUM_ALL; i++)
		if ((mask & M(i)) && (!exporters[i].create || exporters[i].fd >= 0))
			list[n++] = &exporters[i];
	return n;
}

/*
 * The exporter at place @j of repetition @r among @n: a Williams design
 * (a balanced Latin square). Its first row is 0, 1, n-1, 2, n-2, ..., each
 * next row adds 1, and for odd @n the rows come again reversed; so over
 * @n repetitions (2n for odd @n) each exporter is first once and comes
 * right after each other exporter once (twice), not more often after
 * some than others, whose freed memory, RCU callbacks or deferred work
 * would weigh on it alone.
 */
static unsigned int turn_of(unsigned int r, unsigned int j, unsigned int n)
{
	unsigned int row = r % n, k;

	if (n % 2 && (r / n) % 2)
		j = n - 1 - j;
	k = (j + 1) / 2;
	return ((j % 2 ? k : n - k) + row) % n;
}

/*
 * The exporters of one rotation and what each measured, by repetition,
 * and whose turn came just before each (a position in @list, or NUM_ALL).
 */
struct turns {
	struct exporter *list[NUM_ALL];
	unsigned int n, last;
	double v[NUM_ALL][NVAL][MAX_REPS];
	unsigned int before[NUM_ALL][MAX_REPS];
};

/*
 * Sets up @t for the exporters of @mask, says so on the progress output
 * as @what unless NULL, and gives each one unmeasured turn if @warm.
 */
static void turns_init(struct turns *t, const char *what, measure_fn fn,
		       unsigned int mask, size_t size, int reps, bool warm)
{
	double out[NVAL];
	char names[256] = "";
	unsigned int i;

	t->n = pick(mask, t->list);
	for (i = 0; i < t->n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", i ? " " : "", t->list[i]->name);
	if (what)
		progress("%s %s: %s; %d reps", what, size_name(size), names, reps);
	t->last = NUM_ALL;
	for (i = 0; warm && i < t->n; i++) {
		fn(t->list[i], size, out);
		t->last = i;
	}
}

/* Repetitions @from to @to - 1 of @t, in the orders turn_of() gives. */
static void turns_run(struct turns *t, const char *what, measure_fn fn,
		      size_t size, int from, int to, int reps)
{
	unsigned int i, j, k;
	double out[NVAL];
	int r;

	for (r = from; r < to; r++) {
		if (what && size >= 256 * MiB)
			progress("%s %s: rep %d of %d", what, size_name(size),
				 r + 1, reps);
		for (j = 0; j < t->n; j++) {
			i = turn_of(r, j, t->n);
			for (k = 0; k < NVAL; k++)
				out[k] = NAN;
			fn(t->list[i], size, out);
			for (k = 0; k < NVAL; k++)
				t->v[i][k][r] = out[k];
			t->before[i][r] = t->last;
			t->last = i;
		}
	}
}

/* By exporter, its median of every value of @t (NAN where it gave none). */
static void turns_median(const struct turns *t, int reps,
			 double med[NUM_ALL][NVAL])
{
	unsigned int i, k;

	for (i = 0; i < NUM_ALL; i++)
		for (k = 0; k < NVAL; k++)
			med[i][k] = NAN;
	for (i = 0; i < t->n; i++)
		for (k = 0; k < NVAL; k++)
			med[t->list[i] - exporters][k] = median(t->v[i][k], reps);
}

/*
 * Measures the exporters of @mask in turns, after one unmeasured warm-up
 * round if @warm, so that a slow phase of the (emulated, shared) machine
 * or a cold cache falls on all of them alike, in the order turn_of()
 * gives, so that none always goes first, last or after the same one, and
 * each comes after every other equally often. Returns in @med, by
 * exporter, its median of every value (NAN where it gave none), and says
 * what it measures on the progress output as @what, unless NULL.
 */
static void take_turns(const char *what, measure_fn fn, unsigned int mask,
		       size_t size, int reps, bool warm,
		       double med[NUM_ALL][NVAL])
{
	static struct turns t;

	turns_init(&t, what, fn, mask, size, reps, warm);
	turns_run(&t, what, fn, size, 0, reps, reps);
	turns_median(&t, reps, med);
}

/* Each exporter's medians @med under @m's names, and the repetitions. */
static void report_medians(const struct metrics *m, size_t size, int reps,
			   double med[NUM_ALL][NVAL])
{
	unsigned int i, k;

	for (i = 0; i < NUM_ALL; i++)
		for (k = 0; k < NVAL && m->name[k]; k++)
			if (!isnan(med[i][k]))
				report(m->name[k], exporters[i].name, size,
				       med[i][k], m->unit[k]);
	for (k = 0; k < NVAL && m->name[k]; k++)
		report("reps", m->name[k], size, reps, "count");
}

/* take_turns(), and each exporter's medians reported under @m's names. */
static void bench(const struct metrics *m, measure_fn fn, unsigned int mask,
		  size_t size, int reps, bool warm)
{
	static double med[NUM_ALL][NVAL];

	take_turns(m->name[0], fn, mask, size, reps, warm, med);
	report_medians(m, size, reps, med);
}

/*
 * An operation of a few microseconds runs faster, under emulation, when
 * its own code ran shortly before, so an exporter gains on the others
 * when a relative of it takes turns too: another mode of vshare, or
 * heap-b for the heap. bench() for such operations: each mode of vshare
 * in @mask takes turns with the peers in @mask alone, one exporter of each
 * kind; a peer's figure is the median of its figures in those rotations;
 * heap-b takes its turns in a rotation of its own, the first mode's with
 * heap-b in the heap's place. The rotations take turns too, a whole
 * number of Williams rows at a time, so that a slow phase of the host
 * falls on all of them alike.
 */
static void bench_apart(const struct metrics *m, measure_fn fn,
			unsigned int mask, size_t size, int reps)
{
	static struct turns rot[NUM_ALL];
	static double med[NUM_ALL][NVAL], all[NUM_ALL][NVAL][NUM_ALL];
	unsigned int peers = mask & M_PEERS, first = NUM_ALL, nrot = 0;
	unsigned int set[NUM_ALL], n[NUM_ALL] = { 0 }, i, k, r;
	int from, block;

	for (r = 0; r < NUM_ALL; r++) {
		if (r == X_HEAP_B && first < NUM_ALL && (mask & M_CONTROL))
			set[nrot] = M(first) | (peers & ~M(X_HEAP)) | M_CONTROL;
		else if ((mask & M_MODES & M(r)) && exporters[r].fd >= 0)
			set[nrot] = M(r) | peers;
		else
			continue;
		if (first == NUM_ALL)
			first = r;
		turns_init(&rot[nrot], m->name[0], fn, set[nrot], size, reps,
			   true);
		nrot++;
	}
	if (!nrot)
		return;
	/* Every rotation has as many exporters: a full design's rows. */
	block = rot[0].n % 2 ? 2 * rot[0].n : rot[0].n;
	for (from = 0; from < reps; from += block)
		for (r = 0; r < nrot; r++)
			turns_run(&rot[r], NULL, fn, size, from,
				  from + block < reps ? from + block : reps,
				  reps);
	for (r = 0; r < nrot; r++) {
		turns_median(&rot[r], reps, med);
		for (i = 0; i < NUM_ALL; i++) {
			/* The control's rotation gives heap-b's figure alone. */
			if (!(set[r] & M(i)) ||
			    ((set[r] & M_CONTROL) && i != X_HEAP_B))
				continue;
			for (k = 0; k < NVAL; k++)
				all[i][k][n[i]] = med[i][k];
			n[i]++;
		}
	}
	for (i = 0; i < NUM_ALL; i++)
		for (k = 0; k < NVAL; k++)
			med[i][k] = median(all[i][k], n[i]);
	report_medians(m, size, reps, med);
}

/*
 * Create (and export, the dma-buf being what every exporter hands out),
 * then release: close the dma-buf and any handle.
 */
static void measure_create(struct exporter *e, size_t size, double *out)
{
	double t0 = now_us(), t1;
	int dmabuf = xcreate(e, size);

	t1 = now_us();
	close(dmabuf);
	e->destroy(e);
	out[0] = t1 - t0;
	out[1] = now_us() - t1;
}

/* The creation ioctl refused at its first check: the dispatch's cost. */
static void measure_refuse(struct exporter *e, size_t size __attribute__((unused)),
			   double *out)
{
	double t0 = now_us();
	int ret = e->refuse(e);

	out[0] = now_us() - t0;
	if (ret != -1 || errno != EINVAL) {
		fprintf(stderr, "vshare_bench: %s accepted bad flags\n", e->name);
		exit(1);
	}
}

/*
 * Import into device 1 and close everything (the export is not timed),
 * each step timed too.
 */
static void measure_roundtrip(struct exporter *e, size_t size, double *out)
{
	int dmabuf = xcreate(e, size);
	double t0 = now_us(), t1, t2;
	uint32_t handle = import(importer, dmabuf);

	t1 = now_us();
	gem_close(importer, handle);
	t2 = now_us();
	close(dmabuf);
	e->destroy(e);
	out[0] = now_us() - t0;
	out[1] = t1 - t0;
	out[2] = t2 - t1;
	out[3] = out[0] - out[1] - out[2];
}

/*
 * vshare-1call and the heap in the table's rotation, with vgem and udmabuf,
 * each figure split by whose turn came just before it: vshare-1call's or
 * the heap's ("pair"), or vgem's or udmabuf's ("peer"), whose far longer
 * turns change what the next one finds warm: what each pays for that.
 * Value @k of @fn, for the exporters of @mask; reported as @metric,
 * exporter "<name>+pair" and "<name>+peer".
 */
static void carryover(const char *metric, measure_fn fn, unsigned int k,
		      size_t size, int reps, unsigned int mask)
{
	static const char * const cls[] = { "pair", "peer" };
	static double v[2][MAX_REPS];
	static struct turns t;
	unsigned int i, b;
	char who[64];
	int n[2], r;

	turns_init(&t, metric, fn, M(X_1CALL) | M(X_HEAP) | M(X_VGEM) |
		   M(X_UDMABUF), size, reps, true);
	turns_run(&t, NULL, fn, size, 0, reps, reps);
	for (i = 0; i < t.n; i++) {
		if (!(mask & M(t.list[i] - exporters)))
			continue;
		memset(n, 0, sizeof(n));
		for (r = 0; r < reps; r++) {
			b = t.before[i][r];
			if (b == NUM_ALL || b == i)
				continue;
			b = !(M(t.list[b] - exporters) & (M(X_1CALL) | M(X_HEAP)));
			v[b][n[b]++] = t.v[i][k][r];
		}
		for (b = 0; b < 2; b++) {
			snprintf(who, sizeof(who), "%s+%s", t.list[i]->name,
				 cls[b]);
			report(metric, who, size, median(v[b], n[b]), "us");
		}
	}
	report("reps", metric, size, reps, "count");
}

/*
 * For carryover(): vshare-1call's creation after an untimed one on the
 * alloc=lazy device (no page), which runs the same code but for the
 * page: what is left of its cost after another exporter's turn once its
 * code ran just before.
 */
static void measure_create_warmed(struct exporter *e, size_t size,
				  double *out)
{
	double unused[NVAL];

	if (e == &exporters[X_1CALL])
		measure_create(&exporters[X_LAZY1], size, unused);
	measure_create(e, size, out);
}

/*
 * For carryover(): vshare-1call and the heap refuse a creation at its
 * first check, vgem and udmabuf create as in the creation's rotation.
 */
static void measure_refuse_among(struct exporter *e, size_t size,
				 double *out)
{
	if (e == &exporters[X_1CALL] || e == &exporters[X_HEAP])
		measure_refuse(e, size, out);
	else
		measure_create(e, size, out);
}

/*
 * The 1 MiB roundtrip of vshare-1call and the heap taking turns alone,
 * then with vgem or udmabuf as a third: what another exporter's turns
 * between theirs do to each of the two.
 */
static void roundtrip_partners(int reps)
{
	static const struct {
		const char *name;
		unsigned int mask;
	} third[] = {
		{ "none", 0 }, { "vgem", M(X_VGEM) }, { "udmabuf", M(X_UDMABUF) },
	};
	double med[NUM_ALL][NVAL];
	char who[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(third); i++) {
		take_turns("roundtrip partners", measure_roundtrip,
			   M(X_1CALL) | M(X_HEAP) | third[i].mask, MiB, reps,
			   true, med);
		snprintf(who, sizeof(who), "vshare-1call+%s", third[i].name);
		report("partners_roundtrip", who, MiB, med[X_1CALL][0], "us");
		snprintf(who, sizeof(who), "heap+%s", third[i].name);
		report("partners_roundtrip", who, MiB, med[X_HEAP][0], "us");
	}
	report("reps", "partners_roundtrip", MiB, reps, "count");
}

/*
 * A mapping at a 2 MiB-aligned address, as any application can make, or
 * 4 KiB past one (@off): then no 2 MiB page of the buffer lines up with a
 * 2 MiB page of the address space, and everything is mapped with PTEs.
 */
static char *map_at(int fd, size_t size, size_t off)
{
	char *area = mmap(NULL, size + 4 * MiB, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p, *end;

	if (area == MAP_FAILED)
		die("mmap reserve");
	p = (char *)(((uintptr_t)area + 2 * MiB - 1) & ~(2 * MiB - 1)) + off;
	/* Only the mapping stays: the rest of the reservation goes. */
	end = area + size + 4 * MiB;
	if (p > area)
		munmap(area, p - area);
	if (end > p + size)
		munmap(p + size, end - (p + size));
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

static double mibps(size_t size, double us)
{
	return size / (double)MiB / (us / 1e6);
}

/* Times a write of every byte, in us. */
static double write_pass(char *p, size_t size, int c)
{
	double t0 = now_us();

	memset(p, c, size);
	return now_us() - t0;
}

/* Times a read of every word, in us. */
static double read_pass(const char *p, size_t size)
{
	const uint64_t *q = (const uint64_t *)p;
	volatile uint64_t sink;
	uint64_t sum = 0;
	double t0 = now_us();
	size_t i;

	for (i = 0; i < size / 8; i++)
		sum += q[i];
	sink = sum;
	(void)sink;
	return now_us() - t0;
}

/*
 * The buffer of @dmabuf mapped at a 2 MiB-aligned address, or for an
 * exporter that makes none (anonymous memory), a mapping with its advice.
 */
static char *map_buffer(struct exporter *e, int dmabuf, size_t size)
{
	char *p = map_at(dmabuf, size, 0);

	if (!e->create)
		madvise(p, size, e->advice);
	return p;
}

/* Undoes map_buffer() and the creation of @dmabuf, if there was one. */
static void unmap_buffer(struct exporter *e, int dmabuf, char *p, size_t size)
{
	munmap(p, size);
	if (e->create) {
		close(dmabuf);
		e->destroy(e);
	}
}

/*
 * First-touch write of every byte, a read pass, a second write and a
 * second read (the memory is mapped: the limit), then a read through a
 * second mapping of the same buffer with 4 KiB PTEs only; faults and page
 * tables of the first touch.
 */
static void measure_mmap(struct exporter *e, size_t size, double *out)
{
	int dmabuf = e->create ? xcreate(e, size) : -1;
	long pte0 = proc_kb("/proc/self/status", "VmPTE"), flt0 = minor_faults();
	double t0 = now_us();
	char *p = map_buffer(e, dmabuf, size), *q;

	out[0] = mibps(size, now_us() - t0 + write_pass(p, size, 0xa5));
	out[5] = (minor_faults() - flt0) / (double)(size / MiB);
	out[6] = (proc_kb("/proc/self/status", "VmPTE") - pte0) /
		 (double)(size / MiB);
	out[1] = mibps(size, read_pass(p, size));
	out[2] = mibps(size, write_pass(p, size, 0x5a));
	out[3] = mibps(size, read_pass(p, size));
	if (dmabuf >= 0) {
		q = map_at(dmabuf, size, 4 * KiB);
		read_pass(q, size);
		out[4] = mibps(size, read_pass(q, size));
		munmap(q, size);
	}
	unmap_buffer(e, dmabuf, p, size);
}

/*
 * What the first touch costs beyond the second, taken apart: one byte
 * written per 2 MiB takes every fault of a PMD-mapping exporter (timed
 * per fault), then a write of every byte has no fault left; a second
 * write of every byte follows. If the first full write is still slower
 * than the second, the faults are not the reason; if anonymous memory's
 * is too, the emulator is.
 */
static void measure_faults(struct exporter *e, size_t size, double *out)
{
	int dmabuf = e->create ? xcreate(e, size) : -1;
	char *p = map_buffer(e, dmabuf, size);
	long flt0 = minor_faults(), faults;
	double t0 = now_us(), t;
	size_t off;

	for (off = 0; off < size; off += 2 * MiB)
		p[off] = 1;
	t = now_us() - t0;
	faults = minor_faults() - flt0;
	out[0] = faults > 0 ? t / faults : NAN;
	out[1] = mibps(size, write_pass(p, size, 0xa5));
	out[2] = mibps(size, write_pass(p, size, 0x5a));
	unmap_buffer(e, dmabuf, p, size);
}

/* An importer's kernel access to the whole buffer; sg entries once. */
static void measure_vmap(struct exporter *e, size_t size, double *out)
{
	struct drm_vshare_access a = { .op = VSHARE_ACCESS_CRC32, .size = 4 };
	int dmabuf = xcreate(e, size);
	double t0;

	a.handle = import(importer, dmabuf);
	out[1] = imported_entries(importer, size) / (double)(size / MiB);
	t0 = now_us();
	if (xioctl(importer, DRM_IOCTL_VSHARE_ACCESS, &a))
		die("ACCESS");
	out[0] = now_us() - t0;
	gem_close(importer, a.handle);
	close(dmabuf);
	e->destroy(e);
}

/*
 * A curve's point: create, export (GEM exporters; in the creation for
 * the others), first-touch write through mmap, import by vshare device 1
 * (dynamic attach + map_dma_buf), vmap through it; faults, sg entries,
 * page tables and kernel memory per MiB. The import comes after the
 * write: vgem and udmabuf would otherwise get their pages at the import.
 * A size the exporter cannot make is skipped.
 */
static void measure_scale(struct exporter *e, size_t size, double *out)
{
	struct drm_vshare_access a = { .op = VSHARE_ACCESS_CRC32, .size = 4 };
	double mib = size / (double)MiB, t0;
	long kmem0 = kmem_kb(), pte0, flt0;
	int dmabuf;
	char *p;

	t0 = now_us();
	if (e->make) {
		if (e->make(e, size))
			return;
		out[0] = now_us() - t0;
		t0 = now_us();
		dmabuf = prime_export(e->fd, e->handle);
		if (dmabuf < 0) {
			gem_close(e->fd, e->handle);
			return;
		}
		out[1] = now_us() - t0;
	} else {
		dmabuf = e->create(e, size);
		if (dmabuf < 0)
			return;
		out[0] = now_us() - t0;
	}
	pte0 = proc_kb("/proc/self/status", "VmPTE");
	flt0 = minor_faults();
	t0 = now_us();
	p = map_at(dmabuf, size, 0);
	out[2] = now_us() - t0 + write_pass(p, size, 0xa5);
	out[5] = (minor_faults() - flt0) / mib;
	out[7] = (proc_kb("/proc/self/status", "VmPTE") - pte0) / mib;

	t0 = now_us();
	a.handle = import(importer, dmabuf);
	out[3] = now_us() - t0;
	out[6] = imported_entries(importer, size) / mib;
	t0 = now_us();
	if (xioctl(importer, DRM_IOCTL_VSHARE_ACCESS, &a))
		die("ACCESS");
	out[4] = now_us() - t0;
	out[8] = (kmem_kb() - kmem0) / mib;

	gem_close(importer, a.handle);
	munmap(p, size);
	close(dmabuf);
	e->destroy(e);
}

/* Scaling curves: fewer repetitions as the sizes grow, to bound the time. */
static void scaling(int reps)
{
	static const struct metrics m = {
		{ "scale_create", "scale_export", "scale_write", "scale_map",
		  "scale_vmap", "scale_faults_per_mib", "scale_sg_per_mib",
		  "scale_pte_kb_per_mib", "scale_kmem_kb_per_mib" },
		{ "us", "us", "us", "us", "us", "faults", "entries", "kB",
		  "kB" },
	};
	size_t size;

	for (size = 4 * KiB; size <= GiB; size *= 4) {
		int n = size <= MiB ? reps : size <= 64 * MiB ?
			(reps + 1) / 2 : 3;

		bench(&m, measure_scale, M(X_VSHARE) | M(X_LAZY) | M_PEERS, size,
		      n < reps ? n : reps, size <= 64 * MiB);
	}
}

/*
 * What vshare's map_dma_buf costs per sg entry and per page: the same
 * buffer imported by device 1 (no segment limit: an entry per run) and by
 * a device cutting segments at 4 KiB (an entry per page), and a 4 KiB
 * buffer (the fixed cost).
 */
static void map_isolation(int seg4k, int reps)
{
	static const size_t sizes[] = { 64 * MiB, 256 * MiB };
	struct exporter *e = &exporters[X_VSHARE];
	double t[3][MAX_REPS], t0;
	long entries[2] = { -1, -1 };
	int small = xcreate(e, 4096), dmabuf, r;
	uint32_t h_small = e->handle, h;
	unsigned int s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t size = sizes[s];

		progress("map_iso %s: device 1 and max_segment_size=4096; %d reps",
			 size_name(size), reps);
		dmabuf = xcreate(e, size);
		for (r = 0; r < reps; r++) {
			t0 = now_us();
			h = import(importer, small);
			t[0][r] = now_us() - t0;
			gem_close(importer, h);

			t0 = now_us();
			h = import(importer, dmabuf);
			t[1][r] = now_us() - t0;
			if (!r)
				entries[0] = imported_entries(importer, size);
			gem_close(importer, h);

			t0 = now_us();
			h = import(seg4k, dmabuf);
			t[2][r] = now_us() - t0;
			if (!r)
				entries[1] = imported_entries(seg4k, size);
			gem_close(seg4k, h);
		}
		report("map_iso_fixed", "vshare", size, median(t[0], reps), "us");
		report("map_iso_runs", "vshare", size, median(t[1], reps), "us");
		report("map_iso_pages", "vshare", size, median(t[2], reps), "us");
		report("map_iso_runs_n", "vshare", size, entries[0], "entries");
		report("map_iso_pages_n", "vshare", size, entries[1], "entries");
		report("reps", "map_iso_runs", size, reps, "count");
		close(dmabuf);
		gem_close(e->fd, e->handle);
	}
	close(small);
	gem_close(e->fd, h_small);
}

/* Times one read of a whole debugfs file, in ms; its lines in *@lines. */
static double time_listing(int fd, long *lines)
{
	const char *dir = debugfs_dir(fd);
	static char buf[1 << 16];
	char path[128];
	double t0;
	ssize_t n, i;
	int f;

	*lines = 0;
	if (!dir)
		return NAN;
	snprintf(path, sizeof(path), "%s/vshare_buffers", dir);
	t0 = now_us();
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return NAN;
	while ((n = read(f, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			*lines += buf[i] == '\n';
	close(f);
	return (now_us() - t0) / 1e3;
}

static double listing_ms(int fd, long expect)
{
	double t[3];
	long lines;
	int i;

	for (i = 0; i < 3; i++) {
		t[i] = time_listing(fd, &lines);
		if (lines < expect) {
			fprintf(stderr, "vshare_bench: debugfs lists %ld lines for %ld buffers\n",
				lines, expect);
			return NAN;
		}
	}
	return median(t, 3);
}

/*
 * Many buffers: 100,000 live 4 KiB buffers on device 0 (GEM path),
 * created and closed in blocks of 10,000 whose times show whether a step
 * grows with the number of buffers; the debugfs listing at 10,000 and
 * 100,000; Slab per buffer.
 */
#define MANY		100000
#define MANY_BLOCK	10000

static void many_buffers(void)
{
	struct exporter *e = &exporters[X_VSHARE];
	double tb[MANY / MANY_BLOCK], tc[MANY / MANY_BLOCK], t0, sum;
	long slab0 = proc_kb("/proc/meminfo", "Slab"), slab1;
	long kmem0 = kmem_kb(), kmem1;
	double list_small = NAN, list_big;
	uint32_t *h = malloc(MANY * sizeof(*h));
	int b, i, nb = MANY / MANY_BLOCK;

	if (!h)
		die("malloc");
	for (b = 0; b < nb; b++) {
		t0 = now_us();
		for (i = b * MANY_BLOCK; i < (b + 1) * MANY_BLOCK; i++) {
			if (e->make(e, 4096))
				die("VSHARE_CREATE (many)");
			h[i] = e->handle;
		}
		tb[b] = now_us() - t0;
		if (!b)
			list_small = listing_ms(e->fd, MANY_BLOCK);
		progress("many: %d buffers", (b + 1) * MANY_BLOCK);
	}
	slab1 = proc_kb("/proc/meminfo", "Slab");
	kmem1 = kmem_kb();
	list_big = listing_ms(e->fd, MANY);
	for (b = 0; b < nb; b++) {
		t0 = now_us();
		for (i = b * MANY_BLOCK; i < (b + 1) * MANY_BLOCK; i++)
			gem_close(e->fd, h[i]);
		tc[b] = now_us() - t0;
	}
	free(h);

	for (sum = 0, b = 0; b < nb; b++)
		sum += tb[b];
	report("many_create_rate", "vshare", 4096, MANY / (sum / 1e6), "1/s");
	report("many_create_first_us", "vshare", 4096, tb[0] / MANY_BLOCK, "us");
	report("many_create_last_us", "vshare", 4096, tb[nb - 1] / MANY_BLOCK, "us");
	for (sum = 0, b = 0; b < nb; b++)
		sum += tc[b];
	report("many_close_rate", "vshare", 4096, MANY / (sum / 1e6), "1/s");
	/* The first block closes with 100,000 live, the last with 10,000. */
	report("many_close_first_us", "vshare", 4096, tc[0] / MANY_BLOCK, "us");
	report("many_close_last_us", "vshare", 4096, tc[nb - 1] / MANY_BLOCK, "us");
	report("many_slab_per_buffer", "vshare", 4096,
	       (slab1 - slab0) * 1024.0 / MANY, "bytes");
	report("many_kmem_per_buffer", "vshare", 4096,
	       (kmem1 - kmem0) * 1024.0 / MANY, "bytes");
	report("many_list_10k", "vshare", 4096, list_small, "ms");
	report("many_list_100k", "vshare", 4096, list_big, "ms");
}

/* Configfs devices the bench makes, removed at exit. */
static const char *const cfs_names[] = { "bench-lazy", "bench-seg4k" };
#define NUM_CFS ARRAY_SIZE(cfs_names)
static int cfs_fds[NUM_CFS] = { -1, -1 };

static void cfs_remove(const char *name)
{
	if (!vshare_cfs_exists(name))
		return;
	vshare_cfs_enable(name, false);
	vshare_cfs_rmdir(name);
}

static void cfs_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < NUM_CFS; i++) {
		if (cfs_fds[i] >= 0)
			close(cfs_fds[i]);
		cfs_fds[i] = -1;
		cfs_remove(cfs_names[i]);
	}
}

/* Makes configfs device @i with one attribute set; its render node's fd. */
static int cfs_device(unsigned int i, const char *attr, const char *value)
{
	const char *name = cfs_names[i];
	char pdev[64], card[128], render[128];
	int ret;

	cfs_remove(name);
	ret = vshare_cfs_mkdir(name);
	if (!ret)
		ret = vshare_cfs_write(name, attr, value);
	if (!ret)
		ret = vshare_cfs_enable(name, true);
	if (!ret)
		ret = vshare_cfs_read(name, "device", pdev, sizeof(pdev));
	if (!ret)
		ret = vshare_pdev_nodes(pdev, card, render, sizeof(render));
	if (!ret && render[0])
		cfs_fds[i] = open(render, O_RDWR | O_CLOEXEC);
	if (cfs_fds[i] < 0)
		fprintf(stderr, "vshare_bench: no configfs device %s=%s (%s): skipped\n",
			attr, value, strerror(ret ? -ret : errno));
	return cfs_fds[i];
}

/* The vshare modes of the lean comparison, then the heap they are held to. */
static const unsigned int lean_who[] = { X_1CALL, X_LAZY1, X_HEAP };
#define LEAN_WHO	ARRAY_SIZE(lean_who)
#define LEAN_ROUNDS	6

/* The steps measure_create() times: creation (and export), release. */
#define LEAN_STEPS	2

/*
 * One turn of the lean comparison on the module loaded now: vshare-1call,
 * then vshare-lazy-1call (if its device could be made), each created and
 * released in turns with the heap alone, @n times each. A third exporter
 * would favour whichever of the two shares its code: under emulation an
 * operation runs faster when its own code ran shortly before (as
 * vshare-lazy-1call's does for vshare-1call, heap-b's for the heap).
 * Returns each one's median creation and release in @v, and the heap's
 * of its pair in @h (us; NAN for one that did not take part); the heap's
 * own place in @v has that of vshare-1call's pair.
 */
static void lean_turn(size_t size, int n, double v[LEAN_STEPS][LEAN_WHO],
		      double h[LEAN_STEPS][LEAN_WHO])
{
	static double med[NUM_ALL][NVAL];
	unsigned int i, k, heap = LEAN_WHO - 1;

	for (i = 0; i < heap; i++) {
		take_turns(NULL, measure_create, M(lean_who[i]) | M(X_HEAP),
			   size, n, false, med);
		for (k = 0; k < LEAN_STEPS; k++) {
			v[k][i] = med[lean_who[i]][k];
			h[k][i] = med[X_HEAP][k];
		}
	}
	for (k = 0; k < LEAN_STEPS; k++) {
		v[k][heap] = h[k][0];
		h[k][heap] = h[k][0];
	}
}

/*
 * Loads @ko in place of the vshare module, with @devices devices and a
 * configfs device with alloc=lazy, for vshare-1call and vshare-lazy-1call.
 */
static void lean_load(const char *ko, int devices)
{
	char cmd[512];

	cfs_cleanup();
	snprintf(cmd, sizeof(cmd), "rmmod vshare && insmod %s num_devices=%d",
		 ko, devices);
	if (system(cmd)) {
		fprintf(stderr, "vshare_bench: %s: failed\n", cmd);
		exit(1);
	}
	exporters[X_1CALL].fd = drm_open_driver_node("vshare", "renderD", 0,
						     NULL, 0);
	if (exporters[X_1CALL].fd < 0)
		die("vshare's render node");
	exporters[X_LAZY1].fd = cfs_device(0, "alloc", "lazy");
}

/*
 * vshare with its own work in a creation and a release compiled out
 * (tools/bench/lean.py), against the heap, in turns with vshare itself,
 * each module loaded in place of the other so that both run in this boot:
 * how much of the gap to the heap is vshare's own code. Reports, for each
 * module (metrics turn_* for vshare, lean_* for its lean build) and step
 * (*_create, *_release), each one's median and the median of the turns'
 * ratios of the heap's to it.
 */
static void lean_compare(const char *ko, const char *lean, size_t size,
			 int n)
{
	static const char *const metric[2][LEAN_STEPS][2] = {
		{ { "turn_create", "turn_create_ratio" },
		  { "turn_release", "turn_release_ratio" } },
		{ { "lean_create", "lean_create_ratio" },
		  { "lean_release", "lean_release_ratio" } },
	};
	static double v[2][LEAN_STEPS][LEAN_WHO][LEAN_ROUNDS];
	static double q[2][LEAN_STEPS][LEAN_WHO][LEAN_ROUNDS];
	double turn[LEAN_STEPS][LEAN_WHO], heap[LEAN_STEPS][LEAN_WHO];
	unsigned int i, j, s;
	int r, k;

	progress("create and release %s: vshare and its lean build in turns; %d rounds of %d",
		 size_name(size), LEAN_ROUNDS, n);
	for (r = 0; r < LEAN_ROUNDS; r++)
		for (k = 0; k < 2; k++) {
			j = (r + k) % 2;
			lean_load(j ? lean : ko, 1);
			lean_turn(size, n, turn, heap);
			close(exporters[X_1CALL].fd);
			for (s = 0; s < LEAN_STEPS; s++)
				for (i = 0; i < LEAN_WHO; i++) {
					v[j][s][i][r] = turn[s][i];
					q[j][s][i][r] = heap[s][i] / turn[s][i];
				}
		}
	for (j = 0; j < 2; j++)
		for (s = 0; s < LEAN_STEPS; s++)
			for (i = 0; i < LEAN_WHO; i++) {
				const char *who = exporters[lean_who[i]].name;

				if (isnan(v[j][s][i][0]))
					continue;
				report(metric[j][s][0], who, size,
				       median(v[j][s][i], LEAN_ROUNDS), "us");
				if (lean_who[i] != X_HEAP)
					report(metric[j][s][1], who, size,
					       median(q[j][s][i], LEAN_ROUNDS), "x");
			}
	report("reps", "lean_release", size, LEAN_ROUNDS * n, "count");
}

/*
 * Frees vshare of the bench's own users, devices and configfs devices,
 * so that the module can be unloaded; then the lean comparison.
 */
static void lean_section(int small, int reps)
{
	const char *ko = getenv("VSHARE_KO"), *lean = getenv("VSHARE_LEAN_KO");

	if (!ko || !lean || access(lean, R_OK)) {
		progress("no lean build (VSHARE_KO, VSHARE_LEAN_KO): skipped");
		return;
	}
	close(exporters[X_VSHARE].fd);
	close(importer);
	exporters[X_VSHARE].fd = -1;
	exporters[X_LAZY].fd = -1;
	importer = -1;
	lean_compare(ko, lean, 4096, small);
	lean_compare(ko, lean, MiB, 4 * reps);
	/* The lean build in the table's rotation too, by the turn before. */
	lean_load(lean, 2);
	importer = drm_open_driver_node("vshare", "renderD", 1, NULL, 0);
	if (importer < 0)
		die("the lean build's render node #1");
	carryover("lean_carryover_create_export", measure_create, 0, 4096,
		  small, M(X_1CALL) | M(X_HEAP));
	carryover("lean_carryover_roundtrip", measure_roundtrip, 0, MiB,
		  12 * reps > MAX_REPS ? MAX_REPS : 12 * reps,
		  M(X_1CALL) | M(X_HEAP));
	close(importer);
	importer = -1;
	close(exporters[X_1CALL].fd);
	/* vshare itself again, as the boot began. */
	lean_load(ko, 2);
	close(exporters[X_1CALL].fd);
	cfs_cleanup();
	exporters[X_1CALL].fd = -1;
	exporters[X_LAZY1].fd = -1;
}

int main(int argc, char **argv)
{
	static const struct metrics create = { { "create_export", "release" },
					       { "us", "us" } };
	static const struct metrics roundtrip = {
		{ "roundtrip", "roundtrip_import", "roundtrip_unimport",
		  "roundtrip_release" },
		{ "us", "us", "us", "us" },
	};
	static const struct metrics alloc = { { "alloc", "alloc_release" },
					      { "us", "us" } };
	static const struct metrics refuse = { { "ioctl_refused" }, { "us" } };
	static const struct metrics faults = {
		{ "fault_us", "write_faulted_bw", "write_again_bw" },
		{ "us", "MiB/s", "MiB/s" },
	};
	static const struct metrics mmap_bw = {
		{ "write_bw", "read_bw", "write2_bw", "read2_bw", "read_pte_bw",
		  "faults_per_mib", "pte_kb_per_mib" },
		{ "MiB/s", "MiB/s", "MiB/s", "MiB/s", "MiB/s", "faults", "kB" },
	};
	static const struct metrics vmap = { { "vmap", "sg_per_mib" },
					     { "us", "entries" } };
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	int small = reps * 20 > MAX_REPS ? MAX_REPS : reps * 20;
	/*
	 * 1 MiB: heap-b takes its turns in a rotation of its own, not the
	 * heap's, and needs this many for the A/A control to resolve a few
	 * percent (44 left it off by up to 18%).
	 */
	int mid = reps * 12 > MAX_REPS ? MAX_REPS : reps * 12;
	unsigned int small_set = M(X_VSHARE) | M(X_1CALL) | M_PEERS | M_CONTROL;
	unsigned int lazy_set = M(X_VSHARE) | M(X_LAZY) | M_PEERS | M_CONTROL;
	struct timespec res;
	double total;
	unsigned int i;

	start_s = now_s();
	if (argc > 2)
		label = argv[2];
	if (argc > 3)
		only = argv[3];
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
	exporters[X_VSHARE].fd = drm_open_driver_node("vshare", "renderD", 0, NULL, 0);
	exporters[X_1CALL].fd = exporters[X_VSHARE].fd;
	importer = drm_open_driver_node("vshare", "renderD", 1, NULL, 0);
	exporters[X_VGEM].fd = drm_open_driver_node("vgem", "card", 0, NULL, 0);
	exporters[X_UDMABUF].fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	exporters[X_HEAP].fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	exporters[X_HEAP_B].fd = exporters[X_HEAP].fd;
	for (i = 0; i < NUM_ALL; i++)
		if (exporters[i].create && i != X_LAZY && i != X_LAZY1 &&
		    exporters[i].fd < 0) {
			fprintf(stderr, "vshare_bench: no %s\n", exporters[i].name);
			return 1;
		}
	if (importer < 0) {
		fprintf(stderr, "vshare_bench: load vshare with num_devices=2\n");
		return 1;
	}
	/* After devices 0 and 1, whose nodes come first. */
	atexit(cfs_cleanup);
	exporters[X_LAZY].fd = cfs_device(0, "alloc", "lazy");
	exporters[X_LAZY1].fd = exporters[X_LAZY].fd;
	cfs_device(1, "max_segment_size", "4096");

	printf("metric,exporter,size_bytes,value,unit\n");
	if (section("small")) {
		bench_apart(&create, measure_create,
			    small_set | M(X_LAZY) | M(X_LAZY1), 4096, small);
		bench_apart(&create, measure_create,
			    small_set | M(X_LAZY) | M(X_LAZY1), MiB, mid);
		bench_apart(&roundtrip, measure_roundtrip, small_set, 4096,
			    small);
		bench_apart(&roundtrip, measure_roundtrip, small_set, MiB,
			    mid);
		roundtrip_partners(mid);
		carryover("carryover_create_export", measure_create, 0, 4096,
			  small, M(X_1CALL) | M(X_HEAP) | M(X_VGEM));
		/* Without the alloc=lazy device there is nothing to warm with. */
		if (exporters[X_LAZY1].fd >= 0)
			carryover("carryover_create_warmed",
				  measure_create_warmed, 0, 4096, small,
				  M(X_1CALL));
		carryover("carryover_ioctl_refused", measure_refuse_among, 0,
			  4096, small, M(X_1CALL) | M(X_HEAP));
		carryover("carryover_roundtrip", measure_roundtrip, 0, 4096,
			  small, M(X_1CALL) | M(X_HEAP));
		carryover("carryover_roundtrip", measure_roundtrip, 0, MiB,
			  mid, M(X_1CALL) | M(X_HEAP));
		/* udmabuf checks its flags only after allocating. */
		bench_apart(&refuse, measure_refuse, small_set & ~M(X_UDMABUF),
			    4096, small);
	}
	if (section("alloc")) {
		bench(&create, measure_create, lazy_set, 64 * MiB, reps, true);
		bench(&alloc, measure_create, lazy_set, 256 * MiB, reps, true);
	}
	if (section("mmap")) {
		bench(&mmap_bw, measure_mmap, lazy_set | M_ANON, 64 * MiB, reps,
		      true);
		bench(&mmap_bw, measure_mmap, lazy_set | M_ANON, 256 * MiB, reps,
		      true);
		bench(&faults, measure_faults,
		      M(X_VSHARE) | M(X_LAZY) | M(X_THP), 64 * MiB, reps, true);
		bench(&faults, measure_faults,
		      M(X_VSHARE) | M(X_LAZY) | M(X_THP), 256 * MiB, reps, true);
	}
	if (section("vmap"))
		bench(&vmap, measure_vmap, M(X_VSHARE) | M_PEERS | M_CONTROL,
		      64 * MiB, reps, true);
	if (cfs_fds[1] >= 0 && section("map_iso"))
		map_isolation(cfs_fds[1], 2 * reps);
	if (section("scaling"))
		scaling(reps);
	if (section("many"))
		many_buffers();
	/* Last: it unloads vshare, and the devices and fds go with it. */
	if (section("lean"))
		lean_section(small, reps);
	section(NULL);
	total = now_s() - start_s;
	report("elapsed", "total", 0, total, "s");
	progress("all done in %.0f s", total);
	return 0;
}
