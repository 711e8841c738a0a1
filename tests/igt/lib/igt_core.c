// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * The IGT test-binary protocol, as igt_runner expects it:
 *  --list-subtests, --run-subtest PATTERN (wildcards, comma alternatives),
 *  --dynamic-subtest PATTERN, --device FILTER, --debug, --help;
 *  "Starting subtest: X" / "Subtest X: RESULT (T.TTTs)" lines on stdout
 *  (and stderr with IGT_SENTINEL_ON_STDERR), "[IGT]" markers in /dev/kmsg,
 *  and exit codes 0 / 77 / 79 / 98.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

sigjmp_buf igt_subtest_jmpbuf;
sigjmp_buf igt_dynamic_jmpbuf;
const char *igt_device_filter;

enum result { RES_NONE, RES_SUCCESS, RES_SKIP, RES_FAIL };
static const char * const result_name[] = {
	[RES_SUCCESS] = "SUCCESS", [RES_SKIP] = "SKIP", [RES_FAIL] = "FAIL",
};

static const char *prog;
static bool list_only, debug;
static const char *run_pattern, *dynamic_pattern;
static int kmsg_fd = -1;

static char *in_subtest, *in_dynamic;
static bool in_fixture, with_dynamic;
static struct timespec subtest_start, dynamic_start;
static int dynamic_ran, dynamic_failed;

/* What happens to subtests after a fixture failed or skipped. */
static enum result skip_henceforth = RES_NONE;
static enum result group_stack[64];
static int group_depth;

static int subtests_run, subtests_skipped, subtests_failed, subtests_matched;
static bool failed_outside;

static void (*exit_handlers[16])(int sig);
static int num_exit_handlers;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (getenv("IGT_SENTINEL_ON_STDERR")) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
}

void igt_kmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (kmsg_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "<6>[IGT] %s: ", prog);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (write(kmsg_fd, buf, strlen(buf)) < 0)
		return;
}

/*
 * igt_emit_ignore_dmesg_regex() - kernel log lines the subtest expects
 *
 * igt_runner counts kernel messages at its --dmesg-warn-level or more
 * urgent against the subtest (dmesg-warn); lines matching @regex (a PCRE
 * pattern) that come after this mark, until the next subtest starts, are
 * not counted. For the errors a driver logs when a test makes it refuse
 * something on purpose; real reports (WARNING, BUG, ...) must not match.
 */
void igt_emit_ignore_dmesg_regex(const char *regex)
{
	igt_kmsg("add ignored dmesg regex: %s\n", regex);
}

static double elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

const char *igt_test_name(void)
{
	return prog;
}

bool igt_only_list_subtests(void)
{
	return list_only;
}

void igt_install_exit_handler(void (*fn)(int sig))
{
	if (num_exit_handlers < (int)(sizeof(exit_handlers) / sizeof(exit_handlers[0])))
		exit_handlers[num_exit_handlers++] = fn;
}

static void run_exit_handlers(int sig)
{
	while (num_exit_handlers > 0)
		exit_handlers[--num_exit_handlers](sig);
}

static void vlog(FILE *f, const char *level, const char *fmt, va_list ap)
{
	if (level)
		fprintf(f, "(%s:%d) %s: ", prog, getpid(), level);
	vfprintf(f, fmt, ap);
	fflush(f);
}

void igt_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stdout, NULL, fmt, ap);
	va_end(ap);
}

void igt_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debug)
		return;
	va_start(ap, fmt);
	vlog(stderr, "DEBUG", fmt, ap);
	va_end(ap);
}

void igt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stderr, "WARNING", fmt, ap);
	va_end(ap);
}

/* Wildcards and comma-separated alternatives; "!" excludes. */
static bool matches(const char *pattern, const char *name)
{
	char *copy = strdup(pattern), *save = NULL, *tok;
	bool hit = false, negate = pattern[0] == '!';

	for (tok = strtok_r(copy + negate, ",", &save); tok && !hit;
	     tok = strtok_r(NULL, ",", &save))
		hit = fnmatch(tok, name, 0) == 0;
	free(copy);
	return hit != negate;
}

static bool valid_name(const char *name)
{
	const char *p;

	if (!*name)
		return false;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

const char *__igt_subtest_name_f(const char *fmt, ...)
{
	static char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return name;
}

static void report(bool dynamic, const char *name, enum result res,
		   const struct timespec *start)
{
	out("%s %s: %s (%.3fs)\n", dynamic ? "Dynamic subtest" : "Subtest",
	    name, result_name[res], elapsed(start));
	igt_kmsg("finished subtest %s, %s\n", name, result_name[res]);
}

/*
 * Threads: an assertion (or requirement) that fails in a helper thread
 * cannot jump to the main thread's subtest. It ends the thread and fails
 * the subtest when the subtest ends, whatever the main thread saw.
 */
static pid_t main_tid;
static atomic_int thread_failures;

static void thread_failed(void)
{
	if (gettid() == main_tid)
		return;
	atomic_fetch_add(&thread_failures, 1);
	out("(%s) failure in a helper thread: the subtest fails\n", prog);
	pthread_exit(NULL);
}

static enum result with_threads(enum result res)
{
	if (atomic_exchange(&thread_failures, 0) && res != RES_FAIL)
		return RES_FAIL;
	return res;
}

static void __attribute__((noreturn)) end_dynamic(enum result res)
{
	res = with_threads(res);
	report(true, in_dynamic, res, &dynamic_start);
	if (res == RES_FAIL)
		dynamic_failed++;
	if (res != RES_SKIP)
		dynamic_ran++;
	free(in_dynamic);
	in_dynamic = NULL;
	siglongjmp(igt_dynamic_jmpbuf, 1);
}

static void __attribute__((noreturn)) end_subtest(enum result res)
{
	res = with_threads(res);
	if (with_dynamic && res == RES_SUCCESS)
		res = dynamic_failed ? RES_FAIL : dynamic_ran ? RES_SUCCESS : RES_SKIP;
	report(false, in_subtest, res, &subtest_start);
	if (res == RES_FAIL)
		subtests_failed++;
	else if (res == RES_SKIP)
		subtests_skipped++;
	free(in_subtest);
	in_subtest = NULL;
	with_dynamic = false;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

bool __igt_run_subtest(const char *name)
{
	if (!valid_name(name)) {
		fprintf(stderr, "Invalid subtest name \"%s\".\n", name);
		exit(IGT_EXIT_INVALID);
	}
	if (list_only) {
		printf("%s\n", name);
		return false;
	}
	if (run_pattern && !matches(run_pattern, name))
		return false;

	subtests_matched++;
	out("Starting subtest: %s\n", name);
	igt_kmsg("starting subtest %s\n", name);
	clock_gettime(CLOCK_MONOTONIC, &subtest_start);
	if (skip_henceforth != RES_NONE) {
		in_subtest = strdup(name);
		if (skip_henceforth == RES_FAIL)
			subtests_failed++;
		else
			subtests_skipped++;
		report(false, name, skip_henceforth, &subtest_start);
		free(in_subtest);
		in_subtest = NULL;
		return false;
	}
	subtests_run++;
	atomic_store(&thread_failures, 0);
	in_subtest = strdup(name);
	return true;
}

bool __igt_with_dynamic_begin(void)
{
	with_dynamic = true;
	dynamic_ran = dynamic_failed = 0;
	return true;
}

bool __igt_run_dynamic(const char *name)
{
	if (!in_subtest || !with_dynamic || in_dynamic) {
		fprintf(stderr, "igt_dynamic used outside igt_subtest_with_dynamic\n");
		exit(IGT_EXIT_INVALID);
	}
	if (!valid_name(name)) {
		fprintf(stderr, "Invalid dynamic subtest name \"%s\".\n", name);
		exit(IGT_EXIT_INVALID);
	}
	if (dynamic_pattern && !matches(dynamic_pattern, name))
		return false;
	out("Starting dynamic subtest: %s\n", name);
	igt_kmsg("starting dynamic subtest %s\n", name);
	clock_gettime(CLOCK_MONOTONIC, &dynamic_start);
	in_dynamic = strdup(name);
	return true;
}

bool __igt_fixture(void)
{
	if (list_only || skip_henceforth != RES_NONE)
		return false;
	in_fixture = true;
	return true;
}

void __igt_fixture_done(void)
{
	in_fixture = false;
}

int __igt_group_enter(void)
{
	if (group_depth >= (int)(sizeof(group_stack) / sizeof(group_stack[0]))) {
		fprintf(stderr, "subtest groups nested too deep\n");
		exit(IGT_EXIT_INVALID);
	}
	group_stack[group_depth++] = skip_henceforth;
	return 1;
}

int __igt_group_exit(void)
{
	skip_henceforth = group_stack[--group_depth];
	return 0;
}

void igt_success(void)
{
	if (in_dynamic)
		end_dynamic(RES_SUCCESS);
	if (in_subtest)
		end_subtest(RES_SUCCESS);
	/* Never reached: igt_success() only ends subtests. */
	exit(IGT_EXIT_INVALID);
}

void igt_fail(int exitcode)
{
	thread_failed();
	if (in_dynamic)
		end_dynamic(RES_FAIL);
	if (in_subtest)
		end_subtest(RES_FAIL);
	if (in_fixture) {
		in_fixture = false;
		skip_henceforth = RES_FAIL;
		failed_outside = true;
		siglongjmp(igt_subtest_jmpbuf, 1);
	}
	run_exit_handlers(0);
	igt_kmsg("exiting, ret=%d\n", exitcode);
	exit(exitcode);
}

static void vskip(const char *fmt, va_list ap) __attribute__((noreturn));
static void vskip(const char *fmt, va_list ap)
{
	if (fmt)
		vlog(stdout, NULL, fmt, ap);
	/* A helper thread cannot skip a subtest: that is a failure. */
	thread_failed();
	if (in_dynamic)
		end_dynamic(RES_SKIP);
	if (in_subtest)
		end_subtest(RES_SKIP);
	if (in_fixture) {
		in_fixture = false;
		skip_henceforth = RES_SKIP;
		siglongjmp(igt_subtest_jmpbuf, 1);
	}
	/* Outside any subtest or fixture: everything after it skips. */
	skip_henceforth = RES_SKIP;
	if (!subtests_run && !list_only) {
		run_exit_handlers(0);
		igt_kmsg("exiting, ret=%d\n", IGT_EXIT_SKIP);
		exit(IGT_EXIT_SKIP);
	}
	exit(IGT_EXIT_INVALID);
}

void igt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vskip(fmt, ap);
}

void __igt_skip_check(const char *file, int line, const char *func,
		      const char *expr, const char *fmt, ...)
{
	va_list ap;

	printf("Test requirement not met in function %s, file %s:%d:\n",
	       func, file, line);
	printf("Test requirement: %s\n", expr);
	va_start(ap, fmt);
	vskip(fmt, ap);
}

void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *expr, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "(%s:%d) CRITICAL: Test assertion failure function %s, file %s:%d:\n",
		prog, getpid(), func, file, line);
	fprintf(stderr, "(%s:%d) CRITICAL: Failed assertion: %s\n",
		prog, getpid(), expr);
	if (err)
		fprintf(stderr, "(%s:%d) CRITICAL: Last errno: %d, %s\n",
			prog, getpid(), err, strerror(err));
	if (fmt) {
		fprintf(stderr, "(%s:%d) CRITICAL: ", prog, getpid());
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fflush(stderr);
	if (in_subtest)
		fprintf(stderr, "Subtest %s failed.\n", in_subtest);
	igt_fail(IGT_EXIT_FAILURE);
}

int igt_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

static void crash_handler(int sig)
{
	fprintf(stderr, "Received signal %s.\n", sigabbrev_np(sig) ?: "?");
	if (in_dynamic) {
		out("Dynamic subtest %s: CRASH (%.3fs)\n", in_dynamic,
		    elapsed(&dynamic_start));
		igt_kmsg("finished subtest %s, CRASH\n", in_dynamic);
	}
	if (in_subtest) {
		out("Subtest %s: CRASH (%.3fs)\n", in_subtest,
		    elapsed(&subtest_start));
		igt_kmsg("finished subtest %s, CRASH\n", in_subtest);
	}
	run_exit_handlers(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --run-subtest <pattern>\n"
		"  --dynamic-subtest <pattern>\n"
		"  --device <filter>\n"
		"  --debug[=log-domain]\n"
		"  --help\n", prog);
}

void __igt_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, 'l' },
		{ "run-subtest", required_argument, NULL, 'r' },
		{ "dynamic-subtest", required_argument, NULL, 'y' },
		{ "device", required_argument, NULL, 'd' },
		{ "debug", optional_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "interactive-debug", optional_argument, NULL, 'i' },
		{ "skip-crc-compare", no_argument, NULL, 's' },
		{ "trace-on-error", no_argument, NULL, 't' },
		{ "describe", optional_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	unsigned int i;
	int c;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	main_tid = gettid();
	igt_device_filter = getenv("IGT_DEVICE");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			list_only = true;
			break;
		case 'r':
			run_pattern = optarg;
			break;
		case 'y':
			dynamic_pattern = optarg;
			break;
		case 'd':
			igt_device_filter = optarg;
			break;
		case 'g':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		case 'i': case 's': case 't': case 'D':
			break;
		default:
			usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(IGT_EXIT_INVALID);
	}
	if (list_only)
		return;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		signal(crash_signals[i], crash_handler);
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	igt_kmsg("executing\n");
}

void __igt_exit(void)
{
	int ret;

	if (list_only)
		exit(IGT_EXIT_SUCCESS);
	if (run_pattern && !subtests_matched) {
		fprintf(stderr, "Unknown subtest: %s\n", run_pattern);
		ret = IGT_EXIT_INVALID;
	} else if (subtests_failed || failed_outside) {
		ret = IGT_EXIT_FAILURE;
	} else if (subtests_matched && subtests_skipped == subtests_matched) {
		ret = IGT_EXIT_SKIP;
	} else {
		ret = IGT_EXIT_SUCCESS;
	}
	run_exit_handlers(0);
	igt_kmsg("exiting, ret=%d\n", ret);
	exit(ret);
}
