#!/usr/bin/env bash
# Installs what is missing, builds rampart, and runs its main job on the
# bundled example. The exit code is rampart's (docs/cli.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
exec "$root/build/cli/rampart" check "$root/examples/ssh-sg/policy.rampart"
