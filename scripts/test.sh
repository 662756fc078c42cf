#!/usr/bin/env bash
# Installs what is missing, builds rampart and runs the whole test suite.
#   scripts/test.sh              the release build (g++)
#   scripts/test.sh --sanitize   clang with AddressSanitizer + UndefinedBehaviorSanitizer,
#                                plus the libFuzzer targets' smoke runs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
if [[ "${1:-}" == "--sanitize" ]]; then
  build="$root/build-sanitize"
  CC=clang CXX=clang++ "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Debug \
    -DRAMPART_SANITIZE=ON -DRAMPART_FUZZ=ON -DRAMPART_BENCH=OFF -DRAMPART_PROPERTY_CASES=2000
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build="$root/build"
  "$root/scripts/build.sh" "$build"
fi
cd "$build"
ctest --output-on-failure -j "$(nproc)"
