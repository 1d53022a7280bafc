"""ember.utils.data: datasets, samplers, DataLoader and default_collate, checked against
torch.utils.data where PyTorch defines the behaviour."""
import collections
import os
import time
import warnings

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                              SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                              default_collate, get_worker_info, random_split)
from ember.testing import assert_close
from conftest import requires_torch, torch

if torch is not None:
    import torch.utils.data as tdata


class Squares(Dataset):
    """Sample i is (i, i*i) as plain Python numbers."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i, i * i

    def __len__(self):
        return self.n


def _tensor_dataset(n=10):
    x = ember.arange(n * 2, dtype=ember.float32).reshape(n, 2)
    y = ember.arange(n)
    return TensorDataset(x, y)


def _as_list(batches):
    return [[b.tolist() if isinstance(b, ember.Tensor) else b for b in batch] for batch in batches]


# ---- DataLoader -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True),
                                                    (2, 5, False), (2, 5, True), (10, 1, False)])
def test_batches_in_order(n, batch_size, drop_last):
    loader = DataLoader(_tensor_dataset(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    expected_sizes = [batch_size] * (n // batch_size)
    if n % batch_size and not drop_last:
        expected_sizes.append(n % batch_size)
    assert [len(y) for _, y in batches] == expected_sizes
    assert len(loader) == len(expected_sizes)
    if batches:
        ys = ember.cat([y for _, y in batches]).tolist()
        assert ys == list(range(len(ys)))
        x, y = batches[0]
        assert x.shape == (expected_sizes[0], 2) and x.dtype == ember.float32 and y.dtype == ember.int64
        assert_close(x, np.arange(expected_sizes[0] * 2, dtype=np.float32).reshape(-1, 2))


@requires_torch
@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (4, True), (1, False), (16, False)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ours = DataLoader(Squares(10), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(Squares(10), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert _as_list(ours) == _as_list([[t.tolist() for t in b] for b in theirs])


def test_shuffle_is_a_permutation_and_reproducible():
    ds = _tensor_dataset(50)
    ember.manual_seed(7)
    first = ember.cat([y for _, y in DataLoader(ds, batch_size=8, shuffle=True)]).tolist()
    second = ember.cat([y for _, y in DataLoader(ds, batch_size=8, shuffle=True)]).tolist()
    ember.manual_seed(7)
    again = ember.cat([y for _, y in DataLoader(ds, batch_size=8, shuffle=True)]).tolist()
    assert sorted(first) == list(range(50))
    assert first != list(range(50))
    assert first == again
    assert first != second  # the global generator moved on


def test_shuffle_with_own_generator():
    ds = _tensor_dataset(30)

    def order(seed):
        g = ember.Generator()
        g.manual_seed(seed)
        return [i for _, y in DataLoader(ds, batch_size=4, shuffle=True, generator=g) for i in y.tolist()]

    ember.manual_seed(0)
    a = order(3)
    ember.manual_seed(123)  # the global seed does not matter when a generator is given
    assert order(3) == a
    assert order(4) != a
    assert sorted(a) == list(range(30))


def test_each_epoch_reshuffles():
    ember.manual_seed(0)
    loader = DataLoader(_tensor_dataset(20), batch_size=20, shuffle=True)
    (_, y1), = list(loader)
    (_, y2), = list(loader)
    assert y1.tolist() != y2.tolist() and sorted(y1.tolist()) == sorted(y2.tolist())


def test_sampler_and_batch_sampler():
    ds = _tensor_dataset(10)
    loader = DataLoader(ds, batch_size=2, sampler=[9, 0, 5, 3])
    assert [y.tolist() for _, y in loader] == [[9, 0], [5, 3]]
    loader = DataLoader(ds, batch_sampler=[[1, 2, 3], [7], [0, 0]])
    assert [y.tolist() for _, y in loader] == [[1, 2, 3], [7], [0, 0]]
    assert len(loader) == 3
    loader = DataLoader(ds, sampler=SubsetRandomSampler([2, 4, 6]), batch_size=None)
    assert sorted(int(y) for _, y in loader) == [2, 4, 6]


def test_batch_size_none_yields_samples():
    loader = DataLoader(Squares(3), batch_size=None)
    assert list(loader) == [[0, 0], [1, 1], [2, 4]]  # default_convert turns tuples into lists, as torch's
    assert len(loader) == 3


def test_custom_collate_fn():
    loader = DataLoader(Squares(5), batch_size=2, collate_fn=lambda batch: [a for a, _ in batch])
    assert list(loader) == [[0, 1], [2, 3], [4]]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(), shuffle=True)


# ---- worker processes ---------------------------------------------------------------------------------

class WhoLoads(Dataset):
    """Sample i is (i, the loading worker's id or -1, its pid, a draw from ember's generator)."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        info = get_worker_info()
        return i, -1 if info is None else info.id, os.getpid(), ember.rand(()).item()


class Ranges(IterableDataset):
    """Each worker yields its own range, as PyTorch's docs split an IterableDataset across workers."""

    def __iter__(self):
        info = get_worker_info()
        start = 0 if info is None else 10 * info.id
        return iter(range(start, start + 3))


class FailsAt(Dataset):
    def __init__(self, bad):
        self.bad = bad

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.bad:
            raise KeyError(f"no sample {i}")
        return i


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_give_the_batches_the_main_process_gives(shuffle):
    ds = _tensor_dataset(10)
    batches = {}
    for workers in (0, 2):
        g = ember.Generator().manual_seed(3)
        loader = DataLoader(ds, batch_size=3, shuffle=shuffle, num_workers=workers, generator=g)
        batches[workers] = [(x.tolist(), y.tolist()) for x, y in loader]
    assert batches[0] == batches[2]


def test_batches_come_round_robin_from_distinct_worker_processes():
    loader = DataLoader(WhoLoads(), batch_size=2, num_workers=3)
    batches = list(loader)
    assert [b[0].tolist() for b in batches] == [[2 * k, 2 * k + 1] for k in range(6)]
    assert [b[1].tolist() for b in batches] == [[k % 3] * 2 for k in range(6)]
    pids = {int(b[2][0]) for b in batches}
    assert len(pids) == 3 and os.getpid() not in pids
    assert get_worker_info() is None


def test_workers_are_seeded_apart_and_reproducibly():
    def draws(seed):
        g = ember.Generator().manual_seed(seed)
        return [b[3].tolist() for b in DataLoader(WhoLoads(), batch_size=2, num_workers=2, generator=g)]
    first = draws(5)
    assert first == draws(5) and first != draws(6)
    assert first[0] != first[1]  # worker 0's and worker 1's first draws


def test_worker_info_and_init_fn():
    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.num_workers == 2 and isinstance(info.dataset, Ranges)
        ember.manual_seed(100 + worker_id)
    out = list(DataLoader(Ranges(), batch_size=None, num_workers=2, worker_init_fn=init))
    assert out == [0, 10, 1, 11, 2, 12]


@requires_torch
@pytest.mark.parametrize("batch_size,drop_last,workers", [(2, False, 2), (2, True, 3), (None, False, 2), (4, False, 1)])
def test_iterable_dataset_across_workers_matches_torch(batch_size, drop_last, workers):
    class TorchRanges(tdata.IterableDataset):
        def __iter__(self):
            info = tdata.get_worker_info()
            return iter(range(10 * info.id, 10 * info.id + 3))

    def as_lists(loader):
        return [b if isinstance(b, int) else b.tolist() for b in loader]
    ours = as_lists(DataLoader(Ranges(), batch_size=batch_size, drop_last=drop_last, num_workers=workers))
    theirs = as_lists(tdata.DataLoader(TorchRanges(), batch_size=batch_size, drop_last=drop_last,
                                       num_workers=workers))
    assert ours == theirs


def test_worker_error_is_reraised_with_its_type_and_traceback():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1") as err:
        list(DataLoader(FailsAt(3), batch_size=2, num_workers=2))
    assert "no sample 3" in str(err.value) and "Original Traceback" in str(err.value)

    def init(worker_id):
        raise ValueError(f"cannot start {worker_id}")
    with pytest.raises(ValueError, match="cannot start 0"):
        list(DataLoader(range(4), num_workers=1, worker_init_fn=init))


class Exits(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        os._exit(3)


class Sleeps(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(2)
        return i


def test_dead_worker_and_timeout_raise(monkeypatch):
    from ember.utils.data import dataloader
    monkeypatch.setattr(dataloader._WorkerPool, "_POLL_SECONDS", 0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(Exits(), num_workers=1))
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Sleeps(), num_workers=1, timeout=0.5))


def test_prefetch_factor_must_be_positive():
    with pytest.raises(ValueError, match="prefetch_factor should be a positive integer, but got 0"):
        DataLoader(range(3), num_workers=1, prefetch_factor=0)


def test_persistent_iterable_workers_restart_their_pass_each_epoch():
    loader = DataLoader(Ranges(), batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [[b.tolist() for b in loader] for _ in range(2)]
    assert epochs[0] == epochs[1] == [[0, 1], [10, 11], [2], [12]]


def test_persistent_workers_survive_epochs_and_early_exits():
    loader = DataLoader(WhoLoads(), batch_size=3, num_workers=2, persistent_workers=True)
    pids = [{int(b[2][0]) for b in loader} for _ in range(2)]
    assert pids[0] == pids[1] and len(pids[0]) == 2
    for k, _ in enumerate(loader):
        if k == 1:
            break  # leaves answers in flight; the next epoch must not see them
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert {p.pid for p in loader._workers.processes} == pids[0]


def test_loader_without_persistent_workers_stops_them():
    loader = DataLoader(WhoLoads(), batch_size=3, num_workers=2)
    it = iter(loader)
    next(it)
    processes = list(it.gi_frame.f_locals["self"].processes)
    it.close()
    assert processes and not any(p.is_alive() for p in processes)


def test_num_threads_round_trip_and_errors():
    n = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(n)
    for bad, message in [(0, "expects a positive integer"), ("2", "expects an int, but got str"),
                         (True, "expects an int, but got bool")]:
        with pytest.raises(RuntimeError, match=message):
            ember.set_num_threads(bad)


def test_training_loop_over_a_loader():
    # DataLoader batches feed a model and autograd like any tensor.
    ember.manual_seed(0)
    x = ember.randn(64, 3)
    y = x @ ember.tensor([1.0, -2.0, 0.5]) + 0.3
    model = ember.nn.Linear(3, 1)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(30):
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
            loss = ((model(xb).squeeze(1) - yb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert loss.item() < 1e-3


# ---- default_collate --------------------------------------------------------------------------------

Point = collections.namedtuple("Point", ["x", "y"])


def _to_plain(obj):
    """A collated batch (ember or torch) as nested Python values plus dtype names, to compare."""
    if isinstance(obj, ember.Tensor) or (torch is not None and isinstance(obj, torch.Tensor)):
        return ("tensor", str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.tolist())
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return (type(obj).__name__,) + tuple(_to_plain(v) for v in obj)
    if isinstance(obj, list):
        return [_to_plain(v) for v in obj]
    return obj


def _samples(kind):
    """The same samples built with ember (make=ember.tensor) or torch (make=torch.tensor)."""
    return {
        "ints": lambda make: [1, 2, 3],
        "floats": lambda make: [1.5, -2.0],
        "bools": lambda make: [True, False],
        "numpy_arrays": lambda make: [np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)],
        "numpy_int_arrays": lambda make: [np.arange(4).reshape(2, 2), np.zeros((2, 2), dtype=np.int64)],
        "numpy_scalars": lambda make: [np.float64(1.5), np.float64(2.5)],
        "tensors": lambda make: [make([1.0, 2.0]), make([3.0, 4.0])],
        "int_tensors": lambda make: [make(1), make(2)],
        "tuples": lambda make: [(make([1.0]), 2, "a"), (make([3.0]), 4, "b")],
        "lists": lambda make: [[1, 2.0], [3, 4.0]],
        "dicts": lambda make: [{"x": make([1.0]), "label": 0, "name": "a"},
                               {"x": make([2.0]), "label": 1, "name": "b"}],
        "namedtuples": lambda make: [Point(make([1.0]), 0), Point(make([2.0]), 1)],
        "strings": lambda make: ["cat", "dog"],
        "nested": lambda make: [{"pair": (1, [2.0, make(3)])}, {"pair": (4, [5.0, make(6)])}],
    }[kind]


COLLATE_KINDS = ["ints", "floats", "bools", "numpy_arrays", "numpy_int_arrays", "numpy_scalars", "tensors",
                 "int_tensors", "tuples", "lists", "dicts", "namedtuples", "strings", "nested"]


@requires_torch
@pytest.mark.parametrize("kind", COLLATE_KINDS)
def test_default_collate_matches_torch(kind):
    ours = default_collate(_samples(kind)(ember.tensor))
    theirs = tdata.default_collate(_samples(kind)(torch.tensor))
    assert _to_plain(ours) == _to_plain(theirs)


def test_default_collate_types():
    out = default_collate([Point(ember.tensor([1.0]), 0), Point(ember.tensor([2.0]), 1)])
    assert isinstance(out, Point) and out.x.shape == (2, 1) and out.y.dtype == ember.int64
    out = default_collate([(1, 2.0)] * 3)
    assert isinstance(out, list) and out[1].dtype == ember.float64  # torch turns tuples into lists too
    out = default_collate([np.ones((2, 2), dtype=np.float32)] * 3)
    assert isinstance(out, ember.Tensor) and out.shape == (3, 2, 2) and out.dtype == ember.float32


@requires_torch
@pytest.mark.parametrize("batch", [[np.array(["a"]), np.array(["b"])], [object(), object()], [[1, 2], [3]]],
                         ids=["numpy_strings", "objects", "ragged"])
def test_default_collate_errors_match_torch(batch):
    with pytest.raises(Exception) as theirs:
        tdata.default_collate(batch)
    with pytest.raises(type(theirs.value)) as ours:
        default_collate(batch)
    assert str(ours.value) == str(theirs.value)


def test_default_collate_error_messages():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists; found"):
        default_collate([object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack"):
        default_collate([ember.zeros(2), ember.zeros(3)])


# ---- datasets ---------------------------------------------------------------------------------------

def test_tensor_dataset():
    ds = _tensor_dataset(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(ember.zeros(3), ember.zeros(4))


def test_subset_and_concat():
    base = Squares(5)
    sub = Subset(base, [4, 0, 2])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [(4, 16), (0, 0), (2, 4)]
    cat = ConcatDataset([Squares(2), sub, Squares(3)])
    assert len(cat) == 8
    assert [cat[i][0] for i in range(8)] == [0, 1, 4, 0, 2, 0, 1, 2]
    assert cat[-1] == (2, 4) and cat[-8] == (0, 0)
    assert cat.cumulative_sizes == [2, 5, 8]
    assert len(Squares(2) + Squares(3)) == 5
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        cat[-9]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    batches = list(DataLoader(cat, batch_size=4))
    assert [a.tolist() for a, _ in batches] == [[0, 1, 4, 0], [2, 0, 1, 2]]


@requires_torch
def test_concat_dataset_matches_torch():
    ours = ConcatDataset([Squares(3), Squares(1), Squares(4)])
    theirs = tdata.ConcatDataset([Squares(3), Squares(1), Squares(4)])
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]


@pytest.mark.parametrize("lengths,expected", [([3, 7], [3, 7]), ([0.3, 0.7], [3, 7]), ([0.33, 0.33, 0.34], [4, 3, 3]),
                                              ([0.5, 0.5], [5, 5]), ([10], [10])])
def test_random_split_lengths(lengths, expected):
    ember.manual_seed(0)
    parts = random_split(Squares(10), lengths)
    assert [len(p) for p in parts] == expected
    seen = sorted(i for p in parts for i, _ in (p[k] for k in range(len(p))))
    assert seen == list(range(10))


@requires_torch
@pytest.mark.parametrize("lengths", [[0.33, 0.33, 0.34], [0.1, 0.1, 0.8], [0.25, 0.75], [0.5, 0.5]])
@pytest.mark.parametrize("n", [3, 10, 17])
def test_random_split_fraction_counts_match_torch(lengths, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = [len(p) for p in random_split(Squares(n), lengths)]
        theirs = [len(p) for p in tdata.random_split(Squares(n), lengths)]
    assert ours == theirs


def test_random_split_reproducible_with_generator():
    def split(seed):
        g = ember.Generator()
        g.manual_seed(seed)
        return [list(p.indices) for p in random_split(Squares(20), [5, 15], generator=g)]

    assert split(1) == split(1)
    assert split(1) != split(2)


def test_random_split_errors_and_warnings():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(Squares(10), [3, 3])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(Squares(10), [0.5, 0.6])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(3), [0.1, 0.1, 0.8])


# ---- samplers ---------------------------------------------------------------------------------------

def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    ember.manual_seed(0)
    perm = list(RandomSampler(range(10)))
    assert sorted(perm) == list(range(10))
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2} and len(set(drawn)) == 3
    longer = list(RandomSampler(range(4), num_samples=10))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3]
    weighted = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400))
    assert set(weighted) == {1, 3} and 0.65 < weighted.count(3) / 400 < 0.85
    once = list(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(once) == [0, 1, 2]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2


# ---- errors, with PyTorch's types and messages --------------------------------------------------------

ERRORS = [
    ("batch_size", lambda m: m.BatchSampler(m.SequentialSampler(range(3)), 0, False)),
    ("batch_size_bool", lambda m: m.BatchSampler(m.SequentialSampler(range(3)), True, False)),
    ("drop_last", lambda m: m.BatchSampler(m.SequentialSampler(range(3)), 2, 1)),
    ("sampler_and_shuffle", lambda m: m.DataLoader(range(3), sampler=m.SequentialSampler(range(3)), shuffle=True)),
    ("batch_sampler_and_batch_size", lambda m: m.DataLoader(range(3), batch_sampler=[[0]], batch_size=2)),
    ("batch_sampler_and_drop_last", lambda m: m.DataLoader(range(3), batch_sampler=[[0]], drop_last=True)),
    ("none_batch_and_drop_last", lambda m: m.DataLoader(range(3), batch_size=None, drop_last=True)),
    ("num_workers", lambda m: m.DataLoader(range(3), num_workers=-1)),
    ("timeout", lambda m: m.DataLoader(range(3), timeout=-1)),
    ("prefetch_without_workers", lambda m: m.DataLoader(range(3), prefetch_factor=2)),
    ("persistent_without_workers", lambda m: m.DataLoader(range(3), persistent_workers=True)),
    ("random_split_sum", lambda m: m.random_split(range(10), [3, 3])),
    ("random_sampler_num_samples", lambda m: m.RandomSampler(range(3), num_samples=0)),
    ("random_sampler_replacement", lambda m: m.RandomSampler(range(3), replacement=1)),
    ("weighted_num_samples", lambda m: m.WeightedRandomSampler([1.0], 0)),
    ("concat_empty", lambda m: m.ConcatDataset([])),
    ("concat_index", lambda m: m.ConcatDataset([range(3)])[-4]),
]


@requires_torch
@pytest.mark.parametrize("make", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(make):
    import ember.utils.data as ours_module
    with pytest.raises(Exception) as theirs:
        make(tdata)
    with pytest.raises(type(theirs.value)) as ours:
        make(ours_module)
    assert str(ours.value) == str(theirs.value)
