"""Fashion-MNIST loading and the reference models, shared by the PyTorch reference scripts.

Reference side only (docs/method.md §5, §6, §11): the EBJR engine itself is Swift; these helpers exist so
that the PyTorch numbers it is compared with come from the same data and the same architectures.

Data: the gzip IDX files of the Debian package `dataset-fashion-mnist`, read with numpy. Pixels are
`uint8 / 255` (float32), no other normalisation. Splits: train = first 50,000 training images,
val = last 10,000 training images, test = the 10,000 t10k images.

Models (all take a float32 batch of shape (N, 784); the CNN reshapes it to (N, 1, 28, 28)):
    cnn     conv3x3(1→32)-ReLU-conv3x3(32→64)-ReLU-maxpool2-flatten-fc(9216→128)-ReLU-fc(128→10)
    mlp     784-512-512-10 with ReLU
    side    784-32-10 with ReLU (the EBJR side model)
    logreg  784-10
    resnet20  CIFAR-style ResNet-20 (3 stages of 3 basic blocks, 16/32/64 channels, batch norm, 1x1
              projection shortcuts, global average pooling), as `preset: resnet` builds it
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
TRAIN_SIZE = 50_000


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def data_dir(explicit: str | None = None) -> str:
    """Return the Fashion-MNIST folder: `explicit`, else $EBJR_FMNIST_DIR, else the Debian path."""
    return explicit or os.environ.get("EBJR_FMNIST_DIR") or DEFAULT_DATA_DIR


def read_idx(path: str, magic: int) -> np.ndarray:
    """Read a (possibly gzip-compressed) IDX file of unsigned bytes and check its magic number.

    IDX header: big-endian uint32 magic (0x0000 0x08=uint8 ndim), then ndim big-endian uint32 sizes.
    """
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(f"{path}: IDX magic 0x{found:08x}, expected 0x{magic:08x}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(raw) - offset != count:
        raise ValueError(f"{path}: {len(raw) - offset} data bytes, header says {count}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _find(folder: str, stem: str) -> str:
    """Path of `stem` in `folder`, gzip-compressed or not."""
    for name in (stem + ".gz", stem):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(
        f"{stem}[.gz] not found in {folder} (Debian: apt-get install dataset-fashion-mnist, "
        f"or set EBJR_FMNIST_DIR / --data-dir)")


def load_raw(folder: str | None = None, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 784) uint8 and labels (N,) uint8 of the `train` (60k) or `t10k` (10k) files."""
    folder = data_dir(folder)
    images = read_idx(_find(folder, f"{kind}-images-idx3-ubyte"), IMAGE_MAGIC)
    labels = read_idx(_find(folder, f"{kind}-labels-idx1-ubyte"), LABEL_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{kind}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images.reshape(images.shape[0], -1), labels


@dataclass
class Split:
    """One split as torch tensors: x float32 (N, 784) in [0, 1], y int64 (N,)."""
    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return self.y.shape[0]


def to_split(images: np.ndarray, labels: np.ndarray) -> Split:
    """Convert uint8 images/labels to a Split (pixels / 255)."""
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255.0))
    y = torch.from_numpy(labels.astype(np.int64))
    return Split(x.contiguous(), y)


def load_splits(folder: str | None = None, names: tuple[str, ...] = ("train", "val", "test")
                ) -> dict[str, Split]:
    """Load the requested docs/method.md §5 splits (train = first 50,000, val = last 10,000, test = t10k)."""
    out: dict[str, Split] = {}
    if {"train", "val"} & set(names):
        images, labels = load_raw(folder, "train")
        if "train" in names:
            out["train"] = to_split(images[:TRAIN_SIZE], labels[:TRAIN_SIZE])
        if "val" in names:
            out["val"] = to_split(images[TRAIN_SIZE:], labels[TRAIN_SIZE:])
    if "test" in names:
        out["test"] = to_split(*load_raw(folder, "t10k"))
    return out


def batches(split: Split, batch_size: int, generator: torch.Generator | None = None,
            drop_last: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One pass over `split` in batches; shuffled when a generator is given."""
    n = len(split)
    order = torch.randperm(n, generator=generator) if generator is not None else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield split.x[start:start + batch_size], split.y[start:start + batch_size]
        else:
            idx = order[start:start + batch_size]
            yield split.x[idx], split.y[idx]


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

def make_cnn() -> nn.Module:
    """conv3x3(1→32)-ReLU-conv3x3(32→64)-ReLU-maxpool2-flatten-fc(9216→128)-ReLU-fc(128→10)."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(9216, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def make_mlp(*sizes: int) -> nn.Module:
    """Fully connected layers of the given sizes with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """conv3x3(stride s)-BN-ReLU-conv3x3-BN plus the identity or a 1x1 stride-s conv+BN projection, then ReLU.

    Parameter names match EBJR's ResidualBlock: conv1, bn1, conv2, bn2, shortcut.0 (conv), shortcut.1 (BN).
    """

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.relu(self.bn1(self.conv1(x)))
        return nn.functional.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


def make_resnet(width: int = 16, blocks_per_stage: int = 3, classes: int = 10, channels: int = 1,
                side: int = 28) -> nn.Module:
    """The EBJR `preset: resnet` model: conv3x3(C->w, no bias)-BN-ReLU, stages of w, 2w, 4w channels (stride 2 at
    the first block of stages 2 and 3), global average pooling, linear(4w->classes). Takes (N, C*side*side)
    batches like the other reference models (Unflatten first); default init of every layer, as EBJR."""
    layers: list[nn.Module] = [nn.Unflatten(1, (channels, side, side)),
                               nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    c = width
    for stage in range(3):
        w = width << stage
        for block in range(blocks_per_stage):
            layers.append(BasicBlock(c, w, 2 if stage > 0 and block == 0 else 1))
            c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes)]
    return nn.Sequential(*layers)


def augment(x: torch.Tensor, padding: int, flip: bool, generator: torch.Generator) -> torch.Tensor:
    """EBJR's ImageAugmentation on a (N, C, H, W) batch: per sample, a crop of the zero-padded image at a uniform
    offset in 0..2p (a zero-filled shift by -p..p), then a mirror of the columns with probability 1/2."""
    n, _, h, w = x.shape
    dy = torch.randint(-padding, padding + 1, (n,), generator=generator) if padding else torch.zeros(n, dtype=torch.long)
    dx = torch.randint(-padding, padding + 1, (n,), generator=generator) if padding else torch.zeros(n, dtype=torch.long)
    mirror = (torch.rand(n, generator=generator) < 0.5) if flip else torch.zeros(n, dtype=torch.bool)
    padded = nn.functional.pad(x, (padding, padding, padding, padding))
    cols = torch.arange(w).expand(n, w)
    cols = torch.where(mirror[:, None], w - 1 - cols, cols) + dx[:, None] + padding
    rows = torch.arange(h).expand(n, h) + dy[:, None] + padding
    batch = torch.arange(n)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


@dataclass(frozen=True)
class ModelSpec:
    """A reference model: JSON key, constructor, forward FLOPs per sample (docs/method.md §6), default epochs."""
    key: str
    make: Callable[[], nn.Module]
    flops: int
    epochs: int


MODELS: dict[str, ModelSpec] = {
    "cnn": ModelSpec("cnn", make_cnn, 23_984_896, 5),
    "mlp": ModelSpec("mlp-784-512-512-10", lambda: make_mlp(784, 512, 512, 10), 1_337_344, 10),
    "side": ModelSpec("side-784-32-10", lambda: make_mlp(784, 32, 10), 50_816, 10),
    "logreg": ModelSpec("logreg-784-10", lambda: make_mlp(784, 10), 15_680, 10),
    "resnet20": ModelSpec("resnet20", make_resnet, 62_043_904, 15),
}


def build(name: str, seed: int | None = None) -> nn.Module:
    """Construct model `name` (a MODELS key) with PyTorch's default init, seeded when asked."""
    if seed is not None:
        torch.manual_seed(seed)
    return MODELS[name].make()


def param_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---------------------------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------------------------

def make_optimizer(model: nn.Module, lr: float = 1e-3) -> torch.optim.Optimizer:
    """Adam with PyTorch's defaults (betas 0.9/0.999, eps 1e-8) and learning rate `lr`."""
    return torch.optim.Adam(model.parameters(), lr=lr)


def train_step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor
               ) -> torch.Tensor:
    """One Adam step on mean cross-entropy; returns the (detached) loss."""
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.detach()


def accuracy(model: nn.Module, split: Split, batch_size: int = 1000) -> float:
    """Top-1 accuracy of `model` on `split`."""
    model.eval()
    correct = 0
    with torch.inference_mode():
        for x, y in batches(split, batch_size):
            correct += int((model(x).argmax(dim=1) == y).sum())
    return correct / len(split)


def set_threads(threads: int) -> None:
    """Intra-op threads = `threads`, inter-op threads = 1 (call before any torch work)."""
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already started
        pass
