#!/usr/bin/env bash
# One local Elasticsearch 8 node (single-node discovery, security off, bound to 127.0.0.1) from the
# home that deploy/elasticsearch/pom.xml resolves from Maven Central. Used by stack.sh for the shared
# node and by harness/src/elasticsearch.ts for throw-away nodes (the outage test stops its own).
#
#   deploy/local/elasticsearch.sh build              resolve the distribution and build the root plugin (Maven)
#   deploy/local/elasticsearch.sh built              exit status 0 when build has nothing to do
#   deploy/local/elasticsearch.sh start|stop|status  one node
#
# Settings (env):
#   VA_ES_PORT (9200), VA_ES_TRANSPORT_PORT (9300)   HTTP and transport ports
#   VA_ES_DIR (.stack/elasticsearch)                 state folder; VA_ES_DATA_DIR, VA_ES_LOGS_DIR and
#                                                    VA_ES_RUN_DIR (config, tmp, pid) default inside it
#   VA_ES_HEAP (512m)                                -Xms/-Xmx
#   VA_ES_CLUSTER_NAME (va-local)
#   VA_ES_JAVA_HOME or ES_JAVA_HOME                  a Java 17+ home (default: the one `java` is in)
#   VA_ES_USER (nobody)                              Elasticsearch refuses to run as root; as root the
#                                                    node runs as this user (it gets the state folder)
#   VA_ES_SHARED_DIR (/var/tmp/va-elasticsearch)     as root, when that user cannot reach the checkout
#                                                    (e.g. under /root, mode 0700): a copy of the home and
#                                                    the state folders go here, linked from where they
#                                                    were asked for
#   VA_ES_START_TIMEOUT_S (120)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pom="$root/deploy/elasticsearch/pom.xml"
es_version=$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$pom" | head -n1)
home="$root/deploy/elasticsearch/target/elasticsearch-$es_version"

http_port=${VA_ES_PORT:-9200}
transport_port=${VA_ES_TRANSPORT_PORT:-9300}
dir=${VA_ES_DIR:-$root/.stack/elasticsearch}
data_dir=${VA_ES_DATA_DIR:-$dir/data}
logs_dir=${VA_ES_LOGS_DIR:-$dir/logs}
run_dir=${VA_ES_RUN_DIR:-$dir/run}
pidfile="$run_dir/elasticsearch.pid"
console="$logs_dir/console.log"
cluster_name=${VA_ES_CLUSTER_NAME:-va-local}
heap=${VA_ES_HEAP:-512m}
run_as=${VA_ES_USER:-nobody}
start_timeout=${VA_ES_START_TIMEOUT_S:-120}
url="http://127.0.0.1:$http_port"

log() { printf 'elasticsearch: %s\n' "$*"; }
die() { printf 'elasticsearch: %s\n' "$*" >&2; exit 1; }

pid() { [ -f "$pidfile" ] && cat "$pidfile" || true; }
alive() { local p; p=$(pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
built() { [ -x "$home/bin/elasticsearch" ] && compgen -G "$home/plugins/va-rest-root/va-rest-root-*.jar" >/dev/null; }

java_home() {
  local jh=${VA_ES_JAVA_HOME:-${ES_JAVA_HOME:-}}
  if [ -z "$jh" ]; then
    command -v java >/dev/null 2>&1 || die "Java not found. Elasticsearch needs Java 17 or newer: sudo apt-get install -y openjdk-17-jre-headless (or run deploy/local/setup.sh), or set VA_ES_JAVA_HOME"
    jh=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
  [ -x "$jh/bin/java" ] || die "no bin/java under Java home $jh (VA_ES_JAVA_HOME / ES_JAVA_HOME)"
  local major
  major=$("$jh/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  [ "${major:-0}" -ge 17 ] || die "Java $major at $jh is too old; Elasticsearch $es_version needs 17 or newer"
  echo "$jh"
}

build() {
  if built && [ "$home/bin/elasticsearch" -nt "$pom" ]; then return; fi
  command -v mvn >/dev/null 2>&1 || die "Maven not found; it resolves Elasticsearch $es_version from Maven Central: sudo apt-get install -y maven (or run deploy/local/setup.sh)"
  local jh
  jh=$(java_home)
  [ -x "$jh/bin/javac" ] || die "no javac under $jh: building the root endpoint plugin needs a JDK: sudo apt-get install -y openjdk-17-jdk-headless (or run deploy/local/setup.sh)"
  local build_log="$root/deploy/elasticsearch/target/maven.log"
  # shellcheck source=install-step.sh
  source "$root/deploy/local/install-step.sh"
  JAVA_HOME=$jh install_step "Elasticsearch $es_version from Maven Central and its root endpoint plugin (Maven, once; cached in ~/.m2)" \
    "$build_log" mvn -B -Dstyle.color=never -f "$pom" package \
    || die "Maven build failed (log: $build_log)"
  touch "$home/bin/elasticsearch"
}

# The unprivileged user must reach the home and the state folders' parents. A checkout in a private
# folder (/root is 0700) is out of its reach: the home is then copied, and the state folders live
# under VA_ES_SHARED_DIR with symbolic links where they were asked for (stop/status follow them).
as_user() { setpriv --reuid="$run_as" --regid="$(id -g "$run_as")" --clear-groups "$@"; }
relocate_if_unreachable() {
  local shared=${VA_ES_SHARED_DIR:-/var/tmp/va-elasticsearch}
  if ! as_user test -x "$home/bin/elasticsearch"; then
    local copy="$shared/elasticsearch-$es_version"
    mkdir -p "$shared" && chmod 755 "$shared"
    if [ ! -f "$copy/.copied" ] || [ "$home/bin/elasticsearch" -nt "$copy/.copied" ]; then
      log "user $run_as cannot reach $home; using a copy in $copy"
      rm -rf "$copy" && cp -a "$home" "$copy" && chmod -R a+rX "$copy" && touch "$copy/.copied"
    fi
    home=$copy
  fi
  local key name d real
  key=$(printf '%s' "$dir" | sha1sum | cut -c1-12)
  for name in run_dir data_dir logs_dir; do
    d=${!name}
    if [ -L "$d" ]; then printf -v "$name" '%s' "$(readlink -f "$d")"; continue; fi
    mkdir -p "$(dirname "$d")"
    as_user test -x "$(dirname "$d")" && continue
    real="$shared/state-$key/${name%_dir}"
    mkdir -p "$real" && chmod 755 "$shared" "$shared/state-$key"
    if [ -d "$d" ]; then cp -a "$d/." "$real/" && rm -rf "$d"; fi
    ln -sfn "$real" "$d"
    log "user $run_as cannot reach $(dirname "$d"); $d links to $real"
    printf -v "$name" '%s' "$real"
  done
  pidfile="$run_dir/elasticsearch.pid"
  console="$logs_dir/console.log"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  mkdir -p "$run_dir/config/jvm.options.d" "$run_dir/tmp" "$data_dir" "$logs_dir"
  cp -f "$home/config/jvm.options" "$home/config/log4j2.properties" "$run_dir/config/"
  for f in users users_roles roles.yml role_mapping.yml; do cp -f "$home/config/$f" "$run_dir/config/"; done
  cat > "$run_dir/config/elasticsearch.yml" <<YML
# Written by deploy/local/elasticsearch.sh on every start; edit that script instead.
cluster.name: $cluster_name
node.name: $cluster_name-node
path.data: $data_dir
path.logs: $logs_dir
network.host: 127.0.0.1
http.port: $http_port
transport.port: $transport_port
discovery.type: single-node
# A development node on this machine only: no TLS, no users. Production clusters enable security
# and the services authenticate with ES_USERNAME/ES_PASSWORD or ES_API_KEY (+ ES_CA_FILE).
xpack.security.enabled: false
# A nearly full developer disk must not turn indices read-only in the middle of a test run.
cluster.routing.allocation.disk.threshold_enabled: false
YML
  cat > "$run_dir/config/jvm.options.d/va-local.options" <<OPTS
-Xms$heap
-Xmx$heap
OPTS
  # Tame the stock GC log (relative path, 32 x 64 MB files) into the logs folder.
  sed -i "s|^-Xlog:gc\*.*|-Xlog:gc*:file=$logs_dir/gc.log:utctime,level,pid,tags:filecount=2,filesize=16m|" "$run_dir/config/jvm.options"
}

start() {
  if alive; then log "running (pid $(pid)) $url"; return; fi
  build
  local jh
  jh=$(java_home)
  port_taken "$http_port" && die "port $http_port is in use by another process (set VA_ES_PORT)"
  port_taken "$transport_port" && die "port $transport_port is in use by another process (set VA_ES_TRANSPORT_PORT)"
  if [ "$(id -u)" -eq 0 ]; then
    id "$run_as" >/dev/null 2>&1 || die "user $run_as does not exist (VA_ES_USER); Elasticsearch refuses to run as root"
    relocate_if_unreachable
  fi
  write_config
  rm -f "$pidfile"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "$run_as:$(id -gn "$run_as")" "$run_dir" "$data_dir" "$logs_dir"
    as=(as_user)
  fi
  # -d: the launcher returns once the node has started (or failed), leaving the server process.
  if ! (cd "$run_dir" && "${as[@]}" env ES_JAVA_HOME="$jh" ES_PATH_CONF="$run_dir/config" ES_TMPDIR="$run_dir/tmp" HOME="$run_dir/tmp" \
        "$home/bin/elasticsearch" -d -p "$pidfile" >"$console" 2>&1 </dev/null); then
    tail -n 30 "$console" >&2 || true
    tail -n 30 "$logs_dir/$cluster_name.log" >&2 2>/dev/null || true
    die "failed to start (logs: $console, $logs_dir/$cluster_name.log)"
  fi
  local deadline=$((SECONDS + start_timeout))
  until curl -fsS "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; do
    if ! alive; then tail -n 30 "$logs_dir/$cluster_name.log" >&2 2>/dev/null || true; die "exited during start-up (log: $logs_dir/$cluster_name.log)"; fi
    [ $SECONDS -ge $deadline ] && die "not ready after ${start_timeout}s (log: $logs_dir/$cluster_name.log)"
    sleep 0.5
  done
  log "ready  $url (Elasticsearch $es_version, pid $(pid))"
}

stop() {
  local p
  p=$(pid)
  if [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then rm -f "$pidfile"; log "not running"; return; fi
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; log "did not stop in 30s; killed"; fi
  rm -f "$pidfile"
  log "stopped"
}

status() {
  if alive; then log "running (pid $(pid)) $url"; else log "stopped"; return 3; fi
}

case "${1:-}" in
  build) build ;;
  # Exit status only: 0 when `build` has nothing to do (setup.sh --dry-run asks).
  built) built && [ "$home/bin/elasticsearch" -nt "$pom" ] ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  pid) pid ;;
  *) die "usage: elasticsearch.sh build|built|start|stop|status|pid" ;;
esac
