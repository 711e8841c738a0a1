// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare as an importer: buffers from other exporters (and read-only
 * exports of its own), imported with a dynamic attachment.
 */

#include <linux/dma-buf.h>
#include <linux/iosys-map.h>

#include <drm/drm_file.h>
#include <drm/drm_prime.h>
#include <drm/vshare_drm.h>

#include "vshare_compat.h"
#include "vshare_drv.h"

/*
 * The exporter moved or revoked the buffer: drop our mapping, and map
 * again when the buffer is next used (vshare_import_revalidate()).
 */
static void vshare_import_invalidate(struct dma_buf_attachment *attach)
{
	struct vshare_bo *bo = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	/* No object yet: the import is still being set up, unmapped. */
	if (!bo || !bo->sgt)
		return;
	dma_buf_unmap_attachment(attach, bo->sgt, DMA_BIDIRECTIONAL);
	bo->sgt = NULL;
}

static const struct dma_buf_attach_ops vshare_import_ops = {
	.allow_peer2peer = false,
	.VSHARE_ATTACH_INVALIDATE = vshare_import_invalidate,
};

/**
 * vshare_import_revalidate - map an imported buffer if it is not mapped
 * @bo: the imported buffer, its reservation lock held
 *
 * Returns: 0, or the exporter's error (-ENODEV once revoked).
 */
int vshare_import_revalidate(struct vshare_bo *bo)
{
	struct sg_table *sgt;

	dma_resv_assert_held(bo->base.resv);
	if (bo->sgt)
		return 0;
	sgt = dma_buf_map_attachment(bo->base.import_attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	bo->sgt = sgt;
	/* Shown in debugfs: how compact the exporter's memory is. */
	bo->backing.runs = sgt->orig_nents;
	return 0;
}

/**
 * vshare_import_dynamic - import a foreign dma-buf
 * @dev: the importing vshare device
 * @dmabuf: the buffer
 *
 * The attachment is dynamic: the exporter may move the buffer, and tells
 * us through vshare_import_invalidate(). It is mapped at once, as static
 * importers do, so that an unusable buffer fails the import. A dma-buf
 * opened read-only gives a read-only object: ACCESS FILL, engine jobs
 * writing it and writable CPU mappings are refused with -EACCES.
 *
 * Returns: a new GEM object, or an ERR_PTR.
 */
struct drm_gem_object *vshare_import_dynamic(struct drm_device *dev,
					     struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;
	struct vshare_bo *bo;
	int ret;

	attach = dma_buf_dynamic_attach(dmabuf, dev->dev, &vshare_import_ops,
					NULL);
	if (IS_ERR(attach))
		return ERR_CAST(attach);
	get_dma_buf(dmabuf);
	bo = vshare_bo_alloc(dev, dmabuf->size);
	if (IS_ERR(bo)) {
		dma_buf_detach(dmabuf, attach);
		dma_buf_put(dmabuf);
		return ERR_CAST(bo);
	}
	bo->base.import_attach = attach;
	bo->base.resv = dmabuf->resv;
	/* What the holder of a read-only file may not do, vshare won't. */
	bo->readonly = !(dmabuf->file->f_mode & FMODE_WRITE);

	/* From here on, freeing the object unmaps and detaches. */
	dma_resv_lock(dmabuf->resv, NULL);
	attach->importer_priv = bo;
	ret = vshare_import_revalidate(bo);
	dma_resv_unlock(dmabuf->resv);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	return &bo->base;
}

/**
 * vshare_import_release - unmap, detach and drop an imported buffer
 * @bo: the imported buffer, being freed
 */
void vshare_import_release(struct vshare_bo *bo)
{
	struct dma_buf_attachment *attach = bo->base.import_attach;
	struct dma_buf *dmabuf = attach->dmabuf;

	/* Under the lock: the exporter may be invalidating right now. */
	dma_resv_lock(dmabuf->resv, NULL);
	if (bo->sgt)
		dma_buf_unmap_attachment(attach, bo->sgt, DMA_BIDIRECTIONAL);
	bo->sgt = NULL;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
}
