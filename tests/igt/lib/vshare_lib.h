/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * vshare-specific helpers: the ACCESS ioctl, debugfs buffer state, CRC-32.
 */

#ifndef VSHARE_LIB_H
#define VSHARE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crc32.h"
#include "drmtest.h"
#include "timing.h"
#include "vshare_drm.h"

/** struct vshare_bo_state - one line of debugfs vshare_buffers */
struct vshare_bo_state {
	unsigned int id;
	uint64_t size;
	unsigned long runs;
	char caching[16];
	char origin[16];
	int attach, maps, vmaps;
	long long faults, pmd, syncs;
	int moves;
};

int __vshare_access(int fd, uint32_t handle, uint32_t op, uint64_t offset,
		    uint64_t size, uint32_t value, uint64_t *result);
void vshare_fill(int fd, uint32_t handle, uint64_t offset, uint64_t size,
		 uint32_t value);
uint32_t vshare_crc32(int fd, uint32_t handle, uint64_t offset, uint64_t size);

/**
 * struct vshare_totals - debugfs totals a subtest leaves as it found them
 * @bos: buffers of up to two devices (0 for those not counted)
 * @mem: bytes of vshare's memory, all devices
 */
struct vshare_totals {
	int bos[2];
	uint64_t mem;
};

bool vshare_bo_state(int fd, uint64_t size, struct vshare_bo_state *st);
int vshare_bo_count(int fd, uint64_t size);
uint64_t vshare_mem_used(int fd);
void vshare_totals(int fd, const int bo_fds[2], struct vshare_totals *t);
void vshare_assert_totals(int fd, const int bo_fds[2],
			  const struct vshare_totals *start, int timeout_ms);

unsigned int vshare_param(const char *name);
void vshare_set_param(const char *name, unsigned int value);

int __vshare_fence_attach(int fd, uint32_t handle, uint32_t flags,
			  uint32_t timeout_ms, uint32_t *id);
int __vshare_fence_signal(int fd, uint32_t id, uint32_t flags);
int __vshare_submit(int fd, struct drm_vshare_submit *submit);

/* Jobs a device's engine holds at most (the kernel's VSHARE_MAX_JOBS). */
#ifndef VSHARE_MAX_JOBS
#define VSHARE_MAX_JOBS	64
#endif

int vshare_submit_job(int fd, struct drm_vshare_submit s);
void sync_file_wait_ok(int sync_fd);
int sync_file_status(int sync_fd);
int __dmabuf_export_sync_file(int dmabuf, uint32_t flags, int *sync_fd);
int dmabuf_export_sync_file(int dmabuf, uint32_t flags);
void dmabuf_import_sync_file(int dmabuf, int sync_fd, uint32_t flags);

int sw_sync_timeline(void);
int sw_sync_fence(int timeline);
void sw_sync_inc(int timeline);

/* Fault injection points, as named in /sys/kernel/debug/vshare/fail_*. */
extern const char *const vshare_fault_points[];
void vshare_require_faults(void);
void vshare_fault_arm(const char *point, unsigned int percent);
void vshare_fault_disarm(const char *point);
void vshare_fault_disarm_all(void);
void vshare_fail_nth(unsigned int n);
unsigned int vshare_fail_nth_left(void);

uint32_t fill_crc(uint64_t size, uint32_t value);
short poll_now(int fd, short events);
bool ready_within(int fd, short events, int ms);
int vshare_bo_knob(int fd, const char *knob, unsigned int id);
bool vshare_pdev_exists(const char *pdev);
int vshare_pdev_bind(const char *pdev);
int vshare_pdev_unbind(const char *pdev);
int vshare_open_pdev(const char *pdev, enum drm_node node);
void vshare_write_file(const char *path, const char *value);
char *vshare_read_all(int fd);
int stderr_mute(void);
void stderr_restore(int saved);

#endif /* VSHARE_LIB_H */
