#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise test-VM runs: igt_runner results, our checks, the kernel log.

Usage: summary.py [--timing FILE] JOBDIR [JOBDIR ...]

Each JOBDIR is a `vshare-vm run --out` directory. A run counts every IGT
subtest from results/results.json and results-upstream/results.json (or,
when the VM died first, what igt_runner had written so far), every line of
`checks` ("name pass|fail"), and one "kernel-log" check: any WARNING, BUG,
lockdep, KASAN, UBSAN or kmemleak report, or a taint other than
out-of-tree/unsigned module, fails it.
A VM that did not finish is one failure. Prints one line per failure or skip,
a line per run, and finally "N passed, N failed, N skipped". Exits 1 if
anything failed.
"""

import functools
import json
import os
import re
import sys

REPORT = re.compile(
    r"WARNING:|BUG:|kernel BUG|Oops|general protection fault|"
    r"KASAN|UBSAN|possible circular locking|possible recursive locking|"
    r"inconsistent lock state|lock held when returning|"
    r"suspicious RCU usage|sleeping function called from invalid context|"
    r"unreferenced object|suspected memory leak|Call Trace:|"
    r"INFO: task .* blocked|rcu_.*stall|refcount_t:|list_(add|del) corruption")

PHASE = re.compile(r"vshare-guest: phase (.*)$|"
                   r"\[IGT\] (\S+): (?:starting|executing)(?: dynamic)?(?: subtest)? ?(\S*)")

# Taint bits that are expected: out-of-tree (O, 12), unsigned (E, 13),
# KUnit tests ran (N, 18), and soft lockup (L, 14), which 7.x's sw_sync
# sets on every fence it creates; a real soft lockup prints
# "BUG: soft lockup", which REPORT catches.
ALLOWED_TAINT = (1 << 12) | (1 << 13) | (1 << 14) | (1 << 18)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def kernel_log(job):
    """Returns a list of problems found in the kernel log of a run."""
    problems = []
    dmesg = read(os.path.join(job, "dmesg.txt"))
    if dmesg is None:
        problems.append("no dmesg.txt: the kernel log was never collected")
        dmesg = ""
    # The console has what came after dmesg.txt was taken, or all of it
    # when the VM died first.
    console = read(os.path.join(job, "console.log")) or ""
    seen = set()
    kernel_lines = re.compile(r"^\[ *\d+\.\d+\] ")
    for source in (dmesg, console):
        where = "boot"
        for line in source.splitlines():
            # The console also carries the guest's own output: only the
            # kernel's lines count.
            if source is console and not kernel_lines.match(line):
                continue
            mark = PHASE.search(line)
            if mark:
                where = mark.group(1) or "igt@%s@%s" % (mark.group(2),
                                                        mark.group(3))
            elif REPORT.search(line):
                text = re.sub(r"^.*?\] ", "", line.strip())
                if text not in seen:
                    seen.add(text)
                    problems.append("[%s] %s" % (where, text))
    leaks = (read(os.path.join(job, "kmemleak.txt")) or "").strip()
    if leaks:
        problems.append("kmemleak: " + leaks.splitlines()[0])
    taint = (read(os.path.join(job, "tainted.txt")) or "").strip()
    if not taint.isdigit():
        problems.append("no tainted.txt: the kernel's taint was never read")
    elif int(taint) & ~ALLOWED_TAINT:
        problems.append("kernel tainted: %s" % taint)
    return problems


def expected_skips():
    """(job regex, test regex) pairs of tests/expected-skips.txt."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "expected-skips.txt")
    pairs = []
    for line in (read(path) or "").splitlines():
        line = line.split("#", 1)[0].split()
        if len(line) == 2:
            pairs.append((re.compile("(?:%s)$" % line[0]),
                          re.compile("(?:%s)$" % line[1])))
    return pairs


SKIPS = None


def skip_expected(job, test):
    global SKIPS
    if SKIPS is None:
        SKIPS = expected_skips()
    # make check-kernel's job: a kernel we do not know may lack what any of
    # ours lacks, and nothing else.
    if job == "user":
        return any(t.match(test) for j, t in SKIPS)
    return any(j.match(job) and t.match(test) for j, t in SKIPS)


def excludes():
    """The igt_runner -x patterns of tests/igt/upstream.txt."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "igt", "upstream.txt")
    return [re.compile(line[1:].strip())
            for line in (read(path) or "").splitlines()
            if line.startswith("!")]


def missing(job, tests, checks):
    """Expected results (expected.txt, written by run-guest.sh) that are
    not there: they never ran, which is a failure."""
    expected = read(os.path.join(job, "expected.txt"))
    if expected is None:
        return ["expected.txt (the VM never listed what must run)"]
    skip = excludes()
    names = set(tests)
    prefixes = set()
    for name in tests:
        parts = name.split("@")
        for i in range(2, len(parts)):
            prefixes.add("@".join(parts[:i]))
    have_checks = set()
    for line in (checks or "").splitlines():
        parts = line.split(None, 1)
        if parts:
            have_checks.add("check@" + parts[0])
    gone = []
    for name in expected.split():
        if name.startswith("check@"):
            if name not in have_checks:
                gone.append(name)
        elif name not in names and name not in prefixes and \
                not any(p.search(name) for p in skip):
            gone.append(name)
    return gone


RESULT_LINE = re.compile(r"^(Dynamic subtest|Subtest) (\S+): ([A-Z]+)")
START_LINE = re.compile(r"^Starting (dynamic )?subtest: (\S+)")
IGT_RESULTS = {"SUCCESS": "pass", "SKIP": "skip", "FAIL": "fail",
               "CRASH": "crash", "TIMEOUT": "timeout"}


def recover(resdir):
    """Results from igt_runner's own directory when results.json was never
    written (the VM died or was killed): one numbered directory per entry
    of joblist.txt ("binary subtest"), the test's output in out.txt and
    err.txt. A subtest that started and has no result is "incomplete"."""
    tests = {}
    jobs = (read(os.path.join(resdir, "joblist.txt")) or "").splitlines()
    for i, entry in enumerate(jobs):
        binary = entry.split()[0] if entry.split() else None
        out = "".join(read(os.path.join(resdir, str(i), f)) or ""
                      for f in ("out.txt", "err.txt"))
        if not binary or not out:
            continue
        sub = None
        for line in out.splitlines():
            start, result = START_LINE.match(line), RESULT_LINE.match(line)
            m = start or result
            if not m:
                continue
            dynamic = m.group(1) in ("dynamic ", "Dynamic subtest")
            if dynamic and sub:
                name = "igt@%s@%s@%s" % (binary, sub, m.group(2))
            else:
                name = "igt@%s@%s" % (binary, m.group(2))
                if start:
                    sub = m.group(2)
            if start:
                tests.setdefault(name, {"result": "incomplete"})
            else:
                tests[name] = {"result": IGT_RESULTS.get(m.group(3), "fail")}
    return tests


def result_dirs(job):
    """igt_runner's output directories of a run: results (ours, one
    process per subtest) and results-upstream (--multiple-mode)."""
    return [os.path.join(job, d) for d in ("results", "results-upstream")
            if os.path.isdir(os.path.join(job, d))]


@functools.lru_cache(maxsize=None)
def load_results(job):
    """(tests, problems): every results.json's tests, or, for a runner
    that never finished, what recover() finds in its directory. Read once
    per run: the counts, the distinct names and the timing all use it."""
    tests, problems = {}, []
    dirs = result_dirs(job)
    for resdir in dirs:
        results = read(os.path.join(resdir, "results.json"))
        if results is not None:
            tests.update(json.loads(results).get("tests", {}))
            continue
        found = recover(resdir)
        tests.update(found)
        problems.append("(%s: no results.json, the runner never finished; "
                        "%d results recovered from its directory)"
                        % (os.path.basename(resdir), len(found)))
    if not dirs:
        problems.append("(no igt_runner results directory)")
    return tests, problems


def misfiled_stdout(tests):
    """The names of "warn" results that are igt_runner's filing, not the
    test's: in --multiple-mode, igt_runner 2.5 at times files a piece of a
    binary's stdout as the stderr of one of its later subtests, and a
    subtest with stderr is "warn" (seen on vgem_basic after its 40-second
    unload subtest: "...for randomisation\nStarting subtest: unload\nOp"
    as the stderr of mmap). A warn whose whole stderr is a verbatim piece
    of the binary's stdout, and whose own output reports SUCCESS, is the
    pass it reported. Anything the test itself wrote to stderr (igt_warn,
    a libc message) is not in its stdout and stays a warn."""
    outs = {}
    for test, r in tests.items():
        binary = test.split("@")[1]
        outs[binary] = outs.get(binary, "") + (r.get("out") or "")
    found = []
    for test, r in tests.items():
        _, binary, sub = (test.split("@", 2) + [""])[:3]
        err = r.get("err") or ""
        if r.get("result") == "warn" and err.strip() and err in outs[binary] \
           and re.search(r"^Subtest %s: SUCCESS" % re.escape(sub),
                         r.get("out") or "", re.M):
            found.append(test)
    return found


def distinct_names(job):
    """The names of a run's tests and checks, whatever the kernel."""
    names = set(load_results(job)[0])
    for line in (read(os.path.join(job, "checks")) or "").splitlines():
        parts = line.split(None, 1)
        if parts:
            # checkpatch-6.12 and checkpatch-7.3 are one check.
            names.add("check@" + re.sub(r"-(6\.12|7\.3)$", "", parts[0]))
    return names


def test_times(job):
    """(seconds, job, test) for each test of a run's results."""
    name = os.path.basename(os.path.normpath(job))
    out = []
    for test, r in load_results(job)[0].items():
        t = r.get("time") or {}
        try:
            out.append((float(t["end"]) - float(t["start"]), name, test))
        except (KeyError, TypeError, ValueError):
            pass
    return out


def report_time(timing, jobs):
    """Where the time went: each phase, then the ten slowest tests."""
    print("Time:")
    total = 0
    for line in (read(timing) or "").splitlines():
        secs, _, what = line.partition(" ")
        # "~SECS WHAT": a part of the phase before it, which ran side by
        # side with others: shown, not added to the total.
        part = secs.startswith("~")
        secs = secs.lstrip("~")
        if secs.isdigit():
            if not part:
                total += int(secs)
            print("  %4d min %02d s  %s%s" % (int(secs) // 60, int(secs) % 60,
                                            "  of which: " if part else "",
                                            what))
    print("  %4d min %02d s  in all" % (total // 60, total % 60))
    slow = sorted((t for job in jobs for t in test_times(job)), reverse=True)
    if slow:
        print("Slowest tests:")
    for secs, name, test in slow[:10]:
        print("  %7.1f s  %s %s" % (secs, name, test))


def summarise(job, totals):
    name = os.path.basename(os.path.normpath(job))
    counts = {"pass": 0, "fail": 0, "skip": 0}

    def count(result, test, detail=""):
        key = result if result in ("pass", "skip") else "fail"
        # No skip is free: only those tests/expected-skips.txt explains.
        if key == "skip" and not skip_expected(name, test):
            key = "fail"
            detail = "(unexpected skip: not in tests/expected-skips.txt)"
        counts[key] += 1
        if key != "pass":
            print("  %-5s %s %s %s" % (key.upper(), name, test, detail))

    vm_job = os.path.exists(os.path.join(job, "cmd.sh"))
    checks = read(os.path.join(job, "checks"))
    # A job that never started (its build failed, or the directory is
    # empty) is a failure, never an empty success.
    if not vm_job and checks is None:
        count("fail", "job", "(never ran: no cmd.sh and no checks)")
    if vm_job and read(os.path.join(job, "status")) is None:
        count("fail", "vm", "(the VM did not finish: see console.log)")

    tests = {}
    if vm_job:
        tests, problems = load_results(job)
        for problem in problems:
            count("fail", "igt_runner", problem)
        if not tests and not problems:
            count("fail", "igt_runner", "(no test ran)")
        for test in misfiled_stdout(tests):
            print("  NOTE  %s %s: igt_runner filed a piece of the binary's "
                  "stdout as its stderr (warn); it reported SUCCESS: pass"
                  % (name, test))
            tests[test] = dict(tests[test], result="pass")
        for test in sorted(tests):
            result = tests[test].get("result", "fail")
            count(result, test, "" if result in ("pass", "skip", "fail")
                  else "(%s)" % result)
    if vm_job:
        for gone in missing(job, tests, checks):
            count("fail", gone, "(expected, never ran)")

    for line in (checks or "").splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            count(parts[1].strip(), "check@" + parts[0])

    problems = kernel_log(job) if vm_job else None
    if vm_job:
        count("fail" if problems else "pass", "check@kernel-log",
              "\n        " + "\n        ".join(problems[:20]) if problems else "")

    print("%s: %d passed, %d failed, %d skipped" %
          (name, counts["pass"], counts["fail"], counts["skip"]))
    for k in counts:
        totals[k] += counts[k]


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    totals = {"pass": 0, "fail": 0, "skip": 0}
    args = argv[1:]
    timing = None
    if args[:1] == ["--timing"]:
        timing = args[1]
        args = args[2:]
    names = set()
    for job in args:
        summarise(job, totals)
        names.update(distinct_names(job))
    if timing:
        report_time(timing, args)
    print("%d distinct checks (counted once per kernel they run on)" % len(names))
    if not totals["pass"]:
        print("  FAIL  no test passed")
        totals["fail"] += 1
    print("%d passed, %d failed, %d skipped" %
          (totals["pass"], totals["fail"], totals["skip"]))
    return 1 if totals["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
