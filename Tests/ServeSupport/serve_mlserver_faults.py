"""`ebjr serve --deep-url` in front of a real MLServer serving the deep CNN's ONNX export (onnx_runtime.py), then
faults from outside: bad requests, MLServer killed mid-run and started again, a flood past the queue bound,
the side-model fallback, metrics and a graceful stop.

usage: serve_mlserver_faults.py EBJR WORKDIR IMAGES_IDX_GZ
"""
import concurrent.futures
import json
import os
import shutil
import signal
import sys
import time

import numpy as np

import serve_harness as h
import serve_reference as ref

ebjr, work, images_path = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
python = sys.executable
N, B = 200, 25
images = ref.test_images(images_path, N)
side_ref = ref.logits(os.path.join(work, "side-test.h5"), N)
deep_ref = ref.logits(os.path.join(work, "deep-test.h5"), N)
report = os.path.join(work, "run", "report.json")
rule = ref.Rule(report, "side", "target-acceptance")
expected, accepted = rule.joint(side_ref, deep_ref)
near = np.abs(rule.scores(side_ref) - rule.tau) <= 1e-4

model_dir = os.path.join(work, "mlserver-models")
os.makedirs(os.path.join(model_dir, "cnn"), exist_ok=True)
shutil.copy(os.path.join(work, "deep.onnx"), os.path.join(model_dir, "cnn", "cnn.onnx"))
with open(os.path.join(model_dir, "cnn", "model-settings.json"), "w") as f:
    json.dump({"name": "cnn", "implementation": "onnx_runtime.OnnxRuntimeModel", "parameters": {"uri": "./cnn.onnx"},
               "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 1, 28, 28]}]}, f)
batch_log = os.path.join(work, "mlserver-batches.txt")
port = h.free_port()
deep_url = f"http://127.0.0.1:{port}/v2/models/cnn"


def start_mlserver(delay_ms=0):
    server = h.start_mlserver(python, model_dir, here, port, os.path.join(work, f"mlserver-{delay_ms}.log"),
                              env={"EBJR_TEST_DELAY_MS": str(delay_ms), "EBJR_BATCH_LOG": batch_log})
    h.wait_until(lambda: h.http("GET", deep_url + "/ready", timeout=2)[0] == 200, "MLServer to load the model", timeout=120)
    return server


def infer(url, x, model="fmnist", timeout=30):
    body = {"id": "t", "inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32", "data": x.ravel().tolist()}]}
    status, raw, elapsed = h.http("POST", f"{url}/v2/models/{model}/infer", body, timeout=timeout)
    return status, json.loads(raw) if raw else None, elapsed


def outputs(answer):
    return {o["name"]: o["data"] for o in answer["outputs"]}


def expect_error(status, answer, code, words):
    h.check(status == code, f"expected HTTP {code}, got {status}: {answer}")
    h.check(isinstance(answer, dict) and set(answer) == {"error"}, f"not a protocol error body: {answer}")
    for word in words:
        h.check(word in answer["error"], f"error '{answer['error']}' does not name '{word}'")


mlserver = start_mlserver()
serve, url = h.start_ebjr_serve(ebjr, ["--side", os.path.join(work, "side.h5"), "--deep-url", deep_url,
                                       "--deep-input-shape", "1,28,28", "--operating-point", report, "--side-name", "side",
                                       "--criterion", "target-acceptance", "--model-name", "fmnist",
                                       "--queue-capacity", "40", "--max-in-flight", "1", "--max-batch-size", "16",
                                       "--health-interval-ms", "200", "--deep-timeout-ms", "3000",
                                       "--max-body-bytes", "300000"], os.path.join(work, "serve-mlserver.log"))
fallback = None
try:
    h.wait_until(lambda: h.http("GET", url + "/v2/health/ready")[0] == 200, "ebjr serve to see MLServer ready", timeout=30)

    # 1. Every sample's answer equals the joint model (side logits and the ONNX deep model at the report's rule).
    answered_by, classes = [], []
    for start in range(0, N, B):
        status, answer, _ = infer(url, images[start:start + B].reshape(B, 784))
        h.check(status == 200, f"infer {status}: {answer}")
        out = outputs(answer)
        classes += out["predicted_class"]
        answered_by += out["answered_by"]
        for row, logits in zip(out["deep_rows"], np.array(out["deep_logits"]).reshape(-1, 10)):
            h.check(np.abs(logits - deep_ref[start + row]).max() <= 1e-3, "MLServer's logits differ from ebjr logits")
    classes, routed = np.array(classes), np.array([a == "deep" for a in answered_by])
    h.check(np.array_equal(classes[~near], expected[~near]), "answers differ from the joint model")
    h.check(np.array_equal(~routed[~near], accepted[~near]), "routing differs from the report's rule")
    h.check(0 < routed.sum() < N, "the test needs both paths")
    side_only = images[np.flatnonzero(accepted & ~near)[:5]].reshape(-1, 784)
    deep_only = images[np.flatnonzero(~accepted & ~near)[:5]].reshape(-1, 784)

    # 2. Bad requests: 4xx with a protocol error body naming the problem; the server keeps serving.
    post = lambda body, headers=None: h.http("POST", url + "/v2/models/fmnist/infer", body, headers)
    one = images[:1].reshape(1, 784)
    good = {"inputs": [{"name": "input", "shape": [1, 784], "datatype": "FP32", "data": one.ravel().tolist()}]}
    cases = [
        (b'{"inputs": [', 400, ["malformed", "JSON"]),
        (b'{"outputs": []}', 400, ["missing field 'inputs'"]),
        ({"inputs": [dict(good["inputs"][0], datatype="INT32")]}, 400, ["datatype INT32", "FP32"]),
        ({"inputs": [dict(good["inputs"][0], shape=[2, 392])]}, 400, ["shape [2, 392]"]),
        ({"inputs": [dict(good["inputs"][0], shape=[1, 785])]}, 400, ["shape [1, 785]"]),
        ({"inputs": [dict(good["inputs"][0], shape=[2, 784])]}, 400, ["784 values", "1568"]),
        ({"inputs": [dict(good["inputs"][0], name="pixels")]}, 400, ["missing input 'input'", "'pixels'"]),
        ({"inputs": [dict(good["inputs"][0], data=[float("nan")] + one.ravel().tolist()[1:])]}, 400, ["non-finite", "element 0"]),
        ({"inputs": [dict(good["inputs"][0], data=one.ravel().tolist()[:-1] + [float("inf")])]}, 400, ["non-finite", "element 783"]),
        ({"inputs": [dict(good["inputs"][0], data=[[v] for v in one.ravel().tolist()[:-1]] + ["x"])]}, 400, ["neither a number"]),
        ({"inputs": good["inputs"], "outputs": [{"name": "probabilities"}]}, 400, ["unknown output 'probabilities'"]),
        (json.dumps({"inputs": [{"name": "input", "shape": [60, 784], "datatype": "FP32",
                                 "data": [0.123456789] * (60 * 784)}]}).encode(), 413, ["exceeds the limit of 300000 bytes"]),
    ]
    for body, code, words in cases:
        status, raw, _ = post(body)
        expect_error(status, json.loads(raw), code, words)
    status, raw, _ = h.http("POST", url + "/v2/models/other/infer", good)
    expect_error(status, json.loads(raw), 404, ["'other'"])
    status, answer, _ = infer(url, images[:B].reshape(B, 784))
    h.check(status == 200, "not serving after bad requests")

    # 3. MLServer killed mid-run: side-answered requests still succeed, routed ones get 503 naming the backend;
    #    after a restart the router recovers by itself.
    mlserver.stop(signal.SIGKILL)
    status, answer, _ = infer(url, deep_only)
    expect_error(status, answer, 503, ["deep backend", deep_url])
    status, answer, _ = infer(url, side_only)
    h.check(status == 200 and set(outputs(answer)["answered_by"]) == {"side"}, f"side path while deep is down: {status} {answer}")
    h.wait_until(lambda: h.http("GET", url + "/v2/health/ready")[0] == 503, "readiness to drop", timeout=10)
    mlserver = start_mlserver(delay_ms=300)
    h.wait_until(lambda: h.http("GET", url + "/v2/health/ready")[0] == 200, "ebjr serve to recover", timeout=30)
    status, answer, _ = infer(url, deep_only)
    h.check(status == 200 and set(outputs(answer)["answered_by"]) == {"deep"}, f"after recovery: {status} {answer}")

    # 4. Flood past the queue bound (40 samples, 1 batch in flight, 300 ms per deep call): every request is answered,
    #    200 or 429 with a protocol error body, the refusals at once; then it serves again.
    flood = images[np.flatnonzero(~accepted & ~near)[:8]].reshape(-1, 784)
    with concurrent.futures.ThreadPoolExecutor(24) as pool:
        results = list(pool.map(lambda _: infer(url, flood, timeout=60), range(24)))
    codes = [r[0] for r in results]
    h.check(set(codes) <= {200, 429}, f"flood answered {sorted(set(codes))}")
    h.check(codes.count(429) >= 1 and codes.count(200) >= 1, f"flood: {codes.count(200)} ok, {codes.count(429)} refused")
    for status, answer, elapsed in results:
        if status == 429:
            expect_error(status, answer, 429, ["overloaded", "queue"])
            h.check(elapsed < 1.0, f"a refusal took {elapsed:.2f}s")
    status, answer, _ = infer(url, deep_only)
    h.check(status == 200, "not serving after the flood")
    sizes = [int(s) for s in open(batch_log).read().split()]
    h.check(max(sizes) > len(flood), f"no dynamic batching under the flood: MLServer saw batch sizes {sorted(set(sizes))}")

    # 5. Metrics.
    status, raw, _ = h.http("GET", url + "/metrics")
    text = raw.decode()
    for name in ['ebjr_requests_total{status="200"}', 'ebjr_requests_total{status="429"}', 'ebjr_requests_total{status="400"}',
                 'ebjr_samples_total{answered_by="side"}', 'ebjr_samples_total{answered_by="deep"}', "ebjr_routed_fraction",
                 "ebjr_deep_batch_size_bucket", "ebjr_queue_depth", 'ebjr_request_duration_seconds_bucket{answered_by="side"',
                 "ebjr_deep_backend_ready 1"]:
        h.check(name in text, f"/metrics lacks {name}")

    # 6. --on-deep-failure side: with the deep server unreachable, routed samples are answered by the side model,
    #    marked side_fallback, and the response is degraded.
    fallback, fallback_url = h.start_ebjr_serve(ebjr, ["--side", os.path.join(work, "side.h5"), "--deep-url",
                                                       f"http://127.0.0.1:{h.free_port()}/v2/models/cnn",
                                                       "--deep-input-shape", "1,28,28", "--operating-point", report,
                                                       "--side-name", "side", "--criterion", "target-acceptance",
                                                       "--model-name", "fmnist", "--on-deep-failure", "side"],
                                                os.path.join(work, "serve-fallback.log"))
    status, answer, _ = infer(fallback_url, deep_only)
    h.check(status == 200 and answer["parameters"]["degraded"] is True, f"fallback: {status} {answer}")
    h.check(set(outputs(answer)["answered_by"]) == {"side_fallback"}, "fallback samples not marked")
    h.check(fallback.stop() == 0, "fallback server did not stop cleanly")
    fallback = None

    # 7. SIGTERM while requests are in flight: they finish, then it exits 0.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        pending = [pool.submit(infer, url, deep_only, "fmnist", 30) for _ in range(4)]
        time.sleep(0.1)
        serve.send(signal.SIGTERM)
        finished = [p.result()[0] for p in pending]
    h.check(all(code in (200, 503) for code in finished), f"in-flight requests at shutdown: {finished}")
    h.check(finished.count(200) >= 1, f"no in-flight request finished at shutdown: {finished}")
    code = serve.stop()
    h.check(code == 0, f"ebjr serve exited with {code} after SIGTERM")
    print(f"MLServer: {N} samples as the joint model ({routed.sum()} routed); {len(cases) + 1} bad requests refused; "
          f"kill/restart recovered; flood {codes.count(200)} ok / {codes.count(429)} refused, MLServer batch sizes up to {max(sizes)}")
except BaseException:
    print(serve.text()[-4000:], file=sys.stderr)
    raise
finally:
    for server in (serve, mlserver, fallback):
        if server is not None:
            server.stop()
