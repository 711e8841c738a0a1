/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The vshare developers
 *
 * cgroup v2 for the tests: a fresh child group of the root with the
 * controllers a test needs, the test process in it, and its files read
 * and written.
 */

#ifndef VSHARE_CGROUP_H
#define VSHARE_CGROUP_H

#include <stdbool.h>
#include <stdint.h>

#define CGROUP_ROOT	"/sys/fs/cgroup"

bool cgroup_has_controller(const char *controller);
const char *cgroup_enter_new(const char *controller);
void cgroup_leave(int sig);
void cgroup_write(const char *dir, const char *file, const char *value);
bool __cgroup_read(const char *dir, const char *file, const char *key,
		   uint64_t *value);
uint64_t cgroup_read(const char *dir, const char *file, const char *key);

#endif /* VSHARE_CGROUP_H */
