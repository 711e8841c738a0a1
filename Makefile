# SPDX-License-Identifier: GPL-2.0
#
# vshare top-level Makefile.
#
#   make [KDIR=...]   build vshare.ko out of tree against KDIR
#                     (default: the running kernel's build directory)
#   make demo         main job: boot the test VM, share a vshare buffer
#                     with vgem and back, print what happened; weston shows
#                     a test card and one frame with explicit sync
#   make check        the whole suite on every test kernel (KERNELS), and
#                     the smoke list on Debian's prebuilt kernel with the
#                     vshare-dkms package installed in the guest root
#   make check-kernel KERNEL_IMAGE=... KERNEL_BUILD=... [KERNEL_MODULES=...]
#                     the smoke list on a kernel of your own: vshare.ko
#                     built against KERNEL_BUILD, KERNEL_IMAGE booted with
#                     the guest root (see README, "Your own kernel")
#   make deb          build/deb/vshare-dkms_VERSION_all.deb (lintian-checked)
#   make dkms-install install vshare with DKMS on this machine (root)
#   make mutants      build the driver with each deliberate bug of
#                     tests/mutants/mutants.py and show the suite catches it
#   make integrity    in a throw-away clone, make each way a result could
#                     vanish happen and show the summary fails, naming it
#   make fuzz         the long vshare_fuzz run: FUZZ_SEEDS x FUZZ_COUNT calls
#                     on the FUZZ_KERNEL debug kernel, one VM per seed and
#                     FUZZ_JOBS of them at once, table in docs/fuzz.rst
#   make bench        benchmarks against vgem, udmabuf, the system heap and
#                     anonymous memory on a kernel without checkers
#   make patches      build/patches: a git format-patch series that adds
#                     vshare to the kernel tree KSRC (default: the 7.3 test
#                     kernel's); it applies to the 6.12 and 7.3 trees
#   make intree       in each test kernel's tree (KERNELS): the series
#                     applied, vshare built as a module and built in (W=1),
#                     its KUnit suite run by the kernel's kunit.py
#   make clean
#
# demo and check install what they need (apt), build the debug kernels and
# the guest root into ~/.cache/vshare, and run everything under qemu.

KERNELS ?= 6.12 7.3
BENCH_KERNEL ?= 6.12-release
BENCH_BOOTS ?= 3
# Repetitions of the large buffers' figures in each boot (small ones: 20x
# that, at most 256); the VM's limit per boot, in seconds.
BENCH_REPS ?= 11
BENCH_TIMEOUT ?= 1800
# Empty: every section; or some of small,alloc,mmap,vmap,map_iso,scaling,many,
# lean (the last: it reloads vshare as its lean build, tools/bench/lean.py).
BENCH_SECTIONS ?=
FUZZ_KERNEL ?= 7.3
FUZZ_SEEDS ?= 1 2 3
FUZZ_COUNT ?= 1000000
FUZZ_JOBS ?= 2
KSRC ?= $(shell $(VM) path src 7.3)
KDIR ?= /lib/modules/$(shell uname -r)/build
VM := tools/vm/vshare-vm
RESULTS := build/results
MIN_KERNEL := 6.12
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

CFLAGS_TOOLS := -O2 -g -std=gnu11 -Wall -Wextra -Werror \
	-Itools/common -Iinclude/uapi/drm -I/usr/include/libdrm
# Helpers the tools share with the tests (tools/common).
COMMON := tools/common/drm_open.c tools/common/pattern.c tools/common/crc32.c \
	tools/common/configfs.c

all: modules

modules:
	@rel=$$(cat $(KDIR)/include/config/kernel.release 2>/dev/null); \
	if [ -z "$$rel" ]; then \
		echo "vshare: no kernel build tree at KDIR=$(KDIR)"; exit 1; fi; \
	if [ "$$(printf '%s\n' $(MIN_KERNEL) $$rel | sort -V | head -1)" != "$(MIN_KERNEL)" ]; then \
		echo "vshare: kernel $$rel is too old: vshare needs Linux $(MIN_KERNEL) or newer"; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers/gpu/drm/vshare CONFIG_DRM_VSHARE=m modules

deps:
	$(VM) deps

# The Debian sid guest root. Its wayland-protocols has the XML of
# wp_linux_drm_syncobj_v1 that tests/gfx builds the sway client from
# (bookworm's is too old); without the root, tests/gfx builds without it
# and says so. Goals that boot the VM build the root before the tests.
root: deps
	$(VM) root >/dev/null

ifneq ($(filter demo check check-kernel bench mutants integrity fuzz,$(MAKECMDGOALS)),)
tests: root
endif

tests: deps
	$(MAKE) -C tests/igt
	$(MAKE) -C tests/gfx GUEST_ROOT="$$($(VM) path root)"
	@mkdir -p build/tools
	$(CC) $(CFLAGS_TOOLS) -static -o build/tools/vshare_demo tools/demo/vshare_demo.c $(COMMON)
	$(CC) $(CFLAGS_TOOLS) -static -o build/tools/vshare_bench tools/bench/vshare_bench.c $(COMMON)
	$(CC) $(CFLAGS_TOOLS) -static -o build/tools/vshare tools/vshare/vshare.c $(COMMON) -ldrm

demo: tests
	$(VM) run --kernel $(firstword $(KERNELS)) --timeout 2400 --out $(RESULTS)/demo -- \
		'modprobe vgem && modprobe vkms && insmod /job/vshare.ko && \
		 /vshare/build/tools/vshare_demo && \
		 VSHARE_GFX_EXPLICIT=acquire sh /vshare/tests/gfx/run-weston.sh /job/gfx-checks /job && \
		 ! grep -q fail /job/gfx-checks && rmmod vshare'
	@echo "weston showing a vshare buffer (a test card): $(RESULTS)/demo/weston-vshare.png"
	@echo "weston waiting for a vshare job's fence: while pending" \
		"$(RESULTS)/demo/weston-explicit-acquire-1.png, after" \
		"$(RESULTS)/demo/weston-explicit-acquire-2.png"

# Where make check's time goes: one "SECONDS WHAT" line per phase.
START := $(shell date +%s)
TIMING = $(RESULTS)/timing.txt
phase = echo "$$(( $$(date +%s) - $$t )) $(1)" >>$(TIMING)

check: tests
	@rm -rf $(RESULTS)/host $(addprefix $(RESULTS)/,$(KERNELS)) $(RESULTS)/debian
	@mkdir -p $(RESULTS)
	@echo "$$(( $$(date +%s) - $(START) )) host packages, guest root, test binaries" >$(TIMING)
	@for k in $(KERNELS); do t=$$(date +%s); \
		$(VM) kernel $$k >/dev/null || exit 1; $(call phase,kernel $$k); done
	@t=$$(date +%s); tests/host-checks.sh $(RESULTS)/host $(KERNELS); \
		$(call phase,host checks)
	@# The kernels' VMs run side by side: a guest's tests run one at a
	@# time, so each VM keeps one host core busy, not two. The Debian job
	@# (tests/check-debian.sh) follows whichever finishes first: never
	@# more than two VMs at once, and no core left idle while the slower
	@# kernel's VM ends. The last kernel's VM, the slowest in our runs,
	@# starts first.
	@t0=$$(date +%s); pids=""; rm -rf $(RESULTS)/.debian-taken; \
	for k in $$(printf '%s\n' $(KERNELS) | tac); do \
		( t=$$(date +%s); \
		  $(VM) run --kernel $$k --quiet --timeout 4800 --out $(RESULTS)/$$k -- \
			sh /vshare/tests/run-guest.sh; \
		  echo "kernel $$k: VM exit status $$?"; \
		  echo "~$$(( $$(date +%s) - $$t )) VM on $$k" >>$(TIMING).part; \
		  mkdir $(RESULTS)/.debian-taken 2>/dev/null || exit 0; \
		  t=$$(date +%s); \
		  tests/check-debian.sh $(RESULTS)/debian $(VERSION); \
		  echo "~$$(( $$(date +%s) - $$t )) VM on the Debian kernel with the vshare-dkms package, after $$k's" >>$(TIMING).part ) & \
		pids="$$pids $$!"; sleep 20; \
	done; wait $$pids; t=$$t0; rm -rf $(RESULTS)/.debian-taken; \
	$(call phase,VMs of the test kernels and Debian's: two at a time); \
	cat $(TIMING).part >>$(TIMING); rm -f $(TIMING).part
	python3 tests/summary.py --timing $(TIMING) $(RESULTS)/host \
		$(addprefix $(RESULTS)/,$(KERNELS)) $(RESULTS)/debian

# The smoke list on your kernel; the summary fails on a missing result as
# make check's does.
check-kernel: tests
	@rm -rf $(RESULTS)/user
	@mkdir -p $(RESULTS)
	KERNEL_IMAGE="$(KERNEL_IMAGE)" KERNEL_BUILD="$(KERNEL_BUILD)" \
	KERNEL_MODULES="$(KERNEL_MODULES)" $(VM) run --kernel user --quiet \
		--timeout 2400 --out $(RESULTS)/user -- \
		'sh /vshare/tests/run-guest.sh tests/igt/smoke.txt'; \
		echo "your kernel: VM exit status $$?"
	python3 tests/summary.py $(RESULTS)/user

# Each boot's progress (section, exporters, elapsed) comes from the guest's
# progress.log as the benchmark writes it.
bench: tests
	@rm -rf build/bench
	python3 tools/bench/lean.py $(BENCH_KERNEL) build/bench/lean
	@for i in $$(seq $(BENCH_BOOTS)); do \
		out=build/bench/boot$$i; mkdir -p $$out; : >$$out/progress.log; \
		echo "bench: boot $$i of $(BENCH_BOOTS)"; \
		tail -n +1 -F --pid=$$$$ $$out/progress.log 2>/dev/null & tailpid=$$!; \
		$(VM) run --kernel $(BENCH_KERNEL) --quiet --bench --timeout $(BENCH_TIMEOUT) \
			--out $$out -- \
			'echo 1024 >/sys/module/udmabuf/parameters/size_limit_mb && modprobe vgem && insmod /job/vshare.ko num_devices=2 && VSHARE_KO=/job/vshare.ko VSHARE_LEAN_KO=/vshare/build/bench/lean/vshare-lean.ko /vshare/build/tools/vshare_bench $(BENCH_REPS) "boot '$$i' of $(BENCH_BOOTS)" $(BENCH_SECTIONS) >/job/results.csv 2>/job/progress.log'; \
		rc=$$?; sleep 1; kill $$tailpid 2>/dev/null; \
		[ $$rc = 0 ] || { tail -5 $$out/console.log; exit 1; }; \
	done
	python3 tools/bench/report.py docs docs/benchmarks.rst "make bench" \
		"Linux $(BENCH_KERNEL)" build/bench/results.csv \
		build/bench/boot*/results.csv

mutants: tests
	python3 tests/mutants/mutants.py --doc docs/mutants.rst

integrity: tests
	python3 tests/integrity/demo.py --doc docs/integrity.rst

fuzz: tests
	python3 tests/fuzz/long_run.py --kernel $(FUZZ_KERNEL) --count $(FUZZ_COUNT) \
		--jobs $(FUZZ_JOBS) --doc docs/fuzz.rst $(FUZZ_SEEDS)

patches: deps
	tools/intree/patches.sh $(KSRC) build/patches

intree: deps
	tools/intree/check.sh build/intree $(KERNELS)

# The Debian package (debian/): vshare-dkms_VERSION_all.deb in build/deb,
# built from a copy of the files it ships, then checked by lintian.
deb: deps
	@[ "$$(dpkg-parsechangelog -S Version)" = "$(VERSION)" ] || \
		{ echo "debian/changelog's version is not dkms.conf's $(VERSION)"; exit 1; }
	rm -rf build/deb && mkdir -p build/deb/src
	cp -r debian dkms.conf drivers include build/deb/src/
	cd build/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	lintian --fail-on error,warning --tag-display-limit 0 build/deb/*.changes
	@ls build/deb/*.deb

dkms-install:
	rm -rf /usr/src/vshare-$(VERSION)
	mkdir -p /usr/src/vshare-$(VERSION)
	cp -r dkms.conf drivers include /usr/src/vshare-$(VERSION)/
	dkms add vshare/$(VERSION)
	dkms build vshare/$(VERSION)
	dkms install vshare/$(VERSION)

dkms-uninstall:
	dkms remove vshare/$(VERSION) --all
	rm -rf /usr/src/vshare-$(VERSION)

clean:
	rm -rf build
	$(MAKE) -C tests/igt clean
	find drivers -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' | xargs rm -f

.PHONY: all modules deps root tests demo check check-kernel bench mutants integrity fuzz patches intree deb dkms-install dkms-uninstall clean
