#!/usr/bin/env bash
# `npm run demo`: the whole pipeline on this machine. Installs what is missing, starts the local
# stack (NATS + Elasticsearch), builds, and runs the five services with a live summary until
# Ctrl-C. Options after `--` go to deploy/local/demo.ts; `npm run demo -- --help` lists them and
# installs or starts nothing. Installs only what the demo needs (setup.sh demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
for arg in "$@"; do
  case "$arg" in -h | --help) cat deploy/local/demo/usage.txt; exit 0 ;; esac
done
bash deploy/local/setup.sh demo
bash deploy/local/stack.sh up
# NATS_URL and ES_URL of the stack just started (its ports may be overridden: VA_NATS_PORT, VA_ES_PORT).
# shellcheck disable=SC1091
source "${VA_STACK_DIR:-$root/.stack}/env"
npx tsc -b
exec node --conditions=source --import tsx deploy/local/demo.ts "$@"
