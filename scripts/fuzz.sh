#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer)
# in their own build folder and runs each for a while (docs/fuzzing.md).
#
#   scripts/fuzz.sh                          every target, 10 minutes each
#   scripts/fuzz.sh --time 60 --target linux_host --target services_nginx
#   scripts/fuzz.sh --jobs 4                 4 fuzzing processes per target (libFuzzer -fork)
#   scripts/fuzz.sh --list                   the targets
#
# Options: --time SECONDS per target (default 600), --target NAME (repeatable;
# default all), --jobs N (default 1), --corpus DIR (the persistent corpus,
# default ${XDG_CACHE_HOME:-~/.cache}/rampart/fuzz; one folder per target,
# kept between runs, never in the source tree), --build DIR (default
# build-fuzz), --no-build.
#
# Each run starts from the persistent corpus and the checked-in seeds
# (tests/fuzz/corpus/<target>/, read only) with the target's dictionary.
# An input that crashes, hangs, leaks or runs out of memory is copied to
# tests/fuzz/corpus/<target>/regression-<kind>-<hash>, where ctest replays it
# (fuzz_seeds in every build, fuzz_<target>_smoke in this one), and the
# commands to reproduce it are printed. Exit 0 when nothing was found, 1
# when something was, 2 on a usage or build error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

time_per_target=600
jobs=1
build="$root/build-fuzz"
corpus_root="${XDG_CACHE_HOME:-$HOME/.cache}/rampart/fuzz"
targets=()
do_build=1
list=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) time_per_target=${2:?}; shift 2 ;;
    --target) targets+=("${2:?}"); shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    --corpus) corpus_root=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --list) list=1; shift ;;
    -h|--help) usage ;;
    *) echo "fuzz.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ "$time_per_target" =~ ^[0-9]+$ && "$time_per_target" -gt 0 ]] || { echo "fuzz.sh: --time takes seconds" >&2; exit 2; }
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 0 ]] || { echo "fuzz.sh: --jobs takes a number" >&2; exit 2; }

# The targets, as tests/fuzz/CMakeLists.txt lists them.
mapfile -t all_targets < <(sed -n '/^set(RAMPART_FUZZ_TARGETS/,/)/p' "$root/tests/fuzz/CMakeLists.txt" |
  sed 's/set(RAMPART_FUZZ_TARGETS//; s/)//' | tr -s ' \t' '\n' | sed '/^$/d')
if [[ $list == 1 ]]; then
  printf '%s\n' "${all_targets[@]}"
  exit 0
fi
if [[ ${#targets[@]} == 0 ]]; then
  targets=("${all_targets[@]}")
fi
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${all_targets[@]}" | grep -qx -- "$t"; then
    echo "fuzz.sh: no fuzz target $t (scripts/fuzz.sh --list)" >&2
    exit 2
  fi
done

if [[ $do_build == 1 ]]; then
  command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang (scripts/deps.sh)" >&2; exit 2; }
  if [[ ! -f "$build/build.ninja" ]]; then
    launcher=()
    if command -v ccache >/dev/null; then
      launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    fi
    # Debug keeps assertions; -O1 keeps the targets fast enough to fuzz.
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
      -DRAMPART_SANITIZE=ON -DRAMPART_FUZZ=ON -DRAMPART_BENCH=OFF "${launcher[@]}" >/dev/null ||
      { echo "fuzz.sh: configuring $build failed" >&2; exit 2; }
  fi
  cmake --build "$build" -j "${RAMPART_BUILD_JOBS:-$(nproc)}" \
    --target $(printf 'rampart_fuzz_%s ' "${targets[@]}") ||
    { echo "fuzz.sh: the build failed" >&2; exit 2; }
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

found=0
summary=()
for t in "${targets[@]}"; do
  fuzzer="$build/tests/fuzz/rampart_fuzz_$t"
  [[ -x "$fuzzer" ]] || { echo "fuzz.sh: $fuzzer is not built" >&2; exit 2; }
  corpus="$corpus_root/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  seeds="$root/tests/fuzz/corpus/$t"
  options=(-max_total_time="$time_per_target" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -dict="$root/tests/fuzz/$t.dict" -artifact_prefix="$artifacts/")
  if [[ $t == selinux_policy ]]; then
    options+=(-detect_leaks=0)  # libsepol's error paths leak (tests/fuzz/CMakeLists.txt)
    # Real compiled policies make the best seeds; the machine's stay outside the tree.
    for p in /etc/selinux/*/policy/policy.*; do
      [[ -f "$p" ]] && cp -n "$p" "$corpus/system-$(basename "$(dirname "$(dirname "$p")")")-$(basename "$p")"
    done
  fi
  if [[ $jobs -gt 1 ]]; then
    options+=(-fork="$jobs")
  fi
  # What earlier runs found is moved aside: whatever is left after this run is new.
  mkdir -p "$artifacts/earlier"
  find "$artifacts" -maxdepth 1 -type f -exec mv -f {} "$artifacts/earlier/" \;
  echo "== $t: ${time_per_target}s, corpus $corpus"
  status=0
  log="$artifacts/last-run.log"
  "$fuzzer" "${options[@]}" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  grep -E '^(stat::|#[0-9]+ +DONE)' "$log" | tail -4 || true
  new=()
  while IFS= read -r -d '' a; do
    new+=("$a")
  done < <(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \
             -o -name 'leak-*' \) -print0)
  if [[ $status != 0 || ${#new[@]} -gt 0 ]]; then
    found=1
    if [[ ${#new[@]} == 0 ]]; then
      echo "$t: the fuzzer exited with status $status and left no input; see $log" >&2
      summary+=("$t: exit $status, no input (see $log)")
      continue
    fi
    for a in "${new[@]}"; do
      name=$(basename "$a")
      kind=${name%%-*}
      hash=$(sha1sum "$a" | cut -c1-12)
      kept="$seeds/regression-$kind-$hash"
      cp "$a" "$kept"
      rel=${kept#"$root"/}
      echo "$t: $kind; the input is kept as $rel" >&2
      echo "  reproduce: $build/tests/fuzz/rampart_fuzz_$t $rel" >&2
      echo "         or: build/tests/fuzz/rampart_fuzz_replay $t $rel   (any build, no libFuzzer)" >&2
      echo "  the log:   $log" >&2
      summary+=("$t: $kind -> $rel")
    done
  else
    summary+=("$t: nothing found")
  fi
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $found
