"""Scores tracker results with py-motmetrics, the reference the TypeScript evaluator is checked against.

Usage: python motmetrics_crosscheck.py manifest.json
The manifest is a JSON list of {"name", "group", "gt", "res"}: MOTChallenge ground truth and result
files. Ground truth is read as eval_motchallenge.py reads MOT15 (fmt mot15-2D, min_confidence=1:
rows with conf 0 are dropped). Prints one JSON object: per-item metrics and an OVERALL per group.
Needs: pip install motmetrics
"""
import json
import sys

import numpy as np

# motmetrics 1.4.0 still calls np.asfarray, which numpy 2 removed; give it back unchanged in meaning.
if not hasattr(np, "asfarray"):
    np.asfarray = lambda a, dtype=float: np.asarray(a, dtype=dtype)

import motmetrics as mm  # noqa: E402

METRICS = [
    "num_frames", "num_objects", "num_predictions", "num_matches", "num_switches", "num_false_positives",
    "num_misses", "num_fragmentations", "mota", "motp", "idf1", "idp", "idr", "mostly_tracked", "mostly_lost",
]


def main(path):
    with open(path) as f:
        manifest = json.load(f)
    mh = mm.metrics.create()
    groups = {}
    out = {"motmetrics": mm.__version__, "items": {}, "overall": {}}
    for item in manifest:
        gt = mm.io.loadtxt(item["gt"], fmt="mot15-2D", min_confidence=1)
        res = mm.io.loadtxt(item["res"], fmt="mot15-2D")
        acc = mm.utils.compare_to_groundtruth(gt, res, "iou", distth=0.5)
        summary = mh.compute(acc, metrics=METRICS, name=item["name"])
        out["items"][item["name"]] = {k: float(summary[k].iloc[0]) for k in METRICS}
        groups.setdefault(item["group"], []).append((item["name"], acc))
    for group, accs in groups.items():
        summary = mh.compute_many([a for _, a in accs], names=[n for n, _ in accs], metrics=METRICS, generate_overall=True)
        out["overall"][group] = {k: float(summary.loc["OVERALL", k]) for k in METRICS}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
