#!/usr/bin/env bash
# `npm test`: sets up what is missing, makes sure the local stack runs (and stops it again if it
# started it), checks generated code, builds, lints, checks formatting (Prettier) and runs every
# test against real servers.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash deploy/local/setup.sh test

# Stop the stack afterwards only if this run started it. The status is read whole first: with
# pipefail, `status | grep -q` fails whenever grep stops reading early, and the suite then stopped
# a stack the user had running.
started_stack=0
stack_status=$(bash deploy/local/stack.sh status)
if ! grep -q running <<<"$stack_status"; then started_stack=1; fi
bash deploy/local/stack.sh up
if [ $started_stack = 1 ]; then trap 'bash deploy/local/stack.sh down' EXIT; fi

bash proto/gen.sh --check
npx tsc -b
npx eslint .
node --conditions=source --import tsx deploy/local/check-imports.ts
npm run -s format:check
node test/run.mjs "$@"
