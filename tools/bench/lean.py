#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: vshare.ko without vshare's own work in a creation and a release.

A build for measurement only, never loaded outside the benchmark: a
creation and a release skip what vshare adds around the DRM core's GEM
object and its dma-buf (the budget's charge and uncharge, the device's
buffer tree, the reservation lock under which the export records its
dma-buf and the release forgets it, the checks in the free). What they
still cost more than the system heap's is then in what it keeps: the DRM
core's GEM object and its dma-buf, and the pages. The edits are checked as
the mutants' are: one that no longer applies fails the build.

Usage: lean.py KERNEL OUT   (builds OUT/vshare-lean.ko)
"""

import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "mutants"))
import mutants  # noqa: E402  (its build(), which applies checked edits)

LEAN = [
    # The dma-buf is not forgotten under the reservation lock.
    ("vshare_dmabuf.c",
     "\tdma_resv_lock(dmabuf->resv, NULL);\n"
     "\tif (bo->dmabuf == dmabuf)\n"
     "\t\tbo->dmabuf = NULL;\n"
     "\tdma_resv_unlock(dmabuf->resv);\n",
     "\t(void)bo;\n", 1),
    # Nor is it recorded under that lock at export.
    ("vshare_dmabuf.c",
     "\tdma_resv_lock(obj->resv, NULL);\n"
     "\tif (!bo->dmabuf)\n"
     "\t\tbo->dmabuf = dmabuf;\n"
     "\tdma_resv_unlock(obj->resv);\n",
     "\tbo->dmabuf = dmabuf;\n", 1),
    # No checks, no uncharges in the free; no charge at creation.
    ("vshare_gem.c",
     "\tdrm_WARN_ON(obj->dev, bo->vmap_count);\n"
     "\tdrm_WARN_ON(obj->dev, vshare_bo_is_mapped(bo));\n", "", 1),
    ("vshare_gem.c",
     "\tvshare_dmem_uncharge(bo->dmem_pool, obj->size);\n"
     "\tvshare_mem_uncharge(to_vshare_device(obj->dev), obj->size);\n", "", 1),
    ("vshare_gem.c", "\tret = vshare_mem_charge(vdev, size);\n",
     "\tret = 0;\n", 1),
    # No buffer tree: no insertion, no erasure.
    ("vshare_bo.c",
     "\tmutex_lock(&vdev->bos_lock);\n"
     "\tdo {\n"
     "\t\tbo->id = ++vdev->next_id;\n"
     "\t} while (!bo->id || rb_find_add(&bo->node, &vdev->bos, vshare_bo_cmp));\n"
     "\tmutex_unlock(&vdev->bos_lock);\n",
     "\tbo->id = ++vdev->next_id;\n", 1),
    ("vshare_bo.c",
     "\tmutex_lock(&vdev->bos_lock);\n"
     "\trb_erase(&bo->node, &vdev->bos);\n"
     "\tmutex_unlock(&vdev->bos_lock);\n",
     "\t(void)vdev;\n", 1),
]


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    kernel, out = argv[1], os.path.abspath(argv[2])
    kdir = subprocess.run([os.path.join(TOP, "tools/vm/vshare-vm"), "kernel",
                           kernel], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.strip().splitlines()[-1]
    os.makedirs(out, exist_ok=True)
    mutants.build("the lean build", LEAN, kdir, out, "vshare-lean.ko")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
