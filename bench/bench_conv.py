"""ember against PyTorch on the convolutions of small CNNs, one and two threads, in one run.

    python bench/bench_conv.py [--quick] [--threads 1 2] [--parts]

Each figure is the best of several samples (the least disturbed by neighbours on a shared machine);
the peers' samples are interleaved (ember, torch, ember, ...). --parts also times the backward
for the input alone and the weight alone. See bench/README.md.
"""
import os

# Thread counts are read when the libraries load; the bench sets them per case afterwards.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "EMBER_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402

import numpy as np  # noqa: E402

import ember  # noqa: E402
from timing import interleaved  # noqa: E402

try:
    import torch
except ImportError:  # the bench still reports ember alone
    torch = None

# (label, input shape, conv2d out_channels, kernel, padding): float32, batch 64.
CASES = [
    ("digits_cnn conv1 1->16 3x3 8x8", (64, 1, 8, 8), 16, 3, 1),
    ("digits_cnn conv2 16->32 3x3 4x4", (64, 16, 4, 4), 32, 3, 1),
    ("LeNet-5/28 conv1 1->6 5x5 p2", (64, 1, 28, 28), 6, 5, 2),
    ("LeNet-5/32 conv1 1->6 5x5", (64, 1, 32, 32), 6, 5, 0),
    ("LeNet-5 conv2 6->16 5x5 14x14", (64, 6, 14, 14), 16, 5, 0),
    ("CIFAR 3->64 3x3 p1 32x32", (64, 3, 32, 32), 64, 3, 1),
]


def make_peers(shape, out_ch, k, pad, mode):
    """mode: fwd, fwd+bwd (input, weight and bias grads), bwd-input, bwd-weight (fwd included)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((out_ch, shape[1], k, k), dtype=np.float32) * 0.1
    b = rng.standard_normal(out_ch, dtype=np.float32)
    peers = {}
    libs = [("ember", ember)] + ([("torch", torch)] if torch is not None else [])
    for name, lib in libs:
        lx = lib.from_numpy(x).requires_grad_(mode in ("fwd+bwd", "bwd-input"))
        lw = lib.from_numpy(w).requires_grad_(mode in ("fwd+bwd", "bwd-weight"))
        lb = lib.from_numpy(b).requires_grad_(mode == "fwd+bwd")
        conv = lib.nn.functional.conv2d
        if mode == "fwd":
            peers[name] = lambda conv=conv, lx=lx, lw=lw, lb=lb: conv(lx, lw, lb, padding=pad)
        else:
            peers[name] = lambda conv=conv, lx=lx, lw=lw, lb=lb: conv(lx, lw, lb, padding=pad).sum().backward()
    return peers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--parts", action="store_true", help="also time each backward kernel alone")
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 7)
    modes = ["fwd", "fwd+bwd"] + (["bwd-input", "bwd-weight"] if args.parts else [])
    print(f"# ember {ember.__file__}; torch {torch.__version__ if torch else 'n/a'}; float32, ms per call, "
          f"best of {repeats}")
    for threads in args.threads:
        ember.set_num_threads(threads)
        if torch is not None:
            torch.set_num_threads(threads)
        for label, shape, out_ch, k, pad in CASES:
            for mode in modes:
                peers = make_peers(shape, out_ch, k, pad, mode)
                t = interleaved(peers, 20, repeats, statistic=min)
                ratio = f"ember/torch {t['ember'] / t['torch']:5.2f}" if "torch" in t else ""
                torch_ms = f"{t['torch'] * 1e3:8.3f}" if "torch" in t else "     n/a"
                print(f"{threads}T  {label:<32} {mode:<10}  ember {t['ember'] * 1e3:8.3f}  torch {torch_ms}  "
                      f"{ratio}", flush=True)


if __name__ == "__main__":
    main()
