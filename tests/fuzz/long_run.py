#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make fuzz: the long run of vshare_fuzz, besides make check's short one.

Boots one debug kernel (KASAN, lockdep, kmemleak) per seed, loads vgem and
vshare (two devices) and runs vshare_fuzz's seeded walk. Each seed has a
VM of its own (the walk unbinds and rebinds vshare.1, so two walks in one
guest would fight over it); --jobs VMs run at once. A seed is clean when
the walk passed (no crash, no success with a never-valid handle, all
memory back at the end), vshare unloaded after it and its kernel log, by
the same rules as make check's kernel-log check, has no report. Prints a
table; with --doc FILE.rst, keeps each seed's latest run in FILE.json and
writes the table of all of them. Exits 1 unless every seed was clean.

Usage: long_run.py [--kernel VER] [--count N] [--jobs N] [--doc FILE] SEED...
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests"))
import rst  # noqa: E402
import summary  # noqa: E402  (the kernel-log rules of make check)

# Measured: 25,000 calls took 105 s on 7.3 with another VM beside it
# (replugs of device 1 and engine delays are most of it). Give each
# call twice that.
SECS_PER_CALL = 0.0085


def guest_script(seed, count):
    return "\n".join([
        "modprobe vgem",
        "insmod /job/vshare.ko num_devices=2 || exit 1",
        "cd /vshare/build/igt",
        "echo 'vshare-guest: phase fuzz seed %s' >/dev/kmsg" % seed,
        "t=$(date +%s)",
        "IGT_FUZZ_SEED=%s IGT_FUZZ_COUNT=%d ./vshare_fuzz "
        ">/job/seed.out 2>&1; rc=$?" % (seed, count),
        "echo \"$rc $(( $(date +%s) - t ))\" >/job/seed.txt",
        "echo 'vshare-guest: phase rmmod' >/dev/kmsg",
        "rmmod vshare || echo rmmod-failed >>/job/seed.txt"]) + "\n"


def start(seed, kernel, count, out):
    os.makedirs(out)
    open(os.path.join(out, "fuzz.sh"), "w").write(guest_script(seed, count))
    limit = 600 + int(count * SECS_PER_CALL)
    log = open(os.path.join(out, "vm.log"), "w")
    return subprocess.Popen(
        ["tools/vm/vshare-vm", "run", "--kernel", kernel, "--quiet",
         "--timeout", str(limit), "--out", out, "--", "sh /job/fuzz.sh"],
        cwd=TOP, stdout=log, stderr=subprocess.STDOUT)


def progress(out):
    """The walk's last progress line (its output is in the shared OUT)."""
    text = summary.read(os.path.join(out, "seed.out")) or ""
    done = re.findall(r"fuzz: (\d+) of (\d+) calls", text)
    return "%s of %s calls" % done[-1] if done else "booting"


def result(seed, count, out):
    """(seed, time, result) and whether the seed was clean."""
    lines = (summary.read(os.path.join(out, "seed.txt")) or "").split("\n")
    parts = lines[0].split()
    if len(parts) != 2:
        return (seed, "-", "did not run or finish: " +
                "; ".join(summary.kernel_log(out)[:2])), False
    rc, secs = int(parts[0]), int(parts[1])
    text = summary.read(os.path.join(out, "seed.out")) or ""
    ok = sum(int(m.group(1)) for m in
             re.finditer(r"calls, +(\d+) succeeded", text))
    why = ["exit status %d" % rc] if rc else []
    why += ["vshare did not unload"] if "rmmod-failed" in lines else []
    # Any report at all, boot to power-off, and a VM that did not finish
    # make the seed unclean.
    why += summary.kernel_log(out)[:3]
    if not os.path.exists(os.path.join(out, "status")):
        why.append("the VM did not finish")
    return (seed, "%d min %02d s" % (secs // 60, secs % 60),
            "; ".join(why) if why else
            "clean (%d of %d calls succeeded)" % (ok, count)), not why


def main(argv):
    parser = argparse.ArgumentParser(description="the long vshare_fuzz run")
    parser.add_argument("--kernel", default="7.3")
    parser.add_argument("--count", type=int, default=1000000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--doc")
    parser.add_argument("seeds", nargs="+")
    args = parser.parse_args(argv[1:])
    top = os.path.join(TOP, "build", "fuzz")
    shutil.rmtree(top, ignore_errors=True)
    # The kernel and module once, before VMs start side by side.
    subprocess.run(["tools/vm/vshare-vm", "module", args.kernel], cwd=TOP,
                   stdout=subprocess.DEVNULL, check=True)
    print("fuzz: %d seeds x %d calls on %s, %d VMs at a time"
          % (len(args.seeds), args.count, args.kernel, args.jobs), flush=True)
    # The commit the VMs run (taken before they start).
    commit = subprocess.run(["git", "-C", TOP, "rev-parse", "--short=12",
                             "HEAD"], capture_output=True, text=True).stdout
    waiting, running, began = list(args.seeds), {}, time.time()
    while waiting or running:
        while waiting and len(running) < args.jobs:
            seed = waiting.pop(0)
            out = os.path.join(top, "seed-" + seed)
            running[seed] = (start(seed, args.kernel, args.count, out), out)
        time.sleep(60)
        for seed, (vm, out) in list(running.items()):
            done = vm.poll() is not None
            print("fuzz: %3d min: seed %s %s" % ((time.time() - began) // 60,
                                                  seed, "finished" if done
                                                  else progress(out)),
                  flush=True)
            if done:
                del running[seed]
    rows, bad = [], 0
    for seed in args.seeds:
        row, clean = result(seed, args.count,
                            os.path.join(top, "seed-" + seed))
        rows.append(row)
        bad += not clean
        print("seed %-12s %-12s %s" % row)
        if args.doc:
            record(args.doc, seed, args.kernel, args.count, commit.strip(),
                   row[1:], clean)
    print("%d seeds, %d calls each: %s" % (len(args.seeds), args.count,
                                          "clean" if not bad else "NOT clean"))
    if args.doc:
        write_doc(args.doc)
    return 1 if bad else 0


def record(doc, seed, kernel, count, commit, row, clean):
    """Keeps SEED's latest run in DOC's JSON beside it: a seed is run once
    per session if need be (each takes up to an hour of one core), and
    the table shows them all."""
    path = os.path.splitext(doc)[0] + ".json"
    runs = json.load(open(path)) if os.path.exists(path) else {}
    runs[seed] = {"kernel": kernel, "calls": count, "commit": commit,
                  "date": time.strftime("%Y-%m-%d"), "time": row[0],
                  "result": row[1], "clean": clean}
    with open(path, "w") as f:
        json.dump(runs, f, indent=1, sort_keys=True)
        f.write("\n")


def write_doc(doc):
    runs = json.load(open(os.path.splitext(doc)[0] + ".json"))
    rows = [(seed, r["date"], r["commit"], "Linux %s, %d calls" %
             (r["kernel"], r["calls"]), r["time"], r["result"])
            for seed, r in sorted(runs.items())]
    rst.write_table(doc, "Long fuzz run",
                    "Generated by ``make fuzz`` from ``docs/fuzz.json``, "
                    "where each seed's latest run is kept: ``vshare_fuzz`` "
                    "on a debug kernel (KASAN, lockdep, kmemleak), one VM "
                    "per seed, each seed's walk checked and its kernel log "
                    "read, boot to power-off. A seed of a million calls "
                    "takes 20 minutes to an hour of one core under TCG "
                    "(each row's time), so seeds "
                    "may have run on different days and commits; each row "
                    "says which. Until 2026-12-05 a seed N started its walk "
                    "at N | 1, so an even seed walked the calls of the odd "
                    "one after it (a run of seed 2 matched seed 3's counts "
                    "call for call): such runs were dropped; odd seeds walk "
                    "as they did.",
                    ("seed", "date", "commit", "run", "time", "result"), rows)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
