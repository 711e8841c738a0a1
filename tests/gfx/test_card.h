/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * The picture the compositor tests show: a test card a person recognises
 * in a screenshot, exact to the pixel so that a checker can compare it.
 */

#ifndef VSHARE_TEST_CARD_H
#define VSHARE_TEST_CARD_H

#include <stdint.h>

uint32_t test_card_xy(uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		      uint32_t seed);

#endif /* VSHARE_TEST_CARD_H */
