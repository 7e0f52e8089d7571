"""Static QDQ int8 quantization of a float YOLOX ONNX model with ONNX Runtime's own tooling.

Calibration images are frames of the given clips, letterboxed exactly as the service feeds the
model (input size from the model, top-left placement, pad 114, BGR, float 0..255, NCHW), cut
by ffmpeg. Usage (see make-int8.sh, which sets up the pinned venv):

  python quantize_yolox.py --model float.onnx --out int8.onnx --frames 16 clip1.mp4 clip2.mp4 ...
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import version_converter
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


def letterboxed_frames(clip, size, count, pad):
    """`count` frames spread over the clip, letterboxed top-left to size x size, as float32 NCHW BGR."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", clip],
        check=True, capture_output=True, text=True,
    )
    total = int(probe.stdout.strip().split(",")[0])
    step = max(1, total // count)
    vf = (
        f"select='not(mod(n\\,{step}))',"
        f"scale={size}:{size}:force_original_aspect_ratio=decrease,"
        f"pad={size}:{size}:0:0:color=0x{pad:02x}{pad:02x}{pad:02x},format=bgr24"
    )
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", clip, "-vf", vf, "-vsync", "0", "-frames:v", str(count), "-f", "rawvideo", "-"],
        check=True, capture_output=True,
    ).stdout
    frame_bytes = size * size * 3
    if len(raw) < frame_bytes:
        raise SystemExit(f"quantize: ffmpeg gave no frame from {clip}")
    frames = np.frombuffer(raw[: len(raw) // frame_bytes * frame_bytes], dtype=np.uint8).reshape(-1, size, size, 3)
    return [f.transpose(2, 0, 1)[None].astype(np.float32) for f in frames]


def opset(model):
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def head_nodes(model):
    """The detection head's output layers: the last convolutions of each stride (box, objectness,
    classes), their sigmoids, and the concats, reshapes and transpose after them. They stay float:
    8-bit box offsets and scores cost person recall (measured about 0.6 points on PETS09-S2L1 at a
    few percent of speed)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    consumers = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    keep = set()
    for n in model.graph.node:
        if n.op_type != "Concat" or not any(c.op_type == "Reshape" for c in consumers.get(n.output[0], [])):
            continue
        keep.add(n.name)
        for i in n.input:
            p = producer.get(i)
            while p is not None and p.op_type in ("Sigmoid", "Conv") and p.name not in keep:
                keep.add(p.name)
                p = producer.get(p.input[0]) if p.op_type == "Sigmoid" else None
    out = model.graph.output[0].name
    tail = producer.get(out)
    while tail is not None and tail.op_type in ("Transpose", "Concat", "Reshape"):
        keep.add(tail.name)
        tail = producer.get(tail.input[0]) if tail.op_type != "Concat" else None
    for n in model.graph.node:
        if n.op_type == "Reshape" and any(producer.get(i) is not None and producer[i].name in keep and producer[i].op_type == "Concat" for i in n.input):
            keep.add(n.name)
    return sorted(keep)


class Frames(CalibrationDataReader):
    def __init__(self, input_name, frames):
        self.items = iter([{input_name: f} for f in frames])

    def get_next(self):
        return next(self.items, None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--frames", type=int, default=16, help="calibration frames per clip")
    parser.add_argument("--pad", type=int, default=114)
    parser.add_argument("--per-tensor", action="store_true", help="one weight scale per tensor (loses YOLOX-Nano's depthwise convolutions)")
    parser.add_argument("--calibration", choices=["minmax", "percentile", "entropy"], default="percentile")
    parser.add_argument("--quantize-head", action="store_true", help="also quantize the output layers (loses accuracy)")
    parser.add_argument("clips", nargs="+")
    args = parser.parse_args()

    model = onnx.load(args.model)
    graph_input = model.graph.input[0]
    dims = [d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    if len(dims) != 4 or dims[2] != dims[3] or dims[2] <= 0:
        raise SystemExit(f"quantize: expected a square NCHW input, got {graph_input.name} {dims}")
    size = dims[2]
    frames = [f for clip in args.clips for f in letterboxed_frames(clip, size, args.frames, args.pad)]
    print(f"quantize: {len(frames)} calibration frames from {len(args.clips)} clips at {size}x{size}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        # Per-channel weight scales (DequantizeLinear's axis) need opset 13; the export is older.
        converted = os.path.join(tmp, "opset13.onnx")
        onnx.save(version_converter.convert_version(model, 13) if opset(model) < 13 else model, converted)
        prepared = os.path.join(tmp, "prepared.onnx")
        quant_pre_process(converted, prepared, skip_symbolic_shape=True)
        exclude = [] if args.quantize_head else head_nodes(onnx.load(prepared))
        print(f"quantize: keeping {len(exclude)} head nodes in float: {' '.join(exclude)}", file=sys.stderr)
        partial = os.path.splitext(args.out)[0] + ".partial.onnx"
        quantize_static(
            prepared,
            partial,
            Frames(graph_input.name, frames),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=not args.per_tensor,
            calibrate_method={"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile, "entropy": CalibrationMethod.Entropy}[args.calibration],
            nodes_to_exclude=exclude,
        )
    os.replace(partial, args.out)
    print(f"quantize: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
