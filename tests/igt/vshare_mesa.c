// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_mesa: Mesa imports vshare buffers. GBM on vkms (kms_swrast)
 * imports a vshare dma-buf and maps it; GBM runs on vshare's own card node
 * through its dumb buffers; EGL (llvmpipe, surfaceless and GBM platforms)
 * makes an EGLImage of a vshare dma-buf, and what GL reads from it is
 * compared pixel by pixel with what was written.
 *
 * Unlike the other tests this one links Mesa's libraries dynamically: it
 * runs in the guest root, which has them. llvmpipe is slow under qemu TCG
 * (tens of seconds for the first context).
 */

/**
 * TEST: vshare mesa
 * Category: Core
 * Description: Mesa (GBM, EGL and GL on llvmpipe) imports vshare buffers,
 *	and what it reads is compared pixel by pixel with what was written.
 *
 * SUBTEST: gbm-import
 * Description: GBM on vkms (kms_swrast) imports a read-write vshare
 *	dma-buf (linear XRGB8888, padded pitch) and maps it: every pixel as
 *	written.
 *
 * SUBTEST: gbm-import-read-only
 * Description: A read-only vshare dma-buf cannot become a GBM buffer that
 *	llvmpipe maps read-write: the import is refused, or gives a bo whose
 *	map fails cleanly, and nothing crashes.
 *
 * SUBTEST: gbm-import-mmap-fault
 * Description: Fault injection: with vshare's mmap failing, Mesa's GBM
 *	import on vkms fails cleanly (no bo, or a bo that cannot be mapped),
 *	and works again once disarmed.
 *
 * SUBTEST: gbm-on-vshare
 * Description: GBM runs on vshare's card node (dumb buffers): a linear
 *	buffer written through gbm_bo_map, exported with gbm_bo_get_fd, reads
 *	back the same in vshare device 1.
 *
 * SUBTEST: egl-import-surfaceless
 * Description: EGL_EXT_image_dma_buf_import on the surfaceless platform:
 *	an EGLImage of a vshare dma-buf, as a texture read back through an
 *	FBO, equals what was written.
 *
 * SUBTEST: egl-import-gbm
 * Description: The same on the GBM platform of vkms.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>
#include <gbm.h>

#include <drm_fourcc.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define WIDTH	256
#define HEIGHT	128

struct image {
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
	int dmabuf;
	uint32_t *ref;	/* XRGB8888 pixels as written, pitch = WIDTH * 4 */
};

/*
 * A vshare buffer of WIDTH x HEIGHT XRGB8888 pixels (pattern_xy(): X is
 * garbage on purpose, importers must ignore it), written through its mmap
 * with a pitch wider than the row, exported with @flags.
 */
static void image_create(int fd, struct image *img, uint32_t seed,
			 uint32_t flags)
{
	uint32_t x, y;
	uint8_t *map;

	img->pitch = WIDTH * 4 + 256;
	img->size = (uint64_t)img->pitch * HEIGHT;
	img->handle = vshare_create(fd, img->size);
	img->ref = malloc(WIDTH * HEIGHT * 4);
	igt_assert(img->ref);
	map = vshare_mmap(fd, img->handle, img->size, PROT_READ | PROT_WRITE);
	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++) {
			img->ref[y * WIDTH + x] = pattern_xy(x, y, seed);
			((uint32_t *)(map + y * img->pitch))[x] = pattern_xy(x, y, seed);
		}
	munmap(map, img->size);
	img->dmabuf = prime_handle_to_fd(fd, img->handle, flags);
}

static void image_destroy(int fd, struct image *img)
{
	close(img->dmabuf);
	gem_close(fd, img->handle);
	free(img->ref);
}

/* Rows of XRGB8888 pixels at @pitch against the reference, X ignored. */
static unsigned long count_bad(const struct image *img, const uint8_t *map,
			       uint32_t pitch)
{
	unsigned long bad = 0;
	uint32_t x, y;

	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++) {
			uint32_t got = ((const uint32_t *)(map + y * pitch))[x];
			uint32_t want = img->ref[y * WIDTH + x];

			if ((got ^ want) & 0xffffff && !bad++)
				igt_info("first bad pixel (%u, %u): %#x, expected %#x\n",
					 x, y, got, want);
		}
	return bad;
}

static struct gbm_device *gbm_device(int fd)
{
	/* Mesa's loader tries zink first on a device it does not know. */
	int saved = stderr_mute();
	struct gbm_device *gbm = gbm_create_device(fd);

	stderr_restore(saved);
	igt_assert_f(gbm, "gbm_create_device failed\n");
	return gbm;
}

static struct gbm_bo *gbm_import(struct gbm_device *gbm,
				 const struct image *img)
{
	struct gbm_import_fd_modifier_data data = {
		.width = WIDTH, .height = HEIGHT,
		.format = GBM_FORMAT_XRGB8888, .num_fds = 1,
		.fds = { img->dmabuf }, .strides = { img->pitch },
		.modifier = DRM_FORMAT_MOD_LINEAR,
	};

	return gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &data,
			     GBM_BO_USE_LINEAR);
}

/* What GL reads from a texture of the image through an FBO, as XRGB. */
static unsigned long egl_check(EGLDisplay dpy, const struct image *img)
{
	PFNEGLCREATEIMAGEKHRPROC create_image =
		(void *)eglGetProcAddress("eglCreateImageKHR");
	PFNEGLDESTROYIMAGEKHRPROC destroy_image =
		(void *)eglGetProcAddress("eglDestroyImageKHR");
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC target_texture =
		(void *)eglGetProcAddress("glEGLImageTargetTexture2DOES");
	const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	const EGLint img_attrs[] = {
		EGL_WIDTH, WIDTH, EGL_HEIGHT, HEIGHT,
		EGL_LINUX_DRM_FOURCC_EXT, DRM_FORMAT_XRGB8888,
		EGL_DMA_BUF_PLANE0_FD_EXT, img->dmabuf,
		EGL_DMA_BUF_PLANE0_OFFSET_EXT, 0,
		EGL_DMA_BUF_PLANE0_PITCH_EXT, (EGLint)img->pitch,
		EGL_NONE,
	};
	unsigned long bad = 0;
	uint8_t *rgba, *xrgb;
	EGLContext ctx;
	EGLImageKHR image;
	GLuint tex, fbo;
	uint32_t x, y;
	const char *exts;

	exts = eglQueryString(dpy, EGL_EXTENSIONS);
	igt_require_f(exts && strstr(exts, "EGL_EXT_image_dma_buf_import"),
		      "no EGL_EXT_image_dma_buf_import\n");
	igt_assert(create_image && destroy_image && target_texture);
	igt_assert(eglBindAPI(EGL_OPENGL_ES_API));
	ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT,
			       ctx_attrs);
	igt_assert_f(ctx != EGL_NO_CONTEXT, "eglCreateContext: %#x\n",
		     eglGetError());
	igt_assert(eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx));
	igt_info("GL renderer: %s\n", glGetString(GL_RENDERER));

	image = create_image(dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL,
			     img_attrs);
	igt_assert_f(image != EGL_NO_IMAGE_KHR, "eglCreateImageKHR: %#x\n",
		     eglGetError());
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	target_texture(GL_TEXTURE_2D, image);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
			       GL_TEXTURE_2D, tex, 0);
	igt_assert_eq(glCheckFramebufferStatus(GL_FRAMEBUFFER),
		      GL_FRAMEBUFFER_COMPLETE);

	rgba = malloc(WIDTH * HEIGHT * 4);
	xrgb = malloc(WIDTH * HEIGHT * 4);
	igt_assert(rgba && xrgb);
	glReadPixels(0, 0, WIDTH, HEIGHT, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
	igt_assert_eq(glGetError(), GL_NO_ERROR);
	/* Row 0 of the texture is the first row of the buffer. */
	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++) {
			const uint8_t *p = rgba + (y * WIDTH + x) * 4;

			((uint32_t *)xrgb)[y * WIDTH + x] =
				p[0] << 16 | p[1] << 8 | p[2];
		}
	bad = count_bad(img, xrgb, WIDTH * 4);

	free(rgba);
	free(xrgb);
	glDeleteFramebuffers(1, &fbo);
	glDeleteTextures(1, &tex);
	destroy_image(dpy, image);
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
	return bad;
}

static EGLDisplay platform_display(EGLenum platform, void *native)
{
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
		(void *)eglGetProcAddress("eglGetPlatformDisplayEXT");
	EGLDisplay dpy;
	EGLBoolean ok;
	int saved;

	igt_require(get_display);
	saved = stderr_mute();
	dpy = get_display(platform, native, NULL);
	ok = dpy != EGL_NO_DISPLAY && eglInitialize(dpy, NULL, NULL);
	stderr_restore(saved);
	igt_require_f(dpy != EGL_NO_DISPLAY, "no EGL display for %#x\n",
		      platform);
	igt_assert_f(ok, "eglInitialize: %#x\n", eglGetError());
	return dpy;
}

static void test_gbm_import(int vs, int vkms)
{
	struct gbm_device *gbm;
	struct image img;
	struct gbm_bo *bo;
	uint32_t stride;
	void *data = NULL, *map;

	igt_require_f(vkms >= 0, "no vkms\n");
	gbm = gbm_device(vkms);
	igt_info("GBM backend: %s\n", gbm_device_get_backend_name(gbm));
	image_create(vs, &img, 1, DRM_CLOEXEC | DRM_RDWR);
	bo = gbm_import(gbm, &img);
	igt_assert_f(bo, "gbm_bo_import: %m\n");
	igt_assert_eq(gbm_bo_get_width(bo), WIDTH);
	igt_assert_eq(gbm_bo_get_stride(bo), img.pitch);
	map = gbm_bo_map(bo, 0, 0, WIDTH, HEIGHT, GBM_BO_TRANSFER_READ,
			 &stride, &data);
	igt_assert_f(map, "gbm_bo_map: %m\n");
	igt_assert_eq(count_bad(&img, map, stride), 0);
	gbm_bo_unmap(bo, data);
	gbm_bo_destroy(bo);
	image_destroy(vs, &img);
	gbm_device_destroy(gbm);
}

static void test_gbm_import_read_only(int vs, int vkms)
{
	struct gbm_device *gbm;
	struct image img;
	struct gbm_bo *bo;
	uint32_t stride;
	void *data = NULL, *map = NULL;

	igt_require_f(vkms >= 0, "no vkms\n");
	gbm = gbm_device(vkms);
	image_create(vs, &img, 2, DRM_CLOEXEC);
	/*
	 * Mesa 26 (kms_swrast) makes the bo, then cannot map it: its
	 * read-write mmap of the dma-buf is refused, and its fallback
	 * (MAP_DUMB of an imported object) too.
	 */
	bo = gbm_import(gbm, &img);
	if (bo) {
		map = gbm_bo_map(bo, 0, 0, WIDTH, HEIGHT,
				 GBM_BO_TRANSFER_READ_WRITE, &stride, &data);
		if (map)
			gbm_bo_unmap(bo, data);
		gbm_bo_destroy(bo);
	}
	/* Refusing the import is as good as refusing the mapping. */
	igt_info("read-only import: bo %s, read-write map %s\n",
		 bo ? "made" : "refused", map ? "made" : "refused");
	igt_assert_f(!map, "a read-only dma-buf was mapped read-write\n");
	image_destroy(vs, &img);
	gbm_device_destroy(gbm);
}

static void test_gbm_import_mmap_fault(int vs, int vkms)
{
	struct gbm_device *gbm;
	struct image img;
	struct gbm_bo *bo;
	uint32_t stride;
	void *data = NULL, *map = NULL;

	igt_require_f(vkms >= 0, "no vkms\n");
	vshare_require_faults();
	gbm = gbm_device(vkms);
	image_create(vs, &img, 6, DRM_CLOEXEC | DRM_RDWR);
	vshare_fault_arm("mmap", 100);
	bo = gbm_import(gbm, &img);
	if (bo)
		map = gbm_bo_map(bo, 0, 0, WIDTH, HEIGHT,
				 GBM_BO_TRANSFER_READ, &stride, &data);
	vshare_fault_disarm("mmap");
	igt_info("with mmap failing: bo %s, map %s\n",
		 bo ? "made" : "refused", map ? "made" : "refused");
	igt_assert(!map);
	if (bo)
		gbm_bo_destroy(bo);

	bo = gbm_import(gbm, &img);
	igt_assert(bo);
	map = gbm_bo_map(bo, 0, 0, WIDTH, HEIGHT, GBM_BO_TRANSFER_READ,
			 &stride, &data);
	igt_assert(map);
	igt_assert_eq(count_bad(&img, map, stride), 0);
	gbm_bo_unmap(bo, data);
	gbm_bo_destroy(bo);
	image_destroy(vs, &img);
	gbm_device_destroy(gbm);
}

static void test_gbm_on_vshare(void)
{
	int card = drm_open_driver_require("vshare", NODE_PRIMARY, 0);
	int vs1 = drm_open_driver_require("vshare", NODE_RENDER, 1);
	uint32_t stride, x, y, imported, *buf;
	struct gbm_device *gbm;
	struct gbm_bo *bo;
	void *data = NULL;
	uint8_t *map;
	int fd;

	gbm = gbm_device(card);
	igt_info("GBM backend: %s\n", gbm_device_get_backend_name(gbm));
	bo = gbm_bo_create(gbm, WIDTH, HEIGHT, GBM_FORMAT_XRGB8888,
			   GBM_BO_USE_LINEAR | GBM_BO_USE_SCANOUT);
	igt_assert_f(bo, "gbm_bo_create: %m\n");
	map = gbm_bo_map(bo, 0, 0, WIDTH, HEIGHT, GBM_BO_TRANSFER_WRITE,
			 &stride, &data);
	igt_assert_f(map, "gbm_bo_map: %m\n");
	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++)
			((uint32_t *)(map + y * stride))[x] =
				pattern_xy(x, y, 3);
	gbm_bo_unmap(bo, data);

	fd = gbm_bo_get_fd(bo);
	igt_assert_lte(0, fd);
	imported = prime_fd_to_handle(vs1, fd);
	buf = malloc((size_t)stride * HEIGHT);
	igt_assert(buf);
	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < stride / 4; x++)
			buf[y * stride / 4 + x] = x < WIDTH ?
				pattern_xy(x, y, 3) : 0;
	/* Only the pixels are known: compare row by row. */
	for (y = 0; y < HEIGHT; y++)
		igt_assert_eq_u32(vshare_crc32(vs1, imported,
					       (uint64_t)y * stride,
					       WIDTH * 4),
				  crc32_ieee(buf + y * stride / 4,
					     WIDTH * 4));
	free(buf);
	gem_close(vs1, imported);
	close(fd);
	gbm_bo_destroy(bo);
	gbm_device_destroy(gbm);
	drm_close(vs1);
	drm_close(card);
}

static void test_egl_import_surfaceless(int vs)
{
	struct image img;
	EGLDisplay dpy;

	dpy = platform_display(EGL_PLATFORM_SURFACELESS_MESA,
			       EGL_DEFAULT_DISPLAY);
	image_create(vs, &img, 4, DRM_CLOEXEC | DRM_RDWR);
	igt_assert_eq(egl_check(dpy, &img), 0);
	image_destroy(vs, &img);
	eglTerminate(dpy);
}

static void test_egl_import_gbm(int vs, int vkms)
{
	struct gbm_device *gbm;
	struct image img;
	EGLDisplay dpy;

	igt_require_f(vkms >= 0, "no vkms\n");
	gbm = gbm_device(vkms);
	dpy = platform_display(EGL_PLATFORM_GBM_KHR, gbm);
	image_create(vs, &img, 5, DRM_CLOEXEC | DRM_RDWR);
	igt_assert_eq(egl_check(dpy, &img), 0);
	image_destroy(vs, &img);
	eglTerminate(dpy);
	gbm_device_destroy(gbm);
}

int igt_main()
{
	int vs = -1, vkms = -1;

	igt_fixture() {
		vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		vkms = drm_open_driver_nth("vkms", NODE_PRIMARY, 0);
		/*
		 * No GPU: llvmpipe, without probing for Vulkan (zink), whose
		 * failure Mesa reports on stderr (igt_runner: "warn").
		 */
		setenv("LIBGL_ALWAYS_SOFTWARE", "1", 0);
		setenv("GALLIUM_DRIVER", "llvmpipe", 0);
		/*
		 * With a Vulkan driver installed (lavapipe), Mesa's loader
		 * tries zink for a DRM device it has no driver for: keep GBM
		 * on kms_swrast, llvmpipe over dumb buffers, as without it.
		 */
		setenv("MESA_LOADER_DRIVER_OVERRIDE", "kms_swrast", 0);
	}

	igt_describe("GBM on vkms imports and maps a vshare dma-buf, every "
		     "pixel as written.");
	igt_subtest("gbm-import")
		test_gbm_import(vs, vkms);

	igt_describe("A read-only vshare dma-buf never becomes a writable GBM "
		     "mapping.");
	igt_subtest("gbm-import-read-only")
		test_gbm_import_read_only(vs, vkms);

	igt_describe("With vshare's mmap failing, GBM's import fails cleanly, "
		     "then works.");
	igt_subtest("gbm-import-mmap-fault")
		test_gbm_import_mmap_fault(vs, vkms);

	igt_describe("GBM runs on vshare's card node, and its buffers share "
		     "with device 1.");
	igt_subtest("gbm-on-vshare")
		test_gbm_on_vshare();

	igt_describe("EGL on the surfaceless platform reads a vshare dma-buf "
		     "as written.");
	igt_subtest("egl-import-surfaceless")
		test_egl_import_surfaceless(vs);

	igt_describe("EGL on vkms's GBM platform reads a vshare dma-buf as "
		     "written.");
	igt_subtest("egl-import-gbm")
		test_egl_import_gbm(vs, vkms);

	igt_fixture() {
		if (vkms >= 0)
			drm_close(vkms);
		drm_close(vs);
	}
}
