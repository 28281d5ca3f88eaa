#!/usr/bin/env python3
"""Train the docs/method.md §11 reference models with PyTorch (CPU) and print their accuracies as JSON.

Reference and comparison only: the EBJR engine is Swift. Same data and protocol as §11: seed 0,
train = first 50,000 training images, val = last 10,000, test = t10k; Adam lr 1e-3, batch 128,
mean cross-entropy, shuffled every epoch; default epochs CNN 5, MLPs and logistic regression 10.

Usage:
    PY=$(scripts/torch-env.sh | tail -1)
    "$PY" benchmarks/pytorch_train_reference.py --model side --model logreg
    "$PY" benchmarks/pytorch_train_reference.py --model cnn --epochs 5 --threads 2

Output (stdout, one JSON object; progress goes to stderr):
    {"models": {"side-784-32-10": {"test_acc": 0.857, "val_acc": 0.867, "epochs": 10,
                                   "params": 25450, "flops": 50816, "train_seconds": 12.3,
                                   "val_acc_per_epoch": [...]}, ...},
     "meta": {"torch": "2.15.0", "threads": 2, "seed": 0, "batch": 128, "lr": 0.001, ...}}
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch

import fmnist


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append", choices=sorted(fmnist.MODELS) + ["all"],
                   help="model to train (repeatable; default: side and logreg; 'all' = every model)")
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs for every selected model (default: CNN 5, others 10)")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed for init and shuffling (default 0)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--data-dir", default=None, help="folder of the IDX files "
                   f"(default $EBJR_FMNIST_DIR or {fmnist.DEFAULT_DATA_DIR})")
    args = p.parse_args(argv)
    if not args.model:
        args.model = ["side", "logreg"]
    elif "all" in args.model:
        args.model = list(fmnist.MODELS)
    if args.epochs is not None and args.epochs < 1:
        p.error("--epochs must be at least 1")
    return args


def train_model(name: str, epochs: int, data: dict[str, fmnist.Split], args: argparse.Namespace
                ) -> dict:
    """Train model `name` from seed `args.seed`; return its accuracies and costs."""
    spec = fmnist.MODELS[name]
    model = fmnist.build(name, seed=args.seed)
    opt = fmnist.make_optimizer(model, args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    val_curve = []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total, steps = 0.0, 0
        for x, y in fmnist.batches(data["train"], args.batch, gen):
            total += float(fmnist.train_step(model, opt, x, y))
            steps += 1
        val_curve.append(fmnist.accuracy(model, data["val"]))
        print(f"{spec.key}: epoch {epoch}/{epochs} loss {total / steps:.4f} "
              f"val {val_curve[-1]:.4f} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    seconds = time.perf_counter() - start
    return {
        "test_acc": fmnist.accuracy(model, data["test"]),
        "val_acc": val_curve[-1],
        "epochs": epochs,
        "params": fmnist.param_count(model),
        "flops": spec.flops,
        "train_seconds": round(seconds, 2),
        "val_acc_per_epoch": val_curve,
    }


def main(argv: list[str] | None = None) -> int:
    """Train each selected model and print the JSON report."""
    args = parse_args(argv)
    fmnist.set_threads(args.threads)
    data = fmnist.load_splits(args.data_dir)
    report = {"models": {}, "meta": {
        "torch": torch.__version__, "threads": torch.get_num_threads(), "seed": args.seed,
        "batch": args.batch, "lr": args.lr, "optimizer": "Adam", "loss": "cross-entropy (mean)",
        "split": "train = first 50,000, val = last 10,000, test = t10k",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }}
    for name in args.model:
        epochs = args.epochs or fmnist.MODELS[name].epochs
        report["models"][fmnist.MODELS[name].key] = train_model(name, epochs, data, args)
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
