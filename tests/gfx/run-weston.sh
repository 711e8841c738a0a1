#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the test VM with vgem, vkms and vshare loaded: weston (headless,
# GL renderer on llvmpipe, kiosk shell) shows a buffer that our Wayland
# client shares through zwp_linux_dmabuf_v1; weston-screenshooter captures
# the output and the checker compares it with the client's test card, pixel
# for pixel. Appends "name pass|fail" lines to CHECKS; the screenshots go
# to OUTDIR (weston-vshare.png, the one README.rst shows).
# Usage: run-weston.sh [CHECKS [OUTDIR]]
checks=${1:-/job/checks}
outdir=${2:-/job}
W=320
H=240
bin=/vshare/build/gfx/vshare_wayland
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/gfx.sh"

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
	# Mesa's first start in a VM under a loaded TCG host takes a minute
	# or more: 180 s at most, but stopped as soon as the frame showed.
	timeout 180 weston-simple-dmabuf-egl -d "$2" >$work/simple.log 2>&1 &
	simple=$!
	shown=no
	# Until it shows its frame, or leaves.
	while sleep 6 && kill -0 $simple 2>/dev/null; do
		rm -f $work/wayland-screenshot*.png
		timeout 30 weston-screenshooter >$work/shot.log 2>&1 || continue
		png=$(ls $work/wayland-screenshot*.png 2>/dev/null | head -1)
		[ -n "$png" ] || continue
		cp "$png" "$outdir/weston-simple-dmabuf-egl-$1.png"
		if $bin square "$png" >&2; then
			shown=yes
			kill $simple 2>/dev/null
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
	# leaves by itself with status 0 ("exiting") or runs until stopped
	# (124 by timeout, 143 by us).
	# Mesa's loader notes each DRM device libdrm cannot describe
	# ("failed to retrieve device information") while it probes, and
	# zink that it found no Vulkan device for the node ("ZINK: failed to
	# choose pdev"): not the client's failure.
	# 143: stopped here (SIGTERM) once the frame showed.
	if [ $shown = yes ] && { [ $rc -eq 0 ] || [ $rc -eq 124 ] || [ $rc -eq 143 ]; } &&
	   ! grep -v -e "MESA-LOADER: failed to retrieve device information" \
		-e "MESA: error: ZINK: " $work/simple.log |
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

# zwp_linux_explicit_synchronization_v1 (vshare_wayland explicit, whose
# comment lists the client's steps). The client shows buffer A (colour
# 1), then commits buffer B (old contents: a pattern) together with an
# engine FILL of colour 2 into B that the engine holds back, its
# out-fence (a vshare sync_file) as B's acquire fence, and asks for
# release events; it writes colour 3 into A only after A's release
# (after the release fence, when fenced).
#
# What weston 16 does with the acquire fence (libweston/renderer-gl/
# gl-renderer.c, ensure_surface_buffer_is_ready()): it applies the
# commit at once and, when it draws B, makes an EGLSyncKHR of the fence
# and calls eglWaitSyncKHR. llvmpipe implements that wait as a CPU wait
# (lp_fence_wait() on the sync_file, Mesa 26) in weston's only thread:
# weston stops until the job is done, and a screenshot asked for while it
# is pending comes back after the fence, showing colour 2. So while
# pending a screenshot may show colour 1 (a compositor that holds the
# commit back) or colour 2 (one that waits before drawing, as here), but
# never the pattern: B sampled before its fence. The client's
# "sync-answered" line, a wl_display.sync sent 1 s after the commit,
# shows how long weston stood still.
#
# The negative control: the same without the acquire fence. weston has
# no implicit sync of its own (no DMA_BUF_IOCTL_EXPORT_SYNC_FILE in
# libweston 16) and llvmpipe reads an imported dma-buf through a plain
# mmap() of it (no DMA_BUF_IOCTL_SYNC, which would wait for the job's
# fence in B's reservation object), so weston draws B at once and the
# pending screenshot shows the pattern: what the control must see, and
# the proof that the screenshots come while the job is pending. (Nothing
# damages B afterwards, so weston may keep showing the stale frame even
# after the job: printed, not checked.)
#
# The job's hold is measured, not guessed: 2.5 times the first
# screenshot's time plus 6 s (hold_ms in gfx.sh), 8 s at least, 60 s at
# most. Weston's log must say "explicit sync: yes", which needs llvmpipe
# native fence fds, which need /dev/udmabuf.
eseed=0x5eed

# explicit_case acquire|none: one weston, one client. Sets s0..s3 (what
# each screenshot shows), t_commit, t_signal, s1_asked, s1_back.
explicit_case() {
	s0='' s1='' s2='' s3='' t_commit='' t_signal='' s1_asked='' s1_back=''
	rm -f "$work"/explicit-*.png
	if ! start_weston $W $H; then
		echo "weston did not start"; tail -20 $work/weston.log
		return 1
	fi
	grep -i "explicit sync" $work/weston.log | tail -1
	ls -l /dev/udmabuf 2>&1
	start_client explicit "$1" $W $H $eseed
	if wait_line 120 '^shown-a ' && shoot $work/explicit-0.png; then
		s0=$($bin what $work/explicit-0.png $W $H $eseed)
		lat=$(minus "$shot_t1" "$shot_t0")
		hold=$(hold_ms "$lat")
		echo "explicit $1: a screenshot takes $lat s: the engine holds B back for $hold ms"
		step "go $hold"
		if wait_line 30 '^committed '; then
			# At once: while the job is pending.
			t_commit=$(t_of committed)
			shoot $work/explicit-1.png $((hold / 1000 + 120)) &&
				s1=$($bin what $work/explicit-1.png $W $H $eseed)
			s1_asked=$shot_t0 s1_back=$shot_t1
		fi
		if wait_line $((hold / 1000 + 120)) '^signalled ' &&
		   wait_line 120 '^wrote-colour3 ' && shoot $work/explicit-2.png; then
			t_signal=$(t_of signalled)
			s2=$($bin what $work/explicit-2.png $W $H $eseed)
		fi
		if [ "$1" = acquire ]; then
			step
			wait_line 120 '^shown-a3 ' && shoot $work/explicit-3.png &&
				s3=$($bin what $work/explicit-3.png $W $H $eseed)
			wait_line 120 '^released-b '
		fi
	fi
	stop_client
	stop_weston
	t0=${t_commit:-$(t_of shown-a)}
	timeline "${t0:-0}"
	echo "explicit $1: screenshots: before: ${s0:-none}; asked for" \
		"+$(minus "${s1_asked:-0}" "${t0:-0}")s after the commit, back" \
		"+$(minus "${s1_back:-0}" "${t0:-0}")s: ${s1:-none};" \
		"after the job and A's release: ${s2:-none}; A again: ${s3:-none}"
	for i in 1 2; do
		[ -f $work/explicit-$i.png ] &&
			cp $work/explicit-$i.png "$outdir/weston-explicit-$1-$i.png"
	done
	return 0
}

# shoot FILE [SECONDS]: a weston screenshot into FILE; shot_t0 and
# shot_t1 say when it was asked for and when it was there.
shoot() {
	rm -f $work/wayland-screenshot*.png
	shot_t0=$(now)
	timeout "${2:-120}" weston-screenshooter >$work/shot.log 2>&1
	shot_t1=$(now)
	png=$(ls $work/wayland-screenshot*.png 2>/dev/null | head -1)
	if [ -z "$png" ]; then
		echo "no screenshot:"; cat $work/shot.log
		return 1
	fi
	mv "$png" "$1"
}

# VSHARE_GFX_EXPLICIT: yes (both cases), acquire (make demo: the fenced
# case only) or no.
explicit=${VSHARE_GFX_EXPLICIT:-yes}
if [ "$explicit" != no ]; then
	explicit_case acquire
	# Acquire: colour 1 before; while the job is pending colour 1 or
	# colour 2 (never the pattern), asked for before the fence
	# signalled (or the screenshot proves nothing); colour 2 after.
	if [ "$s0" = colour1 ] && [ -n "$t_signal" ] &&
	   { [ "$s1" = colour1 ] || [ "$s1" = colour2 ]; } &&
	   lt "$s1_asked" "$t_signal" && [ "$s2" = colour2 ] &&
	   grep -q '^signalled .*status=1' $work/client.out; then
		check gfx-weston-explicit-acquire pass
	else
		check gfx-weston-explicit-acquire fail
	fi
	# Release: A's release event (its fence signalled, if fenced) came,
	# colour 3 went into A only then, and the screen showed colour 2
	# right after (no colour 3 early); committed again, A shows colour
	# 3, and B's release event comes.
	if grep -q '^released-a ' $work/client.out &&
	   { grep -q '^released-a .*immediate' $work/client.out ||
	     grep -q '^release-fence-a .*status=1' $work/client.out; } &&
	   grep -q '^wrote-colour3 ' $work/client.out && [ "$s2" = colour2 ] &&
	   [ "$s3" = colour3 ] && grep -q '^released-b ' $work/client.out; then
		check gfx-weston-explicit-release pass
	else
		check gfx-weston-explicit-release fail
	fi
fi
if [ "$explicit" = yes ]; then
	explicit_case none
	# Without the acquire fence the pending screenshot shows B's old
	# contents, the pattern, pixel for pixel.
	if [ "$s0" = colour1 ] && [ "$s1" = pattern ]; then
		check gfx-weston-explicit-negative pass
	else
		check gfx-weston-explicit-negative fail
	fi
fi

echo "weston log:"; tail -20 $work/weston.log
exit 0
