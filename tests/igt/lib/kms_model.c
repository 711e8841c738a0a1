// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#include <string.h>

#include "igt.h"
#include "kms_model.h"

/*
 * The model: what vkms (drivers/gpu/drm/vkms, 6.12 to 7.3) writes back.
 * Each plane pixel becomes 16 bits per channel, planes are blended in order
 * over the background with the premultiplied-alpha equation, and the result
 * is written as XRGB8888 with X = 0xff. The arithmetic is the kernel's,
 * rounding included, so a correct scanout matches bit for bit.
 */

/* drm_fixed.h's 32.32 fixed point, as vkms uses it for RGB565. */
#define FIXP_ONE	(1ll << 32)

static int64_t fixp_from_int(int a)
{
	return (int64_t)a << 32;
}

static int fixp_to_int(int64_t a)
{
	return a >> 32;
}

static int fixp_to_int_round(int64_t a)
{
	return fixp_to_int(a + FIXP_ONE / 2);
}

static unsigned int fixp_msbset(int64_t a)
{
	unsigned int shift, sign = (a >> 63) & 1;

	for (shift = 62; shift > 0; --shift)
		if (((a >> shift) & 1) != sign)
			return shift;
	return 0;
}

static int64_t fixp_mul(int64_t a, int64_t b)
{
	unsigned int shift = fixp_msbset(a) + fixp_msbset(b);
	int64_t result;

	if (shift > 61) {
		shift = shift - 61;
		a >>= (shift >> 1) + (shift & 1);
		b >>= shift >> 1;
	} else {
		shift = 0;
	}
	result = a * b;
	if (shift > 32)
		return result << (shift - 32);
	if (shift < 32)
		return result >> (32 - shift);
	return result;
}

static int64_t fixp_div(int64_t a, int64_t b)
{
	unsigned int shift = 62 - fixp_msbset(a);
	int64_t result;

	a <<= shift;
	if (shift < 32)
		b >>= (32 - shift);
	result = a / b;
	if (shift > 32)
		return result >> (shift - 32);
	return result;
}

bool kms_model_has_format(uint32_t format)
{
	return format == DRM_FORMAT_XRGB8888 || format == DRM_FORMAT_ARGB8888 ||
	       format == DRM_FORMAT_RGB565;
}

/* One pixel (little-endian bytes, as in memory) to 16 bits per channel. */
struct kms_argb16 kms_model_read(uint32_t format, const void *pixel)
{
	const uint8_t *p = pixel;
	struct kms_argb16 px;

	switch (format) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
		/* 257 = 0xffff / 0xff */
		px.a = format == DRM_FORMAT_ARGB8888 ? p[3] * 257 : 0xffff;
		px.r = p[2] * 257;
		px.g = p[1] * 257;
		px.b = p[0] * 257;
		return px;
	case DRM_FORMAT_RGB565: {
		int64_t rb = fixp_div(fixp_from_int(65535), fixp_from_int(31));
		int64_t g = fixp_div(fixp_from_int(65535), fixp_from_int(63));
		uint16_t v = p[0] | p[1] << 8;

		px.a = 0xffff;
		px.r = fixp_to_int_round(fixp_mul(fixp_from_int((v >> 11) & 0x1f), rb));
		px.g = fixp_to_int_round(fixp_mul(fixp_from_int((v >> 5) & 0x3f), g));
		px.b = fixp_to_int_round(fixp_mul(fixp_from_int(v & 0x1f), rb));
		return px;
	}
	default:
		igt_assert_f(false, "format %.4s is not modelled\n",
			     (const char *)&format);
	}
}

/* pre_mul_blend_channel(): u32 arithmetic, DIV_ROUND_CLOSEST by 0xffff. */
static uint16_t blend_channel(uint16_t src, uint16_t dst, uint16_t alpha)
{
	uint32_t c = (uint32_t)src * 0xffff + (uint32_t)dst * (0xffff - alpha);

	return (c + 0xffff / 2) / 0xffff;
}

/* argb_u16_to_XRGB8888(): DIV_ROUND_CLOSEST(c, 257) per channel, X = 0xff. */
uint32_t kms_model_xrgb8888(struct kms_argb16 px)
{
	return 0xff000000u | (uint32_t)((px.r + 128) / 257) << 16 |
	       (uint32_t)((px.g + 128) / 257) << 8 | (px.b + 128) / 257;
}

/**
 * kms_model_compose() - the expected writeback frame
 * @out: @width x @height XRGB8888 pixels, packed
 * @background: the CRTC background, DRM_ARGB64 layout (alpha ignored, as
 *	vkms does)
 * @layers: the planes bottom to top, each wholly inside the frame
 */
void kms_model_compose(uint32_t *out, uint32_t width, uint32_t height,
		       uint64_t background, const struct kms_layer *layers,
		       int num)
{
	const struct kms_argb16 bg = {
		.a = 0xffff,
		.r = background >> 32, .g = background >> 16, .b = background,
	};
	uint32_t x, y;
	int i;

	for (i = 0; i < num; i++) {
		igt_assert(kms_model_has_format(layers[i].format));
		igt_assert(layers[i].crtc_x >= 0 && layers[i].crtc_y >= 0);
		igt_assert(layers[i].crtc_x + layers[i].width <= width);
		igt_assert(layers[i].crtc_y + layers[i].height <= height);
	}

	for (y = 0; y < height; y++) {
		for (x = 0; x < width; x++) {
			struct kms_argb16 px = bg, in;

			for (i = 0; i < num; i++) {
				const struct kms_layer *l = &layers[i];
				uint32_t cpp = l->format == DRM_FORMAT_RGB565 ? 2 : 4;
				uint32_t sx, sy;

				if (x < (uint32_t)l->crtc_x ||
				    x >= l->crtc_x + l->width ||
				    y < (uint32_t)l->crtc_y ||
				    y >= l->crtc_y + l->height)
					continue;
				sx = l->src_x + x - l->crtc_x;
				sy = l->src_y + y - l->crtc_y;
				in = kms_model_read(l->format,
						    (const uint8_t *)l->data +
						    (size_t)sy * l->pitch + sx * cpp);
				px.a = 0xffff;
				px.r = blend_channel(in.r, px.r, in.a);
				px.g = blend_channel(in.g, px.g, in.a);
				px.b = blend_channel(in.b, px.b, in.a);
			}
			out[(size_t)y * width + x] = kms_model_xrgb8888(px);
		}
	}
}

struct mismatch {
	unsigned long count;
	uint32_t x, y, got, expected;
};

static void compare_rect(const void *got, uint32_t got_pitch,
			 const uint32_t *expected, uint32_t width, uint32_t x,
			 uint32_t y, uint32_t w, uint32_t h, struct mismatch *m)
{
	uint32_t i, j;

	memset(m, 0, sizeof(*m));
	for (j = y; j < y + h; j++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)got +
							 (size_t)j * got_pitch);

		for (i = x; i < x + w; i++) {
			uint32_t e = expected[(size_t)j * width + i];

			if (row[i] == e)
				continue;
			if (!m->count) {
				m->x = i;
				m->y = j;
				m->got = row[i];
				m->expected = e;
			}
			m->count++;
		}
	}
}

/**
 * kms_count_mismatches() - compare a rectangle of a capture, strictly
 * @got: the captured XRGB8888 frame, rows @got_pitch bytes apart
 * @expected: the expected frame, packed rows of @width pixels
 *
 * Every pixel of the rectangle is compared as a whole 32-bit word. Prints
 * how many pixels were checked and the first mismatch, if any, and returns
 * the number of pixels that differ.
 */
unsigned long kms_count_mismatches(const void *got, uint32_t got_pitch,
				   const uint32_t *expected, uint32_t width,
				   uint32_t x, uint32_t y, uint32_t w,
				   uint32_t h, const char *what)
{
	struct mismatch m;

	compare_rect(got, got_pitch, expected, width, x, y, w, h, &m);
	igt_info("%s: %lu pixels checked, %lu differ\n", what,
		 (unsigned long)w * h, m.count);
	if (m.count)
		igt_info("%s: first mismatch at (%u,%u): got %#010x, expected %#010x\n",
			 what, m.x, m.y, m.got, m.expected);
	return m.count;
}

/** kms_assert_frame() - fail if a single pixel of the capture differs */
void kms_assert_frame(const void *got, uint32_t got_pitch,
		      const uint32_t *expected, uint32_t width,
		      uint32_t height)
{
	unsigned long total = (unsigned long)width * height;
	struct mismatch m;

	compare_rect(got, got_pitch, expected, width, 0, 0, width, height, &m);
	igt_info("frame: %lu pixels checked, %lu differ\n", total, m.count);
	igt_assert_f(m.count == 0,
		     "%lu of %lu pixels differ, the first at (%u,%u): got %#010x, expected %#010x\n",
		     m.count, total, m.x, m.y, m.got, m.expected);
}
