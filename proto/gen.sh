#!/usr/bin/env bash
# Regenerates the TypeScript for every .proto under proto/ into proto/gen.
# Generated code is committed (see README "Generated code"); `--check` regenerates into a
# temporary folder and fails when the committed files differ, so stale code cannot land.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/proto/gen"
plugin="$root/node_modules/.bin/protoc-gen-ts_proto"

command -v protoc >/dev/null || { echo "gen: protoc not found; install it with: sudo apt-get install -y protobuf-compiler" >&2; exit 2; }
[ -x "$plugin" ] || { echo "gen: $plugin not found; run npm ci first" >&2; exit 2; }

opts=(
  outputServices=grpc-js   # service definitions and typed clients for @grpc/grpc-js
  esModuleInterop=true
  env=both                 # bytes decode as Uint8Array views of the received buffer: no per-frame copy
  forceLong=number         # sequences and ms timestamps stay below 2^53; plain numbers on the hot path
  oneof=unions
  importSuffix=.js         # ESM (NodeNext) imports
  useExactTypes=false
  outputPartialMethods=true
)
opt_string=$(IFS=,; echo "${opts[*]%% *}")

check=0; [ "${1:-}" = "--check" ] && check=1
target="$out"; [ $check = 1 ] && target=$(mktemp -d)

rm -rf "$target"; mkdir -p "$target"
mapfile -t files < <(cd "$root/proto" && find . -name '*.proto' | sed 's|^\./||' | sort)
protoc --plugin="protoc-gen-ts_proto=$plugin" -I "$root/proto" \
  --ts_proto_out="$target" --ts_proto_opt="$opt_string" "${files[@]}"

if [ $check = 1 ]; then
  # The header's protoc version line is ignored so another protoc release does not count as stale.
  if ! diff -r -I '^//   protoc ' "$target" "$out" >/dev/null 2>&1; then
    diff -r -I '^//   protoc ' "$target" "$out" | head -20 >&2 || true
    echo "gen: proto/gen is stale or missing; run npm run gen and commit the result" >&2
    rm -rf "$target"; exit 1
  fi
  rm -rf "$target"; echo "gen: generated code is up to date"
else
  echo "gen: wrote $(find "$out" -name '*.ts' | wc -l) files to proto/gen"
fi
