#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's Debian job: the vshare-dkms package built (and checked by
# lintian), installed in the guest root (DKMS builds the module), loaded
# with modprobe in a VM on Debian's own kernel, purged after. Writes the
# job's results and "deb-build|deb-install|deb-purge pass|fail" lines to
# OUTDIR/checks for tests/summary.py.
# Usage: check-debian.sh OUTDIR VERSION
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
VM=$TOP/tools/vm/vshare-vm
d=$1
version=$2
mkdir -p "$d"
cd "$TOP" || exit 1
make -s deb >"$d/deb.log" 2>&1
b=$?
"$VM" deb-install "build/deb/vshare-dkms_${version}_all.deb" >>"$d/deb.log" 2>&1
i=$?
"$VM" run --kernel debian --quiet --timeout 2400 --out "$d" -- \
	'VSHARE_MODPROBE=1 sh /vshare/tests/run-guest.sh tests/igt/smoke.txt'
echo "Debian kernel (DKMS package): VM exit status $?"
"$VM" deb-purge >>"$d/deb.log" 2>&1
p=$?
for c in "deb-build $b" "deb-install $i" "deb-purge $p"; do
	set -- $c
	r=pass
	[ "$2" = 0 ] || r=fail
	echo "$1 $r" >>"$d/checks"
done
[ "$b$i$p" = 000 ] || cat "$d/deb.log"
