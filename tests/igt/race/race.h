/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * The parts of vshare_race, one binary: vshare_race.c (the fixture and
 * the list of subtests) and the subtests, grouped by what races:
 * race/lifetime.c, race/mapping.c and race/fence.c.
 */

#ifndef VSHARE_RACE_TESTS_H
#define VSHARE_RACE_TESTS_H

#include <fcntl.h>
#include <stdbool.h>

#include "vshare_lib.h"
#include "vshare_race.h"

#define MiB (1024ull * 1024)

/* The vshare devices (render nodes) and vgem, opened by the fixture. */
extern int vs[2];
extern int vgem;
extern char vs_path[2][64];

/* Another file of a device, by the path of its node. */
static inline int open_path(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

/* Buffers of both devices and vshare's memory: what a subtest leaves. */
static inline void totals_get(struct vshare_totals *t)
{
	vshare_totals(vs[0], vs, t);
}

/* Back where they were, within 10 s: job cleanups may lag. */
static inline void totals_wait(const struct vshare_totals *start)
{
	vshare_assert_totals(vs[0], vs, start, 10000);
}

/* race/lifetime.c */
void test_export_vs_close(void);
void test_import_vs_release(int exp_fd, bool from_vgem);
void test_module_unload_busy(void);

/* race/mapping.c */
void test_mmap_vs_free(void);
void test_vmap_vs_release(void);

/* race/fence.c */
void test_fence_signal_vs_expiry(void);
void test_engine_vs_close(void);

#endif /* VSHARE_RACE_TESTS_H */
