// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * vshare: command-line tool for vshare devices, with libdrm.
 *
 *   vshare list              vshare devices and their buffers
 *   vshare create ...        make a buffer with a pattern, hand its dma-buf
 *                            to another program over a Unix socket
 *   vshare import ...        take a dma-buf from a Unix socket, import it
 *                            into any DRM device, verify its contents
 *   vshare stats             memory totals and module parameters
 *   vshare device create ... a device described in configfs, enabled
 *   vshare device remove ... a configfs device unplugged and removed
 *
 * Exit status: 0 on success, 1 on a runtime error or a content mismatch,
 * 2 on a usage error.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <libgen.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "configfs.h"
#include "crc32.h"
#include "drm_open.h"
#include "pattern.h"
#include "vshare_drm.h"

static const char *cmd = "vshare";

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

#define usage_error(...)	fail(2, __VA_ARGS__)
#define runtime_error(...)	fail(1, __VA_ARGS__)

/* A size with an optional K, M or G suffix (powers of 1024). */
static uint64_t parse_size(const char *opt, const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (errno || *end || !v || *s == '-')
		usage_error("%s: invalid size '%s'", opt, s);
	return v;
}

/* A pattern: "seed:N" (pseudo-random words) or "value:X" (one word). */
struct pattern {
	bool seeded;
	uint32_t n;
};

static struct pattern parse_pattern(const char *s)
{
	struct pattern p = { 0 };
	char *end;

	if (!strncmp(s, "seed:", 5)) {
		p.seeded = true;
		s += 5;
	} else if (!strncmp(s, "value:", 6)) {
		s += 6;
	} else {
		usage_error("--pattern: '%s' is neither seed:N nor value:X", s);
	}
	errno = 0;
	p.n = strtoul(s, &end, 0);
	if (errno || *end || !*s)
		usage_error("--pattern: invalid number '%s'", s);
	return p;
}

/* Word @i of a pattern: see pattern.h for the seeded one. */
static uint32_t word(const struct pattern *p, uint64_t i)
{
	return p->seeded ? pattern_word(i, p->n) : p->n;
}

/* Index of the first word that differs, or -1. */
static int64_t pattern_check(const struct pattern *p, const uint32_t *buf,
			     uint64_t size)
{
	uint64_t i;

	for (i = 0; i < size / 4; i++)
		if (buf[i] != word(p, i))
			return i;
	return -1;
}

/* Opens the Nth vshare node of a kind ("card" or "renderD"), or -1. */
static int open_vshare(const char *kind, int nth, char *path, size_t len)
{
	return drm_open_driver_node("vshare", kind, nth, path, len);
}

static int open_device(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		runtime_error("%s: %s", path, strerror(errno));
	return fd;
}

/* The debugfs directory of a DRM node: dri/<minor of its card node>. */
static bool debugfs_file(int fd, const char *name, char *path, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return false;
	/* Render nodes are minors 128+; debugfs is under the card's minor. */
	snprintf(path, len, "/sys/kernel/debug/dri/%u/%s",
		 minor(st.st_rdev) & 127, name);
	return access(path, R_OK) == 0;
}

static void print_file(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		runtime_error("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		printf("%s%s", prefix, line);
	fclose(f);
}

/* The platform device ("vshare.2") a DRM node belongs to. */
static bool pdev_of(int fd, char *pdev, size_t len)
{
	char link[64], target[256];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return false;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	snprintf(pdev, len, "%s", basename(target));
	return true;
}

/* A configfs device's configuration, as "key=value ..." on one line. */
static void print_config(const char *name)
{
	const char *const *key;
	char value[64];

	for (key = vshare_config_keys; *key; key++) {
		if (vshare_cfs_read(name, *key, value, sizeof(value)))
			snprintf(value, sizeof(value), "?");
		printf("%s%s=%s", key == vshare_config_keys ? "" : " ", *key,
		       value);
	}
	putchar('\n');
}

/*
 * Where a device comes from: "vshare.2, configfs NAME: key=value ..." for
 * a configfs device, "vshare.0, module default" for the module's own.
 */
static void print_origin(int fd)
{
	char pdev[64], name[256];

	if (!pdev_of(fd, pdev, sizeof(pdev))) {
		printf("platform device unknown\n");
		return;
	}
	if (vshare_cfs_find(pdev, name, sizeof(name))) {
		printf("%s, module default\n", pdev);
		return;
	}
	printf("%s, configfs %s: ", pdev, name);
	print_config(name);
}

/* The configfs devices that are only descriptions (not enabled). */
static void list_disabled(void)
{
	struct dirent *de;
	char enabled[8];
	DIR *dir;

	dir = opendir(VSHARE_CONFIGFS_DIR);
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' ||
		    vshare_cfs_read(de->d_name, "enabled", enabled,
				    sizeof(enabled)) || strcmp(enabled, "0"))
			continue;
		printf("configfs device %s (not enabled): ", de->d_name);
		print_config(de->d_name);
	}
	if (dir)
		closedir(dir);
}

static bool want_help(int argc, char **argv, const char *help)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return true;
		}
	return false;
}

static const char list_help[] =
"usage: vshare list\n"
"Lists the vshare devices (card and render node, driver version, platform\n"
"device, and the configuration of those made in configfs) and, where\n"
"debugfs is readable, the buffers of each (vshare_buffers); then the\n"
"configfs devices that are not enabled.\n";

static int cmd_list(int argc, char **argv)
{
	char card[300], render[300], path[300];
	int i, fd, rfd;

	if (want_help(argc, argv, list_help))
		return 0;
	if (argc > 1)
		usage_error("unexpected argument '%s'", argv[1]);
	for (i = 0; (fd = open_vshare("card", i, card, sizeof(card))) >= 0; i++) {
		drmVersionPtr v = drmGetVersion(fd);

		rfd = open_vshare("renderD", i, render, sizeof(render));
		printf("vshare device %d: %s %s, version %d.%d.%d\n", i, card,
		       rfd >= 0 ? render : "(no render node)", v->version_major,
		       v->version_minor, v->version_patchlevel);
		drmFreeVersion(v);
		printf("  ");
		print_origin(fd);
		if (debugfs_file(fd, "vshare_buffers", path, sizeof(path)))
			print_file(path, "  ");
		else
			printf("  (buffers: debugfs not readable; mount it and run as root)\n");
		if (rfd >= 0)
			close(rfd);
		close(fd);
	}
	if (!i)
		runtime_error("no vshare device (is the module loaded?)");
	list_disabled();
	return 0;
}

static const char create_help[] =
"usage: vshare create --size SIZE --send SOCKET [--pattern P] [--device N]\n"
"                     [--contiguous] [--wc] [--read-only]\n"
"Creates a buffer on vshare device N (default 0), fills it with P\n"
"(seed:N for pseudo-random words, value:X for one word; default seed:1),\n"
"exports it as a dma-buf (read-write unless --read-only), listens on the\n"
"Unix socket SOCKET, hands the dma-buf to the first program that connects\n"
"(SCM_RIGHTS) and exits once that program closes the connection.\n"
"SIZE takes K, M or G suffixes.\n";

static void send_fd(const char *sock_path, int dmabuf, uint64_t size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { &size, sizeof(size) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int s, peer;

	if (strlen(sock_path) >= sizeof(addr.sun_path))
		usage_error("--send: socket path too long");
	strcpy(addr.sun_path, sock_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(sock_path);
	if (s < 0 || bind(s, (void *)&addr, sizeof(addr)) || listen(s, 1))
		runtime_error("%s: %s", sock_path, strerror(errno));
	peer = accept(s, NULL, NULL);
	if (peer < 0)
		runtime_error("accept: %s", strerror(errno));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &dmabuf, sizeof(int));
	if (sendmsg(peer, &msg, 0) != sizeof(size))
		runtime_error("sendmsg: %s", strerror(errno));
	/* The peer has its own reference now; wait for it to be done. */
	while (read(peer, &byte, 1) > 0)
		;
	close(peer);
	close(s);
	unlink(sock_path);
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "send", required_argument, NULL, 'o' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, 'd' },
		{ "contiguous", no_argument, NULL, 'c' },
		{ "wc", no_argument, NULL, 'w' },
		{ "read-only", no_argument, NULL, 'r' },
		{ }
	};
	struct pattern pat = { .seeded = true, .n = 1 };
	struct drm_vshare_create create = { 0 };
	struct drm_vshare_map_offset map = { 0 };
	const char *sock = NULL;
	char path[300];
	int c, fd, dmabuf, dev = 0;
	uint32_t flags = DRM_CLOEXEC | DRM_RDWR, *ptr;
	uint64_t i;

	if (want_help(argc, argv, create_help))
		return 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': create.size = parse_size("--size", optarg); break;
		case 'o': sock = optarg; break;
		case 'p': pat = parse_pattern(optarg); break;
		case 'd': dev = atoi(optarg); break;
		case 'c': create.flags |= VSHARE_CREATE_CONTIGUOUS; break;
		case 'w': create.flags |= VSHARE_CREATE_WC; break;
		case 'r': flags = DRM_CLOEXEC; break;
		default: usage_error("see 'vshare create --help'");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!create.size || !sock)
		usage_error("--size and --send are required");

	fd = open_vshare("renderD", dev, path, sizeof(path));
	if (fd < 0)
		runtime_error("no vshare device %d", dev);
	if (drmIoctl(fd, DRM_IOCTL_VSHARE_CREATE, &create))
		runtime_error("create %" PRIu64 " bytes: %s", (uint64_t)create.size,
			      strerror(errno));
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_VSHARE_MAP_OFFSET, &map))
		runtime_error("map offset: %s", strerror(errno));
	ptr = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   map.offset);
	if (ptr == MAP_FAILED)
		runtime_error("mmap: %s", strerror(errno));
	for (i = 0; i < create.size / 4; i++)
		ptr[i] = word(&pat, i);
	munmap(ptr, create.size);
	if (drmPrimeHandleToFD(fd, create.handle, flags, &dmabuf))
		runtime_error("export: %s", strerror(errno));
	printf("created %" PRIu64 " bytes on %s, waiting on %s\n",
	       (uint64_t)create.size, path, sock);
	fflush(stdout);
	send_fd(sock, dmabuf, create.size);
	close(dmabuf);
	close(fd);
	return 0;
}

static const char import_help[] =
"usage: vshare import --recv SOCKET --device PATH [--pattern P]\n"
"Connects to SOCKET (see 'vshare create'), receives a dma-buf, imports it\n"
"into the DRM device PATH (any driver) and checks its contents against P\n"
"(default seed:1) through an mmap of the dma-buf; on a vshare device also\n"
"through the kernel (ACCESS CRC32). Exit 1 at the first difference.\n";

static int recv_fd(const char *sock_path, uint64_t *size, int *conn)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { size, sizeof(*size) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c;
	int s, fd;

	if (strlen(sock_path) >= sizeof(addr.sun_path))
		usage_error("--recv: socket path too long");
	strcpy(addr.sun_path, sock_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (void *)&addr, sizeof(addr)))
		runtime_error("%s: %s", sock_path, strerror(errno));
	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != sizeof(*size))
		runtime_error("recvmsg: %s", strerror(errno));
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		runtime_error("%s: no file descriptor received", sock_path);
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	*conn = s;
	return fd;
}

/* The CRC-32 of the pattern's words, as the kernel reads them (LE). */
static uint32_t crc32_words(const struct pattern *p, uint64_t size)
{
	uint32_t crc = 0, w;
	uint8_t bytes[4];
	uint64_t i;

	for (i = 0; i < size / 4; i++) {
		w = word(p, i);
		bytes[0] = w;
		bytes[1] = w >> 8;
		bytes[2] = w >> 16;
		bytes[3] = w >> 24;
		crc = crc32_ieee_update(crc, bytes, 4);
	}
	return crc;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recv", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "pattern", required_argument, NULL, 'p' },
		{ }
	};
	struct pattern pat = { .seeded = true, .n = 1 };
	struct dma_buf_sync sync = { 0 };
	const char *sock = NULL, *dev = NULL;
	int c, fd, dmabuf, conn, ret = 0;
	uint32_t handle, *ptr;
	uint64_t size;
	int64_t bad;
	char *drv;

	if (want_help(argc, argv, import_help))
		return 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': sock = optarg; break;
		case 'd': dev = optarg; break;
		case 'p': pat = parse_pattern(optarg); break;
		default: usage_error("see 'vshare import --help'");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!sock || !dev)
		usage_error("--recv and --device are required");

	fd = open_device(dev);
	dmabuf = recv_fd(sock, &size, &conn);
	if (drmPrimeFDToHandle(fd, dmabuf, &handle))
		runtime_error("import into %s: %s", dev, strerror(errno));
	drv = drm_driver_name(fd);
	printf("imported %" PRIu64 " bytes into %s (%s) as handle %u\n", size,
	       dev, drv ? drv : "?", handle);

	ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	if (ptr == MAP_FAILED)
		runtime_error("mmap of the dma-buf: %s", strerror(errno));
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	if (ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
		runtime_error("DMA_BUF_IOCTL_SYNC: %s", strerror(errno));
	bad = pattern_check(&pat, ptr, size);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
	munmap(ptr, size);
	if (bad >= 0) {
		fprintf(stderr, "%s: contents differ at byte %" PRId64 "\n", cmd,
			bad * 4);
		ret = 1;
	} else {
		printf("contents match (mmap)\n");
	}

	if (!ret && drv && !strcmp(drv, "vshare")) {
		struct drm_vshare_access acc = {
			.handle = handle, .op = VSHARE_ACCESS_CRC32,
			.size = size,
		};

		if (drmIoctl(fd, DRM_IOCTL_VSHARE_ACCESS, &acc))
			runtime_error("ACCESS: %s", strerror(errno));
		if (acc.result != crc32_words(&pat, size)) {
			fprintf(stderr, "%s: kernel CRC %#" PRIx64 " differs\n",
				cmd, (uint64_t)acc.result);
			ret = 1;
		} else {
			printf("contents match (kernel CRC32 %#" PRIx64 ")\n",
			       (uint64_t)acc.result);
		}
	}
	free(drv);
	drmCloseBufferHandle(fd, handle);
	close(dmabuf);
	close(conn);
	close(fd);
	return ret;
}

static const char stats_help[] =
"usage: vshare stats\n"
"Prints where each vshare device comes from (with the configuration of\n"
"those made in configfs), its memory totals (from debugfs), and the\n"
"module parameters.\n";

static int cmd_stats(int argc, char **argv)
{
	char card[300], path[300], line[256];
	struct dirent *de;
	DIR *dir;
	int i, fd;

	if (want_help(argc, argv, stats_help))
		return 0;
	if (argc > 1)
		usage_error("unexpected argument '%s'", argv[1]);
	for (i = 0; (fd = open_vshare("card", i, card, sizeof(card))) >= 0; i++) {
		FILE *f;

		printf("device %d (%s): ", i, card);
		print_origin(fd);
		if (!debugfs_file(fd, "vshare_buffers", path, sizeof(path))) {
			printf("device %d (%s): debugfs not readable\n", i, card);
			close(fd);
			continue;
		}
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "buffers:", 8) ||
			    !strncmp(line, "engine:", 7))
				printf("device %d (%s): %s", i, card, line);
		if (f)
			fclose(f);
		close(fd);
	}
	if (!i)
		runtime_error("no vshare device (is the module loaded?)");
	dir = opendir("/sys/module/vshare/parameters");
	while (dir && (de = readdir(dir))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/module/vshare/parameters/%.200s",
			 de->d_name);
		f = fopen(path, "r");
		if (f && fgets(line, sizeof(line), f))
			printf("parameter %s: %s", de->d_name, line);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return 0;
}

static const char device_help[] =
"usage: vshare device create NAME [KEY=VALUE...] [--no-enable]\n"
"       vshare device remove NAME\n"
"create makes the vshare device NAME in configfs\n"
"(/sys/kernel/config/vshare/NAME), sets each attribute KEY to VALUE,\n"
"enables it and prints its platform device and its card and render\n"
"nodes; with --no-enable it stays a description until 1 is written to\n"
"its enabled attribute. Nothing is left behind when a value is refused.\n"
"remove disables the device (a hot-unplug: what its users hold stays\n"
"valid) and removes it. KEYs (see Documentation/gpu/vshare.rst):\n"
"  dma_mask_bits max_segment_size segment_boundary alloc caching\n"
"  pitch_align size_align max_buffer_size pinning mem_limit\n"
"  dmem_region_size fence_timeout_ms job_timeout_ms\n";

/* The configfs directory, or a runtime error saying what is missing. */
static void require_configfs(void)
{
	if (access(VSHARE_CONFIGFS_DIR, F_OK))
		runtime_error("%s: %s (is configfs mounted and vshare loaded?)",
			      VSHARE_CONFIGFS_DIR, strerror(errno));
}

static bool valid_name(const char *name)
{
	return *name && *name != '.' && !strchr(name, '/');
}

static int device_create(int argc, char **argv)
{
	char pdev[64], card[300], render[300];
	const char *name = NULL;
	bool enable = true;
	int i, ret;

	/* Everything is checked before anything is made. */
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!strcmp(argv[i], "--no-enable")) {
			enable = false;
		} else if (!strcmp(argv[i], "--enable")) {
			enable = true;
		} else if (argv[i][0] == '-') {
			usage_error("unknown option '%s'", argv[i]);
		} else if (!eq && !name) {
			name = argv[i];
			if (!valid_name(name))
				usage_error("invalid device name '%s'", name);
		} else if (!eq) {
			usage_error("'%s' is not KEY=VALUE", argv[i]);
		} else {
			*eq = '\0';
			if (!vshare_config_key(argv[i]))
				usage_error("unknown attribute '%s': see 'vshare device --help'",
					    argv[i]);
			*eq = '=';
		}
	}
	if (!name)
		usage_error("NAME is required: see 'vshare device --help'");

	require_configfs();
	ret = vshare_cfs_mkdir(name);
	if (ret)
		runtime_error("%s: %s", name, strerror(-ret));
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || argv[i][0] == '-')
			continue;
		*eq = '\0';
		ret = vshare_cfs_write(name, argv[i], eq + 1);
		*eq = '=';
		if (ret) {
			vshare_cfs_rmdir(name);
			runtime_error("%s: %s: %s", name, argv[i],
				      strerror(-ret));
		}
	}
	if (!enable) {
		printf("vshare device %s: created, not enabled\n", name);
		return 0;
	}
	ret = vshare_cfs_enable(name, true);
	if (ret) {
		vshare_cfs_rmdir(name);
		runtime_error("%s: enabling: %s", name, strerror(-ret));
	}
	ret = vshare_cfs_read(name, "device", pdev, sizeof(pdev));
	if (!ret)
		ret = vshare_pdev_nodes(pdev, card, render, sizeof(card));
	if (ret)
		runtime_error("%s: enabled, but its nodes: %s", name,
			      strerror(-ret));
	printf("vshare device %s: %s %s %s\n", name, pdev, card,
	       render[0] ? render : "(no render node)");
	return 0;
}

static int device_remove(int argc, char **argv)
{
	const char *name;
	int ret;

	if (argc != 2)
		usage_error("remove takes one NAME: see 'vshare device --help'");
	name = argv[1];
	if (!valid_name(name))
		usage_error("invalid device name '%s'", name);
	require_configfs();
	if (!vshare_cfs_exists(name))
		runtime_error("no configfs device '%s'", name);
	ret = vshare_cfs_enable(name, false);
	if (ret)
		runtime_error("%s: disabling: %s", name, strerror(-ret));
	ret = vshare_cfs_rmdir(name);
	if (ret)
		runtime_error("%s: %s", name, strerror(-ret));
	printf("vshare device %s removed\n", name);
	return 0;
}

static int cmd_device(int argc, char **argv)
{
	if (want_help(argc, argv, device_help))
		return 0;
	if (argc < 2)
		usage_error("no subcommand: see 'vshare device --help'");
	if (!strcmp(argv[1], "create"))
		return device_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "remove"))
		return device_remove(argc - 1, argv + 1);
	usage_error("unknown subcommand '%s': see 'vshare device --help'",
		    argv[1]);
}

static const char main_help[] =
"usage: vshare COMMAND [ARGS]   (vshare COMMAND --help for each)\n"
"  list     vshare devices and their buffers\n"
"  create   make a buffer with a pattern, hand its dma-buf over a socket\n"
"  import   take a dma-buf from a socket, import it, verify its contents\n"
"  stats    memory totals and module parameters\n"
"  device   create or remove a device described in configfs\n"
"Exit status: 0 success, 1 runtime error or mismatch, 2 usage error.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list }, { "create", cmd_create },
		{ "import", cmd_import }, { "stats", cmd_stats },
		{ "device", cmd_device },
	};
	static char name[32];
	size_t i;

	if (argc < 2)
		usage_error("no command: see 'vshare --help'");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(main_help, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		snprintf(name, sizeof(name), "vshare %s", cmds[i].name);
		cmd = name;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	usage_error("unknown command '%s': see 'vshare --help'", argv[1]);
}
