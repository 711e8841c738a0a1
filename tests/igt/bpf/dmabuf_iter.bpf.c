// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * A dma-buf BPF iterator (Linux 6.16+): one line per dma-buf in the system,
 * "<inode> <size> <exporter> '<name>'", as a tool built on the kernel's
 * iterator would list them. Read by vshare_bpf.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/*
 * Only the fields read, by name: libbpf relocates them to where the
 * running kernel's BTF puts them (CO-RE), so no vmlinux.h is needed.
 */
struct inode {
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct dma_buf {
	unsigned long size;
	struct file *file;
	const char *exp_name;
	const char *name;
} __attribute__((preserve_access_index));

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__dmabuf {
	struct bpf_iter_meta *meta;
	struct dma_buf *dmabuf;
} __attribute__((preserve_access_index));

/* bpf_seq_printf() is for GPL-compatible programs only. */
char _license[] SEC("license") = "Dual MIT/GPL";

SEC("iter/dmabuf")
int vshare_dmabufs(struct bpf_iter__dmabuf *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct dma_buf *d = ctx->dmabuf;
	char exporter[32] = "", name[32] = "";
	unsigned long ino, size;
	const char *p;

	if (!d)
		return 0;
	ino = BPF_CORE_READ(d, file, f_inode, i_ino);
	size = BPF_CORE_READ(d, size);
	p = BPF_CORE_READ(d, exp_name);
	if (p)
		bpf_probe_read_kernel_str(exporter, sizeof(exporter), p);
	/* The name is the owner's to set (DMA_BUF_SET_NAME), and optional. */
	p = BPF_CORE_READ(d, name);
	if (p)
		bpf_probe_read_kernel_str(name, sizeof(name), p);
	BPF_SEQ_PRINTF(seq, "%lu %lu %s '%s'\n", ino, size, exporter, name);
	return 0;
}
