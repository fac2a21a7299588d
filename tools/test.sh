#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build, run every test;
# then the same suite under ASan + UBSan, the concurrency tests under TSan, and a short
# fuzzing pass over every loader (docs/RELIABILITY.md). PLINTH_TEST_QUICK=1 stops after the
# first stage (the everyday developer loop).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
stage() { echo "=== test.sh: $* ($(date +%T))"; }
stage "build and run the test suite"
tools/build.sh
(cd build && ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)")
[[ ${PLINTH_TEST_QUICK:-0} == 1 ]] && exit 0
stage "AddressSanitizer + UndefinedBehaviorSanitizer"
tools/sanitize.sh
stage "ThreadSanitizer"
tools/sanitize.sh --thread
stage "fuzzing, 10 s per loader"
tools/fuzz.sh 10
stage "done"
