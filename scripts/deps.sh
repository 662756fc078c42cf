#!/usr/bin/env bash
# Installs what rampart needs to build and test, from Debian 12's packages.
# Idempotent and quiet when everything is present. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev
  libz3-dev
  antlr4 libantlr4-runtime-dev default-jre-headless
  libfmt-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  iptables nftables iproute2
  acl findutils passwd
  libsepol-dev libbdd-dev selinux-policy-default setools selinux-utils
  libhivex-dev libyaml-cpp-dev libpcre2-dev
  graphviz strace
)
# Chromium (~300 MB installed) only opens the HTML report in one system test,
# which skips without it: installed once (later runs find it and cost
# nothing), never fatal, and left out with RAMPART_DEPS_NO_BROWSER=1.
optional=()
if [[ "${RAMPART_DEPS_NO_BROWSER:-}" != "1" ]]; then
  optional+=(chromium)
fi
if [[ "${RAMPART_DEPS_EXTRA:-}" != "" ]]; then
  read -r -a extra <<< "$RAMPART_DEPS_EXTRA"
  packages+=("${extra[@]}")
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
missing_optional=()
for p in "${optional[@]}"; do
  installed "$p" || missing_optional+=("$p")
done
if ((${#missing[@]} == 0 && ${#missing_optional[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}" >&2
  if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
    $sudo apt-get update >/dev/null
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
if ((${#missing_optional[@]} > 0)); then
  echo "installing (optional): ${missing_optional[*]}" >&2
  if ! $sudo apt-get install -y --no-install-recommends "${missing_optional[@]}" >/dev/null 2>&1; then
    echo "could not install ${missing_optional[*]}; the tests that need them will be skipped" >&2
  fi
fi
