/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright 2026 The vshare developers
 *
 * The few kernel API differences between the kernels vshare supports
 * (6.12 LTS to 7.x), kept in one place.
 */

#ifndef _VSHARE_COMPAT_H_
#define _VSHARE_COMPAT_H_

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#error "vshare needs Linux 6.12 or newer"
#endif

/* drm_driver.date was removed in 6.14. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define VSHARE_DRIVER_DATE	.date = "20261123",
#else
#define VSHARE_DRIVER_DATE
#endif

/* Symbol namespaces became string literals in 6.13. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VSHARE_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS(DMA_BUF)
#else
#define VSHARE_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS("DMA_BUF")
#endif

#endif /* _VSHARE_COMPAT_H_ */
