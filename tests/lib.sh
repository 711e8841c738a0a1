# SPDX-License-Identifier: GPL-2.0
# Shell helpers of the scripts that run in the test VM, sourced by them:
#   . "$(dirname "$0")/lib.sh"

# check NAME RESULT: appends "NAME RESULT" to $checks, which summary.py
# reads, and says so on stdout. A script whose checks share a prefix sets
# check_prefix (e.g. cli-) before calling it.
check() {
	echo "${check_prefix-}$1 $2" >>"$checks"
	echo "check ${check_prefix-}$1: $2"
}
