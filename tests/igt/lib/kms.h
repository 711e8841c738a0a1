/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * KMS helpers for the vshare IGT tests, with plain ioctls: find a CRTC, its
 * planes and a writeback connector with their properties, build atomic
 * requests, and capture frames through the writeback connector. What the
 * capture should hold is kms_model.h's.
 */

#ifndef VSHARE_KMS_H
#define VSHARE_KMS_H

#include <stdbool.h>
#include <stdint.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>

/* Values of a plane's "type" property (not in the uapi headers). */
#ifndef DRM_PLANE_TYPE_OVERLAY
#define DRM_PLANE_TYPE_OVERLAY	0
#define DRM_PLANE_TYPE_PRIMARY	1
#define DRM_PLANE_TYPE_CURSOR	2
#endif

enum kms_plane_prop {
	KMS_PLANE_TYPE,
	KMS_PLANE_FB_ID,
	KMS_PLANE_CRTC_ID,
	KMS_PLANE_SRC_X,
	KMS_PLANE_SRC_Y,
	KMS_PLANE_SRC_W,
	KMS_PLANE_SRC_H,
	KMS_PLANE_CRTC_X,
	KMS_PLANE_CRTC_Y,
	KMS_PLANE_CRTC_W,
	KMS_PLANE_CRTC_H,
	KMS_PLANE_ROTATION,
	KMS_PLANE_NUM_PROPS
};

enum kms_crtc_prop {
	KMS_CRTC_MODE_ID,
	KMS_CRTC_ACTIVE,
	KMS_CRTC_GAMMA_LUT,
	KMS_CRTC_DEGAMMA_LUT,
	KMS_CRTC_CTM,
	KMS_CRTC_BACKGROUND_COLOR,
	KMS_CRTC_NUM_PROPS
};

enum kms_conn_prop {
	KMS_CONN_CRTC_ID,
	KMS_CONN_WRITEBACK_FB_ID,
	KMS_CONN_WRITEBACK_OUT_FENCE_PTR,
	KMS_CONN_WRITEBACK_PIXEL_FORMATS,
	KMS_CONN_NUM_PROPS
};

#define KMS_MAX_PLANES		32
#define KMS_MAX_CONNECTORS	16
#define KMS_MAX_FORMATS		64

struct kms_plane {
	uint32_t id;
	uint64_t type;			/* DRM_PLANE_TYPE_* */
	uint32_t num_formats;
	uint32_t formats[KMS_MAX_FORMATS];
	uint32_t props[KMS_PLANE_NUM_PROPS];	/* 0: the plane has none */
};

struct kms_connector {
	uint32_t id;
	uint32_t type;			/* DRM_MODE_CONNECTOR_* */
	uint32_t props[KMS_CONN_NUM_PROPS];
};

/**
 * struct kms_device - one CRTC of a KMS device, fed to a writeback connector
 *
 * @planes are the planes usable on the CRTC in the kernel's plane order,
 * which is the blending order of drivers without a zpos property (vkms).
 */
struct kms_device {
	int fd;
	uint32_t crtc_id;
	uint32_t crtc_props[KMS_CRTC_NUM_PROPS];
	int num_planes;
	struct kms_plane planes[KMS_MAX_PLANES];
	int num_connectors;
	struct kms_connector connectors[KMS_MAX_CONNECTORS];
	struct kms_connector *writeback;
	struct drm_mode_modeinfo mode;
	uint32_t mode_blob;
	/* ARGB16161616 (DRM_ARGB64) colour below all planes. */
	uint64_t background;
	/* The device's DRM debugfs directory; empty without debugfs. */
	char debugfs[128];
};

/** struct kms_plane_state - a plane showing @fb_id, no scaling */
struct kms_plane_state {
	const struct kms_plane *plane;
	uint32_t fb_id;
	uint32_t src_x, src_y, width, height;
	int32_t crtc_x, crtc_y;
};

#define KMS_ATOMIC_MAX	256

/** struct kms_atomic - an atomic request being built */
struct kms_atomic {
	int count;
	uint32_t obj[KMS_ATOMIC_MAX];
	uint32_t prop[KMS_ATOMIC_MAX];
	uint64_t value[KMS_ATOMIC_MAX];
};

void kms_open_writeback(struct kms_device *kms, int fd);
void kms_close(struct kms_device *kms);
const struct kms_plane *kms_find_plane(const struct kms_device *kms,
				       uint64_t type, int nth);
bool kms_plane_has_format(const struct kms_plane *plane, uint32_t format);
bool kms_writeback_has_format(const struct kms_device *kms, uint32_t format);
void kms_set_mode(struct kms_device *kms, uint16_t width, uint16_t height);
void kms_set_background(struct kms_device *kms, uint64_t argb16);

int __kms_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height,
		uint32_t format, uint32_t pitch, uint32_t offset, uint32_t *fb_id);
uint32_t kms_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height,
		   uint32_t format, uint32_t pitch);
void kms_rmfb(int fd, uint32_t fb_id);

void kms_atomic_init(struct kms_atomic *req);
void kms_atomic_add(struct kms_atomic *req, uint32_t obj, uint32_t prop,
		    uint64_t value);
int __kms_atomic_commit(int fd, const struct kms_atomic *req, uint32_t flags);

int __kms_writeback_commit(struct kms_device *kms,
			   const struct kms_plane_state *planes, int num,
			   uint32_t wb_fb, int32_t *out_fence);
void kms_writeback_capture(struct kms_device *kms,
			   const struct kms_plane_state *planes, int num,
			   uint32_t wb_fb);
void kms_writeback_settle(struct kms_device *kms, uint32_t wb_fb);
void kms_disable(struct kms_device *kms);
int kms_wait_fence(int fence, int timeout_ms);

#endif /* VSHARE_KMS_H */
