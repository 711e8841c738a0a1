// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include "drmtest.h"
#include "igt.h"
#include "kms.h"

static const char * const plane_prop_names[KMS_PLANE_NUM_PROPS] = {
	[KMS_PLANE_TYPE] = "type",
	[KMS_PLANE_FB_ID] = "FB_ID",
	[KMS_PLANE_CRTC_ID] = "CRTC_ID",
	[KMS_PLANE_SRC_X] = "SRC_X",
	[KMS_PLANE_SRC_Y] = "SRC_Y",
	[KMS_PLANE_SRC_W] = "SRC_W",
	[KMS_PLANE_SRC_H] = "SRC_H",
	[KMS_PLANE_CRTC_X] = "CRTC_X",
	[KMS_PLANE_CRTC_Y] = "CRTC_Y",
	[KMS_PLANE_CRTC_W] = "CRTC_W",
	[KMS_PLANE_CRTC_H] = "CRTC_H",
	[KMS_PLANE_ROTATION] = "rotation",
};

static const char * const crtc_prop_names[KMS_CRTC_NUM_PROPS] = {
	[KMS_CRTC_MODE_ID] = "MODE_ID",
	[KMS_CRTC_ACTIVE] = "ACTIVE",
	[KMS_CRTC_GAMMA_LUT] = "GAMMA_LUT",
	[KMS_CRTC_DEGAMMA_LUT] = "DEGAMMA_LUT",
	[KMS_CRTC_CTM] = "CTM",
	[KMS_CRTC_BACKGROUND_COLOR] = "BACKGROUND_COLOR",
};

static const char * const conn_prop_names[KMS_CONN_NUM_PROPS] = {
	[KMS_CONN_CRTC_ID] = "CRTC_ID",
	[KMS_CONN_WRITEBACK_FB_ID] = "WRITEBACK_FB_ID",
	[KMS_CONN_WRITEBACK_OUT_FENCE_PTR] = "WRITEBACK_OUT_FENCE_PTR",
	[KMS_CONN_WRITEBACK_PIXEL_FORMATS] = "WRITEBACK_PIXEL_FORMATS",
};

#define to_user(p)	((uint64_t)(uintptr_t)(p))

/* Property ids (0 when absent) and current values of an object, by name. */
static void get_props(int fd, uint32_t obj, uint32_t type,
		      const char * const *names, int num,
		      uint32_t *ids, uint64_t *values)
{
	struct drm_mode_obj_get_properties arg = {
		.obj_id = obj, .obj_type = type,
	};
	uint32_t *props;
	uint64_t *vals;
	uint32_t i;
	int j;

	do_ioctl(fd, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &arg);
	props = calloc(arg.count_props + 1, sizeof(*props));
	vals = calloc(arg.count_props + 1, sizeof(*vals));
	arg.props_ptr = to_user(props);
	arg.prop_values_ptr = to_user(vals);
	do_ioctl(fd, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &arg);

	memset(ids, 0, num * sizeof(*ids));
	for (i = 0; i < arg.count_props; i++) {
		struct drm_mode_get_property p = { .prop_id = props[i] };

		do_ioctl(fd, DRM_IOCTL_MODE_GETPROPERTY, &p);
		for (j = 0; j < num; j++) {
			if (!names[j] || strcmp(p.name, names[j]))
				continue;
			ids[j] = props[i];
			if (values)
				values[j] = vals[i];
		}
	}
	free(props);
	free(vals);
}

static void get_connector(int fd, uint32_t id, struct drm_mode_get_connector *c,
			  struct drm_mode_modeinfo **modes, uint32_t **encoders)
{
	/* The first call, with no room for modes, makes the kernel probe. */
	for (;;) {
		uint32_t nmodes, nenc;

		memset(c, 0, sizeof(*c));
		c->connector_id = id;
		do_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, c);
		nmodes = c->count_modes;
		nenc = c->count_encoders;
		*modes = calloc(nmodes + 1, sizeof(**modes));
		*encoders = calloc(nenc + 1, sizeof(**encoders));
		c->modes_ptr = to_user(*modes);
		c->encoders_ptr = to_user(*encoders);
		c->count_props = 0;
		do_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, c);
		if (c->count_modes == nmodes && c->count_encoders == nenc)
			return;
		/* Changed in between: try again. */
		free(*modes);
		free(*encoders);
	}
}

static void set_cap(int fd, uint64_t cap, const char *name)
{
	struct drm_set_client_cap arg = { .capability = cap, .value = 1 };

	igt_require_f(igt_ioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &arg) == 0,
		      "the device refuses %s: %s\n", name, strerror(errno));
}

/**
 * kms_open_writeback() - find a CRTC fed to a writeback connector
 *
 * Sets the universal-planes, atomic and writeback client caps on @fd,
 * finds the writeback connector, a CRTC it can use, the planes usable on
 * that CRTC and every connector, with the properties the helpers need.
 * Skips when the device has no atomic support or no writeback connector.
 */
void kms_open_writeback(struct kms_device *kms, int fd)
{
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_get_plane_res pres = { 0 };
	uint32_t *crtcs, *conns, *planes, crtc_mask = 0;
	uint32_t i;
	int crtc_index = -1;

	memset(kms, 0, sizeof(*kms));
	kms->fd = fd;
	kms->background = (uint64_t)0xffff << 48;	/* opaque black */

	set_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, "universal planes");
	set_cap(fd, DRM_CLIENT_CAP_ATOMIC, "atomic modesetting");
	set_cap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, "writeback connectors");

	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	crtcs = calloc(res.count_crtcs + 1, sizeof(*crtcs));
	conns = calloc(res.count_connectors + 1, sizeof(*conns));
	res.crtc_id_ptr = to_user(crtcs);
	res.connector_id_ptr = to_user(conns);
	res.count_fbs = 0;
	res.count_encoders = 0;
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	igt_require_f(res.count_crtcs > 0, "no CRTC\n");
	igt_assert(res.count_connectors <= KMS_MAX_CONNECTORS);

	for (i = 0; i < res.count_connectors; i++) {
		struct kms_connector *kc = &kms->connectors[kms->num_connectors++];
		struct drm_mode_get_connector c;
		struct drm_mode_modeinfo *modes;
		uint32_t *encoders, e;

		get_connector(fd, conns[i], &c, &modes, &encoders);
		kc->id = conns[i];
		kc->type = c.connector_type;
		get_props(fd, kc->id, DRM_MODE_OBJECT_CONNECTOR, conn_prop_names,
			  KMS_CONN_NUM_PROPS, kc->props, NULL);
		igt_assert_f(kc->props[KMS_CONN_CRTC_ID],
			     "connector %u has no CRTC_ID property\n", kc->id);
		if (kc->type == DRM_MODE_CONNECTOR_WRITEBACK && !kms->writeback) {
			kms->writeback = kc;
			for (e = 0; e < c.count_encoders; e++) {
				struct drm_mode_get_encoder enc = {
					.encoder_id = encoders[e],
				};

				do_ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &enc);
				crtc_mask |= enc.possible_crtcs;
			}
		}
		free(modes);
		free(encoders);
	}
	igt_require_f(kms->writeback,
		      "no writeback connector (vkms: load it with enable_writeback=1)\n");
	igt_assert(kms->writeback->props[KMS_CONN_WRITEBACK_FB_ID]);
	igt_assert(kms->writeback->props[KMS_CONN_WRITEBACK_OUT_FENCE_PTR]);

	for (i = 0; i < res.count_crtcs && crtc_index < 0; i++)
		if (crtc_mask & (1u << i))
			crtc_index = i;
	igt_require_f(crtc_index >= 0, "the writeback connector has no CRTC\n");
	kms->crtc_id = crtcs[crtc_index];
	get_props(fd, kms->crtc_id, DRM_MODE_OBJECT_CRTC, crtc_prop_names,
		  KMS_CRTC_NUM_PROPS, kms->crtc_props, NULL);
	igt_assert(kms->crtc_props[KMS_CRTC_MODE_ID]);
	igt_assert(kms->crtc_props[KMS_CRTC_ACTIVE]);

	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANERESOURCES, &pres);
	planes = calloc(pres.count_planes + 1, sizeof(*planes));
	pres.plane_id_ptr = to_user(planes);
	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANERESOURCES, &pres);
	for (i = 0; i < pres.count_planes; i++) {
		struct kms_plane *kp = &kms->planes[kms->num_planes];
		struct drm_mode_get_plane p = { .plane_id = planes[i] };
		uint64_t values[KMS_PLANE_NUM_PROPS] = { 0 };

		do_ioctl(fd, DRM_IOCTL_MODE_GETPLANE, &p);
		if (!(p.possible_crtcs & (1u << crtc_index)))
			continue;
		igt_assert(kms->num_planes < KMS_MAX_PLANES);
		igt_assert(p.count_format_types <= KMS_MAX_FORMATS);
		p.format_type_ptr = to_user(kp->formats);
		do_ioctl(fd, DRM_IOCTL_MODE_GETPLANE, &p);
		kp->id = planes[i];
		kp->num_formats = p.count_format_types;
		get_props(fd, kp->id, DRM_MODE_OBJECT_PLANE, plane_prop_names,
			  KMS_PLANE_NUM_PROPS, kp->props, values);
		igt_assert(kp->props[KMS_PLANE_TYPE]);
		kp->type = values[KMS_PLANE_TYPE];
		kms->num_planes++;
	}

	free(planes);
	free(crtcs);
	free(conns);
	/* For kms_writeback_settle(). */
	if (drm_debugfs_dir(fd, kms->debugfs, sizeof(kms->debugfs))) {
		kms->debugfs[0] = '\0';
		igt_info("no DRM debugfs: writeback jobs may overlap\n");
	}
	igt_debug("CRTC %u, %d planes, writeback connector %u\n",
		  kms->crtc_id, kms->num_planes, kms->writeback->id);
}

static void destroy_blob(int fd, uint32_t id)
{
	struct drm_mode_destroy_blob arg = { .blob_id = id };

	do_ioctl(fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &arg);
}

/* Forgets the mode blob; the caller closes the fd. */
void kms_close(struct kms_device *kms)
{
	if (kms->mode_blob)
		destroy_blob(kms->fd, kms->mode_blob);
	kms->mode_blob = 0;
}

/** kms_find_plane() - the @nth plane (from 0) of @type on the CRTC, or NULL */
const struct kms_plane *kms_find_plane(const struct kms_device *kms,
				       uint64_t type, int nth)
{
	int i;

	for (i = 0; i < kms->num_planes; i++)
		if (kms->planes[i].type == type && nth-- == 0)
			return &kms->planes[i];
	return NULL;
}

bool kms_plane_has_format(const struct kms_plane *plane, uint32_t format)
{
	uint32_t i;

	for (i = 0; i < plane->num_formats; i++)
		if (plane->formats[i] == format)
			return true;
	return false;
}

/* WRITEBACK_PIXEL_FORMATS is a blob of fourcc codes. */
bool kms_writeback_has_format(const struct kms_device *kms, uint32_t format)
{
	uint32_t ids[KMS_CONN_NUM_PROPS];
	uint64_t values[KMS_CONN_NUM_PROPS] = { 0 };
	struct drm_mode_get_blob blob = { 0 };
	uint32_t *formats, i;
	bool found = false;

	get_props(kms->fd, kms->writeback->id, DRM_MODE_OBJECT_CONNECTOR,
		  conn_prop_names, KMS_CONN_NUM_PROPS, ids, values);
	igt_assert(ids[KMS_CONN_WRITEBACK_PIXEL_FORMATS]);
	blob.blob_id = values[KMS_CONN_WRITEBACK_PIXEL_FORMATS];
	do_ioctl(kms->fd, DRM_IOCTL_MODE_GETPROPBLOB, &blob);
	formats = calloc(blob.length / 4 + 1, 4);
	blob.data = to_user(formats);
	do_ioctl(kms->fd, DRM_IOCTL_MODE_GETPROPBLOB, &blob);
	for (i = 0; i < blob.length / 4; i++)
		found |= formats[i] == format;
	free(formats);
	return found;
}

/**
 * kms_set_mode() - use a @width x @height mode of the writeback connector
 *
 * Picks a progressive mode of that size from the connector's list, the
 * preferred one or else the one closest to 60 Hz, and makes it the mode
 * blob of the next commits. Skips if the connector lists none.
 */
void kms_set_mode(struct kms_device *kms, uint16_t width, uint16_t height)
{
	struct drm_mode_create_blob blob = { 0 };
	struct drm_mode_get_connector c;
	struct drm_mode_modeinfo *modes, *best = NULL;
	uint32_t *encoders, i;

	get_connector(kms->fd, kms->writeback->id, &c, &modes, &encoders);
	for (i = 0; i < c.count_modes; i++) {
		struct drm_mode_modeinfo *m = &modes[i];

		if (m->hdisplay != width || m->vdisplay != height ||
		    (m->flags & (DRM_MODE_FLAG_INTERLACE | DRM_MODE_FLAG_DBLSCAN)))
			continue;
		if (!best || (m->type & DRM_MODE_TYPE_PREFERRED) ||
		    (!(best->type & DRM_MODE_TYPE_PREFERRED) &&
		     abs((int)m->vrefresh - 60) < abs((int)best->vrefresh - 60)))
			best = m;
	}
	igt_require_f(best, "the writeback connector lists no %ux%u mode (%u modes)\n",
		      width, height, c.count_modes);
	kms->mode = *best;
	igt_debug("mode %s, %u Hz\n", kms->mode.name, kms->mode.vrefresh);
	free(modes);
	free(encoders);

	blob.data = to_user(&kms->mode);
	blob.length = sizeof(kms->mode);
	do_ioctl(kms->fd, DRM_IOCTL_MODE_CREATEPROPBLOB, &blob);
	if (kms->mode_blob)
		destroy_blob(kms->fd, kms->mode_blob);
	kms->mode_blob = blob.blob_id;
}

/* The CRTC's BACKGROUND_COLOR (DRM_ARGB64 layout) for the next commits. */
void kms_set_background(struct kms_device *kms, uint64_t argb16)
{
	igt_require_f(kms->crtc_props[KMS_CRTC_BACKGROUND_COLOR],
		      "the CRTC has no BACKGROUND_COLOR property\n");
	kms->background = argb16;
}

int __kms_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height,
		uint32_t format, uint32_t pitch, uint32_t offset, uint32_t *fb_id)
{
	struct drm_mode_fb_cmd2 arg = {
		.width = width, .height = height, .pixel_format = format,
		.handles = { handle }, .pitches = { pitch }, .offsets = { offset },
	};

	if (igt_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &arg))
		return -errno;
	*fb_id = arg.fb_id;
	return 0;
}

uint32_t kms_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height,
		   uint32_t format, uint32_t pitch)
{
	uint32_t fb_id = 0;
	int ret = __kms_addfb(fd, handle, width, height, format, pitch, 0, &fb_id);

	igt_assert_f(ret == 0, "ADDFB2 %ux%u %.4s pitch %u: %s\n", width, height,
		     (const char *)&format, pitch, strerror(-ret));
	igt_assert(fb_id);
	return fb_id;
}

void kms_rmfb(int fd, uint32_t fb_id)
{
	do_ioctl(fd, DRM_IOCTL_MODE_RMFB, &fb_id);
}

void kms_atomic_init(struct kms_atomic *req)
{
	req->count = 0;
}

void kms_atomic_add(struct kms_atomic *req, uint32_t obj, uint32_t prop,
		    uint64_t value)
{
	igt_assert(obj && prop);
	igt_assert(req->count < KMS_ATOMIC_MAX);
	req->obj[req->count] = obj;
	req->prop[req->count] = prop;
	req->value[req->count] = value;
	req->count++;
}

/* The ioctl wants the properties grouped by object. */
int __kms_atomic_commit(int fd, const struct kms_atomic *req, uint32_t flags)
{
	uint32_t objs[KMS_ATOMIC_MAX], counts[KMS_ATOMIC_MAX];
	uint32_t props[KMS_ATOMIC_MAX];
	uint64_t values[KMS_ATOMIC_MAX];
	struct drm_mode_atomic arg = { .flags = flags };
	int nobjs = 0, n = 0, i, j;
	bool seen;

	for (i = 0; i < req->count; i++) {
		seen = false;
		for (j = 0; j < nobjs; j++)
			seen |= objs[j] == req->obj[i];
		if (seen)
			continue;
		objs[nobjs] = req->obj[i];
		counts[nobjs] = 0;
		for (j = i; j < req->count; j++) {
			if (req->obj[j] != req->obj[i])
				continue;
			props[n] = req->prop[j];
			values[n] = req->value[j];
			counts[nobjs]++;
			n++;
		}
		nobjs++;
	}

	arg.count_objs = nobjs;
	arg.objs_ptr = to_user(objs);
	arg.count_props_ptr = to_user(counts);
	arg.props_ptr = to_user(props);
	arg.prop_values_ptr = to_user(values);
	return igt_ioctl(fd, DRM_IOCTL_MODE_ATOMIC, &arg) ? -errno : 0;
}

static const struct kms_plane_state *
state_of(const struct kms_plane *plane, const struct kms_plane_state *states,
	 int num)
{
	int i;

	for (i = 0; i < num; i++)
		if (states[i].plane == plane)
			return &states[i];
	return NULL;
}

/* Colour management off, so that vkms blends and writes back unchanged. */
static void add_crtc_defaults(struct kms_device *kms, struct kms_atomic *req)
{
	static const int blobs[] = {
		KMS_CRTC_GAMMA_LUT, KMS_CRTC_DEGAMMA_LUT, KMS_CRTC_CTM,
	};
	unsigned int i;

	for (i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++)
		if (kms->crtc_props[blobs[i]])
			kms_atomic_add(req, kms->crtc_id,
				       kms->crtc_props[blobs[i]], 0);
	if (kms->crtc_props[KMS_CRTC_BACKGROUND_COLOR])
		kms_atomic_add(req, kms->crtc_id,
			       kms->crtc_props[KMS_CRTC_BACKGROUND_COLOR],
			       kms->background);
}

/**
 * __kms_writeback_commit() - show @planes on the writeback connector alone
 *
 * One atomic commit (modesets allowed) sets the whole pipe: the CRTC with
 * the mode of kms_set_mode(), routed to the writeback connector only (vkms
 * refuses another connector on the same CRTC with writeback), every plane
 * of @planes, the CRTC's other planes disabled; with @wb_fb the frame is
 * written back into it and @out_fence receives the writeback out-fence.
 * Returns 0 or -errno.
 */
int __kms_writeback_commit(struct kms_device *kms,
			   const struct kms_plane_state *planes, int num,
			   uint32_t wb_fb, int32_t *out_fence)
{
	struct kms_atomic req;
	int i;

	igt_assert(kms->mode_blob);
	kms_atomic_init(&req);
	kms_atomic_add(&req, kms->crtc_id, kms->crtc_props[KMS_CRTC_MODE_ID],
		       kms->mode_blob);
	kms_atomic_add(&req, kms->crtc_id, kms->crtc_props[KMS_CRTC_ACTIVE], 1);
	add_crtc_defaults(kms, &req);

	for (i = 0; i < kms->num_connectors; i++) {
		const struct kms_connector *c = &kms->connectors[i];

		if (c != kms->writeback) {
			kms_atomic_add(&req, c->id, c->props[KMS_CONN_CRTC_ID], 0);
			continue;
		}
		kms_atomic_add(&req, c->id, c->props[KMS_CONN_CRTC_ID],
			       kms->crtc_id);
		kms_atomic_add(&req, c->id, c->props[KMS_CONN_WRITEBACK_FB_ID],
			       wb_fb);
		if (wb_fb && out_fence) {
			*out_fence = -1;
			kms_atomic_add(&req, c->id,
				       c->props[KMS_CONN_WRITEBACK_OUT_FENCE_PTR],
				       to_user(out_fence));
		}
	}

	for (i = 0; i < kms->num_planes; i++) {
		const struct kms_plane *p = &kms->planes[i];
		const struct kms_plane_state *s = state_of(p, planes, num);
		const uint32_t *pr = p->props;

		if (!s) {
			kms_atomic_add(&req, p->id, pr[KMS_PLANE_FB_ID], 0);
			kms_atomic_add(&req, p->id, pr[KMS_PLANE_CRTC_ID], 0);
			continue;
		}
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_FB_ID], s->fb_id);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_CRTC_ID], kms->crtc_id);
		/* SRC_* are 16.16 fixed point, CRTC_* whole pixels. */
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_SRC_X], (uint64_t)s->src_x << 16);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_SRC_Y], (uint64_t)s->src_y << 16);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_SRC_W], (uint64_t)s->width << 16);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_SRC_H], (uint64_t)s->height << 16);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_CRTC_X], (uint64_t)(int64_t)s->crtc_x);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_CRTC_Y], (uint64_t)(int64_t)s->crtc_y);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_CRTC_W], s->width);
		kms_atomic_add(&req, p->id, pr[KMS_PLANE_CRTC_H], s->height);
		if (pr[KMS_PLANE_ROTATION])
			kms_atomic_add(&req, p->id, pr[KMS_PLANE_ROTATION],
				       DRM_MODE_ROTATE_0);
	}

	return __kms_atomic_commit(kms->fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET);
}

/**
 * kms_wait_fence() - wait for a sync_file to signal
 *
 * Returns 0 once it signalled without error, -ETIME after @timeout_ms,
 * the fence's error if it signalled with one, or -errno.
 */
int kms_wait_fence(int fence, int timeout_ms)
{
	struct sync_file_info info = { 0 };
	struct pollfd pfd = { .fd = fence, .events = POLLIN };
	double end = now_ms() + timeout_ms;
	int ret, left = timeout_ms;

	for (;;) {
		ret = poll(&pfd, 1, left);
		if (ret > 0)
			break;
		if (ret == 0)
			return -ETIME;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		left = end - now_ms();
		if (left <= 0)
			return -ETIME;
	}
	if (!(pfd.revents & POLLIN))
		return -EINVAL;
	if (igt_ioctl(fence, SYNC_IOC_FILE_INFO, &info))
		return -errno;
	return info.status == 1 ? 0 : info.status < 0 ? info.status : -EBUSY;
}

/* The DRM core's reference count of framebuffer @fb_id, or -errno. */
static int fb_refcount(const char *dir, uint32_t fb_id)
{
	char path[192], line[128];
	unsigned int id, ref;
	bool mine = false;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/framebuffer", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "framebuffer[%u]:", &id) == 1) {
			mine = id == fb_id;
		} else if (mine && sscanf(line, " refcount=%u", &ref) == 1) {
			ret = ref;
			break;
		}
	}
	fclose(f);
	return ret;
}

/**
 * kms_writeback_settle() - wait until the written-back job is gone
 *
 * Call once the out-fence of the last writeback job into @wb_fb signalled.
 * vkms ends a job after signalling its fence, in a work item that clears
 * the composer flag (a bool, not a count) and then drops the job's
 * reference to @wb_fb. A writeback commit made before that work ran has
 * its flag cleared: its frame is never written back, and each later
 * job's fence then signals one job late. So wait until the framebuffer's
 * only reference is its file's, which the DRM core shows in debugfs
 * (kms_open_writeback() said so if there is none: then it does not wait).
 */
void kms_writeback_settle(struct kms_device *kms, uint32_t wb_fb)
{
	int ref = -ENOENT;

	if (!kms->debugfs[0])
		return;
	igt_assert_f(igt_wait((ref = fb_refcount(kms->debugfs, wb_fb)) == 1,
			      10000, 1),
		     "writeback framebuffer %u: refcount %d 10 s after its job\n",
		     wb_fb, ref);
}

/**
 * kms_writeback_capture() - commit @planes and wait for the written-back frame
 *
 * Fails unless the commit succeeds and the writeback out-fence signals,
 * without error, within 30 s (a debug kernel under emulation is slow);
 * returns once the job is gone (kms_writeback_settle()).
 */
void kms_writeback_capture(struct kms_device *kms,
			   const struct kms_plane_state *planes, int num,
			   uint32_t wb_fb)
{
	int32_t fence = -1;
	int ret;

	igt_assert(wb_fb);
	ret = __kms_writeback_commit(kms, planes, num, wb_fb, &fence);
	igt_assert_f(ret == 0, "atomic commit with writeback failed: %s\n",
		     strerror(-ret));
	igt_assert_f(fence >= 0, "no writeback out-fence returned\n");
	ret = kms_wait_fence(fence, 30000);
	close(fence);
	igt_assert_f(ret == 0, "writeback out-fence: %s\n", strerror(-ret));
	kms_writeback_settle(kms, wb_fb);
}

/* Every plane of the CRTC off, no connector, the CRTC off. */
void kms_disable(struct kms_device *kms)
{
	struct kms_atomic req;
	int i, ret;

	kms_atomic_init(&req);
	for (i = 0; i < kms->num_planes; i++) {
		const struct kms_plane *p = &kms->planes[i];

		kms_atomic_add(&req, p->id, p->props[KMS_PLANE_FB_ID], 0);
		kms_atomic_add(&req, p->id, p->props[KMS_PLANE_CRTC_ID], 0);
	}
	for (i = 0; i < kms->num_connectors; i++) {
		const struct kms_connector *c = &kms->connectors[i];

		kms_atomic_add(&req, c->id, c->props[KMS_CONN_CRTC_ID], 0);
	}
	kms_atomic_add(&req, kms->crtc_id, kms->crtc_props[KMS_CRTC_ACTIVE], 0);
	kms_atomic_add(&req, kms->crtc_id, kms->crtc_props[KMS_CRTC_MODE_ID], 0);
	ret = __kms_atomic_commit(kms->fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET);
	igt_assert_f(ret == 0, "disabling the CRTC failed: %s\n", strerror(-ret));
}
