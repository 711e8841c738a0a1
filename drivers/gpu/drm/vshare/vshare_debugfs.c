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

#include <drm/drm_file.h>
#include <drm/vshare_drm.h>

#include "vshare_drv.h"

/* The position of the totals, after any buffer id. */
#define VSHARE_BUFFERS_END	((loff_t)U32_MAX + 1)

/* The first buffer whose id is @id or more: a walk down the tree. */
static struct vshare_bo *vshare_bo_from(struct vshare_device *vdev, u64 id)
{
	struct rb_node *node = vdev->bos.rb_node;
	struct vshare_bo *bo, *found = NULL;

	while (node) {
		bo = rb_entry(node, struct vshare_bo, node);
		if (bo->id >= id) {
			found = bo;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}

/* @bo, or the totals after the last buffer; @pos says which. */
static void *vshare_buffers_at(struct vshare_device *vdev, loff_t *pos,
			       struct vshare_bo *bo)
{
	*pos = bo ? bo->id : VSHARE_BUFFERS_END;
	return bo ?: (void *)vdev;
}

/*
 * Each read of the file resumes at the id it stopped at, found in the
 * tree, not by walking the buffers before it. Buffers are freed only
 * after leaving the tree, under the lock held from start to stop.
 */
static void *vshare_buffers_start(struct seq_file *m, loff_t *pos)
{
	struct vshare_device *vdev = m->private;

	mutex_lock(&vdev->bos_lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos > VSHARE_BUFFERS_END)
		return NULL;
	return vshare_buffers_at(vdev, pos, vshare_bo_from(vdev, *pos));
}

static void *vshare_buffers_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct vshare_device *vdev = m->private;
	struct rb_node *node;

	if (v == vdev) {
		*pos = VSHARE_BUFFERS_END + 1;
		return NULL;
	}
	node = v == SEQ_START_TOKEN ? rb_first(&vdev->bos) :
				      rb_next(&((struct vshare_bo *)v)->node);
	return vshare_buffers_at(vdev, pos, rb_entry_safe(node, struct vshare_bo,
							  node));
}

static void vshare_buffers_stop(struct seq_file *m, void *v)
{
	struct vshare_device *vdev = m->private;

	mutex_unlock(&vdev->bos_lock);
}

static void vshare_buffers_totals(struct seq_file *m,
				  struct vshare_device *vdev)
{
	unsigned long count = 0, bytes = 0;
	struct rb_node *node;
	struct vshare_bo *bo;

	for (node = rb_first(&vdev->bos); node; node = rb_next(node)) {
		bo = rb_entry(node, struct vshare_bo, node);
		count++;
		if (!bo->base.import_attach)
			bytes += bo->base.size;
	}
	seq_printf(m, "buffers: %lu, bytes: %lu, all devices: %llu of %llu bytes\n",
		   count, bytes, vshare_mem_used(), vshare_mem_limit());
	seq_printf(m, "engine: %lld submitted, %lld completed, %d hangs\n",
		   atomic64_read(&vdev->engine.seqno),
		   atomic64_read(&vdev->engine.completed),
		   atomic_read(&vdev->engine.hangs));
}

static int vshare_buffers_show(struct seq_file *m, void *v)
{
	struct vshare_device *vdev = m->private;
	struct vshare_bo *bo = v;
	bool imported;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%6s %12s %6s %-8s %-8s %6s %5s %5s %8s %8s %8s %5s\n",
			   "id", "size", "runs", "caching", "origin", "attach",
			   "maps", "vmaps", "faults", "pmd", "syncs", "moves");
		return 0;
	}
	if (v == vdev) {
		vshare_buffers_totals(m, vdev);
		return 0;
	}
	imported = bo->base.import_attach;
	seq_printf(m, "%6u %12zu %6lu %-8s %-8s %6d %5d %5u %8lld %8lld %8lld %5d\n",
		   bo->id, bo->base.size,
		   imported ? bo->nents : bo->backing.runs,
		   bo->flags & VSHARE_CREATE_WC ? "wc" : "cached",
		   imported ? "imported" :
		   bo->flags & VSHARE_CREATE_CONTIGUOUS ? "contig" : "native",
		   atomic_read(&bo->stats.attachments),
		   atomic_read(&bo->stats.maps), READ_ONCE(bo->vmap_count),
		   atomic64_read(&bo->stats.faults),
		   atomic64_read(&bo->stats.pmd_faults),
		   atomic64_read(&bo->stats.syncs),
		   atomic_read(&bo->stats.moves));
	return 0;
}

/*
 * A seq_file iterator, not a single show(): that one is run again from
 * the start with a buffer twice as large each time the text outgrows it,
 * which for 100,000 buffers meant 13 walks of them all and one 16 MiB
 * buffer.
 */
static const struct seq_operations vshare_buffers_sops = {
	.start = vshare_buffers_start,
	.next = vshare_buffers_next,
	.stop = vshare_buffers_stop,
	.show = vshare_buffers_show,
};
DEFINE_SEQ_ATTRIBUTE(vshare_buffers);

/* The buffer with this id, with a reference, unless it is being freed. */
static struct vshare_bo *vshare_bo_find(struct vshare_device *vdev, u32 id)
{
	struct vshare_bo *bo;

	mutex_lock(&vdev->bos_lock);
	bo = vshare_bo_from(vdev, id);
	if (bo && (bo->id != id || !kref_get_unless_zero(&bo->base.refcount)))
		bo = NULL;
	mutex_unlock(&vdev->bos_lock);
	return bo;
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

	/* The device's directory exists from allocation on, if debugfs does. */
	if (IS_ERR_OR_NULL(root))
		return;
	debugfs_create_file("vshare_buffers", 0444, root, vdev,
			    &vshare_buffers_fops);
	debugfs_create_file("vshare_move", 0200, root, vdev, &vshare_move_fops);
	debugfs_create_file("vshare_revoke", 0200, root, vdev,
			    &vshare_revoke_fops);
}
