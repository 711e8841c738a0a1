#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make patches: a git format-patch series that adds vshare to a kernel
# tree: the uapi header, the driver (with its KUnit suite and the hooks in
# drivers/gpu/drm's Kconfig and Makefile), its documentation. Its hunks
# carry one line of context, chosen where the 6.12 and 7.3 trees agree,
# so that one series applies to both (git am, or patch -p1).
#
# Usage: patches.sh KSRC OUTDIR
#	KSRC: a kernel tree to take the changed files' context from.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
ksrc=${1:?kernel tree}
out=$(realpath -m "${2:?output directory}")
hooked=(drivers/gpu/drm/Kconfig drivers/gpu/drm/Makefile
	Documentation/gpu/drivers.rst)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g() { git -C "$work" "$@"; }
# Author and dates of this repository's HEAD: the same tree gives the
# same series.
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE
export GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE
IFS=$'\t' read -r GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE < <(
	git -C "$top" log -1 --format=$'%an\t%ae\t%aI')
GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
sob="Signed-off-by: $GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>"

g init -q
for f in "${hooked[@]}"; do
	[ -f "$ksrc/$f" ] || { echo "patches: $ksrc has no $f" >&2; exit 1; }
	mkdir -p "$work/$(dirname "$f")"
	cp "$ksrc/$f" "$work/$f"
done
g add -A
g commit -q -m base

# after FILE LINE NEW...: NEW lines after the first line that is LINE.
after() {
	local file=$work/$1 line=$2
	shift 2
	python3 - "$file" "$line" "$@" <<'PY'
import sys
path, line, new = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(path).read().split("\n")
if line not in text:
    sys.exit("patches: no line %r in %s" % (line, path))
i = text.index(line) + 1
open(path, "w").write("\n".join(text[:i] + new + text[i:]))
PY
}

commit() {
	g add -A
	g commit -q -F - <<-MSG
	$1

	$2

	$sob
	MSG
}

mkdir -p "$work/include/uapi/drm"
cp "$top/include/uapi/drm/vshare_drm.h" "$work/include/uapi/drm/"
commit "drm/vshare: add the uapi header" \
"The ioctls of vshare, a virtual dma-buf exporter: buffer creation,
CPU access on the exporter's side, fences, a virtual engine, moves and
fault injection. Every struct is documented with kernel-doc."

# The driver as committed here (no build products).
git -C "$top" ls-files -z drivers/gpu/drm/vshare |
	tar -C "$top" --null -cf - -T - | tar -xf - -C "$work"
# Kconfig: inside "if DRM", just before its endif; Makefile: beside vgem.
source_line=$(grep '^source ' "$top/Kconfig")
blank_before_endif() {
	python3 - "$work/drivers/gpu/drm/Kconfig" "$source_line" <<'PY'
import sys
path, new = sys.argv[1], sys.argv[2]
text = open(path).read().split("\n")
i = max(k for k, l in enumerate(text) if l == "endif" and text[k - 1] == ""
        and k + 2 < len(text) and text[k + 2].startswith("# Separate option"))
open(path, "w").write("\n".join(text[:i] + [new, ""] + text[i:]))
PY
}
blank_before_endif
after drivers/gpu/drm/Makefile $'obj-$(CONFIG_DRM_VGEM)\t+= vgem/' \
	$'obj-$(CONFIG_DRM_VSHARE)\t+= vshare/'
commit "drm/vshare: add a virtual dma-buf exporter" \
"vshare allocates GEM objects on its own DRM devices and shares them as
dma-bufs through the PRIME helpers with its own dma_buf_ops, so that
importers (other DRM drivers, Mesa, compositors, V4L2) can be tested
against a complete and predictable exporter without special hardware.
Devices can be made in configfs to behave like a chosen GPU, and
failures and fence timings can be injected. The KUnit suite tests the
exporter from the importer's side."

mkdir -p "$work/Documentation/gpu"
cp "$top/Documentation/gpu/vshare.rst" "$work/Documentation/gpu/"
after Documentation/gpu/drivers.rst "   vkms" "   vshare"
commit "drm/vshare: document the driver" \
"What vshare is for, its module parameters, configfs devices, ioctls and
debugfs files."

rm -rf "$out"
mkdir -p "$out"
g format-patch -q -U1 --cover-letter -o "$out" HEAD~3
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
text = text.replace("*** SUBJECT HERE ***", "drm: add vshare, a virtual dma-buf exporter")
text = text.replace("*** BLURB HERE ***",
    "vshare is to buffer sharing what vgem is to GEM and vkms to KMS: a\n"
    "virtual device whose exports every importer can be tested against.\n"
    "The series applies to Linux 6.12 and later trees.")
open(path, "w").write(text)
PY
ls "$out"
