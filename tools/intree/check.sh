#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make intree: vshare inside each test kernel's own tree, as README says
# to put it there. For each kernel version:
#   recipe	README's three commands for a kernel tree (copy drivers/ and
#		include/, the line of ./Kconfig into drivers/gpu/drm/Kconfig,
#		the Makefile line), run as README has them;
#   module	in that tree, CONFIG_DRM_VSHARE=m and vshare.ko built with
#		W=1 -Werror;
#   apply	the series of make patches applied to another copy with
#		git am;
#   builtin	in that tree, CONFIG_DRM_VSHARE=y with its KUnit suite, the
#		directory built with W=1 -Werror, then vmlinux linked;
#   kunit	the suite run by the kernel's own runner in that tree:
#		tools/testing/kunit/kunit.py run --arch=x86_64
#		--kunitconfig=drivers/gpu/drm/vshare/tests (a kernel of its
#		own, booted in qemu).
# Prints "check intree-VER-STEP: pass|fail" lines and exits 1 on a fail.
#
# The module and built-in builds reuse the test kernel's objects: the
# patched tree and a copy of the build directory are mounted over the
# originals' paths in a private mount namespace, so kbuild sees the
# command lines it built with and compiles only what the series changes.
#
# Usage: check.sh OUTDIR VER...
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:?output directory}")
shift
vm=$top/tools/vm/vshare-vm
jobs=$(nproc)
bad=0

check() {
	echo "check intree-$1: $2"
	[ "$2" = pass ] || bad=1
}

# step NAME LOG CMD...: runs CMD with its output in LOG, says how it went.
step() {
	local name=$1 log=$2 t=$SECONDS
	shift 2
	if "$@" >"$log" 2>&1; then
		check "$name" pass
	else
		tail -25 "$log"
		check "$name" fail
	fi
	echo "  ($((SECONDS - t)) s, log $log)"
}

# In the namespace: SRC and KDIR are the patched tree and the copy.
build_in_tree() {
	local src=$1 kdir=$2 how=$3
	set -e
	cd "$src"
	if [ "$how" = module ]; then
		scripts/config --file "$kdir/.config" -m DRM_VSHARE \
			-d DRM_VSHARE_KUNIT_TEST
	else
		scripts/config --file "$kdir/.config" -e DRM_VSHARE \
			-e DRM_VSHARE_KUNIT_TEST
	fi
	make O="$kdir" olddefconfig
	grep -x "CONFIG_DRM_VSHARE=$([ "$how" = module ] && echo m || echo y)" \
		"$kdir/.config"
	make O="$kdir" -j"$jobs" W=1 KCFLAGS=-Werror drivers/gpu/drm/vshare/
	if [ "$how" = module ]; then
		make O="$kdir" -j"$jobs" modules
		modinfo "$kdir/drivers/gpu/drm/vshare/vshare.ko" | grep -x 'name: *vshare'
	else
		# The same flags as the kernel was built with: only vshare's
		# objects and the link are new.
		make O="$kdir" -j"$jobs" vmlinux
		grep -w vshare_init "$kdir/System.map"
	fi
}

# The tree's files the series changes (the rest it adds), from its
# "--- a/" lines; README's recipe changes two of them.
changed_files() { sed -n 's#^--- a/##p' "$@" | sort -u; }

# fresh_copy SRC DST: a copy of the tree that shares unchanged files with
# the cache; the hooked files are copied, so that changing them leaves
# the cache alone.
fresh_copy() {
	local f
	# Without the list, the recipe would append to the cache's own files.
	[ -n "$hooked" ] || { echo "fresh_copy: no hooked files" >&2; exit 1; }
	cp -al "$1" "$2"
	for f in $hooked; do
		cp --remove-destination "$1/$f" "$2/$f"
	done
}

# git_am TREE PATCH...: the series applied as a kernel developer would,
# with git am, to a repository of TREE's hooked files (hashing the whole
# tree would take minutes); the series must leave the driver there.
# shellcheck disable=SC2086
git_am() {
	local tree=$1
	shift
	git -C "$tree" init -q &&
	git -C "$tree" add -f $hooked &&
	git -C "$tree" -c user.name=intree -c user.email=intree@localhost \
		commit -q -m base &&
	git -C "$tree" -c user.name=intree -c user.email=intree@localhost \
		am "$@" &&
	git -C "$tree" log --oneline &&
	[ -f "$tree/drivers/gpu/drm/vshare/Kconfig" ] &&
	grep -F "$(grep '^source' "$top/Kconfig")" "$tree/drivers/gpu/drm/Kconfig"
}

# README's commands for a kernel tree, taken from README.rst itself.
readme_recipe() {
	local tree=$1 cmds
	cmds=$(sed -n "s#^    \(cp -r drivers include\|grep '^source' Kconfig\|echo 'obj-\)#\1#p" \
		"$top/README.rst")
	[ "$(echo "$cmds" | wc -l)" = 3 ] || { echo "README: $cmds"; return 1; }
	echo "$cmds"
	(cd "$top" && eval "${cmds//\/path\/to\/linux/$tree}")
}

for ver in "$@"; do
	src=$("$vm" path src "$ver") || exit 1
	kdir=$("$vm" kernel "$ver") || exit 1
	d=$out/$ver
	rm -rf "$d"
	mkdir -p "$d"
	"$top/tools/intree/patches.sh" "$src" "$d/patches" >/dev/null || exit 1
	hooked=$(changed_files "$d"/patches/000[1-9]-*.patch)
	fresh_copy "$src" "$d/recipe"
	step "$ver-recipe" "$d/recipe.log" readme_recipe "$d/recipe"
	fresh_copy "$src" "$d/src"
	step "$ver-apply" "$d/apply.log" git_am "$d/src" "$d"/patches/000[1-9]-*.patch
	for how in module builtin; do
		tree=$d/src
		[ $how = module ] && tree=$d/recipe
		rm -rf "$d/obj"
		cp -a "$kdir" "$d/obj"
		step "$ver-$how" "$d/$how.log" unshare -m bash -c '
			mount --bind "$1" "$3" && mount --bind "$2" "$4" &&
			'"$(declare -f build_in_tree)"'
			jobs=$6 build_in_tree "$3" "$4" "$5"' _ \
			"$tree" "$d/obj" "$src" "$kdir" "$how" "$jobs"
	done
	rm -rf "$d/recipe"
	rm -rf "$d/obj"
	# kunit.py asks qemu for kvm before tcg; like vshare-vm, run it
	# under TCG (a /dev/kvm that exists but hangs the guest is common in
	# nested VMs): /dev/kvm is hidden in its mount namespace. 4 GiB as
	# in vshare-vm, so that the bounce cases have pages above 4 GiB
	# (with kunit.py's 1 GiB they skip). kunit.py exits 0 on skips: every
	# case of the source must pass.
	cases=$(grep -c 'KUNIT_CASE(' "$d/src/drivers/gpu/drm/vshare/tests/vshare_test.c")
	step "$ver-kunit" "$d/kunit.log" unshare -m bash -c '
		[ ! -e /dev/kvm ] || mount --bind /dev/null /dev/kvm || exit 1
		python3 "$1/tools/testing/kunit/kunit.py" run \
			--arch=x86_64 --qemu_args="-m 4G" \
			--kunitconfig="$1/drivers/gpu/drm/vshare/tests" \
			--build_dir="$2" --jobs="$3" --timeout=1800 &&
		tail -n 5 "$5" |
		grep -Eqx ".*Testing complete. Ran $4 tests: passed: $4"' _ \
		"$d/src" "$d/kunit" "$jobs" "$cases" "$d/kunit.log"
	grep -E "Testing complete" "$d/kunit.log" | tail -1
	rm -rf "$d/kunit" "$d/src"
done
exit $bad
