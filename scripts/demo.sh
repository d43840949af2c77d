#!/usr/bin/env bash
# The demo: installs what is missing, builds what is stale, starts the demo server and prints its URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
TES_SKIP_SANITIZE=1 bash scripts/build.sh >/dev/null  # the demo needs the Wasm, not the sanitizer build
exec node demo/server.mjs
