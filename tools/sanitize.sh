#!/usr/bin/env bash
# Sanitizer runs of the test suite, each in its own build directory:
#   tools/sanitize.sh            AddressSanitizer + UndefinedBehaviorSanitizer: build-asan/, every
#                                CTest test but the language bindings (their interpreters are not
#                                instrumented) and the SDK install test (a second full build)
#   tools/sanitize.sh --thread   ThreadSanitizer: build-tsan/, the concurrency tests (many
#                                generations on one model, many models, a stop from another
#                                thread) and the CPU backend's thread-pool tests
# The GPU plugins are left out (PLINTH_WITH_GPU=OFF): vendor runtimes are not instrumented and
# the emulator's fibers switch stacks under the sanitizers. Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=address
[[ ${1:-} == --thread ]] && mode=thread
tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
# Objects are cached by paths relative to the checkout, so fresh clones reuse them.
export CCACHE_BASEDIR=$PWD
if [[ $mode == address ]]; then
  dir=build-asan
  cmake -S . -B $dir -DCMAKE_BUILD_TYPE=Release -DPLINTH_SANITIZE=address,undefined \
    -DPLINTH_WITH_GPU=OFF >/dev/null
  cmake --build $dir -j"$jobs"
  cd $dir
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --output-on-failure -j"$jobs" -E 'rust_bindings|go_bindings|python_bindings|sdk_install'
else
  dir=build-tsan
  cmake -S . -B $dir -DCMAKE_BUILD_TYPE=Release -DPLINTH_SANITIZE=thread -DPLINTH_WITH_GPU=OFF \
    >/dev/null
  cmake --build $dir -j"$jobs" --target plinth_api_tests plinth_unit_tests
  cd $dir
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  bin/plinth_api_tests --gtest_filter='Concurrency.*:CApi.LastErrorIsPerThread*'
  bin/plinth_unit_tests --gtest_filter='CpuOpsThreads.*:*ThreadPool*:*BlockCache*'
fi
