#!/usr/bin/env bash
# Makes yolox_nano_int8 version 1 (services/batching-inference/models/yolox_nano_int8/1/model.onnx,
# ignored by git) from the float yolox_nano in the shared folder: static QDQ int8 quantization
# with ONNX Runtime's quantization tooling, calibrated on letterboxed frames of the shared clips
# other than PETS09-S2L1 (the sequence its accuracy is measured on, bench/int8.ts).
# The tools are installed, pinned, into the ignored venv .cache/int8/venv. Does nothing when the
# model is already made from the same float model, script and tool versions (--force redoes it).
#
#   npm run model:int8 [-- --force]
#   make-int8.sh --tools         installs the tools only (deploy/local/setup.sh test, so the test
#                                that makes the model reaches no network)
#   make-int8.sh --tools-ready   exit status 0 when the tools are installed
#   make-int8.sh --no-install    fails instead of installing the tools (the int8 model test)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
here="$root/services/batching-inference/tools/int8"
shared="${VA_SHARED_DIR:-$root/../shared}"
float="$shared/models/yolox_nano.onnx"
out_dir="$root/services/batching-inference/models/yolox_nano_int8/1"
out="$out_dir/model.onnx"
venv="$root/.cache/int8/venv"
made_from="$root/.cache/int8/made-from"
packages=(onnxruntime==1.23.2 onnx==1.23.2 numpy==2.4.6)
tools_ready() { [ "$(cat "$venv/.packages" 2>/dev/null)" = "${packages[*]}" ]; }
install_tools() {
  # shellcheck source=../../../../deploy/local/install-step.sh
  source "$root/deploy/local/install-step.sh"
  install_step "installing ${packages[*]} into .cache/int8/venv (pip)" "$root/.cache/setup/int8-tools.log" \
    bash -c 'python3 -m venv "$1" && "$1/bin/pip" install --disable-pip-version-check --progress-bar off "${@:2}"' _ "$venv" "${packages[@]}"
  echo "${packages[*]}" > "$venv/.packages"
}
force=0 install=1
for arg in "$@"; do
  case "$arg" in
    --tools) tools_ready || install_tools; exit 0 ;;
    --tools-ready) tools_ready; exit ;;
    --force) force=1 ;;
    --no-install) install=0 ;;
    *) echo "model:int8: unknown argument '$arg' (--force, --tools, --tools-ready, --no-install)" >&2; exit 2 ;;
  esac
done
clips=(
  "$shared/data/video/indoor-people_768x432.mp4"
  "$shared/data/video/parking-lot-cars_768x432.mp4"
  "$shared/data/mot15/TUD-Campus/TUD-Campus_71frames_640x480_25fps.mp4"
)
frames_per_clip=16

for f in "$float" "${clips[@]}"; do
  [ -f "$f" ] || { echo "model:int8: $f is missing (set VA_SHARED_DIR to the shared folder)" >&2; exit 1; }
done
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { echo "model:int8: ffmpeg and ffprobe are needed (deploy/local/setup.sh installs them)" >&2; exit 1; }

stamp="$(cat "$float" "$here/quantize_yolox.py" | sha256sum | cut -c1-16) ${packages[*]} $frames_per_clip"
if [ $force = 0 ] && [ -f "$out" ] && [ "$(cat "$made_from" 2>/dev/null)" = "$stamp" ]; then
  echo "model:int8: $out is up to date"
  exit 0
fi

if ! tools_ready; then
  [ $install = 1 ] || { echo "model:int8: the quantization tools (${packages[*]}) are not installed in .cache/int8/venv; run: bash deploy/local/setup.sh" >&2; exit 3; }
  install_tools
fi

mkdir -p "$out_dir"
"$venv/bin/python" "$here/quantize_yolox.py" --model "$float" --out "$out" --frames "$frames_per_clip" "${clips[@]}"
echo "$stamp" > "$made_from"
