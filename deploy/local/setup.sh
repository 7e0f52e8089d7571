#!/usr/bin/env bash
# Installs what this machine lacks for one command; quiet and quick when everything is already
# there. Each install prints one line with its progress (install-step.sh; logs in .cache/setup).
#
#   deploy/local/setup.sh [demo|test] [--dry-run] [--help]
#
#   demo  what `npm run demo` needs: the local stack (nats-server, Elasticsearch built with Java and
#         Maven, Prometheus), ffmpeg, util-linux (setpriv), Node packages (npm ci)
#   test  (default) everything `npm test` and .ci/run need: demo's, plus protoc, openssl, xz, the
#         RTSP camera of the ingest tests (GStreamer's RTSP server), the deployment checkers
#         (check-jsonschema and kubernetes-validate from PyPI in .tools/venv, kustomize built with
#         Go into .tools/bin) and the int8 model's quantization tools (PyPI, .cache/int8/venv)
#   --dry-run  says what it would install and installs nothing
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

usage() { sed -n '2,13s/^# \{0,1\}//p' "$0"; }
profile=test
dry_run=0
for arg in "$@"; do
  case "$arg" in
    demo | test) profile=$arg ;;
    --dry-run) dry_run=1 ;;
    -h | --help) usage; exit 0 ;;
    *) { echo "setup: unknown argument '$arg'"; usage; } >&2; exit 2 ;;
  esac
done
# shellcheck source=install-step.sh
source "$root/deploy/local/install-step.sh"
logs="$root/.cache/setup"
would() { echo "setup (dry run): would $*"; }

# command -> Debian package
declare -A needs=(
  [nats-server]=nats-server
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  [promtool]=prometheus
  [java]=openjdk-17-jre-headless
  # javac: Maven compiles the Elasticsearch root endpoint plugin (deploy/elasticsearch).
  [javac]=openjdk-17-jdk-headless
  [mvn]=maven
  [curl]=curl
  [setpriv]=util-linux
)
if [ "$profile" = test ]; then
  needs+=(
    [protoc]=protobuf-compiler
    [openssl]=openssl
    [xz]=xz-utils
    # Builds kustomize (deploy/k8s checks); the pinned version builds with Debian 12's Go 1.19.
    [go]=golang-go
  )
fi
missing=()
for cmd in "${!needs[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${needs[$cmd]}"); done
if [ "$profile" = test ]; then
  # The RTSP camera of the ingest tests: GStreamer's RTSP server (real server, TCP interleaved),
  # run by harness/src/rtsp-server.py with the system Python.
  gst_check='import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer
Gst.init(None)
assert Gst.ElementFactory.find("qtdemux") and Gst.ElementFactory.find("rtph264pay")'
  if ! /usr/bin/python3 -c "$gst_check" >/dev/null 2>&1; then
    missing+=(python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good)
  fi
  # Python's venv for the deployment checkers and the int8 quantization tools.
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ $dry_run = 1 ]; then
    would "install Debian packages: ${missing[*]}"
  else
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    install_step "apt-get update" "$logs/apt-update.log" $sudo apt-get update
    install_step "installing Debian packages: ${missing[*]}" "$logs/apt-install.log" \
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
    # The prometheus package may start a system service; the stack runs its own.
    $sudo systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || { echo "setup: Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo none))" >&2; exit 1; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ $dry_run = 1 ]; then would "run npm ci"; else
    install_step "npm ci" "$logs/npm-ci.log" npm ci --no-audit --no-fund
  fi
fi

# Elasticsearch 8 for the local stack: the distribution and the root endpoint plugin, resolved and
# built with Maven (artifacts cached in ~/.m2; nothing to do when the home is already built).
if [ $dry_run = 1 ]; then
  bash deploy/local/elasticsearch.sh built || would "build Elasticsearch with Maven (deploy/local/elasticsearch.sh build)"
else
  bash deploy/local/elasticsearch.sh build
fi

[ "$profile" = test ] || exit 0

# Deployment checkers (test/integration/deploy), pinned, under the ignored .tools/.
tools="$root/.tools"
checkers=(check-jsonschema==0.39.0 kubernetes-validate==1.37.0)
if [ ! -x "$tools/venv/bin/check-jsonschema" ] || [ ! -x "$tools/venv/bin/kubernetes-validate" ] || [ "$(cat "$tools/venv/.checkers" 2>/dev/null)" != "${checkers[*]}" ]; then
  if [ $dry_run = 1 ]; then would "install ${checkers[*]} into .tools/venv (pip)"; else
    install_step "installing ${checkers[*]} into .tools/venv (pip)" "$logs/checkers.log" \
      bash -c 'python3 -m venv "$1" && "$1/bin/pip" install --disable-pip-version-check --progress-bar off "${@:2}"' _ "$tools/venv" "${checkers[@]}"
    echo "${checkers[*]}" > "$tools/venv/.checkers"
  fi
fi
# v5.0.3 is the newest kustomize whose go.mod asks for no Go newer than 1.19 (Debian 12's golang-go);
# v5.1 wants 1.20, v5.5 1.22. GOTOOLCHAIN=local: a newer Go on PATH never fetches another toolchain.
kustomize_version=v5.0.3
if [ "$("$tools/bin/kustomize" version 2>/dev/null)" != "$kustomize_version" ]; then
  if [ $dry_run = 1 ]; then would "build kustomize $kustomize_version into .tools/bin (go install)"; else
    # -ldflags sets the version the binary reports (go install leaves it "(devel)").
    GOBIN="$tools/bin" GOFLAGS=-mod=mod GOTOOLCHAIN=local install_step "building kustomize $kustomize_version into .tools/bin (go install)" \
      "$logs/kustomize.log" go install -ldflags "-X sigs.k8s.io/kustomize/api/provenance.version=$kustomize_version" \
      "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version"
  fi
fi

# The int8 model test makes the model from these tools; installed here so the test reaches no network.
if [ $dry_run = 1 ]; then
  bash services/batching-inference/tools/int8/make-int8.sh --tools-ready || would "install the int8 quantization tools into .cache/int8/venv (pip)"
else
  bash services/batching-inference/tools/int8/make-int8.sh --tools
fi
