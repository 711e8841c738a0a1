// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_bpf: vshare buffers as the kernel's dma-buf BPF iterator lists
 * them, the way tools built on it (bpftool, memory profilers) see them.
 */

/**
 * TEST: vshare bpf
 * Category: Core
 * Description: vshare buffers seen through the dma-buf BPF iterator.
 *
 * SUBTEST: dmabuf-iter
 * Description: The dma-buf BPF iterator (Linux 6.16+, a kernel with BTF)
 *	lists a vshare export with its inode, size, exporter "vshare" and the
 *	name set with DMA_BUF_SET_NAME, and a CREATE_DMABUF buffer without a
 *	name; once closed, the first is no longer listed.
 */

#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/dma-buf.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define ITER_OBJ	"dmabuf_iter.bpf.o"

/* libbpf's messages go to stdout: stderr output marks a subtest "warn". */
static int libbpf_to_stdout(enum libbpf_print_level level, const char *fmt,
			    va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vprintf(fmt, args);
}

/* Where the iterator's object is: next to this binary. */
static void iter_obj_path(char *path, size_t len)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	igt_assert_lt(0, n);
	exe[n] = '\0';
	snprintf(path, len, "%s/" ITER_OBJ, dirname(exe));
}

/* One pass of the iterator: every dma-buf in the system, one per line. */
static char *dmabuf_list(void)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_link *link;
	char path[600], *text;
	int err;

	iter_obj_path(path, sizeof(path));
	obj = bpf_object__open_file(path, NULL);
	igt_assert_f(!libbpf_get_error(obj), "%s: cannot open\n", path);
	err = bpf_object__load(obj);
	/* libbpf finds no bpf_iter_dmabuf in the kernel's BTF: before 6.16. */
	igt_require_f(err != -ESRCH, "no dma-buf iterator in this kernel\n");
	igt_assert_eq(err, 0);
	prog = bpf_object__find_program_by_name(obj, "vshare_dmabufs");
	igt_assert(prog);
	link = bpf_program__attach_iter(prog, NULL);
	igt_assert(!libbpf_get_error(link));
	text = vshare_read_all(bpf_iter_create(bpf_link__fd(link)));
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return text;
}

/* The line the iterator prints for a dma-buf fd of @size named @name. */
static void expected_line(char *line, size_t len, int dmabuf, size_t size,
			  const char *name)
{
	struct stat st;

	igt_assert_eq(fstat(dmabuf, &st), 0);
	snprintf(line, len, "\n%lu %zu vshare '%s'\n",
		 (unsigned long)st.st_ino, size, name);
}

static bool listed(const char *list, const char *line)
{
	char *text;
	bool found;

	/* The list's first line has no newline before it. */
	igt_assert(asprintf(&text, "\n%s", list) > 0);
	found = strstr(text, line);
	free(text);
	return found;
}

static void test_dmabuf_iter(int fd)
{
	const size_t named_size = 5 * 4096, plain_size = 3 * 4096;
	struct drm_vshare_create_dmabuf c = {
		.size = plain_size, .fd_flags = DRM_CLOEXEC | DRM_RDWR,
	};
	char named_line[128], plain_line[128], *list;
	const char *name = "vshare-bpf-test";
	uint32_t handle;
	int named;

	igt_require_f(access("/sys/kernel/btf/vmlinux", R_OK) == 0,
		      "kernel built without BTF\n");
	libbpf_set_print(libbpf_to_stdout);

	handle = vshare_create(fd, named_size);
	named = prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR);
	do_ioctl(named, DMA_BUF_SET_NAME_B, (void *)name);
	do_ioctl(fd, DRM_IOCTL_VSHARE_CREATE_DMABUF, &c);
	expected_line(named_line, sizeof(named_line), named, named_size, name);
	expected_line(plain_line, sizeof(plain_line), c.fd, plain_size, "");

	list = dmabuf_list();
	igt_info("the iterator lists %zu bytes of dma-bufs\n", strlen(list));
	igt_assert_f(listed(list, named_line), "not listed:%s%s",
		     named_line, list);
	igt_assert_f(listed(list, plain_line), "not listed:%s%s",
		     plain_line, list);
	free(list);

	close(named);
	gem_close(fd, handle);
	list = dmabuf_list();
	igt_assert_f(!listed(list, named_line), "still listed:%s", named_line);
	igt_assert(listed(list, plain_line));
	free(list);
	close(c.fd);
}

int igt_main()
{
	int fd = -1;

	igt_fixture() {
		fd = drm_open_driver_require("vshare", NODE_RENDER, 0);
	}

	igt_describe("The dma-buf BPF iterator lists vshare buffers with "
		     "their size, exporter and name.");
	igt_subtest("dmabuf-iter")
		test_dmabuf_iter(fd);

	igt_fixture() {
		drm_close(fd);
	}
}
