#!/usr/bin/env python3
"""PyTorch CPU reference numbers for the EBJR engine benchmark (the numbers to beat, docs/method.md §11).

Runs torch on the CPU with `--threads N` intra-op threads and 1 inter-op thread and prints ONE JSON
object on stdout (progress goes to stderr). Models are the shared definitions of benchmarks/fmnist.py;
training uses real Fashion-MNIST batches (pixels uint8 / 255) read from the gzip IDX files.

Usage:
    PY=$(scripts/torch-env.sh | tail -1)
    "$PY" benchmarks/pytorch_reference.py --threads 2 > pytorch-2t.json
    "$PY" benchmarks/pytorch_reference.py --threads 1 --quick

JSON keys (every number is a median over --passes timed passes unless said otherwise):
    train              samples/s of training steps (Adam lr 1e-3, batch 128, mean cross-entropy, forward +
                       backward + optimizer step), keys "cnn", "mlp-784-512-512-10", "side-784-32-10",
                       "logreg-784-10", "resnet20" (in training mode: batch statistics). Each pass runs --steps steps after warm-up steps; batches are
                       drawn (shuffled, seed 0) from the first 50,000 training images and prepared before
                       timing, so data loading is not timed.
    latency_b1_us      batch-1 inference latency in µs, {"median": .., "p90": .., "calls": n} over single calls
                       (eager, torch.inference_mode(), a different test image every call), keys:
                       "side+energy+route"  side MLP 784-32-10, energy = -logsumexp(logits), and the
                                            routing decision `energy > threshold` as a Python bool;
                       "side-784-32-10", "mlp-784-512-512-10", "cnn", "resnet20"  forward pass only.
    throughput_b256    samples/s of batch-256 inference (same models and keys; for "side+energy+route"
                       the decision is a bool tensor of 256 entries).
    gemm_gflops        GFLOP/s (2·M·K·N / time) of float32 torch.matmul into a preallocated output,
                       key "MxKxN" for (M×K)·(K×N):
                       "128x784x512"  (128×784)·(784×512)   MLP layer-1 forward at batch 128
                       "128x512x512"  (128×512)·(512×512)   MLP layer-2 forward
                       "512x128x784"  Aᵀ·B with A 128×512, B 128×784 (A is a transposed view):
                                      weight-gradient shape
                       "128x512x784"  (128×512)·(512×784)   input-gradient shape
                       "1x784x32"     (1×784)·(784×32)      side-model layer 1 at batch 1
    gemm_openblas_gflops  the same shapes through NumPy's float32 matmul, which calls OpenBLAS sgemm (NumPy's
                       wheels bundle OpenBLAS), with OpenBLAS limited to --threads threads by threadpoolctl:
                       the "OpenBLAS sgemm" reference of the performance issue, measured in the same run
    passes             per-pass values behind the medians of "train", "throughput_b256", "gemm_gflops",
                       "gemm_openblas_gflops"
    meta               torch and numpy versions, the BLAS behind NumPy ("blas": threadpoolctl's description), threads, interop_threads, cpu_model, cpu_capability,
                       date (UTC), load averages before and after, and the settings used.

Defaults take under a minute at 2 threads on a quiet machine; --quick takes a few seconds. Passes,
warm-ups and latency loops are capped in time (--max-pass-seconds), so a contended machine (where
PyTorch's 2-thread OpenMP runs collapse by 10x or more) still finishes in about two minutes, with fewer
steps: check meta.loadavg_before and the per-pass spread before trusting a run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from typing import Callable

import numpy as np
import torch

import fmnist

BATCH_TRAIN = 128
BATCH_INFER = 256
ENERGY_THRESHOLD = -5.0  # any fixed value: only the cost of the comparison matters here
DEFAULT_STEPS = {"cnn": 25, "mlp": 100, "side": 400, "logreg": 400, "resnet20": 10}
GEMM_SHAPES = [  # (key, M, K, N, A transposed)
    ("128x784x512", 128, 784, 512, False),
    ("128x512x512", 128, 512, 512, False),
    ("512x128x784", 512, 128, 784, True),
    ("128x512x784", 128, 512, 784, False),
    ("1x784x32", 1, 784, 32, False),
]


def log(msg: str) -> None:
    """Progress message on stderr."""
    print(f"pytorch_reference: {msg}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--passes", type=int, default=None, help="timed passes per measurement (default 5, quick 2)")
    p.add_argument("--steps", type=int, default=None,
                   help="training steps per pass for every model (default: CNN 25, MLP 100, "
                        "side and logreg 400; quick: a fifth)")
    p.add_argument("--latency-iters", type=int, default=None,
                   help="batch-1 calls timed per model (default 2000, CNN 500; quick 200)")
    p.add_argument("--pass-seconds", type=float, default=None,
                   help="target duration of one throughput or GEMM pass (default 0.25, quick 0.05)")
    p.add_argument("--max-pass-seconds", type=float, default=None,
                   help="cap on one training pass or warm-up (latency: twice this per model); keeps a "
                        "run on a contended machine short (default 2, quick 0.5)")
    p.add_argument("--quick", action="store_true", help="short run (smoke test; noisy numbers)")
    p.add_argument("--only", action="append",
                   choices=["train", "latency", "throughput", "gemm"],
                   help="run only these sections (repeatable; default all)")
    p.add_argument("--data-dir", default=None, help="folder of the IDX files "
                   f"(default $EBJR_FMNIST_DIR or {fmnist.DEFAULT_DATA_DIR})")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be at least 1")
    args.passes = args.passes or (2 if args.quick else 5)
    args.pass_seconds = args.pass_seconds or (0.05 if args.quick else 0.25)
    args.max_pass_seconds = args.max_pass_seconds or (0.5 if args.quick else 2.0)
    args.only = args.only or ["train", "latency", "throughput", "gemm"]
    return args


# ---------------------------------------------------------------------------------------------
# Timing helpers
# ---------------------------------------------------------------------------------------------

def time_call(fn: Callable[[], object]) -> float:
    """Seconds taken by one call of `fn`."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def calibrate(fn: Callable[[], object], target_s: float) -> int:
    """Number of calls of `fn` that take about `target_s` seconds (at least 1)."""
    fn()  # warm-up
    calls, elapsed = 1, time_call(fn)
    while elapsed < target_s / 4 and calls < 1 << 20:
        calls *= 2
        elapsed = time_call(lambda: [fn() for _ in range(calls)])
    return max(1, round(calls * target_s / max(elapsed, 1e-9)))


def run_capped(fn: Callable[[], object], calls: int, max_s: float) -> tuple[int, float]:
    """Call `fn` up to `calls` times, stopping early once `max_s` seconds have passed.

    Returns (calls made, seconds). The cap keeps the run short when the machine is contended.
    """
    start = time.perf_counter()
    done, elapsed = 0, 0.0
    while done < calls:
        fn()
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed > max_s:
            break
    return done, elapsed


def rate_passes(fn: Callable[[], object], calls: int, work_per_call: float, passes: int,
                max_s: float = float("inf")) -> list[float]:
    """Work per second over `passes` passes of up to `calls` consecutive calls (each pass capped at `max_s`)."""
    rates = []
    for _ in range(passes):
        done, elapsed = run_capped(fn, calls, max_s)
        rates.append(done * work_per_call / elapsed)
    return rates


def median(values: list[float]) -> float:
    """Median, rounded for the report."""
    return round(statistics.median(values), 3)


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------

def bench_train(train: fmnist.Split, args: argparse.Namespace) -> tuple[dict, dict]:
    """Training samples/s per model: median over passes of --steps Adam steps at batch 128."""
    gen = torch.Generator().manual_seed(0)
    shuffled = fmnist.batches(train, BATCH_TRAIN, gen, drop_last=True)
    pool = [(x.contiguous(), y) for x, y in itertools.islice(shuffled, 64)]
    result, passes = {}, {}
    for name, spec in fmnist.MODELS.items():
        steps = args.steps or max(2, DEFAULT_STEPS[name] // (5 if args.quick else 1))
        model = fmnist.build(name, seed=0)
        model.train()
        opt = fmnist.make_optimizer(model)
        cursor = [0]

        def step() -> None:
            x, y = pool[cursor[0] % len(pool)]
            cursor[0] += 1
            fmnist.train_step(model, opt, x, y)

        run_capped(step, max(3, steps // 5), args.max_pass_seconds)  # warm-up
        rates = rate_passes(step, steps, BATCH_TRAIN, args.passes, args.max_pass_seconds)
        result[spec.key], passes[spec.key] = median(rates), [round(r, 1) for r in rates]
        log(f"train {spec.key}: {result[spec.key]:,.0f} samples/s ({steps} steps x {args.passes})")
    return result, passes


def side_route(side: torch.nn.Module) -> Callable[[torch.Tensor], object]:
    """Side forward + energy score (-logsumexp) + routing decision; a bool for batch 1."""
    def route(x: torch.Tensor) -> object:
        energy = -torch.logsumexp(side(x), dim=1)
        if energy.shape[0] == 1:
            return energy.item() > ENERGY_THRESHOLD
        return energy > ENERGY_THRESHOLD
    return route


def inference_fns() -> dict[str, Callable[[torch.Tensor], object]]:
    """The timed inference functions (untrained weights: the cost does not depend on them)."""
    models = {name: fmnist.build(name, seed=0).eval() for name in ("side", "mlp", "cnn", "resnet20")}
    return {
        "side+energy+route": side_route(models["side"]),
        "side-784-32-10": models["side"],
        "mlp-784-512-512-10": models["mlp"],
        "cnn": models["cnn"],
        "resnet20": models["resnet20"],
    }


def bench_latency(test: fmnist.Split, args: argparse.Namespace) -> dict:
    """Batch-1 latency (median, p90 in µs) over single calls, each on a different test image."""
    inputs = [test.x[i:i + 1].clone() for i in range(1000)]
    result = {}
    with torch.inference_mode():
        for key, fn in inference_fns().items():
            default = {"cnn": 500, "resnet20": 200}.get(key, 2000)
            iters = args.latency_iters or ((50 if key == "resnet20" else 200) if args.quick else default)
            run_capped(lambda: fn(inputs[0]), max(20, iters // 10), args.max_pass_seconds)  # warm-up
            samples = []
            deadline = time.perf_counter() + 2 * args.max_pass_seconds
            for i in range(iters):
                x = inputs[i % len(inputs)]
                start = time.perf_counter_ns()
                fn(x)
                samples.append((time.perf_counter_ns() - start) / 1e3)
                if time.perf_counter() > deadline and len(samples) >= 20:
                    break
            result[key] = {"median": round(float(np.median(samples)), 2),
                           "p90": round(float(np.percentile(samples, 90)), 2),
                           "calls": len(samples)}
            log(f"latency b1 {key}: median {result[key]['median']} us, p90 {result[key]['p90']} us")
    return result


def bench_throughput(test: fmnist.Split, args: argparse.Namespace) -> tuple[dict, dict]:
    """Batch-256 inference samples/s, cycling over test batches."""
    pool = [x.contiguous() for x, _ in fmnist.batches(test, BATCH_INFER, drop_last=True)]
    result, passes = {}, {}
    with torch.inference_mode():
        for key, fn in inference_fns().items():
            cursor = [0]

            def call() -> None:
                fn(pool[cursor[0] % len(pool)])
                cursor[0] += 1

            calls = calibrate(call, args.pass_seconds)
            rates = rate_passes(call, calls, BATCH_INFER, args.passes)
            result[key], passes[key] = median(rates), [round(r, 1) for r in rates]
            log(f"throughput b256 {key}: {result[key]:,.0f} samples/s")
    return result, passes


def gemm_rates(args: argparse.Namespace, label: str, operands: Callable, matmul: Callable) -> tuple[dict, dict]:
    """GFLOP/s of `matmul(a, b, out)` at GEMM_SHAPES; `operands(m, k, n, trans_a)` gives (a, b, out)."""
    result, passes = {}, {}
    for key, m, k, n, trans_a in GEMM_SHAPES:
        a, b, out = operands(m, k, n, trans_a)

        def call() -> None:
            matmul(a, b, out)

        calls = calibrate(call, args.pass_seconds)
        rates = rate_passes(call, calls, 2.0 * m * k * n / 1e9, args.passes)
        result[key], passes[key] = median(rates), [round(r, 2) for r in rates]
        log(f"gemm{label} {key}{' (A transposed)' if trans_a else ''}: {result[key]:.1f} GFLOP/s")
    return result, passes


def bench_gemm(args: argparse.Namespace) -> tuple[dict, dict]:
    """float32 torch.matmul GFLOP/s at the MLP step shapes (preallocated output)."""
    gen = torch.Generator().manual_seed(0)

    def operands(m: int, k: int, n: int, trans_a: bool):
        a = torch.randn(k, m, generator=gen).t() if trans_a else torch.randn(m, k, generator=gen)
        return a, torch.randn(k, n, generator=gen), torch.empty(m, n)

    with torch.inference_mode():
        return gemm_rates(args, "", operands, lambda a, b, out: torch.matmul(a, b, out=out))


def numpy_blas(threads: int):
    """threadpoolctl's limiter for NumPy's BLAS at `threads` threads and its description (None without
    threadpoolctl: then OpenBLAS uses $OPENBLAS_NUM_THREADS, which `ebjr bench` sets)."""
    try:
        import threadpoolctl
    except ImportError:
        return None, {"threadpoolctl": "missing", "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    limiter = threadpoolctl.threadpool_limits(limits=threads, user_api="blas")
    infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    return limiter, [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture", "filepath")}
                     for i in infos]


def bench_gemm_openblas(args: argparse.Namespace) -> tuple[dict, dict, object]:
    """float32 NumPy matmul (OpenBLAS sgemm) GFLOP/s at the same shapes, preallocated output, --threads threads."""
    limiter, blas = numpy_blas(args.threads)
    rng = np.random.default_rng(0)

    def operands(m: int, k: int, n: int, trans_a: bool):
        a = rng.standard_normal((k, m), dtype=np.float32).T if trans_a else rng.standard_normal((m, k), dtype=np.float32)
        return a, rng.standard_normal((k, n), dtype=np.float32), np.empty((m, n), dtype=np.float32)

    try:
        result, passes = gemm_rates(args, " (NumPy/OpenBLAS)", operands, lambda a, b, out: np.matmul(a, b, out=out))
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    return result, passes, blas


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (or the platform's description)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def metadata(args: argparse.Namespace, load_before: list[float]) -> dict:
    """Versions, machine and settings."""
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        capability = None
    return {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_capability": capability,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "loadavg_before": load_before,
        "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        "settings": {"passes": args.passes, "steps": args.steps, "quick": args.quick,
                     "pass_seconds": args.pass_seconds,
                     "max_pass_seconds": args.max_pass_seconds, "latency_iters": args.latency_iters,
                     "batch_train": BATCH_TRAIN, "batch_infer": BATCH_INFER,
                     "optimizer": "Adam lr 1e-3 (torch defaults)", "dtype": "float32"},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the selected sections and print the JSON report."""
    args = parse_args(argv)
    fmnist.set_threads(args.threads)
    load_before = [round(v, 2) for v in os.getloadavg()]
    started = time.perf_counter()
    need = {"train"} if "train" in args.only else set()
    if {"latency", "throughput"} & set(args.only):
        need.add("test")
    data = fmnist.load_splits(args.data_dir, tuple(sorted(need))) if need else {}
    log(f"torch {torch.__version__}, {torch.get_num_threads()} threads, data loaded "
        f"({time.perf_counter() - started:.1f} s)")

    report: dict = {}
    passes: dict = {}
    if "train" in args.only:
        report["train"], passes["train"] = bench_train(data["train"], args)
    if "latency" in args.only:
        report["latency_b1_us"] = bench_latency(data["test"], args)
    if "throughput" in args.only:
        report["throughput_b256"], passes["throughput_b256"] = bench_throughput(data["test"], args)
    if "gemm" in args.only:
        report["gemm_gflops"], passes["gemm_gflops"] = bench_gemm(args)
        report["gemm_openblas_gflops"], passes["gemm_openblas_gflops"], blas = bench_gemm_openblas(args)
    report["passes"] = passes
    report["meta"] = metadata(args, load_before)
    if "gemm" in args.only:
        report["meta"]["blas"] = blas
    report["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    log(f"done in {report['meta']['seconds']} s")
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
