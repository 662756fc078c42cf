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
# alternately, REPETITIONS times each, and prints the median wall times, the
# median CPU times (perf stat's task-clock, when perf is there) and the ratios,
# and whether rampart is at least 20x faster (issue 6's target). It fails
# (exit 1) when the two answers differ on any run.
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
# CPU time (task-clock, ms) through perf stat when perf works here: on a
# shared machine it varies less than wall time.
cpu=""
if command -v perf >/dev/null && perf stat -x, -e task-clock -o "$work/probe" true 2>/dev/null; then cpu=yes; fi
run_timed() { # OUT_FILE CPU_FILE COMMAND... ; prints the exit code
  local out=$1 cpufile=$2 rc=0
  shift 2
  if [[ -n $cpu ]]; then
    perf stat -x, -e task-clock -o "$work/stat" "$@" >"$out" 2>&1 || rc=$?
    awk -F, '/task-clock/ { print $1 }' "$work/stat" >>"$cpufile"
  else
    "$@" >"$out" 2>&1 || rc=$?
  fi
  echo "$rc"
}
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
echo "median of $reps runs each; wall time, and CPU time (task-clock) when perf is there"
printf '%-8s %14s %14s %8s %14s %14s %8s %s\n' perm "sesearch wall" "rampart wall" ratio "sesearch cpu" "rampart cpu" ratio answer
for perm in write append; do
  question="can domain $source_type $perm \"/httpd.log\""
  : >"$work/s.ms"
  : >"$work/r.ms"
  : >"$work/s.cpu"
  : >"$work/r.cpu"
  answers=""
  for ((i = 0; i < reps; ++i)); do
    t0=$(now)
    src=$(run_timed "$work/s.out" "$work/s.cpu" "$sesearch" -A -s "$source_type" -t "$target_type" -c file -p "$perm" "$policy")
    t1=$(now)
    rc=$(run_timed "$work/r.out" "$work/r.cpu" "$rampart" query "$rfile" "$question")
    t2=$(now)
    if [[ $src != 0 ]]; then
      echo "selinux_bench: sesearch exited $src:" >&2
      cat "$work/s.out" >&2
      exit 1
    fi
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
  s_cpu=$([[ -n $cpu ]] && median <"$work/s.cpu" || echo 0)
  r_cpu=$([[ -n $cpu ]] && median <"$work/r.cpu" || echo 0)
  awk -v p="$perm" -v s="$s_med" -v r="$r_med" -v sc="$s_cpu" -v rc="$r_cpu" -v a="$answers" 'BEGIN {
    printf "%-8s %11.1f ms %11.1f ms %7.1fx", p, s / 1000, r / 1000, s / r
    if (rc > 0) printf " %11.1f ms %11.1f ms %7.1fx", sc, rc, sc / rc; else printf " %14s %14s %8s", "-", "-", "-"
    printf " %s\n", a
    wall = "not met"; if (s / r >= 20) wall = "met"
    cpu = "no CPU time"; if (rc > 0) { cpu = "not met in CPU time"; if (sc / rc >= 20) cpu = "met in CPU time" }
    printf "%-8s target 20x: %s in wall time, %s\n", "", wall, cpu }'
done
echo "rampart's answer (last run of append):"
sed 's/^/  /' "$work/r.out"
exit $status
