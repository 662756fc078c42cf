#!/usr/bin/env bash
# SELinux: `rampart query` against setools' `sesearch` on the same compiled
# policy, end to end (process start, policy load, answer). Figures and how to
# read them: docs/performance.md, "SELinux".
#
#   bash bench/selinux_bench.sh [REPETITIONS]      (default 7)
#
# Environment: RAMPART (default build/cli/rampart), SESEARCH (default sesearch),
# POLICY (default /etc/selinux/default/policy/policy.33).
#
# For each question "can httpd_t PERM a file labelled httpd_log_t" (PERM write,
# the benchmark's question, then append as the positive control) it runs
#   sesearch -A -s httpd_t -t httpd_log_t -c file -p PERM POLICY
#   rampart query bench/selinux/httpd_log.rampart 'can domain httpd_t PERM "/httpd.log"'
# alternately, REPETITIONS times each, and prints the median wall times and
# their ratio. It fails (exit 1) when the two answers differ on any run.
# sesearch's answer is "yes" when it prints a rule and "no" when it prints
# none; rampart's is its exit code (0 holds, 1 violated; anything else fails
# the benchmark).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-7}
rampart=${RAMPART:-$root/build/cli/rampart}
sesearch=${SESEARCH:-sesearch}
policy=${POLICY:-/etc/selinux/default/policy/policy.33}
source_type=httpd_t
target_type=httpd_log_t

for tool in "$rampart" "$sesearch"; do
  command -v "$tool" >/dev/null || { echo "selinux_bench: $tool not found (scripts/build.sh; scripts/deps.sh installs setools)" >&2; exit 2; }
done
[[ -r $policy ]] || { echo "selinux_bench: $policy not readable (scripts/deps.sh installs selinux-policy-default)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rfile=$root/bench/selinux/httpd_log.rampart
if [[ $policy != /etc/selinux/default/policy/policy.33 ]]; then
  sed "s|/etc/selinux/default/policy/policy.33|$policy|" "$rfile" >"$work/httpd_log.rampart"
  rfile=$work/httpd_log.rampart
fi

now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# sesearch's answer: "yes" when it prints an unconditional rule granting PERM,
# "no" when it prints nothing. A conditional rule (`[ EXPR ]:True`) alone would
# need the booleans evaluated; the benchmark's questions have none, and such
# output stops the script rather than being guessed at.
sesearch_answer() {
  local out=$1 line verdict=no
  while IFS= read -r line; do
    [[ -z $line ]] && continue
    if [[ $line == *"]:"* ]]; then
      echo "selinux_bench: sesearch printed a conditional rule: $line" >&2
      echo conditional
      return
    fi
    verdict=yes
  done <"$out"
  echo "$verdict"
}

status=0
printf '%-8s %6s %14s %14s %8s %s\n' perm runs "sesearch (ms)" "rampart (ms)" ratio answer
for perm in write append; do
  question="can domain $source_type $perm \"/httpd.log\""
  : >"$work/s.ms"
  : >"$work/r.ms"
  answers=""
  for ((i = 0; i < reps; ++i)); do
    t0=$(now)
    "$sesearch" -A -s "$source_type" -t "$target_type" -c file -p "$perm" "$policy" >"$work/s.out"
    t1=$(now)
    rc=0
    "$rampart" query "$rfile" "$question" >"$work/r.out" 2>&1 || rc=$?
    t2=$(now)
    echo $(((t1 - t0) / 1000)) >>"$work/s.ms"
    echo $(((t2 - t1) / 1000)) >>"$work/r.ms"
    s_answer=$(sesearch_answer "$work/s.out")
    case $rc in
      0) r_answer=yes ;;
      1) r_answer=no ;;
      *)
        echo "selinux_bench: rampart exited $rc on '$question':" >&2
        cat "$work/r.out" >&2
        exit 1
        ;;
    esac
    if [[ $s_answer != "$r_answer" ]]; then
      echo "selinux_bench: DISAGREEMENT on $perm: sesearch says $s_answer, rampart says $r_answer" >&2
      cat "$work/s.out" "$work/r.out" >&2
      status=1
    fi
    answers=$s_answer
  done
  s_med=$(median <"$work/s.ms")
  r_med=$(median <"$work/r.ms")
  awk -v p="$perm" -v n="$reps" -v s="$s_med" -v r="$r_med" -v a="$answers" \
    'BEGIN { printf "%-8s %6d %14.1f %14.1f %7.1fx %s\n", p, n, s / 1000, r / 1000, s / r, a }'
done
echo "rampart's answer (last run of append):"
sed 's/^/  /' "$work/r.out"
exit $status
