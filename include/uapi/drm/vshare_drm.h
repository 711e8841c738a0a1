/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 */

#ifndef _UAPI_VSHARE_DRM_H_
#define _UAPI_VSHARE_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vshare uapi
 *
 * vshare is a virtual DRM device whose purpose is to export buffers as
 * dma-bufs. Buffers are created with &DRM_IOCTL_VSHARE_CREATE on the render
 * or card node (dumb buffers work on the card node too), mapped into the
 * caller with &DRM_IOCTL_VSHARE_MAP_OFFSET and mmap(2) on the DRM fd, and
 * shared with DRM_IOCTL_PRIME_HANDLE_TO_FD.
 *
 * Every ioctl rejects unknown flags and non-zero padding with -EINVAL, so
 * that fields and flags can be given a meaning later without breaking old
 * binaries.
 */

#define DRM_VSHARE_CREATE		0x00
#define DRM_VSHARE_MAP_OFFSET		0x01
#define DRM_VSHARE_ACCESS		0x02
#define DRM_VSHARE_FENCE_ATTACH		0x03
#define DRM_VSHARE_FENCE_SIGNAL		0x04
#define DRM_VSHARE_SUBMIT		0x05
#define DRM_VSHARE_CREATE_DMABUF	0x06

#define DRM_IOCTL_VSHARE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_CREATE, struct drm_vshare_create)
#define DRM_IOCTL_VSHARE_MAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_MAP_OFFSET, \
		 struct drm_vshare_map_offset)
#define DRM_IOCTL_VSHARE_ACCESS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_ACCESS, struct drm_vshare_access)
#define DRM_IOCTL_VSHARE_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_FENCE_ATTACH, \
		 struct drm_vshare_fence_attach)
#define DRM_IOCTL_VSHARE_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSHARE_FENCE_SIGNAL, \
		struct drm_vshare_fence_signal)
#define DRM_IOCTL_VSHARE_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_SUBMIT, struct drm_vshare_submit)
#define DRM_IOCTL_VSHARE_CREATE_DMABUF \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSHARE_CREATE_DMABUF, \
		 struct drm_vshare_create_dmabuf)

/**
 * define VSHARE_CREATE_CONTIGUOUS - one physically contiguous run
 *
 * The buffer is a single run of physically contiguous memory, or creation
 * fails with -ENOMEM. Contiguous buffers are limited to the largest block
 * the page allocator hands out (4 MiB on x86-64).
 */
#define VSHARE_CREATE_CONTIGUOUS	(1u << 0)

/**
 * define VSHARE_CREATE_WC - CPU mappings that combine writes (WC)
 *
 * CPU mappings of the buffer (mmap(2) of the GEM object or of its dma-buf,
 * and the kernel's vmap) are write-combined instead of cached, as scanout
 * buffers of real GPUs often are. The default is cached.
 */
#define VSHARE_CREATE_WC		(1u << 1)

#define VSHARE_CREATE_FLAGS		(VSHARE_CREATE_CONTIGUOUS | \
					 VSHARE_CREATE_WC)

/**
 * struct drm_vshare_create - create a vshare buffer object
 *
 * The buffer is zero-filled. Its size is @size rounded up to the page size.
 */
struct drm_vshare_create {
	/**
	 * @size: in: requested size in bytes, not zero; out: the size actually
	 * allocated (page aligned). A size larger than the memory vshare may
	 * use fails with -ENOMEM.
	 */
	__u64 size;
	/** @flags: in: VSHARE_CREATE_* flags; others give -EINVAL. */
	__u32 flags;
	/** @handle: out: GEM handle of the new object, local to the file. */
	__u32 handle;
};

/**
 * struct drm_vshare_create_dmabuf - create a buffer as a dma-buf, in one call
 *
 * What CREATE followed by DRM_IOCTL_PRIME_HANDLE_TO_FD and GEM_CLOSE gives,
 * in one ioctl and without a GEM handle, as a dma-buf heap allocates: the
 * dma-buf holds the buffer. Importing it into the same device later gives
 * the buffer back as a GEM object (unless the dma-buf is read-only).
 */
struct drm_vshare_create_dmabuf {
	/**
	 * @size: in: requested size in bytes, not zero; out: the size
	 * allocated, as for &struct drm_vshare_create.
	 */
	__u64 size;
	/** @flags: in: VSHARE_CREATE_* flags; others give -EINVAL. */
	__u32 flags;
	/**
	 * @fd_flags: in: DRM_CLOEXEC and DRM_RDWR, as for
	 * DRM_IOCTL_PRIME_HANDLE_TO_FD; others give -EINVAL.
	 */
	__u32 fd_flags;
	/** @fd: out: the dma-buf file descriptor. */
	__s32 fd;
	/** @pad: must be 0. */
	__u32 pad;
};

/**
 * struct drm_vshare_map_offset - get the mmap offset of a buffer
 *
 * The returned offset is passed to mmap(2) on the DRM file descriptor the
 * handle belongs to. A buffer imported from another exporter is mapped
 * through its exporter (as mmap(2) of its dma-buf would do).
 */
struct drm_vshare_map_offset {
	/** @handle: in: GEM handle of the buffer. */
	__u32 handle;
	/** @pad: must be 0. */
	__u32 pad;
	/** @offset: out: fake offset to pass to mmap(2). */
	__u64 offset;
};

/**
 * define VSHARE_ACCESS_FILL - the kernel fills a range with a 32 bit value
 */
#define VSHARE_ACCESS_FILL		1

/**
 * define VSHARE_ACCESS_CRC32 - the kernel computes the CRC32 of a range
 *
 * The CRC is the IEEE 802.3 one, as zlib's crc32() computes it.
 */
#define VSHARE_ACCESS_CRC32		2

/**
 * struct drm_vshare_access - make the kernel read or write a buffer
 *
 * The kernel accesses the buffer as an importer would: between
 * begin_cpu_access() and end_cpu_access(), through a kernel mapping (vmap).
 * For an imported buffer these are the exporter's dma-buf operations, so
 * this ioctl makes an exporter's CPU-access paths reachable from userspace.
 */
struct drm_vshare_access {
	/** @handle: in: GEM handle of the buffer, native or imported. */
	__u32 handle;
	/** @op: in: VSHARE_ACCESS_FILL or VSHARE_ACCESS_CRC32. */
	__u32 op;
	/**
	 * @offset: in: start of the range in bytes, a multiple of 4. The
	 * range must lie within the buffer.
	 */
	__u64 offset;
	/** @size: in: size of the range in bytes, a non-zero multiple of 4. */
	__u64 size;
	/** @value: in: for VSHARE_ACCESS_FILL, the 32-bit word written. */
	__u32 value;
	/** @pad: must be 0. */
	__u32 pad;
	/** @result: out: for VSHARE_ACCESS_CRC32, the CRC-32 of the range. */
	__u64 result;
};

/**
 * define VSHARE_FENCE_WRITE - the fence is a write (exclusive) fence
 */
#define VSHARE_FENCE_WRITE		(1u << 0)

/**
 * define VSHARE_FENCE_TIMEOUT - the fence expires after @timeout_ms
 *
 * Without it, the fence expires after the module's fence_timeout_ms
 * (10 seconds by default), as vgem's fences do.
 */
#define VSHARE_FENCE_TIMEOUT		(1u << 1)

#define VSHARE_FENCE_FLAGS		(VSHARE_FENCE_WRITE | \
					 VSHARE_FENCE_TIMEOUT)

/**
 * struct drm_vshare_fence_attach - attach an unsignaled fence to a buffer
 *
 * The fence is added to the buffer's reservation object, as a write fence
 * with VSHARE_FENCE_WRITE and as a read fence otherwise, so that importers,
 * poll(2) on the dma-buf and DMA_BUF_IOCTL_EXPORT_SYNC_FILE see the buffer
 * busy until &DRM_IOCTL_VSHARE_FENCE_SIGNAL signals it or it expires (then
 * with the error -ETIMEDOUT). This is vgem's FENCE_ATTACH, with a
 * configurable expiry.
 *
 * Errors: -EINVAL for unknown flags, or a @timeout_ms without
 * VSHARE_FENCE_TIMEOUT; -ENOENT for an unknown handle; -EBUSY when an
 * unsignaled fence conflicts (any fence for a write fence, a write fence
 * for a read fence).
 */
struct drm_vshare_fence_attach {
	/** @handle: in: GEM handle of the buffer. */
	__u32 handle;
	/** @flags: in: VSHARE_FENCE_* flags. */
	__u32 flags;
	/** @out_fence: out: id of the fence for FENCE_SIGNAL, never 0. */
	__u32 out_fence;
	/**
	 * @timeout_ms: in: with VSHARE_FENCE_TIMEOUT, milliseconds before
	 * the fence expires (0: at once); must be 0 otherwise.
	 */
	__u32 timeout_ms;
};

/**
 * struct drm_vshare_fence_signal - signal a fence made by FENCE_ATTACH
 *
 * Errors: -EINVAL for non-zero @flags; -ENOENT for an unknown fence id or
 * one already signaled through this ioctl; -ETIMEDOUT if the fence had
 * expired (it is forgotten all the same).
 */
struct drm_vshare_fence_signal {
	/** @fence: in: the id FENCE_ATTACH returned. */
	__u32 fence;
	/** @flags: in: must be 0. */
	__u32 flags;
};

/**
 * DOC: vshare engine
 *
 * Each vshare device has a small virtual engine that runs jobs
 * asynchronously, in submission order, like a GPU ring: it fills a range
 * with a 32-bit value, copies a range between buffers, or writes the CRC-32
 * of a range into a result buffer. Buffers may be native or imported.
 *
 * A job waits for its in-fences (a sync_file and/or a syncobj) and for the
 * buffers' implicit fences (writers of what it reads, everybody for what
 * it writes); its own fence is added to the buffers' reservation objects
 * (write usage for what it writes, read usage for what it reads), so
 * importers, poll(2) and sync_file exports wait for it. The fence can also
 * be returned as a sync_file and/or put into a syncobj.
 *
 * A job whose dependencies do not signal within the module's
 * job_timeout_ms, or one submitted with VSHARE_SUBMIT_HANG, is abandoned:
 * its fence signals with an error (-ETIMEDOUT, -EIO) and the engine goes
 * on with the next job.
 */

/** define VSHARE_JOB_FILL - write @value over dst[dst_offset, +size) */
#define VSHARE_JOB_FILL			1
/** define VSHARE_JOB_COPY - copy src[src_offset, +size) to dst[dst_offset] */
#define VSHARE_JOB_COPY			2
/**
 * define VSHARE_JOB_CRC32 - CRC32 of src[src_offset, +size) into dst
 *
 * The CRC (as zlib's crc32()) is written as a little-endian 32-bit word at
 * dst[dst_offset].
 */
#define VSHARE_JOB_CRC32		3

/** define VSHARE_SUBMIT_IN_SYNC_FILE - wait for the sync_file @in_fence_fd */
#define VSHARE_SUBMIT_IN_SYNC_FILE	(1u << 0)
/** define VSHARE_SUBMIT_OUT_SYNC_FILE - return the job's fence in @out_fence_fd */
#define VSHARE_SUBMIT_OUT_SYNC_FILE	(1u << 1)
/**
 * define VSHARE_SUBMIT_HANG - the job hangs
 *
 * The engine never finishes the job: after job_timeout_ms its fence
 * signals with -EIO, as a GPU reset would, and the engine recovers.
 */
#define VSHARE_SUBMIT_HANG		(1u << 2)

#define VSHARE_SUBMIT_FLAGS		(VSHARE_SUBMIT_IN_SYNC_FILE | \
					 VSHARE_SUBMIT_OUT_SYNC_FILE | \
					 VSHARE_SUBMIT_HANG)

/**
 * struct drm_vshare_submit - queue a job on the device's virtual engine
 *
 * Ranges must be 4-byte aligned, non-empty and inside their buffers; a COPY
 * within one buffer must not overlap. Errors: -EINVAL for bad ops, flags,
 * padding or ranges, or a @delay_ms over 10000; -ENOENT for unknown handles
 * or syncobjs; -EINVAL for an @in_fence_fd that is not a sync_file, or a
 * syncobj point without its syncobj. Timeline points make the engine a
 * producer and consumer for explicit-sync protocols
 * (wp_linux_drm_syncobj_v1): a job can wait for point N of one timeline
 * and signal point M of another.
 */
struct drm_vshare_submit {
	/** @op: in: VSHARE_JOB_FILL, VSHARE_JOB_COPY or VSHARE_JOB_CRC32. */
	__u32 op;
	/** @flags: in: VSHARE_SUBMIT_* flags. */
	__u32 flags;
	/** @dst_handle: in: the buffer the job writes. */
	__u32 dst_handle;
	/** @src_handle: in: the buffer COPY and CRC32 read; 0 for FILL. */
	__u32 src_handle;
	/** @dst_offset: in: where the job writes, in bytes. */
	__u64 dst_offset;
	/** @src_offset: in: where COPY and CRC32 read, in bytes. */
	__u64 src_offset;
	/** @size: in: bytes filled, copied or checksummed. */
	__u64 size;
	/** @value: in: the 32-bit word FILL writes. */
	__u32 value;
	/**
	 * @delay_ms: in: the job takes at least this long once it runs, so
	 * that tests can keep buffers busy (at most 10000).
	 */
	__u32 delay_ms;
	/** @in_fence_fd: in: with VSHARE_SUBMIT_IN_SYNC_FILE, a sync_file fd. */
	__s32 in_fence_fd;
	/** @out_fence_fd: out: with VSHARE_SUBMIT_OUT_SYNC_FILE, a sync_file fd. */
	__s32 out_fence_fd;
	/** @in_syncobj: in: a syncobj handle to wait for, or 0. */
	__u32 in_syncobj;
	/** @out_syncobj: in: a syncobj handle that gets the job's fence, or 0. */
	__u32 out_syncobj;
	/** @seqno: out: the job's fence sequence number on the engine. */
	__u64 seqno;
	/**
	 * @in_syncobj_point: in: the point of a timeline @in_syncobj to wait
	 * for, which must have a fence already (-EINVAL otherwise); 0 for a
	 * binary syncobj.
	 */
	__u64 in_syncobj_point;
	/**
	 * @out_syncobj_point: in: the point of a timeline @out_syncobj that
	 * the job's fence signals; 0 to replace a binary syncobj's fence.
	 */
	__u64 out_syncobj_point;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VSHARE_DRM_H_ */
