#!/usr/bin/env bash
# `npm run demo`: the whole pipeline on this machine. Installs what is missing, starts the
# local stack, builds, and runs the five services with a live summary until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash deploy/local/setup.sh
bash deploy/local/stack.sh up
npx tsc -b
exec node --conditions=source --import tsx deploy/local/demo.ts "$@"
