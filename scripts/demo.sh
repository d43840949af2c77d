#!/usr/bin/env bash
# The demo: installs what is missing, builds what is stale, starts the demo server and prints its URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
exec node demo/server.mjs
