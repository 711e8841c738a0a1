// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_race, lifetimes: handles, dma-bufs and the module itself going
 * away while other threads use them (export-vs-close, import-vs-release,
 * module-unload-busy).
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "race.h"
#include "vshare_lib.h"

/* A dumb buffer with its map offset; thread-safe (no igt_assert). */
static int __dumb_create_mmap(int fd, uint32_t w, uint32_t h, uint32_t *handle,
			      uint64_t *size, uint64_t *offset)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };

	if (igt_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	map.handle = create.handle;
	if (igt_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		int err = -errno;

		__gem_close(fd, create.handle);
		return err;
	}
	*handle = create.handle;
	*size = create.size;
	*offset = map.offset;
	return 0;
}

/*
 * export-vs-close: a handle is exported while another thread closes
 * it and a new buffer takes its number.
 */
#define EVC_SIZE	4096
#define EVC_TAG		0xe7000000u

static struct {
	int fd;
	_Atomic uint32_t handle;	/* published, may be stale */
	_Atomic uint32_t gen;
	uint32_t owned;			/* the closer's live handle */
	atomic_long recreated, exported, enoent;
} evc;

/* A word of an exported buffer: zero, or the tag of some generation. */
static bool evc_word_ok(uint32_t w, uint32_t max_gen)
{
	return !w || ((w & 0xff000000u) == EVC_TAG && (w & 0xffffff) <= max_gen);
}

static void *evc_closer(void *arg)
{
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t g = atomic_load(&evc.gen) + 1, h = 0;
		uint64_t size = EVC_SIZE;
		int ret;

		ret = __gem_close(evc.fd, evc.owned);
		if (!race_check(ret == 0, "GEM_CLOSE %u: %s\n", evc.owned,
				errname(-ret)))
			break;
		evc.owned = 0;
		/* The lowest free handle: usually the one just closed. */
		ret = __vshare_create(evc.fd, &size, 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		evc.owned = h;
		ret = __vshare_access(evc.fd, h, VSHARE_ACCESS_FILL, 0, EVC_SIZE,
				      EVC_TAG | g, NULL);
		if (!race_check(ret == 0, "ACCESS FILL: %s\n", errname(-ret)))
			break;
		atomic_store(&evc.gen, g);
		atomic_store(&evc.handle, h);
		atomic_fetch_add(&evc.recreated, 1);
	}
	return NULL;
}

static void *evc_exporter(void *arg)
{
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t h = atomic_load(&evc.handle), w0, w1, g;
		int dmabuf = -1, ret;
		uint32_t *p;

		ret = __prime_handle_to_fd(evc.fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
		if (ret == -ENOENT) {
			atomic_fetch_add(&evc.enoent, 1);
			sched_yield();
			continue;
		}
		if (!race_check(ret == 0, "PRIME_HANDLE_TO_FD(%u): %s\n", h,
				errname(-ret)))
			break;
		/* The dma-buf holds a buffer, whatever became of the handle. */
		p = mmap(NULL, EVC_SIZE, PROT_READ, MAP_SHARED, dmabuf, 0);
		if (!race_check(p != MAP_FAILED, "dma-buf mmap: %s\n",
				errname(errno))) {
			close(dmabuf);
			break;
		}
		w0 = p[0];
		w1 = p[EVC_SIZE / 4 - 1];
		g = atomic_load(&evc.gen) + 1;
		munmap(p, EVC_SIZE);
		close(dmabuf);
		race_check(evc_word_ok(w0, g) && evc_word_ok(w1, g),
			   "dma-buf of handle %u holds %#x..%#x (generation %u)\n",
			   h, w0, w1, g);
		atomic_fetch_add(&evc.exported, 1);
	}
	return NULL;
}

void test_export_vs_close(void)
{
	race_fn fns[] = { evc_closer, evc_exporter, evc_exporter };
	struct vshare_totals start;

	totals_get(&start);
	memset(&evc, 0, sizeof(evc));
	evc.fd = vs[0];
	evc.owned = vshare_create(vs[0], EVC_SIZE);
	atomic_store(&evc.handle, evc.owned);

	race_run(3, fns, NULL);
	if (evc.owned)
		gem_close(vs[0], evc.owned);
	igt_info("export-vs-close: %ld buffers closed and recreated, "
		 "%ld exports, %ld ENOENT\n", atomic_load(&evc.recreated),
		 atomic_load(&evc.exported), atomic_load(&evc.enoent));
	race_assert_ok();
	igt_assert(atomic_load(&evc.recreated) > 0);
	igt_assert(atomic_load(&evc.exported) > 0);
	totals_wait(&start);
}

/*
 * import-vs-release: a dma-buf fd is imported while the exporter closes
 * it, releases the buffer and exports the next one under the same number.
 */
#define IVR_SIZE	(64 * 1024)	/* also a 128x128 32 bpp dumb buffer */
#define IVR_IMPORTERS	2
#define IVR_TAG		0x1a000000u

static uint32_t ivr_crc[RACE_MAX_ITER + 2];

static struct {
	bool from_vgem;
	int exp_fd;
	int imp_fd[IVR_IMPORTERS];
	_Atomic int dmabuf;		/* published fd number, may be stale */
	_Atomic uint32_t gen;
	uint32_t handle;		/* the releaser's exporter handle */
	int live_fd;			/* the releaser's dma-buf fd */
	atomic_long imports, ebadf, released, reexported;
} ivr;

/* A new exporter buffer filled with the word of generation @g. */
static int ivr_create(uint32_t g, uint32_t *handle)
{
	uint64_t size = IVR_SIZE, offset = 0;
	uint32_t *p;
	size_t i;
	int ret;

	if (!ivr.from_vgem) {
		ret = __vshare_create(ivr.exp_fd, &size, 0, handle);
		if (ret)
			return ret;
		return __vshare_access(ivr.exp_fd, *handle, VSHARE_ACCESS_FILL,
				       0, IVR_SIZE, IVR_TAG | g, NULL);
	}
	ret = __dumb_create_mmap(ivr.exp_fd, 128, 128, handle, &size, &offset);
	if (ret)
		return ret;
	if (size != IVR_SIZE)
		return -ERANGE;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ivr.exp_fd,
		 offset);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < size / 4; i++)
		p[i] = IVR_TAG | g;
	munmap(p, size);
	return 0;
}

static void *ivr_releaser(void *arg)
{
	long n;
	int ret;

	for (n = 0; racing(n); n++) {
		uint32_t g = atomic_load(&ivr.gen) + 1, h = 0;
		int fd = -1;

		if (n & 1) {
			/* The next buffer, ready before the fd closes. */
			ret = ivr_create(g, &h);
			if (!race_check(ret == 0, "create: %s\n", errname(-ret))) {
				if (h)
					__gem_close(ivr.exp_fd, h);
				break;
			}
			ivr_crc[g] = fill_crc(IVR_SIZE, IVR_TAG | g);
		}
		/*
		 * The number stays published: importers race on it while it
		 * is closed and until it is reused by the export below.
		 */
		close(ivr.live_fd);
		ivr.live_fd = -1;
		if (n & 1) {
			/* Release the buffer: its dma-buf goes with the importers. */
			ret = __gem_close(ivr.exp_fd, ivr.handle);
			ivr.handle = h;
			if (!race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)))
				break;
			atomic_store(&ivr.gen, g);
			atomic_fetch_add(&ivr.released, 1);
		}
		ret = __prime_handle_to_fd(ivr.exp_fd, ivr.handle, DRM_CLOEXEC | DRM_RDWR, &fd);
		if (!race_check(ret == 0, "PRIME_HANDLE_TO_FD: %s\n", errname(-ret)))
			break;
		ivr.live_fd = fd;
		atomic_store(&ivr.dmabuf, fd);
		atomic_fetch_add(&ivr.reexported, 1);
	}
	return NULL;
}

static void *ivr_importer(void *arg)
{
	int fd = ivr.imp_fd[(intptr_t)arg];
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t lo = atomic_load(&ivr.gen), hi, g, h = 0;
		int dmabuf = atomic_load(&ivr.dmabuf), ret;
		uint64_t crc = 0;

		ret = __prime_fd_to_handle(fd, dmabuf, &h);
		hi = atomic_load(&ivr.gen);
		if (ret == -EBADF) {
			atomic_fetch_add(&ivr.ebadf, 1);
			sched_yield();
			continue;
		}
		if (!race_check(ret == 0, "PRIME_FD_TO_HANDLE(%d): %s\n", dmabuf,
				errname(-ret)))
			break;
		/* Through the exporter's begin_cpu_access and vmap. */
		ret = __vshare_access(fd, h, VSHARE_ACCESS_CRC32, 0, IVR_SIZE, 0,
				      &crc);
		if (race_check(ret == 0, "ACCESS CRC32 of an import: %s\n",
			       errname(-ret))) {
			/* The fd was the buffer of a generation in [lo, hi]. */
			for (g = lo; g <= hi; g++)
				if (crc == ivr_crc[g])
					break;
			race_check(g <= hi, "imported buffer CRC %#" PRIx64
				   " is no generation's in [%u, %u]\n", crc, lo, hi);
		}
		ret = __gem_close(fd, h);
		if (!race_check(ret == 0, "GEM_CLOSE of an import: %s\n",
				errname(-ret)))
			break;
		atomic_fetch_add(&ivr.imports, 1);
	}
	return NULL;
}

void test_import_vs_release(int exp_fd, bool from_vgem)
{
	race_fn fns[] = { ivr_releaser, ivr_importer, ivr_importer };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct vshare_totals start;
	int i, ret;

	totals_get(&start);
	memset(&ivr, 0, sizeof(ivr));
	ivr.from_vgem = from_vgem;
	ivr.exp_fd = exp_fd;
	for (i = 0; i < IVR_IMPORTERS; i++) {
		/* One file each: their handles are theirs alone. */
		ivr.imp_fd[i] = open_path(vs_path[0]);
		igt_assert(ivr.imp_fd[i] >= 0);
	}
	ret = ivr_create(0, &ivr.handle);
	igt_assert_eq(ret, 0);
	ivr_crc[0] = fill_crc(IVR_SIZE, IVR_TAG);
	ivr.live_fd = prime_handle_to_fd(exp_fd, ivr.handle, DRM_CLOEXEC | DRM_RDWR);
	atomic_store(&ivr.dmabuf, ivr.live_fd);

	race_run(3, fns, args);
	if (ivr.live_fd >= 0)
		close(ivr.live_fd);
	if (ivr.handle)
		gem_close(exp_fd, ivr.handle);
	for (i = 0; i < IVR_IMPORTERS; i++)
		close(ivr.imp_fd[i]);
	igt_info("import-vs-release (%s): %ld imports, %ld EBADF, "
		 "%ld dma-buf fds recreated, %ld buffers released\n",
		 from_vgem ? "vgem -> vshare" : "vshare #1 -> vshare #0",
		 atomic_load(&ivr.imports), atomic_load(&ivr.ebadf),
		 atomic_load(&ivr.reexported), atomic_load(&ivr.released));
	race_assert_ok();
	igt_assert(atomic_load(&ivr.imports) > 0);
	igt_assert(atomic_load(&ivr.released) > 0);
	totals_wait(&start);
}

/*
 * module-unload-busy: delete_module() while files, mappings and dma-bufs
 * of vshare are in use.
 */
#define MUB_SIZE	(64 * 1024)

static struct {
	char path[64];
	atomic_long attempts, uses;
} mub;

/* delete_module(2) as rmmod does without --wait: 0 or the errno. */
static int try_unload(void)
{
	return syscall(SYS_delete_module, "vshare", O_NONBLOCK) ? errno : 0;
}

static bool unload_refused(int err)
{
	return err == EAGAIN || err == EBUSY;
}

static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/vshare/refcnt", "r");
	int refs = -1;

	if (f) {
		if (fscanf(f, "%d", &refs) != 1)
			refs = -1;
		fclose(f);
	}
	return refs;
}

static void *mub_unloader(void *arg)
{
	long n;

	for (n = 0; racing(n); n++) {
		int err = try_unload();

		if (!race_check(unload_refused(err), "delete_module: %s\n",
				err ? errname(err) : "succeeded"))
			break;
		atomic_fetch_add(&mub.attempts, 1);
		usleep(1000);
	}
	return NULL;
}

/* Keeps using a file of its own while the unloader tries. */
static void *mub_user(void *arg)
{
	long n;

	for (n = 0; racing(n); n++) {
		int fd = open_path(mub.path), dmabuf = -1, ret;
		uint64_t size = MUB_SIZE, crc = 0;
		uint32_t h = 0, v = 0x600d0000u | (uint32_t)n, *g, *d;
		struct drm_vshare_map_offset mo = { 0 };
		size_t i;
		bool ok = true;

		if (!race_check(fd >= 0, "open: %s\n", errname(errno)))
			break;
		ret = __vshare_create(fd, &size, 0, &h);
		if (!ret) {
			mo.handle = h;
			ret = igt_ioctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo) ?
			      -errno : 0;
		}
		if (!ret)
			ret = __prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR,
						   &dmabuf);
		if (!race_check(ret == 0, "create/map/export: %s\n",
				errname(-ret))) {
			close(fd);
			break;
		}
		g = mmap(NULL, MUB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 mo.offset);
		d = mmap(NULL, MUB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dmabuf, 0);
		ok = race_check(g != MAP_FAILED && d != MAP_FAILED, "mmap: %s\n",
				errname(errno));
		if (ok) {
			for (i = 0; i < MUB_SIZE / 4; i++)
				g[i] = v;
			for (i = 0; i < MUB_SIZE / 4 && d[i] == v; i++)
				;
			ok = race_check(i == MUB_SIZE / 4,
					"word %zu: %#x, expected %#x\n", i, d[i], v);
		}
		if (g != MAP_FAILED)
			munmap(g, MUB_SIZE);
		if (d != MAP_FAILED)
			munmap(d, MUB_SIZE);
		close(dmabuf);
		if (ok) {
			ret = __vshare_access(fd, h, VSHARE_ACCESS_CRC32, 0,
					      MUB_SIZE, 0, &crc);
			ok = race_check(ret == 0 && crc == fill_crc(MUB_SIZE, v),
					"ACCESS CRC32: %s, %#" PRIx64 "\n",
					errname(-ret), crc);
		}
		__gem_close(fd, h);
		close(fd);
		if (!ok)
			break;
		atomic_fetch_add(&mub.uses, 1);
	}
	return NULL;
}

void test_module_unload_busy(void)
{
	race_fn fns[] = { mub_unloader, mub_user };
	uint32_t *gptr, *dptr, h, crc;
	struct vshare_totals start;
	int fd, dmabuf, err;

	err = try_unload();
	igt_require_f(err != EPERM, "delete_module needs CAP_SYS_MODULE\n");
	igt_require_f(err != ENOENT, "vshare is not a loaded module\n");
	igt_assert_f(unload_refused(err), "delete_module: %s\n",
		     err ? errname(err) : "succeeded");

	totals_get(&start);
	memset(&mub, 0, sizeof(mub));
	strcpy(mub.path, vs_path[0]);
	race_run(2, fns, NULL);
	igt_info("module-unload-busy: %ld delete_module attempts refused "
		 "while %ld files were opened, mapped and used\n",
		 atomic_load(&mub.attempts), atomic_load(&mub.uses));
	race_assert_ok();
	igt_assert(atomic_load(&mub.attempts) > 0 && atomic_load(&mub.uses) > 0);
	totals_wait(&start);

	/* Now with no vshare file open at all: mappings alone. */
	fd = open_path(vs_path[0]);
	igt_assert(fd >= 0);
	h = vshare_create(fd, MUB_SIZE);
	gptr = vshare_mmap(fd, h, MUB_SIZE, PROT_READ | PROT_WRITE);
	dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR);
	dptr = dmabuf_mmap(dmabuf, MUB_SIZE, PROT_READ | PROT_WRITE);
	fill_pattern(gptr, MUB_SIZE, 77);
	close(dmabuf);
	gem_close(fd, h);
	close(fd);
	drm_close(vs[0]);
	drm_close(vs[1]);
	vs[0] = vs[1] = -1;

	igt_info("GEM and dma-buf mappings only: module refcnt %d\n",
		 module_refcnt());
	err = try_unload();
	igt_assert_f(unload_refused(err), "delete_module with mappings: %s\n",
		     err ? errname(err) : "succeeded");
	igt_assert_eq(check_pattern(dptr, MUB_SIZE, 77), 0);
	fill_pattern(dptr, MUB_SIZE, 78);
	igt_assert_eq(check_pattern(gptr, MUB_SIZE, 78), 0);
	munmap(gptr, MUB_SIZE);

	igt_info("dma-buf mapping only: module refcnt %d\n", module_refcnt());
	err = try_unload();
	igt_assert_f(unload_refused(err), "delete_module with a mapping: %s\n",
		     err ? errname(err) : "succeeded");
	igt_assert_eq(check_pattern(dptr, MUB_SIZE, 78), 0);

	/* A dma-buf fd alone, no file and no mapping. */
	fd = open_path(vs_path[0]);
	igt_assert(fd >= 0);
	h = vshare_create(fd, MUB_SIZE);
	vshare_fill(fd, h, 0, MUB_SIZE, 0x0b0e0b0e);
	dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR);
	gem_close(fd, h);
	close(fd);
	munmap(dptr, MUB_SIZE);
	igt_info("dma-buf fd only: module refcnt %d\n", module_refcnt());
	err = try_unload();
	igt_assert_f(unload_refused(err), "delete_module with a dma-buf: %s\n",
		     err ? errname(err) : "succeeded");

	/* Everything still works afterwards. */
	vs[0] = drm_open_driver_require("vshare", NODE_RENDER, 0);
	vs[1] = drm_open_driver_nth("vshare", NODE_RENDER, 1);
	h = prime_fd_to_handle(vs[0], dmabuf);
	close(dmabuf);
	crc = vshare_crc32(vs[0], h, 0, MUB_SIZE);
	igt_assert_eq_u32(crc, fill_crc(MUB_SIZE, 0x0b0e0b0e));
	gem_close(vs[0], h);
	totals_wait(&start);
}
