// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_race: multi-threaded races between the paths that create, share,
 * map, access and release vshare buffers. The subtests live in race/,
 * grouped by what races (lifetime.c, mapping.c, fence.c); the threads and
 * their checks are lib/vshare_race.c's.
 *
 * Each subtest checks every return value against the errnos the race
 * allows, checks contents, and ends with the device's buffers and memory
 * back at their starting values (debugfs).
 */

/**
 * TEST: vshare race
 * Category: Core
 * Description: Races between threads that create, share, map, access
 *	and release vshare buffers, for RACE_SECONDS or RACE_MAX_ITER
 *	iterations each.
 *
 * SUBTEST: export-vs-close
 * Description: PRIME export of a handle while another thread closes it
 *	and reuses its number: success or ENOENT, never a dma-buf of another
 *	generation's buffer.
 *
 * SUBTEST: import-vs-release
 * Description: PRIME import of a dma-buf fd while the exporter closes it,
 *	releases the buffer and exports the next one under the same number;
 *	the import is EBADF or a buffer of a generation of the race. Dynamic
 *	subtests: vshare-to-vshare (num_devices=2), vgem-to-vshare.
 *
 * SUBTEST: mmap-vs-free
 * Description: GEM and dma-buf mappings of a buffer keep it alive while
 *	its handle and fd are closed under them; words of other mappers and
 *	of no mapper keep their values.
 *
 * SUBTEST: vmap-vs-release
 * Description: ACCESS CRC32 and FILL of an import by vshare device 0 go
 *	through the exporter's vmap and begin/end_cpu_access while device 1
 *	closes its handle, dma-buf and file.
 *
 * SUBTEST: fence-signal-vs-expiry
 * Description: FENCE_SIGNAL racing the expiry timer (0-5 ms) returns 0 or
 *	ETIMEDOUT as the fence's status says, and leaves the buffer idle;
 *	so does closing the file that attached the fence.
 *
 * SUBTEST: engine-vs-close
 * Description: Engine jobs of two threads on buffers that a third thread
 *	exports, has device 1's engine write and closes: every out-fence
 *	signals without error, and a buffer closed under a job gets the job's
 *	fill.
 *
 * SUBTEST: module-unload-busy
 * Description: delete_module is refused while vshare files, GEM or
 *	dma-buf mappings, or only a dma-buf fd live, and the buffers keep
 *	their contents; vshare works afterwards.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "race/race.h"
#include "vshare_lib.h"

int vs[2] = { -1, -1 };
int vgem = -1;
char vs_path[2][64];

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

	igt_describe("Exporting a handle that another thread closes and "
		     "reuses never gives another buffer's dma-buf.");
	igt_subtest("export-vs-close")
		test_export_vs_close();

	igt_describe("Importing a dma-buf fd that is released and reused "
		     "gives EBADF or a buffer of the race, never a stale one.");
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

	igt_describe("CPU mappings keep their buffer alive while its handle "
		     "and fd are closed under them.");
	igt_subtest("mmap-vs-free")
		test_mmap_vs_free();

	igt_describe("ACCESS through the exporter's vmap stays correct while "
		     "the exporter lets go of the buffer.");
	igt_subtest("vmap-vs-release") {
		igt_require_f(vs[1] >= 0, "needs num_devices=2\n");
		test_vmap_vs_release();
	}

	igt_describe("FENCE_SIGNAL and the expiry timer agree on which of "
		     "them signaled the fence.");
	igt_subtest("fence-signal-vs-expiry")
		test_fence_signal_vs_expiry();

	igt_describe("Engine jobs complete on buffers that are shared and "
		     "closed while the jobs are in flight.");
	igt_subtest("engine-vs-close") {
		igt_require_f(vs[1] >= 0, "needs num_devices=2\n");
		test_engine_vs_close();
	}

	igt_describe("The module cannot be unloaded while anything of vshare "
		     "is in use.");
	igt_subtest("module-unload-busy")
		test_module_unload_busy();

	igt_fixture() {
		drm_close(vgem);
		drm_close(vs[1]);
		drm_close(vs[0]);
	}
}
