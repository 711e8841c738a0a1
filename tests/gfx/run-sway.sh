#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the test VM with vgem and vshare loaded: sway (wlroots 0.19,
# headless backend, GLES2 renderer on llvmpipe) with its renderer on
# vshare's render node, and wp_linux_drm_syncobj_v1 with vshare timeline
# syncobjs and engine jobs. grim takes the screenshots, vshare_wayland
# checks them. Appends "name pass|fail" lines to CHECKS; screenshots and
# sway's log go to OUTDIR (sway-vshare.png, sway.log).
# Usage: run-sway.sh [CHECKS [OUTDIR]]
#
#   gfx-sway-syncobj-advertised  wayland-info lists
#			wp_linux_drm_syncobj_manager_v1
#   gfx-sway-syncobj-not-on-vgem  the control: with the renderer on
#			vgem's render node (no DRIVER_SYNCOBJ_TIMELINE) sway
#			runs and does not list it
#   gfx-sway-shows-vshare  a vshare buffer, pixel-exact in a screenshot
#   gfx-sway-syncobj-acquire  B committed with acquire point T:N before
#			any job exists for it: sway keeps showing A (wlroots
#			holds a commit back until its acquire point
#			materializes, types/wlr_linux_drm_syncobj_v1.c,
#			lock_surface_commit()); then the engine job that
#			signals T:N is submitted: while it is pending a
#			screenshot shows A or B's new contents, never B's old
#			ones; after it, colour 2 everywhere
#   gfx-sway-syncobj-release  sway signals A's release point once B
#			replaced it (the client writes colour 3 into A only
#			then, and the screen still shows colour 2); it does not
#			signal B's release point T:N+1 while B is shown, and
#			does once A replaced B (DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
#			WAIT_FOR_SUBMIT)
#   gfx-sway-syncobj-errors  no_acquire_point, conflicting_points,
#			no_buffer come as protocol errors on
#			wp_linux_drm_syncobj_surface_v1, and sway keeps running
#			(wayland-info answers after each); a wl_shm buffer with
#			timeline points is refused with unsupported_buffer or,
#			as wlroots 0.19 does, shown (see vshare_wayland.c)
#
# What wlroots needs to advertise wp_linux_drm_syncobj_manager_v1 (sway
# 1.12 sway/server.c, wlroots 0.19): the renderer has a DRM fd and
# features.timeline (render/gles2/renderer.c: DRM_CAP_SYNCOBJ_TIMELINE
# on that fd, and EGL with eglDupNativeFenceFDANDROID and eglWaitSyncKHR,
# which llvmpipe offers as EGL_ANDROID_native_fence_sync; its fences
# need /dev/udmabuf), the backend has features.timeline (the headless
# backend always), and DRM_IOCTL_SYNCOBJ_EVENTFD on that fd answers
# ENOENT for handle 0 (types/wlr_linux_drm_syncobj_v1.c,
# check_syncobj_eventfd(); else it logs "DRM syncobj eventfd unavailable,
# disabling linux-drm-syncobj-v1"). WLR_RENDER_DRM_DEVICE must name a
# render node (render/wlr_renderer.c refuses a card node).
#
# What Mesa does with that node (Mesa 26, read in its source):
# wlroots' EGL (render/egl.c, wlr_egl_create_with_drm_fd()) looks for
# the EGL device of the node first, and Mesa lists every DRM device with
# a render node, vshare's too; once found, a failed eglInitialize is an
# error, with no fallback to GBM. On the device platform Mesa loads the
# driver the kernel driver's name gives (src/loader/loader.c,
# loader_get_driver_for_fd()): there is no "vshare" (nor "vgem") Mesa
# driver, and only the GBM platform falls back to kms_swrast. Seen on
# 6.12 and 7.3: sway as it is exits after some 90 s of EGL set-up ("Failed
# to get DRM device: No such device", then Zink finds no device). So this
# script starts it with MESA_LOADER_DRIVER_OVERRIDE=kms_swrast, llvmpipe
# on the node, from the start (trying sway as it is cost 90 s a run).
# Then the output: wlroots allocates the headless output's buffers with
# GBM on the renderer's render node (render/allocator/allocator.c), and
# llvmpipe's kms_swrast makes shared buffers as dumb buffers
# (kms_dri_sw_winsys.c), which the kernel refuses on render nodes:
# "KMS: DRM_IOCTL_MODE_CREATE_DUMB failed: Permission denied" in sway's
# log, the output stays off, and nothing can be shown or captured (seen
# on 6.12 and 7.3: grim then says "no supported format found"). The
# checks that need the output then skip as blocked by that, only when the
# log shows it (pixel_check); wlroots also takes no card node in
# WLR_RENDER_DRM_DEVICE, so a vshare device without a render node would
# not help.
checks=${1:-/job/checks}
outdir=${2:-/job}
W=320
H=240
seed=0x5eed
bin=/vshare/build/gfx/vshare_wayland
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/gfx.sh"

work=/tmp/sway
mkdir -p $work
cd $work || exit 1
export XDG_RUNTIME_DIR=/tmp/xdg-sway
export GALLIUM_DRIVER=llvmpipe
# sway would take a WAYLAND_DISPLAY for a parent compositor's.
unset WAYLAND_DISPLAY
: >$work/sway.log

# render_node NAME: /dev/dri/renderD* of the device NAME (vshare.0,
# vgem).
render_node() {
	for d in /sys/class/drm/renderD*; do
		[ "$(basename "$(readlink "$d/device")")" = "$1" ] &&
			echo "/dev/dri/${d##*/}" && return 0
	done
	return 1
}
vshare_node=$(render_node vshare.0)
vgem_node=$(render_node vgem)
echo "render nodes: vshare.0 ${vshare_node:-none}, vgem ${vgem_node:-none}"
[ -n "$vshare_node" ] &&
	[ "$(basename "$(readlink "/sys/class/drm/${vshare_node##*/}/device/driver")")" != vshare ] &&
	echo "$vshare_node: its device vshare.0 is not bound to vshare"
ls -l /dev/udmabuf 2>&1

cat >$work/config <<EOF
output HEADLESS-1 mode --custom ${W}x${H}@60Hz position 0 0 scale 1
default_border none
default_floating_border none
xwayland disable
EOF

# pixel_check NAME pass|fail: a check that needs sway's output. When it
# fails and sway's log shows the output's buffers refused by the kernel
# (kms_swrast's dumb buffers on a render node, see the top), the check is
# blocked by that, not failed: skip, saying so. expected-skips.txt lists
# these skips; any other failure stays a failure.
pixel_check() {
	if [ "$2" = fail ] &&
	   grep -q "DRM_IOCTL_MODE_CREATE_DUMB failed: Permission denied" \
		$work/sway.log &&
	   grep -q "swapchain.*Failed to allocate buffer" $work/sway.log; then
		echo "$1: blocked: sway's output has no buffer (wlroots" \
			"allocates it with GBM on the render node; kms_swrast" \
			"asks for a dumb buffer, which DRM refuses on render" \
			"nodes with EACCES before any vshare code runs)"
		check "$1" skip
	else
		check "$1" "$2"
	fi
}

# Lines of sway's log that tell why it did not render or advertise.
sway_why() {
	grep -E "EGL|renderer|Renderer|GBM|gbm|allocat|swapchain|CREATE_DUMB|syncobj|timeline|MESA|DRI2|Failed|failed|rror" \
		$work/sway.log | tail -40
}

# start_sway NODE [VAR=VALUE...]: sway with its renderer on NODE; 0 once
# wayland-info answers on its socket (listing in $work/info.txt).
start_sway() {
	node=$1
	shift
	rm -rf $XDG_RUNTIME_DIR
	mkdir -m 700 $XDG_RUNTIME_DIR
	echo "=== sway, renderer on $node $*" >>$work/sway.log
	env WLR_BACKENDS=headless WLR_RENDERER=gles2 \
		WLR_RENDER_DRM_DEVICE="$node" WLR_LIBINPUT_NO_DEVICES=1 \
		WLR_HEADLESS_OUTPUTS=1 WLR_RENDERER_ALLOW_SOFTWARE=1 "$@" \
		sway -d -c $work/config >>$work/sway.log 2>&1 &
	sway=$!
	t0=$(date +%s)
	sock=
	while [ $(($(date +%s) - t0)) -lt 240 ] && kill -0 $sway 2>/dev/null; do
		for f in $XDG_RUNTIME_DIR/wayland-[0-9]*; do
			[ -S "$f" ] && sock=${f##*/} && break
		done
		[ -n "$sock" ] && break
		sleep 1
	done
	if [ -z "$sock" ]; then
		echo "sway on $node $*: no Wayland socket after $(($(date +%s) - t0)) s" \
			"($(kill -0 $sway 2>/dev/null && echo running || echo gone)):"
		sway_why
		stop_sway
		return 1
	fi
	export WAYLAND_DISPLAY=$sock
	if ! timeout 120 wayland-info >$work/info.txt 2>&1; then
		echo "sway on $node $*: wayland-info failed:"
		tail -5 $work/info.txt
		sway_why
		stop_sway
		return 1
	fi
	echo "sway on $node $* answers on $sock after $(($(date +%s) - t0)) s"
	ipc=$(ls $XDG_RUNTIME_DIR/sway-ipc.*.sock 2>/dev/null | head -1)
	[ -n "$ipc" ] && timeout 30 swaymsg -s "$ipc" -t get_outputs 2>&1 | head -12
	return 0
}

stop_sway() {
	kill $sway 2>/dev/null
	wait_for 30 "! kill -0 $sway 2>/dev/null" || kill -9 $sway 2>/dev/null
	wait $sway 2>/dev/null
}

# alive: sway still runs and answers.
alive() {
	kill -0 $sway 2>/dev/null && timeout 60 wayland-info >/dev/null 2>&1
}

# grab FILE: a grim screenshot into FILE; shot_t0 and shot_t1 say when it
# was asked for and when it was there.
grab() {
	shot_t0=$(now)
	timeout "${2:-120}" grim "$1" >$work/grim.log 2>&1
	rc=$?
	shot_t1=$(now)
	if [ $rc -ne 0 ] || [ ! -s "$1" ]; then
		echo "grim failed ($rc):"; cat $work/grim.log
		return 1
	fi
}

# what FILE: what the screenshot shows (vshare_wayland what).
what() {
	$bin what "$1" $W $H $seed
}

vshare_checks() {
	# Advertised.
	if grep -q "'wp_linux_drm_syncobj_manager_v1'" $work/info.txt; then
		check gfx-sway-syncobj-advertised pass
	else
		check gfx-sway-syncobj-advertised fail
		echo "wp_linux_drm_syncobj_manager_v1 not listed:"
		grep -E "Supported EGL display extensions|DRM syncobj|timeline" \
			$work/sway.log | tail -5
	fi

	# A vshare buffer, pixel-exact; the screenshot's time sets the hold.
	lat=
	start_client show vshare $W $H $seed
	if wait_line 120 '^shown' && grab $work/shows.png; then
		lat=$(minus "$shot_t1" "$shot_t0")
		cp $work/shows.png "$outdir/sway-vshare.png"
	fi
	kill $client 2>/dev/null
	wait $client 2>/dev/null
	exec 3>&-
	if [ -n "$lat" ] && $bin check $work/shows.png $W $H $seed; then
		pixel_check gfx-sway-shows-vshare pass
	else
		pixel_check gfx-sway-shows-vshare fail
		sway_why
	fi

	# Acquire and release (vshare_wayland syncobj: its comment lists the
	# client's lines).
	s0='' s1='' s2='' s3='' s4='' s2_asked='' t_signal=''
	hold=$(hold_ms "${lat:-20}")
	echo "syncobj: a screenshot takes ${lat:-?} s: the engine holds B back for $hold ms"
	start_client syncobj $W $H $seed
	if wait_line 120 '^shown-a ' && grab $work/syncobj-0.png; then
		s0=$(what $work/syncobj-0.png)
		step "go $hold"
		# B committed, its acquire point not yet submitted.
		if wait_line 30 '^committed ' && grab $work/syncobj-1.png; then
			s1=$(what $work/syncobj-1.png)
			s1_took=$(minus "$shot_t1" "$shot_t0")
		fi
		step
		# The job is queued: a screenshot while it is pending.
		if wait_line 30 '^submitted ' &&
		   grab $work/syncobj-2.png $((hold / 1000 + 120)); then
			s2=$(what $work/syncobj-2.png)
			s2_asked=$shot_t0
		fi
		if wait_line $((hold / 1000 + 120)) '^signalled ' &&
		   wait_line 120 '^b-held ' && grab $work/syncobj-3.png; then
			t_signal=$(t_of signalled)
			s3=$(what $work/syncobj-3.png)
		fi
		step
		wait_line 120 '^shown-a3 ' && grab $work/syncobj-4.png &&
			s4=$(what $work/syncobj-4.png)
		wait_line 120 '^released-b '
	fi
	stop_client
	t0=$(t_of submitted)
	timeline "${t0:-0}"
	echo "syncobj: screenshots: A: ${s0:-none}; B committed, T:N not" \
		"submitted: ${s1:-none} (in ${s1_took:-?} s); asked for" \
		"+$(minus "${s2_asked:-0}" "${t0:-0}")s after the submission: ${s2:-none};" \
		"after the job and A's release: ${s3:-none}; A again: ${s4:-none}"
	for i in 1 2 3; do
		[ -f $work/syncobj-$i.png ] &&
			cp $work/syncobj-$i.png "$outdir/sway-syncobj-$i.png"
	done
	if [ "$s0" = colour1 ] && [ "$s1" = colour1 ] && [ -n "$t_signal" ] &&
	   { [ "$s2" = colour1 ] || [ "$s2" = colour2 ]; } &&
	   lt "$s2_asked" "$t_signal" && [ "$s3" = colour2 ] &&
	   grep -q '^signalled .*status=1' $work/client.out; then
		pixel_check gfx-sway-syncobj-acquire pass
	else
		pixel_check gfx-sway-syncobj-acquire fail
	fi
	if grep -q '^released-a ' $work/client.out &&
	   grep -q '^wrote-colour3 ' $work/client.out && [ "$s3" = colour2 ] &&
	   grep -q '^b-held .*yes' $work/client.out && [ "$s4" = colour3 ] &&
	   grep -q '^released-b ' $work/client.out; then
		pixel_check gfx-sway-syncobj-release pass
	else
		pixel_check gfx-sway-syncobj-release fail
	fi

	# Protocol errors: the named error, and sway still answers.
	ok=yes
	for kind in no-acquire conflicting no-buffer shm; do
		timeout 180 $bin syncobj-error $kind $W $H >$work/error.out 2>&1
		rc=$?
		echo "syncobj-error $kind: status $rc: $(tail -1 $work/error.out)"
		[ $rc -eq 0 ] || ok=no
		if ! alive; then
			echo "sway no longer answers after $kind"
			ok=no
			break
		fi
	done
	if [ $ok = yes ]; then
		check gfx-sway-syncobj-errors pass
	else
		check gfx-sway-syncobj-errors fail
	fi
}

# vshare's node, llvmpipe forced (see the top).
mesa=MESA_LOADER_DRIVER_OVERRIDE=kms_swrast
up=no
if [ -z "$vshare_node" ]; then
	echo "no render node for vshare.0"
elif start_sway "$vshare_node" $mesa; then
	up=yes
fi
if [ $up = yes ]; then
	vshare_checks
	stop_sway
else
	for c in advertised shows-vshare acquire release errors; do
		case $c in
		shows-vshare) check gfx-sway-$c fail ;;
		*) check gfx-sway-syncobj-$c fail ;;
		esac
	done
fi

# The control: vgem has no syncobj timelines, so sway must run and not
# list the protocol.
if [ -n "$vgem_node" ] && start_sway "$vgem_node" $mesa; then
	if grep -q "'wl_compositor'" $work/info.txt &&
	   ! grep -q "wp_linux_drm_syncobj_manager_v1" $work/info.txt; then
		check gfx-sway-syncobj-not-on-vgem pass
	else
		check gfx-sway-syncobj-not-on-vgem fail
	fi
	stop_sway
else
	check gfx-sway-syncobj-not-on-vgem fail
fi

cp $work/sway.log "$outdir/sway.log"
echo "sway log (the lines that matter):"
sway_why
exit 0
