#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Source checks run on the host, written as "name pass|fail" lines to
# OUTDIR/checks for tests/summary.py:
#   checkpatch-VER  scripts/checkpatch.pl --strict of that kernel tree, clean
#   build-VER       W=1 -Werror build of vshare.ko, with no message
#   sparse-VER      the same with sparse (C=1), with no message
#   kernel-doc-VER  the kernel's scripts/kernel-doc has nothing to say
#   refuse-old-kernel  make against 6.1 headers stops, naming the minimum
#   layers          the driver's files use only the layers below them
#   patches-VER     make patches' series (made from the last VER's tree)
#                   applies to that kernel tree with git apply, no fuzz
# Usage: host-checks.sh OUTDIR VER...
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "$1")
shift
mkdir -p "$out"
: >"$out/checks"
log=$out/host-checks.log
: >"$log"

files=$(cd "$TOP" && ls drivers/gpu/drm/vshare/*.[ch] drivers/gpu/drm/vshare/tests/*.c \
	drivers/gpu/drm/vshare/Makefile \
	drivers/gpu/drm/vshare/Kconfig include/uapi/drm/vshare_drm.h)

# The cached source tree of kernel VER.
src_of() { echo "${VSHARE_CACHE:-$HOME/.cache/vshare}/src/linux-$1"; }

# build VER NAME SPARSE: the module must build with no message at all.
build() {
	local err=$out/build-$1-$2.err
	if VSHARE_SPARSE=$3 "$TOP/tools/vm/vshare-vm" module "$1" >/dev/null 2>"$err" &&
	   ! grep -qv '^\[vshare-vm\]' "$err"; then
		echo "$2-$1 pass" >>"$out/checks"
	else
		echo "$2-$1 fail" >>"$out/checks"
	fi
	cat "$err" >>"$log"
}

for ver in "$@"; do
	src=$(src_of "$ver")
	if (cd "$TOP" && perl "$src/scripts/checkpatch.pl" --strict --no-tree \
		--terse -f $files) >>"$log" 2>&1; then
		echo "checkpatch-$ver pass" >>"$out/checks"
	else
		echo "checkpatch-$ver fail" >>"$out/checks"
	fi

	# kernel-doc of the uapi header and the driver: no warning.
	if (cd "$TOP" && "$src/scripts/kernel-doc" -none $files) >"$out/kdoc-$ver" 2>&1 &&
	   ! [ -s "$out/kdoc-$ver" ]; then
		echo "kernel-doc-$ver pass" >>"$out/checks"
	else
		echo "kernel-doc-$ver fail" >>"$out/checks"
	fi
	cat "$out/kdoc-$ver" >>"$log"

	build "$ver" build ""
	# Debian's sparse (0.6.4) cannot parse kernels that use
	# __typeof_unqual__ (7.x): the kernel's own probe tells.
	if [ ! -f "$src/scripts/checker-valid.sh" ] ||
	   "$src/scripts/checker-valid.sh" sparse -m64 2>/dev/null | grep -qx 1; then
		build "$ver" sparse 1
	else
		echo "sparse-$ver skip" >>"$out/checks"
		echo "sparse-$ver: sparse $(sparse --version) is too old for $ver" >>"$log"
	fi
done

# Kernels older than the minimum are refused by name, not by a build error:
# the host's (bookworm's) 6.1 headers, where installed.
for kdir in /usr/src/linux-headers-6.1.*-amd64; do
	[ -d "$kdir" ] || continue
	msg=$(make -s -C "$TOP" KDIR="$kdir" 2>&1)
	if [ $? -ne 0 ] && echo "$msg" | grep -q "needs Linux 6.12 or newer"; then
		echo "refuse-old-kernel pass" >>"$out/checks"
	else
		echo "refuse-old-kernel fail" >>"$out/checks"
	fi
	echo "make KDIR=$kdir: $msg" >>"$log"
	break
done
# One series for every tree: made from the last tree, applied to each.
if "$TOP/tools/intree/patches.sh" "$(src_of "${@: -1}")" "$out/patches" >>"$log" 2>&1; then
	for ver in "$@"; do
		src=$(src_of "$ver")
		# The ceiling: git apply inside some repository would skip
		# paths outside it, and succeed.
		if (cd "$src" && GIT_CEILING_DIRECTORIES=$(dirname "$src") \
			git apply --check --verbose "$out"/patches/000[1-9]-*.patch) \
			>"$out/patches-$ver.log" 2>&1 &&
		   grep -q "^Checking patch drivers/gpu/drm/Kconfig" "$out/patches-$ver.log"; then
			echo "patches-$ver pass" >>"$out/checks"
		else
			echo "patches-$ver fail" >>"$out/checks"
		fi
		cat "$out/patches-$ver.log" >>"$log"
	done
else
	for ver in "$@"; do echo "patches-$ver fail" >>"$out/checks"; done
fi
# The driver's files call each other only down the layers of vshare_drv.h.
if (cd "$TOP" && python3 tools/layers.py) >>"$log" 2>&1; then
	echo "layers pass" >>"$out/checks"
else
	echo "layers fail" >>"$out/checks"
fi
# Every mutant of make mutants still applies to the driver as it is now.
if (cd "$TOP" && python3 tests/mutants/mutants.py --check) >>"$log" 2>&1; then
	echo "mutants-apply pass" >>"$out/checks"
else
	echo "mutants-apply fail" >>"$out/checks"
fi
cat "$out/checks"
