#!/usr/bin/env bash
# gRPC secrets for deploy/compose (deploy/README.md, "Docker Compose"): a private CA, one TLS
# certificate per service (names: the compose service name, localhost, 127.0.0.1) and random
# bearer tokens. Run once before `docker compose up`; existing files are kept, so tokens and
# certificates stay stable across runs (delete the folder to start over).
#   bash deploy/compose/gen-grpc-secrets.sh [OUT_DIR]      default: deploy/compose/.secrets/grpc (git-ignored)
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")" && pwd)/.secrets/grpc}"
services=(ingest batching-inference tracking embedding-search sanity-check)
days="${VA_CERT_DAYS:-825}"

command -v openssl >/dev/null || { echo "openssl is needed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
chmod 700 "$out"
cd "$out"
umask 077

if [[ ! -f ca.crt || ! -f ca.key ]]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days "$days" -subj "/CN=video-analytics gRPC CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca.key -out ca.crt 2>/dev/null
fi

for svc in "${services[@]}"; do
  [[ -f "$svc.crt" && -f "$svc.key" ]] && continue
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$svc" > "$svc.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$svc" -keyout "$svc.key" -out "$svc.csr" 2>/dev/null
  openssl x509 -req -in "$svc.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" -extfile "$svc.ext" -out "$svc.crt" 2>/dev/null
  rm -f "$svc.csr" "$svc.ext"
done

# 48 hex characters each: over the services' 24-character minimum, nothing a placeholder check refuses.
token() { echo "$1-$(openssl rand -hex 24)"; }
if [[ ! -f grpc-tokens ]]; then
  search_to_inference="$(token svc-search)"
  printf 'viewer:%s\noperator:%s\nadmin:%s\nviewer:%s\n' "$(token viewer)" "$(token operator)" "$(token admin)" "$search_to_inference" > grpc-tokens
  printf '%s\n' "$search_to_inference" > search-inference-token
fi

# The containers run as user "node", not the owner of these files: the folder (700) guards them
# on this machine, the files themselves must be readable inside the containers.
chmod 644 ./*.crt grpc-tokens search-inference-token
for svc in "${services[@]}"; do chmod 644 "$svc.key"; done
chmod 600 ca.key
rm -f ca.srl
echo "gRPC CA, certificates and tokens in $out (human tokens: the viewer/operator/admin lines of grpc-tokens)"
