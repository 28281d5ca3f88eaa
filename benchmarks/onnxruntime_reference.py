#!/usr/bin/env python3
"""ONNX Runtime CPU reference numbers for `ebjr bench` (the engine models are deployed on, on a CPU).

`ebjr bench` exports its own benchmark models (same architectures and weights as the Swift rows) with the
toolkit's ONNX exporter into --models DIR as <key>.onnx, then runs this script. It prints ONE JSON object on
stdout (progress on stderr) with the keys of `benchmarks/pytorch_reference.py`:

    latency_b1_us      {"<key>": {"median": µs, "p90": µs, "calls": n}}: single `InferenceSession.run` calls,
                       each on a different Fashion-MNIST test image;
    throughput_b256    {"<key>": samples/s}: batch-256 `run` calls over the test split (median of passes);
    meta               onnxruntime version, threads, and `call_overhead_us`.

Timing covers the session call only: the input arrays are prepared (float32, C-contiguous, the right shape)
before the clock starts, and outputs are not converted or copied after it. What a Python caller cannot avoid
is the Python -> C++ crossing of `run`; `meta.call_overhead_us` measures it (the median batch-1 latency of a
one-node Identity graph on the same input), so a reader can subtract it: at batch 1 it is a visible share of a
small model's time.

Sessions use `intra_op_num_threads = --threads`, `inter_op_num_threads = 1`, sequential execution and all
graph optimisations (ORT_ENABLE_ALL), as a deployment would.

Usage (normally started by `ebjr bench`):
    python benchmarks/onnxruntime_reference.py --models DIR --threads 2 --data-dir /usr/share/datasets/fashion-mnist
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def log(message: str) -> None:
    print(f"onnxruntime_reference: {message}", file=sys.stderr, flush=True)


def read_images(data_dir: str) -> np.ndarray:
    """Fashion-MNIST test images as float32 in [0, 1], shape [N, 784]."""
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            count = int.from_bytes(raw[4:8], "big")
            pixels = np.frombuffer(raw, dtype=np.uint8, offset=16, count=count * 784)
            return (pixels.astype(np.float32) / 255.0).reshape(count, 784)
    raise SystemExit(f"onnxruntime_reference: no Fashion-MNIST test images in {data_dir}")


def session(path: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def identity_model(path: str) -> None:
    """A one-node Identity graph on [batch, 784] float32 (to measure the Python call overhead)."""
    from onnx import TensorProto, helper, save

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 784])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 784])
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "identity", [x], [y])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


def latency(run, inputs: list[np.ndarray], calls: int, max_seconds: float) -> dict:
    for i in range(min(50, calls)):
        run(inputs[i % len(inputs)])
    samples = []
    deadline = time.perf_counter() + max_seconds
    for i in range(calls):
        x = inputs[i % len(inputs)]
        start = time.perf_counter_ns()
        run(x)
        samples.append((time.perf_counter_ns() - start) / 1000)
        if time.perf_counter() > deadline and len(samples) >= 20:
            break
    samples.sort()
    return {"median": statistics.median(samples), "p90": samples[min(len(samples) - 1, int(len(samples) * 0.9))],
            "calls": len(samples)}


def throughput(run, batches: list[np.ndarray], passes: int, max_seconds: float) -> float:
    run(batches[0])
    rates = []
    for _ in range(passes):
        done, start = 0, time.perf_counter()
        for batch in batches:
            run(batch)
            done += batch.shape[0]
            if time.perf_counter() - start > max_seconds:
                break
        rates.append(done / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True, help="directory with <key>.onnx and shapes.json")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--only", action="append", choices=["latency", "throughput"], default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-pass-seconds", type=float, default=2.0)
    args = parser.parse_args()
    sections = args.only or ["latency", "throughput"]

    with open(os.path.join(args.models, "shapes.json")) as f:
        shapes = json.load(f)  # {"<key>": [sample shape]}
    images = read_images(args.data_dir)
    result: dict = {"meta": {"onnxruntime": ort.__version__, "threads": args.threads,
                             "loadavg_before": os.getloadavg()[0]}}

    identity_path = os.path.join(args.models, "identity.onnx")
    identity_model(identity_path)
    probe = session(identity_path, args.threads)
    one = [np.ascontiguousarray(images[i:i + 1]) for i in range(1000)]
    result["meta"]["call_overhead_us"] = latency(lambda x: probe.run(None, {"input": x}), one, 2000, args.max_pass_seconds)["median"]

    for key, shape in shapes.items():
        sess = session(os.path.join(args.models, f"{key}.onnx"), args.threads)
        name = sess.get_inputs()[0].name
        run = lambda x, sess=sess, name=name: sess.run(None, {name: x})
        if "latency" in sections:
            calls = 200 if args.quick else (500 if len(shape) > 1 else 2000)
            inputs = [np.ascontiguousarray(images[i:i + 1].reshape([1] + shape)) for i in range(1000)]
            stats = latency(run, inputs, calls, args.max_pass_seconds)
            result.setdefault("latency_b1_us", {})[key] = stats
            log(f"latency {key}: {stats['median']:.1f} µs (p90 {stats['p90']:.1f})")
        if "throughput" in sections:
            count = 2560 if args.quick else len(images)
            batches = [np.ascontiguousarray(images[i:i + 256].reshape([-1] + shape)) for i in range(0, count, 256)]
            rate = throughput(run, batches, 1 if args.quick else 3, args.max_pass_seconds)
            result.setdefault("throughput_b256", {})[key] = rate
            log(f"throughput {key}: {rate:.0f} samples/s")
    result["meta"]["loadavg_after"] = os.getloadavg()[0]
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
