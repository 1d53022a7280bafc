"""Timing shared by the benches: peers timed in turn, so that a neighbour taking the CPU for a while
slows all of them alike."""
import statistics
import time


def per_call_seconds(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def interleaved(peers, calls, repeats, statistic=statistics.median):
    """statistic (median, or min for the least disturbed sample) of each peer's seconds per call,
    the peers' samples taken in turn after a warm-up (first-call costs, caches, allocator pools)."""
    for fn in peers.values():
        per_call_seconds(fn, max(1, calls // 4))
    samples = {name: [] for name in peers}
    for _ in range(repeats):
        for name, fn in peers.items():
            samples[name].append(per_call_seconds(fn, calls))
    return {name: statistic(s) for name, s in samples.items()}
