#!/usr/bin/env bash
# Fails when a ctest entry of the last `ctest` run in BUILD_DIR ran no doctest test case.
#
#   bash scripts/check-tests-ran.sh build/dev
#
# doctest_discover_tests registers each TEST_CASE by name, and ctest runs it with
# --test-case=<name>. A name that does not survive that trip (a ';' splits it into two CMake
# list items, for one) selects nothing: doctest runs zero test cases and exits 0, so the test
# "passes" without running. This catches every such case from ctest's log.
set -euo pipefail
log=${1:?usage: check-tests-ran.sh BUILD_DIR}/Testing/Temporary/LastTest.log
[[ -f $log ]] || { echo "check-tests-ran.sh: no ctest log at $log" >&2; exit 1; }
awk '
    / Test: / { name = $0; sub(/^[0-9\/]+ Test: /, "", name) }
    /\[doctest\] test cases: 0 \|/ { print "  " name; bad++ }
    END {
        if (bad) {
            printf "check-tests-ran.sh: %d ctest entr%s ran no test case: the name does not reach " \
                   "doctest intact (avoid \";\" and other list separators in TEST_CASE names)\n",
                   bad, bad == 1 ? "y" : "ies" > "/dev/stderr"
            exit 1
        }
    }' "$log"
