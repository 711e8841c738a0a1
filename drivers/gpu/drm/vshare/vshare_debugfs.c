// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * debugfs: the state of every buffer of a device, for tests and humans.
 * /sys/kernel/debug/dri/N/vshare_buffers has a line per buffer and totals.
 * For an imported buffer, "runs" is the number of entries of the sg_table
 * its exporter gave us: how compact the exporter's memory is.
 *
 * Writing a buffer id to vshare_move or vshare_revoke moves or revokes that
 * native buffer (vshare_move.c), for tests of importers.
 */

#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_file.h>
#include <drm/vshare_drm.h>

#include "vshare_drv.h"

static int vshare_buffers_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vshare_device *vdev = to_vshare_device(entry->dev);
	unsigned long count = 0, bytes = 0;
	struct vshare_bo *bo;

	seq_printf(m, "%6s %12s %6s %-8s %-8s %6s %5s %5s %8s %8s %8s %5s\n",
		   "id", "size", "runs", "caching", "origin", "attach",
		   "maps", "vmaps", "faults", "pmd", "syncs", "moves");

	mutex_lock(&vdev->bos_lock);
	list_for_each_entry(bo, &vdev->bos, node) {
		struct drm_gem_object *obj = &bo->base;
		bool imported = obj->import_attach;

		seq_printf(m, "%6u %12zu %6lu %-8s %-8s %6d %5d %5u %8lld %8lld %8lld %5d\n",
			   bo->id, obj->size,
			   imported ? bo->nents : bo->backing.runs,
			   bo->flags & VSHARE_CREATE_WC ? "wc" : "cached",
			   imported ? "imported" :
			   bo->flags & VSHARE_CREATE_CONTIGUOUS ? "contig" :
			   "native",
			   atomic_read(&bo->stats.attachments),
			   atomic_read(&bo->stats.maps), READ_ONCE(bo->vmap_count),
			   atomic64_read(&bo->stats.faults),
			   atomic64_read(&bo->stats.pmd_faults),
			   atomic64_read(&bo->stats.syncs),
			   atomic_read(&bo->stats.moves));
		count++;
		if (!imported)
			bytes += obj->size;
	}
	mutex_unlock(&vdev->bos_lock);

	seq_printf(m, "buffers: %lu, bytes: %lu, all devices: %llu of %llu bytes\n",
		   count, bytes, vshare_mem_used(), vshare_mem_limit());
	seq_printf(m, "engine: %lld submitted, %lld completed, %d hangs\n",
		   atomic64_read(&vdev->engine.seqno),
		   atomic64_read(&vdev->engine.completed),
		   atomic_read(&vdev->engine.hangs));
	return 0;
}

static const struct drm_debugfs_info vshare_debugfs_list[] = {
	{ "vshare_buffers", vshare_buffers_show, 0 },
};

/* The buffer with this id, with a reference, unless it is being freed. */
static struct vshare_bo *vshare_bo_find(struct vshare_device *vdev, u32 id)
{
	struct vshare_bo *bo, *found = NULL;

	mutex_lock(&vdev->bos_lock);
	list_for_each_entry(bo, &vdev->bos, node) {
		if (bo->id == id && kref_get_unless_zero(&bo->base.refcount)) {
			found = bo;
			break;
		}
	}
	mutex_unlock(&vdev->bos_lock);
	return found;
}

static ssize_t vshare_bo_write(struct file *file, const char __user *buf,
			       size_t len, int (*op)(struct vshare_bo *bo))
{
	struct vshare_device *vdev = file_inode(file)->i_private;
	struct vshare_bo *bo;
	u32 id;
	int ret;

	ret = kstrtou32_from_user(buf, len, 0, &id);
	if (ret)
		return ret;
	bo = vshare_bo_find(vdev, id);
	if (!bo)
		return -ENOENT;
	ret = op(bo);
	drm_gem_object_put(&bo->base);
	return ret ?: len;
}

static ssize_t vshare_move_write(struct file *file, const char __user *buf,
				 size_t len, loff_t *pos)
{
	return vshare_bo_write(file, buf, len, vshare_bo_move);
}

static ssize_t vshare_revoke_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *pos)
{
	return vshare_bo_write(file, buf, len, vshare_bo_revoke);
}

static const struct file_operations vshare_move_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vshare_move_write,
};

static const struct file_operations vshare_revoke_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vshare_revoke_write,
};

void vshare_debugfs_init(struct vshare_device *vdev)
{
	struct dentry *root = vdev->drm.debugfs_root;

	drm_debugfs_add_files(&vdev->drm, vshare_debugfs_list,
			      ARRAY_SIZE(vshare_debugfs_list));
	/* The device's directory exists from allocation on, if debugfs does. */
	if (IS_ERR_OR_NULL(root))
		return;
	debugfs_create_file("vshare_move", 0200, root, vdev, &vshare_move_fops);
	debugfs_create_file("vshare_revoke", 0200, root, vdev,
			    &vshare_revoke_fops);
}
