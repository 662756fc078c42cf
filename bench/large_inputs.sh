#!/usr/bin/env bash
# Large native inputs (docs/performance.md, "Large inputs"): generates each
# input of SIZE bytes into DIR (outside the repository), then measures
# `rampart check` on a tiny policy that imports it: wall time, CPU time and
# peak RSS, against baselines measured here on the same file: reading it
# (`cat FILE > /dev/null`, page cache warm) and, for JSON, Python's
# `json.load`. Deletes each file when done.
#
#   bash bench/large_inputs.sh [RAMPART] [SIZE] [KINDS...]
#   bash bench/large_inputs.sh build/cli/rampart 1G aws iptables find getfacl
#   bash bench/large_inputs.sh build/cli/rampart 100M aws-text
#   bash bench/large_inputs.sh build/cli/rampart 10000 policy   # SIZE = rules
#
# One load at a time: a 1 GB input needs a few GB of RAM for its model.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rampart=${1:-build/cli/rampart}
size=${2:-1G}
shift 2 || true
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(aws iptables find getfacl)
dir=${RAMPART_LARGE_DIR:-/tmp/rampart-large}
mkdir -p "$dir"

# measure CMD...: prints "wall_s cpu_s peak_rss_mb exit"
measure() {
  local log
  log=$(mktemp)
  set +e
  /usr/bin/time -v "$@" >/dev/null 2>"$log"
  set -e
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /User time/ { u = $2 } /System time/ { s = $2 }
    /Maximum resident set size/ { r = $2 / 1024 } /Exit status/ { e = $2 }
    END { printf "%.2f %.2f %.0f %d\n", w, u + s, r, e }' "$log"
  rm -f "$log"
}

# cat_s, py_s: CPU seconds of `cat` and of Python's json.load (JSON only).
printf '%-9s %-34s %6s %8s %8s %8s %8s %9s %8s %5s\n' kind input MB cat_s py_s wall_s cpu_s rss_MB rss/file exit
for kind in "${kinds[@]}"; do
  IFS=$'\t' read -r file policy what < <(python3 "$here/large_inputs.py" "$kind" "$size" --dir "$dir")
  bytes=$(stat -c %s "$file")
  mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
  cat "$file" >/dev/null  # warm the page cache
  read -r _ cat_s _ _ < <(measure cat "$file")
  py_s=-
  if [ "${kind%-text}" = aws ]; then
    read -r _ py_s _ _ < <(measure python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$file")
  fi
  read -r wall cpu rss code < <(measure "$rampart" check "$policy")
  ratio=$(awk -v r="$rss" -v m="$mb" 'BEGIN { printf "%.2f", r / m }')
  printf '%-9s %-34s %6s %8s %8s %8s %8s %9s %8s %5s\n' "$kind" "$what" "$mb" "$cat_s" "$py_s" "$wall" "$cpu" "$rss" "$ratio" "$code"
  printf '          rampart / cat: %s x CPU' "$(awk -v a="$cpu" -v b="$cat_s" 'BEGIN { printf "%.0f", a / (b > 0.005 ? b : 0.005) }')"
  [ "$py_s" = - ] || printf ', rampart / json.load: %s x CPU' "$(awk -v a="$cpu" -v b="$py_s" 'BEGIN { printf "%.2f", a / b }')"
  printf '\n'

  rm -f "$file" "$policy"
done
