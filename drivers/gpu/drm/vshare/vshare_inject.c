// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Failure injection: vshare fails on demand where a real exporter can
 * fail, so that importers (DRM drivers, Mesa, compositors) can prove they
 * survive it. Each point is a fault_attr of the kernel's fault-injection
 * framework in /sys/kernel/debug/vshare/fail_<point>/ (probability,
 * interval, times, task-filter, ...); /proc/<pid>/fail-nth reaches them
 * too. A point that fires fails its operation with -ENOMEM. Elsewhere in
 * vshare, "fault" means a CPU page fault only.
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "vshare_drv.h"

static struct fault_attr vshare_inject_attrs[VSHARE_INJECT_COUNT] = {
	[0 ... VSHARE_INJECT_COUNT - 1] = FAULT_ATTR_INITIALIZER,
};

static const char *const vshare_inject_names[VSHARE_INJECT_COUNT] = {
	[VSHARE_INJECT_ALLOC] = "fail_alloc",
	[VSHARE_INJECT_EXPORT] = "fail_export",
	[VSHARE_INJECT_ATTACH] = "fail_attach",
	[VSHARE_INJECT_MAP] = "fail_map",
	[VSHARE_INJECT_VMAP] = "fail_vmap",
	[VSHARE_INJECT_MMAP] = "fail_mmap",
	[VSHARE_INJECT_CPU_ACCESS] = "fail_cpu_access",
};

static struct dentry *vshare_inject_dir;

/**
 * vshare_inject_fail - whether an injected failure fires here
 * @point: the operation about to be done
 *
 * Returns: true if the caller must fail its operation with -ENOMEM.
 */
bool vshare_inject_fail(enum vshare_inject_point point)
{
	return should_fail(&vshare_inject_attrs[point], 1);
}

/**
 * vshare_inject_init - create the fault-injection attributes in debugfs
 *
 * A kernel without CONFIG_FAULT_INJECTION_DEBUG_FS gets none: the points
 * are then only reachable through /proc/<pid>/fail-nth.
 */
void vshare_inject_init(void)
{
	int i;

	vshare_inject_dir = debugfs_create_dir(DRIVER_NAME, NULL);
	for (i = 0; i < VSHARE_INJECT_COUNT; i++) {
		/* A forced failure is expected here: no stack dump. */
		vshare_inject_attrs[i].verbose = 0;
		fault_create_debugfs_attr(vshare_inject_names[i],
					  vshare_inject_dir, &vshare_inject_attrs[i]);
	}
}

/**
 * vshare_inject_fini - remove the fault-injection attributes
 */
void vshare_inject_fini(void)
{
	debugfs_remove_recursive(vshare_inject_dir);
}
