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
    -DRAMPART_SANITIZE=ON -DRAMPART_FUZZ=ON -DRAMPART_BENCH=OFF -DRAMPART_PROPERTY_CASES=500
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build="$root/build"
  "$root/scripts/build.sh" "$build"
fi
# Microsoft's SARIF Multitool validates the SARIF output (tests/system/sarif.sh).
multitool="$root/.cache/sarif-multitool"
if [[ ! -x "$multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool" ]] && command -v npm >/dev/null; then
  mkdir -p "$multitool"
  if npm install --prefix "$multitool" --no-audit --no-fund @microsoft/sarif-multitool-linux@5.7.0 >/dev/null 2>&1; then
    chmod u+x "$multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  else
    echo "could not install the SARIF Multitool; its test will be skipped" >&2
  fi
fi
cd "$build"
ctest --output-on-failure -j "$(nproc)"
