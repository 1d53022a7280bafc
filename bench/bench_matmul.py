"""matmul GFLOP/s (float32, square n) for ember, NumPy and PyTorch, and the time of a Linear(1,1)
forward+backward step. Minimum of single calls, as bench/gemm_bench.cpp measures.

Single-threaded comparison (run all three on one thread):
  EMBER_NUM_THREADS=1 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
    PYTHONPATH=python python3 bench/bench_matmul.py --torch-threads 1
"""
import argparse
import time

import numpy as np

import ember


def best(fn, reps):
    fn()
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="*", default=[256, 512, 1024, 2048])
    p.add_argument("--torch-threads", type=int, default=0)
    args = p.parse_args()
    try:
        import torch
        if args.torch_threads:
            torch.set_num_threads(args.torch_threads)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    print(f"{'n':>6} {'ember':>9} {'numpy':>9} {'torch':>9}   GFLOP/s")
    for n in args.sizes:
        a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
        reps = max(3, int(2e9 / (2 * n ** 3)))
        ea, eb = ember.tensor(a), ember.tensor(b)
        row = [best(lambda: ea @ eb, reps), best(lambda: a @ b, reps)]
        if torch is not None:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            row.append(best(lambda: ta @ tb, reps))
        print(f"{n:>6} " + " ".join(f"{2 * n ** 3 / t / 1e9:9.1f}" for t in row))

    def step(lib, x, w, bias):
        y = lib(x, w, bias)
        (y * y).mean().backward()

    x = np.ones((1, 1), np.float32)
    ex, ew, eb = ember.tensor(x), ember.tensor(x, requires_grad=True), ember.tensor(x[0], requires_grad=True)
    t_ember = best(lambda: step(ember.linear, ex, ew, eb), 2000)
    print(f"Linear(1,1) forward+backward: ember {t_ember * 1e6:.1f} us", end="")
    if torch is not None:
        tx, tw, tb = torch.ones(1, 1), torch.ones(1, 1, requires_grad=True), torch.ones(1, requires_grad=True)
        t_torch = best(lambda: step(torch.nn.functional.linear, tx, tw, tb), 2000)
        print(f", torch {t_torch * 1e6:.1f} us", end="")
    t_fwd = best(lambda: ember.linear(ex, ew, eb), 2000)
    print(f"; ember forward only {t_fwd * 1e6:.2f} us")


if __name__ == "__main__":
    main()
