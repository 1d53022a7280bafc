"""ChainDataset, StackDataset, DistributedSampler and default_convert against torch.utils.data."""
import collections

import numpy as np
import pytest

import ember
from ember.utils import data as edata

from conftest import requires_torch

try:
    import torch
    from torch.utils import data as tdata
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


def ranges(module):
    class Range(module.IterableDataset):
        def __init__(self, lo, hi):
            self.lo, self.hi = lo, hi

        def __iter__(self):
            return iter(range(self.lo, self.hi))

        def __len__(self):
            return self.hi - self.lo
    return Range


@requires_torch
def test_chain_dataset_matches_torch():
    e_chain = edata.ChainDataset([ranges(edata)(0, 3), ranges(edata)(10, 12)])
    t_chain = tdata.ChainDataset([ranges(tdata)(0, 3), ranges(tdata)(10, 12)])
    assert list(e_chain) == list(t_chain) == [0, 1, 2, 10, 11]
    assert len(e_chain) == len(t_chain) == 5
    bad = edata.ChainDataset([ranges(edata)(0, 2), edata.TensorDataset(ember.ones(2))])
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(bad)
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        len(bad)
    loader = edata.DataLoader(e_chain, batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 10], [11]]


def test_stack_dataset():
    x, y = ember.arange(4.0), ember.arange(4) * 10
    stacked = edata.StackDataset(edata.TensorDataset(x), y)
    assert len(stacked) == 4
    sample = stacked[2]
    assert isinstance(sample, tuple) and sample[0][0].item() == 2.0 and sample[1].item() == 20
    named = edata.StackDataset(a=x, b=y)
    assert named[1]["a"].item() == 1.0 and named[1]["b"].item() == 10
    assert [s["b"].item() for s in named.__getitems__([3, 0])] == [30, 0]
    assert [s[1].item() for s in stacked.__getitems__([1, 2])] == [10, 20]
    batch = next(iter(edata.DataLoader(named, batch_size=3)))
    assert batch["a"].tolist() == [0.0, 1.0, 2.0] and batch["b"].tolist() == [0, 10, 20]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        edata.StackDataset(x, ember.ones(3))
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        edata.StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        edata.StackDataset(x, b=y)


@requires_torch
@pytest.mark.parametrize("size,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, False),
                                                     (11, 4, True)])
def test_distributed_sampler_unshuffled_matches_torch(size, replicas, drop_last):
    data = list(range(size))
    for rank in range(replicas):
        e = edata.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        t = tdata.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(e) == list(t) and len(e) == len(t) and e.total_size == t.total_size


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shuffle_partitions_one_permutation(drop_last):
    data = list(range(11))
    samplers = [edata.DistributedSampler(data, num_replicas=3, rank=r, seed=5, drop_last=drop_last) for r in range(3)]
    shares = [list(s) for s in samplers]
    assert all(len(s) == samplers[0].num_samples for s in shares)
    merged = [i for group in zip(*shares) for i in group]  # undo the stride: the padded permutation
    if drop_last:
        assert len(set(merged)) == len(merged) == 9
    else:
        assert sorted(set(merged)) == data and len(merged) == 12 and merged[11] == merged[0]  # wrapped padding
    assert shares == [list(s) for s in samplers]  # the same epoch gives the same order
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != shares


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        edata.DistributedSampler(range(4), num_replicas=3, rank=3)
    with pytest.raises(ValueError, match=r"Invalid rank -1"):
        edata.DistributedSampler(range(4), num_replicas=3, rank=-1)
    # torch's errors: no distributed package, or (with one) no initialised process group
    if ember.distributed.is_available():
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            edata.DistributedSampler(range(4))
    else:
        with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
            edata.DistributedSampler(range(4))


@requires_torch
def test_default_convert_matches_torch():
    Point = collections.namedtuple("Point", "x y")
    value = {"a": np.arange(3), "b": (np.float64(2.5), [np.ones(2, np.float32), "text"]),
             "c": Point(np.int64(4), 7), "s": np.array(["x", "y"])}
    ours, theirs = edata.default_convert(value), tdata.default_convert(value)

    def same(a, b):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, ember.Tensor) and a.tolist() == b.tolist() and str(a.dtype)[6:] == str(b.dtype)[6:]
        elif isinstance(b, dict):
            assert type(a) is dict and a.keys() == b.keys()
            for k in b:
                same(a[k], b[k])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                same(x, y)
        elif isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray) and (a == b).all()
        else:
            assert a == b
    same(ours, theirs)


@requires_torch
def test_random_split_fractions_and_samplers_sizes():
    parts = edata.random_split(range(10), [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in tdata.random_split(range(10), [0.5, 0.3, 0.2])]
    assert sorted(i for p in parts for i in p) == list(range(10))
    batches = list(edata.BatchSampler(edata.SequentialSampler(range(7)), batch_size=3, drop_last=False))
    assert batches == list(tdata.BatchSampler(tdata.SequentialSampler(range(7)), batch_size=3, drop_last=False))
    weighted = list(edata.WeightedRandomSampler([0.0, 1.0, 0.0], 5))
    assert weighted == [1] * 5
