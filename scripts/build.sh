#!/usr/bin/env bash
# Builds what is stale: the native core with its Catch2 tests (build-native/) and the Wasm core that the
# package ships (js-glue/generated/core.mjs + core.wasm). CMake's own dependency tracking makes re-runs cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

if [ ! -f build-native/CMakeCache.txt ]; then
  cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build-native -j"$JOBS"

# The same core and tests under AddressSanitizer + UndefinedBehaviorSanitizer (the test command runs both).
if [ "${TES_SKIP_SANITIZE:-0}" != 1 ]; then
  if [ ! -f build-asan/CMakeCache.txt ]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTES_SANITIZE=ON >/dev/null
  fi
  cmake --build build-asan -j"$JOBS"
fi

# Emscripten's bundled tools need Debian's node modules (acorn); see TOOLCHAIN.md §8.
export NODE_PATH=/usr/share/nodejs
if [ ! -f build-wasm/CMakeCache.txt ]; then
  # emcmake's default emulator passes a flag Node 20 rejects (TOOLCHAIN.md §8).
  emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
cmake --build build-wasm -j"$JOBS"
