#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the test VM with vgem, vkms and vshare (num_devices=2) loaded:
# every subcommand of tools/vshare, its help and its error paths. Appends
# "cli-NAME pass|fail" lines to CHECKS (default /job/checks).
checks=${1:-/job/checks}
v=/vshare/build/tools/vshare
out=/tmp/cli
mkdir -p $out
check_prefix=cli-
. "$(dirname "$0")/../lib.sh"

# expect NAME STATUS GREP -- CMD...: CMD exits STATUS and its output
# (stdout and stderr) contains GREP.
expect() {
	name=$1 status=$2 pattern=$3
	shift 4
	"$@" >$out/$name.log 2>&1
	rc=$?
	if [ $rc -eq "$status" ] && grep -q -- "$pattern" $out/$name.log; then
		check "$name" pass
	else
		echo "cli-$name: status $rc (wanted $status), output:"
		cat $out/$name.log
		check "$name" fail
	fi
}

# card_of DRIVER [N]: the card node of the Nth device of DRIVER, by the
# name DRM gives it in debugfs (vgem and vkms have no driver link in sysfs
# on 7.x, being faux devices).
card_of() {
	n=${2:-0}
	for d in /sys/kernel/debug/dri/[0-9]*; do
		m=$(basename "$d")
		[ "$m" -lt 128 ] || continue
		if [ "$(cut -d' ' -f1 "$d/name")" = "$1" ]; then
			[ "$n" -eq 0 ] && { echo /dev/dri/card$m; return; }
			n=$((n - 1))
		fi
	done
}

totals() { $v stats | grep 'buffers:' ; }
before=$(totals)

expect help 0 "usage: vshare COMMAND" -- $v --help
for c in list create import stats device; do
	expect help-$c 0 "usage: vshare $c" -- $v $c --help
done
expect no-command 2 "no command" -- $v
expect unknown-command 2 "unknown command 'frobnicate'" -- $v frobnicate
expect list 0 "vshare device 1:" -- $v list
expect list-buffers 0 "buffers: " -- $v list
expect stats 0 "parameter mem_limit_mb" -- $v stats
expect create-bad-size 2 "invalid size '12Q'" -- $v create --size 12Q --send $out/s
expect create-no-send 2 "are required" -- $v create --size 1M
expect create-bad-pattern 2 "neither seed:N nor value:X" -- \
	$v create --size 1M --send $out/s --pattern 42
expect create-no-device 1 "no vshare device 7" -- \
	$v create --size 1M --send $out/s --device 7
expect create-too-big 1 "Cannot allocate memory" -- \
	$v create --size 64G --send $out/s
expect import-no-device 1 "/dev/dri/card99: No such file" -- \
	$v import --recv $out/s --device /dev/dri/card99
expect import-no-socket 1 "$out/none: " -- \
	$v import --recv $out/none --device "$(card_of vgem)"
expect import-missing-args 2 "are required" -- $v import --recv $out/s

# share NAME STATUS GREP IMPORT-DEVICE CREATE-ARGS -- IMPORT-ARGS
share() {
	name=$1 status=$2 pattern=$3 dev=$4 cargs=$5
	shift 6
	rm -f $out/sock
	$v create --send $out/sock $cargs >$out/$name-create.log 2>&1 &
	creator=$!
	n=0
	while [ ! -S $out/sock ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	expect "$name" "$status" "$pattern" -- \
		$v import --recv $out/sock --device "$dev" "$@"
	# The creator leaves once the importer hung up; never wait forever.
	n=0
	while kill -0 $creator 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
	if kill -0 $creator 2>/dev/null; then
		kill $creator
		echo "cli-$name: the creator was left waiting"
		check "$name-creator" fail
		wait $creator 2>/dev/null
		return
	fi
	# The creator's own failure is the check's failure too.
	if ! wait $creator; then
		echo "cli-$name: the creator failed:"
		cat $out/$name-create.log
		check "$name-creator" fail
	fi
}

share to-vgem 0 "contents match (mmap)" "$(card_of vgem)" \
	"--size 4M --pattern seed:7" -- --pattern seed:7
share to-vkms 0 "contents match (mmap)" "$(card_of vkms)" \
	"--size 3M --pattern seed:8" -- --pattern seed:8
share to-vshare1 0 "contents match (kernel CRC32" "$(card_of vshare 1)" \
	"--size 2M --contiguous --pattern value:0xc0ffee" -- --pattern value:0xc0ffee
share to-vshare1-wc 0 "contents match (kernel CRC32" "$(card_of vshare 1)" \
	"--size 1M --wc --pattern seed:9" -- --pattern seed:9
share wrong-seed 1 "contents differ at byte 0" "$(card_of vgem)" \
	"--size 1M --pattern seed:10" -- --pattern seed:11
share read-only 0 "contents match (mmap)" "$(card_of vshare 1)" \
	"--size 1M --read-only --pattern seed:12" -- --pattern seed:12

# Devices in configfs: made, shown, used, refused, removed.
cfs=/sys/kernel/config/vshare
expect device-create 0 "vshare device cli0: vshare\.[0-9]* /dev/dri/card[0-9]* /dev/dri/renderD" -- \
	$v device create cli0 dma_mask_bits=32 max_segment_size=65536 alloc=lazy
expect device-list-config 0 "configfs cli0: dma_mask_bits=32 max_segment_size=65536 .*alloc=lazy" -- \
	$v list
expect device-stats-config 0 "configfs cli0: .*alloc=lazy" -- $v stats
# A buffer of device 0 imported into cli0, checked by cli0's kernel CRC.
cli0_card=$(sed -n 's/^vshare device cli0: [^ ]* \([^ ]*\) .*/\1/p' $out/device-create.log)
share to-cli0 0 "contents match (kernel CRC32" "$cli0_card" \
	"--size 3M --pattern seed:13" -- --pattern seed:13
expect device-create-exists 1 "cli0: File exists" -- $v device create cli0
expect device-create-no-name 2 "NAME is required" -- $v device create
expect device-create-bad-key 2 "unknown attribute 'frobs'" -- \
	$v device create cli1 frobs=1
expect device-create-not-key-value 2 "'alloc' is not KEY=VALUE" -- \
	$v device create cli1 alloc
expect device-create-out-of-range 1 "dma_mask_bits=99: Numerical result out of range" -- \
	$v device create cli1 pitch_align=256 dma_mask_bits=99
expect device-create-bad-enum 1 "caching=pink: Invalid argument" -- \
	$v device create cli1 caching=pink
# A refused value leaves no directory behind.
if [ -e $cfs/cli1 ]; then
	check device-create-refused-cleaned fail
else
	check device-create-refused-cleaned pass
fi
expect device-create-no-enable 0 "vshare device cli2: created, not enabled" -- \
	$v device create cli2 pitch_align=256 --no-enable
expect device-list-disabled 0 "configfs device cli2 (not enabled): .*pitch_align=256" -- \
	$v list
expect device-remove 0 "vshare device cli0 removed" -- $v device remove cli0
expect device-remove-disabled 0 "vshare device cli2 removed" -- \
	$v device remove cli2
# Its directory and its nodes are gone.
if [ -e $cfs/cli0 ] || [ -e $cfs/cli2 ] ||
   { [ -n "$cli0_card" ] && [ -e "$cli0_card" ]; }; then
	check device-removed-gone fail
else
	check device-removed-gone pass
fi
expect device-remove-unknown 1 "no configfs device 'nosuch'" -- \
	$v device remove nosuch
# Whatever a failed check left, so that the module unloads.
for d in cli0 cli1 cli2; do
	[ -d $cfs/$d ] || continue
	echo 0 >$cfs/$d/enabled
	rmdir $cfs/$d
done

# Nothing left behind: the totals are as before.
after=$(totals)
if [ "$before" = "$after" ]; then
	check totals-unchanged pass
else
	echo "before: $before"; echo "after: $after"
	check totals-unchanged fail
fi
exit 0
