// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * The vshare DRM driver, and its devices built from configurations.
 *
 * vshare_device_create() registers a platform device carrying a
 * configuration (struct vshare_config); the platform driver's probe builds
 * a separate DRM device from it, with a card and a render node, so that two
 * "GPUs" can share buffers with each other.
 */

#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

static const struct drm_ioctl_desc vshare_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VSHARE_CREATE, vshare_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSHARE_MAP_OFFSET, vshare_map_offset_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSHARE_ACCESS, vshare_access_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSHARE_FENCE_ATTACH, vshare_fence_attach_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSHARE_FENCE_SIGNAL, vshare_fence_signal_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSHARE_SUBMIT, vshare_submit_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSHARE_CREATE_DMABUF, vshare_create_dmabuf_ioctl,
			  DRM_RENDER_ALLOW),
};

static int vshare_open(struct drm_device *dev, struct drm_file *file)
{
	struct vshare_file *vfile = kzalloc_obj(*vfile, GFP_KERNEL);

	if (!vfile)
		return -ENOMEM;
	xa_init_flags(&vfile->fences, XA_FLAGS_ALLOC1);
	file->driver_priv = vfile;
	return 0;
}

static void vshare_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vshare_file *vfile = file->driver_priv;

	vshare_fence_file_fini(vfile);
	kfree(vfile);
}

/* DRM_GEM_FOPS, with mappings placed for 2 MiB pages and fdinfo stats. */
static const struct file_operations vshare_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	.get_unmapped_area = vshare_get_unmapped_area,
#endif
	.mmap = drm_gem_mmap,
	.fop_flags = FOP_UNSIGNED_OFFSET,
	.show_fdinfo = drm_show_fdinfo,
};

static void vshare_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	drm_show_memory_stats(p, file);
}

static const struct drm_driver vshare_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = vshare_open,
	.postclose = vshare_postclose,
	.ioctls = vshare_ioctls,
	.num_ioctls = ARRAY_SIZE(vshare_ioctls),
	.fops = &vshare_fops,
	.show_fdinfo = vshare_show_fdinfo,
	.dumb_create = vshare_dumb_create,
	.gem_prime_import = vshare_gem_prime_import,
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	VSHARE_DRIVER_DATE
	.major = 1,
	.minor = 0,
};

/*
 * Builds the DRM device from the configuration the platform device
 * carries (vshare_device_create()), at creation and at every bind.
 */
static int vshare_probe(struct platform_device *pdev)
{
	const struct vshare_config *config = dev_get_platdata(&pdev->dev);
	struct vshare_device *vdev;
	int ret;

	if (!config || !vshare_config_is_valid(config))
		return -EINVAL;
	/*
	 * As an importer, vshare maps buffers for DMA against this mask, and
	 * with this segment limit.
	 */
	ret = dma_coerce_mask_and_coherent(&pdev->dev,
					   DMA_BIT_MASK(config->dma_mask_bits));
	if (ret)
		return ret;
	dma_set_max_seg_size(&pdev->dev,
			     min_t(u64, config->max_segment_size, UINT_MAX));
	dma_set_seg_boundary(&pdev->dev, config->segment_boundary);

	vdev = devm_drm_dev_alloc(&pdev->dev, &vshare_driver,
				  struct vshare_device, drm);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vdev->pdev = pdev;
	vdev->config = *config;
	vdev->bos = RB_ROOT;
	ret = drmm_mutex_init(&vdev->drm, &vdev->bos_lock);
	if (!ret)
		ret = vshare_dmem_init(vdev);
	if (ret)
		return ret;
	ret = vshare_engine_init(vdev);
	if (ret)
		goto err_engine;
	platform_set_drvdata(pdev, vdev);
	vshare_debugfs_init(vdev);

	ret = drm_dev_register(&vdev->drm, 0);
	if (ret)
		goto err_engine;
	return 0;

err_engine:
	vshare_engine_fini(vdev);
	return ret;
}

/*
 * Hot-unplug: the device goes while users may still hold its files,
 * mappings and dma-buf exports. After drm_dev_unplug() its ioctls fail
 * with -ENODEV and its CPU mappings with SIGBUS; buffers live on until
 * their last user lets go, importers' DMA mappings with them. Queued jobs
 * end at once and run no vshare code afterwards.
 */
static void vshare_remove(struct platform_device *pdev)
{
	struct vshare_device *vdev = platform_get_drvdata(pdev);

	drm_dev_unplug(&vdev->drm);
	vshare_engine_fini(vdev);
}

static struct platform_driver vshare_platform_driver = {
	.probe = vshare_probe,
	.remove = vshare_remove,
	.driver = {
		.name = DRIVER_NAME,
	},
};

/* Platform device ids: the lowest free one, so defaults come first. */
static DEFINE_IDA(vshare_ids);

/**
 * vshare_device_create - make a vshare device from a configuration
 * @config: what the device is; the device keeps a copy
 *
 * Registers a platform device named "vshare.<id>", with the lowest free
 * id, that carries the configuration, and binds it: the DRM device (card
 * and render node) exists when this returns. Unbinding and binding the
 * platform device again rebuilds it from the same configuration.
 *
 * Returns: the platform device, or an ERR_PTR: -EINVAL for a configuration
 * vshare_config_is_valid() refuses, -EOPNOTSUPP for a dmem region on a
 * kernel without the dmem cgroup controller, -ENODEV if the device did not
 * bind, -ENOMEM.
 */
struct platform_device *vshare_device_create(const struct vshare_config *config)
{
	struct platform_device *pdev;
	int id;

	if (!vshare_config_is_valid(config))
		return ERR_PTR(-EINVAL);
	if (config->dmem_region_size && !vshare_have_dmem())
		return ERR_PTR(-EOPNOTSUPP);
	id = ida_alloc(&vshare_ids, GFP_KERNEL);
	if (id < 0)
		return ERR_PTR(id);
	pdev = platform_device_register_data(NULL, DRIVER_NAME, id, config,
					     sizeof(*config));
	if (IS_ERR(pdev)) {
		ida_free(&vshare_ids, id);
		return pdev;
	}
	/* A device whose probe failed is not bound. */
	if (!platform_get_drvdata(pdev)) {
		vshare_device_destroy(pdev);
		return ERR_PTR(-ENODEV);
	}
	return pdev;
}

/**
 * vshare_device_destroy - remove a device made by vshare_device_create()
 * @pdev: the platform device
 *
 * The DRM device is unplugged (see vshare_remove()); what its users still
 * hold stays valid until they let go.
 */
void vshare_device_destroy(struct platform_device *pdev)
{
	int id = pdev->id;

	platform_device_unregister(pdev);
	ida_free(&vshare_ids, id);
}

/**
 * vshare_driver_register - register the platform driver that builds devices
 *
 * Returns: 0 or the driver core's error.
 */
int vshare_driver_register(void)
{
	return platform_driver_register(&vshare_platform_driver);
}

/**
 * vshare_driver_unregister - unregister it, once every device is gone
 */
void vshare_driver_unregister(void)
{
	platform_driver_unregister(&vshare_platform_driver);
}
