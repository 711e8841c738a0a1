#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make integrity: show that make check's verdict cannot go green with
results missing.

In a throw-away clone of HEAD (never the working tree), each way a result
can vanish or a failure hide is made to happen, and the summary make
check prints must fail, naming it:

  missing-job        a job directory with nothing in it (its VM never ran)
  removed-binary     a test binary deleted after the build
  removed-kunit-case a module whose KUnit suite lacks a case the source has
  unexpected-skip    a skip whose line was taken out of expected-skips.txt
  warning-at-load    a kernel WARNING outside igt_runner (at module load)
  vm-killed          the VM killed while igt_runner is running

The first five come from one VM run of a short list on KERNEL; the last
from a second run that is killed once three subtests have results.
Prints a table (and writes it with --doc FILE); exits 1 unless every
scenario failed the summary with its name.

Usage: demo.py [--kernel VER] [--doc FILE]
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests"))
sys.path.insert(0, os.path.join(TOP, "tests", "mutants"))
import mutants  # noqa: E402  (its module build)
import rst  # noqa: E402

LIST = ["vshare_basic", "vshare_prime", "vshare_security", "syncobj_basic"]
SKIP_LINE = r"7\.3 check@kunit-vshare_test_detach_while_mapped"

# name, what was done, regex the summary must print
SCENARIOS = [
    ("missing-job", "an empty job directory", r"FAIL +missing-job job \(never ran"),
    ("removed-binary", "build/igt/vshare_prime deleted",
     r"FAIL +\S+ igt@vshare_prime \(expected, never ran\)"),
    ("removed-kunit-case", "KUNIT_CASE(vshare_test_contiguous) left out of the build",
     r"FAIL +\S+ check@kunit-vshare_test_contiguous \(expected, never ran\)"),
    ("unexpected-skip", "its line taken out of tests/expected-skips.txt",
     r"FAIL +\S+ check@kunit-vshare_test_detach_while_mapped \(unexpected skip"),
    ("warning-at-load", "WARN() in vshare_init()",
     r"\[insmod and KUnit\] WARNING: .*vshare_init"),
    ("vm-killed", "qemu killed after three subtest results",
     r"FAIL +\S+ vm \(the VM did not finish"),
    ("vm-killed", "what ran before is still counted",
     r"FAIL +\S+ igt_runner \(results: no results.json, the runner never "
     r"finished; [1-9]\d* results recovered"),
    ("vm-killed", "and the rest fail",
     r"FAIL +\S+ igt@\S+ \(expected, never ran\)"),
]

BROKEN = [
    ("tests/vshare_test.c", "\tKUNIT_CASE(vshare_test_contiguous),\n", "", 1),
    ("vshare_drv.c", "\tvshare_fault_init();\n",
     "\tWARN(1, \"make integrity: a warning at load\");\n\tvshare_fault_init();\n", 1),
]


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, **kw)


def make_clone(work):
    clone = os.path.join(work, "clone")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(["git", "clone", "-q", TOP, clone], TOP, check=True)
    r = run(["make", "-s", "tests"], clone, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise SystemExit("make tests failed in the clone:\n" + r.stdout[-3000:])
    with open(os.path.join(clone, "tests", "igt", "integrity.txt"), "w") as f:
        f.write("\n".join(LIST) + "\n")
    # removed-binary
    os.remove(os.path.join(clone, "build", "igt", "vshare_prime"))
    # unexpected-skip
    path = os.path.join(clone, "tests", "expected-skips.txt")
    text = open(path).read()
    if SKIP_LINE + "\n" not in text:
        raise SystemExit("expected-skips.txt no longer has: " + SKIP_LINE)
    open(path, "w").write(text.replace(SKIP_LINE + "\n", ""))
    return clone


def sent_subtests(out):
    """How many subtests' out.txt the guest's parts hold so far."""
    names = set()
    for part in glob.glob(os.path.join(out, "results.part-*.tar")):
        try:
            with tarfile.open(part) as t:
                names.update(n for n in t.getnames() if n.endswith("/out.txt"))
        except (OSError, tarfile.TarError):
            pass
    return len(names)


def vm(clone, kernel, out, timeout, kill_after=None):
    """Runs the list in the clone's VM; with kill_after, kills qemu once
    the parts of the results the guest sent (tests/run-guest.sh) hold more
    than that many subtests' out.txt."""
    cmd = ["tools/vm/vshare-vm", "run", "--kernel", kernel, "--quiet",
           "--timeout", str(timeout), "--out", out, "--",
           "VSHARE_KO=/job/mutant.ko sh /vshare/tests/run-guest.sh "
           "tests/igt/integrity.txt"]
    p = subprocess.Popen(cmd, cwd=clone)
    if kill_after is None:
        return p.wait()
    while p.poll() is None:
        if sent_subtests(out) > kill_after:
            subprocess.run(["pkill", "-KILL", "-f", "path=%s," % out])
            break
        time.sleep(2)
    return p.wait()


def main(argv):
    parser = argparse.ArgumentParser(description="make integrity")
    parser.add_argument("--kernel", default="7.3")
    parser.add_argument("--doc")
    args = parser.parse_args(argv[1:])
    kernel = args.kernel
    work = os.path.join(TOP, "build", "integrity")
    print("integrity: a throw-away clone in %s" % work, flush=True)
    clone = make_clone(work)
    kdir = run(["tools/vm/vshare-vm", "kernel", kernel], clone,
               stdout=subprocess.PIPE, text=True,
               check=True).stdout.strip().splitlines()[-1]
    jobs = {}
    # The broken module is built from the clone's source.
    mutants.TOP = clone
    for name in ("broken", "killed"):
        out = os.path.join(work, name)
        os.makedirs(out)
        mutants.build(name, BROKEN, kdir, out)
        print("integrity: VM run '%s' on %s" % (name, kernel), flush=True)
        vm(clone, kernel, out, 1800, kill_after=3 if name == "killed" else None)
        jobs[name] = out
    empty = os.path.join(work, "missing-job")
    os.makedirs(empty)
    rows, bad = [], 0
    for name, what, pattern in SCENARIOS:
        job = {"missing-job": empty, "vm-killed": jobs["killed"]}.get(
            name, jobs["broken"])
        r = run([sys.executable, os.path.join(clone, "tests", "summary.py"), job],
                clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        with open(os.path.join(work, os.path.basename(job) + ".summary"), "w") as f:
            f.write(r.stdout)
        m = re.search(pattern, r.stdout)
        caught = r.returncode != 0 and m is not None
        bad += not caught
        line = m.group(0).splitlines()[-1].strip() if m else "NOT CAUGHT"
        rows.append((name, what, line))
        print("  %-18s %s" % (name, line), flush=True)
    print("%d scenarios, %d failed the summary with their name"
          % (len(rows), len(rows) - bad))
    if args.doc:
        rst.write_table(args.doc, "Results integrity",
                        "Generated by ``make integrity`` (Linux %s): in a "
                        "throw-away clone, each way a result could vanish or "
                        "a failure hide is made to happen; the summary ``make "
                        "check`` prints fails with the line shown." % kernel,
                        ("scenario", "what was done", "the summary's line"),
                        [(n, w, "``%s``" % line) for n, w, line in rows])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
