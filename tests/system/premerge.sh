#!/usr/bin/env bash
# Plays examples/premerge on a temporary git repository: an equivalent
# refactoring passes the gate with a proof; opening SSH to the internet fails
# it and reports exactly what became reachable.
set -euo pipefail
rampart=$(realpath "$1")
source_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q
git config user.email test@example.invalid
git config user.name test
cp "$source_dir/examples/premerge/policy.rampart" policy.rampart
git add policy.rampart
git commit -q -m base

# 1. Reorder, split and merge rules without changing what is admitted.
python3 - <<'PY'
p = 'policy.rampart'
s = open(p).read()
s = s.replace('''  web: allow tcp from any to any port 80, 443;
  ssh: allow tcp from office to any port 22;''', '''  ssh_low: allow tcp from 192.168.1.0/25 to any port 22;
  web_tls: allow tcp from any to any port 443;
  ssh_high: allow tcp from 192.168.1.128/25 to any port 22;
  web: allow tcp from any to any port 80;''')
open(p, 'w').write(s)
PY
git commit -q -am "refactor the firewall"
out=$("$rampart" diff --base HEAD~1 --fail-on new-exposure,broken-assert --color never policy.rampart) || {
  echo "the equivalent refactoring failed the gate:"; echo "$out"; exit 1; }
grep -q "equivalent, proved" <<<"$out" || { echo "no proof of equivalence:"; echo "$out"; exit 1; }

# 2. Open SSH to everyone: the gate must fail and name the exposure.
sed -i 's|  ssh_high: allow tcp from 192.168.1.128/25 to any port 22;|  ssh_high: allow tcp from any to any port 22;|' policy.rampart
git commit -q -am "open ssh"
set +e
out=$("$rampart" diff --base HEAD~1 --fail-on new-exposure,broken-assert --color never policy.rampart)
code=$?
set -e
[ "$code" -eq 1 ] || { echo "expected exit 1, got $code:"; echo "$out"; exit 1; }
grep -q "newly admits traffic from untrusted zone internet" <<<"$out" || { echo "no exposure finding:"; echo "$out"; exit 1; }
grep -q "all IPv4 except 0.0.0.0/8, 10.0.1.10/32, 127.0.0.0/8, 192.168.1.0/24, 224.0.0.0/4, 255.255.255.255/32  tcp/22" <<<"$out" || {
  echo "the newly admitted set is not the expected one:"; echo "$out"; exit 1; }
grep -q "only office reach web1 tcp/22. no longer holds" <<<"$out" || { echo "the broken assertion is not reported:"; echo "$out"; exit 1; }
# The SARIF report of the same diff points at the rule.
"$rampart" diff --base HEAD~1 --format sarif policy.rampart > diff.sarif || true
python3 -c '
import json, sys
d = json.load(open("diff.sarif"))
results = d["runs"][0]["results"]
assert any(r["ruleId"] == "new-exposure" for r in results), "no new-exposure result"
' || { echo "SARIF lacks the exposure"; exit 1; }
echo "premerge: equivalent refactoring proved; exposure caught"
