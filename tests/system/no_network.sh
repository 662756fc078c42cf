#!/usr/bin/env bash
# rampart never opens a network socket: every command, on every bundled
# example, and `collect` on this machine, runs under strace and the trace must hold no socket(2) call for an
# Internet family (AF_INET, AF_INET6) and no connect(2) or sendto(2) to one.
# `dot` (pictures) runs as a child and is traced too. Exit 77 (skipped) when
# strace is missing or ptrace is not permitted.
set -euo pipefail
rampart=$(realpath "$1")
source_dir=$(realpath "$2")
if ! command -v strace > /dev/null; then
  echo "SKIPPED: strace is not installed"
  exit 77
fi
if ! strace -f -o /dev/null true 2> /dev/null; then
  echo "SKIPPED: ptrace is not permitted here"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$source_dir"
runs=0
trace() {
  local name=$1
  shift
  strace -f -qq -e trace=socket,connect,sendto,sendmsg -o "$work/$name.trace" "$rampart" "$@" > /dev/null 2>&1 || true
  runs=$((runs + 1))
}
for policy in examples/*/policy.rampart; do
  name=$(basename "$(dirname "$policy")")
  trace "$name-check" check "$policy"
  trace "$name-lint" lint "$policy"
  trace "$name-conflicts" conflicts "$policy"
  trace "$name-html" check --format html "$policy"
  trace "$name-query" query "$policy" 'reach any -> web1 tcp/22'
done
trace diff diff examples/ssh-sg/policy.rampart examples/premerge/policy.rampart
trace explain explain examples/ssh-sg/policy.rampart 'tcp 203.0.113.7:40000 -> web1:22'
# collect runs local commands (find, getfacl) through a shell: traced with
# its children. The folder it writes must be there.
trace collect collect --out "$work/collected" --root "$source_dir/examples/baota"
[[ -f "$work/collected/manifest.json" ]] || { echo "collect wrote no manifest"; exit 1; }
# The traces must exist (strace really ran) and hold no Internet socket.
status=0
for t in "$work"/*.trace; do
  [[ -e "$t" ]] || { echo "no trace written: $t"; status=1; continue; }
  if grep -E 'socket\((AF_INET|AF_INET6|PF_INET)|connect\(|sendto\(.*sin_|sendmsg\(.*sin_' "$t"; then
    echo "network activity in $(basename "$t" .trace)"
    status=1
  fi
done
echo "$runs runs traced"
[[ $runs -gt 0 ]] || status=1
exit $status
