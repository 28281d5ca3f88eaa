"""Load an EBJR checkpoint into PyTorch.

EBJR checkpoints store the weights of layer-stack models (`mlp`, `cnn`, `custom` presets) under PyTorch's names and
layouts (docs/checkpoint-format.md). This module rebuilds the same architecture as a `torch.nn.Module` from the
checkpoint's `model_config` and loads the weights with a strict `load_state_dict`, so every key and shape must match.

    from ebjr_torch import load_checkpoint
    model = load_checkpoint("checkpoints/fmnist-cnn.h5")      # eval mode, float32
    logits = model(images)                                    # images: [N, *input_shape] (or [N, prod(input_shape)])

From the command line it compares its logits with a logits file written by `ebjr logits` (docs/interop.md):

    python python/ebjr_torch.py checkpoints/fmnist-cnn.h5 --split test --compare test-logits.h5

Needs torch, numpy and h5py (`scripts/torch-env.sh`). G2P (`model_kind = "g2p"`) checkpoints are not supported.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys

import h5py
import numpy as np
import torch
from torch import nn

__all__ = ["EBJRClassifier", "load_checkpoint", "read_config", "read_state_dict", "load_split", "main"]


class EBJRClassifier(nn.Module):
    """The layer stack a `model_config` describes, as `torch.nn.Sequential` under the attribute `layers`, so that its
    `state_dict()` keys are exactly the checkpoint's (`layers.0.weight`, `layers.0.bias`, ...)."""

    def __init__(self, config: dict):
        super().__init__()
        self.input_shape = tuple(int(s) for s in config["input_shape"])
        self.layers = nn.Sequential(*[_make_layer(i, layer) for i, layer in enumerate(config["layers"])])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.reshape(x.shape[0], *self.input_shape))


def _make_layer(index: int, layer: dict) -> nn.Module:
    kind = layer["type"]
    if kind == "linear":
        return nn.Linear(layer["in"], layer["out"], bias=layer.get("bias", True))
    if kind == "conv2d":
        return nn.Conv2d(layer["in_channels"], layer["out_channels"], layer["kernel_size"], stride=layer.get("stride", 1),
                         padding=layer.get("padding", 0), bias=layer.get("bias", True))
    if kind == "relu":
        return nn.ReLU()
    if kind == "tanh":
        return nn.Tanh()
    if kind == "maxpool2d":
        return nn.MaxPool2d(layer["kernel_size"], stride=layer.get("stride", layer["kernel_size"]))
    if kind == "flatten":
        return nn.Flatten()
    if kind == "dropout":
        return nn.Dropout(layer["p"])
    raise ValueError(f"model_config layer {index}: unknown type '{kind}'")


def read_config(path: str) -> dict:
    """The checkpoint's `model_config` JSON; a checkpoint of another model family is a ValueError."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "ebjr-checkpoint":
            raise ValueError(f"{path}: not an EBJR checkpoint (root attribute format is {f.attrs.get('format')!r})")
        if "model_kind" in f:
            raise ValueError(f"{path}: model_kind {f['model_kind'].asstr()[()]!r} is not a layer stack")
        if "model_config" not in f:
            raise ValueError(f"{path}: model_config is missing")
        return json.loads(f["model_config"].asstr()[()])


def read_state_dict(path: str, group: str = "model_weights") -> dict[str, torch.Tensor]:
    """The weights as a state dict: `<layer>.<weight>` for every layer of `layer_names` and weight of its
    `weight_names` (model order), float32 tensors in the stored (torch) layout."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("weight_layout") != "torch":
            raise ValueError(f"{path}: weight_layout is {f.attrs.get('weight_layout')!r}, expected 'torch'")
        weights = f[group]
        state = {}
        for layer in weights.attrs["layer_names"]:
            for name in weights[layer].attrs["weight_names"]:
                key = name if layer == "__root__" else f"{layer}.{name}"
                state[key] = torch.from_numpy(np.ascontiguousarray(weights[layer][name][()], dtype=np.float32))
        return state


def load_checkpoint(path: str) -> EBJRClassifier:
    """The checkpoint's model with its weights, loaded strictly (`load_state_dict(strict=True)` raises on any missing or
    unexpected key and on any shape mismatch), in eval mode."""
    model = EBJRClassifier(read_config(path))
    model.load_state_dict(read_state_dict(path), strict=True)
    return model.eval()


# --- Data, for comparing with `ebjr logits` -------------------------------------------------------------------------

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_TRAIN = 50_000


def _idx(path: str, header: int) -> np.ndarray:
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def load_split(split: str, fashion_mnist: str | None = None, hdf5: str | None = None,
               validation_fraction: float = 0.1) -> np.ndarray:
    """The float32 features of a split as EBJR computes them (docs/datasets.md): Fashion-MNIST IDX pixels / 255 with
    train = the first 50,000 training images and validation the rest, or an HDF5 data file (uint8 / 255, float32 as
    stored, then `(x - mean[c]) / std[c]` when the file has `mean` and `std`)."""
    if hdf5 is None:
        directory = fashion_mnist or FASHION_MNIST
        prefix = "t10k" if split == "test" else "train"
        images = _idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"), 16).reshape(-1, 1, 28, 28)
        if split == "train":
            images = images[:FASHION_MNIST_TRAIN]
        elif split == "validation":
            images = images[FASHION_MNIST_TRAIN:]
        return images.astype(np.float32) / np.float32(255)
    with h5py.File(hdf5, "r") as f:
        if split != "test" and "validation" not in f:  # validation = the last fraction of train
            images = f["train/images"][()]
            n = images.shape[0]
            held = min(max(1, int(np.floor(n * validation_fraction + 0.5))), max(n - 1, 0))
            images = images[n - held:] if split == "validation" else images[:n - held]
        else:
            images = f[f"{split}/images"][()]
        x = images.astype(np.float32) / np.float32(255) if images.dtype == np.uint8 else images.astype(np.float32)
        if "mean" in f.attrs:
            mean = np.asarray(f.attrs["mean"], np.float32).reshape(-1)
            std = np.asarray(f.attrs["std"], np.float32).reshape(-1)
            if mean.size > 1:  # one value per channel C of [N, C, H, W] images
                mean, std = mean.reshape(1, -1, 1, 1), std.reshape(1, -1, 1, 1)
            x = (x - mean) / std
        return x.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load an EBJR checkpoint into PyTorch (strict load_state_dict) and "
                                                 "compare its logits with an `ebjr logits` file.")
    parser.add_argument("checkpoint")
    parser.add_argument("--split", choices=["train", "validation", "test"], default="test")
    parser.add_argument("--fashion-mnist", help=f"Fashion-MNIST IDX folder (default {FASHION_MNIST})")
    parser.add_argument("--hdf5", help="an HDF5 data file (docs/datasets.md) instead of Fashion-MNIST")
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--compare", metavar="LOGITS_H5", help="logits file written by `ebjr logits` for the same split")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args(argv)

    torch.set_grad_enabled(False)
    model = load_checkpoint(args.checkpoint)
    print(f"{args.checkpoint}: strict load_state_dict of {len(model.state_dict())} tensors "
          f"({sum(p.numel() for p in model.parameters())} parameters) into {type(model).__name__}")
    x = load_split(args.split, args.fashion_mnist, args.hdf5, args.validation_fraction)
    logits = torch.cat([model(torch.from_numpy(x[i:i + args.batch_size])) for i in range(0, len(x), args.batch_size)]).numpy()
    print(f"{args.split}: {logits.shape[0]}x{logits.shape[1]} logits")
    if args.compare:
        with h5py.File(args.compare, "r") as f:
            reference = f["logits"][()]
        if reference.shape != logits.shape:
            print(f"{args.compare}: shape {reference.shape} differs from torch's {logits.shape}", file=sys.stderr)
            return 1
        difference = float(np.max(np.abs(reference.astype(np.float64) - logits.astype(np.float64))))
        agree = float(np.mean(reference.argmax(1) == logits.argmax(1)))
        print(f"max |torch - ebjr| = {difference:.3g}; argmax agreement {agree * 100:.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
