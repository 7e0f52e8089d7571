#!/usr/bin/env bash
# Installs what this machine lacks to build, test and run the project; quiet and quick when
# everything is already there. Used by `npm test`, `npm run demo` and .ci/run.
#   Debian packages: nats-server, ffmpeg, protoc, openssl, prometheus (promtool), Java + Maven,
#                    util-linux (setpriv), GStreamer's RTSP server for the ingest tests
#   npm packages:    npm ci when node_modules is missing or older than package-lock.json
#   Elasticsearch:   deploy/elasticsearch/pom.xml resolved and built with Maven (once)
#   Deploy checkers: check-jsonschema and kubernetes-validate (PyPI, in the venv .tools/venv) and
#                    kustomize (Go module, built into .tools/bin) for test/integration/deploy
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

# command -> Debian package
declare -A needs=(
  [nats-server]=nats-server
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  [protoc]=protobuf-compiler
  [openssl]=openssl
  [promtool]=prometheus
  [java]=openjdk-17-jre-headless
  # javac: Maven compiles the Elasticsearch root endpoint plugin (deploy/elasticsearch).
  [javac]=openjdk-17-jdk-headless
  [mvn]=maven
  [curl]=curl
  [xz]=xz-utils
  [setpriv]=util-linux
  # Builds kustomize (deploy/k8s checks); kustomize v5.5 needs Go 1.22 or newer.
  [go]=golang-go
)
missing=()
for cmd in "${!needs[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${needs[$cmd]}"); done
# The RTSP camera of the ingest tests: GStreamer's RTSP server (real server, TCP interleaved),
# run by harness/src/rtsp-server.py with the system Python.
gst_check='import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer
Gst.init(None)
assert Gst.ElementFactory.find("qtdemux") and Gst.ElementFactory.find("rtph264pay")'
if ! /usr/bin/python3 -c "$gst_check" >/dev/null 2>&1; then
  missing+=(python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good)
fi
# Python's venv for the deployment checkers.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The prometheus package may start a system service; the stack runs its own.
  $sudo systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || { echo "setup: Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo none))" >&2; exit 1; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Elasticsearch 8 for the local stack: the distribution and the root endpoint plugin, resolved and
# built with Maven (artifacts cached in ~/.m2; nothing to do when the home is already built).
bash deploy/local/elasticsearch.sh build

# Deployment checkers (test/integration/deploy), pinned, under the ignored .tools/.
tools="$root/.tools"
checkers=(check-jsonschema==0.39.0 kubernetes-validate==1.37.0)
if [ ! -x "$tools/venv/bin/check-jsonschema" ] || [ ! -x "$tools/venv/bin/kubernetes-validate" ] || [ "$(cat "$tools/venv/.checkers" 2>/dev/null)" != "${checkers[*]}" ]; then
  echo "setup: installing ${checkers[*]} into .tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q --disable-pip-version-check "${checkers[@]}"
  echo "${checkers[*]}" > "$tools/venv/.checkers"
fi
kustomize_version=v5.5.0
if [ "$("$tools/bin/kustomize" version 2>/dev/null)" != "$kustomize_version" ]; then
  echo "setup: building kustomize $kustomize_version into .tools/bin (go install)"
  # -ldflags sets the version the binary reports (go install leaves it "(devel)").
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install \
    -ldflags "-X sigs.k8s.io/kustomize/api/provenance.version=$kustomize_version" \
    "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version"
fi
