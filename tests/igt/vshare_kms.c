// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_kms: vkms scans out vshare buffers. A vshare buffer is filled
 * through its mmap, shared as a dma-buf, imported into vkms, made a
 * framebuffer and shown by an atomic commit; vkms composes the frame into
 * the framebuffer of its writeback connector, which is compared pixel by
 * pixel with the image a model of vkms's composer expects.
 *
 * vkms must be loaded with its writeback connector (enable_writeback=1, the
 * default); two-planes-one-buffer uses an overlay plane (enable_overlay=1)
 * or, without one, the cursor plane, which vkms implements as a full plane.
 * Where vshare's debugfs is mounted, free-while-displayed also checks that
 * the buffer lives exactly as long as vkms's framebuffer of it.
 */

/**
 * TEST: vshare kms
 * Category: Display
 * Description: vkms scans out vshare buffers: what it writes back through
 *	its writeback connector is compared pixel by pixel with a model of
 *	vkms's composer.
 *
 * SUBTEST: xrgb8888-fullscreen
 * Description: A full-screen XRGB8888 vshare buffer, X bytes and row
 *	padding random, is written back as it is.
 *
 * SUBTEST: argb8888
 * Description: A full-screen premultiplied ARGB8888 vshare buffer,
 *	blended over the CRTC background.
 *
 * SUBTEST: rgb565
 * Description: A full-screen RGB565 vshare buffer, every 16-bit value
 *	expanded as vkms does.
 *
 * SUBTEST: plane-offset
 * Description: A smaller vshare buffer (pitch not width * 4) at a CRTC
 *	offset, the background around it; skips where the primary plane must
 *	cover the CRTC.
 *
 * SUBTEST: two-planes-one-buffer
 * Description: One vshare framebuffer on the primary and a second plane
 *	(overlay, else cursor) with different source rectangles, the upper
 *	one overlapping the lower.
 *
 * SUBTEST: free-while-displayed
 * Description: The framebuffer alone keeps a displayed vshare buffer
 *	alive: every handle and fd closed, it is scanned out again, then
 *	freed when the plane and framebuffer go (checked in debugfs where it
 *	is mounted).
 *
 * SUBTEST: flip-in-a-row
 * Description: vkms flips between three vshare buffers, 12 writeback
 *	captures one right after the other, each into its own buffer:
 *	every frame is the vshare buffer shown for it.
 *
 * SUBTEST: engine-write-then-flip
 * Description: A slow vshare engine job fills the buffer with a new
 *	colour just before the commit that shows it: vkms waits for the
 *	job's implicit fence, every pixel is the new colour and the frame
 *	comes after the job.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "kms.h"
#include "kms_model.h"
#include "vshare_lib.h"

#define WIDTH	1024
#define HEIGHT	768

#define ALIGN(x, a)	(((x) + (a) - 1) / (a) * (a))

/* Anything written back has X = 0xff: this never matches a written pixel. */
#define POISON	0x005a5a5au

/* A vshare buffer shown by vkms. */
struct vs_fb {
	uint32_t width, height, format, cpp, pitch;
	uint64_t size;
	uint32_t handle;	/* vshare GEM handle, 0 once closed */
	int dmabuf;		/* -1 once closed */
	uint32_t kms_handle;	/* vkms GEM handle of the import, 0 once closed */
	uint32_t fb_id;
	uint8_t *ref;		/* what was written, for the model */
};

/* A vkms dumb buffer that frames are written back into. */
struct wb_buf {
	uint32_t handle, pitch, fb;
	uint64_t size;
	uint32_t *map;
};

struct ctx {
	int vs;			/* vshare render node */
	struct kms_device kms;
	const struct kms_plane *primary;
	struct wb_buf wb;
	uint32_t *expected;
};

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static uint32_t pixel_hash(uint32_t x, uint32_t y, uint32_t seed)
{
	return hash32(x * 0x9e3779b1u ^ hash32(y ^ seed * 0x85ebca77u));
}

/*
 * Fills @fb->ref: random bytes everywhere (row padding and the X byte of
 * XRGB8888 included, which vkms must ignore), then valid pixels; ARGB8888
 * pixels are premultiplied (colour <= alpha), as DRM defines them.
 */
static void fill_image(struct vs_fb *fb, uint32_t seed)
{
	uint32_t x, y, i;

	for (i = 0; i < fb->size / 4; i++)
		((uint32_t *)fb->ref)[i] = hash32(i ^ seed << 24 ^ 0xa5a5a5a5u);

	for (y = 0; y < fb->height; y++) {
		uint8_t *row = fb->ref + (size_t)y * fb->pitch;

		for (x = 0; x < fb->width; x++) {
			uint32_t h = pixel_hash(x, y, seed), a;

			switch (fb->format) {
			case DRM_FORMAT_XRGB8888:
				((uint32_t *)row)[x] = h;
				break;
			case DRM_FORMAT_ARGB8888:
				a = h >> 24;
				((uint32_t *)row)[x] = a << 24 |
					((h >> 16 & 0xff) % (a + 1)) << 16 |
					((h >> 8 & 0xff) % (a + 1)) << 8 |
					(h & 0xff) % (a + 1);
				break;
			case DRM_FORMAT_RGB565:
				((uint16_t *)row)[x] = h;
				break;
			default:
				igt_assert(false);
			}
		}
	}
}

/*
 * Creates a vshare buffer with the image of @seed, shares it with vkms
 * through a DRM_RDWR dma-buf and makes a vkms framebuffer of it.
 */
static void vs_fb_create(struct ctx *c, struct vs_fb *fb, uint32_t width,
			 uint32_t height, uint32_t format, uint32_t seed)
{
	int kfd = c->kms.fd;
	void *ptr;

	memset(fb, 0, sizeof(*fb));
	fb->width = width;
	fb->height = height;
	fb->format = format;
	fb->cpp = format == DRM_FORMAT_RGB565 ? 2 : 4;
	fb->pitch = ALIGN(width * fb->cpp, 64);
	fb->size = (uint64_t)fb->pitch * height;
	fb->ref = malloc(fb->size);
	igt_assert(fb->ref);
	fill_image(fb, seed);

	fb->handle = vshare_create(c->vs, fb->size);
	ptr = vshare_mmap(c->vs, fb->handle, fb->size, PROT_READ | PROT_WRITE);
	memcpy(ptr, fb->ref, fb->size);
	munmap(ptr, fb->size);

	fb->dmabuf = prime_handle_to_fd(c->vs, fb->handle, DRM_CLOEXEC | DRM_RDWR);
	fb->kms_handle = prime_fd_to_handle(kfd, fb->dmabuf);
	fb->fb_id = kms_addfb(kfd, fb->kms_handle, width, height, format,
			      fb->pitch);
}

/* Drops every reference to the buffer but the framebuffer's. */
static void vs_fb_close_handles(struct ctx *c, struct vs_fb *fb)
{
	if (fb->kms_handle)
		gem_close(c->kms.fd, fb->kms_handle);
	if (fb->dmabuf >= 0)
		close(fb->dmabuf);
	if (fb->handle)
		gem_close(c->vs, fb->handle);
	fb->kms_handle = 0;
	fb->dmabuf = -1;
	fb->handle = 0;
}

static void vs_fb_destroy(struct ctx *c, struct vs_fb *fb)
{
	vs_fb_close_handles(c, fb);
	kms_rmfb(c->kms.fd, fb->fb_id);
	free(fb->ref);
	fb->ref = NULL;
}

static struct kms_plane_state show(const struct kms_plane *plane,
				   const struct vs_fb *fb, uint32_t src_x,
				   uint32_t src_y, uint32_t w, uint32_t h,
				   int32_t crtc_x, int32_t crtc_y)
{
	return (struct kms_plane_state) {
		.plane = plane, .fb_id = fb->fb_id,
		.src_x = src_x, .src_y = src_y, .width = w, .height = h,
		.crtc_x = crtc_x, .crtc_y = crtc_y,
	};
}

static struct kms_plane_state show_whole(const struct kms_plane *plane,
					 const struct vs_fb *fb)
{
	return show(plane, fb, 0, 0, fb->width, fb->height, 0, 0);
}

/* The expected frame of @states into c->expected (@fbs[i] is what @states[i] shows). */
static void model_frame(struct ctx *c, const struct kms_plane_state *states,
			const struct vs_fb * const *fbs, int num)
{
	struct kms_layer layers[KMS_MAX_PLANES];
	int n;

	for (n = 0; n < num; n++) {
		layers[n] = (struct kms_layer) {
			.data = fbs[n]->ref, .format = fbs[n]->format,
			.pitch = fbs[n]->pitch,
			.src_x = states[n].src_x, .src_y = states[n].src_y,
			.width = states[n].width, .height = states[n].height,
			.crtc_x = states[n].crtc_x, .crtc_y = states[n].crtc_y,
		};
	}
	/* Bottom to top: the kernel's plane order, as vkms blends. */
	for (n = 1; n < num; n++)
		igt_assert(states[n - 1].plane < states[n].plane);

	kms_model_compose(c->expected, WIDTH, HEIGHT, c->kms.background,
			  layers, num);
}

/* Exactly the mode's size: vkms requires it. */
static void wb_create(int kfd, struct wb_buf *wb)
{
	wb->handle = dumb_create(kfd, WIDTH, HEIGHT, 32, &wb->pitch, &wb->size);
	wb->map = dumb_mmap(kfd, wb->handle, wb->size, PROT_READ | PROT_WRITE);
	wb->fb = kms_addfb(kfd, wb->handle, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888,
			   wb->pitch);
}

static void wb_destroy(int kfd, struct wb_buf *wb)
{
	kms_rmfb(kfd, wb->fb);
	munmap(wb->map, wb->size);
	gem_close(kfd, wb->handle);
}

static void wb_poison(struct wb_buf *wb)
{
	size_t i;

	for (i = 0; i < wb->size / 4; i++)
		wb->map[i] = POISON;
}

/*
 * Captures the frame of @states through writeback, computes the expected
 * one (@fbs[i] is what @states[i] shows) and fails on any difference.
 */
static void capture_and_check(struct ctx *c, const struct kms_plane_state *states,
			      const struct vs_fb * const *fbs, int num)
{
	wb_poison(&c->wb);
	kms_writeback_capture(&c->kms, states, num, c->wb.fb);
	model_frame(c, states, fbs, num);
	kms_assert_frame(c->wb.map, c->wb.pitch, c->expected, WIDTH, HEIGHT);
}

static void test_fullscreen(struct ctx *c, uint32_t format, uint32_t seed)
{
	struct kms_plane_state state;
	const struct vs_fb *fbs[1];
	struct vs_fb fb;

	igt_require_f(kms_plane_has_format(c->primary, format),
		      "the primary plane does not take %.4s\n",
		      (const char *)&format);
	vs_fb_create(c, &fb, WIDTH, HEIGHT, format, seed);
	state = show_whole(c->primary, &fb);
	fbs[0] = &fb;
	capture_and_check(c, &state, fbs, 1);
	kms_disable(&c->kms);
	vs_fb_destroy(c, &fb);
}

/* The frame outside the rectangle, as four bands. */
static unsigned long background_mismatches(struct ctx *c, uint32_t x,
					   uint32_t y, uint32_t w, uint32_t h)
{
	const struct {
		uint32_t x, y, w, h;
	} band[] = {
		{ 0, 0, WIDTH, y },
		{ 0, y + h, WIDTH, HEIGHT - y - h },
		{ 0, y, x, h },
		{ x + w, y, WIDTH - x - w, h },
	};
	const uint64_t bg = c->kms.background;
	const uint32_t bg_px = kms_model_xrgb8888((struct kms_argb16) {
		.a = 0xffff, .r = bg >> 32, .g = bg >> 16, .b = bg,
	});
	unsigned long bad = 0;
	unsigned int i;
	uint32_t px, py;

	igt_info("background colour %#010x\n", bg_px);
	for (i = 0; i < sizeof(band) / sizeof(band[0]); i++) {
		/* The model agrees these pixels are the background. */
		for (py = band[i].y; py < band[i].y + band[i].h; py++)
			for (px = band[i].x; px < band[i].x + band[i].w; px++)
				igt_assert_eq_u32(c->expected[py * WIDTH + px], bg_px);
		bad += kms_count_mismatches(c->wb.map, c->wb.pitch, c->expected,
					    WIDTH, band[i].x, band[i].y,
					    band[i].w, band[i].h, "background");
	}
	return bad;
}

/* Buffer releases may finish after the ioctl that dropped the last ref. */
static bool wait_bo_count(struct ctx *c, uint64_t size, int count, int timeout_ms)
{
	return igt_wait(vshare_bo_count(c->vs, size) == count, timeout_ms, 10);
}

/* A second plane on the CRTC: an overlay, else vkms's cursor plane. */
static const struct kms_plane *second_plane(struct ctx *c)
{
	const struct kms_plane *p;

	p = kms_find_plane(&c->kms, DRM_PLANE_TYPE_OVERLAY, 0);
	if (!p)
		p = kms_find_plane(&c->kms, DRM_PLANE_TYPE_CURSOR, 0);
	igt_require_f(p, "no plane besides the primary one (vkms: enable_overlay=1)\n");
	igt_require(kms_plane_has_format(p, DRM_FORMAT_XRGB8888));
	igt_info("second plane: %u (%s)\n", p->id,
		 p->type == DRM_PLANE_TYPE_OVERLAY ? "overlay" : "cursor");
	return p;
}

#define ENGINE_DELAY_MS		1000
#define ENGINE_MIN_WAIT_MS	900

/*
 * vshare's engine fills a buffer showing pattern A with colour B, slowly
 * (the job sleeps delay_ms, then writes, then signals its fence), and the
 * commit that puts the buffer on the plane follows at once. vkms's
 * prepare_fb (drm_gem_plane_helper_prepare_fb) takes the write fences of
 * the buffer's reservation object, which the import shares with vshare's
 * GEM object, and a blocking commit waits for them before the new plane
 * state is swapped in: every pixel written back is B, and the frame comes
 * only after the job's fence signalled.
 */
static void test_engine_write_then_flip(struct ctx *c)
{
	/* The X byte is not 0xff: vkms must ignore it. */
	const uint32_t colour = 0x5ac0ffeeu;
	struct drm_vshare_submit job;
	struct kms_plane_state state;
	const struct vs_fb *fbs[1];
	double t_submit, t_commit, t_frame;
	int32_t wb_fence = -1;
	struct vs_fb fb;
	uint64_t i;
	int ret;

	vs_fb_create(c, &fb, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888, 7);
	state = show_whole(c->primary, &fb);
	fbs[0] = &fb;
	wb_poison(&c->wb);

	job = (struct drm_vshare_submit) {
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.dst_handle = fb.handle, .size = fb.size, .value = colour,
		.delay_ms = ENGINE_DELAY_MS,
	};
	ret = igt_ioctl(c->vs, DRM_IOCTL_VSHARE_SUBMIT, &job) ? -errno : 0;
	t_submit = now_ms();
	igt_assert_f(ret == 0, "SUBMIT: %s\n", strerror(-ret));
	igt_assert(job.out_fence_fd >= 0);
	/* Otherwise the commit would not have to wait for anything. */
	igt_assert_f(kms_wait_fence(job.out_fence_fd, 0) == -ETIME,
		     "the job finished before the commit\n");

	ret = __kms_writeback_commit(&c->kms, &state, 1, c->wb.fb, &wb_fence);
	t_commit = now_ms();
	igt_assert_f(ret == 0, "atomic commit with writeback failed: %s\n",
		     strerror(-ret));
	igt_assert_f(wb_fence >= 0, "no writeback out-fence returned\n");
	ret = kms_wait_fence(wb_fence, 30000);
	t_frame = now_ms();
	close(wb_fence);
	igt_assert_f(ret == 0, "writeback out-fence: %s\n", strerror(-ret));
	kms_writeback_settle(&c->kms, c->wb.fb);
	igt_info("after the submit: commit returned at %.0f ms, frame written back at %.0f ms (job delay %u ms)\n",
		 t_commit - t_submit, t_frame - t_submit, ENGINE_DELAY_MS);

	/* The frame was composed after the job had finished, successfully. */
	ret = kms_wait_fence(job.out_fence_fd, 0);
	close(job.out_fence_fd);
	igt_assert_f(ret == 0, "the job's fence %s when the frame was written back\n",
		     ret == -ETIME ? "had not signalled" : strerror(-ret));
	igt_assert_f(t_frame - t_submit >= ENGINE_MIN_WAIT_MS,
		     "frame written back %.0f ms after the submit, before the %u ms job could end\n",
		     t_frame - t_submit, ENGINE_DELAY_MS);

	/* What the engine wrote: B in every word. */
	for (i = 0; i < fb.size / 4; i++)
		((uint32_t *)fb.ref)[i] = colour;
	model_frame(c, &state, fbs, 1);
	igt_assert_eq_u32(c->expected[0], 0xff000000u | colour);
	kms_assert_frame(c->wb.map, c->wb.pitch, c->expected, WIDTH, HEIGHT);

	kms_disable(&c->kms);
	vs_fb_destroy(c, &fb);
}

static void test_plane_offset(struct ctx *c)
{
	const uint32_t w = 333, h = 222, x = 101, y = 67;
	struct kms_plane_state state;
	const struct vs_fb *fbs[1];
	struct vs_fb fb;
	unsigned long bad;
	int ret;

	vs_fb_create(c, &fb, w, h, DRM_FORMAT_XRGB8888, 4);
	igt_assert_neq(fb.pitch, w * 4);
	state = show(c->primary, &fb, 0, 0, w, h, x, y);
	fbs[0] = &fb;

	/* Drivers may want the primary plane to cover the CRTC. */
	ret = __kms_writeback_commit(&c->kms, &state, 1, 0, NULL);
	igt_require_f(ret != -EINVAL,
		      "the primary plane must cover the CRTC here\n");
	igt_assert_eq(ret, 0);

	capture_and_check(c, &state, fbs, 1);
	/* Both regions, for the log: the plane and around it. */
	bad = kms_count_mismatches(c->wb.map, c->wb.pitch, c->expected,
				   WIDTH, x, y, w, h, "plane");
	bad += background_mismatches(c, x, y, w, h);
	igt_assert_eq(bad, 0);
	kms_disable(&c->kms);
	vs_fb_destroy(c, &fb);
}

static void test_two_planes_one_buffer(struct ctx *c)
{
	const struct kms_plane *upper = second_plane(c);
	struct kms_plane_state states[2];
	const struct vs_fb *fbs[2];
	struct vs_fb fb;

	vs_fb_create(c, &fb, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888, 5);
	states[0] = show_whole(c->primary, &fb);
	states[1] = show(upper, &fb, 64, 32, 400, 300, 500, 400);
	fbs[0] = fbs[1] = &fb;
	capture_and_check(c, states, fbs, 2);
	/* The overlap is the upper plane's, strictly. */
	igt_assert_eq_u64(kms_count_mismatches(c->wb.map, c->wb.pitch,
					       c->expected, WIDTH, 500,
					       400, 400, 300,
					       "upper plane"), 0);
	kms_disable(&c->kms);
	vs_fb_destroy(c, &fb);
}

#define ROW_BUFFERS	3
#define ROW_CAPTURES	6	/* one writeback buffer each */
#define ROW_ROUNDS	2

/*
 * vkms flips between vshare buffers one capture after the other, nothing
 * in between: each commit puts another import on the plane (prepare_fb
 * vmaps it, cleanup_fb unmaps the one it replaced) right after the last
 * frame was written back. Each frame goes to a writeback buffer of its
 * own and must be the vshare buffer shown for it.
 */
static void test_flip_in_a_row(struct ctx *c)
{
	const size_t frame = (size_t)WIDTH * HEIGHT * sizeof(uint32_t);
	uint32_t *expected[ROW_BUFFERS];
	struct wb_buf wbs[ROW_CAPTURES];
	struct vs_fb fbs[ROW_BUFFERS];
	struct kms_plane_state state;
	int i, n, round;

	for (i = 0; i < ROW_BUFFERS; i++) {
		const struct vs_fb *fb = &fbs[i];

		vs_fb_create(c, &fbs[i], WIDTH, HEIGHT, DRM_FORMAT_XRGB8888,
			     8 + i);
		state = show_whole(c->primary, fb);
		model_frame(c, &state, &fb, 1);
		expected[i] = malloc(frame);
		igt_assert(expected[i]);
		memcpy(expected[i], c->expected, frame);
	}
	for (i = 0; i < ROW_CAPTURES; i++)
		wb_create(c->kms.fd, &wbs[i]);

	for (round = 0, n = 0; round < ROW_ROUNDS; round++) {
		for (i = 0; i < ROW_CAPTURES; i++)
			wb_poison(&wbs[i]);
		for (i = 0; i < ROW_CAPTURES; i++) {
			state = show_whole(c->primary, &fbs[(n + i) % ROW_BUFFERS]);
			kms_writeback_capture(&c->kms, &state, 1, wbs[i].fb);
		}
		for (i = 0; i < ROW_CAPTURES; i++, n++) {
			igt_debug("capture %d: vshare buffer %d\n", n,
				  n % ROW_BUFFERS);
			kms_assert_frame(wbs[i].map, wbs[i].pitch,
					 expected[n % ROW_BUFFERS], WIDTH, HEIGHT);
		}
	}

	kms_disable(&c->kms);
	for (i = 0; i < ROW_CAPTURES; i++)
		wb_destroy(c->kms.fd, &wbs[i]);
	for (i = 0; i < ROW_BUFFERS; i++) {
		vs_fb_destroy(c, &fbs[i]);
		free(expected[i]);
	}
}

static void test_free_while_displayed(struct ctx *c)
{
	char dir[128];
	bool debugfs = drm_debugfs_dir(c->vs, dir, sizeof(dir)) == 0;
	struct kms_plane_state state;
	const struct vs_fb *fbs[1];
	struct vshare_bo_state st;
	struct vs_fb fb;
	int before = 0;

	if (debugfs)
		before = vshare_bo_count(c->vs, (uint64_t)WIDTH * HEIGHT * 4);
	else
		igt_info("no vshare debugfs: the buffer's release is not checked\n");

	vs_fb_create(c, &fb, WIDTH, HEIGHT, DRM_FORMAT_XRGB8888, 6);
	igt_assert_eq_u64(fb.size, (uint64_t)WIDTH * HEIGHT * 4);
	state = show_whole(c->primary, &fb);
	fbs[0] = &fb;
	capture_and_check(c, &state, fbs, 1);

	vs_fb_close_handles(c, &fb);
	if (debugfs) {
		/* Alive, attached and mapped by vkms for scanout. */
		igt_assert(vshare_bo_state(c->vs, fb.size, &st));
		igt_assert_eq(vshare_bo_count(c->vs, fb.size), before + 1);
		igt_assert_lte(1, st.attach);
		igt_assert_lte(1, st.vmaps);
	}
	capture_and_check(c, &state, fbs, 1);

	/* A new plane state maps the buffer again (prepare_fb). */
	state = show(c->primary, &fb, 100, 50, 600, 400, 20, 30);
	capture_and_check(c, &state, fbs, 1);

	/* Off the plane and the framebuffer gone: the buffer is freed. */
	kms_disable(&c->kms);
	vs_fb_destroy(c, &fb);
	if (debugfs)
		igt_assert_f(wait_bo_count(c, fb.size, before, 5000),
			     "the vshare buffer outlives its last framebuffer\n");
}

int igt_main()
{
	struct ctx c = { .vs = -1 };
	int kfd = -1;

	igt_fixture() {
		c.vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		kfd = drm_open_driver_nth("vkms", NODE_PRIMARY, 0);
		igt_require_f(kfd >= 0, "no vkms device\n");
		kms_open_writeback(&c.kms, kfd);
		igt_require_f(kms_writeback_has_format(&c.kms, DRM_FORMAT_XRGB8888),
			      "the writeback connector does not take XRGB8888\n");
		kms_set_mode(&c.kms, WIDTH, HEIGHT);
		/*
		 * Uncovered pixels show the background: make it a colour no
		 * unwritten pixel has, where the CRTC lets us (otherwise it
		 * is black).
		 */
		if (c.kms.crtc_props[KMS_CRTC_BACKGROUND_COLOR])
			kms_set_background(&c.kms, (uint64_t)0xffff << 48 |
					   (uint64_t)0x1234 << 32 |
					   (uint64_t)0x9abc << 16 | 0x5678);
		c.primary = kms_find_plane(&c.kms, DRM_PLANE_TYPE_PRIMARY, 0);
		igt_require_f(c.primary, "no primary plane on the CRTC\n");
		igt_require(kms_plane_has_format(c.primary, DRM_FORMAT_XRGB8888));

		wb_create(kfd, &c.wb);
		c.expected = calloc((size_t)WIDTH * HEIGHT, sizeof(uint32_t));
		igt_assert(c.expected);
	}

	igt_describe("vkms scans out a full-screen XRGB8888 vshare buffer "
		     "exactly.");
	igt_subtest("xrgb8888-fullscreen")
		test_fullscreen(&c, DRM_FORMAT_XRGB8888, 1);

	igt_describe("vkms blends a full-screen premultiplied ARGB8888 vshare "
		     "buffer exactly.");
	igt_subtest("argb8888")
		test_fullscreen(&c, DRM_FORMAT_ARGB8888, 2);

	igt_describe("vkms expands a full-screen RGB565 vshare buffer "
		     "exactly.");
	igt_subtest("rgb565")
		test_fullscreen(&c, DRM_FORMAT_RGB565, 3);

	igt_describe("A smaller vshare buffer at a CRTC offset shows, "
		     "background around it.");
	igt_subtest("plane-offset")
		test_plane_offset(&c);

	igt_describe("One vshare framebuffer shows on two overlapping planes.");
	igt_subtest("two-planes-one-buffer")
		test_two_planes_one_buffer(&c);

	igt_describe("The framebuffer alone keeps a displayed vshare buffer "
		     "alive.");
	igt_subtest("free-while-displayed")
		test_free_while_displayed(&c);

	igt_describe("vkms flips between vshare buffers capture after "
		     "capture, each frame the buffer shown.");
	igt_subtest("flip-in-a-row")
		test_flip_in_a_row(&c);

	igt_describe("vkms waits for the vshare job writing the buffer it is "
		     "to show.");
	igt_subtest("engine-write-then-flip")
		test_engine_write_then_flip(&c);

	igt_fixture() {
		kms_disable(&c.kms);
		free(c.expected);
		wb_destroy(kfd, &c.wb);
		kms_close(&c.kms);
		drm_close(kfd);
		drm_close(c.vs);
	}
}
