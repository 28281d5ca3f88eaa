"""`ebjr serve` with a learned deferral score: the router trained by `ebjr evaluate` (stored in report.json) must
score every request as a NumPy re-implementation of its features and network does, and route by the report's τ.

usage: serve_learned.py EBJR WORKDIR IMAGES_IDX_GZ REPORT_JSON
"""
import json
import os
import sys

import numpy as np

import serve_harness as h
import serve_reference as ref

ebjr, work, images_path, report = sys.argv[1:5]
N, B = 200, 50
images = ref.test_images(images_path, N)
side_ref = ref.logits(os.path.join(work, "side-test.h5"), N)
rule = ref.LearnedRule(report, "side", "target-acceptance", "learned")

server, url = h.start_ebjr_serve(ebjr, ["--side", os.path.join(work, "side.h5"), "--deep", os.path.join(work, "deep.h5"),
                                        "--operating-point", report, "--side-name", "side",
                                        "--criterion", "target-acceptance", "--score", "learned"],
                                 os.path.join(work, "serve-learned.log"))
try:
    h.check("accept iff learned" in server.text(), f"the startup log does not state the learned rule:\n{server.text()}")
    scores, answered = [], []
    for start in range(0, N, B):
        body = {"inputs": [{"name": "input", "shape": [B, 784], "datatype": "FP32",
                            "data": images[start:start + B].reshape(-1).tolist()}]}
        status, text, _ = h.http("POST", f"{url}/v2/models/ebjr/infer", body)
        h.check(status == 200, f"infer answered {status}: {text[:300]}")
        outputs = {o["name"]: o["data"] for o in json.loads(text)["outputs"]}
        scores += outputs["side_score"]
        answered += outputs["answered_by"]
    scores = np.array(scores)
    expected = rule.scores(side_ref)
    err = np.abs(scores - expected).max()
    h.check(err <= 1e-5, f"learned scores differ from the NumPy router by {err}")
    h.check(np.ptp(expected) > 0.05, "the learned scores hardly vary: the test needs a trained router")
    near = np.abs(expected - rule.tau) <= 1e-5
    accepted = rule.eligible(side_ref) & (expected <= rule.tau)
    routed = np.array([a == "deep" for a in answered])
    h.check(np.array_equal(~routed[~near], accepted[~near]), "routing differs from the report's learned rule")
    h.check(0 < routed.sum() < N, f"{routed.sum()} of {N} routed: the test needs both paths")
    print(f"learned: {N} samples, {routed.sum()} routed, scores within {err:.1e} of NumPy (tau {rule.tau:.4f})")
finally:
    code = server.stop()
    if code != 0:
        print(server.text(), file=sys.stderr)
    h.check(code == 0, f"ebjr serve exited with {code} after SIGTERM")
