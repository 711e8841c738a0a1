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

#include "vshare_compat.h"
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

/**
 * vshare_dmem_init - give a device its dmem cgroup region
 * @vdev: the device, being built
 *
 * A device configured with a dmem region size registers a region named
 * "drm/<device>/buffers"; every buffer of the device is then charged to
 * the creating task's dmem cgroup.
 *
 * Returns: 0, -EOPNOTSUPP on a kernel without the dmem controller, or the
 * registration's error.
 */
int vshare_dmem_init(struct vshare_device *vdev)
{
	struct dmem_cgroup_region *region;
	u64 size = vdev->config.dmem_region_size;

	if (!size)
		return 0;
	if (!vshare_have_dmem())
		return -EOPNOTSUPP;
	region = vshare_register_dmem(&vdev->drm, "buffers", size);
	if (IS_ERR(region))
		return PTR_ERR(region);
	vdev->dmem = region;
	return region ? 0 : -EOPNOTSUPP;
}

/**
 * vshare_dmem_charge - charge a buffer to the caller's dmem cgroup
 * @vdev: the buffer's device
 * @size: its size
 * @pool: returns what to uncharge later, NULL if nothing was charged
 *
 * vshare cannot evict anything to make room, so a cgroup at its dmem.max
 * gets -ENOMEM, like at any other of vshare's limits.
 *
 * Returns: 0 or -ENOMEM.
 */
int vshare_dmem_charge(struct vshare_device *vdev, u64 size,
		       struct dmem_cgroup_pool_state **pool)
{
	*pool = NULL;
	if (!vdev->dmem)
		return 0;
	/* No limit pool asked for: there is nothing to evict from. */
	return dmem_cgroup_try_charge(vdev->dmem, size, pool, NULL) ? -ENOMEM : 0;
}

/**
 * vshare_dmem_uncharge - undo vshare_dmem_charge()
 * @pool: what it returned (nothing happens for NULL)
 * @size: the size charged
 */
void vshare_dmem_uncharge(struct dmem_cgroup_pool_state *pool, u64 size)
{
	if (pool)
		dmem_cgroup_uncharge(pool, size);
}

/*
 * Buffers are built from the largest pages the allocator gives without
 * effort, so that sg_tables and mappings stay compact: 2 MiB, 1 MiB,
 * 64 KiB, then single pages. High orders neither reclaim nor retry;
 * single pages may retry but never invoke the OOM killer. Every page is
 * charged to the memory cgroup of the task that allocates it, which then
 * gets -ENOMEM at its limit (no OOM kill: neither flag lets the charge
 * invoke it).
 * Pages are allocated a 2 MiB chunk at a time, so that a lazy buffer can
 * get them when first touched.
 */
static const unsigned int vshare_orders[] = {
	PMD_SHIFT - PAGE_SHIFT, PMD_SHIFT - PAGE_SHIFT - 1, 4, 0
};

#define VSHARE_HUGE_PAGES	(1UL << (PMD_SHIFT - PAGE_SHIFT))
#define VSHARE_CHUNKS(npages)	DIV_ROUND_UP(npages, VSHARE_HUGE_PAGES)

#define VSHARE_HIGH_ORDER_GFP	(((GFP_USER | __GFP_ZERO | __GFP_NOWARN | \
				   __GFP_NORETRY | __GFP_ACCOUNT) & \
				  ~__GFP_RECLAIM) | __GFP_COMP)
#define VSHARE_LOW_ORDER_GFP	(GFP_USER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_RETRY_MAYFAIL | __GFP_ACCOUNT)

/**
 * vshare_backing_gfp - the GFP mask of a backing's allocations
 * @b: the backing
 * @order: the order of the block to allocate
 *
 * The zone modifier is @b's own: __GFP_HIGHMEM (any page) or __GFP_DMA32,
 * never both, which the page allocator does not allow (on kernels with
 * ZONE_DMA it would serve them from ZONE_DMA's 16 MiB).
 *
 * Returns: the mask for alloc_pages().
 */
gfp_t vshare_backing_gfp(const struct vshare_backing *b, unsigned int order)
{
	return (order ? VSHARE_HIGH_ORDER_GFP : VSHARE_LOW_ORDER_GFP) | b->zone;
}

/*
 * Frees pages as the blocks they came in: a compound block at once, not
 * page by page (a 1 MiB buffer is 16 calls, not 256). @pages must start
 * at a block.
 */
static void vshare_free_pages(struct page **pages, unsigned long npages)
{
	unsigned long i;
	unsigned int order;

	for (i = 0; i < npages; i += 1UL << order) {
		order = compound_order(pages[i]);
		__free_pages(pages[i], order);
	}
}

/*
 * Adds a block, compound above order 0 (its pages are mapped by PFN, and
 * a reference an importer takes on one of them holds the whole block),
 * and remembers an aligned 2 MiB block for PMD mappings.
 */
static void vshare_add_block(struct vshare_backing *b, unsigned long *done,
			     struct page *page, unsigned int order)
{
	unsigned long j;

	if ((1UL << order) == VSHARE_HUGE_PAGES && !(*done % VSHARE_HUGE_PAGES))
		__set_bit(*done / VSHARE_HUGE_PAGES, b->huge);
	for (j = 0; j < (1UL << order); j++)
		b->pages[(*done)++] = page + j;
}

/**
 * vshare_backing_block_left - pages left in the block of a page
 * @b: the backing, with the page allocated
 * @idx: index of the page
 *
 * The pages of a block are physically contiguous: whoever walks the
 * buffer's runs can step over them at once.
 *
 * Returns: the number of pages from @idx to the end of its block (to the
 * end of the buffer for a buffer in one run), at least 1.
 */
unsigned long vshare_backing_block_left(const struct vshare_backing *b,
					unsigned long idx)
{
	struct page *page = b->pages[idx], *head = compound_head(page);

	if (b->runs == 1)
		return b->npages - idx;
	return compound_nr(head) - (page - head);
}

/*
 * Physically contiguous runs of the pages: the entries an importer with
 * no segment limit gets. Called once every page is there, block by block.
 */
static unsigned long vshare_count_runs(const struct vshare_backing *b)
{
	unsigned long i, runs = 1;

	for (i = vshare_backing_block_left(b, 0); i < b->npages;
	     i += vshare_backing_block_left(b, i))
		runs += page_to_pfn(b->pages[i]) != page_to_pfn(b->pages[i - 1]) + 1;
	return runs;
}

static int vshare_alloc_contiguous(struct vshare_backing *b)
{
	unsigned int order = get_order(b->npages << PAGE_SHIFT);
	unsigned long i;
	struct page *page;

	if (order > MAX_PAGE_ORDER || vshare_inject_fail(VSHARE_INJECT_ALLOC))
		return -ENOMEM;
	page = alloc_pages(vshare_backing_gfp(b, 0), order);
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
	b->populated = b->npages;
	return 0;
}

static struct page *vshare_alloc_block(const struct vshare_backing *b,
				       unsigned long left, unsigned int *order)
{
	struct page *page = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vshare_orders) && !page; i++) {
		*order = vshare_orders[i];
		if (left < (1UL << *order))
			continue;
		page = alloc_pages(vshare_backing_gfp(b, *order), *order);
	}
	return page;
}

/* Write-combined buffers get no cached alias in the kernel's linear map. */
static int vshare_set_caching(struct vshare_backing *b, unsigned long first,
			      unsigned long count, bool wc)
{
#ifdef CONFIG_X86
	if (b->flags & VSHARE_CREATE_WC)
		return wc ? set_pages_array_wc(b->pages + first, count) :
			    set_pages_array_wb(b->pages + first, count);
#endif
	return 0;
}

/* Sets the caching of the new pages from *@span to @end, at one go. */
static int vshare_set_span_caching(struct vshare_backing *b,
				   unsigned long *span, unsigned long end)
{
	unsigned long start = *span;

	if (start == ULONG_MAX)
		return 0;
	*span = ULONG_MAX;
	return vshare_set_caching(b, start, end - start, true);
}

/*
 * The page array: a one-page buffer uses the entry in its backing, one
 * allocation less. Not cleared: every entry is set before it is read.
 */
static int vshare_alloc_array(struct vshare_backing *b)
{
	if (b->npages == 1)
		b->pages = &b->page;
	else
		b->pages = kvmalloc_array(b->npages, sizeof(*b->pages),
					  GFP_KERNEL);
	return b->pages ? 0 : -ENOMEM;
}

/* Allocates the 2 MiB chunk (or the buffer's tail) starting at @first. */
static int vshare_populate_chunk(struct vshare_backing *b, unsigned long first)
{
	unsigned long last = min(first + VSHARE_HUGE_PAGES, b->npages);
	unsigned long done = first;
	unsigned int order;
	struct page *page;

	while (done < last) {
		if (fatal_signal_pending(current) ||
		    vshare_inject_fail(VSHARE_INJECT_ALLOC))
			goto err;
		page = vshare_alloc_block(b, last - done, &order);
		if (!page)
			goto err;
		vshare_add_block(b, &done, page, order);
	}
	/*
	 * The array and its entries are seen before the count that says
	 * they are there: vshare_bo_populate_locked() reads it unlocked.
	 */
	smp_store_release(&b->populated, b->populated + last - first);
	if (b->chunks)
		__set_bit(first / VSHARE_HUGE_PAGES, b->chunks);
	return 0;

err:
	vshare_free_pages(b->pages + first, done - first);
	return -ENOMEM;
}

/* Whether the chunk starting at page @first has its pages. */
static bool vshare_chunk_present(const struct vshare_backing *b,
				 unsigned long first)
{
	if (b->chunks)
		return test_bit(first / VSHARE_HUGE_PAGES, b->chunks);
	/* The chunks of a buffer that is not lazy come in order. */
	return first < b->populated;
}

/**
 * vshare_backing_populate - allocate the pages of a range, if missing
 * @b: the backing, its owner's lock held against concurrent population
 * @first: index of the first page
 * @count: number of pages
 *
 * Whole 2 MiB chunks are allocated, so that they can be mapped with one
 * PMD entry. Backings that are not lazy are fully populated already.
 *
 * Returns: 0 or -ENOMEM (the pages allocated so far stay).
 */
int vshare_backing_populate(struct vshare_backing *b, unsigned long first,
			    unsigned long count)
{
	unsigned long chunk, span = ULONG_MAX, end = min(first + count, b->npages);
	int ret = 0, err;

	if (b->populated == b->npages)
		return 0;
	if (!b->pages && vshare_alloc_array(b))
		return -ENOMEM;
	for (chunk = ALIGN_DOWN(first, VSHARE_HUGE_PAGES); chunk < end;
	     chunk += VSHARE_HUGE_PAGES) {
		if (vshare_chunk_present(b, chunk)) {
			ret = vshare_set_span_caching(b, &span, chunk);
		} else {
			ret = vshare_populate_chunk(b, chunk);
			if (!ret && span == ULONG_MAX)
				span = chunk;
		}
		if (ret)
			break;
	}
	err = vshare_set_span_caching(b, &span, min(chunk, b->npages));
	if (b->populated == b->npages)
		b->runs = vshare_count_runs(b);
	return ret ?: err;
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
 * @b: the backing; its arrays are freed, and the pages it has
 */
void vshare_backing_free(struct vshare_backing *b)
{
	unsigned long chunk, first, n;

	if (b->chunks) {
		for_each_set_bit(chunk, b->chunks, VSHARE_CHUNKS(b->npages)) {
			first = chunk * VSHARE_HUGE_PAGES;
			n = min(VSHARE_HUGE_PAGES, b->npages - first);
			vshare_set_caching(b, first, n, false);
			vshare_free_pages(b->pages + first, n);
		}
	} else if (b->populated) {
		vshare_set_caching(b, 0, b->populated, false);
		vshare_free_pages(b->pages, b->populated);
	}
	if (b->pages != &b->page)
		kvfree(b->pages);
	bitmap_free(b->huge);
	bitmap_free(b->chunks);
	*b = (struct vshare_backing) { };
}

/**
 * vshare_backing_alloc - allocate zeroed pages for a native buffer
 * @b: returns the pages, their 2 MiB blocks and their number of runs
 * @npages: how many pages
 * @flags: VSHARE_CREATE_* flags: contiguous or not, caching
 * @zone: __GFP_DMA32 for a device that reaches only the first 4 GiB,
 *	__GFP_HIGHMEM for any other
 * @lazy: allocate nothing yet: vshare_backing_populate() will
 *
 * Returns: 0, or -ENOMEM; on error, vshare_backing_free() must still be
 * called (as it is for a buffer that fails to be created).
 */
int vshare_backing_alloc(struct vshare_backing *b, unsigned long npages,
			 u32 flags, gfp_t zone, bool lazy)
{
	int ret;

	*b = (struct vshare_backing) {
		.npages = npages, .flags = flags, .zone = zone,
	};
	/* Only buffers of 2 MiB or more can have PMD-mapped blocks. */
	if (npages >= VSHARE_HUGE_PAGES) {
		b->huge = bitmap_zalloc(npages / VSHARE_HUGE_PAGES, GFP_KERNEL);
		if (!b->huge)
			return -ENOMEM;
	}
	/*
	 * A lazy buffer's page array comes with its first chunk: 2 MiB of
	 * array for 1 GiB would be most of its creation.
	 */
	if (lazy) {
		b->chunks = bitmap_zalloc(VSHARE_CHUNKS(npages), GFP_KERNEL);
		return b->chunks ? 0 : -ENOMEM;
	}
	if (vshare_alloc_array(b))
		return -ENOMEM;
	if (!(flags & VSHARE_CREATE_CONTIGUOUS))
		return vshare_backing_populate(b, 0, npages);
	ret = vshare_alloc_contiguous(b);
	if (ret)
		return ret;
	b->runs = 1;
	return vshare_set_caching(b, 0, npages, true);
}

/**
 * vshare_backing_swap - exchange the pages of two backings
 * @a: a backing
 * @b: another
 *
 * A one-page backing's array is inside it: it moves with the page.
 */
void vshare_backing_swap(struct vshare_backing *a, struct vshare_backing *b)
{
	bool a_inside = a->pages == &a->page, b_inside = b->pages == &b->page;

	swap(*a, *b);
	if (a_inside)
		b->pages = &b->page;
	if (b_inside)
		a->pages = &a->page;
}
