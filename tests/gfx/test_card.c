// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * The test card: colour bars, a grey ramp and a band of SEED's noise, a
 * ring, and a box with "VSHARE" and the seed in hex. The bars and the
 * text are what a person sees; the ramp and the noise give every column
 * and every row pixels of their own, so that a buffer read with the
 * wrong pitch, offset or byte order cannot match. Blue stays below 0xff,
 * so that the tests' "one step off" picture (blue + 1) differs in every
 * pixel.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"
#include "test_card.h"

#define WHITE	0xf0f0f0u
#define INK	0x101010u

/* 75% bars: grey, yellow, cyan, green, magenta, red, blue. */
static const uint32_t bars[] = {
	0xc0c0c0, 0xc0c000, 0x00c0c0, 0x00c000, 0xc000c0, 0xc00000, 0x0000c0,
};

/* 5x7 glyphs, one row per byte, bit 4 the leftmost pixel. */
static const struct glyph {
	char c;
	uint8_t rows[7];
} font[] = {
	{ '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
	{ '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
	{ '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
	{ '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
	{ '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
	{ '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
	{ '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
	{ '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
	{ '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
	{ '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
	{ 'A', { 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
	{ 'B', { 0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e } },
	{ 'C', { 0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e } },
	{ 'D', { 0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c } },
	{ 'E', { 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f } },
	{ 'F', { 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10 } },
	{ 'H', { 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
	{ 'R', { 0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11 } },
	{ 'S', { 0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e } },
	{ 'V', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04 } },
};

static const struct glyph *glyph(char c)
{
	size_t i;

	for (i = 0; i < sizeof(font) / sizeof(font[0]); i++)
		if (font[i].c == c)
			return &font[i];
	return NULL;
}

/* Whether (@x, @y), from the text's top left, is inked at @scale. */
static int inked(const char *text, uint32_t scale, int64_t x, int64_t y)
{
	const struct glyph *g;
	uint32_t i, gx;

	if (x < 0 || y < 0 || y >= 7 * scale ||
	    x >= (int64_t)(6 * scale * strlen(text)))
		return 0;
	i = x / (6 * scale);
	gx = x % (6 * scale) / scale;
	g = glyph(text[i]);
	return g && gx < 5 && (g->rows[y / scale] >> (4 - gx)) & 1;
}

static uint32_t text_width(const char *text, uint32_t scale)
{
	return strlen(text) * 6 * scale - scale;
}

/* Where the card's parts are: the same for every pixel of a card. */
struct layout {
	uint32_t w, h, seed;
	uint32_t s, s2, w1, w2, bw, bh, m;
	int64_t cx, cy, r, bx, by;
	char id[16];
};

static const char name[] = "VSHARE";

/* The layout of the last card asked for, worked out once per card. */
static const struct layout *layout_of(uint32_t w, uint32_t h, uint32_t seed)
{
	static struct layout l = { .w = 0 };

	if (l.w == w && l.h == h && l.seed == seed)
		return &l;
	l.w = w;
	l.h = h;
	l.seed = seed;
	l.s = w / 80 ? w / 80 : 1;
	l.s2 = l.s / 2 ? l.s / 2 : 1;
	l.cx = w / 2;
	l.cy = h / 3;
	l.r = h * 3 / 10;
	l.m = 2 * l.s;
	snprintf(l.id, sizeof(l.id), "SEED %X", seed);
	l.w1 = text_width(name, l.s);
	l.w2 = text_width(l.id, l.s2);
	l.bw = (l.w1 > l.w2 ? l.w1 : l.w2) + 2 * l.m;
	l.bh = l.m + 7 * l.s + l.s + 7 * l.s2 + l.m;
	l.bx = l.cx - l.bw / 2;
	l.by = l.cy - l.bh / 2;
	return &l;
}

/**
 * test_card_xy() - the pixel at (@x, @y) of the @w x @h test card of @seed
 * @x: column
 * @y: row
 * @w: width of the card
 * @h: height of the card
 * @seed: picks the noise band and is printed in the box
 *
 * Return: XRGB8888 colour, blue below 0xff.
 */
uint32_t test_card_xy(uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		      uint32_t seed)
{
	const struct layout *l = layout_of(w, h, seed);
	int64_t dx = (int64_t)x - l->cx, dy = (int64_t)y - l->cy;
	uint32_t p;

	if (x >= l->bx && x < l->bx + l->bw && y >= l->by && y < l->by + l->bh)
		return inked(name, l->s, x - l->bx - (l->bw - l->w1) / 2,
			     y - l->by - l->m) ||
		       inked(l->id, l->s2, x - l->bx - (l->bw - l->w2) / 2,
			     y - l->by - l->m - 8 * l->s) ? INK : WHITE;
	if (dx * dx + dy * dy >= (l->r - l->s) * (l->r - l->s) &&
	    dx * dx + dy * dy < l->r * l->r)
		return WHITE;
	if (y < h * 6 / 10)
		return bars[x * 7 / w];
	if (y < h * 7 / 10)
		return (w > 1 ? x * 0xfe / (w - 1) : 0) * 0x010101u;
	p = pattern_xy(x, y, seed);
	return (p & 0xffff00) | (p & 0x7f);
}
