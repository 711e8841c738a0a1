// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * V4L2 helpers: the vivid module, video nodes, controls and buffer
 * queues, with <linux/videodev2.h> only. The __ functions return -errno;
 * the others assert. v4l2_queue_release() never asserts: it is what the
 * tests' exit handlers call after a failure.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/v4l2-dv-timings.h>

#include "igt.h"
#include "v4l2.h"

#define VIVID_SYSFS	"/sys/module/vivid"

/* Runs @argv (found in PATH); its exit status, or -1. */
static int run(char *const argv[])
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* vivid as a loaded module (a built-in one has no initstate). */
bool vivid_loaded(void)
{
	return access(VIVID_SYSFS "/initstate", F_OK) == 0;
}

/**
 * vivid_load() - modprobe vivid with @params ("name=value ...")
 *
 * Returns: modprobe's exit status, 0 when vivid is loaded.
 */
int vivid_load(const char *params)
{
	char *copy = strdup(params), *save = NULL, *tok;
	char *argv[32] = { "modprobe", "vivid" };
	int argc = 2, ret;

	igt_assert(copy);
	for (tok = strtok_r(copy, " ", &save); tok && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	igt_debug("modprobe vivid %s\n", params);
	ret = run(argv);
	free(copy);
	if (ret == 0 && !vivid_loaded())
		ret = -ENOENT;
	return ret;
}

/**
 * vivid_unload() - remove vivid (and what only it used) if it is loaded
 *
 * Returns: 0 once vivid is gone, -EBUSY if it stays.
 */
int vivid_unload(void)
{
	char *argv[] = { "modprobe", "-r", "vivid", NULL };

	if (!vivid_loaded())
		return 0;
	run(argv);
	return igt_wait(!vivid_loaded(), 5000, 50) ? 0 : -EBUSY;
}

/*
 * Whether the first value of vivid's parameter @name (an array shows one
 * value per instance, comma-separated) is @value: the parameters really
 * are the ones the test asked for.
 */
bool vivid_param_is(const char *name, long value)
{
	char path[128], text[256];
	bool same = false;
	FILE *f;

	snprintf(path, sizeof(path), VIVID_SYSFS "/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(text, sizeof(text), f))
		same = strtol(text, NULL, 0) == value;
	fclose(f);
	return same;
}

/*
 * v4l2_open_node() - the video node whose sysfs name is @name, opened if
 * VIDIOC_QUERYCAP shows @caps among its device capabilities; -1 if none.
 */
int v4l2_open_node(const char *name, uint32_t caps)
{
	char path[PATH_MAX], text[64];
	struct dirent *de;
	int fd = -1;
	DIR *dir;

	dir = opendir("/sys/class/video4linux");
	if (!dir)
		return -1;
	while (fd < 0 && (de = readdir(dir))) {
		struct v4l2_capability cap = { 0 };
		FILE *f;
		bool hit;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		hit = fgets(text, sizeof(text), f) &&
		      !strcmp(strtok(text, "\n") ?: "", name);
		fclose(f);
		if (!hit)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (igt_ioctl(fd, VIDIOC_QUERYCAP, &cap) ||
		    !(cap.capabilities & V4L2_CAP_DEVICE_CAPS) ||
		    (cap.device_caps & caps) != caps) {
			close(fd);
			fd = -1;
			continue;
		}
		igt_debug("%s is %s: driver %s, bus %s, caps %#x\n", name,
			  path, cap.driver, cap.bus_info, cap.device_caps);
	}
	closedir(dir);
	return fd;
}

/*
 * v4l2_find_ctrl() - the control named @prefix (exactly, without
 * @suffix), or whose name starts with @prefix and ends with @suffix.
 */
bool v4l2_find_ctrl(int fd, const char *prefix, const char *suffix,
		    struct v4l2_query_ext_ctrl *qc)
{
	const uint32_t next = V4L2_CTRL_FLAG_NEXT_CTRL |
			      V4L2_CTRL_FLAG_NEXT_COMPOUND;

	memset(qc, 0, sizeof(*qc));
	qc->id = next;
	while (igt_ioctl(fd, VIDIOC_QUERY_EXT_CTRL, qc) == 0) {
		size_t len = strlen(qc->name);
		bool hit;

		if (!suffix)
			hit = !strcmp(qc->name, prefix);
		else
			hit = !strncmp(qc->name, prefix, strlen(prefix)) &&
			      len >= strlen(suffix) &&
			      !strcmp(qc->name + len - strlen(suffix), suffix);
		if (hit && !(qc->flags & V4L2_CTRL_FLAG_DISABLED))
			return true;
		qc->id |= next;
	}
	return false;
}

/* The index of the first menu item of @qc whose name starts with @prefix. */
int v4l2_menu_index(int fd, const struct v4l2_query_ext_ctrl *qc,
		    const char *prefix)
{
	int64_t i;

	for (i = qc->minimum; i <= qc->maximum; i++) {
		struct v4l2_querymenu m = { .id = qc->id, .index = i };

		/* Items the driver skips fail with EINVAL. */
		if (igt_ioctl(fd, VIDIOC_QUERYMENU, &m) == 0 &&
		    !strncmp((const char *)m.name, prefix, strlen(prefix)))
			return i;
	}
	return -1;
}

int __v4l2_set_ctrl(int fd, uint32_t id, int32_t value)
{
	struct v4l2_ext_control c = { .id = id, .value = value };
	struct v4l2_ext_controls cs = {
		.which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c,
	};

	return igt_ioctl(fd, VIDIOC_S_EXT_CTRLS, &cs) ? -errno : 0;
}

/* The current value of control @id. */
int32_t v4l2_get_ctrl(int fd, uint32_t id)
{
	struct v4l2_ext_control c = { .id = id };
	struct v4l2_ext_controls cs = {
		.which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c,
	};

	do_ioctl(fd, VIDIOC_G_EXT_CTRLS, &cs);
	return c.value;
}

/* Sets the control named @name, which must take @value as it is. */
void v4l2_set_ctrl(int fd, const char *name, int32_t value)
{
	struct v4l2_query_ext_ctrl qc;
	int err;

	igt_assert_f(v4l2_find_ctrl(fd, name, NULL, &qc),
		     "no control \"%s\"\n", name);
	err = __v4l2_set_ctrl(fd, qc.id, value);
	igt_assert_f(err == 0, "setting \"%s\" to %d: %s\n", name, value,
		     strerror(-err));
	igt_assert_eq(v4l2_get_ctrl(fd, qc.id), value);
}

/* Sets the menu control named @name to its item named @item. */
void v4l2_set_menu(int fd, const char *name, const char *item)
{
	struct v4l2_query_ext_ctrl qc;
	int index;

	igt_assert_f(v4l2_find_ctrl(fd, name, NULL, &qc),
		     "no control \"%s\"\n", name);
	index = v4l2_menu_index(fd, &qc, item);
	igt_assert_f(index >= 0, "control \"%s\" has no item \"%s\"\n", name,
		     item);
	v4l2_set_ctrl(fd, name, index);
}

/* The first input (or output) whose name starts with @prefix, or -1. */
int v4l2_find_io(int fd, bool output, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		struct v4l2_output out = { .index = i };
		struct v4l2_input in = { .index = i };
		const char *name = output ? (const char *)out.name :
					    (const char *)in.name;

		if (igt_ioctl(fd, output ? VIDIOC_ENUMOUTPUT : VIDIOC_ENUMINPUT,
			      output ? (void *)&out : (void *)&in))
			break;
		if (!strncmp(name, prefix, strlen(prefix)))
			return i;
	}
	return -1;
}

void v4l2_queue_init(struct v4l2_queue *q, int fd, uint32_t type)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->type = type;
}

/*
 * Sets a progressive single-planar format of 32-bit pixels, lines without
 * padding; the driver must take it as asked.
 */
void v4l2_set_format(struct v4l2_queue *q, uint32_t width, uint32_t height,
		     uint32_t fourcc)
{
	struct v4l2_format f = { .type = q->type };

	f.fmt.pix.width = width;
	f.fmt.pix.height = height;
	f.fmt.pix.pixelformat = fourcc;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	do_ioctl(q->fd, VIDIOC_S_FMT, &f);
	igt_assert_f(f.fmt.pix.width == width && f.fmt.pix.height == height &&
		     f.fmt.pix.pixelformat == fourcc &&
		     f.fmt.pix.field == V4L2_FIELD_NONE,
		     "format %ux%u %.4s field %u, asked %ux%u %.4s\n",
		     f.fmt.pix.width, f.fmt.pix.height,
		     (const char *)&f.fmt.pix.pixelformat, f.fmt.pix.field,
		     width, height, (const char *)&fourcc);
	igt_assert_eq(f.fmt.pix.bytesperline, width * 4);
	igt_assert_eq(f.fmt.pix.sizeimage, width * 4 * height);
	q->fmt = f.fmt.pix;
}

/* REQBUFS: the number of buffers the driver allocated (it may add some). */
unsigned int v4l2_reqbufs(struct v4l2_queue *q, uint32_t memory,
			  unsigned int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = q->type, .memory = memory,
	};

	do_ioctl(q->fd, VIDIOC_REQBUFS, &rb);
	igt_assert(count == 0 || rb.count >= count);
	igt_assert(rb.count <= V4L2_QUEUE_MAX_BUFS);
	q->memory = count ? memory : 0;
	q->count = rb.count;
	return rb.count;
}

void v4l2_mmap_buffers(struct v4l2_queue *q)
{
	unsigned int i;

	igt_assert_eq(q->memory, V4L2_MEMORY_MMAP);
	for (i = 0; i < q->count; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = q->type, .memory = q->memory,
		};
		void *p;

		do_ioctl(q->fd, VIDIOC_QUERYBUF, &b);
		p = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 q->fd, b.m.offset);
		igt_assert_f(p != MAP_FAILED, "mmap of buffer %u: %s\n", i,
			     strerror(errno));
		q->map[i] = p;
		q->map_len[i] = b.length;
	}
}

/* VIDIOC_EXPBUF: a read-write dma-buf of MMAP buffer @index. */
int v4l2_expbuf(struct v4l2_queue *q, unsigned int index)
{
	struct v4l2_exportbuffer e = {
		.type = q->type, .index = index, .flags = O_RDWR | O_CLOEXEC,
	};

	do_ioctl(q->fd, VIDIOC_EXPBUF, &e);
	igt_assert(e.fd >= 0);
	return e.fd;
}

/*
 * QBUF of buffer @index: a MMAP one (@dmabuf -1) or the dma-buf @dmabuf,
 * of which @length bytes are the buffer (0: all of it). Output buffers
 * carry @bytesused bytes.
 */
int __v4l2_qbuf(struct v4l2_queue *q, unsigned int index, int dmabuf,
		uint32_t length, uint32_t bytesused)
{
	struct v4l2_buffer b = {
		.index = index, .type = q->type, .memory = q->memory,
		.field = V4L2_FIELD_NONE, .bytesused = bytesused,
	};

	if (q->memory == V4L2_MEMORY_DMABUF) {
		b.m.fd = dmabuf;
		b.length = length;
	}
	return igt_ioctl(q->fd, VIDIOC_QBUF, &b) ? -errno : 0;
}

void v4l2_qbuf(struct v4l2_queue *q, unsigned int index, int dmabuf,
	       uint32_t length)
{
	int err = __v4l2_qbuf(q, index, dmabuf, length, q->fmt.sizeimage);

	igt_assert_f(err == 0, "QBUF %u: %s\n", index, strerror(-err));
}

int __v4l2_streamon(struct v4l2_queue *q)
{
	int type = q->type;

	if (igt_ioctl(q->fd, VIDIOC_STREAMON, &type))
		return -errno;
	q->streaming = true;
	return 0;
}

void v4l2_streamon(struct v4l2_queue *q)
{
	int err = __v4l2_streamon(q);

	igt_assert_f(err == 0, "STREAMON: %s\n", strerror(-err));
}

void v4l2_streamoff(struct v4l2_queue *q)
{
	int type = q->type;

	do_ioctl(q->fd, VIDIOC_STREAMOFF, &type);
	q->streaming = false;
}

/*
 * DQBUF of the next done buffer, waiting up to @timeout_ms for it; it
 * must be a whole, error-free frame.
 */
void v4l2_dqbuf(struct v4l2_queue *q, struct v4l2_buffer *buf, int timeout_ms)
{
	struct pollfd p = {
		.fd = q->fd,
		.events = q->type == V4L2_BUF_TYPE_VIDEO_OUTPUT ? POLLOUT : POLLIN,
	};

	igt_assert_f(poll(&p, 1, timeout_ms) == 1 && (p.revents & p.events),
		     "no frame within %d ms (revents %#x)\n", timeout_ms,
		     p.revents);
	memset(buf, 0, sizeof(*buf));
	buf->type = q->type;
	buf->memory = q->memory;
	do_ioctl(q->fd, VIDIOC_DQBUF, buf);
	igt_assert_f(!(buf->flags & V4L2_BUF_FLAG_ERROR),
		     "buffer %u done with an error\n", buf->index);
	igt_assert(buf->index < q->count);
	if (q->type != V4L2_BUF_TYPE_VIDEO_OUTPUT)
		igt_assert_eq(buf->bytesused, q->fmt.sizeimage);
}

/*
 * Whether frame @got is @want (32-bit pixels), byte for byte; if not,
 * how many pixels differ and the first one.
 */
bool v4l2_frames_match(const void *got, const void *want,
		       const struct v4l2_pix_format *f, const char *what)
{
	const uint8_t *g = got, *w = want;
	size_t off, first = 0, bad = 0;

	if (!memcmp(got, want, f->sizeimage))
		return true;
	for (off = 0; off + 4 <= f->sizeimage; off += 4) {
		if (!memcmp(g + off, w + off, 4))
			continue;
		if (!bad++)
			first = off;
	}
	igt_info("%s: %zu of %u pixels differ, the first at (%zu, %zu): "
		 "%02x%02x%02x%02x, expected %02x%02x%02x%02x\n", what, bad,
		 f->sizeimage / 4, first % f->bytesperline / 4,
		 first / f->bytesperline, g[first], g[first + 1], g[first + 2],
		 g[first + 3], w[first], w[first + 1], w[first + 2],
		 w[first + 3]);
	return false;
}

/*
 * 1280x720 at 24 frames/s (CEA-861) on the node's HDMI input or output:
 * vivid's threads get 2.5 times the time per frame of its 720p60 default.
 */
void v4l2_dv_720p24(int fd)
{
	struct v4l2_dv_timings dv = V4L2_DV_BT_CEA_1280X720P24;

	do_ioctl(fd, VIDIOC_S_DV_TIMINGS, &dv);
}

/* The active size of the DV timings of the node's input or output. */
void v4l2_dv_size(int fd, uint32_t *width, uint32_t *height)
{
	struct v4l2_dv_timings dv = { 0 };

	do_ioctl(fd, VIDIOC_G_DV_TIMINGS, &dv);
	igt_assert_eq(dv.type, V4L2_DV_BT_656_1120);
	igt_assert(!dv.bt.interlaced);
	*width = dv.bt.width;
	*height = dv.bt.height;
}

/*
 * Everything the queue holds goes, whatever state a failed subtest left
 * it in: STREAMOFF, the mappings, REQBUFS 0, the node.
 */
void v4l2_queue_release(struct v4l2_queue *q)
{
	struct v4l2_requestbuffers rb = { .type = q->type };
	int type = q->type;
	unsigned int i;

	if (q->fd < 0)
		return;
	if (q->streaming && ioctl(q->fd, VIDIOC_STREAMOFF, &type))
		fprintf(stderr, "STREAMOFF: %s\n", strerror(errno));
	for (i = 0; i < V4L2_QUEUE_MAX_BUFS; i++)
		if (q->map[i])
			munmap(q->map[i], q->map_len[i]);
	if (q->memory) {
		rb.memory = q->memory;
		if (ioctl(q->fd, VIDIOC_REQBUFS, &rb))
			fprintf(stderr, "REQBUFS 0: %s\n", strerror(errno));
	}
	close(q->fd);
	v4l2_queue_init(q, -1, q->type);
}

/* /dev/kmsg, read from now on. */
int kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * The kernel reports (warnings, BUGs, traces) logged since the last call;
 * every error or warning line is printed.
 */
int kmsg_reports(int fd)
{
	static const char *const reports[] = {
		"WARNING:", "BUG:", "Oops", "Call Trace:", "KASAN", "UBSAN",
		"DMA-API:", "refcount_t:",
	};
	char rec[1024];
	int found = 0;
	unsigned int i;
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		const char *msg;

		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: go on */
				continue;
			break;			/* EAGAIN: all read */
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
			if (strstr(msg, reports[i]))
				break;
		if (i < sizeof(reports) / sizeof(reports[0])) {
			igt_warn("kernel: %s", msg);
			found++;
		} else if (atoi(rec) % 8 <= 4) {	/* KERN_WARNING or worse */
			igt_info("kernel: %s", msg);
		}
	}
	return found;
}
