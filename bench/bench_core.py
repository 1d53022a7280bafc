"""ember against PyTorch (and NumPy for matmul and the big add), one thread each, in one run.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_core.py [--quick]

Each figure is the median over repeats; the peers' repeats are interleaved (ember, torch, numpy,
ember, ...) so that a neighbour stealing the CPU for a while hurts all of them alike. See
bench/README.md for what each line measures.
"""
import os

# Thread counts are read when the libraries load, so set them before importing any of them.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "EMBER_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402

import numpy as np  # noqa: E402

import ember  # noqa: E402
from timing import interleaved  # noqa: E402

try:
    import torch
except ImportError:  # the bench still reports ember (and NumPy) alone
    torch = None

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:
    threadpool_info = threadpool_limits = None


def report(label, unit, values, faster_when):
    """Prints one line: each peer's figure, then ember's ratio to each other peer."""
    cells = [f"{label:<42}{unit:<8}"]
    for name in ("ember", "torch", "numpy"):
        v = values.get(name)
        cells.append(f"{name} {v:>9.3f}" if v is not None else f"{name} {'n/a':>9}")
    for name in ("torch", "numpy"):
        if values.get("ember") is not None and values.get(name) is not None:
            cells.append(f"ember/{name} {values['ember'] / values[name]:6.2f}")
    print("  ".join(cells) + f"   ({faster_when} is better for ember)")


def bench_tiny_add(repeats, calls):
    peers = {}
    ea, eb = ember.tensor([1.5]), ember.tensor([2.5])
    peers["ember"] = lambda: ea + eb
    if torch is not None:
        ta, tb = torch.tensor([1.5]), torch.tensor([2.5])
        peers["torch"] = lambda: ta + tb
    t = interleaved(peers, calls, repeats)
    report("a + b, 1 element", "us/op", {k: v * 1e6 for k, v in t.items()}, "ratio < 1")


def bench_tiny_backward(repeats, calls):
    peers = {}
    ea = ember.tensor([1.5], requires_grad=True)
    eb = ember.tensor([2.5], requires_grad=True)
    peers["ember"] = lambda: (ea * eb).sum().backward()
    if torch is not None:
        ta = torch.tensor([1.5], requires_grad=True)
        tb = torch.tensor([2.5], requires_grad=True)
        peers["torch"] = lambda: (ta * tb).sum().backward()
    t = interleaved(peers, calls, repeats)
    report("(a * b).sum().backward(), 1 elem", "us", {k: v * 1e6 for k, v in t.items()}, "ratio < 1")


def bench_matmul(n, repeats):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    peers = {"numpy": lambda: a @ b}
    if hasattr(ember, "matmul"):
        ea, eb = ember.from_numpy(a), ember.from_numpy(b)
        peers["ember"] = lambda: ember.matmul(ea, eb)
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        peers["torch"] = lambda: torch.matmul(ta, tb)
    calls = max(1, int(2e8 // (2 * n**3)))  # about 0.2 GFLOP of work per sample
    t = interleaved(peers, calls, repeats)
    report(f"matmul {n}x{n} float32", "GFLOP/s", {k: 2 * n**3 / v / 1e9 for k, v in t.items()},
           "ratio > 1")


def bench_big_add(repeats, log2_n):
    n = 1 << log2_n
    rng = np.random.default_rng(0)
    a = rng.standard_normal(n, dtype=np.float32)
    b = rng.standard_normal(n, dtype=np.float32)
    peers = {"numpy": lambda: a + b}
    ea, eb = ember.from_numpy(a), ember.from_numpy(b)
    peers["ember"] = lambda: ea + eb
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        peers["torch"] = lambda: ta + tb
    t = interleaved(peers, 3, repeats)
    report(f"a + b, 2^{log2_n} float32", "GB/s", {k: 3 * 4 * n / v / 1e9 for k, v in t.items()},
           "ratio > 1")


def bench_unary(repeats, name, log2_n):
    """A float32 math function over 2^log2_n values: the SIMD formulas against SLEEF (torch) and
    NumPy's own loops."""
    n = 1 << log2_n
    x = np.random.default_rng(0).uniform(0.1, 4.0, n).astype(np.float32)
    peers = {}
    ex = ember.from_numpy(x)
    peers["ember"] = lambda: getattr(ember, name)(ex)
    if torch is not None:
        tx = torch.from_numpy(x)
        peers["torch"] = lambda: getattr(torch, name)(tx)
    if hasattr(np, name):
        peers["numpy"] = lambda: getattr(np, name)(x)
    t = interleaved(peers, 3, repeats)
    report(f"{name}, 2^{log2_n} float32", "us/op", {k: v * 1e6 for k, v in t.items()}, "ratio < 1")


def bench_cross_entropy(repeats, shape, label_smoothing):
    """F.cross_entropy on class indices, forward + backward."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    y = rng.integers(0, shape[1], shape[0])
    peers = {}
    for name, lib in [("ember", ember)] + ([("torch", torch)] if torch is not None else []):
        lx, ly = lib.from_numpy(x).requires_grad_(), lib.from_numpy(y)
        peers[name] = lambda lib=lib, lx=lx, ly=ly: lib.nn.functional.cross_entropy(
            lx, ly, label_smoothing=label_smoothing).backward()
    t = interleaved(peers, max(1, int(2e6 // x.size)), repeats)
    label = f"cross_entropy {shape[0]}x{shape[1]} ls={label_smoothing} fwd+bwd"
    report(label, "us/op", {k: v * 1e6 for k, v in t.items()}, "ratio < 1")


def bench_layer_norm(repeats, shape, backward):
    """F.layer_norm over the last dim with weight and bias, forward or forward + backward."""
    rng = np.random.default_rng(0)
    x, g = (rng.standard_normal(shape, dtype=np.float32) for _ in range(2))
    w, b = (rng.standard_normal(shape[-1:], dtype=np.float32) for _ in range(2))
    peers = {}
    libs = [("ember", ember, ember.nn.functional)]
    if torch is not None:
        libs.append(("torch", torch, torch.nn.functional))
    for name, lib, fn in libs:
        lx, lw, lb = (lib.from_numpy(a).requires_grad_(backward) for a in (x, w, b))
        lg = lib.from_numpy(g)
        if backward:
            peers[name] = lambda fn=fn, lx=lx, lw=lw, lb=lb, lg=lg: fn.layer_norm(lx, shape[-1:], lw, lb).backward(lg)
        else:
            peers[name] = lambda fn=fn, lx=lx, lw=lw, lb=lb: fn.layer_norm(lx, shape[-1:], lw, lb)
    calls = max(1, int(2e6 // x.size))
    t = interleaved(peers, calls, repeats)
    label = f"layer_norm {shape[0]}x{shape[1]} {'fwd+bwd' if backward else 'fwd'}"
    report(label, "ms/op", {k: v * 1e3 for k, v in t.items()}, "ratio < 1")


def bench_batch_norm(repeats, shape):
    """BatchNorm2d in training mode (running stats updated), forward + backward."""
    rng = np.random.default_rng(0)
    x, g = (rng.standard_normal(shape, dtype=np.float32) for _ in range(2))
    peers = {}
    libs = [("ember", ember)] + ([("torch", torch)] if torch is not None else [])
    for name, lib in libs:
        bn = lib.nn.BatchNorm2d(shape[1])
        lx, lg = lib.from_numpy(x).requires_grad_(), lib.from_numpy(g)
        peers[name] = lambda bn=bn, lx=lx, lg=lg: bn(lx).backward(lg)
    t = interleaved(peers, max(1, int(2e6 // x.size)), repeats)
    report(f"BatchNorm2d {'x'.join(map(str, shape))} fwd+bwd", "ms/op", {k: v * 1e3 for k, v in t.items()},
           "ratio < 1")


def describe_threads():
    parts = [f"ember {ember.__file__}"]
    if hasattr(ember, "get_num_threads"):
        parts.append(f"ember threads {ember.get_num_threads()}")
    if torch is not None:
        parts.append(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    parts.append(f"numpy {np.__version__}")
    if threadpool_info is not None:
        for pool in threadpool_info():
            parts.append(f"{pool['internal_api']} {pool.get('architecture', '')} "
                         f"threads {pool['num_threads']}")
    print("# " + "; ".join(parts))
    core = os.environ.get("OPENBLAS_CORETYPE")
    if core:
        print(f"# note: OPENBLAS_CORETYPE={core} is set and slows NumPy's matmul; see bench/README.md")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 9)
    sizes = (256, 512) if args.quick else (256, 512, 1024, 2048)

    if torch is not None:
        torch.set_num_threads(1)
    if hasattr(ember, "set_num_threads"):
        ember.set_num_threads(1)
    if threadpool_limits is not None:
        threadpool_limits(1)
    describe_threads()

    bench_tiny_add(repeats, 200 if args.quick else 2000)
    bench_tiny_backward(repeats, 100 if args.quick else 1000)
    if not hasattr(ember, "matmul"):
        print("# ember.matmul: n/a (not in this build)")
    for n in sizes:
        bench_matmul(n, max(3, repeats // 2) if n >= 1024 else repeats)
    bench_big_add(repeats, 20 if args.quick else 24)
    for name in ("exp", "log", "tanh", "sigmoid", "sqrt", "sin"):
        bench_unary(repeats, name, 18 if args.quick else 20)
    for shape in ((64, 10), (256, 1000)):
        for label_smoothing in (0.0, 0.1):
            bench_cross_entropy(repeats, shape, label_smoothing)
    for shape in ((64, 512), (2048, 1024) if args.quick else (8192, 1024)):
        bench_layer_norm(repeats, shape, backward=False)
        bench_layer_norm(repeats, shape, backward=True)
    bench_batch_norm(repeats, (8, 64, 28, 28) if args.quick else (32, 64, 28, 28))


if __name__ == "__main__":
    main()
