#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that the driver's files call each other only downward.

Finds, for every function or object a driver file defines for others
(non-static), the files that use it; prints the file graph; fails if it
has a cycle or an edge that goes up the layers listed at the top of
vshare_drv.h.
Usage: tools/layers.py [DRIVER_DIR]
"""
import os
import re
import sys

drv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "drivers/gpu/drm/vshare")
files = sorted(f for f in os.listdir(drv) if f.endswith(".c"))
# Comments name functions without calling them: only code counts.
src = {f: re.sub(r"/\*.*?\*/|//[^\n]*", " ",
                 open(os.path.join(drv, f)).read(), flags=re.S)
       for f in files}

# Layers as vshare_drv.h lists them: "  N  file.c ..." lines.
layer = {}
cur = None
for line in open(os.path.join(drv, "vshare_drv.h")):
    m = re.match(r"^ \*\s+(\d+)?\s+(vshare_\w+\.c)", line)
    if m:
        cur = int(m.group(1)) if m.group(1) else cur
        layer[m.group(2)] = cur

defs = {}
for f, text in src.items():
    for m in re.finditer(r"^(?!static)[a-z][^\n;(]*?\b(vshare_\w+)\s*(\(|=|\[)",
                         text, re.M):
        defs[m.group(1)] = f

edges = {f: set() for f in files}
for f, text in src.items():
    for name, home in defs.items():
        if home != f and re.search(r"\b%s\b" % name, text):
            edges[f].add(home)

bad = 0
for f in files:
    for g in sorted(edges[f]):
        up = layer.get(f) is None or layer.get(g) is None or layer[g] >= layer[f]
        print("%-20s -> %-20s%s" % (f, g, "   UP/SAME LAYER" if up else ""))
        bad += up

# Any cycle at all (depth-first search).
state = {}


def visit(f, path):
    global bad
    state[f] = 1
    for g in edges[f]:
        if state.get(g) == 1:
            print("cycle:", " -> ".join(path + [g]))
            bad += 1
        elif not state.get(g):
            visit(g, path + [g])
    state[f] = 2


for f in files:
    if not state.get(f):
        visit(f, [f])
print("%d files, %d edges, %d problems" % (len(files), sum(map(len, edges.values())), bad))
sys.exit(1 if bad else 0)
