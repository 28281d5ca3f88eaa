import h5py

CHECKPOINT = DATA / "{{checkpoint_file}}"


def strings(value):
    """h5py returns strings as str, bytes or arrays of either: always a list of str."""
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.atleast_1d(value)]


def read_checkpoint(path):
    """The model description, the parameters by full name (`layers.0.weight`) and the class names."""
    with h5py.File(path, "r") as f:
        if strings(f.attrs.get("format", ""))[0] != "ebjr-checkpoint":
            raise ValueError(f"{path} is not an EBJR checkpoint (root attribute format = {f.attrs.get('format')!r})")
        if "model_config" not in f:
            raise ValueError(f"{path} has no model_config: its layers cannot be rebuilt")
        config = json.loads(f["model_config"].asstr()[()])
        weights = f["model_weights"]
        params = {}
        for layer in strings(weights.attrs["layer_names"]):   # model order (listing groups sorts by name)
            group = weights[layer]
            for name in strings(group.attrs["weight_names"]):
                params[name if layer == "__root__" else f"{layer}.{name}"] = np.asarray(group[name][()])
        class_names = []
        if "class_names" in f and f["class_names"].shape:    # absent or empty: no names
            class_names = strings(f["class_names"].asstr()[()])
    return config, params, class_names


def windows(h, k, stride):
    """All k×k windows of [N, C, H, W] at the given stride, as a view [N, C, H', W', k, k]."""
    return np.lib.stride_tricks.sliding_window_view(h, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]


def forward(x, config, params):
    """Logits of a batch x [N, *input_shape], layer by layer in float64 (PyTorch weight layout)."""
    h = np.asarray(x, dtype=np.float64)
    for i, layer in enumerate(config["layers"]):
        kind = layer["type"]

        def param(name):
            key = f"layers.{i}.{name}"
            if key not in params:
                raise KeyError(f"layer {i} ({kind}) needs {key}; the checkpoint has {sorted(params)}")
            return params[key].astype(np.float64)

        if kind == "linear":                                   # weight [out, in]: y = x Wᵀ + b
            h = h @ param("weight").T
            if layer.get("bias", True):
                h = h + param("bias")
        elif kind == "conv2d":                                 # weight [out, in, kh, kw], cross-correlation
            w = param("weight")
            pad, stride = layer.get("padding", 0), layer.get("stride", 1)
            if pad:
                h = np.pad(h, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            h = np.tensordot(windows(h, w.shape[2], stride), w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
            if layer.get("bias", True):
                h = h + param("bias")[None, :, None, None]
        elif kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "tanh":
            h = np.tanh(h)
        elif kind == "maxpool2d":
            k = layer["kernel_size"]
            h = windows(h, k, layer.get("stride", k)).max(axis=(4, 5))
        elif kind == "flatten":
            h = h.reshape(len(h), -1)
        elif kind == "dropout":                                # the identity at inference
            pass
        else:
            raise ValueError(f"layer {i}: unknown type {kind!r}")
    return h


def energy(logits, temperature=1.0):
    """E_T(z) = −T·log Σ exp(z/T), computed stably; lower = more confident = keep on the side model."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    m = z.max(axis=1, keepdims=True)
    return -temperature * (m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))


config, params, class_names = read_checkpoint(CHECKPOINT)
print(f"{CHECKPOINT.name}: input shape {config['input_shape']}, {len(config['layers'])} layers")
for name, value in params.items():
    print(f"  {name}: {list(value.shape)}")

# Deterministic inputs: one ramp from −1 to 1 through all values of N inputs. Replace X with real inputs of
# shape (N, *input_shape), preprocessed as in training, to see the model's own answers.
N = "{{input_count}}"
input_shape = tuple(config["input_shape"])
X = np.linspace(-1.0, 1.0, N * int(np.prod(input_shape))).reshape((N,) + input_shape).astype(np.float32)
logits = forward(X, config, params)
energies = energy(logits)
for i in range(N):
    print(f"input {i}: energy {energies[i]:.9g}, logits [{', '.join(f'{v:.9g}' for v in logits[i])}]")
names = class_names if len(class_names) == logits.shape[1] else [f"class {j}" for j in range(logits.shape[1])]
display(pd.DataFrame({"prediction": [names[j] for j in logits.argmax(axis=1)], "energy E(z)": energies}))
