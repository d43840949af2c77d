#!/usr/bin/env bash
# Installs what is missing on a Debian 12 machine with Node 20/npm: Debian packages, then npm dependencies.
# Safe to re-run: it installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# emscripten: the C++ → Wasm compiler (with its own clang, binaryen and a prebuilt libc cache)
# nlohmann-json3-dev, catch2: the core's JSON library and its test framework
# chromium: the real browser for the end-to-end tests and the demo screenshot; brotli: the size report
# clang, libclang-rt-14-dev: libFuzzer for the fuzz targets (tests/fuzz/)
APT_PACKAGES=(cmake make g++ emscripten binaryen nlohmann-json3-dev catch2 chromium brotli clang libclang-rt-14-dev)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
