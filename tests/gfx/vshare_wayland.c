// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_wayland: a Wayland client that shows a vshare (or, as a control,
 * vgem) buffer through zwp_linux_dmabuf_v1, and the checker that compares
 * a compositor's screenshot (PNG) with what the client drew.
 *
 *   vshare_wayland show EXPORTER W H SEED [STEP]
 *	EXPORTER is vshare or vgem. Draws the pattern of SEED (each pixel's
 *	blue channel plus STEP, to show that the check can fail), shares it
 *	as a linear XRGB8888 dma-buf, shows it full screen, prints "shown"
 *	once the compositor has drawn a frame with it, and stays until
 *	killed.
 *   vshare_wayland check FILE.png W H SEED
 *	Exit 0 if the W x H area at the top left of the screenshot is the
 *	pattern of SEED, pixel for pixel; 1 otherwise, with the first
 *	mismatch and their number.
 *   vshare_wayland square FILE.png
 *	Exit 0 if the screenshot shows weston-simple-dmabuf-egl's frame: a
 *	square whose corners are red, green, blue and yellow (colours
 *	interpolated between them) on black; 1 otherwise.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <png.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <wayland-client.h>

#include "drm_open.h"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "pattern.h"
#include "vshare_drm.h"
#include "xdg-shell-client-protocol.h"

static void die(const char *what)
{
	fprintf(stderr, "vshare_wayland: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* SEED's image, away from 0xff in blue: STEP changes it by exactly STEP. */
static uint32_t pattern(uint32_t x, uint32_t y, uint32_t seed)
{
	uint32_t h = pattern_xy(x, y, seed);

	return (h & 0xffff00) | (h & 0x7f);
}

/* A DRM device by driver name: its card node. */
static int open_driver(const char *name)
{
	int fd = drm_open_driver_node(name, "card", 0, NULL, 0);

	if (fd < 0) {
		errno = ENODEV;
		die(name);
	}
	return fd;
}

/* A dumb buffer (both vshare and vgem have them), mapped, as a dma-buf. */
static int make_dmabuf(const char *exporter, uint32_t w, uint32_t h,
		       uint32_t seed, uint32_t step, uint32_t *pitch)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h,
					       .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_prime_handle prime = { 0 };
	int fd = open_driver(exporter);
	uint32_t x, y;
	uint8_t *ptr;

	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die("create dumb");
	map.handle = create.handle;
	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		die("map dumb");
	ptr = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   map.offset);
	if (ptr == MAP_FAILED)
		die("mmap");
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			((uint32_t *)(ptr + y * create.pitch))[x] =
				pattern(x, y, seed) + step;
	munmap(ptr, create.size);

	/* Read-write: llvmpipe maps imported buffers through the fd. */
	prime.handle = create.handle;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	if (ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime))
		die("export");
	*pitch = create.pitch;
	return prime.fd;
}

struct client {
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	bool configured, shown;
};

static void ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { .ping = ping };

static void global(void *data, struct wl_registry *reg, uint32_t name,
		   const char *iface, uint32_t version)
{
	struct client *c = data;

	if (!strcmp(iface, wl_compositor_interface.name)) {
		c->compositor = wl_registry_bind(reg, name,
						 &wl_compositor_interface, 4);
	} else if (!strcmp(iface, xdg_wm_base_interface.name)) {
		c->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface,
					      1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	} else if (!strcmp(iface, zwp_linux_dmabuf_v1_interface.name) &&
		   version >= 3) {
		c->dmabuf = wl_registry_bind(reg, name,
					     &zwp_linux_dmabuf_v1_interface, 3);
	}
}

static void global_remove(void *data, struct wl_registry *reg, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = global, .global_remove = global_remove,
};

static void surface_configure(void *data, struct xdg_surface *surface,
			      uint32_t serial)
{
	struct client *c = data;

	xdg_surface_ack_configure(surface, serial);
	c->configured = true;
}

static const struct xdg_surface_listener surface_listener = {
	.configure = surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel,
			       int32_t w, int32_t h, struct wl_array *states)
{
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure, .close = toplevel_close,
};

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct client *c = data;

	c->shown = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static int show(const char *exporter, uint32_t w, uint32_t h, uint32_t seed,
		uint32_t step)
{
	struct zwp_linux_buffer_params_v1 *params;
	struct xdg_toplevel *toplevel;
	struct xdg_surface *xsurface;
	struct wl_surface *surface;
	struct wl_display *dpy;
	struct wl_buffer *buffer;
	struct client c = { 0 };
	uint32_t pitch;
	int fd;

	dpy = wl_display_connect(NULL);
	if (!dpy)
		die("wl_display_connect");
	wl_registry_add_listener(wl_display_get_registry(dpy),
				 &registry_listener, &c);
	wl_display_roundtrip(dpy);
	if (!c.compositor || !c.wm_base || !c.dmabuf) {
		fprintf(stderr, "vshare_wayland: the compositor lacks %s\n",
			!c.dmabuf ? "zwp_linux_dmabuf_v1 v3" : "a global");
		return 1;
	}

	fd = make_dmabuf(exporter, w, h, seed, step, &pitch);
	params = zwp_linux_dmabuf_v1_create_params(c.dmabuf);
	zwp_linux_buffer_params_v1_add(params, fd, 0, 0, pitch,
				       DRM_FORMAT_MOD_LINEAR >> 32,
				       DRM_FORMAT_MOD_LINEAR & 0xffffffff);
	buffer = zwp_linux_buffer_params_v1_create_immed(params, w, h,
							 DRM_FORMAT_XRGB8888,
							 0);
	close(fd);

	surface = wl_compositor_create_surface(c.compositor);
	xsurface = xdg_wm_base_get_xdg_surface(c.wm_base, surface);
	xdg_surface_add_listener(xsurface, &surface_listener, &c);
	toplevel = xdg_surface_get_toplevel(xsurface);
	xdg_toplevel_add_listener(toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_fullscreen(toplevel, NULL);
	wl_surface_commit(surface);
	while (!c.configured)
		if (wl_display_dispatch(dpy) < 0)
			die("wl_display_dispatch");

	wl_surface_attach(surface, buffer, 0, 0);
	wl_surface_damage(surface, 0, 0, w, h);
	wl_callback_add_listener(wl_surface_frame(surface), &frame_listener,
				 &c);
	wl_surface_commit(surface);
	while (!c.shown)
		if (wl_display_dispatch(dpy) < 0)
			die("wl_display_dispatch");
	printf("shown\n");
	fflush(stdout);
	/* Keep the surface up for the screenshot, until killed. */
	while (wl_display_dispatch(dpy) >= 0)
		;
	return 0;
}

static uint32_t *read_png(const char *file, png_image *img)
{
	uint32_t *px;

	memset(img, 0, sizeof(*img));
	img->version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(img, file)) {
		fprintf(stderr, "vshare_wayland: %s: %s\n", file, img->message);
		return NULL;
	}
	img->format = PNG_FORMAT_BGRA;	/* 0xAARRGGBB words */
	px = malloc(PNG_IMAGE_SIZE(*img));
	if (!px || !png_image_finish_read(img, NULL, px, 0, NULL)) {
		fprintf(stderr, "vshare_wayland: %s: %s\n", file, img->message);
		free(px);
		return NULL;
	}
	return px;
}

static int check(const char *file, uint32_t w, uint32_t h, uint32_t seed)
{
	unsigned long bad = 0;
	uint32_t x, y, *px;
	png_image img;

	px = read_png(file, &img);
	if (!px)
		return 1;
	if (img.width < w || img.height < h) {
		fprintf(stderr, "vshare_wayland: %s is %ux%u, smaller than %ux%u\n",
			file, img.width, img.height, w, h);
		return 1;
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t got = px[y * img.width + x] & 0xffffff;
			uint32_t want = pattern(x, y, seed);

			if (got != want && !bad++)
				fprintf(stderr, "first mismatch at (%u, %u): %06x, expected %06x\n",
					x, y, got, want);
		}
	printf("%s: %ux%u, %lu of %u pixels differ\n", file, img.width,
	       img.height, bad, w * h);
	free(px);
	return bad ? 1 : 0;
}

/*
 * The corners of weston-simple-dmabuf-egl's square: red, green, blue
 * and yellow pixels (within 40 of the colour in every channel), each
 * kind in one small cluster, red beside blue and green beside yellow on
 * a row, red above or below green and blue above or below yellow in a
 * column, on black. A blank, stale or garbled buffer has colours
 * missing, scattered, or out of place.
 */
struct cluster {
	unsigned long n;
	uint32_t x0, y0, x1, y1;
	uint64_t sx, sy;
};

static bool near_colour(uint32_t a, uint32_t b)
{
	int c;

	for (c = 0; c < 24; c += 8)
		if (abs((int)(a >> c & 0xff) - (int)(b >> c & 0xff)) > 40)
			return false;
	return true;
}

static bool aligned(const struct cluster *a, const struct cluster *b,
		    bool row)
{
	double da = row ? (double)a->sy / a->n : (double)a->sx / a->n;
	double db = row ? (double)b->sy / b->n : (double)b->sx / b->n;
	double sa = row ? (double)a->sx / a->n : (double)a->sy / a->n;
	double sb = row ? (double)b->sx / b->n : (double)b->sy / b->n;

	/* Level with each other, and apart along the other axis. */
	return fabs(da - db) < 16 && fabs(sa - sb) > 32;
}

static int square(const char *file)
{
	enum { BLACK, RED, GREEN, BLUE, YELLOW, NUM };
	static const uint32_t want[NUM] = { 0x000000, 0xff0000, 0x00ff00,
					    0x0000ff, 0xffff00 };
	static const char *const names[NUM] = { "black", "red", "green",
						"blue", "yellow" };
	struct cluster c[NUM];
	uint32_t x, y, *px;
	png_image img;
	int k, ret = 0;

	px = read_png(file, &img);
	if (!px)
		return 1;
	for (k = 0; k < NUM; k++)
		c[k] = (struct cluster){ .x0 = UINT32_MAX, .y0 = UINT32_MAX };
	for (y = 0; y < img.height; y++)
		for (x = 0; x < img.width; x++)
			for (k = 0; k < NUM; k++) {
				if (!near_colour(px[y * img.width + x], want[k]))
					continue;
				c[k].n++;
				c[k].sx += x;
				c[k].sy += y;
				c[k].x0 = x < c[k].x0 ? x : c[k].x0;
				c[k].y0 = y < c[k].y0 ? y : c[k].y0;
				c[k].x1 = x > c[k].x1 ? x : c[k].x1;
				c[k].y1 = y > c[k].y1 ? y : c[k].y1;
			}
	free(px);
	for (k = 0; k < NUM; k++) {
		printf("%s: %lu pixels %s", file, c[k].n, names[k]);
		if (k != BLACK && c[k].n)
			printf(" in %ux%u at (%u, %u)", c[k].x1 - c[k].x0 + 1,
			       c[k].y1 - c[k].y0 + 1, c[k].x0, c[k].y0);
		printf("\n");
		if (c[k].n < 20 ||
		    (k != BLACK && (c[k].x1 - c[k].x0 >= 64 ||
				    c[k].y1 - c[k].y0 >= 64)))
			ret = 1;
	}
	if (!ret && !(aligned(&c[RED], &c[BLUE], true) &&
		      aligned(&c[GREEN], &c[YELLOW], true) &&
		      aligned(&c[RED], &c[GREEN], false) &&
		      aligned(&c[BLUE], &c[YELLOW], false))) {
		printf("%s: the corners are not those of a square\n", file);
		ret = 1;
	}
	return ret;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "show"))
		return show(argv[2], atoi(argv[3]), atoi(argv[4]),
			    strtoul(argv[5], NULL, 0),
			    argc > 6 ? strtoul(argv[6], NULL, 0) : 0);
	if (argc == 6 && !strcmp(argv[1], "check"))
		return check(argv[2], atoi(argv[3]), atoi(argv[4]),
			     strtoul(argv[5], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "square"))
		return square(argv[2]);
	fprintf(stderr, "usage: vshare_wayland show vshare|vgem W H SEED [STEP]\n"
		"       vshare_wayland check FILE.png W H SEED\n"
		"       vshare_wayland square FILE.png\n");
	return 2;
}
