/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * A model of what vkms writes back: the frame a set of planes should give,
 * bit for bit, and the comparison of a capture with it.
 */

#ifndef VSHARE_KMS_MODEL_H
#define VSHARE_KMS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <drm_fourcc.h>

/** struct kms_layer - what the model reads for one plane (CPU copy of its fb) */
struct kms_layer {
	const void *data;
	uint32_t format;
	uint32_t pitch;
	uint32_t src_x, src_y, width, height;
	int32_t crtc_x, crtc_y;
};

/** struct kms_argb16 - a pixel as vkms blends it, 16 bits per channel */
struct kms_argb16 {
	uint16_t a, r, g, b;
};

bool kms_model_has_format(uint32_t format);
struct kms_argb16 kms_model_read(uint32_t format, const void *pixel);
uint32_t kms_model_xrgb8888(struct kms_argb16 px);
void kms_model_compose(uint32_t *out, uint32_t width, uint32_t height,
		       uint64_t background, const struct kms_layer *layers,
		       int num);

unsigned long kms_count_mismatches(const void *got, uint32_t got_pitch,
				   const uint32_t *expected, uint32_t width,
				   uint32_t x, uint32_t y, uint32_t w,
				   uint32_t h, const char *what);
void kms_assert_frame(const void *got, uint32_t got_pitch,
		      const uint32_t *expected, uint32_t width,
		      uint32_t height);

#endif /* VSHARE_KMS_MODEL_H */
