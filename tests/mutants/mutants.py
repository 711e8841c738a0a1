#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutants: prove that the suite catches a broken driver.

Each mutant below is a small, deliberate bug in the driver: a text
replacement (each "old" must occur exactly as often as given, or the
mutant is stale and the run fails). For every mutant, vshare.ko is built
with it, booted in the test VM (tools/vm/vshare-vm) with the KUnit suite
running at load, and the tests named run; the mutant is caught if a KUnit
case fails, a test fails or crashes, or the kernel log has a report.
Prints a table (and writes it with --doc FILE); exits 1 if any mutant
survived.

Usage: mutants.py [--kernel VER] [--doc FILE] [NAME...]
       mutants.py --check   (only that every mutant still applies)
"""

import os
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests"))
import rst  # noqa: E402
import summary  # noqa: E402  (the kernel-log rules of make check)

DRV = "drivers/gpu/drm/vshare"

# name, why, [(file, old, new, count)], tests ("binary" or
# "binary:subtest-pattern")
MUTANTS = [
    ("sg-per-page", "map_dma_buf gives one sg entry per page",
     [("vshare_bo.c", "min(b->npages - first, max_pages)",
       "min(1UL, max_pages)", 1)],
     ["vshare_exporter"]),
    ("max-segment-ignored", "sg entries exceed the importer's limit",
     [("vshare_bo.c", "min(b->npages - first, max_pages)",
       "min(b->npages - first, ULONG_MAX + 0 * max_pages)", 1)],
     ["vshare_exporter"]),
    ("no-dma-sync", "begin/end_cpu_access skip the DMA syncs",
     [("vshare_bo.c", "dma_sync_sgtable_for_cpu(mapping->dev, &mapping->sgt,\n"
       "\t\t\t\t\t mapping->dir);", "(void)mapping;", 1),
      ("vshare_bo.c", "dma_sync_sgtable_for_device(mapping->dev, &mapping->sgt,\n"
       "\t\t\t\t\t    mapping->dir);", "(void)mapping;", 1)],
     []),
    ("vmap-not-refcounted", "every vmap makes a new kernel mapping",
     [("vshare_bo.c", "\tif (!bo->vmap_count) {", "\tif (1) {", 1)],
     ["vshare_exporter"]),
    ("no-pmd-mapping", "faults never insert 2 MiB entries",
     [("vshare_mmap.c", "\t    !vshare_backing_huge(&bo->backing, idx))",
       "\t    1)", 1)],
     ["vshare_memory:pmd-mappings"]),
    ("read-only-writable", "read-only dma-bufs are written and mapped writable",
     [("vshare_import.c", "bo->readonly = !(dmabuf->file->f_mode & FMODE_WRITE);",
       "bo->readonly = false;", 1),
      ("vshare_dmabuf.c", "\tif (!(dmabuf->file->f_mode & FMODE_WRITE)) {",
       "\tif (0) {", 1),
      ("vshare_import.c", "    (dmabuf->file->f_mode & FMODE_WRITE)) {",
       "    1) {", 1)],
     ["vshare_security:read-only-*"]),
    ("not-zeroed", "new buffers keep what freed pages held",
     [("vshare_mem.c", "GFP_USER | __GFP_ZERO", "GFP_USER", 2)],
     ["vshare_security:new-buffers-zeroed", "vshare_basic:zeroed"]),
    ("dma32-with-highmem", "32-bit devices ask for ZONE_DMA32 and HIGHMEM at once",
     [("vshare_mem.c", "VSHARE_LOW_ORDER_GFP) | b->zone;",
       "VSHARE_LOW_ORDER_GFP) | b->zone | __GFP_HIGHMEM;", 1)],
     []),
    ("one-page-array-left-behind", "a move leaves a one-page buffer's array in the old backing",
     [("vshare_move.c", "vshare_backing_swap(&bo->backing, new);",
       "swap(bo->backing, *new);", 1)],
     ["vshare_dynamic:move-*"]),
    ("lazy-chunk-forgotten", "a lazy buffer forgets which chunks it has",
     [("vshare_mem.c", "\t\t__set_bit(first / VSHARE_HUGE_PAGES, b->chunks);",
       "\t\t(void)b->chunks;", 1)],
     ["vshare_configfs:profile-lazy"]),
    ("blocks-freed-as-pages", "a compound block is freed as its first page",
     [("vshare_mem.c", "order = compound_order(pages[i]);", "order = 0;", 1)],
     ["vshare_cgroup:charged"]),
    ("limit-not-enforced", "mem_limit_mb is never checked",
     [("vshare_mem.c", "size, vshare_mem_limit());", "size, U64_MAX - 0 * vshare_mem_limit());", 1)],
     ["vshare_basic", "vshare_cgroup:move-charged"]),
    ("fence-not-in-resv", "engine jobs are not published in the buffers",
     [("vshare_engine.c", "\t\tdma_resv_add_fence(job->objs[i]->resv, &job->base,",
       "\t\tif (0) dma_resv_add_fence(job->objs[i]->resv, &job->base,", 1)],
     ["vshare_engine"]),
    ("copy-off-by-a-page", "COPY reads one page past its source range",
     [("vshare_engine.c", "memcpy(dst + done, src + done, n);",
       "memcpy(dst + done, src + done + (args->src_offset + done + n + PAGE_SIZE"
       " <= job->objs[job->nobjs - 1]->size ? PAGE_SIZE : 0), n);", 1)],
     ["vshare_engine:copy"]),
    ("wc-but-cached", "write-combined buffers are mapped cached",
     [("vshare_bo.c", "\tif (bo->flags & VSHARE_CREATE_WC)\n\t\tprot = pgprot_writecombine(prot);",
       "", 1),
      ("vshare_mmap.c", "\tif (bo->flags & VSHARE_CREATE_WC)\n\t\tprot = pgprot_writecombine(prot);",
       "", 1),
      ("vshare_mem.c", "\tif (b->flags & VSHARE_CREATE_WC)\n\t\treturn wc ?",
       "\tif (0)\n\t\treturn wc ?", 1)],
     []),
    ("contiguous-scattered", "CONTIGUOUS buffers are allocated scattered",
     [("vshare_mem.c", "\tif (!(flags & VSHARE_CREATE_CONTIGUOUS))\n\t\treturn vshare_backing_populate",
       "\tif (1)\n\t\treturn vshare_backing_populate", 1)],
     []),
    ("self-import-new-object", "a self-import makes a second object",
     [("vshare_import.c", "if (bo && bo->base.dev == dev &&",
       "if (0 && bo && bo->base.dev == dev &&", 1)],
     ["vshare_memory:self-import-same-object"]),
    ("foreign-import-zeros", "the kernel reads imported buffers as zeros",
     [("vshare_access.c", "\t\tvshare_access_range(args, map.vaddr);\n"
       "\t\tret = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);",
       "\t\t{\n\t\t\tvoid *z = kvzalloc(obj->size, GFP_KERNEL);\n\n"
       "\t\t\tif (z)\n\t\t\t\tvshare_access_range(args, z);\n\t\t\tkvfree(z);\n\t\t}\n"
       "\t\tret = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);", 1)],
     ["vshare_import"]),
]


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=TOP, **kw)


def build(name, edits, kdir, out, ko="mutant.ko"):
    """vshare.ko with @edits (stale ones refused), built against the kernel
    tree @kdir (with the KUnit suite where it has KUnit) as @out/@ko."""
    tree = os.path.join(out, "src")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(os.path.join(TOP, "drivers"), os.path.join(tree, "drivers"))
    shutil.copytree(os.path.join(TOP, "include"), os.path.join(tree, "include"))
    for fname, old, new, count in edits:
        path = os.path.join(tree, DRV, fname)
        text = open(path).read()
        if text.count(old) != count:
            raise SystemExit("%s is stale: %r occurs %d times in %s, not %d"
                             % (name, old, text.count(old), fname, count))
        open(path, "w").write(text.replace(old, new))
    mdir = os.path.join(tree, DRV)
    kunit = "CONFIG_KUNIT=y" in open(os.path.join(kdir, ".config")).read()
    r = run(["make", "-s", "-C", kdir, "M=" + mdir, "CONFIG_DRM_VSHARE=m"] +
            (["CONFIG_DRM_VSHARE_KUNIT_TEST=y"] if kunit else []) + ["modules"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise SystemExit("%s does not build:\n%s" % (name, r.stdout))
    shutil.copy(os.path.join(mdir, "vshare.ko"), os.path.join(out, ko))


def guest_script(tests):
    # An oops ends the VM at once (panic=-1, no reboot): a caught mutant,
    # not a test left hanging in the kernel until the VM's time is up.
    lines = ["echo 1 >/proc/sys/kernel/panic_on_oops",
             "modprobe vgem", "modprobe vkms",
             "insmod /job/mutant.ko num_devices=2 || echo 'insmod fail' >>/job/caught",
             "grep -E '^ +not ok' /sys/kernel/debug/kunit/vshare/results"
             " >>/job/caught 2>/dev/null",
             "cp /sys/kernel/debug/kunit/vshare/results /job/kunit.txt 2>/dev/null",
             "cd /vshare/build/igt"]
    for t in tests:
        binary, _, pattern = t.partition(":")
        args = " --run-subtest '%s'" % pattern if pattern else ""
        # 79: no such subtest, a stale list, not a catch.
        lines.append("timeout 600 ./%s%s >/job/%s.out 2>&1; rc=$?; "
                     "if [ $rc -eq 79 ]; then echo '%s' >>/job/stale; "
                     "elif [ $rc -ne 0 ]; then echo '%s exit '$rc >>/job/caught; fi"
                     % (binary, args, binary, t, t))
    lines.append("rmmod vshare || echo 'rmmod fail' >>/job/caught")
    return "\n".join(lines) + "\n"


def try_mutant(name, edits, tests, kernel, kdir):
    out = os.path.join(TOP, "build", "mutants", name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    build("mutant " + name, edits, kdir, out)
    open(os.path.join(out, "mutant.sh"), "w").write(guest_script(tests))
    run(["tools/vm/vshare-vm", "run", "--kernel", kernel, "--quiet",
         "--timeout", "1200", "--out", out, "--", "sh /job/mutant.sh"])
    stale = summary.read(os.path.join(out, "stale"))
    if stale:
        raise SystemExit("mutant %s names tests that do not exist: %s"
                         % (name, stale.strip()))
    why = []
    if not os.path.exists(os.path.join(out, "status")):
        why.append("the VM did not finish (crash or hang)")
    caught = summary.read(os.path.join(out, "caught")) or ""
    why += [line for line in caught.splitlines() if line.strip()]
    why += ["kernel log: " + p for p in summary.kernel_log(out)[:3]]
    return why


def check_fresh():
    """Every mutant applies exactly: 0, or 1 with the stale ones named."""
    stale = 0
    for name, _, edits, _ in MUTANTS:
        for fname, old, _, count in edits:
            text = open(os.path.join(TOP, DRV, fname)).read()
            if text.count(old) != count:
                print("mutant %s is stale: %r occurs %d times in %s, not %d"
                      % (name, old, text.count(old), fname, count))
                stale += 1
    print("%d mutants, %d stale edits" % (len(MUTANTS), stale))
    return 1 if stale else 0


def main(argv):
    if argv[1:] == ["--check"]:
        return check_fresh()
    kernel, doc, names = "6.12", None, []
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--kernel":
            kernel = args.pop(0)
        elif a == "--doc":
            doc = args.pop(0)
        else:
            names.append(a)
    kdir = run(["tools/vm/vshare-vm", "kernel", kernel], stdout=subprocess.PIPE,
               text=True, check=True).stdout.strip().splitlines()[-1]
    rows, survived = [], 0
    chosen = [m for m in MUTANTS if not names or m[0] in names]
    for i, (name, what, edits, tests) in enumerate(chosen):
        print("mutants: %s (%d of %d)" % (name, i + 1, len(chosen)), flush=True)
        why = try_mutant(name, edits, tests, kernel, kdir)
        survived += not why
        rows.append((name, what, "; ".join(why[:3]) if why else "SURVIVED"))
        print("  %s" % (rows[-1][2]), flush=True)
    width = max(len(r[0]) for r in rows)
    for r in rows:
        print("%-*s  %s" % (width, r[0], r[2]))
    print("%d mutants, %d caught, %d survived" % (len(rows), len(rows) - survived,
                                                 survived))
    if doc:
        rst.write_table(doc, "Mutants", "Generated by ``make mutants`` (Linux %s): "
                        "each row is a deliberate bug in the driver and what "
                        "caught it." % kernel, ("mutant", "the bug", "caught by"),
                        rows)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
