/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * V4L2 helpers for tests that use vivid as an importer and exporter of
 * dma-bufs: the vivid module with parameters, its video nodes found by
 * name, controls and menu items by name, and one buffer queue per node,
 * all with the kernel's uapi header only (no libv4l2).
 */

#ifndef VSHARE_V4L2_H
#define VSHARE_V4L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/videodev2.h>

#define V4L2_QUEUE_MAX_BUFS	8

/**
 * struct v4l2_queue - a video node and its one buffer queue
 * @fd: the node, -1 when closed
 * @type: V4L2_BUF_TYPE_VIDEO_CAPTURE or V4L2_BUF_TYPE_VIDEO_OUTPUT
 * @memory: V4L2_MEMORY_MMAP or V4L2_MEMORY_DMABUF, 0 without buffers
 * @count: buffers REQBUFS allocated
 * @streaming: between STREAMON and STREAMOFF
 * @fmt: the format the driver took (v4l2_set_format())
 * @map: the MMAP buffers mapped by v4l2_mmap_buffers()
 * @map_len: their lengths
 */
struct v4l2_queue {
	int fd;
	uint32_t type;
	uint32_t memory;
	unsigned int count;
	bool streaming;
	struct v4l2_pix_format fmt;
	void *map[V4L2_QUEUE_MAX_BUFS];
	size_t map_len[V4L2_QUEUE_MAX_BUFS];
};

int vivid_load(const char *params);
int vivid_unload(void);
bool vivid_loaded(void);
bool vivid_param_is(const char *name, long value);

int v4l2_open_node(const char *name, uint32_t caps);

bool v4l2_find_ctrl(int fd, const char *prefix, const char *suffix,
		    struct v4l2_query_ext_ctrl *qc);
int v4l2_menu_index(int fd, const struct v4l2_query_ext_ctrl *qc,
		    const char *prefix);
int __v4l2_set_ctrl(int fd, uint32_t id, int32_t value);
int32_t v4l2_get_ctrl(int fd, uint32_t id);
void v4l2_set_ctrl(int fd, const char *name, int32_t value);
void v4l2_set_menu(int fd, const char *name, const char *item);
int v4l2_find_io(int fd, bool output, const char *prefix);

void v4l2_queue_init(struct v4l2_queue *q, int fd, uint32_t type);
void v4l2_set_format(struct v4l2_queue *q, uint32_t width, uint32_t height,
		     uint32_t fourcc);
unsigned int v4l2_reqbufs(struct v4l2_queue *q, uint32_t memory,
			  unsigned int count);
void v4l2_mmap_buffers(struct v4l2_queue *q);
int v4l2_expbuf(struct v4l2_queue *q, unsigned int index);
int __v4l2_qbuf(struct v4l2_queue *q, unsigned int index, int dmabuf,
		uint32_t length, uint32_t bytesused);
void v4l2_qbuf(struct v4l2_queue *q, unsigned int index, int dmabuf,
	       uint32_t length);
int __v4l2_streamon(struct v4l2_queue *q);
void v4l2_streamon(struct v4l2_queue *q);
void v4l2_streamoff(struct v4l2_queue *q);
void v4l2_dqbuf(struct v4l2_queue *q, struct v4l2_buffer *buf,
		int timeout_ms);
void v4l2_queue_release(struct v4l2_queue *q);
bool v4l2_frames_match(const void *got, const void *want,
		       const struct v4l2_pix_format *f, const char *what);
void v4l2_dv_720p24(int fd);
void v4l2_dv_size(int fd, uint32_t *width, uint32_t *height);

int kmsg_open_end(void);
int kmsg_reports(int fd);

#endif /* VSHARE_V4L2_H */
