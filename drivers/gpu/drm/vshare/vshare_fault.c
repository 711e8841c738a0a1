// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Fault injection: vshare fails on demand where a real exporter can fail,
 * so that importers (DRM drivers, Mesa, compositors) can prove they
 * survive it. Each point is a fault_attr of the kernel's fault-injection
 * framework in /sys/kernel/debug/vshare/fail_<point>/ (probability,
 * interval, times, task-filter, ...); /proc/<pid>/fail-nth reaches them
 * too. A point that fires fails its operation with -ENOMEM.
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "vshare_drv.h"

static struct fault_attr vshare_faults[VSHARE_FAULT_COUNT] = {
	[0 ... VSHARE_FAULT_COUNT - 1] = FAULT_ATTR_INITIALIZER,
};

static const char *const vshare_fault_names[VSHARE_FAULT_COUNT] = {
	[VSHARE_FAULT_ALLOC] = "fail_alloc",
	[VSHARE_FAULT_EXPORT] = "fail_export",
	[VSHARE_FAULT_ATTACH] = "fail_attach",
	[VSHARE_FAULT_MAP] = "fail_map",
	[VSHARE_FAULT_VMAP] = "fail_vmap",
	[VSHARE_FAULT_MMAP] = "fail_mmap",
	[VSHARE_FAULT_CPU_ACCESS] = "fail_cpu_access",
};

static struct dentry *vshare_fault_dir;

/**
 * vshare_should_fail - whether an injected fault fires here
 * @point: the operation about to be done
 *
 * Returns: true if the caller must fail its operation with -ENOMEM.
 */
bool vshare_should_fail(enum vshare_fault point)
{
	return should_fail(&vshare_faults[point], 1);
}

/**
 * vshare_fault_init - create the fault-injection attributes in debugfs
 *
 * A kernel without CONFIG_FAULT_INJECTION_DEBUG_FS gets none: the points
 * are then only reachable through /proc/<pid>/fail-nth.
 */
void vshare_fault_init(void)
{
	int i;

	vshare_fault_dir = debugfs_create_dir(DRIVER_NAME, NULL);
	for (i = 0; i < VSHARE_FAULT_COUNT; i++) {
		/* A forced failure is expected here: no stack dump. */
		vshare_faults[i].verbose = 0;
		fault_create_debugfs_attr(vshare_fault_names[i],
					  vshare_fault_dir, &vshare_faults[i]);
	}
}

/**
 * vshare_fault_fini - remove the fault-injection attributes
 */
void vshare_fault_fini(void)
{
	debugfs_remove_recursive(vshare_fault_dir);
}
