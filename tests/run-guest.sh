#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (tools/vm/vshare-vm run): loads vgem, vkms and
# vshare, runs our IGT tests and the upstream ones under igt_runner, then
# unloads vshare. Results go to /job/results (results.json; as tar files
# from the guest, see runner()) and /job/checks.
# Usage: run-guest.sh [LIST]: with LIST (e.g. tests/igt/smoke.txt), only the
# tests it names, ours or upstream; by default, every one of ours and
# those of tests/igt/upstream.txt.
set -u
export IGT_SENTINEL_ON_STDERR=1
# Generic upstream tests open "any" driver: make that vshare.
export IGT_FORCE_DRIVER=vshare
checks=/job/checks
: >$checks
. "$(dirname "$0")/lib.sh"
# Marks in the kernel log: summary.py names the phase of any report.
phase() { echo "vshare-guest: phase $1" >/dev/kmsg; }

upstream=/usr/libexec/igt-gpu-tools
# Ours run one process per subtest; the upstream ones, which start slowly
# (dynamically linked, under TCG: about 4 s a subtest) and are written to
# run whole, one process per binary (igt_runner --multiple-mode).
root=/tmp/igt-root
uproot=/tmp/igt-upstream
mkdir -p $root $uproot

list=${1:-}
# The peer devices are preconditions, not options: without them subtests
# would skip, so their absence is a failure of its own.
# fail-nth also counts the kernel's own failslab and fail_page_alloc
# points (the debug kernels have them): make them ignore everything, so
# that the fault tests' walks reach vshare's points. vshare_engine's
# all-or-nothing walk turns failslab back on for itself.
[ -w /sys/kernel/debug/failslab/cache-filter ] &&
	echo Y >/sys/kernel/debug/failslab/cache-filter
[ -w /sys/kernel/debug/fail_page_alloc/min-order ] &&
	echo 11 >/sys/kernel/debug/fail_page_alloc/min-order

phase modprobe
if modprobe vgem; then check modprobe-vgem pass; else check modprobe-vgem fail; fi
# Debian's prebuilt kernel has no vkms: the smoke list does without.
if [ -z "$list" ]; then
	if modprobe vkms; then check modprobe-vkms pass; else check modprobe-vkms fail; fi
fi
phase "insmod and KUnit"
# VSHARE_KO: another build of the module (make integrity's broken one).
# VSHARE_MODPROBE=1: the module the vshare-dkms package installed (make
# check's Debian step), loaded as a user would, from updates/dkms.
load="insmod ${VSHARE_KO:-/job/vshare.ko}"
if [ "${VSHARE_MODPROBE:-}" = 1 ]; then
	path=$(modinfo -n vshare 2>&1)
	echo "modinfo -n vshare: $path"
	case $path in
	/lib/modules/$(uname -r)/updates/dkms/vshare.ko*)
		check module-dkms-path pass ;;
	*)	check module-dkms-path fail ;;
	esac
	load="modprobe vshare"
fi
if $load num_devices=2; then
	check module-load pass
else
	check module-load fail
fi
# Both vshare devices: the second is every test's peer device.
for d in 0 1; do
	if [ -e /sys/bus/platform/devices/vshare.$d/driver ]; then
		check vshare-device-$d pass
	else
		check vshare-device-$d fail
	fi
done
ls -l /dev/dri

# The KUnit suite ran when vshare.ko loaded: one check per case (on kernels
# with KUnit: the debug kernels).
kunit=/sys/kernel/debug/kunit/vshare/results
if [ ! -d /sys/kernel/debug/kunit ]; then
	echo "no KUnit in this kernel"
elif [ -r $kunit ]; then
	cp $kunit /job/kunit-results.txt
	awk '/^ +(not )?ok [0-9]+ / {
		res = $1 == "not" ? "fail" : "pass"
		name = $1 == "not" ? $4 : $3
		if ($0 ~ /# SKIP/) res = "skip"
		print "kunit-" name, res
	}' $kunit >>$checks
else
	check kunit fail
fi

: >$root/wanted.txt
: >$uproot/wanted.txt
excludes=$(sed -n 's/^!\(.*\)/-x \1/p' /vshare/tests/igt/upstream.txt)
if [ -n "$list" ]; then
	grep -v '^[#!]' "/vshare/$list" | while read -r t _; do
		[ -n "$t" ] || continue
		if [ -x "/vshare/build/igt/$t" ]; then
			ln -s "/vshare/build/igt/$t" $root/
			echo "$t" >>$root/wanted.txt
		else
			ln -s "$upstream/$t" $uproot/
			echo "$t" >>$uproot/wanted.txt
		fi
	done
else
	# The list make built, not what happens to be there: a missing
	# binary is then a missing test, not one fewer.
	# Ours that load Mesa or Vulkan start as slowly as upstream's: one
	# process per binary for them too.
	while read -r t; do
		case $t in
		vshare_mesa | vshare_vulkan) dir=$uproot ;;
		*) dir=$root ;;
		esac
		ln -s "/vshare/build/igt/$t" $dir/
		echo "$t" >>$dir/wanted.txt
	done </vshare/build/igt/test-list.txt
	grep -v '^[#!]' /vshare/tests/igt/upstream.txt | while read -r t only _; do
		[ -n "$t" ] || continue
		case $only in
		only=*)
			case $(uname -r) in
			"${only#only=}"*) ;;
			*) echo "$t: only on ${only#only=}"; continue ;;
			esac ;;
		esac
		ln -s "$upstream/$t" $uproot/
		echo "$t" >>$uproot/wanted.txt
	done
fi
# igt_runner stops at a listed binary that is not there: it gets what
# exists, and the expected list below still names the missing one.
for dir in $root $uproot; do
	: >"$dir/test-list.txt"
	while read -r t; do
		if [ -x "$dir/$t" ]; then
			echo "$t" >>"$dir/test-list.txt"
		else
			echo "$t: no such test binary"
		fi
	done <"$dir/wanted.txt"
done

# What must be in the results: every subtest each listed binary says it
# has (summary.py drops the documented excludes), or the binary itself.
expected=/job/expected.txt
: >$expected
for dir in $root $uproot; do
	while read -r t; do
		subs=""
		[ -x "$dir/$t" ] && subs=$("$dir/$t" --list-subtests 2>/dev/null)
		if [ -n "$subs" ]; then
			echo "$subs" | sed "s/^/igt@$t@/"
		else
			echo "igt@$t"
		fi >>$expected
	done <"$dir/wanted.txt"
done
for c in module-load module-unload modprobe-vgem vshare-device-0 \
	vshare-device-1; do
	echo "check@$c" >>$expected
done
# The package's checks: the path here, the build, install and purge on
# the host (make check appends them after the VM).
[ "${VSHARE_MODPROBE:-}" = 1 ] &&
	printf 'check@%s\n' module-dkms-path deb-build deb-install deb-purge \
		>>$expected
[ -d /sys/kernel/debug/kunit ] &&
	sed -n 's/^[[:space:]]*KUNIT_CASE(\(vshare_test_[a-z0-9_]*\)).*/check@kunit-\1/p' \
		/vshare/drivers/gpu/drm/vshare/tests/vshare_test.c >>$expected
# The checks of the full run (weston, the CLI), by name.
[ -n "$list" ] ||
	grep -v '^#' /vshare/tests/expected-checks.txt | sed 's/^/check@/' >>$expected

phase igt_runner
# keep-all: a parent subtest whose body fails after its dynamic subtests
# stays in the results (igt_runner 2.5's default, said explicitly).
# --dmesg-warn-level 3: the emulator's timing noise comes as warnings
# (vkms vblank timer overruns, "hrtimer: interrupt took"); every report
# (WARNING, BUG, KASAN, lockdep, ...) still fails the run through
# summary.py's kernel-log check, named by the subtest it came in.
#
# The results are written in the guest's tmpfs and reach /job as tar
# files: on the 9p share every file operation is a round trip to the host,
# about 3 s a subtest of igt_runner's own writing and reading (vshare_basic's
# 20 subtests under igt_runner took 109 s with the results on /job and
# 42 s in tmpfs, one VM, December 5). So that a VM that dies still leaves
# what ran, mirror() sends the subtests done since its last look every
# 30 s; vshare-vm unpacks the whole directory or, without it, the parts.
out=/tmp/igt-out
runner() {
	name=$1
	shift
	mkdir -p $out
	mirror "$name" &
	mirror=$!
	# shellcheck disable=SC2086
	igt_runner --overwrite --dmesg-warn-level 3 --prune-mode=keep-all \
		$excludes "$@" $out/"$name" >>/job/runner.log 2>&1
	rc=$?
	kill $mirror
	wait $mirror 2>/dev/null
	tar -C $out -cf /job/"$name".tar.tmp "$name" &&
		mv /job/"$name".tar.tmp /job/"$name".tar
	rm -f /job/"$name".part-*
	echo "igt_runner $* exit status $rc"
}

# mirror NAME: every 30 s, NAME's top files, the directories of the
# subtests finished since the last part and the one running now (the
# highest number: in a later part again, complete) as /job/NAME.part-N.tar.
mirror() {
	name=$1
	n=0
	from=0
	while sleep 30; do
		last=$(ls $out/"$name" 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1)
		[ -n "$last" ] || continue
		set --
		k=$from
		while [ "$k" -le "$last" ]; do
			set -- "$@" "$name/$k"
			k=$((k + 1))
		done
		(cd $out && tar -cf /job/"$name".part-$n.tar.tmp "$name"/*.txt "$@" &&
			mv /job/"$name".part-$n.tar.tmp /job/"$name".part-$n.tar)
		n=$((n + 1))
		from=$last
	done
}
: >/job/runner.log
[ -s $root/test-list.txt ] && runner results --per-test-timeout 300 $root
# A whole binary in one process: a longer limit.
[ -s $uproot/test-list.txt ] &&
	runner results-upstream --multiple-mode --per-test-timeout 1200 $uproot

# Mesa and a compositor: weston shows vshare buffers (not on the smoke
# list's kernel, which lacks vkms).
phase weston
[ -n "$list" ] || sh /vshare/tests/gfx/run-weston.sh $checks /job
phase sway
[ -n "$list" ] || sh /vshare/tests/gfx/run-sway.sh $checks /job
# The vshare command-line tool, every subcommand and error path.
phase cli
[ -n "$list" ] || sh /vshare/tests/cli/run-cli.sh $checks

# Every buffer and file is gone: the module must unload.
phase rmmod
# A compositor or client killed just before may still be closing its
# files: one more try after 20 s, saying what held the module first.
if rmmod vshare; then
	check module-unload pass
else
	echo "rmmod vshare failed: refcnt $(cat /sys/module/vshare/refcnt)"
	ls /sys/module/vshare/holders
	echo "configfs devices: $(ls /sys/kernel/config/vshare 2>/dev/null)"
	grep -B1 -A3 vshare /sys/kernel/debug/dma_buf/bufinfo 2>/dev/null | head -40
	for p in /proc/[0-9]*; do
		ls -l "$p/fd" 2>/dev/null | grep -q "/dev/dri\|dmabuf\|sync_file" &&
			echo "pid ${p#/proc/} ($(cat "$p/comm")) holds DRM, dma-buf or sync_file fds"
	done
	sleep 20
	if rmmod vshare; then
		check module-unload pass
	else
		echo "rmmod vshare failed again: refcnt $(cat /sys/module/vshare/refcnt)"
		check module-unload fail
	fi
fi
exit 0
