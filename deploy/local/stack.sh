#!/usr/bin/env bash
# Starts and stops the real infrastructure the services need, as background processes on this
# machine (no Docker): logs, pid files and data under .stack/ (ignored by git).
#
#   deploy/local/stack.sh up|down|status [component...]     components: nats elasticsearch prometheus (default: all)
#
# Idempotent: `up` leaves running components alone, `down` ignores stopped ones.
# Ports: VA_NATS_PORT (4222), VA_NATS_MONITOR_PORT (8222), VA_ES_PORT (9200), VA_ES_TRANSPORT_PORT (9300),
#        VA_PROMETHEUS_PORT (9090). Prometheus scrapes the services on their default ports and loads
#        the alert rules (deploy/prometheus/prometheus.local.yml; VA_PROMETHEUS_CONFIG overrides it).
# Folder: VA_STACK_DIR (.stack). Elasticsearch: see deploy/local/elasticsearch.sh (Java 17+, Maven).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
stack=${VA_STACK_DIR:-$root/.stack}
nats_port=${VA_NATS_PORT:-4222}
nats_monitor_port=${VA_NATS_MONITOR_PORT:-8222}
es_port=${VA_ES_PORT:-9200}
es_transport_port=${VA_ES_TRANSPORT_PORT:-9300}
prometheus_port=${VA_PROMETHEUS_PORT:-9090}
prometheus_config=${VA_PROMETHEUS_CONFIG:-$root/deploy/prometheus/prometheus.local.yml}
all_components=(nats elasticsearch prometheus)

mkdir -p "$stack/logs" "$stack/run" "$stack/data"

log() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

pid_of() { local f="$stack/run/$1.pid"; [ -f "$f" ] && cat "$f" || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# wait_until NAME SECONDS COMMAND...: polls COMMAND until it succeeds, or shows the log tail and fails.
wait_until() {
  local name=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then tail -n 20 "$stack/logs/$name.log" >&2 || true; die "$name exited during start-up (log: $stack/logs/$name.log)"; fi
    [ $SECONDS -ge $deadline ] && { tail -n 20 "$stack/logs/$name.log" >&2 || true; die "$name not ready after ${secs}s (log: $stack/logs/$name.log)"; }
    sleep 0.5
  done
}

require() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found. Install it with: $2"
}

# --- NATS with JetStream ----------------------------------------------------------------------
# One NATS user per service with allow lists for exactly its subjects, an admin user that
# provisions the streams, a read-only observer, no anonymous access
# (services/common/src/nats/bus-identities.ts). Passwords: $stack/nats/<user>.password, owner-only.
tsx() { (cd "$root" && node --conditions=source --import tsx "$@"); }
nats_up() {
  require nats-server "sudo apt-get install -y nats-server"
  [ -d "$root/node_modules/tsx" ] || die "npm packages missing: run npm ci (or deploy/local/setup.sh) first"
  tsx deploy/local/nats-credentials.ts "$stack/nats" >/dev/null
  cat > "$stack/run/nats.conf" <<CONF
server_name: va-local
listen: 127.0.0.1:$nats_port
http: 127.0.0.1:$nats_monitor_port
# Raw 1080p RGB frames are 6 MB; the default 1 MB would reject them.
max_payload: 8MB
jetstream {
  store_dir: "$stack/data/nats"
  max_memory_store: 256MB
  # The streams reserve their max_bytes: VA_DETECTIONS 8 GiB + five 1 GiB streams + KV buckets.
  max_file_store: 16GB
}
include "../nats/authorization.conf"
CONF
  setsid nats-server -c "$stack/run/nats.conf" >>"$stack/logs/nats.log" 2>&1 < /dev/null &
  echo $! > "$stack/run/nats.pid"
  wait_until nats 20 curl -fsS "http://127.0.0.1:$nats_monitor_port/healthz?js-enabled-only=true"
  log "nats      ready  nats://127.0.0.1:$nats_port (JetStream; users and passwords in $stack/nats; monitor http://127.0.0.1:$nats_monitor_port)"
}
# The services may not create streams; the admin user does, with the same VA_JS_* limits. Run on
# every `up`, also for a NATS already running, so the streams exist whatever happened to them.
nats_provision() {
  grep -q 'authorization.conf' "$stack/run/nats.conf" 2>/dev/null \
    || log "nats      runs without users (started before they existed): stack.sh down nats && stack.sh up nats"
  NATS_URL="nats://127.0.0.1:$nats_port" NATS_USER=admin NATS_PASSWORD_FILE="$stack/nats/admin.password" VA_LOG_LEVEL=warn \
    tsx services/common/src/nats/provision-cli.ts >>"$stack/logs/nats-provision.log" 2>&1 \
    || { tail -n 20 "$stack/logs/nats-provision.log" >&2; die "provisioning the JetStream streams failed (log: $stack/logs/nats-provision.log)"; }
  log "nats      streams provisioned by the admin user"
}
nats_status() { echo "nats://127.0.0.1:$nats_port"; }

# --- Elasticsearch 8 (from Maven Central, see deploy/elasticsearch/pom.xml) -----------------------
es() {
  VA_ES_PORT=$es_port VA_ES_TRANSPORT_PORT=$es_transport_port VA_ES_DIR="$stack/elasticsearch" \
    VA_ES_DATA_DIR="$stack/data/elasticsearch" VA_ES_LOGS_DIR="$stack/logs/elasticsearch" VA_ES_RUN_DIR="$stack/run/elasticsearch" \
    bash "$root/deploy/local/elasticsearch.sh" "$@"
}
elasticsearch_up() {
  es start | sed 's/^elasticsearch: /stack: elasticsearch /'
  es pid > "$stack/run/elasticsearch.pid"
}
elasticsearch_status() { echo "http://127.0.0.1:$es_port"; }

# --- Prometheus (Debian package prometheus) ----------------------------------------------------
prometheus_up() {
  require prometheus "sudo apt-get install -y prometheus (or run deploy/local/setup.sh)"
  [ -f "$prometheus_config" ] || die "Prometheus configuration $prometheus_config not found (VA_PROMETHEUS_CONFIG)"
  promtool check config "$prometheus_config" >"$stack/logs/prometheus-config-check.log" 2>&1 \
    || { cat "$stack/logs/prometheus-config-check.log" >&2; die "invalid Prometheus configuration $prometheus_config"; }
  setsid prometheus --config.file="$prometheus_config" --storage.tsdb.path="$stack/data/prometheus" \
    --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$prometheus_port" --web.enable-lifecycle \
    >>"$stack/logs/prometheus.log" 2>&1 < /dev/null &
  echo $! > "$stack/run/prometheus.pid"
  wait_until prometheus 30 curl -fsS "http://127.0.0.1:$prometheus_port/-/ready"
  log "prometheus ready  http://127.0.0.1:$prometheus_port (scrapes the services on their default ports; config $prometheus_config)"
}
prometheus_status() { echo "http://127.0.0.1:$prometheus_port"; }

# --- generic ----------------------------------------------------------------------------------
up() {
  local c=$1
  if alive "$c"; then log "$(printf '%-9s' "$c") running (pid $(pid_of "$c")) $("${c}_status")"; return; fi
  "${c}_up"
}

down() {
  local c=$1 pid
  pid=$(pid_of "$c")
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then rm -f "$stack/run/$c.pid"; log "$(printf '%-9s' "$c") not running"; return; fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; log "$c did not stop in 30s; killed"; fi
  rm -f "$stack/run/$c.pid"
  log "$(printf '%-9s' "$c") stopped"
}

status() {
  local c=$1
  if alive "$c"; then log "$(printf '%-9s' "$c") running (pid $(pid_of "$c")) $("${c}_status")"; else log "$(printf '%-9s' "$c") stopped"; fi
}

cmd=${1:-}; shift || true
components=("$@"); [ ${#components[@]} -eq 0 ] && components=("${all_components[@]}")
for c in "${components[@]}"; do
  [[ " ${all_components[*]} " == *" $c "* ]] || die "unknown component '$c' (known: ${all_components[*]})"
done
case "$cmd" in
  up) for c in "${components[@]}"; do up "$c"; done
      if [[ " ${components[*]} " == *" nats "* ]]; then nats_provision; fi
      # Settings for processes started from this shell: `source .stack/env`.
      { echo "export NATS_URL=nats://127.0.0.1:$nats_port"; echo "export VA_NATS_CREDENTIALS_DIR=$stack/nats"; echo "export ES_URL=http://127.0.0.1:$es_port"; echo "export PROMETHEUS_URL=http://127.0.0.1:$prometheus_port"; } > "$stack/env" ;;
  down) for ((i=${#components[@]}-1; i>=0; i--)); do down "${components[$i]}"; done ;;
  status) for c in "${components[@]}"; do status "$c"; done ;;
  *) die "usage: stack.sh up|down|status [${all_components[*]}]" ;;
esac
