// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * KUnit tests of vshare's dma-buf exporter, from the importer's side: every
 * dma-buf entry point an importing driver calls, on vshare buffers, with
 * the results checked (entry counts, lengths, DMA addresses, contents,
 * reference counts).
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/uaccess.h>

#include <drm/drm_gem.h>
#include <drm/vshare_drm.h>

#include "../vshare_compat.h"
#include "../vshare_drv.h"

#define TEST_SIZE	(SZ_4M + 3 * PAGE_SIZE)

struct vshare_test {
	struct vshare_device *vdev;
	struct vshare_bo *bo;
	struct dma_buf *dmabuf;
	struct device *dev;
};

/* An importing device, with a DMA mask and an optional segment limit. */
/* A dynamic importer that drops nothing: its mappings are made on demand. */
static void test_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops test_importer_ops = {
	.VSHARE_ATTACH_INVALIDATE = test_invalidate,
};

/*
 * vshare is a dynamic exporter: a static attachment would be pinned and
 * mapped once at attach time on 6.12. Attach dynamically, so that every
 * map and unmap reaches the exporter as the test makes it.
 */
static struct dma_buf_attachment *test_attach(struct dma_buf *dmabuf,
					      struct device *dev)
{
	return dma_buf_dynamic_attach(dmabuf, dev, &test_importer_ops, NULL);
}

static struct device *test_importer_mask(struct kunit *test, const char *name,
					 unsigned int max_seg, unsigned int bits)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(bits)), 0);
	if (max_seg) {
		dev->dma_parms = kunit_kzalloc(test, sizeof(*dev->dma_parms),
					       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, dev->dma_parms);
		dma_set_max_seg_size(dev, max_seg);
	}
	return dev;
}

static struct device *test_importer(struct kunit *test, const char *name,
				    unsigned int max_seg)
{
	return test_importer_mask(test, name, max_seg, 64);
}

/*
 * The CPU address of what the device sees at a DMA address. Importers must
 * not look at the pages of the tables they get (CONFIG_DMABUF_DEBUG
 * scrambles them); without an IOMMU the DMA address is a physical one.
 */
static void *test_dma_vaddr(struct device *dev, dma_addr_t addr)
{
	return phys_to_virt(dma_to_phys(dev, addr));
}

static struct vshare_bo *test_bo(struct kunit *test, struct vshare_device *vdev,
				 u64 size, u32 flags)
{
	struct vshare_bo *bo = vshare_bo_create(&vdev->drm, size, flags);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bo);
	return bo;
}

KUNIT_DEFINE_ACTION_WRAPPER(test_device_destroy, vshare_device_destroy,
			    struct platform_device *);
KUNIT_DEFINE_ACTION_WRAPPER(test_dma_buf_put, dma_buf_put, struct dma_buf *);
KUNIT_DEFINE_ACTION_WRAPPER(test_gem_put, drm_gem_object_put,
			    struct drm_gem_object *);

/* A vshare device built from @config for this test, removed when it ends. */
static struct vshare_device *test_device_config(struct kunit *test,
						const struct vshare_config *config)
{
	struct platform_device *pdev;

	pdev = vshare_device_create(config);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_device_destroy,
							pdev), 0);
	KUNIT_ASSERT_NOT_NULL(test, platform_get_drvdata(pdev));
	return platform_get_drvdata(pdev);
}

/* A device of the default configuration. */
static struct vshare_device *test_device(struct kunit *test)
{
	struct vshare_config config;

	vshare_config_init(&config);
	return test_device_config(test, &config);
}

/* A device of the default configuration but for one field, set as text. */
static struct vshare_device *test_device_with(struct kunit *test,
					      const char *key, const char *value)
{
	struct vshare_config config;

	vshare_config_init(&config);
	KUNIT_ASSERT_EQ(test, vshare_config_set(&config, key, value), 0);
	return test_device_config(test, &config);
}

static int vshare_test_init(struct kunit *test)
{
	struct vshare_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->vdev = test_device(test);
	t->bo = test_bo(test, t->vdev, TEST_SIZE, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_gem_put,
							&t->bo->base), 0);
	t->dmabuf = vshare_gem_prime_export(&t->bo->base, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dmabuf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_dma_buf_put,
							t->dmabuf), 0);
	t->dev = test_importer(test, "vshare-importer", 0);
	test->priv = t;
	return 0;
}

/* Entries an importer with this segment limit must get: runs, cut. */
static unsigned int expected_entries(struct vshare_bo *bo, unsigned int max_seg)
{
	unsigned long n = bo->base.size >> PAGE_SHIFT, i, run = 1;
	unsigned int entries = 0, per = max_seg >> PAGE_SHIFT;

	for (i = 1; i <= n; i++) {
		if (i < n && page_to_pfn(bo->backing.pages[i]) ==
			     page_to_pfn(bo->backing.pages[i - 1]) + 1) {
			run++;
			continue;
		}
		entries += DIV_ROUND_UP(run, per);
		run = 1;
	}
	return entries;
}

/*
 * Succeeds if the export is named "vshare", shares the object's
 * reservation object, and its fd gives back the same dma-buf until closed.
 */
static void vshare_test_export_fd_get_put(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf *got;
	int fd;

	KUNIT_EXPECT_STREQ(test, t->dmabuf->exp_name, "vshare");
	KUNIT_EXPECT_EQ(test, t->dmabuf->size, (size_t)PAGE_ALIGN(TEST_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, t->dmabuf->resv, t->bo->base.resv);

	get_dma_buf(t->dmabuf);
	fd = dma_buf_fd(t->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	got = dma_buf_get(fd);
	KUNIT_EXPECT_PTR_EQ(test, got, t->dmabuf);
	if (!IS_ERR(got))
		dma_buf_put(got);
	/* Closing the fd drops the reference dma_buf_fd() consumed. */
	KUNIT_EXPECT_EQ(test, close_fd(fd), 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR(dma_buf_get(fd)));
}

/* Succeeds if attachments are counted as importers attach and detach. */
static void vshare_test_attach_detach(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf_attachment *a, *b;

	a = test_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = test_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.attachments), 2);
	dma_buf_detach(t->dmabuf, a);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.attachments), 1);
	dma_buf_detach(t->dmabuf, b);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.attachments), 0);
}

static void check_mapping(struct kunit *test, struct vshare_test *t,
			  struct device *dev, unsigned int max_seg)
{
	struct dma_buf_attachment *attach;
	struct scatterlist *sg;
	struct sg_table *sgt;
	size_t total = 0;
	unsigned int i;

	attach = test_attach(t->dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 1);

	KUNIT_EXPECT_EQ(test, sgt->orig_nents, expected_entries(t->bo, max_seg));
	for_each_sgtable_dma_sg(sgt, sg, i) {
		struct page *page = t->bo->backing.pages[total >> PAGE_SHIFT];

		KUNIT_EXPECT_LE(test, sg_dma_len(sg), max_seg);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(sg_dma_len(sg), PAGE_SIZE));
		/*
		 * No IOMMU: the device sees the buffer's own pages, in order,
		 * at their physical addresses.
		 */
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg),
				phys_to_dma(dev, page_to_phys(page)));
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, total, t->bo->base.size);
	kunit_info(test, "%zu bytes, %lu runs: %u entries at max segment %u\n",
		   t->bo->base.size, t->bo->backing.runs, sgt->orig_nents, max_seg);

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 0);
	dma_buf_detach(t->dmabuf, attach);
}

/*
 * Succeeds if an importer with the default 64 KiB segment limit gets
 * one entry per run cut at 64 KiB, at the buffer's own pages.
 */
static void vshare_test_map_default_segment(struct kunit *test)
{
	struct vshare_test *t = test->priv;

	/* A device without DMA parameters takes 64 KiB segments. */
	check_mapping(test, t, t->dev, dma_get_max_seg_size(t->dev));
}

/* Succeeds if an importer taking 1 GiB segments gets one entry per run. */
static void vshare_test_map_large_segment(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct device *dev = test_importer(test, "vshare-importer-1g", SZ_1G);

	check_mapping(test, t, dev, SZ_1G);
}

/* Succeeds if a mapping with no direction is refused and leaves none. */
static void vshare_test_map_bad_direction(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = test_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_NONE);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 0);
	dma_buf_detach(t->dmabuf, attach);
}

/*
 * Succeeds if an importer that detaches with a live mapping leaves no
 * mapping behind (the exporter unmaps it).
 */
static void vshare_test_detach_while_mapped(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

#if IS_ENABLED(CONFIG_DMABUF_DEBUG) && defined(VSHARE_HAVE_DMABUF_SGT_WRAPPER)
	/*
	 * dma-buf core hands importers a copy of the table here, which only
	 * unmapping frees: the importer bug this case plays would leak it.
	 */
	kunit_skip(test, "CONFIG_DMABUF_DEBUG's table copies leak on detach while mapped");
#endif
	attach = test_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 1);
	dma_buf_detach(t->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.attachments), 0);
	KUNIT_EXPECT_FALSE(test, vshare_bo_is_mapped(t->bo));
}

/*
 * Succeeds if begin/end_cpu_access with a live mapping succeed in both
 * directions, each reaching the exporter.
 */
static void vshare_test_cpu_access(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	s64 syncs;

	attach = test_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);

	syncs = atomic64_read(&t->bo->stats.syncs);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(t->dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(t->dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(t->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(t->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->bo->stats.syncs) - syncs, 4);

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_FROM_DEVICE);
	dma_buf_detach(t->dmabuf, attach);
}

/*
 * Succeeds if every kernel mapping of the buffer, by importers or by
 * vshare, is one refcounted vmap of zeroed, writable memory.
 */
static void vshare_test_vmap_refcount(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct iosys_map a, b;
	u32 *p;

	struct drm_gem_object *obj = &t->bo->base;
	struct iosys_map c;

	/* dma-buf counts its users and asks us once... */
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &a), 0);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &b), 0);
	KUNIT_EXPECT_FALSE(test, a.is_iomem);
	KUNIT_EXPECT_PTR_EQ(test, a.vaddr, b.vaddr);
	KUNIT_EXPECT_EQ(test, t->dmabuf->vmapping_counter, 2);
	KUNIT_EXPECT_EQ(test, t->bo->vmap_count, 1);
	/* ...and the driver's own users share the same mapping. */
	dma_resv_lock(obj->resv, NULL);
	KUNIT_EXPECT_EQ(test, vshare_gem_vmap_locked(obj, &c), 0);
	dma_resv_unlock(obj->resv);
	KUNIT_EXPECT_PTR_EQ(test, c.vaddr, a.vaddr);
	KUNIT_EXPECT_EQ(test, t->bo->vmap_count, 2);
	dma_resv_lock(obj->resv, NULL);
	vshare_gem_vunmap_locked(obj, &c);
	dma_resv_unlock(obj->resv);

	/* Zero-filled, and writable end to end. */
	p = a.vaddr;
	KUNIT_EXPECT_EQ(test, p[0], 0);
	KUNIT_EXPECT_EQ(test, p[TEST_SIZE / 4 - 1], 0);
	p[TEST_SIZE / 4 - 1] = 0xfeedf00d;

	dma_buf_vunmap_unlocked(t->dmabuf, &b);
	KUNIT_EXPECT_EQ(test, t->dmabuf->vmapping_counter, 1);
	KUNIT_EXPECT_EQ(test, t->bo->vmap_count, 1);
	KUNIT_EXPECT_PTR_EQ(test, t->bo->vaddr, a.vaddr);
	dma_buf_vunmap_unlocked(t->dmabuf, &a);
	KUNIT_EXPECT_EQ(test, t->dmabuf->vmapping_counter, 0);
	KUNIT_EXPECT_EQ(test, t->bo->vmap_count, 0);
	KUNIT_EXPECT_NULL(test, t->bo->vaddr);
}

/*
 * Succeeds if kmap_local_page() over the DMA addresses of a mapping
 * (the modern form of the removed dma_buf_ops kmap) reads what was
 * written through vmap.
 */
static void vshare_test_kmap_local_pages(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf_attachment *attach;
	struct sg_dma_page_iter piter;
	struct iosys_map map;
	struct sg_table *sgt;
	unsigned long page = 0, bad = 0;
	u32 *vaddr, *p;
	size_t i;

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &map), 0);
	vaddr = map.vaddr;
	for (i = 0; i < TEST_SIZE / 4; i++)
		vaddr[i] = i ^ 0x5a5a5a5a;

	attach = test_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_ASSERT_EQ(test, dma_buf_begin_cpu_access(t->dmabuf, DMA_FROM_DEVICE), 0);

	/* Page by page, from the DMA addresses the importer was given. */
	for_each_sgtable_dma_page(sgt, &piter, 0) {
		dma_addr_t addr = sg_page_iter_dma_address(&piter);

		p = kmap_local_page(pfn_to_page(PHYS_PFN(dma_to_phys(t->dev, addr))));
		for (i = 0; i < PAGE_SIZE / 4; i++)
			if (p[i] != ((page * PAGE_SIZE / 4 + i) ^ 0x5a5a5a5a))
				bad++;
		kunmap_local(p);
		page++;
	}
	KUNIT_EXPECT_EQ(test, page, TEST_SIZE >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, bad, 0);

	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(t->dmabuf, DMA_FROM_DEVICE), 0);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(t->dmabuf, attach);
	dma_buf_vunmap_unlocked(t->dmabuf, &map);
}

/*
 * Succeeds if a CPU mapping of the dma-buf and the kernel's vmap see
 * each other's writes.
 */
static void vshare_test_mmap(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	u32 val = 0xc0ffee, got = 0;
	struct iosys_map map;
	unsigned long addr;

	addr = kunit_vm_mmap(test, t->dmabuf->file, 0, TEST_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)addr + SZ_2M, &val,
					   sizeof(val)), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&t->bo->stats.faults), 0);

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &map), 0);
	KUNIT_EXPECT_EQ(test, ((u32 *)map.vaddr)[SZ_2M / 4], val);
	((u32 *)map.vaddr)[1] = 0xabcdef;
	dma_buf_vunmap_unlocked(t->dmabuf, &map);
	KUNIT_EXPECT_EQ(test, copy_from_user(&got, (void __user *)addr + 4,
					     sizeof(got)), 0);
	KUNIT_EXPECT_EQ(test, got, 0xabcdef);
}

/* Succeeds if mappings past the end of the buffer are refused. */
static void vshare_test_mmap_bounds(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	size_t size = PAGE_ALIGN(TEST_SIZE);
	unsigned long addr;

	addr = kunit_vm_mmap(test, t->dmabuf->file, 0, size + PAGE_SIZE,
			     PROT_READ, MAP_SHARED, 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr));
	addr = kunit_vm_mmap(test, t->dmabuf->file, 0, PAGE_SIZE, PROT_READ,
			     MAP_SHARED, size);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr));
	addr = kunit_vm_mmap(test, t->dmabuf->file, 0, PAGE_SIZE, PROT_READ,
			     MAP_SHARED, size - PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
}

/* Succeeds if a read-only export maps for reading only. */
static void vshare_test_mmap_readonly(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct dma_buf *ro = vshare_gem_prime_export(&t->bo->base, O_RDONLY);
	unsigned long addr;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ro);
	addr = kunit_vm_mmap(test, ro->file, 0, PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, (long)addr, -EACCES);
	addr = kunit_vm_mmap(test, ro->file, 0, PAGE_SIZE, PROT_READ,
			     MAP_SHARED, 0);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
	dma_buf_put(ro);
}

/*
 * The device reads what the CPU wrote (the pattern of check_bounced_access())
 * and writes its inverse, through the DMA addresses it was given. Counts
 * the entries that bounced; returns the words out of place or out of reach.
 */
static unsigned int test_device_invert(struct device *dev, struct vshare_bo *bo,
				       struct sg_table *sgt, unsigned int *bounced)
{
	unsigned int i, bad = 0;
	struct scatterlist *sg;
	size_t done = 0, j;
	u32 *p;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		struct page *page = bo->backing.pages[done >> PAGE_SHIFT];

		p = test_dma_vaddr(dev, sg_dma_address(sg));
		if (dma_to_phys(dev, sg_dma_address(sg)) + sg_dma_len(sg) > SZ_4G)
			bad++;	/* out of a 32-bit device's reach */
		if (sg_dma_address(sg) != phys_to_dma(dev, page_to_phys(page)))
			(*bounced)++;
		for (j = 0; j < sg_dma_len(sg) / 4; j++) {
			if (p[j] != (u32)(((done / 4) + j) ^ 0xc0ffee))
				bad++;
			p[j] = ~p[j];
		}
		done += sg_dma_len(sg);
	}
	return bad;
}

/*
 * An importer limited to 32-bit DMA reaches pages above 4 GiB through
 * swiotlb bounce buffers: what the CPU wrote reaches the device only through
 * end_cpu_access(), what the device wrote reaches the CPU only through
 * begin_cpu_access(). Write-combined buffers are no exception.
 */
static void check_bounced_access(struct kunit *test, u32 flags)
{
	struct vshare_test *t = test->priv;
	struct vshare_bo *bo = test_bo(test, t->vdev, SZ_256K, flags);
	struct dma_buf *dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
	struct device *dev = test_importer_mask(test, "vshare-importer-32", 0, 32);
	unsigned int bounced = 0, bad_dev, bad_cpu = 0;
	bool all_below;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct iosys_map map;
	size_t j;
	u32 *cpu;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	attach = test_attach(dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);
	cpu = map.vaddr;

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_TO_DEVICE), 0);
	for (j = 0; j < SZ_256K / 4; j++)
		cpu[j] = j ^ 0xc0ffee;
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE), 0);

	bad_dev = test_device_invert(dev, bo, sgt, &bounced);
	/*
	 * Pages below 4 GiB do not bounce: the test would prove nothing
	 * (kunit.py's 1 GiB guest without --qemu_args='-m 4G').
	 */
	all_below = !bounced && !bad_dev;
	if (all_below)
		goto out;
	KUNIT_EXPECT_EQ(test, bad_dev, 0);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	for (j = 0; j < SZ_256K / 4; j++)
		if (cpu[j] != ~(u32)(j ^ 0xc0ffee))
			bad_cpu++;
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, bad_cpu, 0);
	kunit_info(test, "%u of %u entries bounced, %u words lost\n",
		   bounced, sgt->nents, bad_cpu);

out:
	dma_buf_vunmap_unlocked(dmabuf, &map);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	drm_gem_object_put(&bo->base);
	if (all_below)
		kunit_skip(test, "no page above 4 GiB: nothing bounces");
}

/*
 * Succeeds if CPU and device writes cross swiotlb bounce buffers
 * through begin/end_cpu_access (cached buffer).
 */
static void vshare_test_bounce_cached(struct kunit *test)
{
	check_bounced_access(test, 0);
}

/*
 * Succeeds if CPU and device writes cross swiotlb bounce buffers
 * through begin/end_cpu_access (write-combined buffer).
 */
static void vshare_test_bounce_wc(struct kunit *test)
{
	check_bounced_access(test, VSHARE_CREATE_WC);
}

#ifdef CONFIG_X86
/* The cache-mode bits of a page-table entry, as PAT reads them. */
#define TEST_CACHE_BITS		(_PAGE_PWT | _PAGE_PCD)

static unsigned long test_kernel_cache_bits(unsigned long addr)
{
	unsigned int level;
	pte_t *pte = lookup_address(addr, &level);

	return pte ? pte_val(*pte) & TEST_CACHE_BITS : ~0ul;
}

/*
 * The hardware's view of a buffer's caching, not vshare's flags: the
 * cache bits of the linear map, of the kernel vmap and of a user mapping
 * (read back from the page tables with follow_pfnmap_start(), which also
 * gives the page frames the user sees), for every page.
 */
static void check_page_attributes(struct kunit *test, u32 flags)
{
	struct vshare_test *t = test->priv;
	struct vshare_bo *bo = test_bo(test, t->vdev, SZ_256K, flags);
	struct dma_buf *dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
	unsigned long want = 0, addr, i, bad_linear = 0, bad_vmap = 0;
	unsigned long bad_user = 0, bad_pfn = 0;
	struct vm_area_struct *vma;
	struct iosys_map map;
	u32 v;

	if (flags & VSHARE_CREATE_WC)
		want = pgprot_val(pgprot_writecombine(__pgprot(0))) &
		       TEST_CACHE_BITS;
	/* Without PAT, WC would look like WB and prove nothing. */
	KUNIT_ASSERT_TRUE(test, !(flags & VSHARE_CREATE_WC) || want);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);

	addr = kunit_vm_mmap(test, dmabuf->file, 0, SZ_256K,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	for (i = 0; i < SZ_256K; i += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, copy_from_user(&v, (void __user *)addr + i,
						     sizeof(v)), 0);

	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	for (i = 0; vma && i < SZ_256K >> PAGE_SHIFT; i++) {
		struct page *page = bo->backing.pages[i];
		struct follow_pfnmap_args args = {
			.vma = vma, .address = addr + i * PAGE_SIZE,
		};

		bad_linear += test_kernel_cache_bits((unsigned long)
						     page_address(page)) != want;
		bad_vmap += test_kernel_cache_bits((unsigned long)map.vaddr +
						   i * PAGE_SIZE) != want;
		if (follow_pfnmap_start(&args)) {
			bad_user++;
			continue;
		}
		bad_user += (pgprot_val(args.pgprot) & TEST_CACHE_BITS) != want;
		bad_pfn += args.pfn != page_to_pfn(page);
		follow_pfnmap_end(&args);
	}
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_NOT_NULL(test, vma);
	KUNIT_EXPECT_EQ(test, bad_linear, 0);
	KUNIT_EXPECT_EQ(test, bad_vmap, 0);
	KUNIT_EXPECT_EQ(test, bad_user, 0);
	KUNIT_EXPECT_EQ(test, bad_pfn, 0);

	dma_buf_vunmap_unlocked(dmabuf, &map);
	dma_buf_put(dmabuf);
	drm_gem_object_put(&bo->base);
}

/*
 * Succeeds if every mapping of a WC buffer is write-combined in the
 * page tables, at the buffer's own page frames.
 */
static void vshare_test_page_attributes_wc(struct kunit *test)
{
	check_page_attributes(test, VSHARE_CREATE_WC);
}

/*
 * Succeeds if every mapping of a cached buffer is write-back in the
 * page tables, at the buffer's own page frames.
 */
static void vshare_test_page_attributes_cached(struct kunit *test)
{
	check_page_attributes(test, 0);
}
#endif

/*
 * Succeeds if a CONTIGUOUS buffer is one run by its page frames and an
 * importer taking any segment size gets it as one DMA segment at the
 * first page.
 */
static void vshare_test_contiguous(struct kunit *test)
{
	static const size_t sizes[] = { SZ_64K, SZ_1M, SZ_4M };
	struct vshare_test *t = test->priv;
	struct device *dev = test_importer(test, "vshare-importer-1g", SZ_1G);
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct vshare_bo *bo = test_bo(test, t->vdev, sizes[k],
					       VSHARE_CREATE_CONTIGUOUS);
		struct dma_buf *dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
		unsigned long pfn0 = page_to_pfn(bo->backing.pages[0]), i, bad = 0;
		struct dma_buf_attachment *attach;
		struct sg_table *sgt;

		for (i = 0; i < sizes[k] >> PAGE_SHIFT; i++)
			bad += page_to_pfn(bo->backing.pages[i]) != pfn0 + i;
		KUNIT_EXPECT_EQ(test, bad, 0);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
		attach = test_attach(dmabuf, dev);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
		KUNIT_EXPECT_EQ(test, sgt->nents, 1);
		KUNIT_EXPECT_EQ(test, sg_dma_len(sgt->sgl), sizes[k]);
		KUNIT_EXPECT_EQ(test, sg_dma_address(sgt->sgl),
				phys_to_dma(dev, PFN_PHYS(pfn0)));
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
		dma_buf_detach(dmabuf, attach);
		dma_buf_put(dmabuf);
		drm_gem_object_put(&bo->base);
	}
}

/*
 * Succeeds if the runs vshare reports (debugfs) are the runs of the
 * page frames.
 */
static void vshare_test_runs_match_pfns(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct vshare_bo *bo = test_bo(test, t->vdev, SZ_8M + 12 * PAGE_SIZE, 0);
	unsigned long i, runs = 1;

	for (i = 1; i < bo->base.size >> PAGE_SHIFT; i++)
		runs += page_to_pfn(bo->backing.pages[i]) !=
			page_to_pfn(bo->backing.pages[i - 1]) + 1;
	KUNIT_EXPECT_EQ(test, bo->backing.runs, runs);
	drm_gem_object_put(&bo->base);
}

/*
 * Succeeds if CPU access on a write-combined buffer reaches the
 * exporter like any other.
 */
static void vshare_test_wc_cpu_access(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct vshare_bo *bo = test_bo(test, t->vdev, SZ_1M, VSHARE_CREATE_WC);
	struct dma_buf *dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	attach = test_attach(dmabuf, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_TO_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&bo->stats.syncs), 2);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	drm_gem_object_put(&bo->base);
}

/*
 * Succeeds if a second vshare device imports the buffer like any
 * foreign one (its own object, attached and mapped, same contents), while
 * the exporting device gets its own object back.
 */
static void vshare_test_import_foreign(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct vshare_device *other = test_device(test);
	struct drm_gem_object *obj;
	struct iosys_map ours, theirs;
	u32 *p;

	obj = vshare_gem_prime_import(&other->drm, t->dmabuf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_EXPECT_PTR_NE(test, obj, &t->bo->base);
	KUNIT_EXPECT_NOT_NULL(test, obj->import_attach);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.attachments), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 1);
	KUNIT_EXPECT_PTR_EQ(test, obj->resv, t->bo->base.resv);

	/* Our own device gets its object back. */
	KUNIT_EXPECT_PTR_EQ(test, vshare_gem_prime_import(&t->vdev->drm, t->dmabuf),
			    &t->bo->base);
	drm_gem_object_put(&t->bo->base);

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &ours), 0);
	p = ours.vaddr;
	p[7] = 0x77777777;
	dma_resv_lock(obj->resv, NULL);
	KUNIT_EXPECT_EQ(test, vshare_gem_vmap_locked(obj, &theirs), 0);
	dma_resv_unlock(obj->resv);
	KUNIT_EXPECT_EQ(test, ((u32 *)theirs.vaddr)[7], 0x77777777);
	dma_resv_lock(obj->resv, NULL);
	vshare_gem_vunmap_locked(obj, &theirs);
	dma_resv_unlock(obj->resv);
	dma_buf_vunmap_unlocked(t->dmabuf, &ours);

	drm_gem_object_put(obj);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.attachments), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bo->stats.maps), 0);
}

/*
 * Succeeds if bad sizes and flags give -EINVAL, and sizes that cannot
 * be had -ENOMEM.
 */
static void vshare_test_create_errors(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct drm_device *drm = &t->vdev->drm;

	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(drm, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(drm, PAGE_SIZE, ~0u)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(drm, U64_MAX, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(drm, SZ_1T, 0)), -ENOMEM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(drm, SZ_8M,
						       VSHARE_CREATE_CONTIGUOUS)),
			-ENOMEM);
}

/* Succeeds if ids stay unique and not 0 when they wrap around. */
static void vshare_test_ids_wrap(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct vshare_device *vdev = t->vdev;
	struct vshare_bo *last, *next;

	KUNIT_ASSERT_EQ(test, t->bo->id, 1);
	mutex_lock(&vdev->bos_lock);
	vdev->next_id = U32_MAX - 1;
	mutex_unlock(&vdev->bos_lock);
	last = test_bo(test, vdev, PAGE_SIZE, 0);
	next = test_bo(test, vdev, PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, last->id, U32_MAX);
	/* Not 0, nor 1: that one is t->bo's, still alive. */
	KUNIT_EXPECT_EQ(test, next->id, 2);
	drm_gem_object_put(&next->base);
	drm_gem_object_put(&last->base);
}

/* Succeeds if the defaults are valid: the module's devices are built of them. */
static void vshare_test_config_defaults(struct kunit *test)
{
	struct vshare_config config;
	char buf[32];

	vshare_config_init(&config);
	KUNIT_EXPECT_TRUE(test, vshare_config_is_valid(&config));
	KUNIT_EXPECT_EQ(test, config.dma_mask_bits, 64);
	KUNIT_EXPECT_EQ(test, config.max_segment_size, SZ_4G);
	KUNIT_EXPECT_EQ(test, config.pitch_align, 64);
	KUNIT_EXPECT_EQ(test, config.mem_limit, 0);
	KUNIT_EXPECT_GT(test, vshare_config_show(&config, "alloc", buf,
						 sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "scattered\n");
	KUNIT_EXPECT_GT(test, vshare_config_show(&config, "segment_boundary",
						 buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "4294967295\n");
}

/* Text for each field, and the errno vshare_config_set() must give it. */
static const struct {
	const char *key, *value;
	int err;
} config_cases[] = {
	{ "dma_mask_bits", "32", 0 }, { "dma_mask_bits", "64\n", 0 },
	{ "dma_mask_bits", "31", -ERANGE }, { "dma_mask_bits", "65", -ERANGE },
	{ "dma_mask_bits", "x", -EINVAL }, { "dma_mask_bits", "", -EINVAL },
	{ "max_segment_size", "65536", 0 }, { "max_segment_size", "4294967296", 0 },
	{ "max_segment_size", "2048", -ERANGE },
	{ "max_segment_size", "65537", -EINVAL },
	{ "max_segment_size", "4294971392", -ERANGE },
	{ "segment_boundary", "0xffff", 0 },
	{ "segment_boundary", "18446744073709551615", 0 },
	{ "segment_boundary", "0x10000", -EINVAL },
	{ "segment_boundary", "0x7ff", -ERANGE },
	{ "alloc", "contiguous", 0 }, { "alloc", "lazy\n", 0 },
	{ "alloc", "scattered", 0 }, { "alloc", "vram", -EINVAL },
	{ "caching", "wc", 0 }, { "caching", "cached", 0 },
	{ "caching", "both", 0 }, { "caching", "uc", -EINVAL },
	{ "pitch_align", "256", 0 }, { "pitch_align", "1", 0 },
	{ "pitch_align", "96", -EINVAL }, { "pitch_align", "8192", -ERANGE },
	{ "pitch_align", "0", -ERANGE },
	{ "size_align", "65536", 0 }, { "size_align", "1073741824", 0 },
	{ "size_align", "1024", -ERANGE }, { "size_align", "12288", -EINVAL },
	{ "max_buffer_size", "0", 0 }, { "max_buffer_size", "1048576", 0 },
	{ "max_buffer_size", "1000", -ERANGE },
	{ "max_buffer_size", "5000", -EINVAL },
	{ "pinning", "static-only", 0 }, { "pinning", "never", 0 },
	{ "pinning", "dynamic", 0 }, { "pinning", "static", -EINVAL },
	{ "mem_limit", "0", 0 }, { "mem_limit", "67108864", 0 },
	{ "mem_limit", "100", -ERANGE }, { "mem_limit", "-1", -EINVAL },
	{ "dmem_region_size", "268435456", 0 },
	{ "dmem_region_size", "4097", -EINVAL },
	{ "fence_timeout_ms", "600000", 0 },
	{ "fence_timeout_ms", "600001", -ERANGE },
	{ "job_timeout_ms", "0", 0 }, { "job_timeout_ms", "1e3", -EINVAL },
	{ "job_timeout_ms", "99999999999", -ERANGE },
	{ "no_such_field", "1", -ENOENT },
};

/*
 * Succeeds if every field takes the values of its range, as text, and
 * refuses the others with the documented errno, leaving the configuration
 * as it was; and if what is set reads back the same.
 */
static void vshare_test_config_set(struct kunit *test)
{
	struct vshare_config config, before;
	char buf[32], want[32];
	unsigned int i;

	vshare_config_init(&config);
	for (i = 0; i < ARRAY_SIZE(config_cases); i++) {
		before = config;
		KUNIT_EXPECT_EQ_MSG(test, vshare_config_set(&config, config_cases[i].key,
							    config_cases[i].value),
				    config_cases[i].err, "%s=%s", config_cases[i].key,
				    config_cases[i].value);
		if (config_cases[i].err) {
			KUNIT_EXPECT_EQ_MSG(test, memcmp(&config, &before,
							 sizeof(config)), 0,
					    "%s changed", config_cases[i].key);
			continue;
		}
		KUNIT_EXPECT_TRUE(test, vshare_config_is_valid(&config));
		KUNIT_ASSERT_GT(test, vshare_config_show(&config, config_cases[i].key,
							 buf, sizeof(buf)), 0);
		snprintf(want, sizeof(want), "%s", config_cases[i].value);
		strim(want);
		if (strncmp(want, "0x", 2))
			KUNIT_EXPECT_STREQ(test, strim(buf), want);
	}
	/* A configuration out of its ranges builds no device. */
	config.dma_mask_bits = 16;
	KUNIT_EXPECT_FALSE(test, vshare_config_is_valid(&config));
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_device_create(&config)), -EINVAL);
}

/*
 * Succeeds if a device takes its DMA mask, segment limit and boundary
 * from its configuration, and its own memory limit bounds its buffers.
 */
static void vshare_test_config_device(struct kunit *test)
{
	struct vshare_config config;
	struct vshare_device *vdev;
	struct vshare_bo *bo;

	vshare_config_init(&config);
	config.dma_mask_bits = 32;
	config.max_segment_size = SZ_64K;
	config.segment_boundary = SZ_1M - 1;
	config.mem_limit = SZ_1M;
	vdev = test_device_config(test, &config);
	KUNIT_EXPECT_EQ(test, dma_get_mask(vdev->drm.dev), DMA_BIT_MASK(32));
	KUNIT_EXPECT_EQ(test, dma_get_max_seg_size(vdev->drm.dev), SZ_64K);
	KUNIT_EXPECT_EQ(test, dma_get_seg_boundary(vdev->drm.dev), SZ_1M - 1);

	bo = test_bo(test, vdev, SZ_1M, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(&vdev->drm, PAGE_SIZE, 0)),
			-ENOMEM);
	drm_gem_object_put(&bo->base);
	bo = test_bo(test, vdev, PAGE_SIZE, 0);
	drm_gem_object_put(&bo->base);
}

/*
 * The page allocator's zone for @bo's blocks, of every order: a zone
 * modifier combination it does not allow (__GFP_DMA32 with __GFP_HIGHMEM)
 * is served from ZONE_DMA's 16 MiB on kernels that have it, or hits
 * VM_BUG_ON with CONFIG_DEBUG_VM; our debug kernels have neither.
 */
static void check_zone(struct kunit *test, struct vshare_bo *bo,
		       enum zone_type zone)
{
	unsigned int orders[] = { 0, 4, PMD_SHIFT - PAGE_SHIFT - 1,
				  PMD_SHIFT - PAGE_SHIFT }, i;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		gfp_t gfp = vshare_backing_gfp(&bo->backing, orders[i]);
		int bits = (__force int)(gfp & GFP_ZONEMASK);
		bool bad = (GFP_ZONE_BAD >> bits) & 1;

		KUNIT_EXPECT_FALSE_MSG(test, bad, "order %u: zone bits %#x",
				       orders[i], bits);
		/* gfp_zone() of a bad mask is a VM_BUG_ON with DEBUG_VM. */
		if (!bad)
			KUNIT_EXPECT_EQ(test, gfp_zone(gfp), zone);
	}
}

/*
 * Succeeds if every page of a 32-bit device's buffers lies below 4 GiB and
 * its allocations ask for ZONE_DMA32 alone where memory goes beyond, while
 * a 64-bit device's may take any page.
 */
static void vshare_test_config_dma32(struct kunit *test)
{
	struct vshare_device *vdev = test_device_with(test, "dma_mask_bits", "32");
	struct vshare_test *t = test->priv;
	unsigned long i, above = 0;
	enum zone_type zone;
	struct vshare_bo *bo;

	/* With all memory below 4 GiB, any page will do. */
	zone = gfp_zone(GFP_HIGHUSER);
	if (dma_get_required_mask(vdev->drm.dev) > DMA_BIT_MASK(32))
		zone = gfp_zone(GFP_USER | __GFP_DMA32);
	bo = test_bo(test, vdev, PAGE_SIZE, 0);
	check_zone(test, bo, zone);
	drm_gem_object_put(&bo->base);

	bo = test_bo(test, vdev, SZ_32M, 0);
	for (i = 0; i < bo->backing.npages; i++)
		above += page_to_phys(bo->backing.pages[i]) + PAGE_SIZE > SZ_4G;
	KUNIT_EXPECT_EQ(test, above, 0);
	drm_gem_object_put(&bo->base);

	bo = test_bo(test, t->vdev, SZ_4M, 0);
	check_zone(test, bo, gfp_zone(GFP_HIGHUSER));
	drm_gem_object_put(&bo->base);
}

/*
 * Succeeds if a device configured with 64 KiB segments and a 256 KiB
 * boundary imports with them: every entry of the table its exporter gave
 * it fits, and the entries cover the buffer.
 */
static void vshare_test_config_segments(struct kunit *test)
{
	struct vshare_test *t = test->priv;
	struct vshare_config config;
	struct vshare_device *importer;
	struct drm_gem_object *obj;
	struct scatterlist *sg;
	unsigned int i, bad = 0;
	size_t total = 0;

	vshare_config_init(&config);
	config.max_segment_size = SZ_64K;
	config.segment_boundary = SZ_256K - 1;
	importer = test_device_config(test, &config);
	obj = vshare_gem_prime_import(&importer->drm, t->dmabuf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	for_each_sgtable_dma_sg(to_vshare_bo(obj)->sgt, sg, i) {
		dma_addr_t a = sg_dma_address(sg);

		bad += sg_dma_len(sg) > SZ_64K;
		bad += (a & ~(dma_addr_t)(SZ_256K - 1)) !=
		       ((a + sg_dma_len(sg) - 1) & ~(dma_addr_t)(SZ_256K - 1));
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, total, t->bo->base.size);
	drm_gem_object_put(obj);
}

/* Succeeds if a contiguous device's buffers are one run of page frames. */
static void vshare_test_config_contiguous(struct kunit *test)
{
	struct vshare_device *vdev = test_device_with(test, "alloc", "contiguous");
	struct vshare_bo *bo = test_bo(test, vdev, SZ_4M, 0);
	unsigned long i, pfn0 = page_to_pfn(bo->backing.pages[0]), bad = 0;

	KUNIT_EXPECT_TRUE(test, bo->flags & VSHARE_CREATE_CONTIGUOUS);
	for (i = 0; i < bo->backing.npages; i++)
		bad += page_to_pfn(bo->backing.pages[i]) != pfn0 + i;
	KUNIT_EXPECT_EQ(test, bad, 0);
	drm_gem_object_put(&bo->base);
	/* Beyond the page allocator's largest block: a clean -ENOMEM. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(&vdev->drm, SZ_16M, 0)),
			-ENOMEM);
}

/*
 * Succeeds if a lazy device's buffer has no pages until touched, gets the
 * touched 2 MiB chunk (as one block where it can) on a CPU fault, and all
 * of them, zeroed, once mapped by the kernel.
 */
static void vshare_test_config_lazy(struct kunit *test)
{
	struct vshare_device *vdev = test_device_with(test, "alloc", "lazy");
	struct vshare_bo *bo = test_bo(test, vdev, SZ_8M, 0);
	struct dma_buf *dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
	unsigned long addr, i, nonzero = 0;
	struct iosys_map map;
	u32 v = 0x1a2b3c4d;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_EXPECT_EQ(test, bo->backing.populated, 0);
	addr = kunit_vm_mmap(test, dmabuf->file, 0, SZ_8M,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)addr + SZ_4M + 8, &v,
					   sizeof(v)), 0);
	KUNIT_EXPECT_EQ(test, bo->backing.populated, SZ_2M >> PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test, test_bit(SZ_4M / SZ_2M, bo->backing.chunks));
	KUNIT_EXPECT_FALSE(test, test_bit(0, bo->backing.chunks));
	KUNIT_EXPECT_FALSE(test, test_bit(1, bo->backing.chunks));
	KUNIT_EXPECT_FALSE(test, test_bit(3, bo->backing.chunks));

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);
	KUNIT_EXPECT_EQ(test, bo->backing.populated, bo->backing.npages);
	KUNIT_EXPECT_EQ(test, ((u32 *)map.vaddr)[(SZ_4M + 8) / 4], v);
	for (i = 0; i < SZ_8M / 4; i++)
		nonzero += ((u32 *)map.vaddr)[i] != 0;
	KUNIT_EXPECT_EQ(test, nonzero, 1);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	dma_buf_put(dmabuf);
	drm_gem_object_put(&bo->base);
}

/*
 * Succeeds if a device that never pins refuses a static importer (at
 * attach or at map, by kernel), and a static-only device refuses a
 * dynamic importer's unpinned map but not its pinned one.
 */
static void vshare_test_config_pinning(struct kunit *test)
{
	struct vshare_device *never = test_device_with(test, "pinning", "never");
	struct vshare_device *fixed = test_device_with(test, "pinning",
						       "static-only");
	struct vshare_bo *bo = test_bo(test, never, SZ_1M, 0);
	struct dma_buf *dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct device *dev = test_importer(test, "vshare-static", 0);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	attach = dma_buf_attach(dmabuf, dev);
	if (!IS_ERR(attach)) {
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -EOPNOTSUPP);
		dma_buf_detach(dmabuf, attach);
	} else {
		KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	}
	KUNIT_EXPECT_EQ(test, bo->pin_count, 0);
	dma_buf_put(dmabuf);
	drm_gem_object_put(&bo->base);

	bo = test_bo(test, fixed, SZ_1M, 0);
	dmabuf = vshare_gem_prime_export(&bo->base, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	attach = test_attach(dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	/*
	 * Without CONFIG_DMABUF_MOVE_NOTIFY (6.x before its removal, e.g.
	 * kunit.py's config) the core pins every map first: a pinned map,
	 * which static-only allows.
	 */
	if (!IS_ERR(sgt) && bo->pin_count)
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);
	else
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, bo->pin_count, 0);
	dma_resv_lock(dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_pin(attach), 0);
	sgt = dma_buf_map_attachment(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, IS_ERR(sgt));
	if (!IS_ERR(sgt))
		dma_buf_unmap_attachment(attach, sgt, DMA_TO_DEVICE);
	dma_buf_unpin(attach);
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	drm_gem_object_put(&bo->base);
}

/*
 * Succeeds if the caching, size alignment and size limit of a device's
 * configuration shape what CREATE gives.
 */
static void vshare_test_config_buffers(struct kunit *test)
{
	struct vshare_device *cached = test_device_with(test, "caching", "cached");
	struct vshare_device *wc = test_device_with(test, "caching", "wc");
	struct vshare_device *big = test_device_with(test, "size_align", "2097152");
	struct vshare_device *small = test_device_with(test, "max_buffer_size",
						       "1048576");
	struct vshare_bo *bo;

	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(&cached->drm, SZ_64K,
						       VSHARE_CREATE_WC)), -EINVAL);
	bo = test_bo(test, wc, SZ_64K, 0);
	KUNIT_EXPECT_TRUE(test, bo->flags & VSHARE_CREATE_WC);
	drm_gem_object_put(&bo->base);
	bo = test_bo(test, big, 5000, 0);
	KUNIT_EXPECT_EQ(test, bo->base.size, SZ_2M);
	drm_gem_object_put(&bo->base);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vshare_bo_create(&small->drm, SZ_1M + 1, 0)),
			-E2BIG);
	bo = test_bo(test, small, SZ_1M, 0);
	drm_gem_object_put(&bo->base);
}

static struct kunit_case vshare_test_cases[] = {
	KUNIT_CASE(vshare_test_export_fd_get_put),
	KUNIT_CASE(vshare_test_attach_detach),
	KUNIT_CASE(vshare_test_map_default_segment),
	KUNIT_CASE(vshare_test_map_large_segment),
	KUNIT_CASE(vshare_test_map_bad_direction),
	KUNIT_CASE(vshare_test_detach_while_mapped),
	KUNIT_CASE(vshare_test_cpu_access),
	KUNIT_CASE(vshare_test_vmap_refcount),
	KUNIT_CASE(vshare_test_kmap_local_pages),
	KUNIT_CASE(vshare_test_mmap),
	KUNIT_CASE(vshare_test_mmap_bounds),
	KUNIT_CASE(vshare_test_mmap_readonly),
	KUNIT_CASE(vshare_test_wc_cpu_access),
	KUNIT_CASE(vshare_test_bounce_cached),
	KUNIT_CASE(vshare_test_bounce_wc),
	KUNIT_CASE(vshare_test_contiguous),
	KUNIT_CASE(vshare_test_runs_match_pfns),
#ifdef CONFIG_X86
	KUNIT_CASE(vshare_test_page_attributes_cached),
	KUNIT_CASE(vshare_test_page_attributes_wc),
#endif
	KUNIT_CASE(vshare_test_import_foreign),
	KUNIT_CASE(vshare_test_create_errors),
	KUNIT_CASE(vshare_test_config_defaults),
	KUNIT_CASE(vshare_test_config_set),
	KUNIT_CASE(vshare_test_config_device),
	KUNIT_CASE(vshare_test_config_dma32),
	KUNIT_CASE(vshare_test_config_segments),
	KUNIT_CASE(vshare_test_config_contiguous),
	KUNIT_CASE(vshare_test_config_lazy),
	KUNIT_CASE(vshare_test_config_pinning),
	KUNIT_CASE(vshare_test_config_buffers),
	KUNIT_CASE(vshare_test_ids_wrap),
	{}
};

static struct kunit_suite vshare_test_suite = {
	.name = "vshare",
	.init = vshare_test_init,
	.test_cases = vshare_test_cases,
};

kunit_test_suite(vshare_test_suite);
