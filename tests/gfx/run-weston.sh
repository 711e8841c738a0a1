#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the test VM with vgem, vkms and vshare loaded: weston (headless,
# GL renderer on llvmpipe, kiosk shell) shows a buffer that our Wayland
# client shares through zwp_linux_dmabuf_v1; weston-screenshooter captures
# the output and the checker compares it with the client's pattern, pixel
# for pixel. Appends "name pass|fail" lines to CHECKS; the screenshots go
# to OUTDIR (weston-vshare.png, the one README.rst shows).
# Usage: run-weston.sh [CHECKS [OUTDIR]]
checks=${1:-/job/checks}
outdir=${2:-/job}
W=320
H=240
bin=/vshare/build/gfx/vshare_wayland
. "$(dirname "$0")/../lib.sh"

# Polls for up to $1 seconds until "$2" succeeds.
wait_for() {
	n=0
	while [ $n -lt "$1" ]; do
		sh -c "$2" && return 0
		sleep 1
		n=$((n + 1))
	done
	return 1
}

export XDG_RUNTIME_DIR=/tmp/xdg WAYLAND_DISPLAY=wayland-vshare
export GALLIUM_DRIVER=llvmpipe
mkdir -p -m 700 $XDG_RUNTIME_DIR
work=/tmp/weston
mkdir -p $work
cd $work || exit 1

# A fresh weston for every client: kiosk-shell (weston 16) crashes when
# a second fullscreen client goes away, so weston goes first. With a third
# argument "novgem", weston runs in a mount namespace whose /dev/dri has
# every node but vgem's: see simple_dmabuf_egl below for why.
start_weston() {
	rm -f $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY
	wcmd="weston --backend=headless --renderer=gl --shell=kiosk --width=$1"
	wcmd="$wcmd --height=$2 --debug --idle-time=0 --socket=$WAYLAND_DISPLAY"
	if [ "${3:-}" = novgem ]; then
		rm -rf /tmp/dri-novgem
		mkdir -p /tmp/dri-novgem
		for n in /dev/dri/*; do
			[ "$(basename "$(readlink "/sys/class/drm/${n##*/}/device")")" = vgem ] ||
				cp -a "$n" /tmp/dri-novgem/
		done
		unshare -m sh -c "mount --bind /tmp/dri-novgem /dev/dri && exec $wcmd" \
			>>$work/weston.log 2>&1 &
	else
		$wcmd >>$work/weston.log 2>&1 &
	fi
	weston=$!
	wait_for 180 "[ -S $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY ]"
}

stop_weston() {
	kill $weston 2>/dev/null
	wait $weston 2>/dev/null
}

# show NAME EXPORTER SEED STEP: 0 if the screenshot is the pattern.
show() {
	rm -f $work/wayland-screenshot*.png $work/client.out
	if ! start_weston $W $H; then
		echo "weston did not start"; tail -20 $work/weston.log
		return 1
	fi
	$bin show "$2" $W $H "$3" "$4" >$work/client.out 2>&1 &
	client=$!
	ok=1
	if wait_for 120 "grep -q shown $work/client.out" &&
	   timeout 120 weston-screenshooter >$work/shot.log 2>&1; then
		png=$(ls $work/wayland-screenshot*.png 2>/dev/null | head -1)
		if [ -n "$png" ]; then
			cp "$png" "$outdir/weston-$1.png"
			$bin check "$png" $W $H "$3" && ok=0
		else
			echo "no screenshot"; cat $work/shot.log
		fi
	else
		echo "$1: the client or the screenshot failed"
		cat $work/client.out $work/shot.log 2>/dev/null
	fi
	stop_weston
	kill $client 2>/dev/null
	wait $client 2>/dev/null
	return $ok
}

if show vshare vshare 0x5eed 0; then
	check gfx-weston-vshare pass
else
	check gfx-weston-vshare fail
fi
# The same with vgem as the exporter: the control.
if show vgem vgem 0x7e57 0; then
	check gfx-weston-vgem pass
else
	check gfx-weston-vgem fail
fi
# The check must see a colour one step off in every pixel's blue.
if show one-step-off vshare 0x5eed 1; then
	check gfx-weston-detects-one-step fail
else
	check gfx-weston-detects-one-step pass
fi
rm -f "$outdir/weston-one-step-off.png"

# weston's own dma-buf client, against vshare's card node (GBM there
# allocates vshare dumb buffers) and, as the control, vgem's.
card=
vgem_card=
for d in /sys/class/drm/card*; do
	[ -z "$card" ] &&
	[ "$(basename "$(readlink "$d/device/driver")")" = vshare ] &&
		card=/dev/dri/$(basename "$d")
	[ "$(basename "$(readlink "$d/device")")" = vgem ] &&
		vgem_card=/dev/dri/$(basename "$d")
done

# simple_dmabuf_egl NAME CARD [novgem]: its window is 256x256 (kiosk-shell refuses
# one larger than the output). Running is not enough: a screenshot taken
# while it runs must show its frame (a square with red, green, blue and
# yellow corners on black). Prints pass, fail, or weston-crashed.
simple_dmabuf_egl() {
	start_weston 640 480 "${3:-}"
	rm -f $work/wayland-screenshot*.png
	t0=$(date +%s)
	timeout 40 weston-simple-dmabuf-egl -d "$2" >$work/simple.log 2>&1 &
	simple=$!
	shown=no
	# Until it shows its frame, or leaves (after 40 s at most).
	while sleep 6 && kill -0 $simple 2>/dev/null; do
		rm -f $work/wayland-screenshot*.png
		timeout 30 weston-screenshooter >$work/shot.log 2>&1 || continue
		png=$(ls $work/wayland-screenshot*.png 2>/dev/null | head -1)
		[ -n "$png" ] || continue
		cp "$png" "$outdir/weston-simple-dmabuf-egl-$1.png"
		if $bin square "$png" >&2; then
			shown=yes
			break
		fi
	done
	wait $simple
	rc=$?
	alive=yes
	kill -0 $weston 2>/dev/null || alive=no
	stop_weston
	echo "weston-simple-dmabuf-egl on $2: status $rc after" \
		"$(($(date +%s) - t0)) s, frame shown: $shown, weston alive: $alive" >&2
	# It fails with a message and status 1, or an assertion (abort); it
	# leaves by itself with status 0 ("exiting") or runs until stopped.
	# Mesa's loader notes each DRM device libdrm cannot describe
	# ("failed to retrieve device information") while it probes: not the
	# client's failure.
	if [ $shown = yes ] && { [ $rc -eq 0 ] || [ $rc -eq 124 ]; } &&
	   ! grep -v "MESA-LOADER: failed to retrieve device information" $work/simple.log |
		grep -qiE "abort|assert|failed to|error: [^Z]"; then
		echo pass
	elif [ $alive = no ]; then
		cat $work/simple.log >&2
		echo weston-crashed
	else
		cat $work/simple.log >&2
		echo fail
	fi
}

if [ -n "$vgem_card" ] &&
   [ "$(simple_dmabuf_egl vgem "$vgem_card")" = pass ]; then
	check gfx-weston-simple-dmabuf-egl-vgem pass
else
	check gfx-weston-simple-dmabuf-egl-vgem fail
fi
# On vshare's card node. weston-simple-dmabuf-egl exports its buffers
# read-only (drmPrimeHandleToFD with no flags). Mesa's llvmpipe in weston
# cannot map a read-only dma-buf read-write, and with vgem loaded it falls
# back to importing the buffer into vgem (its surfaceless EGL device)
# and DRM_IOCTL_MODE_MAP_DUMB there, which vgem refuses for a buffer it
# did not export; llvmpipe then samples from address 0 and weston
# segfaults (Mesa 26.x, kms_dri_sw_winsys.c; vgem's own buffers pass as
# vgem re-imports them as its own objects, read-only or not). That path
# has no vshare code in it, so weston runs where vgem is not visible:
# llvmpipe then maps the read-only dma-buf for reading, through vshare.
case $(simple_dmabuf_egl vshare "$card" novgem) in
pass) check gfx-weston-simple-dmabuf-egl pass ;;
*) check gfx-weston-simple-dmabuf-egl fail ;;
esac

echo "weston log:"; tail -20 $work/weston.log
exit 0
