#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn vshare_bench CSV into tables, targets, plots and docs/benchmarks.rst.

Usage: report.py OUTDIR DOC.rst "COMMAND" "KERNEL" MEDIANS.csv BOOT.csv...

Each BOOT.csv holds one boot's figures. Every table shows, for each
figure, its median over the boots (also written to MEDIANS.csv); a target
is judged on the median of its per-boot ratios, each boot's ratio being
listed. Every number in the document comes from the CSV files.

Ratios compare vshare with another exporter measured in the same boot,
above 1 meaning vshare does better: for times other/vshare, for
bandwidths vshare/other, for counts other/vshare.
"""

import csv
import math
import os
import statistics
import subprocess
import sys
import textwrap

MIB = 1024 * 1024
GIB = 1024 * MIB
PEERS = ["vgem", "udmabuf", "heap"]
MODES = ["vshare", "vshare-1call", "vshare-lazy"]
LIMITS = ["anon-thp", "anon-4k"]
COLUMNS = MODES + PEERS + LIMITS
SHORT = {"vshare": "vshare", "vshare-1call": "1call", "vshare-lazy": "lazy"}
BEST = "best peer"
# The heap again, taking its own turns: the A/A control. Its ratio to the
# heap is how far two turns of the same exporter differ, the finest gap
# a metric's ratios can show.
CONTROL = "heap-b"

# The lean comparison's steps (CSV names): the noun, what the lean build
# leaves out of it.
LEAN_STEPS = {
    "release": ("release", "no reservation lock, checks, accounting or "
                "buffer tree"),
    "create": ("creation", "no accounting, buffer tree or reservation lock "
               "at export"),
}

# Figures where more is better; for all others (times, counts) less is.
HIGHER = {"write_bw", "read_bw", "write2_bw", "read2_bw", "read_pte_bw",
          "write_faulted_bw", "write_again_bw", "many_create_rate",
          "many_close_rate"}

# The main table's metrics, in its order.
MAIN = ["create_export", "roundtrip", "alloc", "write_bw", "read_bw",
        "write2_bw", "read2_bw", "read_pte_bw", "vmap", "sg_per_mib"]
# Shown in the main table, but no target: what a creation cannot go below.
FLOORS = ["ioctl_refused"]

# The vshare modes a metric is judged in: the default, and the path or
# device profile made for that workload.
MODES_FOR = {"create_export": MODES, "roundtrip": ["vshare", "vshare-1call"],
             "ioctl_refused": ["vshare", "vshare-1call"],
             "alloc": ["vshare", "vshare-lazy"]}

# The scaling curves: CSV metric, column heading, unit.
CURVES = [("scale_create", "create", "us"), ("scale_export", "export", "us"),
          ("scale_write", "first-touch write", "us"),
          ("scale_map", "import (map_dma_buf)", "us"),
          ("scale_vmap", "vmap", "us")]
CURVE_COUNTS = [("scale_faults_per_mib", "faults/MiB"),
                ("scale_sg_per_mib", "sg/MiB"),
                ("scale_pte_kb_per_mib", "VmPTE kB/MiB"),
                ("scale_kmem_kb_per_mib", "kmem kB/MiB")]
CURVE_EXPORTERS = ["vshare", "vshare-lazy"] + PEERS

# A ratio differs from 1 when its median is this far off and no boot
# says otherwise (the read-pass analysis).
EFFECT = 0.03


def size_name(size):
    size = int(size)
    if size >= GIB and size % GIB == 0:
        return "%d GiB" % (size // GIB)
    if size >= MIB:
        return "%d MiB" % (size // MIB)
    return "%d KiB" % (size // 1024)


def fmt(v):
    """A figure with the digits that mean something, always alike."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    a = abs(v)
    if v == int(v):
        return "%d" % v
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 1 or a == 0:
        return "%.2f" % v
    return "%.3f" % v


def signed(v):
    """A difference, with its sign either way."""
    return ("+" if v >= 0 else "") + fmt(v)


def fx(r):
    return "%.2fx" % r


def fx_boots(rs, more=""):
    """Ratios of the boots: their median, then each (and @more)."""
    return "%s (per boot: %s%s)" % (fx(statistics.median(rs)),
                                    ", ".join(fx(r) for r in rs), more)


def load(path):
    data = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row["metric"], int(row["size_bytes"]))
            data.setdefault(key, {})[row["exporter"]] = (float(row["value"]),
                                                          row["unit"])
    return data


def medians(boots):
    """Per figure, the median over the boots that measured it."""
    out = {}
    for key in sorted({k for b in boots for k in b}):
        for who in sorted({w for b in boots for w in b.get(key, {})}):
            seen = [b[key][who] for b in boots if who in b.get(key, {})]
            out.setdefault(key, {})[who] = (
                statistics.median(v for v, _ in seen), seen[0][1])
    return out


def write_csv(data, path):
    with open(path, "w") as f:
        f.write("metric,exporter,size_bytes,value,unit\n")
        for (metric, size), values in sorted(data.items()):
            for who, (value, unit) in sorted(values.items()):
                f.write("%s,%s,%d,%.3f,%s\n" % (metric, who, size, value, unit))


def get(d, metric, size, who):
    v = d.get((metric, size), {}).get(who)
    return None if v is None else v[0]


def unit_of(data, metric, size):
    for _, unit in data.get((metric, size), {}).values():
        return unit
    return ""


def ratio(metric, mine, other):
    if mine is None or other is None or mine <= 0 or other <= 0:
        return None
    return mine / other if metric in HIGHER else other / mine


def per_boot(boots, size, mine, other):
    """vshare's ratio in each boot: [(ratio, whom)]. @mine and @other are
    (metric, exporter); @other's exporter BEST is the best peer of that
    boot (the one vshare has the smallest ratio to)."""
    out = []
    for b in boots:
        m = get(b, mine[0], size, mine[1])
        whom = PEERS if other[1] == BEST else [other[1]]
        rs = [(ratio(mine[0], m, get(b, other[0], size, p)), p) for p in whom]
        rs = [x for x in rs if x[0] is not None]
        if rs:
            out.append(min(rs))
    return out


def rst_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    line = "  ".join("=" * w for w in widths)
    out = [line, "  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
           line]
    for r in rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    out.append(line)
    return "\n".join(out)


def bullet(text):
    return textwrap.fill(text, width=76, initial_indent="* ",
                         subsequent_indent="  ", break_on_hyphens=False,
                         break_long_words=False)


class Report:
    def __init__(self, boots):
        self.boots = boots
        self.data = medians(boots)

    def med(self, metric, size, who):
        return get(self.data, metric, size, who)

    def reps(self, metric, size):
        return self.med("reps", size, metric)

    def sizes(self, metric):
        return sorted(s for m, s in self.data if m == metric)

    # -- the main table ---------------------------------------------------

    def best_mode(self, metric, size):
        """The vshare mode with the best median ratio to the best peer:
        (mode, [(ratio, peer)] per boot), or (None, [])."""
        best = (None, [])
        for mode in MODES_FOR.get(metric, ["vshare"]):
            rs = per_boot(self.boots, size, (metric, mode), (metric, BEST))
            if rs and (best[0] is None or statistics.median(
                    r for r, _ in rs) > statistics.median(r for r, _ in best[1])):
                best = (mode, rs)
        return best

    def main_table(self):
        header = ["metric", "size", "unit", "n", "vshare", "1call", "lazy"] + \
            PEERS + LIMITS + ["vshare / best peer"]
        rows = []
        for metric in MAIN + FLOORS:
            for size in self.sizes(metric):
                values = self.data[(metric, size)]
                if not any(m in values for m in MODES):
                    continue
                n = self.reps(metric, size)
                row = [metric, size_name(size), unit_of(self.data, metric, size),
                       "%d" % n if n else "-"]
                for mode in MODES:
                    row.append(fmt(self.med(metric, size, mode)))
                for other in PEERS + LIMITS:
                    v = self.med(metric, size, other)
                    rs = per_boot(self.boots, size, (metric, "vshare"),
                                  (metric, other))
                    if v is None:
                        row.append("-")
                    elif rs:
                        row.append("%s (%s)" % (fmt(v), fx(statistics.median(
                            r for r, _ in rs))))
                    else:
                        row.append(fmt(v))
                mode, rs = self.best_mode(metric, size)
                if mode:
                    row.append("%s: %s" % (SHORT[mode], fx(statistics.median(
                        r for r, _ in rs))))
                else:
                    row.append("-")
                rows.append(row)
        return rst_table(header, rows)

    # -- targets ----------------------------------------------------------

    def verdict(self, text, rs, bound, reason, at_most=False, unit="x",
                aa=None):
        """A target's line: rs is [(value, whom)] per boot, whom a peer or
        None; met when the median is >= @bound (<= with @at_most). A miss
        of a ratio of one metric, @aa = (metric, size), is set against the
        A/A control of that metric."""
        if not rs:
            return bullet("%s: not measured" % text)
        values = [r for r, _ in rs]
        r = statistics.median(values)
        met = r <= bound if at_most else r >= bound
        one = fx if unit == "x" else fmt
        detail = "%s; per boot: %s" % (
            "%.3fx" % r if unit == "x" else fmt(r),
            ", ".join(one(x) for x in values))
        names = sorted({w for _, w in rs if w})
        if names:
            detail += "; against %s" % (", ".join(w for _, w in rs)
                                        if len(names) > 1 else names[0])
        line = "%s: %s (%s)" % (text, "met" if met else "MISSED", detail)
        if not met:
            why = reason() if reason else ""
            spread = self.spread(values, bound, at_most)
            control = self.resolution(aa[0], aa[1], r / bound) if aa else ""
            line += ". Measured reason: %s" % "; ".join(
                x for x in (why, spread, control) if x)
        return bullet(line)

    @staticmethod
    def spread(values, bound, at_most=False):
        if len(values) < 2:
            return ""
        lo, hi = min(values), max(values)
        if (lo <= bound) if at_most else (hi >= bound):
            return ("the boots disagree (%s to %s): the gap is within their "
                    "spread" % (fmt(lo), fmt(hi)))
        return "every boot misses it (%s to %s)" % (fmt(lo), fmt(hi))

    def ratio_target(self, text, size, mine, other, minimum, reason=None):
        rs = per_boot(self.boots, size, mine, other)
        if mine[1] == other[1]:
            rs = [(r, None) for r, _ in rs]
        aa = (mine[0], size) if mine[0] == other[0] else None
        return self.verdict(text, rs, minimum, reason, aa=aa)

    # -- the A/A control ----------------------------------------------------

    def control(self, metric, size):
        """Per boot, the heap's ratio to itself taking other turns."""
        return [r for r, _ in per_boot(self.boots, size, (metric, "heap"),
                                       (metric, CONTROL))]

    @staticmethod
    def deviation(values):
        return max(abs(1 - v) for v in values)

    def resolution(self, metric, size, r):
        """A miss by @r (the median ratio over its bound) against what the
        A/A control of @metric at @size resolves."""
        aa = self.control(metric, size)
        if not aa:
            return ""
        d, gap = self.deviation(aa), 1 - r
        return ("the A/A control, the heap against itself taking other "
                "turns (%s), is at %s, off 1 by up to %.1f%%: "
                "this gap, %.1f%%, is %s" % (
                    CONTROL, fx_boots(aa), 100 * d, 100 * gap,
                    "within what the bench resolves" if gap <= d else
                    "beyond what the bench resolves"))

    def control_table(self):
        rows = []
        for metric in MAIN:
            for size in self.sizes(metric):
                aa = self.control(metric, size)
                if aa:
                    rows.append([metric, size_name(size),
                                 fx(statistics.median(aa)),
                                 ", ".join(fx(x) for x in aa),
                                 "%.1f%%" % (100 * self.deviation(aa))])
        if not rows:
            return ""
        return rst_table(["metric", "size", "heap / heap-b", "per boot",
                          "off 1 by up to"], rows)

    def figures(self, metric, size, whos):
        parts = []
        for who in whos:
            v = self.med(metric, size, who)
            if v is not None:
                parts.append("%s %s" % (who, fmt(v)))
        return ", ".join(parts)

    def context(self, metric, size, mode, peers):
        """Measured figures that bear on a miss of @metric at @size."""
        unit = unit_of(self.data, metric, size)
        modes = MODES_FOR.get(metric, ["vshare"])
        out = ["%s %s (%s): %s" % (metric, size_name(size), unit,
                                   self.figures(metric, size, modes + peers))]
        if metric in ("create_export", "alloc") and size >= 64 * MIB:
            per = []
            for who in ["vshare", "heap", "udmabuf"]:
                v = self.med(metric, size, who)
                if v is not None:
                    per.append("%s %s" % (who, fmt(v / (size / MIB))))
            if per:
                out.append("us per MiB for those that allocate at creation: "
                           + ", ".join(per))
            wb = self.figures("write_bw", 256 * MIB, ["vshare-lazy", "vgem"])
            if wb:
                out.append("those that allocate at the first touch pay then "
                           "(first-touch write 256 MiB, MiB/s: %s)" % wb)
        if metric in ("create_export", "roundtrip") and size <= MIB:
            out.append("the GEM path is create, export and close (three "
                       "ioctls), CREATE_DMABUF one")
            f = self.figures("ioctl_refused", 4096,
                             ["vshare", "vshare-1call"] + peers)
            if f:
                out.append("the creation ioctl refused at its first check "
                           "(system call and dispatch only), us: " + f)
            v = self.med("create_export", size, "vshare-lazy-1call")
            if metric == "create_export" and v is not None:
                out.append("CREATE_DMABUF on the alloc=lazy device, which "
                           "allocates no page (the GEM object and the "
                           "dma-buf alone): %s us" % fmt(v))
        if metric == "create_export" and size <= MIB:
            out.append(self.past_dispatch(size, mode, peers))
            if mode == "vshare-1call" and "heap" in peers:
                out.append(self.lean_split(size, "create"))
                out.append(self.carryover(size, metric, "ioctl_refused"))
        if metric == "roundtrip":
            out.append(self.roundtrip_steps(size, mode, peers))
        if metric == "write_bw":
            f = self.figures("faults_per_mib", size, ["vshare"] + peers)
            if f:
                out.append("first-touch faults per MiB: " + f)
            r = self.touch_ratio(size)
            if r:
                out.append("vshare's first touch is %s of its second" % fx(r))
        if metric in ("read_bw", "read2_bw", "read_pte_bw"):
            out.append(self.read_summary(size))
        if metric == "write2_bw":
            f = self.figures("pte_kb_per_mib", size, ["vshare"] + peers)
            if f:
                out.append("page tables, kB per MiB: " + f)
        if metric == "vmap":
            f = self.figures("scale_vmap", size, ["vshare"] + peers)
            if f:
                out.append("vmap in the curves (us): " + f)
        return "; ".join(x for x in out if x)

    def past_dispatch(self, size, mode, peers):
        """Creation less the refused ioctl: the work past the dispatch."""
        parts = []
        for who in [mode] + peers:
            c = self.med("create_export", size, who)
            r = self.med("ioctl_refused", 4096, who)
            if c is not None and r is not None:
                parts.append("%s %s" % (who, fmt(c - r)))
        if len(parts) < 2:
            return ""
        return ("the creation less the refused ioctl (the work past the "
                "dispatch), us: " + ", ".join(parts))

    def roundtrip_steps(self, size, mode, peers):
        """The roundtrip of @mode and of the fastest of @peers, by step."""
        times = [(self.med("roundtrip", size, p), p) for p in peers]
        times = [t for t in times if t[0] is not None]
        mine = self.med("roundtrip", size, mode)
        if not times or mine is None:
            return ""
        best, peer = min(times)
        # Each step: its metric, its name, what the name leaves unsaid.
        steps = [("roundtrip_import", "import", ""),
                 ("roundtrip_unimport", "the importer's close", ""),
                 ("roundtrip_release", "release",
                  " (the last close, which frees the buffer)")]
        parts, diffs = [], []
        for metric, name, note in steps:
            a, b = self.med(metric, size, mode), self.med(metric, size, peer)
            if a is None or b is None:
                return ""
            parts.append("%s%s %s, %s" % (name, note, fmt(a), fmt(b)))
            diffs.append("%s %s" % (name, signed(a - b)))
        out = "taken apart, us (%s, %s): %s; %s less %s, us: %s (the " \
            "whole roundtrip %s)" % (mode, peer, "; ".join(parts), mode,
                                     peer, ", ".join(diffs),
                                     signed(mine - best))
        rel = self.figures("release", size,
                           [mode, "vshare-lazy-1call", peer])
        if rel:
            out += ("; created and released without an import (closing "
                    "the dma-buf, vshare-lazy-1call having no page: the "
                    "GEM object and the dma-buf alone), us: " + rel)
        lean = self.lean_split(size)
        partners = self.partners(size)
        carry = self.carryover(size, "roundtrip")
        return out + "".join("; " + x for x in (lean, partners, carry) if x)

    def partners(self, size):
        """vshare-1call's roundtrip against the heap's, per boot, the two
        taking turns alone and with one other exporter as a third."""
        out = []
        for third, label in (("none", "alone"), ("vgem", "with vgem"),
                             ("udmabuf", "with udmabuf")):
            rs = [r for r, _ in per_boot(
                self.boots, size,
                ("partners_roundtrip", "vshare-1call+" + third),
                ("partners_roundtrip", "heap+" + third))]
            if rs:
                out.append("%s %s" % (label, fx_boots(rs)))
        if not out:
            return ""
        return ("vshare-1call's roundtrip against the heap's (the heap's "
                "time over its own), the two taking turns " +
                ", ".join(out) + " (in the table, vgem and udmabuf both "
                "take turns between theirs)")

    def carryover(self, size, *metrics):
        """vshare-1call's @metrics against the heap's in the table's
        rotation, split by whose turn came just before; vshare itself,
        then its lean build."""
        nouns = {"create_export": "creation",
                 "ioctl_refused": "refused creation ioctl (the dispatch)"}
        parts = []
        for prefix, module in (("carryover_", "vshare-1call's"),
                               ("lean_carryover_", "with vshare's lean "
                                "build loaded instead, its")):
            for metric in metrics:
                split = self.carryover_split(size, prefix + metric)
                if split:
                    parts.append("%s %s: %s" % (
                        module, nouns.get(metric, metric), split))
        if "create_export" in metrics:
            parts.append(self.peer_cost(size))
        parts = [p for p in parts if p]
        if not parts:
            return ""
        return ("by the turn before, in a rotation of vshare-1call, vgem, "
                "udmabuf and the heap (the table's), against the heap's "
                "(the heap's time over vshare-1call's): %s" %
                "; ".join(parts))

    def carryover_split(self, size, metric):
        """vshare-1call against the heap in @metric, after each other's
        turn and after a peer's: per-boot ratios and medians."""
        out = []
        for cls, label in (("pair", "after each other's turn"),
                           ("peer", "after vgem's or udmabuf's turn")):
            mine, heap = "vshare-1call+" + cls, "heap+" + cls
            rs = [r for r, _ in per_boot(self.boots, size, (metric, mine),
                                         (metric, heap))]
            a, b = self.med(metric, size, mine), self.med(metric, size, heap)
            if rs and a is not None and b is not None:
                out.append("%s %s" % (label, fx_boots(
                    rs, "; us: %s, %s" % (fmt(a), fmt(b)))))
        return "; ".join(out)

    def peer_cost(self, size):
        """What a peer's turn just before adds to a creation: after vgem's
        or udmabuf's turn less after vshare-1call's or the heap's."""
        parts = []
        for metric, who, label in (
                ("create_export", "vshare-1call", "vshare-1call"),
                ("create_warmed", "vshare-1call", "vshare-1call right "
                 "after an untimed creation with no page (its code run, "
                 "not its page)"),
                ("create_export", "vgem", "vgem (a DRM driver without "
                 "vshare's code)"),
                ("create_export", "heap", "the heap")):
            a = self.med("carryover_" + metric, size, who + "+peer")
            b = self.med("carryover_" + metric, size, who + "+pair")
            if a is not None and b is not None:
                parts.append("%s %s" % (label, signed(a - b)))
        if len(parts) < 2:
            return ""
        return ("what a peer's turn just before adds to a creation (after "
                "vgem's or udmabuf's turn less after vshare-1call's or the "
                "heap's), us: " + ", ".join(parts))

    def lean_ratios(self, size, metric, who="vshare-1call"):
        """Per boot, the heap's time over @who's, in the turns of the
        lean comparison: vshare's (turn_*) or its lean build's (lean_*)."""
        return [v for v in (get(b, metric, size, who) for b in self.boots)
                if v is not None]

    def lean_split(self, size, step="release"):
        """How much of vshare-1call's gap to the heap's @step (release or
        create) is vshare's own code: its lean build against vshare,
        loaded in turns."""
        full = self.lean_ratios(size, "turn_%s_ratio" % step)
        lean = self.lean_ratios(size, "lean_%s_ratio" % step)
        if not full or not lean:
            return ""
        t, m = statistics.median(full), statistics.median(lean)
        noun, without = LEAN_STEPS[step]
        out = ("with vshare's own work in a %s compiled out (its lean "
               "build, tools/bench/lean.py: %s), loaded in turns with "
               "vshare in the same boot, and vshare-1call taking turns with "
               "the heap alone (no third exporter, whose code would be "
               "shared by one of the two), vshare-1call's %s is at %s of "
               "the heap's (per boot: %s), vshare's at %s" % (
                   noun, without, noun,
                   fx(m), ", ".join(fx(x) for x in lean), fx_boots(full)))
        if t <= 1 - EFFECT:
            out += (": vshare's own work is %d%% of its gap in these "
                    "turns, the rest is what the lean build keeps (the DRM "
                    "core's GEM object and its dma-buf, the pages)" % round(
                        100 * max(0.0, min(m, 1.0) - t) / (1 - t)))
        else:
            out += (": with the heap alone, vshare is within %d%% of "
                    "it; the gap above comes with the other exporters "
                    "taking turns between theirs" % round(EFFECT * 100))
        alone = self.med("lean_%s" % step, size, "vshare-lazy-1call")
        heap = self.med("lean_%s" % step, size, "heap")
        if alone is not None and heap is not None and size <= 4096:
            out += ("; the lean build's %s of a buffer with no page "
                    "(alloc=lazy), the GEM object and the dma-buf alone, "
                    "takes %s us, the heap's of a buffer with its page %s "
                    "us" % (noun, fmt(alone), fmt(heap)))
        return out

    def limit_context(self, metric, limit, size):
        unit = unit_of(self.data, metric, size)
        out = ["vshare %s %s %s, anon-thp %s %s %s" % (
            metric, fmt(self.med(metric, size, "vshare")), unit, limit,
            fmt(self.med(limit, size, "anon-thp")), unit)]
        if metric == "write_bw":
            out.append(self.fault_cost(size))
        if metric.startswith("read"):
            out.append(self.read_summary(size))
        return "; ".join(x for x in out if x)

    def touch_ratio(self, size):
        rs = per_boot(self.boots, size, ("write_bw", "vshare"),
                      ("write2_bw", "vshare"))
        return statistics.median(r for r, _ in rs) if rs else None

    def fault_cost(self, size, who="vshare"):
        """What the first touch costs more than the second, per fault (us),
        and the faults: from the bandwidths and the fault count."""
        w1, w2 = self.med("write_bw", size, who), self.med("write2_bw", size, who)
        f = self.med("faults_per_mib", size, who)
        if not w1 or not w2 or f is None:
            return ""
        extra = (size / MIB / w1 - size / MIB / w2) * 1e6
        faults = f * size / MIB
        text = "the first touch of %s takes %s us more than the second" % (
            size_name(size), fmt(extra))
        if faults:
            text += ", %s us for each of its %s faults" % (
                fmt(extra / faults), fmt(faults))
        alone = self.med("fault_us", size, who)
        if alone is not None and faults:
            text += ("; taken apart: the faults alone (one byte written per "
                     "2 MiB) take %s us each, %s us in all" % (
                         fmt(alone), fmt(alone * faults)))
        text += self.first_pass(
            size, who, ", and once they are all taken a write of every byte "
            "runs at %s of the next one (per boot: %s)",
            ": that part of the gap is the emulator's first pass over the "
            "new mapping, not the faults")
        text += self.first_pass(
            size, "anon-thp", "; anonymous THP memory, its faults taken the "
            "same way, then writes every byte at %s of its next write (per "
            "boot: %s)", ": the limit pays that first pass too")
        return text

    def first_pass(self, size, who, what, slower):
        """@who's write of every byte once its faults are taken, against
        the next one: @what with the median and per-boot ratios, and
        @slower if the first is slower by more than the noise."""
        rs = per_boot(self.boots, size, ("write_faulted_bw", who),
                      ("write_again_bw", who))
        if not rs:
            return ""
        r = statistics.median(x for x, _ in rs)
        return what % (fx(r), ", ".join(fx(x) for x, _ in rs)) + (
            slower if r <= 1 - EFFECT else "")

    def targets(self):
        groups = []

        # Every figure of the main table against the best peer.
        lines = []
        for metric in MAIN:
            for size in self.sizes(metric):
                mode, rs = self.best_mode(metric, size)
                if not mode:
                    continue
                lines.append(self.verdict(
                    "%s %s, %s against the best peer: >= 1.0x" % (
                        metric, size_name(size), mode), rs, 1.0,
                    lambda m=metric, s=size, md=mode:
                        self.context(m, s, md, PEERS), aa=(metric, size)))
        groups.append(("Every figure, vshare (its best mode) against the "
                       "best peer", lines))

        # The limit: memory that is mapped, and anonymous THP memory.
        lines = []
        for size in self.sizes("write2_bw") or [64 * MIB, 256 * MIB]:
            name = size_name(size)
            lines.append(self.ratio_target(
                "first-touch write %s within 10%% of vshare's second-touch "
                "write: >= 0.9x" % name, size, ("write_bw", "vshare"),
                ("write2_bw", "vshare"), 0.9,
                lambda s=size: self.fault_cost(s)))
            for metric, limit, what in (
                    ("write_bw", "write2_bw", "first-touch write"),
                    ("read_bw", "read2_bw", "read"),
                    ("write2_bw", "write2_bw", "second-touch write"),
                    ("read2_bw", "read2_bw", "second read")):
                lines.append(self.ratio_target(
                    "%s %s within 10%% of anonymous THP memory's %s: "
                    ">= 0.9x" % (what, name, limit.replace("_bw", "")),
                    size, (metric, "vshare"), (limit, "anon-thp"), 0.9,
                    lambda m=metric, lim=limit, s=size: self.limit_context(
                        m, lim, s)))
        groups.append(("The limit (anon-thp, mapped memory)", lines))

        # Small buffers: the one-ioctl path against the heap.
        lines = []
        for metric, what in (("create_export", "create+export"),
                             ("roundtrip", "export-import-close")):
            lines.append(self.ratio_target(
                "%s 4 KiB, vshare-1call at or below the heap: >= 1.0x" % what,
                4096, (metric, "vshare-1call"), (metric, "heap"), 1.0,
                lambda m=metric: self.context(m, 4096, "vshare-1call",
                                              ["heap"])))
        groups.append(("Small buffers (CREATE_DMABUF)", lines))

        # Lazy allocation.
        lines = []
        for metric, size in (("create_export", 64 * MIB),
                             ("alloc", 256 * MIB)):
            lines.append(self.ratio_target(
                "%s %s, vshare-lazy within 1.05x of vgem: >= %.3fx" % (
                    "create+export" if metric == "create_export" else
                    "allocation", size_name(size), 1 / 1.05), size,
                (metric, "vshare-lazy"), (metric, "vgem"), 1 / 1.05,
                lambda m=metric, s=size: self.context(
                    m, s, "vshare-lazy", ["vgem"])))
        for size in self.sizes("write_bw"):
            lines.append(self.ratio_target(
                "first-touch write %s, vshare-lazy >= 3x vgem" %
                size_name(size), size, ("write_bw", "vshare-lazy"),
                ("write_bw", "vgem"), 3.0,
                lambda s=size: self.context("write_bw", s, "vshare-lazy",
                                            ["vgem"])))
        groups.append(("Lazy allocation (alloc=lazy)", lines))

        groups.append(("Scaling: costs that grow with runs, not pages",
                       self.map_targets() + self.fault_targets()))
        groups.append(("Many buffers: no step quadratic", self.many_targets()))

        # The targets of the previous issue, kept.
        lines = []
        for text, metric, size, other, minimum in (
                ("mmap first-touch write, 256 MiB: >= 3x vgem", "write_bw",
                 256 * MIB, "vgem", 3.0),
                ("mmap first-touch write, 256 MiB: >= the system heap",
                 "write_bw", 256 * MIB, "heap", 1.0),
                ("mmap first-touch write, 256 MiB: >= 0.8x anonymous memory "
                 "with THP", "write_bw", 256 * MIB, "anon-thp", 0.8),
                ("create+export, 4 KiB: no slower than vgem (<= 1.05x)",
                 "create_export", 4096, "vgem", 1 / 1.05),
                ("export-import-close, 4 KiB: no slower than vgem (<= 1.05x)",
                 "roundtrip", 4096, "vgem", 1 / 1.05),
                ("allocation, 256 MiB: no slower than the system heap",
                 "alloc", 256 * MIB, "heap", 1.0)):
            lines.append(self.ratio_target(
                text, size, (metric, "vshare"), (metric, other), minimum,
                lambda m=metric, s=size, o=other: self.context(
                    m, s, "vshare", [o])))
        entries = [(get(b, "sg_per_mib", 64 * MIB, "vshare") * 64, None)
                   for b in self.boots
                   if get(b, "sg_per_mib", 64 * MIB, "vshare") is not None]
        # A count: at most 32, so judged on 32 / entries >= 1.
        if entries:
            n = statistics.median(e for e, _ in entries)
            lines.append(bullet("sg entries for 64 MiB: <= 32: %s (%s; per "
                                "boot: %s)" % (
                                    "met" if n <= 32 else "MISSED", fmt(n),
                                    ", ".join(fmt(e) for e, _ in entries))))
        groups.append(("The previous targets", lines))
        return groups

    # -- map_dma_buf per entry and per page --------------------------------

    def map_split(self, b, size):
        """From one boot's isolation: (per-entry us, per-page us, the part of
        the map that grows with entries, the part that grows with pages,
        entries, pages), or None."""
        fixed = get(b, "map_iso_fixed", size, "vshare")
        t_runs = get(b, "map_iso_runs", size, "vshare")
        t_pages = get(b, "map_iso_pages", size, "vshare")
        e_runs = get(b, "map_iso_runs_n", size, "vshare")
        e_pages = get(b, "map_iso_pages_n", size, "vshare")
        if None in (fixed, t_runs, t_pages, e_runs, e_pages) or \
                e_pages <= e_runs or e_runs < 1:
            return None
        pages = size // 4096
        per_entry = max(0.0, (t_pages - t_runs) / (e_pages - e_runs))
        entry_part = per_entry * (e_runs - 1)
        page_part = max(0.0, t_runs - fixed - entry_part)
        return (per_entry, page_part / (pages - 1), entry_part, page_part,
                e_runs, pages)

    def map_table(self):
        rows = []
        for size in self.sizes("map_iso_runs"):
            splits = [x for x in (self.map_split(b, size) for b in self.boots)
                      if x]
            if not splits:
                continue
            m = [statistics.median(x[i] for x in splits) for i in range(6)]
            rows.append([size_name(size),
                         fmt(self.med("map_iso_fixed", size, "vshare")),
                         "%s (%s)" % (fmt(self.med("map_iso_runs", size, "vshare")),
                                      fmt(self.med("map_iso_runs_n", size, "vshare"))),
                         "%s (%s)" % (fmt(self.med("map_iso_pages", size, "vshare")),
                                      fmt(self.med("map_iso_pages_n", size, "vshare"))),
                         fmt(m[0]), fmt(m[1] * 1000), fmt(m[2]), fmt(m[3])])
        if not rows:
            return ""
        return rst_table(["size", "4 KiB import", "device 1 (entries)",
                          "4 KiB segments (entries)", "us/entry", "ns/page",
                          "entries part", "pages part"], rows)

    def map_targets(self):
        lines = []
        for size in self.sizes("map_iso_runs") or [64 * MIB, 256 * MIB]:
            rs = []
            for b in self.boots:
                x = self.map_split(b, size)
                if x:
                    rs.append((x[3] / x[2] if x[2] > 0 else float("inf"), None))

            def why(s=size):
                splits = [x for x in (self.map_split(b, s) for b in self.boots)
                          if x]
                if not splits:
                    return ""
                m = [statistics.median(x[i] for x in splits) for i in range(6)]
                return ("an sg entry costs %s us and a page %s ns: of the "
                        "%s us map of %s (%s entries, %s pages), %s us grow "
                        "with the pages and %s us with the entries" % (
                            fmt(m[0]), fmt(m[1] * 1000),
                            fmt(self.med("map_iso_runs", s, "vshare")),
                            size_name(s), fmt(m[4]), fmt(m[5]), fmt(m[3]),
                            fmt(m[2])))
            lines.append(self.verdict(
                "vshare's map_dma_buf of %s grows with its sg entries (runs), "
                "not its pages: the part that grows with pages at most the "
                "part that grows with entries (pages part / entries part "
                "<= 1)" % size_name(size), rs, 1.0, why, at_most=True,
                unit="n"))
        return lines

    def fault_targets(self):
        """Faults of vshare's first touch: at most one per 2 MiB chunk plus
        one per run, at every size from 4 MiB (deterministic)."""
        sizes = [s for s in self.sizes("scale_faults_per_mib") if s >= 4 * MIB]
        rs = []
        for b in self.boots:
            worst = None
            for s in sizes:
                f = get(b, "scale_faults_per_mib", s, "vshare")
                sg = get(b, "scale_sg_per_mib", s, "vshare")
                if f is None or sg is None:
                    continue
                r = f / (0.5 + sg)
                worst = r if worst is None else max(worst, r)
            if worst is not None:
                rs.append((worst, None))

        def why():
            return "faults per MiB by size: " + ", ".join(
                "%s %s (sg %s)" % (size_name(s),
                                   fmt(self.med("scale_faults_per_mib", s, "vshare")),
                                   fmt(self.med("scale_sg_per_mib", s, "vshare")))
                for s in sizes)
        return [self.verdict(
            "vshare's first-touch faults grow with runs, not pages: at most "
            "one per 2 MiB chunk plus one per sg entry, 4 MiB to 1 GiB "
            "(faults / that bound, largest over the sizes, <= 1)", rs, 1.0,
            why, at_most=True, unit="n")]

    # -- many buffers -----------------------------------------------------

    def many(self, metric, b=None):
        return get(b if b is not None else self.data, metric, 4096, "vshare")

    def many_targets(self):
        lines = []
        for first, last, text in (
                ("many_create_first_us", "many_create_last_us",
                 "creation: buffers 90,001-100,000 cost at most 2x buffers "
                 "1-10,000 each (one cost per buffer growing with their "
                 "number would give 19x)"),
                ("many_close_last_us", "many_close_first_us",
                 "close: with 100,000 to 90,000 live at most 2x with "
                 "10,000 to 0 live")):
            rs = []
            for b in self.boots:
                a, z = self.many(first, b), self.many(last, b)
                if a and z:
                    rs.append((z / a, None))
            lines.append(self.verdict(
                text, rs, 2.0,
                lambda f=first, l=last: "per buffer, us: %s %s, %s %s" % (
                    f, fmt(self.many(f)), l, fmt(self.many(l))), at_most=True))
        rs = []
        for b in self.boots:
            small, big = self.many("many_list_10k", b), self.many("many_list_100k", b)
            if small and big:
                rs.append((math.log10(big / small), None))
        lines.append(self.verdict(
            "debugfs listing: log-log slope from 10,000 to 100,000 buffers "
            "<= 1.2 (linear 1, quadratic 2)", rs, 1.2,
            lambda: "listing, ms: 10,000 buffers %s, 100,000 buffers %s" % (
                fmt(self.many("many_list_10k")),
                fmt(self.many("many_list_100k"))), at_most=True, unit="n"))
        return lines

    def many_table(self):
        rows = []
        for metric, what in (
                ("many_create_rate", "creations per second, all 100,000"),
                ("many_create_first_us", "us per creation, buffers 1-10,000"),
                ("many_create_last_us", "us per creation, buffers 90,001-100,000"),
                ("many_close_rate", "closes per second, all 100,000"),
                ("many_close_first_us", "us per close, 100,000 down to 90,000 live"),
                ("many_close_last_us", "us per close, 10,000 down to 0 live"),
                ("many_slab_per_buffer", "Slab bytes per buffer"),
                ("many_kmem_per_buffer", "kernel memory (Slab + vmalloc), "
                 "bytes per buffer"),
                ("many_list_10k", "ms to read vshare_buffers, 10,000 buffers"),
                ("many_list_100k", "ms to read vshare_buffers, 100,000 buffers")):
            v = self.many(metric)
            if v is None:
                continue
            rows.append([what, fmt(v), ", ".join(
                fmt(self.many(metric, b)) for b in self.boots
                if self.many(metric, b) is not None)])
        if not rows:
            return ""
        return rst_table(["figure (one device, 4 KiB buffers)", "median",
                          "per boot"], rows)

    # -- the read pass ----------------------------------------------------

    def read_ratios(self, size):
        """Named per-boot ratios that isolate the read gap."""
        def rs(mine, other):
            return [r for r, _ in per_boot(self.boots, size, mine, other)]
        return [
            ("gap", "vshare's read against the best peer's (read_bw)",
             rs(("read_bw", "vshare"), ("read_bw", BEST))),
            ("again", "vshare's second read against its first "
             "(read2_bw / read_bw)", rs(("read2_bw", "vshare"),
                                        ("read_bw", "vshare"))),
            ("again-heap", "the heap's second read against its first",
             rs(("read2_bw", "heap"), ("read_bw", "heap"))),
            ("pte", "the same vshare pages through 4 KiB PTEs against 2 MiB "
             "PMDs (read_pte_bw / read2_bw)", rs(("read_pte_bw", "vshare"),
                                                 ("read2_bw", "vshare"))),
            ("place", "vshare's pages against the heap's, both through 4 KiB "
             "PTEs (read_pte_bw)", rs(("read_pte_bw", "vshare"),
                                      ("read_pte_bw", "heap"))),
            ("thp", "anonymous memory with THP against 4 KiB pages "
             "(read2_bw)", rs(("read2_bw", "anon-thp"), ("read2_bw", "anon-4k"))),
        ]

    @staticmethod
    def effect(values):
        """+1 or -1 where the ratio is off 1 by EFFECT and every boot agrees
        on the side, else 0."""
        if not values:
            return 0
        m = statistics.median(values)
        if m >= 1 + EFFECT and min(values) > 1:
            return 1
        if m <= 1 - EFFECT and max(values) < 1:
            return -1
        return 0

    def read_causes(self, size):
        r = {k: v for k, _, v in self.read_ratios(size)}
        med = {k: statistics.median(v) if v else None for k, v in r.items()}
        causes = []
        if self.effect(r["pte"]) > 0:
            causes.append("the PMD mapping: the same pages read %s faster "
                          "through 4 KiB PTEs" % fx(med["pte"]))
        elif r["pte"]:
            causes.append("not the PMD mapping: the same pages read at %s "
                          "through 4 KiB PTEs" % fx(med["pte"]))
        heap = (" (the heap's %s)" % fx(med["again-heap"])
                if med["again-heap"] else "")
        if self.effect(r["again"]) > 0:
            causes.append("the pass: a second read is %s the first%s" % (
                fx(med["again"]), heap))
        elif r["again"]:
            causes.append("not the pass: a second read is %s the first%s" % (
                fx(med["again"]), heap))
        if self.effect(r["place"]) < 0:
            causes.append("placement: through the same kind of mapping, "
                          "vshare's pages read at %s the heap's" %
                          fx(med["place"]))
        elif r["place"]:
            causes.append("not placement: through the same kind of mapping, "
                          "vshare's pages read at %s the heap's" %
                          fx(med["place"]))
        return r, med, causes

    def read_summary(self, size):
        if ("read_bw", size) not in self.data:
            return ""
        r, med, causes = self.read_causes(size)
        gap = self.effect(r["gap"])
        head = ("read %s, vshare at %s of the best peer (%s)" % (
            size_name(size), fx(med["gap"]), "a gap every boot shows"
            if gap < 0 else "no gap every boot shows")) if r["gap"] else ""
        return "; ".join([head] + causes) if head else "; ".join(causes)

    def read_section(self):
        size = 256 * MIB
        if ("read_bw", size) not in self.data:
            return ""
        rows = []
        for _, text, values in self.read_ratios(size):
            if values:
                rows.append([text, fx(statistics.median(values)),
                             ", ".join(fx(v) for v in values)])
        table = rst_table(["ratio (256 MiB, same boot)", "median", "per boot"],
                          rows)
        r, med, causes = self.read_causes(size)
        gap = self.effect(r["gap"])
        if gap < 0:
            verdict = ("vshare reads slower than the best peer in every boot "
                       "(%s). Measured: %s." % (fx(med["gap"]), "; ".join(causes)))
        else:
            verdict = ("With the exporters' order changed at every repetition, "
                       "vshare's read is at %s of the best peer, which not "
                       "every boot puts on the same side of 1 (or within "
                       "%d%%): no gap beyond the spread. Measured: %s." % (
                           fx(med["gap"]) if med["gap"] else "-",
                           round(EFFECT * 100), "; ".join(causes)))
        return "%s\n\n%s" % (table, textwrap.fill(verdict, width=76))

    # -- deterministic figures --------------------------------------------

    def det_table(self, size=256 * MIB):
        rows = []
        for who in ["vshare", "vshare-lazy"] + PEERS + LIMITS:
            row = [who]
            for metric in ("faults_per_mib", "scale_sg_per_mib",
                           "pte_kb_per_mib", "scale_kmem_kb_per_mib"):
                vals = [get(b, metric, size, who) for b in self.boots]
                vals = [v for v in vals if v is not None]
                if not vals:
                    row.append("-")
                elif max(vals) == min(vals):
                    row.append(fmt(vals[0]))
                else:
                    row.append("%s (%s to %s)" % (fmt(statistics.median(vals)),
                                                 fmt(min(vals)), fmt(max(vals))))
            if any(c != "-" for c in row[1:]):
                rows.append(row)
        if not rows:
            return ""
        return rst_table(["exporter", "faults/MiB (first touch)",
                          "sg entries/MiB", "VmPTE kB/MiB",
                          "kernel memory kB/MiB"], rows)

    # -- scaling ----------------------------------------------------------

    def curve(self, metric, who, counts=False):
        """[(size, value)] of a curve, medians; counts: per MiB -> total."""
        out = []
        for size in self.sizes(metric):
            v = self.med(metric, size, who)
            if v is not None:
                out.append((size, v * size / MIB if counts else v))
        return out

    @staticmethod
    def slope(points, lo=0):
        pts = [(math.log(s), math.log(v)) for s, v in points if s >= lo and v > 0]
        if len(pts) < 2:
            return None
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        sxx = sum((x - mx) ** 2 for x, _ in pts)
        return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None

    def scale_table(self):
        header = ["exporter", "size"] + ["%s (%s)" % (h, u) for _, h, u in CURVES] + \
            [h for _, h in CURVE_COUNTS]
        rows = []
        for who in CURVE_EXPORTERS:
            for size in self.sizes("scale_create"):
                if self.med("scale_create", size, who) is None:
                    continue
                rows.append([who, size_name(size)] +
                            [fmt(self.med(m, size, who)) for m, _, _ in CURVES] +
                            [fmt(self.med(m, size, who)) for m, _ in CURVE_COUNTS])
        return rst_table(header, rows) if rows else ""

    def slope_table(self):
        rows = []
        for metric, what, _ in CURVES + [("scale_sg_per_mib", "sg entries", ""),
                                         ("scale_faults_per_mib", "faults", "")]:
            counts = metric in ("scale_sg_per_mib", "scale_faults_per_mib")
            row = [what]
            for who in CURVE_EXPORTERS:
                pts = self.curve(metric, who, counts)
                a, b = self.slope(pts), self.slope(pts, MIB)
                row.append("-" if a is None else "%.2f / %s" % (
                    a, "-" if b is None else "%.2f" % b))
            rows.append(row)
        if not any(c != "-" for r in rows for c in r[1:]):
            return ""
        return rst_table(["curve"] + CURVE_EXPORTERS, rows)

    def elapsed(self):
        total = [get(b, "elapsed", 0, "total") for b in self.boots]
        total = [t for t in total if t is not None]
        if not total:
            return ""
        sections = sorted((w for w in self.data.get(("elapsed", 0), {})
                           if w != "total"),
                          key=lambda w: -self.med("elapsed", 0, w))
        return textwrap.fill(
            "The benchmark took %s s per boot (median; per boot: %s), "
            "the boot itself not counted: %s." % (
                    fmt(statistics.median(total)),
                    ", ".join(fmt(t) for t in total),
                    ", ".join("%s %s s" % (w, fmt(self.med("elapsed", 0, w)))
                              for w in sections)), width=76)

    def reps_text(self):
        def n(metric, size):
            v = self.reps(metric, size)
            return "%d" % v if v else "-"
        return ("%s (4 KiB), %s (1 MiB) or %s (64 and 256 MiB) repetitions; "
                "the curves %s (up to 1 MiB), %s (4 to 64 MiB) or %s (256 MiB "
                "and 1 GiB)" % (
                    n("create_export", 4096), n("create_export", MIB),
                    n("write_bw", 256 * MIB), n("scale_create", MIB),
                    n("scale_create", 64 * MIB), n("scale_create", GIB)))


def gnuplot(script):
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as err:
        print("report: no plot (%s)" % err, file=sys.stderr)
        return False
    return True


def plot_bw(data, png):
    """Bar chart of the mmap write bandwidth, with gnuplot if present."""
    dat = png + ".dat"
    names = [n for n in COLUMNS
             if any(n in data.get(("write_bw", s), {}) for s in (64 * MIB, 256 * MIB))]
    with open(dat, "w") as f:
        for size in (64 * MIB, 256 * MIB):
            values = data.get(("write_bw", size), {})
            f.write('"%s" %s\n' % (size_name(size), " ".join(
                "%.1f" % values.get(n, (0, ""))[0] for n in names)))
    script = """
set terminal png size 900,500
set output '%s'
set title 'First-touch write bandwidth through mmap (MiB/s, same boot)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'MiB/s'
set key outside right
plot %s
""" % (png, ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, n)
                      for i, n in enumerate(names)))
    try:
        return gnuplot(script)
    finally:
        os.unlink(dat)


def plot_scaling(rep, png):
    """Log-log curves, one panel per operation, one line per exporter."""
    panels = [(m, "%s (%s)" % (h, u), False) for m, h, u in CURVES] + \
        [("scale_sg_per_mib", "sg entries", True)]
    dats = {}
    for who in CURVE_EXPORTERS:
        dat = "%s.%s.dat" % (png, who)
        dats[who] = dat
        with open(dat, "w") as f:
            for size in rep.sizes("scale_create"):
                vals = []
                for metric, _, counts in panels:
                    v = rep.med(metric, size, who)
                    if v is not None and counts:
                        v *= size / MIB
                    vals.append("NaN" if v is None or v <= 0 else "%.6g" % v)
                f.write("%d %s\n" % (size, " ".join(vals)))
    sizes = rep.sizes("scale_create")
    xtics = ", ".join('"%s" %d' % (size_name(s).replace(" ", ""), s)
                      for s in sizes)
    script = ["set terminal png size 1200,800", "set output '%s'" % png,
              "set datafile missing 'NaN'", "set logscale xy",
              "set xrange [%d:%d]" % (sizes[0] * 3 // 4, sizes[-1] * 4 // 3),
              "set xtics (%s) rotate by -45 font ',8'" % xtics,
              "set format y '10^{%L}'", "set key top left font ',8'",
              "set multiplot layout 2,3 title 'Scaling, 4 KiB to 1 GiB "
              "(log-log, median over boots)'"]
    for i, (metric, title, _) in enumerate(panels):
        whos = [w for w in CURVE_EXPORTERS
                if any(rep.med(metric, s, w) for s in rep.sizes(metric))]
        script.append("set title '%s' noenhanced" % title)
        script.append("plot " + ", ".join(
            "'%s' using 1:%d with linespoints title '%s'" % (dats[w], i + 2, w)
            for w in whos))
    script.append("unset multiplot")
    try:
        return gnuplot("\n".join(script) + "\n")
    finally:
        for dat in dats.values():
            os.unlink(dat)


def main(argv):
    if len(argv) < 7:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    outdir, doc, command, kernel, median_csv = argv[1:6]
    boots = [load(path) for path in argv[6:]]
    rep = Report(boots)
    write_csv(rep.data, median_csv)
    main_table = rep.main_table()
    groups = rep.targets()
    verdicts = "\n\n".join("%s:\n\n%s" % (title, "\n".join(lines))
                           for title, lines in groups if lines)
    print(main_table)
    print(verdicts)
    os.makedirs(outdir, exist_ok=True)
    png = os.path.join(outdir, "write_bw.png")
    scaling_png = os.path.join(outdir, "scaling.png")
    have_plot = plot_bw(rep.data, png)
    have_scaling = rep.sizes("scale_create") and plot_scaling(rep, scaling_png)
    counts = [sum(1 for _, lines in groups for x in lines
                  if what in " ".join(x.split()))
              for what in (": met (", ": MISSED (", ": not measured")]
    unresolved = sum(1 for _, lines in groups for x in lines
                     if ": MISSED (" in " ".join(x.split()) and
                     "within what the bench resolves" in " ".join(x.split()))

    intro = textwrap.fill(" ".join("""Measured by ``%s`` in %d boots of a %s kernel
(no KASAN, lockdep or kmemleak) under qemu TCG, all of the guest's memory
backed before it boots. Absolute figures only compare within a run; the
ratios are the point. In one boot, each figure is the median of %s, the
exporters taking turns after one unmeasured warm-up round (up to 64 MiB),
in the orders of a Williams design (a balanced Latin square): over as many
repetitions as there are exporters (twice as many for an odd number), each
goes first once and comes right after each other one equally often, so
that none always goes first or last or follows some more often than others
(whose frees would weigh on it alone), and a slow phase of the shared host
falls on all of them alike. At 4 KiB and 1 MiB (``create_export``,
``roundtrip``, ``ioctl_refused``), whose operations take microseconds and
run faster when their own code ran shortly before, no exporter takes turns
with a relative that would warm its code for it: each mode of vshare takes
turns with one exporter of each other kind (vgem, udmabuf, the heap), a
peer's figure is the median of its figures in those rotations, and
``heap-b`` takes its turns in vshare's rotation, in the heap's place. The
tables show each figure's median over the boots and, in
parentheses, the ratio of vshare (its default mode) to that exporter, above
1 meaning vshare does better (less time, more bandwidth, fewer sg entries),
as the median of the per-boot ratios; the last column is the best mode of
vshare against the best peer of each boot. A target is judged on the median
of its per-boot ratios, which are listed too; a missed target gives the
measurements that explain it.
""".split()) % (
        command, len(boots), kernel, rep.reps_text()), width=76)

    def section(text):
        return text or "Not measured in this run."

    def image(path):
        return "\n.. image:: %s\n" % os.path.relpath(path, os.path.dirname(doc))

    with open(doc, "w") as f:
        f.write("""==========
Benchmarks
==========

%s

Exporters: ``vshare`` (device 0, the GEM path: create, export, close),
``1call`` (``vshare-1call``: ``DRM_IOCTL_VSHARE_CREATE_DMABUF``, the buffer
as a dma-buf in one ioctl), ``lazy`` (``vshare-lazy``: a configfs device
with ``alloc=lazy`` that the benchmark makes and removes), the peers
``vgem``, ``udmabuf`` and ``heap`` (the dma-buf system heap), and plain
anonymous memory with and without transparent huge pages (``anon-thp``,
``anon-4k``), the limit for CPU access. ``heap-b`` is the heap again,
taking its own turns as if it were another exporter: the A/A control (see
`The bench's resolution`_).

* ``create_export``: create a buffer and export it as a dma-buf fd.
* ``roundtrip``: import the dma-buf into another DRM device (vshare device 1)
  and close everything; its steps are also timed (the import, the
  importer's close, and the release: the last close, which frees the
  buffer), and a buffer released without an import (``release``, in the
  CSV), to show where a roundtrip loses; and, at the end of each boot,
  that creation and that release against the heap's, the two alone
  taking turns, with vshare loaded in turns as itself and as its lean
  build (``tools/bench/lean.py``: vshare's own work in a creation and a
  release compiled out, for measurement only), to tell vshare's own code
  from the DRM core's; at 1 MiB, the roundtrip of ``vshare-1call`` and the
  heap taking turns alone, then with vgem or udmabuf as a third
  (``partners_roundtrip``), to tell the exporters' code from what the
  others' turns between theirs do to it; and ``vshare-1call`` and the heap
  in the table's rotation with vgem and udmabuf, each figure split by the
  turn just before it (``carryover_*``: the other one of the two, ``pair``,
  or vgem or udmabuf, ``peer``; vgem's creation is split the same way, and
  vshare-1call's creation once more right after an untimed creation with
  no page, ``carryover_create_warmed``, to tell what its code pays from
  what its page does), and again at the end of each boot with the lean
  build loaded (``lean_carryover_*``).
* ``alloc``: create (and export) a 256 MiB buffer.
* ``ioctl_refused``: the creation ioctl with flags it refuses at its first
  check, which times only the system call and the driver's dispatch (the
  DRM core's for vshare and vgem, the heap's own); not a target, the floor
  of a creation.
* ``write_bw`` / ``read_bw``: first touch of every byte through an mmap of
  the dma-buf at a 2 MiB-aligned address, the ``mmap()`` call included
  (an exporter may fill the page tables there or at the faults), then a
  read pass;
  ``write2_bw`` / ``read2_bw``: a second write and a second read, the memory
  being mapped (the limit); ``read_pte_bw``: a read of the same buffer
  through a second mapping 4 KiB off 2 MiB alignment, so mapped with 4 KiB
  PTEs only, after one untimed pass.
* ``sg_per_mib``: sg entries per MiB in the table the exporter hands an
  importer with no segment limit (vshare device 1, from its debugfs).
* ``vmap``: an importer's kernel access to a 64 MiB buffer (vmap,
  begin/end_cpu_access, vunmap) through vshare's ACCESS ioctl.

%s

Targets
=======

%d met, %d missed (%d of them by less than the A/A control resolves), %d
not measured.

%s

The bench's resolution
======================

The heap against itself: ``heap-b`` creates the same buffers through the
same heap, but as another exporter in the rotation (at 4 KiB and 1 MiB, in
a rotation of its own, vshare's with ``heap-b`` in the heap's place), so
that the ratio of the two is what only the turns and the emulator's noise
make of two identical exporters. A gap that is no larger than this
control's largest per-boot deviation from 1 is one the bench cannot tell
from that noise; each missed target against a peer says on which side it
lies. Where the control is at 1.00x in every boot, a miss of a few percent
is real.

%s

The 256 MiB read pass
=====================

Why vshare's read pass could trail vgem and the heap in the same boot,
isolated: the order of the passes is rotated at every repetition; a second
read of the same mapping separates the pass from the memory; a second
mapping of the same pages with 4 KiB PTEs only separates the 2 MiB mapping
from the pages; the heap read through the same kind of mapping separates
the pages' placement. A ratio counts when its median is at least %d%% off 1
and every boot puts it on the same side.

%s

Deterministic figures
=====================

Counts that the emulator's timing noise cannot blur, per exporter, for a
256 MiB buffer: minor faults of the first-touch write (``getrusage``), sg
entries an importer gets (vshare device 1's debugfs), page tables the
mapping added (``VmPTE``) and kernel memory (``Slab`` and ``VmallocUsed``
of ``/proc/meminfo``, the buffer created, exported, mapped, written and
imported), per MiB; a range where the boots differ.

%s

Scaling, 4 KiB to 1 GiB
=======================

Powers of 4, each exporter's buffer created, exported (vshare and vgem; the
others export in their creation), written once through a new mmap (the
``mmap()`` call counted in the write), imported by
vshare device 1 (dynamic attach and ``map_dma_buf``: the
``PRIME_FD_TO_HANDLE``) and vmapped through it; times in us, then faults,
sg entries, page tables and kernel memory per MiB. A size an exporter
cannot make is left out.

%s

Slopes of the curves, least squares on log-log: over every size / from
1 MiB on (1: linear in the size; 0: constant). For sg entries and faults,
the slope of the count.

%s

What vshare's ``map_dma_buf`` costs per sg entry and per page: the same
buffer imported by device 1 (an entry per run) and by a configfs device
with ``max_segment_size=4096`` (an entry per page), against a 4 KiB import
(the fixed cost); the part that grows with entries and the part that grows
with pages, in us, follow.

%s
%s
Many buffers
============

100,000 live 4 KiB buffers on one vshare device (the GEM path), created and
closed in blocks of 10,000; ``vshare_buffers`` of debugfs read whole.

%s

Time
====

%s

Reading the figures
===================

* The emulated CPU has no ERMS/FSRM (``tools/vm/vshare-vm``): qemu's TCG
  runs ``rep stosb`` one byte per iteration, far slower than ``rep stosq``,
  and with ERMS the guest kernel clears pages and glibc's ``memset`` fills
  memory that way, which measured that instruction rather than the drivers.
  The slab still clears a zeroed object of variable size with an inline
  ``rep stosb``, so under TCG a ``kzalloc()`` costs in proportion to the
  object's size: a GEM object is several times the heap's buffer record.
  vshare clears its buffer objects itself, in words: a perf profile of
  4 KiB ``CREATE_DMABUF`` had found that one instruction its largest cost.
* vgem allocates nothing at creation (shmem pages come at the first fault),
  so its ``create_export`` and ``alloc`` of large buffers cost almost
  nothing and its ``write_bw`` pays for allocation, zeroing and one fault per
  4 KiB page instead. vshare, udmabuf and the heap allocate and zero
  everything at creation; vshare then maps 2 MiB per fault, the heap maps
  every page in ``mmap()`` (its first touch has no faults; the timed first
  touch includes the ``mmap()`` call, so both ways are counted).
  ``vshare-lazy`` allocates as vgem does, a 2 MiB chunk at the first fault
  in it.
* udmabuf's creation includes the memfd's ``ftruncate`` and sealing, and
  it pins (so allocates) every shmem page of the memfd then; it maps one
  4 KiB page per fault, like vgem.
* Under TCG a guest's 2 MiB mapping does not make qemu's software TLB cache
  more than 4 KiB at a time; the read-pass section measures what it does.
* The heap makes a dma-buf in one ioctl, with no GEM object; the GEM path
  creates a handle, exports it and closes it (three ioctls), as vgem does.
  ``CREATE_DMABUF`` is vshare's one-ioctl path.
* Allocating a large buffer is mostly clearing it, for vshare and the heap
  alike (the same kernel routine, in blocks of at most 2 MiB for vshare,
  1 MiB for the heap).
""" % (intro, main_table, counts[0], counts[1], unresolved, counts[2],
            verdicts, section(rep.control_table()), round(EFFECT * 100), section(rep.read_section()),
            section(rep.det_table()), section(rep.scale_table()),
            section(rep.slope_table()), section(rep.map_table()),
            image(scaling_png) if have_scaling else "",
            section(rep.many_table()), section(rep.elapsed())))
        if have_plot:
            f.write(image(png))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
