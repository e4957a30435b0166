#!/usr/bin/env bash
# Installs what rapport needs to build, run and test, if it is missing.
# Debian 12: system packages with apt-get; npm dev packages from package-lock.json.
# Usage: scripts/deps.sh [build|test]   (build: compile and run; test: also browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-test}

pkgs=(build-essential pkg-config libwebsockets-dev libuv1-dev libjansson-dev
      libsqlite3-dev libsodium-dev libcmocka-dev libcurl4-openssl-dev)
if [ "$want" = test ]; then
  pkgs+=(chromium fonts-liberation nodejs npm python3-aiosmtpd)
fi

missing=()
for p in "${pkgs[@]}"; do
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want" = test ]; then
  if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: installing npm dev packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
