#!/usr/bin/env bash
# Writes a random password per NATS user into deploy/compose/.env (owner-only), which
# `docker compose` reads; existing entries are kept. Run once before `docker compose up`.
set -euo pipefail
env_file="$(cd "$(dirname "$0")" && pwd)/.env"
touch "$env_file"
chmod 600 "$env_file"
for user in ADMIN INGEST BATCHING_INFERENCE TRACKING EMBEDDING_SEARCH SANITY_CHECK OBSERVER; do
  key="VA_NATS_PASSWORD_$user"
  grep -q "^$key=" "$env_file" || echo "$key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> "$env_file"
done
echo "NATS passwords in $env_file"
