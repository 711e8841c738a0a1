// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * configfs: vshare devices described and made at run time.
 *
 *   mkdir /sys/kernel/config/vshare/NAME     a description, the defaults
 *   echo 32 > NAME/dma_mask_bits              one attribute per field of
 *   echo contiguous > NAME/alloc              struct vshare_config
 *   echo 1 > NAME/enabled                     the DRM device exists
 *   cat NAME/device                           its platform device name
 *   echo 0 > NAME/enabled                     it is unplugged
 *   rmdir NAME
 *
 * This file is only the front end: the text of each attribute is the
 * configuration's own (vshare_config_set() and vshare_config_show()), and
 * the device is built by vshare_device_create(). While a device is
 * enabled its attributes cannot change and its directory cannot be
 * removed (-EBUSY).
 */

#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "vshare_drv.h"

/**
 * struct vshare_configfs_device - a device described in configfs
 * @group: its directory, /sys/kernel/config/vshare/<name>/
 * @lock: protects @config and @pdev
 * @config: the description
 * @pdev: the device made of it, while enabled
 */
struct vshare_configfs_device {
	struct config_group group;
	struct mutex lock; /* protects config and pdev */
	struct vshare_config config;
	struct platform_device *pdev;
};

static struct configfs_subsystem vshare_configfs;

static struct vshare_configfs_device *to_vshare_cfs(struct config_item *item)
{
	return container_of(to_config_group(item),
			    struct vshare_configfs_device, group);
}

static ssize_t vshare_configfs_show(struct config_item *item,
				    const char *key, char *page)
{
	struct vshare_configfs_device *dev = to_vshare_cfs(item);
	ssize_t ret;

	mutex_lock(&dev->lock);
	ret = vshare_config_show(&dev->config, key, page, PAGE_SIZE);
	mutex_unlock(&dev->lock);
	return ret;
}

static ssize_t vshare_configfs_store(struct config_item *item,
				     const char *key, const char *page,
				     size_t count)
{
	struct vshare_configfs_device *dev = to_vshare_cfs(item);
	int ret;

	mutex_lock(&dev->lock);
	/* A device that exists keeps what it was built from. */
	ret = dev->pdev ? -EBUSY : vshare_config_set(&dev->config, key, page);
	mutex_unlock(&dev->lock);
	return ret ?: count;
}

#define VSHARE_CONFIGFS_ATTR(field)					\
static ssize_t device_##field##_show(struct config_item *item,		\
				     char *page)			\
{									\
	return vshare_configfs_show(item, #field, page);		\
}									\
static ssize_t device_##field##_store(struct config_item *item,		\
				      const char *page, size_t count)	\
{									\
	return vshare_configfs_store(item, #field, page, count);	\
}									\
CONFIGFS_ATTR(device_, field)

VSHARE_CONFIGFS_ATTR(dma_mask_bits);
VSHARE_CONFIGFS_ATTR(max_segment_size);
VSHARE_CONFIGFS_ATTR(segment_boundary);
VSHARE_CONFIGFS_ATTR(alloc);
VSHARE_CONFIGFS_ATTR(caching);
VSHARE_CONFIGFS_ATTR(pitch_align);
VSHARE_CONFIGFS_ATTR(size_align);
VSHARE_CONFIGFS_ATTR(max_buffer_size);
VSHARE_CONFIGFS_ATTR(pinning);
VSHARE_CONFIGFS_ATTR(mem_limit);
VSHARE_CONFIGFS_ATTR(dmem_region_size);
VSHARE_CONFIGFS_ATTR(fence_timeout_ms);
VSHARE_CONFIGFS_ATTR(job_timeout_ms);

static ssize_t device_enabled_show(struct config_item *item, char *page)
{
	struct vshare_configfs_device *dev = to_vshare_cfs(item);
	bool enabled;

	mutex_lock(&dev->lock);
	enabled = dev->pdev;
	mutex_unlock(&dev->lock);
	return sysfs_emit(page, "%d\n", enabled);
}

/* Builds the device, and keeps its directory while it exists. */
static int vshare_configfs_enable(struct vshare_configfs_device *dev)
{
	struct platform_device *pdev;
	int ret;

	pdev = vshare_device_create(&dev->config);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	ret = configfs_depend_item_unlocked(&vshare_configfs,
					    &dev->group.cg_item);
	if (ret) {
		vshare_device_destroy(pdev);
		return ret;
	}
	dev->pdev = pdev;
	return 0;
}

/* Unplugs the device: what its users hold stays valid until they let go. */
static void vshare_configfs_disable(struct vshare_configfs_device *dev)
{
	vshare_device_destroy(dev->pdev);
	dev->pdev = NULL;
	configfs_undepend_item(&dev->group.cg_item);
}

static ssize_t device_enabled_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct vshare_configfs_device *dev = to_vshare_cfs(item);
	bool enable;
	int ret = 0;

	if (kstrtobool(page, &enable))
		return -EINVAL;
	mutex_lock(&dev->lock);
	if (enable && !dev->pdev)
		ret = vshare_configfs_enable(dev);
	else if (!enable && dev->pdev)
		vshare_configfs_disable(dev);
	mutex_unlock(&dev->lock);
	return ret ?: count;
}

CONFIGFS_ATTR(device_, enabled);

static ssize_t device_device_show(struct config_item *item, char *page)
{
	struct vshare_configfs_device *dev = to_vshare_cfs(item);
	ssize_t ret;

	mutex_lock(&dev->lock);
	ret = sysfs_emit(page, "%s\n", dev->pdev ? dev_name(&dev->pdev->dev) : "");
	mutex_unlock(&dev->lock);
	return ret;
}

CONFIGFS_ATTR_RO(device_, device);

static struct configfs_attribute *vshare_configfs_attrs[] = {
	&device_attr_dma_mask_bits,
	&device_attr_max_segment_size,
	&device_attr_segment_boundary,
	&device_attr_alloc,
	&device_attr_caching,
	&device_attr_pitch_align,
	&device_attr_size_align,
	&device_attr_max_buffer_size,
	&device_attr_pinning,
	&device_attr_mem_limit,
	&device_attr_dmem_region_size,
	&device_attr_fence_timeout_ms,
	&device_attr_job_timeout_ms,
	&device_attr_enabled,
	&device_attr_device,
	NULL,
};

static void vshare_configfs_release(struct config_item *item)
{
	struct vshare_configfs_device *dev = to_vshare_cfs(item);

	/* An enabled device's directory cannot be removed: nothing to undo. */
	WARN_ON(dev->pdev);
	mutex_destroy(&dev->lock);
	kfree(dev);
}

static struct configfs_item_operations vshare_configfs_item_ops = {
	.release = vshare_configfs_release,
};

static const struct config_item_type vshare_configfs_device_type = {
	.ct_item_ops = &vshare_configfs_item_ops,
	.ct_attrs = vshare_configfs_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group *vshare_configfs_make(struct config_group *group,
						 const char *name)
{
	struct vshare_configfs_device *dev = kzalloc_obj(*dev, GFP_KERNEL);

	if (!dev)
		return ERR_PTR(-ENOMEM);
	mutex_init(&dev->lock);
	vshare_config_init(&dev->config);
	config_group_init_type_name(&dev->group, name,
				    &vshare_configfs_device_type);
	return &dev->group;
}

static struct configfs_group_operations vshare_configfs_group_ops = {
	.make_group = vshare_configfs_make,
};

static const struct config_item_type vshare_configfs_type = {
	.ct_group_ops = &vshare_configfs_group_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem vshare_configfs = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = DRIVER_NAME,
			.ci_type = &vshare_configfs_type,
		},
	},
	.su_mutex = __MUTEX_INITIALIZER(vshare_configfs.su_mutex),
};

/**
 * vshare_configfs_register - create /sys/kernel/config/vshare
 *
 * Returns: 0 or configfs's error.
 */
int vshare_configfs_register(void)
{
	config_group_init(&vshare_configfs.su_group);
	return configfs_register_subsystem(&vshare_configfs);
}

/**
 * vshare_configfs_unregister - remove /sys/kernel/config/vshare
 *
 * Every directory made in it is gone already: each one holds the module.
 */
void vshare_configfs_unregister(void)
{
	configfs_unregister_subsystem(&vshare_configfs);
}
