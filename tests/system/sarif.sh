#!/usr/bin/env bash
# Validates rampart's SARIF against the 2.1.0 schema and Microsoft's authoring
# rules with the SARIF Multitool (npm @microsoft/sarif-multitool-linux).
# Exit 77 (skipped) when the Multitool is not installed; scripts/test.sh
# installs it when npm is available.
set -euo pipefail
rampart=$(realpath "$1")
source_dir=$(realpath "$2")
tool=${RAMPART_SARIF_MULTITOOL:-$source_dir/.cache/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool}
if [[ ! -x "$tool" ]]; then
  echo "SKIPPED: the SARIF Multitool is not installed ($tool)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$source_dir"
"$rampart" check --format sarif examples/baota/policy.rampart > "$work/check.sarif" || true
"$rampart" check --format sarif examples/layered/policy.rampart > "$work/layered.sarif" || true
"$rampart" conflicts --format sarif examples/baota/policy.rampart > "$work/conflicts.sarif" || true
"$rampart" check --format sarif tests/golden/cases/three_mistakes.rampart > "$work/errors.sarif" 2>/dev/null || true
"$rampart" diff --format sarif examples/ssh-sg/policy.rampart examples/premerge/policy.rampart > "$work/diff.sarif" || true
status=0
for f in "$work"/*.sarif; do
  [[ -s "$f" ]] || { echo "empty SARIF: $f"; status=1; continue; }
  "$tool" validate "$f" -o "$f.validation" > /dev/null 2>&1 || true
  # The Multitool exits 0 whatever it finds: read its own SARIF output.
  python3 - "$f" "$f.validation" <<'PY' || status=1
import json, sys
log = json.load(open(sys.argv[2]))
problems = [r for run in log["runs"] for r in run.get("results", []) if r.get("level") == "error"]
for r in problems:
    print(sys.argv[1], r["ruleId"], json.dumps(r["message"]))
sys.exit(1 if problems else 0)
PY
done
[[ $status -eq 0 ]] && echo "SARIF: every log passes the 2.1.0 schema and the Multitool's error rules"
exit $status
