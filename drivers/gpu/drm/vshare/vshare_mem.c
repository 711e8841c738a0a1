// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Memory for native buffers: the budget they are charged to, and the
 * page allocator that backs them (used at creation and by a move).
 */

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include <drm/vshare_drm.h>

#include "vshare_drv.h"

/*
 * All vshare devices share one memory budget, so that a test allocating
 * too much gets -ENOMEM from vshare long before the OOM killer wakes up.
 * A device may have a smaller limit of its own (&vshare_config.mem_limit).
 */
static unsigned int mem_limit_mb;
module_param(mem_limit_mb, uint, 0644);
MODULE_PARM_DESC(mem_limit_mb,
		 "Memory all vshare buffers may use, in MiB (default: half of RAM)");

static atomic64_t vshare_mem_bytes = ATOMIC64_INIT(0);

/**
 * vshare_mem_limit - the module-wide budget
 *
 * Returns: bytes all native buffers of all devices may use together.
 */
u64 vshare_mem_limit(void)
{
	unsigned int mb = READ_ONCE(mem_limit_mb);

	if (!mb)
		return (u64)totalram_pages() * PAGE_SIZE / 2;
	return (u64)mb << 20;
}

/**
 * vshare_mem_used - what the module-wide budget has given out
 *
 * Returns: bytes of native buffers of all devices.
 */
u64 vshare_mem_used(void)
{
	return atomic64_read(&vshare_mem_bytes);
}

static int vshare_mem_take(atomic64_t *used, u64 size, u64 limit)
{
	if (atomic64_add_return(size, used) > limit) {
		atomic64_sub(size, used);
		return -ENOMEM;
	}
	return 0;
}

/**
 * vshare_mem_charge - take memory from the budgets
 * @vdev: the device the memory is for
 * @size: bytes about to be allocated
 *
 * Returns: 0, or -ENOMEM when the module's or the device's budget would be
 * exceeded.
 */
int vshare_mem_charge(struct vshare_device *vdev, u64 size)
{
	u64 limit = vdev->config.mem_limit;
	int ret;

	ret = vshare_mem_take(&vshare_mem_bytes, size, vshare_mem_limit());
	if (ret || !limit)
		return ret;
	ret = vshare_mem_take(&vdev->mem_used, size, limit);
	if (ret)
		atomic64_sub(size, &vshare_mem_bytes);
	return ret;
}

/**
 * vshare_mem_uncharge - give memory back to the budgets
 * @vdev: the device it was charged for
 * @size: bytes freed, as given to vshare_mem_charge()
 */
void vshare_mem_uncharge(struct vshare_device *vdev, u64 size)
{
	atomic64_sub(size, &vshare_mem_bytes);
	if (vdev->config.mem_limit)
		atomic64_sub(size, &vdev->mem_used);
}

/*
 * Buffers are built from the largest pages the allocator gives without
 * effort, so that sg_tables and mappings stay compact: 2 MiB, 64 KiB, then
 * single pages. High orders neither reclaim nor retry; single pages may
 * retry but never invoke the OOM killer. Every page is charged to the
 * memory cgroup of the task that allocates it, which then gets -ENOMEM
 * at its limit (no OOM kill: neither flag lets the charge invoke it).
 */
static const unsigned int vshare_orders[] = { PMD_SHIFT - PAGE_SHIFT, 4, 0 };

#define VSHARE_HUGE_PAGES	(1UL << (PMD_SHIFT - PAGE_SHIFT))

#define VSHARE_HIGH_ORDER_GFP	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				  __GFP_NORETRY | __GFP_ACCOUNT) & ~__GFP_RECLAIM)
#define VSHARE_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_RETRY_MAYFAIL | __GFP_ACCOUNT)

static void vshare_free_pages(struct page **pages, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		__free_page(pages[i]);
}

/*
 * Splits a block into single refcounted pages, each mappable on its own,
 * and counts the runs as blocks come: a block that does not follow the
 * previous one in memory starts a new run.
 */
static void vshare_add_block(struct vshare_backing *b, unsigned long *done,
			     struct page *page, unsigned int order)
{
	unsigned long j;

	if (!*done ||
	    page_to_pfn(page) != page_to_pfn(b->pages[*done - 1]) + 1)
		b->runs++;
	split_page(page, order);
	if ((1UL << order) == VSHARE_HUGE_PAGES && !(*done % VSHARE_HUGE_PAGES))
		__set_bit(*done / VSHARE_HUGE_PAGES, b->huge);
	for (j = 0; j < (1UL << order); j++)
		b->pages[(*done)++] = page + j;
}

static int vshare_alloc_contiguous(struct vshare_backing *b)
{
	unsigned int order = get_order(b->npages << PAGE_SHIFT);
	unsigned long i;
	struct page *page;

	if (order > MAX_PAGE_ORDER || vshare_inject_fail(VSHARE_INJECT_ALLOC))
		return -ENOMEM;
	page = alloc_pages(VSHARE_LOW_ORDER_GFP, order);
	if (!page)
		return -ENOMEM;
	split_page(page, order);
	for (i = 0; i < b->npages; i++)
		b->pages[i] = page + i;
	/* Give back the tail beyond the buffer's size. */
	for (; i < (1UL << order); i++)
		__free_page(page + i);
	for (i = 0; i + VSHARE_HUGE_PAGES <= b->npages; i += VSHARE_HUGE_PAGES)
		if (IS_ALIGNED(page_to_pfn(b->pages[i]), VSHARE_HUGE_PAGES))
			__set_bit(i / VSHARE_HUGE_PAGES, b->huge);
	b->runs = 1;
	return 0;
}

static struct page *vshare_alloc_block(unsigned long left, unsigned int *order)
{
	struct page *page = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vshare_orders) && !page; i++) {
		*order = vshare_orders[i];
		if (left < (1UL << *order))
			continue;
		page = alloc_pages(*order ? VSHARE_HIGH_ORDER_GFP :
				   VSHARE_LOW_ORDER_GFP, *order);
	}
	return page;
}

static int vshare_alloc_scattered(struct vshare_backing *b)
{
	unsigned long done = 0;
	unsigned int order;
	struct page *page;

	while (done < b->npages) {
		if (fatal_signal_pending(current) ||
		    vshare_inject_fail(VSHARE_INJECT_ALLOC))
			goto err;
		page = vshare_alloc_block(b->npages - done, &order);
		if (!page)
			goto err;
		vshare_add_block(b, &done, page, order);
	}
	return 0;

err:
	vshare_free_pages(b->pages, done);
	return -ENOMEM;
}

/* Write-combined buffers get no cached alias in the kernel's linear map. */
static int vshare_set_caching(struct vshare_backing *b, u32 flags, bool wc)
{
#ifdef CONFIG_X86
	if (flags & VSHARE_CREATE_WC)
		return wc ? set_pages_array_wc(b->pages, b->npages) :
			    set_pages_array_wb(b->pages, b->npages);
#endif
	return 0;
}

/**
 * vshare_backing_huge - whether a page starts an aligned 2 MiB block
 * @b: the backing
 * @idx: index of the page
 *
 * Returns: true if the PMD-sized chunk starting at @idx is one block.
 */
bool vshare_backing_huge(const struct vshare_backing *b, unsigned long idx)
{
	return IS_ALIGNED(idx, VSHARE_HUGE_PAGES) &&
	       idx + VSHARE_HUGE_PAGES <= b->npages &&
	       test_bit(idx / VSHARE_HUGE_PAGES, b->huge);
}

/**
 * vshare_backing_free - free what vshare_backing_alloc() gave
 * @b: the backing; its arrays are freed, and its pages if allocated
 * @flags: the VSHARE_CREATE_* flags it was allocated with
 */
void vshare_backing_free(struct vshare_backing *b, u32 flags)
{
	if (b->allocated) {
		vshare_set_caching(b, flags, false);
		vshare_free_pages(b->pages, b->npages);
	}
	kvfree(b->pages);
	bitmap_free(b->huge);
	*b = (struct vshare_backing) { };
}

/**
 * vshare_backing_alloc - allocate zeroed pages for a native buffer
 * @b: returns the pages, their 2 MiB blocks and their number of runs
 * @npages: how many pages
 * @flags: VSHARE_CREATE_* flags: contiguous or not, caching
 *
 * Returns: 0, or -ENOMEM; on error, vshare_backing_free() must still be
 * called (as it is for a buffer that fails to be created).
 */
int vshare_backing_alloc(struct vshare_backing *b, unsigned long npages,
			 u32 flags)
{
	int ret;

	b->npages = npages;
	b->pages = kvmalloc_array(npages, sizeof(*b->pages), GFP_KERNEL);
	/* Only buffers of 2 MiB or more can have PMD-mapped blocks. */
	if (npages >= VSHARE_HUGE_PAGES)
		b->huge = bitmap_zalloc(npages / VSHARE_HUGE_PAGES, GFP_KERNEL);
	if (!b->pages || (npages >= VSHARE_HUGE_PAGES && !b->huge))
		return -ENOMEM;
	if (flags & VSHARE_CREATE_CONTIGUOUS)
		ret = vshare_alloc_contiguous(b);
	else
		ret = vshare_alloc_scattered(b);
	if (ret)
		return ret;
	b->allocated = true;
	return vshare_set_caching(b, flags, true);
}
