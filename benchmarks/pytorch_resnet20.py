#!/usr/bin/env python3
"""Train recipes/fmnist-resnet20.yaml's ResNet-20 with PyTorch (CPU) and print its test accuracy and samples/s.

Reference and comparison only: the EBJR engine is Swift. The same recipe as `ebjr train recipes/fmnist-resnet20.yaml`:
- data: Fashion-MNIST, pixels / 255, train = first 50,000 training images, val = last 10,000, test = t10k;
- model: fmnist.make_resnet (conv3x3-BN-ReLU stem, 3 stages x 3 basic blocks of 16/32/64 channels, 1x1 conv+BN
  projection shortcuts, global average pooling, linear 64->10), PyTorch's default initialisation (EBJR's too);
- optimizer: SGD lr 0.1, momentum 0.9, weight decay 5e-4 (L2 added to the gradient, every parameter);
- schedule: cosine from 0.1 to 0 over all steps, updated every step: lr_t = lr0 (1 + cos(pi t / T)) / 2;
- batches of 128, reshuffled every epoch, last partial batch kept; mean cross-entropy;
- augmentation per training batch: a zero-filled random shift by -4..4 pixels (crop of the 4-padded image), then a
  horizontal flip with probability 1/2 (fmnist.augment, the same rule as EBJR's ImageAugmentation);
- 15 epochs; the last epoch's weights are evaluated (batch norm with running statistics).
Random streams differ from EBJR's (seeded torch generators), so accuracies agree only statistically.

Usage:
    PY=$(scripts/torch-env.sh | tail -1)
    "$PY" benchmarks/pytorch_resnet20.py --threads 2                       # the full recipe
    "$PY" benchmarks/pytorch_resnet20.py --epochs 1 --train-limit 512      # a smoke test

Output (stdout, one JSON object; progress on stderr):
    {"test_acc": 0.93, "val_acc": 0.93, "epochs": 15, "train_samples_per_s": 800.0, "train_seconds": ...,
     "val_acc_per_epoch": [...], "params": 272186, "meta": {...}}
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import torch
from torch import nn

import fmnist


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (defaults: the recipe's values)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=15, help="epochs (default 15, as the recipe)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument("--lr", type=float, default=0.1, help="initial learning rate (default 0.1)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=float, default=5e-4, help="L2 weight decay (default 5e-4)")
    p.add_argument("--padding", type=int, default=4, help="random-crop padding (default 4; 0 = no crop)")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips")
    p.add_argument("--width", type=int, default=16, help="channels of the first stage (default 16)")
    p.add_argument("--blocks-per-stage", type=int, default=3, help="residual blocks per stage (default 3)")
    p.add_argument("--train-limit", type=int, default=None, help="train on the first N training images only")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of init, shuffling and augmentation (default 0)")
    p.add_argument("--data-dir", default=None, help="folder of the IDX files "
                   f"(default $EBJR_FMNIST_DIR or {fmnist.DEFAULT_DATA_DIR})")
    args = p.parse_args(argv)
    for name in ("epochs", "batch", "width", "blocks_per_stage"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.padding < 0 or (args.train_limit is not None and args.train_limit < 1):
        p.error("--padding must be >= 0 and --train-limit >= 1")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fmnist.set_threads(args.threads)
    data = fmnist.load_splits(args.data_dir)
    train = data["train"]
    if args.train_limit is not None:
        train = fmnist.Split(train.x[:args.train_limit], train.y[:args.train_limit])
    torch.manual_seed(args.seed)
    model = fmnist.make_resnet(args.width, args.blocks_per_stage)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(train) / args.batch)
    total = args.epochs * steps_per_epoch
    shuffle = torch.Generator().manual_seed(args.seed)
    noise = torch.Generator().manual_seed(args.seed + 1)
    step, seconds, samples, val_per_epoch = 0, 0.0, 0, []
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        loss_sum = 0.0
        for x, y in fmnist.batches(train, args.batch, shuffle):
            for group in opt.param_groups:
                group["lr"] = args.lr * (1 + math.cos(math.pi * min(step, total) / total)) / 2
            images = fmnist.augment(x.view(-1, 1, 28, 28), args.padding, not args.no_flip, noise)
            loss = fmnist.train_step(model, opt, images.flatten(1), y)
            loss_sum += float(loss) * len(y)
            step += 1
        elapsed = time.perf_counter() - start
        seconds += elapsed
        samples += len(train)
        val = fmnist.accuracy(model, data["val"])
        val_per_epoch.append(round(val, 4))
        log(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / len(train):.4f}, "
            f"{len(train) / elapsed:.0f} samples/s, validation accuracy {100 * val:.2f}%")
    report = {
        "test_acc": round(fmnist.accuracy(model, data["test"]), 4),
        "val_acc": val_per_epoch[-1],
        "epochs": args.epochs,
        "train_samples_per_s": round(samples / max(seconds, 1e-9), 1),
        "train_seconds": round(seconds, 1),
        "val_acc_per_epoch": val_per_epoch,
        "params": fmnist.param_count(model),
        "meta": {"torch": torch.__version__, "threads": args.threads, "seed": args.seed, "batch": args.batch,
                 "lr": args.lr, "momentum": args.momentum, "weight_decay": args.weight_decay,
                 "padding": args.padding, "flip": not args.no_flip, "train_samples": len(train)},
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
