#!/usr/bin/env bash
# Installs what is missing, builds rampart, and runs its main job on the
# bundled example (examples/baota): the conflict report. Exit code 1 means it
# found the conflict the example is about (docs/cli.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
exec "$root/build/cli/rampart" conflicts "$root/examples/baota/policy.rampart"
