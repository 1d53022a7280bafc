"""ember.distributed against torch.distributed (gloo) on 2 processes of this machine:

  1. all_reduce (SUM, float32) bandwidth for 1 KB .. 64 MB: algorithm bandwidth = bytes / time,
     and bus bandwidth = algbw * 2 (n - 1) / n (what each rank sends and receives, NCCL's figure);
  2. DDP step time (forward, backward with the gradient all-reduce, SGD step) of the MLP
     784-512-512-10, batch 64 per rank, on 1 and 2 ranks: scaling efficiency = throughput on 2
     ranks / (2 x throughput on 1), per-rank batch fixed.

    python bench/bench_ddp.py [--quick]

Every process runs on one thread (OMP/EMBER_NUM_THREADS=1 and set_num_threads(1)). Both peers
are launched by ember.distributed.run (mpirun); torch's gloo rendezvous uses the MASTER_ADDR and
MASTER_PORT that launcher sets. The machine is shared: compare figures from one run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SIZES = [1 << 10, 16 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20]


def init(lib):
    if lib.__name__ == "torch":
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method="tcp://{}:{}".format(
            os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"]),
            rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]))
    else:
        lib.distributed.init_process_group("mpi")
    return lib.distributed


def bench_all_reduce(lib, dist, quick):
    results = []
    for size in SIZES[:5] if quick else SIZES:
        t = lib.ones(size // 4)
        repeats = max(3, min(200, (64 << 20) // size // 4))
        if quick:
            repeats = max(2, repeats // 10)
        for _ in range(2):
            dist.all_reduce(t)
        samples = []
        for _ in range(3):
            dist.barrier()
            start = time.perf_counter()
            for _ in range(repeats):
                dist.all_reduce(t)
            samples.append((time.perf_counter() - start) / repeats)
        seconds = statistics.median(samples)
        results.append({"bytes": size, "us": seconds * 1e6, "algbw_GBps": size / seconds / 1e9})
    return results


def bench_ddp_step(lib, dist, quick):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.parallel.DistributedDataParallel(
        nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    x, y = lib.randn(64, 784), lib.randint(0, 10, (64,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    samples = []
    for _ in range(3 if quick else 5):
        dist.barrier()
        start = time.perf_counter()
        steps = 3 if quick else 10
        for _ in range(steps):
            step()
        samples.append((time.perf_counter() - start) / steps)
    return {"step_ms": statistics.median(samples) * 1e3}


def worker(backend, quick):
    lib = __import__(backend)
    lib.set_num_threads(1)
    dist = init(lib)
    report = {"world": dist.get_world_size(), "ddp": bench_ddp_step(lib, dist, quick)}
    if dist.get_world_size() > 1:
        report["all_reduce"] = bench_all_reduce(lib, dist, quick)
    if dist.get_rank() == 0:
        print("REPORT " + json.dumps(report), flush=True)
    dist.destroy_process_group()


def launch(backend, nproc, quick, port):
    env = dict(os.environ, OMP_NUM_THREADS="1", EMBER_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc),
               "--master-port", str(port), os.path.abspath(__file__), "--worker", backend]
    proc = subprocess.run(command + (["--quick"] if quick else []), capture_output=True, text=True, env=env,
                          timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith("REPORT "):
            return json.loads(line[len("REPORT "):])
    raise RuntimeError(f"{backend} on {nproc} processes failed:\n{proc.stdout}\n{proc.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes up to 4 MB, fewer repeats")
    parser.add_argument("--worker", choices=["ember", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--no-torch", action="store_true", help="ember's figures only")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.quick)
    backends = ["ember"] if args.no_torch else ["ember", "torch"]
    reports = {}
    for i, backend in enumerate(backends):
        for nproc in (1, 2):
            reports[backend, nproc] = launch(backend, nproc, args.quick, 29500 + 10 * i + nproc)

    print("all_reduce float32 SUM, 2 processes: time, algorithm bandwidth (bus bandwidth = algbw x 1 for 2 ranks)")
    header = f"{'size':>8}  {'ember us':>10} {'ember GB/s':>10}"
    if "torch" in backends:
        header += f"  {'gloo us':>10} {'gloo GB/s':>10}  {'ember/gloo bw':>13}"
    print(header)
    ember_rows = reports["ember", 2]["all_reduce"]
    torch_rows = reports["torch", 2]["all_reduce"] if "torch" in backends else [None] * len(ember_rows)
    for mine, theirs in zip(ember_rows, torch_rows):
        size = mine["bytes"]
        label = f"{size >> 20} MB" if size >= 1 << 20 else f"{size >> 10} KB"
        line = f"{label:>8}  {mine['us']:10.1f} {mine['algbw_GBps']:10.3f}"
        if theirs:
            line += f"  {theirs['us']:10.1f} {theirs['algbw_GBps']:10.3f}  {mine['algbw_GBps'] / theirs['algbw_GBps']:13.2f}"
        print(line)

    print("\nDDP step, MLP 784-512-512-10, batch 64 per rank, SGD (ms per step; efficiency = t1 / t2)")
    for backend in backends:
        one, two = reports[backend, 1]["ddp"]["step_ms"], reports[backend, 2]["ddp"]["step_ms"]
        print(f"{backend:>6}: 1 rank {one:7.2f} ms   2 ranks {two:7.2f} ms   scaling efficiency {one / two:5.2f}")


if __name__ == "__main__":
    main()
