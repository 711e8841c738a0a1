// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_wayland: a Wayland client that shows a vshare (or, as a control,
 * vgem) buffer through zwp_linux_dmabuf_v1, the explicit-sync sequences
 * of the compositor tests, and the checker that compares a compositor's
 * screenshot (PNG) with what the client drew.
 *
 *   vshare_wayland show EXPORTER W H SEED [STEP]
 *	EXPORTER is vshare or vgem. Draws the test card of SEED (test_card.c;
 *	each pixel's blue channel plus STEP, to show that the check can
 *	fail), shares it
 *	as a linear XRGB8888 dma-buf, shows it full screen, prints "shown"
 *	once the compositor has drawn a frame with it, and stays until
 *	killed.
 *   vshare_wayland explicit acquire|none W H SEED
 *	zwp_linux_explicit_synchronization_v1 (weston): see explicit_run().
 *   vshare_wayland syncobj W H SEED
 *	wp_linux_drm_syncobj_v1 (sway, wlroots): see syncobj_run().
 *   vshare_wayland syncobj-error KIND W H
 *	One commit that wp_linux_drm_syncobj_surface_v1 must refuse with a
 *	protocol error (KIND: no-acquire, conflicting, no-buffer) or, for
 *	KIND shm, a wl_shm buffer with timeline points: see syncobj_error().
 *   vshare_wayland check FILE.png W H SEED
 *	Exit 0 if the W x H area at the top left of the screenshot is the
 *	test card of SEED, pixel for pixel; 1 otherwise, with the first
 *	mismatch and their number.
 *   vshare_wayland what FILE.png W H SEED
 *	Prints what the W x H area at the top left of the screenshot is, as
 *	one word: "pattern" (SEED's test card, pixel-exact), "colour1",
 *	"colour2", "colour3" (every pixel the colour of that name below),
 *	"solid-RRGGBB" (every pixel another colour) or "mixed".
 *   vshare_wayland square FILE.png
 *	Exit 0 if the screenshot shows weston-simple-dmabuf-egl's frame: a
 *	square whose corners are red, green, blue and yellow (colours
 *	interpolated between them) on black; 1 otherwise.
 *
 * The explicit-sync modes print one line per event, "EVENT t=SECONDS
 * ...", SECONDS being CLOCK_REALTIME (what "date +%s.%N" prints), and
 * take their steps when a line "go [HOLD_MS]" comes on standard input;
 * they leave when standard input closes. Every wait is bounded: a
 * timeout prints "timeout: WHAT" and exits 1.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sync_file.h>
#include <math.h>
#include <png.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <wayland-client.h>

#include "drm_open.h"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#ifdef HAVE_SYNCOBJ
#include "linux-drm-syncobj-v1-client-protocol.h"
#endif
#include "test_card.h"
#include "timing.h"
#include "vshare_drm.h"
#include "xdg-shell-client-protocol.h"

/*
 * The colours of the explicit-sync sequences (XRGB8888): buffer A shows
 * colour 1 first; the engine's held-back FILL writes colour 2 into B,
 * whose old contents are SEED's test card; A gets colour 3 once released.
 */
#define COLOUR1		0x3366ccu
#define COLOUR2		0x33cc66u
#define COLOUR3		0xcc3366u

/* The longest delay_ms of one engine job (vshare_drm.h). */
#define MAX_JOB_DELAY_MS	10000u

static void die(const char *what)
{
	fprintf(stderr, "vshare_wayland: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void timeout(const char *what)
{
	printf("timeout: %s\n", what);
	fflush(stdout);
	exit(1);
}

/* One event line: "EVENT t=SECONDS" and what follows, at once. */
static void say(const char *event, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%s t=%.3f", event, ts.tv_sec + ts.tv_nsec / 1e9);
	if (fmt) {
		putchar(' ');
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
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

/* A dumb buffer (vshare and vgem both have them), mapped for the CPU. */
struct vbuf {
	int fd;			/* the DRM device it lives on */
	uint32_t handle, pitch, w, h;
	uint64_t size;
	uint8_t *map;
	struct wl_buffer *wl;
};

static void vbuf_create(int fd, uint32_t w, uint32_t h, struct vbuf *b)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h,
					       .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };

	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die("create dumb");
	map.handle = create.handle;
	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		die("map dumb");
	*b = (struct vbuf){ .fd = fd, .handle = create.handle,
			    .pitch = create.pitch, .w = w, .h = h,
			    .size = create.size };
	b->map = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, map.offset);
	if (b->map == MAP_FAILED)
		die("mmap");
}

static void vbuf_pattern(struct vbuf *b, uint32_t seed, uint32_t step)
{
	uint32_t x, y;

	for (y = 0; y < b->h; y++)
		for (x = 0; x < b->w; x++)
			((uint32_t *)(b->map + y * b->pitch))[x] =
				test_card_xy(x, y, b->w, b->h, seed) + step;
}

static void vbuf_solid(struct vbuf *b, uint32_t colour)
{
	uint32_t x, y;

	for (y = 0; y < b->h; y++)
		for (x = 0; x < b->w; x++)
			((uint32_t *)(b->map + y * b->pitch))[x] =
				0xff000000u | colour;
}

/* Read-write: llvmpipe maps imported buffers through the fd. */
static int vbuf_export(struct vbuf *b)
{
	struct drm_prime_handle prime = { .handle = b->handle,
					  .flags = DRM_CLOEXEC | DRM_RDWR };

	if (ioctl(b->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime))
		die("export");
	return prime.fd;
}

struct client {
	struct wl_display *dpy;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	struct zwp_linux_explicit_synchronization_v1 *explicit_sync;
#ifdef HAVE_SYNCOBJ
	struct wp_linux_drm_syncobj_manager_v1 *syncobj;
#endif
	struct wl_shm *shm;
	struct wl_surface *surface;
	struct xdg_surface *xsurface;
	struct xdg_toplevel *toplevel;
	bool configured;
	/* Standard input: the script's steps. */
	bool stdin_eof;
	char line[128];
	size_t len;
	char cmd[128];		/* the last complete line, until taken */
	bool have_cmd;
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
	} else if (!strcmp(iface,
			   zwp_linux_explicit_synchronization_v1_interface.name)) {
		c->explicit_sync = wl_registry_bind(reg, name,
			&zwp_linux_explicit_synchronization_v1_interface,
			version < 2 ? version : 2);
#ifdef HAVE_SYNCOBJ
	} else if (!strcmp(iface,
			   wp_linux_drm_syncobj_manager_v1_interface.name)) {
		c->syncobj = wl_registry_bind(reg, name,
			&wp_linux_drm_syncobj_manager_v1_interface, 1);
#endif
	} else if (!strcmp(iface, wl_shm_interface.name)) {
		c->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
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

/* Sets the bool its callback was given. */
static void done_flag(void *data, struct wl_callback *cb, uint32_t time)
{
	*(bool *)data = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener flag_listener = { .done = done_flag };

static void connect_client(struct client *c)
{
	c->dpy = wl_display_connect(NULL);
	if (!c->dpy)
		die("wl_display_connect");
	wl_registry_add_listener(wl_display_get_registry(c->dpy),
				 &registry_listener, c);
	wl_display_roundtrip(c->dpy);
	if (!c->compositor || !c->wm_base || !c->dmabuf) {
		fprintf(stderr, "vshare_wayland: the compositor lacks %s\n",
			!c->dmabuf ? "zwp_linux_dmabuf_v1 v3" : "a global");
		exit(1);
	}
}

/* A full-screen toplevel, configured, with nothing attached yet. */
static void make_window(struct client *c)
{
	c->surface = wl_compositor_create_surface(c->compositor);
	c->xsurface = xdg_wm_base_get_xdg_surface(c->wm_base, c->surface);
	xdg_surface_add_listener(c->xsurface, &surface_listener, c);
	c->toplevel = xdg_surface_get_toplevel(c->xsurface);
	xdg_toplevel_add_listener(c->toplevel, &toplevel_listener, c);
	xdg_toplevel_set_app_id(c->toplevel, "vshare_wayland");
	xdg_toplevel_set_fullscreen(c->toplevel, NULL);
	wl_surface_commit(c->surface);
	while (!c->configured)
		if (wl_display_dispatch(c->dpy) < 0)
			die("wl_display_dispatch");
}

/* A wl_buffer for a dumb buffer, through zwp_linux_dmabuf_v1. */
static struct wl_buffer *vbuf_wl(struct client *c, struct vbuf *b)
{
	struct zwp_linux_buffer_params_v1 *params;
	struct wl_buffer *buffer;
	int fd = vbuf_export(b);

	params = zwp_linux_dmabuf_v1_create_params(c->dmabuf);
	zwp_linux_buffer_params_v1_add(params, fd, 0, 0, b->pitch,
				       DRM_FORMAT_MOD_LINEAR >> 32,
				       DRM_FORMAT_MOD_LINEAR & 0xffffffff);
	buffer = zwp_linux_buffer_params_v1_create_immed(params, b->w, b->h,
							 DRM_FORMAT_XRGB8888,
							 0);
	zwp_linux_buffer_params_v1_destroy(params);
	close(fd);
	return buffer;
}

/* Attaches, damages all, asks for a frame callback into *frame; no commit. */
static void attach(struct client *c, struct wl_buffer *buffer, bool *frame)
{
	wl_surface_attach(c->surface, buffer, 0, 0);
	wl_surface_damage(c->surface, 0, 0, INT32_MAX, INT32_MAX);
	*frame = false;
	wl_callback_add_listener(wl_surface_frame(c->surface), &flag_listener,
				 frame);
}

/* The protocol error that ended the connection, if that is what ended it. */
static int protocol_error(struct client *c, const char **iface)
{
	const struct wl_interface *intf = NULL;
	uint32_t id;
	int code;

	*iface = "";
	if (wl_display_get_error(c->dpy) != EPROTO)
		return -1;
	code = wl_display_get_protocol_error(c->dpy, &intf, &id);
	if (intf)
		*iface = intf->name;
	return code;
}

static void connection_lost(struct client *c)
{
	const char *iface;
	int code = protocol_error(c, &iface);

	if (code >= 0)
		printf("protocol error %d on %s\n", code, iface);
	else
		printf("connection lost: %s\n",
		       strerror(wl_display_get_error(c->dpy)));
	fflush(stdout);
	exit(1);
}

static void read_stdin(struct client *c)
{
	char buf[64];
	ssize_t n = read(0, buf, sizeof(buf));
	ssize_t i;

	if (n <= 0) {
		c->stdin_eof = true;
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (c->len < sizeof(c->line) - 1)
				c->line[c->len++] = buf[i];
			continue;
		}
		c->line[c->len] = 0;
		memcpy(c->cmd, c->line, c->len + 1);
		c->have_cmd = true;
		c->len = 0;
	}
}

/*
 * Waits up to @timeout_ms for Wayland events (dispatched), a line on
 * standard input, or @extra_fd (if not -1) readable: returns 1 for the
 * latter. Leaves on a lost connection, saying why.
 */
static int pump(struct client *c, int extra_fd, int timeout_ms)
{
	struct pollfd p[3] = {
		{ .fd = wl_display_get_fd(c->dpy), .events = POLLIN },
		{ .fd = c->stdin_eof ? -1 : 0, .events = POLLIN },
		{ .fd = extra_fd, .events = POLLIN },
	};
	int ret = 0;

	while (wl_display_prepare_read(c->dpy))
		if (wl_display_dispatch_pending(c->dpy) < 0)
			connection_lost(c);
	if (wl_display_flush(c->dpy) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(c->dpy);
		connection_lost(c);
	}
	if (poll(p, 3, timeout_ms) < 0 && errno != EINTR) {
		wl_display_cancel_read(c->dpy);
		die("poll");
	}
	if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
		if (wl_display_read_events(c->dpy) < 0)
			connection_lost(c);
	} else {
		wl_display_cancel_read(c->dpy);
	}
	if (wl_display_dispatch_pending(c->dpy) < 0)
		connection_lost(c);
	if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
		read_stdin(c);
	if (extra_fd >= 0 && p[2].revents & (POLLIN | POLLERR | POLLHUP))
		ret = 1;
	return ret;
}

static void wait_flag(struct client *c, const bool *flag, double secs,
		      const char *what)
{
	double end = now_s() + secs;

	while (!*flag) {
		if (now_s() > end)
			timeout(what);
		pump(c, -1, 200);
	}
}

/*
 * Waits for the script's next "go [HOLD_MS]" line (an hour at most) and
 * returns HOLD_MS (0 if none); leaves when standard input closes.
 */
static unsigned long wait_go(struct client *c)
{
	double end = now_s() + 3600;

	for (;;) {
		if (c->have_cmd) {
			c->have_cmd = false;
			if (!strncmp(c->cmd, "go", 2))
				return strtoul(c->cmd + 2, NULL, 0);
		}
		if (c->stdin_eof) {
			say("bye", NULL);
			exit(0);
		}
		if (now_s() > end)
			timeout("the script's next step");
		pump(c, -1, 500);
	}
}

/* The status of a sync_file: 1 signalled, 0 pending, < 0 an error. */
static int fence_status(int fd)
{
	struct sync_file_info info = { 0 };

	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info))
		return -errno;
	return info.status;
}

/*
 * Writes @colour over @dst with the engine, done HOLD_MS after now: the
 * engine runs jobs in submission order, so jobs of at most 10 s each on
 * @scratch come first (no fence between them: a job waits for its
 * in-fences only job_timeout_ms). The last job's fence signals point
 * @point of @syncobj if @syncobj is not 0; returns it as a sync_file.
 */
static int held_fill(struct vbuf *scratch, struct vbuf *dst, uint32_t colour,
		     unsigned long hold_ms, uint32_t syncobj, uint64_t point)
{
	struct drm_vshare_submit s;

	while (hold_ms > MAX_JOB_DELAY_MS) {
		s = (struct drm_vshare_submit){
			.op = VSHARE_JOB_FILL, .dst_handle = scratch->handle,
			.size = 4096, .delay_ms = MAX_JOB_DELAY_MS,
		};
		if (ioctl(scratch->fd, DRM_IOCTL_VSHARE_SUBMIT, &s))
			die("submit (hold)");
		hold_ms -= MAX_JOB_DELAY_MS;
	}
	s = (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .flags = VSHARE_SUBMIT_OUT_SYNC_FILE,
		.dst_handle = dst->handle, .size = dst->size,
		.value = 0xff000000u | colour, .delay_ms = hold_ms,
		.out_syncobj = syncobj, .out_syncobj_point = point,
	};
	if (ioctl(dst->fd, DRM_IOCTL_VSHARE_SUBMIT, &s))
		die("submit (fill)");
	return s.out_fence_fd;
}

/*
 * Whether the compositor's event loop runs while a job is pending: a
 * wl_display.sync sent @after seconds past @t0, and when it came back.
 */
struct probe {
	double t0, sent;
	bool answered, said;
	struct wl_callback *cb;
};

static void probe_poll(struct client *c, struct probe *p)
{
	if (!p->cb && now_s() >= p->t0 + 1.0) {
		p->sent = now_s();
		p->cb = wl_display_sync(c->dpy);
		wl_callback_add_listener(p->cb, &flag_listener, &p->answered);
	}
	if (p->answered && !p->said) {
		p->said = true;
		say("sync-answered", "sent=+%.1fs answered=+%.1fs",
		    p->sent - p->t0, now_s() - p->t0);
	}
}

static int show(const char *exporter, uint32_t w, uint32_t h, uint32_t seed,
		uint32_t step)
{
	struct client c = { 0 };
	struct wl_buffer *buffer;
	struct vbuf b;
	bool shown;

	connect_client(&c);
	vbuf_create(open_driver(exporter), w, h, &b);
	vbuf_pattern(&b, seed, step);
	munmap(b.map, b.size);
	buffer = vbuf_wl(&c, &b);

	make_window(&c);
	attach(&c, buffer, &shown);
	wl_surface_commit(c.surface);
	while (!shown)
		if (wl_display_dispatch(c.dpy) < 0)
			die("wl_display_dispatch");
	printf("shown\n");
	fflush(stdout);
	/* Keep the surface up for the screenshot, until killed. */
	while (wl_display_dispatch(c.dpy) >= 0)
		;
	return 0;
}

/* zwp_linux_buffer_release_v1, for one commit. */
struct release {
	const char *name;
	bool done, fenced;
	int fence;
};

static void fenced_release(void *data, struct zwp_linux_buffer_release_v1 *r,
			   int32_t fd)
{
	struct release *rel = data;

	rel->done = rel->fenced = true;
	rel->fence = fd;
	say(rel->name, "fenced status=%d", fence_status(fd));
	zwp_linux_buffer_release_v1_destroy(r);
}

static void immediate_release(void *data,
			      struct zwp_linux_buffer_release_v1 *r)
{
	struct release *rel = data;

	rel->done = true;
	rel->fence = -1;
	say(rel->name, "immediate");
	zwp_linux_buffer_release_v1_destroy(r);
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = fenced_release,
	.immediate_release = immediate_release,
};

static void get_release(struct zwp_linux_surface_synchronization_v1 *sync,
			struct release *rel)
{
	rel->done = false;
	zwp_linux_buffer_release_v1_add_listener(
		zwp_linux_surface_synchronization_v1_get_release(sync),
		&release_listener, rel);
}

/*
 * weston, zwp_linux_explicit_synchronization_v1. Lines it prints:
 *   shown-a		A (colour 1) is on screen (its frame callback)
 *   ("go HOLD_MS")
 *   submitted		the FILL of colour 2 into B (old contents: SEED's
 *			pattern) is queued, to be done HOLD_MS from now
 *   committed		B is committed, with the job's out-fence as its
 *			acquire fence (ACQUIRE) or without (the negative
 *			control), and a release object
 *   sync-answered	a wl_display.sync sent 1 s after the commit came
 *			back (late if the compositor blocked on the fence)
 *   signalled		the job's fence signalled (status 1), or failed
 *   released-a		A's release event (fenced: the fence's status)
 *   release-fence-a	A's release fence signalled
 *   wrote-colour3	colour 3 written into A, only after all that
 *   frame-b		B's frame callback
 *   ("go")
 *   shown-a3		A committed again (colour 3) and on screen
 *   released-b		B's release event
 */
static int explicit_run(bool acquire, uint32_t w, uint32_t h, uint32_t seed)
{
	struct release rel_a = { .name = "released-a" };
	struct release rel_b = { .name = "released-b" };
	struct release rel_a3 = { .name = "released-a3" };
	struct zwp_linux_surface_synchronization_v1 *sync;
	bool shown, frame_b, said_frame_b = false, signalled = false;
	bool wrote = false;
	struct wl_buffer *wl_a, *wl_b;
	struct client c = { 0 };
	struct vbuf a, b, scratch;
	struct probe probe = { 0 };
	unsigned long hold;
	double end;
	int fd, fence;

	connect_client(&c);
	if (!c.explicit_sync) {
		printf("the compositor lacks zwp_linux_explicit_synchronization_v1\n");
		return 1;
	}
	fd = open_driver("vshare");
	vbuf_create(fd, w, h, &a);
	vbuf_solid(&a, COLOUR1);
	vbuf_create(fd, w, h, &b);
	vbuf_pattern(&b, seed, 0);
	vbuf_create(fd, 32, 32, &scratch);
	wl_a = vbuf_wl(&c, &a);
	wl_b = vbuf_wl(&c, &b);
	make_window(&c);
	sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
		c.explicit_sync, c.surface);

	attach(&c, wl_a, &shown);
	get_release(sync, &rel_a);
	wl_surface_commit(c.surface);
	wait_flag(&c, &shown, 120, "the first frame of A");
	say("shown-a", NULL);

	hold = wait_go(&c);
	fence = held_fill(&scratch, &b, COLOUR2, hold, 0, 0);
	say("submitted", "hold_ms=%lu", hold);
	attach(&c, wl_b, &frame_b);
	if (acquire)
		zwp_linux_surface_synchronization_v1_set_acquire_fence(sync,
								       fence);
	get_release(sync, &rel_b);
	wl_surface_commit(c.surface);
	wl_display_flush(c.dpy);
	probe.t0 = now_s();
	say("committed", "acquire_fence=%s", acquire ? "yes" : "no");

	/* The job's end, and A's release: then colour 3 into A. */
	end = now_s() + hold / 1000.0 + 120;
	while (!signalled || !wrote || !probe.said) {
		if (now_s() > end)
			timeout(!signalled ? "the job's fence" :
				!wrote ? "A's release" : "the sync probe");
		if (pump(&c, signalled ? -1 : fence, 100)) {
			signalled = true;
			say("signalled", "status=%d", fence_status(fence));
		}
		probe_poll(&c, &probe);
		if (frame_b && !said_frame_b) {
			said_frame_b = true;
			say("frame-b", NULL);
		}
		if (rel_a.done && !wrote) {
			if (rel_a.fenced) {
				struct pollfd p = { .fd = rel_a.fence,
						    .events = POLLIN };

				if (poll(&p, 1, 30000) != 1)
					timeout("A's release fence");
				say("release-fence-a", "status=%d",
				    fence_status(rel_a.fence));
			}
			vbuf_solid(&a, COLOUR3);
			wrote = true;
			say("wrote-colour3", NULL);
		}
	}

	wait_go(&c);
	attach(&c, wl_a, &shown);
	get_release(sync, &rel_a3);
	wl_surface_commit(c.surface);
	wait_flag(&c, &shown, 120, "the frame of A with colour 3");
	say("shown-a3", NULL);
	wait_flag(&c, &rel_b.done, 120, "B's release");
	for (;;)
		wait_go(&c);
}

#ifdef HAVE_SYNCOBJ
/* A timeline syncobj on @fd, and the compositor's handle to it. */
struct timeline {
	int fd;
	uint32_t handle;
	struct wp_linux_drm_syncobj_timeline_v1 *wl;
};

static void timeline_create(struct client *c, int fd, struct timeline *t)
{
	struct drm_syncobj_create create = { 0 };
	struct drm_syncobj_handle export = { 0 };

	if (ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create))
		die("DRM_IOCTL_SYNCOBJ_CREATE");
	export.handle = create.handle;
	if (ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &export))
		die("DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD");
	t->fd = fd;
	t->handle = create.handle;
	t->wl = wp_linux_drm_syncobj_manager_v1_import_timeline(c->syncobj,
								export.fd);
	close(export.fd);
}

static void timeline_signal(struct timeline *t, uint64_t point)
{
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)&t->handle,
		.points = (uintptr_t)&point, .count_handles = 1,
	};

	if (ioctl(t->fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a))
		die("DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL");
}

/*
 * DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT with WAIT_FOR_SUBMIT: true once @point
 * is signalled, false if not within @timeout_ms (the point may not even
 * exist yet).
 */
static bool timeline_wait(struct timeline *t, uint64_t point, int timeout_ms)
{
	struct drm_syncobj_timeline_wait wait = {
		.handles = (uintptr_t)&t->handle,
		.points = (uintptr_t)&point,
		.timeout_nsec = (int64_t)(now_s() * 1e9) +
				(int64_t)timeout_ms * 1000000,
		.count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};

	if (!ioctl(t->fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &wait))
		return true;
	if (errno != ETIME)
		die("DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT");
	return false;
}

static void set_points(struct wp_linux_drm_syncobj_surface_v1 *s,
		       struct timeline *acq, uint64_t acq_point,
		       struct timeline *rel, uint64_t rel_point)
{
	if (acq)
		wp_linux_drm_syncobj_surface_v1_set_acquire_point(s, acq->wl,
			acq_point >> 32, acq_point & 0xffffffff);
	if (rel)
		wp_linux_drm_syncobj_surface_v1_set_release_point(s, rel->wl,
			rel_point >> 32, rel_point & 0xffffffff);
}

/* B's acquire point on its timeline; its release point is the next. */
#define POINT_N		10

/*
 * sway (wlroots), wp_linux_drm_syncobj_v1. Two timelines on the vshare
 * device: T0 for A (acquire points signalled by the CPU, release points
 * signalled by the compositor) and T for B, so that nothing signals a
 * later point of T before sway releases B (a timeline point counts as
 * signalled once any later one is). Lines it prints:
 *   shown-a		A (colour 1; acquire T0:1, release T0:2) is shown
 *   ("go HOLD_MS")
 *   committed		B committed with acquire point T:N, release point
 *			T:N+1, before any job exists for T:N: wlroots holds
 *			such a commit back until the point materializes
 *   ("go")
 *   submitted		the held-back FILL (colour 2 into B, old contents
 *			SEED's pattern) that signals T:N, queued
 *   sync-answered	as for weston, 1 s after the submission
 *   signalled		the job's fence signalled
 *   released-a		T0:2 signalled: sway is done with A
 *   wrote-colour3	colour 3 written into A, only after that
 *   frame-b		B's frame callback
 *   b-held		yes if T:N+1 is not signalled while B is shown
 *   ("go")
 *   shown-a3		A again (colour 3; acquire T0:3, release T0:4)
 *   released-b		T:N+1 signalled once A replaced B (waited for with
 *			DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, WAIT_FOR_SUBMIT)
 */
static int syncobj_run(uint32_t w, uint32_t h, uint32_t seed)
{
	struct wp_linux_drm_syncobj_surface_v1 *ss;
	bool shown, frame_b, said_frame_b = false, signalled = false;
	bool wrote = false;
	struct wl_buffer *wl_a, *wl_b;
	struct client c = { 0 };
	struct vbuf a, b, scratch;
	struct probe probe = { 0 };
	struct timeline t0, t;
	unsigned long hold;
	double end;
	int fd, fence;

	connect_client(&c);
	if (!c.syncobj) {
		printf("the compositor lacks wp_linux_drm_syncobj_manager_v1\n");
		return 1;
	}
	fd = open_driver("vshare");
	vbuf_create(fd, w, h, &a);
	vbuf_solid(&a, COLOUR1);
	vbuf_create(fd, w, h, &b);
	vbuf_pattern(&b, seed, 0);
	vbuf_create(fd, 32, 32, &scratch);
	wl_a = vbuf_wl(&c, &a);
	wl_b = vbuf_wl(&c, &b);
	timeline_create(&c, fd, &t0);
	timeline_create(&c, fd, &t);
	make_window(&c);
	ss = wp_linux_drm_syncobj_manager_v1_get_surface(c.syncobj, c.surface);

	timeline_signal(&t0, 1);
	attach(&c, wl_a, &shown);
	set_points(ss, &t0, 1, &t0, 2);
	wl_surface_commit(c.surface);
	wait_flag(&c, &shown, 120, "the first frame of A");
	say("shown-a", NULL);

	hold = wait_go(&c);
	attach(&c, wl_b, &frame_b);
	set_points(ss, &t, POINT_N, &t, POINT_N + 1);
	wl_surface_commit(c.surface);
	wl_display_flush(c.dpy);
	say("committed", "acquire=T:%d release=T:%d submitted=no", POINT_N,
	    POINT_N + 1);

	wait_go(&c);
	fence = held_fill(&scratch, &b, COLOUR2, hold, t.handle, POINT_N);
	probe.t0 = now_s();
	say("submitted", "hold_ms=%lu signals=T:%d", hold, POINT_N);

	end = now_s() + hold / 1000.0 + 120;
	while (!signalled || !wrote || !probe.said) {
		if (now_s() > end)
			timeout(!signalled ? "the job's fence" :
				!wrote ? "A's release point" :
				"the sync probe");
		if (pump(&c, signalled ? -1 : fence, 100)) {
			signalled = true;
			say("signalled", "status=%d", fence_status(fence));
		}
		probe_poll(&c, &probe);
		if (frame_b && !said_frame_b) {
			said_frame_b = true;
			say("frame-b", NULL);
		}
		if (!wrote && timeline_wait(&t0, 2, 0)) {
			say("released-a", "T0:2");
			vbuf_solid(&a, COLOUR3);
			wrote = true;
			say("wrote-colour3", NULL);
		}
	}
	/* Shown (its frame came) or not yet: B is sway's until replaced. */
	say("b-held", "%s", timeline_wait(&t, POINT_N + 1, 0) ? "no" : "yes");

	wait_go(&c);
	timeline_signal(&t0, 3);
	attach(&c, wl_a, &shown);
	set_points(ss, &t0, 3, &t0, 4);
	wl_surface_commit(c.surface);
	wait_flag(&c, &shown, 120, "the frame of A with colour 3");
	say("shown-a3", NULL);
	end = now_s() + 120;
	while (!timeline_wait(&t, POINT_N + 1, 0)) {
		if (now_s() > end)
			timeout("B's release point");
		pump(&c, -1, 100);
	}
	say("released-b", "T:%d", POINT_N + 1);
	for (;;)
		wait_go(&c);
}

/* A wl_shm buffer of colour 1. */
static struct wl_buffer *shm_buffer(struct client *c, uint32_t w, uint32_t h)
{
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer;
	size_t size = (size_t)w * h * 4, i;
	uint32_t *px;
	int fd = memfd_create("vshare_wayland", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, size))
		die("memfd");
	px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED)
		die("mmap memfd");
	for (i = 0; i < size / 4; i++)
		px[i] = 0xff000000u | COLOUR1;
	munmap(px, size);
	pool = wl_shm_create_pool(c->shm, fd, size);
	buffer = wl_shm_pool_create_buffer(pool, 0, w, h, w * 4,
					   WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
}

static const char *syncobj_error_name(int code)
{
	switch (code) {
	case WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_SURFACE:
		return "no_surface";
	case WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_UNSUPPORTED_BUFFER:
		return "unsupported_buffer";
	case WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER:
		return "no_buffer";
	case WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT:
		return "no_acquire_point";
	case WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_RELEASE_POINT:
		return "no_release_point";
	case WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS:
		return "conflicting_points";
	}
	return "?";
}

/*
 * One commit that breaks wp_linux_drm_syncobj_surface_v1's rules, on a
 * configured toplevel (so that no xdg_surface error comes first):
 *   no-acquire	a dma-buf and a release point, no acquire point:
 *		no_acquire_point
 *   conflicting	acquire and release point the same point of one
 *		timeline (wlroots refuses acquire >= release):
 *		conflicting_points
 *   no-buffer	both points and no buffer: no_buffer
 *   shm		a wl_shm buffer with both points. The protocol says
 *		unsupported_buffer, but it guarantees explicit sync only
 *		for dma-bufs and lets compositors support more: wlroots
 *		0.19 (types/wlr_linux_drm_syncobj_v1.c) never raises
 *		unsupported_buffer and shows the buffer. Either passes;
 *		the line says which.
 * Prints "result: ..." and exits 0 if that is what the rules say.
 */
static int syncobj_error(const char *kind, uint32_t w, uint32_t h)
{
	struct wp_linux_drm_syncobj_surface_v1 *ss;
	struct client c = { 0 };
	int expect = -1, code;
	const char *iface;
	struct timeline t;
	struct vbuf a;
	bool frame;
	double end;
	int fd;

	connect_client(&c);
	if (!c.syncobj) {
		printf("the compositor lacks wp_linux_drm_syncobj_manager_v1\n");
		return 1;
	}
	fd = open_driver("vshare");
	timeline_create(&c, fd, &t);
	make_window(&c);
	ss = wp_linux_drm_syncobj_manager_v1_get_surface(c.syncobj, c.surface);

	if (!strcmp(kind, "no-acquire")) {
		vbuf_create(fd, w, h, &a);
		vbuf_solid(&a, COLOUR1);
		attach(&c, vbuf_wl(&c, &a), &frame);
		set_points(ss, NULL, 0, &t, 2);
		expect = WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT;
	} else if (!strcmp(kind, "conflicting")) {
		vbuf_create(fd, w, h, &a);
		vbuf_solid(&a, COLOUR1);
		attach(&c, vbuf_wl(&c, &a), &frame);
		set_points(ss, &t, 5, &t, 5);
		expect = WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS;
	} else if (!strcmp(kind, "no-buffer")) {
		set_points(ss, &t, 1, &t, 2);
		expect = WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER;
	} else if (!strcmp(kind, "shm")) {
		if (!c.shm) {
			printf("the compositor lacks wl_shm\n");
			return 1;
		}
		timeline_signal(&t, 1);
		attach(&c, shm_buffer(&c, w, h), &frame);
		set_points(ss, &t, 1, &t, 2);
	} else {
		fprintf(stderr, "vshare_wayland: unknown kind %s\n", kind);
		return 2;
	}
	wl_surface_commit(c.surface);

	if (expect >= 0) {
		/* The error ends the connection: the roundtrip fails. */
		if (wl_display_roundtrip(c.dpy) >= 0) {
			printf("result: no protocol error, expected %s\n",
			       syncobj_error_name(expect));
			return 1;
		}
		code = protocol_error(&c, &iface);
		printf("result: protocol error %d (%s) on %s, expected %d (%s)\n",
		       code, syncobj_error_name(code), iface, expect,
		       syncobj_error_name(expect));
		return code == expect &&
		       !strcmp(iface,
			       wp_linux_drm_syncobj_surface_v1_interface.name) ?
		       0 : 1;
	}

	/* shm: refused with unsupported_buffer, or shown and released. */
	end = now_s() + 60;
	while (!frame && now_s() < end) {
		if (wl_display_roundtrip(c.dpy) < 0)
			break;
		if (!frame)
			usleep(100000);
	}
	code = protocol_error(&c, &iface);
	if (code >= 0) {
		printf("result: protocol error %d (%s) on %s\n", code,
		       syncobj_error_name(code), iface);
		return code == WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_UNSUPPORTED_BUFFER ?
		       0 : 1;
	}
	if (!frame) {
		printf("result: neither an error nor a frame within 60 s\n");
		return 1;
	}
	printf("result: accepted and shown (no unsupported_buffer error); release point %s\n",
	       timeline_wait(&t, 2, 30000) ? "signalled" :
	       "not signalled within 30 s");
	return 0;
}
#endif

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
			uint32_t want = test_card_xy(x, y, w, h, seed);

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

/* What a screenshot's W x H area shows, as one word (see the top). */
static int what(const char *file, uint32_t w, uint32_t h, uint32_t seed)
{
	static const uint32_t colours[] = { COLOUR1, COLOUR2, COLOUR3 };
	unsigned long pat = 0, same = 0, n[3] = { 0 };
	uint32_t x, y, *px, first;
	png_image img;
	int k;

	px = read_png(file, &img);
	if (!px)
		return 1;
	if (img.width < w || img.height < h) {
		fprintf(stderr, "vshare_wayland: %s is %ux%u, smaller than %ux%u\n",
			file, img.width, img.height, w, h);
		free(px);
		return 1;
	}
	first = px[0] & 0xffffff;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t got = px[y * img.width + x] & 0xffffff;

			pat += got == test_card_xy(x, y, w, h, seed);
			same += got == first;
			for (k = 0; k < 3; k++)
				n[k] += got == colours[k];
		}
	free(px);
	fprintf(stderr, "%s: %u pixels: %lu of the pattern, %lu colour1, %lu colour2, %lu colour3, %lu like the first (%06x)\n",
		file, w * h, pat, n[0], n[1], n[2], same, first);
	if (pat == (unsigned long)w * h) {
		printf("pattern\n");
		return 0;
	}
	for (k = 0; k < 3; k++)
		if (n[k] == (unsigned long)w * h) {
			printf("colour%d\n", k + 1);
			return 0;
		}
	if (same == (unsigned long)w * h)
		printf("solid-%06x\n", first);
	else
		printf("mixed\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "show"))
		return show(argv[2], atoi(argv[3]), atoi(argv[4]),
			    strtoul(argv[5], NULL, 0),
			    argc > 6 ? strtoul(argv[6], NULL, 0) : 0);
	if (argc == 6 && !strcmp(argv[1], "explicit") &&
	    (!strcmp(argv[2], "acquire") || !strcmp(argv[2], "none")))
		return explicit_run(!strcmp(argv[2], "acquire"), atoi(argv[3]),
				    atoi(argv[4]), strtoul(argv[5], NULL, 0));
	if (argc >= 2 && !strncmp(argv[1], "syncobj", 7)) {
#ifdef HAVE_SYNCOBJ
		if (argc == 5 && !strcmp(argv[1], "syncobj"))
			return syncobj_run(atoi(argv[2]), atoi(argv[3]),
					   strtoul(argv[4], NULL, 0));
		if (argc == 5 && !strcmp(argv[1], "syncobj-error"))
			return syncobj_error(argv[2], atoi(argv[3]),
					     atoi(argv[4]));
#else
		printf("vshare_wayland was built without wp_linux_drm_syncobj_v1 (see tests/gfx/Makefile)\n");
		return 1;
#endif
	}
	if (argc == 6 && !strcmp(argv[1], "check"))
		return check(argv[2], atoi(argv[3]), atoi(argv[4]),
			     strtoul(argv[5], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "what"))
		return what(argv[2], atoi(argv[3]), atoi(argv[4]),
			    strtoul(argv[5], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "square"))
		return square(argv[2]);
	fprintf(stderr, "usage: vshare_wayland show vshare|vgem W H SEED [STEP]\n"
		"       vshare_wayland explicit acquire|none W H SEED\n"
		"       vshare_wayland syncobj W H SEED\n"
		"       vshare_wayland syncobj-error no-acquire|conflicting|no-buffer|shm W H\n"
		"       vshare_wayland check FILE.png W H SEED\n"
		"       vshare_wayland what FILE.png W H SEED\n"
		"       vshare_wayland square FILE.png\n");
	return 2;
}
