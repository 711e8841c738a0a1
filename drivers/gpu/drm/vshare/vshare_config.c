// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright 2026 The vshare developers
 *
 * Device configurations: the data a vshare device is built from, its
 * defaults and its valid ranges. One table says, for every field, its
 * name, type and range: the validation, the text form every front end
 * uses (configfs, the module's defaults) and the KUnit cases all come
 * from it. Nothing here touches a device.
 */

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "vshare_config.h"

/* Longest timeout a configuration may ask for: ten minutes. */
#define VSHARE_MAX_TIMEOUT_MS	600000

enum vshare_field_type {
	VSHARE_FIELD_U32,
	VSHARE_FIELD_U64,
	VSHARE_FIELD_ENUM,
};

/* What a field must be besides its range. */
#define VSHARE_ZERO_OK	BIT(0)	/* 0 means "none", whatever the range */
#define VSHARE_POW2	BIT(1)	/* a power of two */
#define VSHARE_MASK	BIT(2)	/* a power of two minus one */
#define VSHARE_PAGES	BIT(3)	/* whole pages */

struct vshare_field {
	const char *name;
	size_t offset;
	enum vshare_field_type type;
	u64 min, max;
	unsigned int rules;
	const char *const *names;	/* of an enum, by value, NULL-ended */
};

static const char *const vshare_alloc_names[] = {
	[VSHARE_ALLOC_SCATTERED] = "scattered",
	[VSHARE_ALLOC_CONTIGUOUS] = "contiguous",
	[VSHARE_ALLOC_LAZY] = "lazy",
	NULL
};

static const char *const vshare_caching_names[] = {
	[VSHARE_CACHING_BOTH] = "both",
	[VSHARE_CACHING_CACHED] = "cached",
	[VSHARE_CACHING_WC] = "wc",
	NULL
};

static const char *const vshare_pinning_names[] = {
	[VSHARE_PINNING_DYNAMIC] = "dynamic",
	[VSHARE_PINNING_STATIC_ONLY] = "static-only",
	[VSHARE_PINNING_NEVER] = "never",
	NULL
};

#define VSHARE_NUM(field, t, lo, hi, r) {				\
	.name = #field, .offset = offsetof(struct vshare_config, field),\
	.type = VSHARE_FIELD_##t, .min = (lo), .max = (hi), .rules = (r) }
#define VSHARE_ENUM(field, n) {						\
	.name = #field, .offset = offsetof(struct vshare_config, field),\
	.type = VSHARE_FIELD_ENUM, .names = (n) }

static const struct vshare_field vshare_fields[] = {
	VSHARE_NUM(dma_mask_bits, U32, 32, 64, 0),
	VSHARE_NUM(max_segment_size, U64, PAGE_SIZE, SZ_4G, VSHARE_PAGES),
	VSHARE_NUM(segment_boundary, U64, PAGE_SIZE - 1, U64_MAX, VSHARE_MASK),
	VSHARE_ENUM(alloc, vshare_alloc_names),
	VSHARE_ENUM(caching, vshare_caching_names),
	VSHARE_NUM(pitch_align, U32, 1, SZ_4K, VSHARE_POW2),
	VSHARE_NUM(size_align, U64, PAGE_SIZE, SZ_1G, VSHARE_POW2),
	VSHARE_NUM(max_buffer_size, U64, PAGE_SIZE, U64_MAX,
		   VSHARE_ZERO_OK | VSHARE_PAGES),
	VSHARE_ENUM(pinning, vshare_pinning_names),
	VSHARE_NUM(mem_limit, U64, PAGE_SIZE, U64_MAX,
		   VSHARE_ZERO_OK | VSHARE_PAGES),
	VSHARE_NUM(dmem_region_size, U64, PAGE_SIZE, U64_MAX,
		   VSHARE_ZERO_OK | VSHARE_PAGES),
	VSHARE_NUM(fence_timeout_ms, U32, 0, VSHARE_MAX_TIMEOUT_MS, 0),
	VSHARE_NUM(job_timeout_ms, U32, 0, VSHARE_MAX_TIMEOUT_MS, 0),
};

/* Enum fields are read and written as one type: they must all be alike. */
static_assert(sizeof(enum vshare_caching) == sizeof(enum vshare_alloc));
static_assert(sizeof(enum vshare_pinning) == sizeof(enum vshare_alloc));

static u64 vshare_field_get(const struct vshare_config *config,
			    const struct vshare_field *f)
{
	const void *p = (const void *)config + f->offset;

	switch (f->type) {
	case VSHARE_FIELD_U32:
		return *(const u32 *)p;
	case VSHARE_FIELD_U64:
		return *(const u64 *)p;
	default:
		return *(const enum vshare_alloc *)p;	/* any enum */
	}
}

static void vshare_field_put(struct vshare_config *config,
			     const struct vshare_field *f, u64 value)
{
	void *p = (void *)config + f->offset;

	switch (f->type) {
	case VSHARE_FIELD_U32:
		*(u32 *)p = value;
		break;
	case VSHARE_FIELD_U64:
		*(u64 *)p = value;
		break;
	default:
		*(enum vshare_alloc *)p = value;
		break;
	}
}

/* 0, -ERANGE outside the range, -EINVAL against the field's rules. */
static int vshare_field_check(const struct vshare_field *f, u64 value)
{
	u64 i;

	/* An enum's range is its names. */
	if (f->names) {
		for (i = 0; i <= value; i++)
			if (!f->names[i])
				return -EINVAL;
		return 0;
	}
	if (!value && (f->rules & VSHARE_ZERO_OK))
		return 0;
	if (value < f->min || value > f->max)
		return -ERANGE;
	if ((f->rules & VSHARE_POW2) && !is_power_of_2(value))
		return -EINVAL;
	if ((f->rules & VSHARE_MASK) && value != U64_MAX &&
	    !is_power_of_2(value + 1))
		return -EINVAL;
	if ((f->rules & VSHARE_PAGES) && !PAGE_ALIGNED(value))
		return -EINVAL;
	return 0;
}

static const struct vshare_field *vshare_field_find(const char *key)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vshare_fields); i++)
		if (!strcmp(vshare_fields[i].name, key))
			return &vshare_fields[i];
	return NULL;
}

/**
 * vshare_config_init - fill a configuration with the defaults
 * @config: the configuration
 *
 * The defaults make the device every vshare device was before devices
 * became data: a 64-bit DMA mask, no segment limit, a 4 GiB segment
 * boundary, scattered allocation, either caching, 64-byte pitches, page
 * sizes, no size or memory limit of its own, dynamic importers, no dmem
 * region, and the timeouts of the module parameters.
 */
void vshare_config_init(struct vshare_config *config)
{
	*config = (struct vshare_config) {
		.dma_mask_bits = 64,
		.max_segment_size = SZ_4G,
		.segment_boundary = U32_MAX,
		.alloc = VSHARE_ALLOC_SCATTERED,
		.caching = VSHARE_CACHING_BOTH,
		.pitch_align = 64,
		.size_align = PAGE_SIZE,
		.pinning = VSHARE_PINNING_DYNAMIC,
	};
}

/**
 * vshare_config_is_valid - whether a device can be built from a configuration
 * @config: the configuration
 *
 * Returns: true if every field is within its range and follows its rules
 * (see &struct vshare_config).
 */
bool vshare_config_is_valid(const struct vshare_config *config)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vshare_fields); i++)
		if (vshare_field_check(&vshare_fields[i],
				       vshare_field_get(config, &vshare_fields[i])))
			return false;
	return true;
}

/**
 * vshare_config_set - set one field of a configuration from text
 * @config: the configuration
 * @key: the field's name, as in &struct vshare_config
 * @value: a number (decimal, or hexadecimal with 0x), or an enum's name;
 *	a trailing newline is ignored
 *
 * Returns: 0; -ENOENT for an unknown field; -EINVAL for text that is not
 * a value of the field, or a value against its rules (power of two, whole
 * pages); -ERANGE for a number outside its range. The configuration is
 * unchanged on error.
 */
int vshare_config_set(struct vshare_config *config, const char *key,
		      const char *value)
{
	const struct vshare_field *f = vshare_field_find(key);
	u64 v;
	int ret;

	if (!f)
		return -ENOENT;
	if (f->type == VSHARE_FIELD_ENUM) {
		ret = __sysfs_match_string(f->names, -1, value);
		if (ret < 0)
			return -EINVAL;
		v = ret;
	} else {
		ret = kstrtou64(value, 0, &v);
		if (ret)
			return ret;
	}
	ret = vshare_field_check(f, v);
	if (!ret)
		vshare_field_put(config, f, v);
	return ret;
}

/**
 * vshare_config_show - one field of a configuration as text
 * @config: the configuration
 * @key: the field's name
 * @buf: where the text goes, with a newline
 * @size: the size of @buf
 *
 * Returns: the length of the text, or -ENOENT for an unknown field.
 */
int vshare_config_show(const struct vshare_config *config, const char *key,
		       char *buf, size_t size)
{
	const struct vshare_field *f = vshare_field_find(key);
	u64 v;

	if (!f)
		return -ENOENT;
	v = vshare_field_get(config, f);
	if (f->type == VSHARE_FIELD_ENUM)
		return scnprintf(buf, size, "%s\n", f->names[v]);
	return scnprintf(buf, size, "%llu\n", v);
}
