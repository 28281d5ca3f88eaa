"""The official Triton HTTP client (tritonclient[http], unmodified) against `ebjr serve` with the deep model in
process: server and model metadata, liveness and readiness, and inference on batches, in JSON and with the
binary-data extension. Every sample's logits must equal `ebjr logits`, its routing the report's rule.

usage: serve_official_client.py EBJR WORKDIR IMAGES_IDX_GZ
"""
import os
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

import serve_harness as h
import serve_reference as ref

ebjr, work, images_path = sys.argv[1:4]
N, B = 240, 40
images = ref.test_images(images_path, N)
side_ref = ref.logits(os.path.join(work, "side-test.h5"), N)
deep_ref = ref.logits(os.path.join(work, "deep-test.h5"), N)
rule = ref.Rule(os.path.join(work, "run", "report.json"), "side", "target-acceptance")

server, url = h.start_ebjr_serve(ebjr, ["--side", os.path.join(work, "side.h5"), "--deep", os.path.join(work, "deep.h5"),
                                        "--operating-point", os.path.join(work, "run", "report.json"),
                                        "--side-name", "side", "--criterion", "target-acceptance",
                                        "--model-name", "fmnist"], os.path.join(work, "serve-client.log"))
try:
    client = httpclient.InferenceServerClient(url=url.removeprefix("http://"))
    h.check(client.is_server_live(), "server not live")
    h.check(client.is_server_ready(), "server not ready")
    h.check(client.is_model_ready("fmnist"), "model not ready")
    h.check(not client.is_model_ready("nope"), "an unknown model is ready")
    h.check(client.get_server_metadata()["name"] == "ebjr", "server metadata")
    meta = client.get_model_metadata("fmnist")
    h.check(meta["name"] == "fmnist", f"model metadata name: {meta}")
    h.check([(i["name"], i["datatype"], i["shape"]) for i in meta["inputs"]] == [("input", "FP32", [-1, 784])],
            f"metadata inputs: {meta['inputs']}")
    outputs = {o["name"]: (o["datatype"], o["shape"]) for o in meta["outputs"]}
    h.check(outputs == {"predicted_class": ("INT64", [-1]), "answered_by": ("BYTES", [-1]), "side_score": ("FP64", [-1]),
                        "side_logits": ("FP32", [-1, 4]), "deep_logits": ("FP32", [-1, 10]), "deep_rows": ("INT64", [-1])},
            f"metadata outputs: {outputs}")
    try:
        client.get_model_metadata("nope")
        raise AssertionError("metadata of an unknown model answered")
    except InferenceServerException as error:
        h.check("not served" in str(error), f"unknown model error: {error}")

    classes, answered, scores, side_logits, deep_rows = [], [], [], [], {}
    for start in range(0, N, B):
        x = images[start:start + B]
        binary = (start // B) % 2 == 1              # every other batch uses the binary-data extension
        shaped = x.reshape(B, 784) if not binary else x.reshape(B, 1, 28, 28)
        inp = httpclient.InferInput("input", list(shaped.shape), "FP32")
        inp.set_data_from_numpy(shaped, binary_data=binary)
        result = client.infer("fmnist", [inp], request_id=f"r{start}",
                              outputs=[httpclient.InferRequestedOutput(n, binary_data=False) for n in outputs])
        h.check(result.get_response()["id"] == f"r{start}", "request id not echoed")
        classes.append(result.as_numpy("predicted_class"))
        answered += [a.decode() if isinstance(a, bytes) else a for a in result.as_numpy("answered_by")]
        scores.append(result.as_numpy("side_score"))
        side_logits.append(result.as_numpy("side_logits"))
        for row, logit_row in zip(result.as_numpy("deep_rows"), result.as_numpy("deep_logits")):
            deep_rows[start + int(row)] = logit_row
    classes, scores, side_logits = np.concatenate(classes), np.concatenate(scores), np.concatenate(side_logits)

    # Logits equal `ebjr logits` (the same Swift kernels, another batch shape: float rounding only).
    h.check(np.abs(side_logits - side_ref).max() <= 1e-4, f"side logits differ by {np.abs(side_logits - side_ref).max()}")
    expected_scores = rule.scores(side_ref)
    h.check(np.abs(scores - expected_scores).max() <= 1e-4, "side scores differ from the NumPy energy")
    expected_classes, accepted = rule.joint(side_ref, deep_ref)
    near = np.abs(expected_scores - rule.tau) <= 1e-4     # float rounding may decide these either way
    h.check(near.sum() <= 2, f"{near.sum()} samples sit on the threshold")
    routed = np.array([a == "deep" for a in answered])
    h.check(set(answered) <= {"side", "deep"}, f"answered_by values {set(answered)}")
    h.check(np.array_equal(~routed[~near], accepted[~near]), "routing differs from the report's rule")
    h.check(np.array_equal(classes[~near], expected_classes[~near]), "classes differ from the joint model")
    h.check(0 < routed.sum() < N, f"{routed.sum()} of {N} routed: the test needs both paths")
    h.check(sorted(deep_rows) == list(np.flatnonzero(routed)), "deep_rows are not the routed samples")
    for i, row in deep_rows.items():
        h.check(np.abs(row - deep_ref[i]).max() <= 1e-4, f"deep logits of sample {i} differ from ebjr logits")
    print(f"official client: {N} samples, {routed.sum()} routed to the deep model, routing and classes as the rule "
          f"(tau {rule.tau:.4f}); logits equal ebjr logits")
finally:
    code = server.stop()
    if code != 0:
        print(server.text(), file=sys.stderr)
    h.check(code == 0, f"ebjr serve exited with {code} after SIGTERM")
