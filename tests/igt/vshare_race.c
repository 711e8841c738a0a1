// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_race: multi-threaded races between the paths that create, share,
 * map, access and release vshare buffers: export against handle close and
 * reuse, import against dma-buf release, CPU mappings against close, the
 * ACCESS ioctl's vmap against the exporter going away, FENCE_SIGNAL against
 * the expiry timer, engine jobs against export/import/close, and module
 * unload against live users.
 *
 * Each subtest races for RACE_SECONDS or RACE_MAX_ITER iterations of a
 * thread, whichever comes first (the test VM is a slow emulator), checks
 * every return value against the errnos the race allows, checks contents,
 * and ends with the device's buffers and memory back at their starting
 * values (debugfs).
 *
 * The harness's igt_assert() jumps out of the subtest and is only for the
 * main thread: worker threads record the first failure with race_check(),
 * which stops the race; the main thread cleans up and asserts afterwards.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define MiB (1024ull * 1024)

#define RACE_SECONDS	3.0
#define RACE_MAX_ITER	20000
#define MAX_THREADS	8

/* The vshare devices (render nodes) and vgem, opened by the fixture. */
static int vs[2] = { -1, -1 };
static int vgem = -1;
static char vs_path[2][64];

/* ---------------------------------------------------------------------- */
/* Racing threads                                                         */

static struct {
	atomic_bool stop;
	double deadline;
	pthread_mutex_t lock;
	bool failed;
	char msg[1024];
} race = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ?: "unknown errno";
}

/* Whether a thread at iteration @iter goes on; ends the race for all. */
static bool racing(long iter)
{
	if (atomic_load(&race.stop))
		return false;
	if (iter >= RACE_MAX_ITER || now_s() >= race.deadline) {
		atomic_store(&race.stop, true);
		return false;
	}
	return true;
}

static void __attribute__((format(printf, 2, 3)))
race_fail(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	pthread_mutex_lock(&race.lock);
	if (!race.failed) {
		race.failed = true;
		n = snprintf(race.msg, sizeof(race.msg), "line %d: ", line);
		va_start(ap, fmt);
		vsnprintf(race.msg + n, sizeof(race.msg) - n, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&race.lock);
	atomic_store(&race.stop, true);
}

/* For worker threads: records a failure and stops the race; true if ok. */
#define race_check(expr, fmt, ...) ({					\
	bool __ok = (expr);						\
	if (!__ok)							\
		race_fail(__LINE__, "%s: " fmt, #expr, ##__VA_ARGS__);	\
	__ok;								\
})

typedef void *(*race_fn)(void *);

/* Runs the threads until they have all stopped. */
static void race_run(int n, race_fn *fns, void **args)
{
	pthread_t threads[MAX_THREADS];
	int i, started = 0, ret;

	igt_assert(n <= MAX_THREADS);
	atomic_store(&race.stop, false);
	race.failed = false;
	race.msg[0] = '\0';
	race.deadline = now_s() + RACE_SECONDS;
	for (i = 0; i < n; i++) {
		ret = pthread_create(&threads[i], NULL, fns[i],
				     args ? args[i] : (void *)(intptr_t)i);
		if (ret) {
			race_fail(__LINE__, "pthread_create: %s\n", errname(ret));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

/* After the cleanup: the first failure of a worker fails the subtest. */
static void race_assert_ok(void)
{
	igt_assert_f(!race.failed, "%s", race.msg);
}

static void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(cond, lock, &ts);
}

/* ---------------------------------------------------------------------- */
/* Thread-safe helpers (no igt_assert)                                    */

static int __signal(int fd, uint32_t id)
{
	struct drm_vshare_fence_signal arg = { .fence = id };

	return igt_ioctl(fd, DRM_IOCTL_VSHARE_FENCE_SIGNAL, &arg) ? -errno : 0;
}

static int __export_sync_file(int dmabuf, uint32_t flags, int *sync_fd)
{
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };

	if (igt_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg))
		return -errno;
	*sync_fd = arg.fd;
	return 0;
}

/* A sync_file's status: 0 pending, 1 signaled, < 0 error; -1000 on failure. */
static int sync_status(int sync_fd)
{
	struct sync_file_info info = { 0 };

	if (igt_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info))
		return -1000;
	return info.status;
}

/* Waits for a job's sync_file, checks it signaled without error, closes it. */
static bool job_fence_ok(int sync_fd)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	int ret, status;
	bool ok;

	ret = poll(&p, 1, 30000);
	ok = race_check(ret == 1, "out-fence did not signal in 30 s (poll %d)\n",
			ret);
	if (ok) {
		status = sync_status(sync_fd);
		ok = race_check(status == 1, "out-fence status %d (%s)\n", status,
				status < 0 ? errname(-status) : "pending");
	}
	close(sync_fd);
	return ok;
}

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

/* ---------------------------------------------------------------------- */
/* Leak checks: buffers of both devices and vshare's memory                */

struct counts {
	int bos[2];
	uint64_t mem;
};

static void counts_get(struct counts *c)
{
	c->bos[0] = vshare_bo_count(vs[0], 0);
	c->bos[1] = vs[1] >= 0 ? vshare_bo_count(vs[1], 0) : 0;
	c->mem = vshare_mem_used(vs[0]);
}

/*
 * Some references go asynchronously (an engine job drops its buffers just
 * after signaling its fence): give them a few seconds.
 */
static void counts_wait(const struct counts *start)
{
	double end = now_s() + 10;
	struct counts c;

	for (;;) {
		counts_get(&c);
		if (!memcmp(&c, start, sizeof(c)) || now_s() > end)
			break;
		usleep(20000);
	}
	igt_assert_f(!memcmp(&c, start, sizeof(c)),
		     "not back to the start: device 0 %d -> %d buffers, "
		     "device 1 %d -> %d buffers, memory %" PRIu64 " -> %" PRIu64
		     " bytes\n", start->bos[0], c.bos[0], start->bos[1],
		     c.bos[1], start->mem, c.mem);
}

/* The path of a DRM fd's node, to open more files of the same device. */
static void fd_path(int fd, char *path, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, len - 1);
	igt_assert(n > 0);
	path[n] = '\0';
}

static int open_path(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

/* ---------------------------------------------------------------------- */
/* export-vs-close                                                        */

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

static void test_export_vs_close(void)
{
	race_fn fns[] = { evc_closer, evc_exporter, evc_exporter };
	struct counts start;

	counts_get(&start);
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
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */
/* import-vs-release                                                      */

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

static void test_import_vs_release(int exp_fd, bool from_vgem)
{
	race_fn fns[] = { ivr_releaser, ivr_importer, ivr_importer };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct counts start;
	int i, ret;

	counts_get(&start);
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
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */
/* mmap-vs-free                                                           */

#define MVF_SIZE	(2 * MiB + 3 * 4096)
#define MVF_PAGES	((int)(MVF_SIZE / 4096))
#define MVF_WORDS	1024		/* per page */
#define MVF_TAG(i, n)	(0xb0000000u | (uint32_t)(i) << 24 | ((n) & 0xffffff))

static struct {
	int fd;
	_Atomic uint32_t handle;	/* published, may be stale */
	_Atomic int dmabuf;		/* published, may be stale */
	_Atomic uint32_t gen;
	_Atomic uint32_t closing_handle;	/* about to be closed */
	_Atomic int closing_fd;			/* about to be closed */
	uint32_t live_handle;		/* the closer's */
	int live_fd;			/* the closer's */
	atomic_long buffers, maps[2], refused[2], after_close[2];
} mvf;

static void *mvf_closer(void *arg)
{
	long n;
	int ret;

	for (n = 0; racing(n); n++) {
		uint64_t size = MVF_SIZE;
		uint32_t h = 0, old_h = mvf.live_handle;
		int fd = -1, old_fd = mvf.live_fd;

		ret = __vshare_create(mvf.fd, &size, n % 4 == 3 ?
				      VSHARE_CREATE_WC : 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		ret = __prime_handle_to_fd(mvf.fd, h, DRM_CLOEXEC | DRM_RDWR, &fd);
		if (!race_check(ret == 0, "PRIME_HANDLE_TO_FD: %s\n",
				errname(-ret))) {
			__gem_close(mvf.fd, h);
			break;
		}
		mvf.live_handle = h;
		mvf.live_fd = fd;
		atomic_store(&mvf.closing_handle, old_h);
		atomic_store(&mvf.closing_fd, old_fd);
		atomic_store(&mvf.handle, h);
		atomic_store(&mvf.dmabuf, fd);
		atomic_fetch_add(&mvf.gen, 1);
		/* Mappings of the old buffer must keep it alive. */
		close(old_fd);
		ret = __gem_close(mvf.fd, old_h);
		if (!race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)))
			break;
		atomic_fetch_add(&mvf.buffers, 1);
	}
	return NULL;
}

/*
 * Each mapper owns word @i of every page: it finds there zero or a tag of
 * its own from an earlier iteration, and writes its tag. Word 1023 is
 * nobody's and must stay zero.
 */
static bool mvf_touch(volatile uint32_t *p, int pg, int i, long n, bool first)
{
	volatile uint32_t *w = p + pg * MVF_WORDS;
	uint32_t v = w[i], tag = MVF_TAG(i, n);

	if (first) {
		if (!race_check(!v || (v >> 24 == (tag >> 24) &&
				       (v & 0xffffff) < (tag & 0xffffff)),
				"page %d word %d: %#x before writing %#x\n",
				pg, i, v, tag))
			return false;
		w[i] = tag;
		v = w[i];
	}
	return race_check(v == tag, "page %d word %d: %#x, wrote %#x\n",
			  pg, i, v, tag) &&
	       race_check(w[MVF_WORDS - 1] == 0, "page %d: stray %#x\n", pg,
			  w[MVF_WORDS - 1]);
}

static void *mvf_mapper(void *arg)
{
	int i = (intptr_t)arg;	/* 0: GEM mmap, 1: dma-buf mmap */
	long n;

	for (n = 1; racing(n); n++) {
		volatile uint32_t *p;
		uint32_t g;
		double end;
		int pg;
		bool ok = true;

		/* Every other time, the buffer the closer is closing now. */
		bool closing = n & 1;

		if (i == 0) {
			struct drm_vshare_map_offset mo = {
				.handle = closing ? atomic_load(&mvf.closing_handle) :
					  atomic_load(&mvf.handle),
			};

			if (igt_ioctl(mvf.fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &mo)) {
				if (!race_check(errno == ENOENT, "MAP_OFFSET: %s\n",
						errname(errno)))
					break;
				atomic_fetch_add(&mvf.refused[i], 1);
				continue;
			}
			p = mmap(NULL, MVF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 mvf.fd, mo.offset);
			/* Closed since: unknown offset, or no longer ours. */
			if (p == MAP_FAILED) {
				if (!race_check(errno == EINVAL || errno == EACCES,
						"GEM mmap: %s\n", errname(errno)))
					break;
				atomic_fetch_add(&mvf.refused[i], 1);
				continue;
			}
		} else {
			p = mmap(NULL, MVF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 closing ? atomic_load(&mvf.closing_fd) :
				 atomic_load(&mvf.dmabuf), 0);
			if (p == MAP_FAILED) {
				if (!race_check(errno == EBADF, "dma-buf mmap: %s\n",
						errname(errno)))
					break;
				atomic_fetch_add(&mvf.refused[i], 1);
				continue;
			}
		}
		g = atomic_load(&mvf.gen);

		/* Half the pages now, maybe while the closer closes... */
		for (pg = 0; pg < MVF_PAGES && ok; pg += 2)
			ok = mvf_touch(p, pg, i, n, true);
		/* ...and the other half surely after handle and fd are gone. */
		end = now_s() + 0.1;
		while (atomic_load(&mvf.gen) < g + 2 && now_s() < end &&
		       !atomic_load(&race.stop))
			sched_yield();
		if (atomic_load(&mvf.gen) >= g + 2)
			atomic_fetch_add(&mvf.after_close[i], 1);
		for (pg = 1; pg < MVF_PAGES && ok; pg += 2)
			ok = mvf_touch(p, pg, i, n, true);
		for (pg = 0; pg < MVF_PAGES && ok; pg++)
			ok = mvf_touch(p, pg, i, n, false);
		munmap((void *)p, MVF_SIZE);
		if (!ok)
			break;
		atomic_fetch_add(&mvf.maps[i], 1);
	}
	return NULL;
}

static void test_mmap_vs_free(void)
{
	race_fn fns[] = { mvf_closer, mvf_mapper, mvf_mapper };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct counts start;

	counts_get(&start);
	memset(&mvf, 0, sizeof(mvf));
	mvf.fd = vs[0];
	mvf.live_handle = vshare_create(vs[0], MVF_SIZE);
	mvf.live_fd = prime_handle_to_fd(vs[0], mvf.live_handle,
					 DRM_CLOEXEC | DRM_RDWR);
	atomic_store(&mvf.handle, mvf.live_handle);
	atomic_store(&mvf.dmabuf, mvf.live_fd);
	atomic_store(&mvf.closing_handle, mvf.live_handle);
	atomic_store(&mvf.closing_fd, mvf.live_fd);

	race_run(3, fns, args);
	close(mvf.live_fd);
	gem_close(vs[0], mvf.live_handle);
	igt_info("mmap-vs-free: %ld buffers closed; GEM mmap: %ld mapped "
		 "(%ld touched after close), %ld refused; dma-buf mmap: %ld "
		 "mapped (%ld touched after close), %ld refused\n",
		 atomic_load(&mvf.buffers), atomic_load(&mvf.maps[0]),
		 atomic_load(&mvf.after_close[0]), atomic_load(&mvf.refused[0]),
		 atomic_load(&mvf.maps[1]), atomic_load(&mvf.after_close[1]),
		 atomic_load(&mvf.refused[1]));
	race_assert_ok();
	igt_assert(atomic_load(&mvf.maps[0]) > 0);
	igt_assert(atomic_load(&mvf.maps[1]) > 0);
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */
/* vmap-vs-release                                                        */

#define VVR_SIZE	(64 * 1024)
#define VVR_HALF	(VVR_SIZE / 2)
#define VVR_ACCESSORS	2

static struct {
	int imp_fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Under lock: the current import and what its first half holds. */
	uint32_t handle, gen, value, crc;
	int acks;
	uint32_t leftover;		/* an import left for the main thread */
	atomic_long rounds, accesses[VVR_ACCESSORS], files_closed;
} vvr = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
};

static void *vvr_releaser(void *arg)
{
	int exp_fd = -1, ret;
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t v = 0x5eed0000u + n, h = 0, hi = 0;
		uint64_t size = VVR_SIZE;
		int dmabuf = -1;
		bool acked;

		if (exp_fd < 0) {
			exp_fd = open_path(vs_path[1]);
			if (!race_check(exp_fd >= 0, "open %s: %s\n", vs_path[1],
					errname(errno)))
				break;
		}
		ret = __vshare_create(exp_fd, &size, n % 4 == 1 ?
				      VSHARE_CREATE_WC : 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		ret = __vshare_access(exp_fd, h, VSHARE_ACCESS_FILL, 0, VVR_SIZE,
				      v, NULL);
		if (!ret)
			ret = __prime_handle_to_fd(exp_fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
		if (!ret)
			ret = __prime_fd_to_handle(vvr.imp_fd, dmabuf, &hi);
		if (!race_check(ret == 0, "fill/export/import: %s\n",
				errname(-ret))) {
			if (dmabuf >= 0)
				close(dmabuf);
			__gem_close(exp_fd, h);
			break;
		}

		pthread_mutex_lock(&vvr.lock);
		vvr.handle = hi;
		vvr.value = v;
		vvr.crc = fill_crc(VVR_HALF, v);
		vvr.gen++;
		vvr.acks = 0;
		pthread_cond_broadcast(&vvr.cond);
		pthread_mutex_unlock(&vvr.lock);

		/* The exporter lets go while the importer accesses the buffer. */
		ret = __gem_close(exp_fd, h);
		race_check(ret == 0, "GEM_CLOSE exporter: %s\n", errname(-ret));
		close(dmabuf);
		if (n % 4 == 3) {
			close(exp_fd);
			exp_fd = -1;
			atomic_fetch_add(&vvr.files_closed, 1);
		}

		pthread_mutex_lock(&vvr.lock);
		while (vvr.acks < VVR_ACCESSORS && !atomic_load(&race.stop))
			cond_wait_ms(&vvr.cond, &vvr.lock, 10);
		acked = vvr.acks == VVR_ACCESSORS;
		pthread_mutex_unlock(&vvr.lock);
		if (!acked) {
			/* An accessor may still use it: after the join. */
			vvr.leftover = hi;
			break;
		}
		ret = __gem_close(vvr.imp_fd, hi);
		if (!race_check(ret == 0, "GEM_CLOSE import: %s\n", errname(-ret)))
			break;
		atomic_fetch_add(&vvr.rounds, 1);
	}
	if (exp_fd >= 0)
		close(exp_fd);
	return NULL;
}

/*
 * Accessor 0 checks the first half (the exporter's fill) with CRC32;
 * accessor 1 fills the second half and checks it. Both through the
 * exporter's vmap and begin/end_cpu_access.
 */
static void *vvr_accessor(void *arg)
{
	int i = (intptr_t)arg, k, ret;
	uint32_t seen = 0;
	long n;

	for (n = 0; ; n++) {
		uint32_t h, v, crc, w;
		uint64_t res = 0;
		bool go;

		pthread_mutex_lock(&vvr.lock);
		while (vvr.gen == seen && racing(n))
			cond_wait_ms(&vvr.cond, &vvr.lock, 10);
		go = vvr.gen != seen && racing(n);
		h = vvr.handle;
		v = vvr.value;
		crc = vvr.crc;
		seen = vvr.gen;
		pthread_mutex_unlock(&vvr.lock);
		if (!go)
			break;

		for (k = 0; k < 2; k++) {
			if (i == 0) {
				ret = __vshare_access(vvr.imp_fd, h,
						      VSHARE_ACCESS_CRC32, 0,
						      VVR_HALF, 0, &res);
				if (!race_check(ret == 0, "ACCESS CRC32: %s\n",
						errname(-ret)))
					return NULL;
				if (!race_check(res == crc, "CRC %#" PRIx64
						", expected %#x (fill %#x)\n",
						res, crc, v))
					return NULL;
			} else {
				w = ~v ^ k;
				ret = __vshare_access(vvr.imp_fd, h,
						      VSHARE_ACCESS_FILL, VVR_HALF,
						      VVR_HALF, w, NULL);
				if (!race_check(ret == 0, "ACCESS FILL: %s\n",
						errname(-ret)))
					return NULL;
				ret = __vshare_access(vvr.imp_fd, h,
						      VSHARE_ACCESS_CRC32, VVR_HALF,
						      VVR_HALF, 0, &res);
				if (!race_check(ret == 0, "ACCESS CRC32: %s\n",
						errname(-ret)))
					return NULL;
				if (!race_check(res == fill_crc(VVR_HALF, w),
						"CRC %#" PRIx64 " after fill %#x\n",
						res, w))
					return NULL;
			}
			atomic_fetch_add(&vvr.accesses[i], 1);
		}
		pthread_mutex_lock(&vvr.lock);
		vvr.acks++;
		pthread_cond_broadcast(&vvr.cond);
		pthread_mutex_unlock(&vvr.lock);
	}
	return NULL;
}

static void test_vmap_vs_release(void)
{
	race_fn fns[] = { vvr_releaser, vvr_accessor, vvr_accessor };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct counts start;

	counts_get(&start);
	vvr.imp_fd = vs[0];
	vvr.handle = vvr.gen = vvr.value = vvr.crc = 0;
	vvr.acks = 0;
	vvr.leftover = 0;
	atomic_store(&vvr.rounds, 0);
	atomic_store(&vvr.accesses[0], 0);
	atomic_store(&vvr.accesses[1], 0);
	atomic_store(&vvr.files_closed, 0);

	race_run(3, fns, args);
	if (vvr.leftover)
		gem_close(vs[0], vvr.leftover);
	igt_info("vmap-vs-release: %ld exporter buffers released under the "
		 "importer (%ld with their file), %ld CRC32 and %ld FILL+CRC32 "
		 "accesses\n", atomic_load(&vvr.rounds),
		 atomic_load(&vvr.files_closed), atomic_load(&vvr.accesses[0]),
		 atomic_load(&vvr.accesses[1]));
	race_assert_ok();
	igt_assert(atomic_load(&vvr.rounds) > 0);
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */
/* fence-signal-vs-expiry                                                 */

#define FSE_THREADS	2

static struct {
	int fd;
	uint32_t handle[FSE_THREADS];
	int dmabuf[FSE_THREADS];
	atomic_long signaled, expired, expired_early, closes;
} fse;

static short poll_ready(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, ms) < 0)
		return -1;
	return p.revents & events;
}

/* A file that attached a fence and goes away signals it, racing the timer. */
static bool fse_close_file(int i, uint32_t timeout, unsigned int *seed)
{
	int fd = open_path(vs_path[0]), ret;
	uint32_t h = 0, id;
	short ready;

	if (!race_check(fd >= 0, "open: %s\n", errname(errno)))
		return false;
	ret = __prime_fd_to_handle(fd, fse.dmabuf[i], &h);
	if (!ret)
		ret = __vshare_fence_attach(fd, h, VSHARE_FENCE_WRITE | VSHARE_FENCE_TIMEOUT,
			       timeout, &id);
	if (!race_check(ret == 0, "import/FENCE_ATTACH: %s\n", errname(-ret))) {
		close(fd);
		return false;
	}
	usleep(rand_r(seed) % 6000);
	close(fd);
	ready = poll_ready(fse.dmabuf[i], POLLIN | POLLOUT, 1000);
	atomic_fetch_add(&fse.closes, 1);
	return race_check(ready == (POLLIN | POLLOUT),
			  "dma-buf not idle after its fence's file closed (%#x)\n",
			  ready);
}

static void *fse_thread(void *arg)
{
	int i = (intptr_t)arg, sync_fd = -1, ret, st0, st1;
	unsigned int seed = 0x5eed + i;
	long n;

	for (n = 0; racing(n); n++) {
		uint32_t timeout = n % 6, id = 0;
		uint32_t flags = VSHARE_FENCE_TIMEOUT |
				 (n & 1 ? VSHARE_FENCE_WRITE : 0);
		short ready;

		if (n % 16 == 15) {
			if (!fse_close_file(i, timeout, &seed))
				break;
			continue;
		}

		/* Every earlier fence is signaled: no conflict possible. */
		ret = __vshare_fence_attach(fse.fd, fse.handle[i], flags, timeout, &id);
		if (!race_check(ret == 0, "FENCE_ATTACH (timeout %u ms): %s\n",
				timeout, errname(-ret)))
			break;
		ret = __export_sync_file(fse.dmabuf[i], DMA_BUF_SYNC_WRITE,
					 &sync_fd);
		if (!race_check(ret == 0, "EXPORT_SYNC_FILE: %s\n",
				errname(-ret)))
			break;
		/* 0: the sync_file holds our fence, pending. */
		st0 = sync_status(sync_fd);

		/* HZ granularity: sometimes before the expiry, sometimes after. */
		usleep(rand_r(&seed) % 12000);
		ret = __signal(fse.fd, id);
		ready = poll_ready(fse.dmabuf[i], POLLIN | POLLOUT, 0);
		st1 = sync_status(sync_fd);
		close(sync_fd);

		if (!race_check(ret == 0 || ret == -ETIMEDOUT,
				"FENCE_SIGNAL: %s\n", errname(-ret)) ||
		    !race_check(ready == (POLLIN | POLLOUT),
				"dma-buf not idle after FENCE_SIGNAL (%#x)\n",
				ready))
			break;
		if (st0 == 0) {
			/* Signal and fence agree on who won. */
			if (!race_check((ret == 0 && st1 == 1) ||
					(ret == -ETIMEDOUT && st1 == -ETIMEDOUT),
					"FENCE_SIGNAL returned %d but the fence "
					"status is %d (timeout %u ms)\n",
					ret, st1, timeout))
				break;
		} else {
			/* Expired before the export: only the timer signals. */
			if (!race_check(ret == -ETIMEDOUT &&
					(st0 == 1 || st0 == -ETIMEDOUT) &&
					st1 == st0,
					"fence expired before the export "
					"(status %d, then %d), FENCE_SIGNAL "
					"returned %d\n", st0, st1, ret))
				break;
			atomic_fetch_add(&fse.expired_early, 1);
		}
		atomic_fetch_add(ret ? &fse.expired : &fse.signaled, 1);
	}
	return NULL;
}

static void test_fence_signal_vs_expiry(void)
{
	race_fn fns[FSE_THREADS];
	struct counts start;
	int i;

	counts_get(&start);
	memset(&fse, 0, sizeof(fse));
	fse.fd = vs[0];
	for (i = 0; i < FSE_THREADS; i++) {
		fns[i] = fse_thread;
		fse.handle[i] = vshare_create(vs[0], 4096);
		fse.dmabuf[i] = prime_handle_to_fd(vs[0], fse.handle[i],
						   DRM_CLOEXEC | DRM_RDWR);
	}

	race_run(FSE_THREADS, fns, NULL);
	for (i = 0; i < FSE_THREADS; i++) {
		/* Nothing may be left pending. */
		igt_assert_eq(poll_ready(fse.dmabuf[i], POLLIN | POLLOUT, 1000),
			      POLLIN | POLLOUT);
		close(fse.dmabuf[i]);
		gem_close(vs[0], fse.handle[i]);
	}
	igt_info("fence-signal-vs-expiry: %ld signaled, %ld expired first "
		 "(%ld before the sync_file export), %ld signaled by closing "
		 "the file\n", atomic_load(&fse.signaled),
		 atomic_load(&fse.expired), atomic_load(&fse.expired_early),
		 atomic_load(&fse.closes));
	race_assert_ok();
	igt_assert(atomic_load(&fse.signaled) + atomic_load(&fse.expired) > 0);
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */
/* engine-vs-close                                                        */

#define ENG_SIZE	(64 * 1024)
#define ENG_HALF	(ENG_SIZE / 2)
#define ENG_SLOTS	4
#define ENG_SUBMITTERS	2
#define ENG_RING	16

static struct {
	int fd0, fd1;
	int priv_fd[ENG_SUBMITTERS];
	_Atomic uint32_t slot[ENG_SLOTS];	/* live handles, churn's */
	_Atomic uint32_t retiring;		/* being closed by churn */
	atomic_long jobs, enoent, private_checks, peer_jobs, churned;
} eng;

/* Out-fences in flight: waited for (and checked) oldest first. */
struct fence_ring {
	int fds[ENG_RING];
	int head, count;
};

static bool ring_pop(struct fence_ring *r)
{
	int fd = r->fds[r->head];

	r->head = (r->head + 1) % ENG_RING;
	r->count--;
	return job_fence_ok(fd);
}

static bool ring_push(struct fence_ring *r, int fd)
{
	bool ok = true;

	if (r->count == ENG_RING)
		ok = ring_pop(r);
	r->fds[(r->head + r->count) % ENG_RING] = fd;
	r->count++;
	return ok;
}

static void ring_drain(struct fence_ring *r)
{
	while (r->count)
		ring_pop(r);
}

/*
 * A private buffer whose handle is closed while a job writes it: the job
 * still completes, into the buffer the dma-buf keeps alive.
 */
static bool eng_private_check(int fd, long n)
{
	uint32_t p = 0, hp = 0, x = 0xc0ffee00u ^ (uint32_t)n;
	uint64_t size = ENG_SIZE, crc = 0;
	struct drm_vshare_submit s = {
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.size = ENG_SIZE, .value = x, .delay_ms = 2,
	};
	int dmabuf = -1, ret;
	bool ok;

	ret = __vshare_create(fd, &size, 0, &p);
	if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
		return false;
	s.dst_handle = p;
	ret = __vshare_submit(fd, &s);
	if (!race_check(ret == 0, "SUBMIT: %s\n", errname(-ret))) {
		__gem_close(fd, p);
		return false;
	}
	ret = __prime_handle_to_fd(fd, p, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	race_check(ret == 0, "PRIME_HANDLE_TO_FD: %s\n", errname(-ret));
	ret = __gem_close(fd, p);
	race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret));
	ok = job_fence_ok(s.out_fence_fd);
	if (dmabuf < 0)
		return false;
	ret = __prime_fd_to_handle(fd, dmabuf, &hp);
	close(dmabuf);
	if (!race_check(ret == 0, "PRIME_FD_TO_HANDLE: %s\n", errname(-ret)))
		return false;
	ret = __vshare_access(fd, hp, VSHARE_ACCESS_CRC32, 0, ENG_SIZE, 0, &crc);
	ok = race_check(ret == 0, "ACCESS CRC32: %s\n", errname(-ret)) && ok;
	ok = ok && race_check(crc == fill_crc(ENG_SIZE, x),
			      "buffer CRC %#" PRIx64 " after a FILL of %#x\n",
			      crc, x);
	ret = __gem_close(fd, hp);
	return race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)) && ok;
}

static void *eng_submitter(void *arg)
{
	int i = (intptr_t)arg, ret;
	unsigned int seed = 0xe9 + i;
	struct fence_ring ring = { 0 };
	long n;

	for (n = 0; racing(n); n++) {
		struct drm_vshare_submit s = {
			.flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
			.delay_ms = rand_r(&seed) % 3,
		};

		if (n % 8 == 7) {
			if (!eng_private_check(eng.priv_fd[i], n))
				break;
			atomic_fetch_add(&eng.private_checks, 1);
			continue;
		}
		/* Sometimes the buffer churn is closing right now. */
		s.dst_handle = n % 4 == 2 ? atomic_load(&eng.retiring) :
			       atomic_load(&eng.slot[rand_r(&seed) % ENG_SLOTS]);
		if (n & 1) {
			s.op = VSHARE_JOB_FILL;
			s.size = ENG_SIZE;
			s.value = n;
		} else {
			/* Disjoint halves, even if both handles are one buffer. */
			s.op = VSHARE_JOB_COPY;
			s.src_handle = atomic_load(&eng.slot[rand_r(&seed) %
							     ENG_SLOTS]);
			s.dst_offset = ENG_HALF;
			s.size = ENG_HALF;
		}
		ret = __vshare_submit(eng.fd0, &s);
		if (ret == -ENOENT) {
			atomic_fetch_add(&eng.enoent, 1);
			continue;
		}
		if (!race_check(ret == 0, "SUBMIT %s: %s\n",
				s.op == VSHARE_JOB_FILL ? "FILL" : "COPY",
				errname(-ret)))
			break;
		atomic_fetch_add(&eng.jobs, 1);
		if (!ring_push(&ring, s.out_fence_fd))
			break;
	}
	ring_drain(&ring);
	return NULL;
}

/*
 * Replaces the buffers under the submitters: the old one is exported,
 * imported by device #1, written by device #1's engine, and every handle
 * and fd of it closed while jobs of both engines are in flight.
 */
static void *eng_churn(void *arg)
{
	struct fence_ring ring = { 0 };
	long n;
	int ret;

	for (n = 0; racing(n); n++) {
		int s = n % ENG_SLOTS, dmabuf = -1;
		uint32_t old = atomic_load(&eng.slot[s]), h = 0, h1 = 0;
		uint64_t size = ENG_SIZE;
		struct drm_vshare_submit job = {
			.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
			.size = ENG_SIZE, .value = 0xdead0000u | (uint32_t)n,
			.delay_ms = 1,
		};

		ret = __vshare_create(eng.fd0, &size, 0, &h);
		if (!race_check(ret == 0, "CREATE: %s\n", errname(-ret)))
			break;
		atomic_store(&eng.slot[s], h);
		atomic_store(&eng.retiring, old);

		ret = __prime_handle_to_fd(eng.fd0, old, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
		if (!ret)
			ret = __prime_fd_to_handle(eng.fd1, dmabuf, &h1);
		if (race_check(ret == 0, "export/import: %s\n", errname(-ret))) {
			job.dst_handle = h1;
			ret = __vshare_submit(eng.fd1, &job);
			if (race_check(ret == 0, "SUBMIT on device #1: %s\n",
				       errname(-ret))) {
				atomic_fetch_add(&eng.peer_jobs, 1);
				ring_push(&ring, job.out_fence_fd);
			}
			ret = __gem_close(eng.fd1, h1);
			race_check(ret == 0, "GEM_CLOSE (device #1): %s\n",
				   errname(-ret));
		}
		if (dmabuf >= 0)
			close(dmabuf);
		ret = __gem_close(eng.fd0, old);
		if (!race_check(ret == 0, "GEM_CLOSE: %s\n", errname(-ret)))
			break;
		atomic_fetch_add(&eng.churned, 1);
	}
	ring_drain(&ring);
	return NULL;
}

static void test_engine_vs_close(void)
{
	race_fn fns[] = { eng_churn, eng_submitter, eng_submitter };
	void *args[] = { NULL, (void *)0, (void *)1 };
	struct counts start;
	int i;

	counts_get(&start);
	memset(&eng, 0, sizeof(eng));
	eng.fd0 = vs[0];
	eng.fd1 = vs[1];
	for (i = 0; i < ENG_SUBMITTERS; i++) {
		eng.priv_fd[i] = open_path(vs_path[0]);
		igt_assert(eng.priv_fd[i] >= 0);
	}
	for (i = 0; i < ENG_SLOTS; i++)
		atomic_store(&eng.slot[i], vshare_create(vs[0], ENG_SIZE));
	atomic_store(&eng.retiring, atomic_load(&eng.slot[0]));

	race_run(3, fns, args);
	for (i = 0; i < ENG_SLOTS; i++)
		gem_close(vs[0], atomic_load(&eng.slot[i]));
	for (i = 0; i < ENG_SUBMITTERS; i++)
		close(eng.priv_fd[i]);
	igt_info("engine-vs-close: %ld jobs (%ld ENOENT), %ld private "
		 "close-while-busy checks, %ld buffers replaced, each written "
		 "by device #1 (%ld jobs)\n", atomic_load(&eng.jobs),
		 atomic_load(&eng.enoent), atomic_load(&eng.private_checks),
		 atomic_load(&eng.churned), atomic_load(&eng.peer_jobs));
	race_assert_ok();
	igt_assert(atomic_load(&eng.jobs) > 0);
	igt_assert(atomic_load(&eng.churned) > 0);
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */
/* module-unload-busy                                                     */

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

static void test_module_unload_busy(void)
{
	race_fn fns[] = { mub_unloader, mub_user };
	uint32_t *gptr, *dptr, h, crc;
	struct counts start;
	int fd, dmabuf, err;

	err = try_unload();
	igt_require_f(err != EPERM, "delete_module needs CAP_SYS_MODULE\n");
	igt_require_f(err != ENOENT, "vshare is not a loaded module\n");
	igt_assert_f(unload_refused(err), "delete_module: %s\n",
		     err ? errname(err) : "succeeded");

	counts_get(&start);
	memset(&mub, 0, sizeof(mub));
	strcpy(mub.path, vs_path[0]);
	race_run(2, fns, NULL);
	igt_info("module-unload-busy: %ld delete_module attempts refused "
		 "while %ld files were opened, mapped and used\n",
		 atomic_load(&mub.attempts), atomic_load(&mub.uses));
	race_assert_ok();
	igt_assert(atomic_load(&mub.attempts) > 0 && atomic_load(&mub.uses) > 0);
	counts_wait(&start);

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
	counts_wait(&start);
}

/* ---------------------------------------------------------------------- */

int igt_main()
{
	igt_fixture() {
		vs[0] = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vs[1] = drm_open_driver_nth("vshare", NODE_RENDER, 1);
		vgem = drm_open_driver_nth("vgem", NODE_PRIMARY, 0);
		fd_path(vs[0], vs_path[0], sizeof(vs_path[0]));
		if (vs[1] >= 0)
			fd_path(vs[1], vs_path[1], sizeof(vs_path[1]));
		/* Its table is built on first use: not in racing threads. */
		crc32_ieee("", 0);
	}

	igt_describe("Export a handle while another thread closes it and "
		     "reuses its number: success or ENOENT, never another "
		     "buffer's stale dma-buf.");
	igt_subtest("export-vs-close")
		test_export_vs_close();

	igt_describe("Import a dma-buf while its fd and buffer are released "
		     "and recreated under the same fd number.");
	igt_subtest_with_dynamic("import-vs-release") {
		igt_dynamic("vshare-to-vshare") {
			igt_require_f(vs[1] >= 0, "needs num_devices=2\n");
			test_import_vs_release(vs[1], false);
		}
		igt_dynamic("vgem-to-vshare") {
			igt_require_f(vgem >= 0, "needs vgem\n");
			test_import_vs_release(vgem, true);
		}
	}

	igt_describe("CPU mappings (GEM and dma-buf) keep their buffer alive "
		     "while the handle and fd are closed under them.");
	igt_subtest("mmap-vs-free")
		test_mmap_vs_free();

	igt_describe("ACCESS through the exporter's vmap while the exporter "
		     "closes its handle, dma-buf and file.");
	igt_subtest("vmap-vs-release") {
		igt_require_f(vs[1] >= 0, "needs num_devices=2\n");
		test_vmap_vs_release();
	}

	igt_describe("FENCE_SIGNAL racing the expiry timer (0-5 ms): 0 or "
		     "ETIMEDOUT, consistent with the fence, buffer idle after.");
	igt_subtest("fence-signal-vs-expiry")
		test_fence_signal_vs_expiry();

	igt_describe("Engine jobs on buffers being exported, imported by "
		     "another device and closed: every out-fence signals.");
	igt_subtest("engine-vs-close") {
		igt_require_f(vs[1] >= 0, "needs num_devices=2\n");
		test_engine_vs_close();
	}

	igt_describe("delete_module is refused while files, mappings or "
		     "dma-bufs of vshare live, and vshare keeps working.");
	igt_subtest("module-unload-busy")
		test_module_unload_busy();

	igt_fixture() {
		drm_close(vgem);
		drm_close(vs[1]);
		drm_close(vs[0]);
	}
}
