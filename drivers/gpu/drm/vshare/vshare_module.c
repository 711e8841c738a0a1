// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare: a virtual DRM device whose job is to export buffers as dma-bufs
 * to other devices, with every dma-buf operation implemented.
 *
 * The module: its parameters make num_devices devices of the default
 * configuration, and configfs makes others at run time.
 */

#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

#define VSHARE_MAX_DEVICES	8

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of vshare devices (1-8, default 1)");

static struct platform_device *vshare_default_pdevs[VSHARE_MAX_DEVICES];

static void vshare_destroy_defaults(void)
{
	int i;

	for (i = VSHARE_MAX_DEVICES - 1; i >= 0; i--) {
		if (vshare_default_pdevs[i])
			vshare_device_destroy(vshare_default_pdevs[i]);
		vshare_default_pdevs[i] = NULL;
	}
}

/* The module parameters' devices: num_devices of the default kind. */
static int vshare_create_defaults(void)
{
	struct vshare_config config;
	struct platform_device *pdev;
	unsigned int i;

	vshare_config_init(&config);
	for (i = 0; i < num_devices; i++) {
		pdev = vshare_device_create(&config);
		if (IS_ERR(pdev)) {
			vshare_destroy_defaults();
			return PTR_ERR(pdev);
		}
		vshare_default_pdevs[i] = pdev;
	}
	return 0;
}

static int __init vshare_init(void)
{
	int ret;

	if (num_devices < 1 || num_devices > VSHARE_MAX_DEVICES)
		return -EINVAL;

	ret = vshare_bo_cache_init();
	if (ret)
		return ret;
	vshare_inject_init();
	ret = vshare_driver_register();
	if (ret)
		goto err_inject;
	ret = vshare_create_defaults();
	if (ret)
		goto err_driver;
	ret = vshare_configfs_register();
	if (ret)
		goto err_defaults;
	return 0;

err_defaults:
	vshare_destroy_defaults();
err_driver:
	vshare_driver_unregister();
err_inject:
	vshare_inject_fini();
	vshare_bo_cache_fini();
	return ret;
}

static void __exit vshare_exit(void)
{
	vshare_configfs_unregister();
	vshare_destroy_defaults();
	vshare_driver_unregister();
	vshare_inject_fini();
	vshare_bo_cache_fini();
	/* The last fence release may still be returning from module_put(). */
	synchronize_rcu();
}

module_init(vshare_init);
module_exit(vshare_exit);

MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
VSHARE_IMPORT_NS_DMA_BUF;
