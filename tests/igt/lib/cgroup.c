// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "igt.h"

/* The group cgroup_enter_new() made, until cgroup_leave(). */
static char cgdir[128];

/* cgroup2 at CGROUP_ROOT, mounted if the system did not. */
static void cgroup_mount(void)
{
	struct stat st;

	if (stat(CGROUP_ROOT "/cgroup.controllers", &st))
		igt_assert_f(!mount("none", CGROUP_ROOT, "cgroup2", 0, NULL),
			     "cannot mount cgroup2: %s\n", strerror(errno));
}

/** cgroup_has_controller() - whether the kernel offers @controller */
bool cgroup_has_controller(const char *controller)
{
	char line[512], *tok, *save = NULL;
	bool found = false;
	FILE *f;

	cgroup_mount();
	f = fopen(CGROUP_ROOT "/cgroup.controllers", "r");
	igt_assert(f);
	if (fgets(line, sizeof(line), f))
		for (tok = strtok_r(line, " \n", &save); tok && !found;
		     tok = strtok_r(NULL, " \n", &save))
			found = !strcmp(tok, controller);
	fclose(f);
	return found;
}

void cgroup_write(const char *dir, const char *file, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	igt_assert_f(fd >= 0, "cannot open %s: %s\n", path, strerror(errno));
	igt_assert_f(write(fd, value, strlen(value)) == (ssize_t)strlen(value),
		     "writing '%s' to %s: %s\n", value, path, strerror(errno));
	close(fd);
}

/*
 * A number from a cgroup file: the first one in it (@key NULL), or the one
 * after "@key " on the line that starts so (memory.events, dmem.current).
 * No stdio: the test's own allocations would show in memory.current.
 */
bool __cgroup_read(const char *dir, const char *file, const char *key,
		   uint64_t *value)
{
	char path[256], buf[4096], *line, *save = NULL;
	size_t klen = key ? strlen(key) : 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	igt_assert_f(fd >= 0, "cannot open %s: %s\n", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	igt_assert_f(n >= 0, "reading %s: %s\n", path, strerror(errno));
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!key) {
			*value = strtoull(line, NULL, 10);
			return true;
		}
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			*value = strtoull(line + klen + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

uint64_t cgroup_read(const char *dir, const char *file, const char *key)
{
	uint64_t v = 0;

	igt_assert_f(__cgroup_read(dir, file, key, &v), "no %s in %s/%s\n",
		     key ? key : "number", dir, file);
	return v;
}

/**
 * cgroup_leave() - back to the root group, and the test's group removed;
 * no assertions: it is an exit handler too
 */
void cgroup_leave(int sig)
{
	char pid[32];
	int fd;

	snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open(CGROUP_ROOT "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, pid, strlen(pid)) < 0)
			igt_warn("cannot leave %s\n", cgdir);
		close(fd);
	}
	if (cgdir[0])
		rmdir(cgdir);
	cgdir[0] = '\0';
}

/**
 * cgroup_enter_new() - a fresh child group of the root with @controller
 * ("memory", "dmem") enabled, and the test process in it
 *
 * Returns: the group's directory. cgroup_leave() undoes it; it is also
 * installed as an exit handler, for a subtest that fails inside.
 */
const char *cgroup_enter_new(const char *controller)
{
	static bool handler;
	char value[64];

	cgroup_leave(0);	/* from the group of a failed subtest */
	igt_require_f(cgroup_has_controller(controller),
		      "no %s cgroup controller\n", controller);
	snprintf(value, sizeof(value), "+%s", controller);
	cgroup_write(CGROUP_ROOT, "cgroup.subtree_control", value);
	snprintf(cgdir, sizeof(cgdir), CGROUP_ROOT "/vshare-%d", getpid());
	rmdir(cgdir);
	igt_assert_f(!mkdir(cgdir, 0755), "mkdir %s: %s\n", cgdir,
		     strerror(errno));
	if (!handler)
		igt_install_exit_handler(cgroup_leave);
	handler = true;
	snprintf(value, sizeof(value), "%d\n", getpid());
	cgroup_write(cgdir, "cgroup.procs", value);
	return cgdir;
}
