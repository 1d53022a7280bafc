"""The composite tensor functions of ember.functional against PyTorch: one row per call (the same
arguments to both libraries), float64 gradcheck on non-contiguous or broadcast inputs where
differentiable, then the error paths."""
import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import torch


def arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def transposed(a):
    """The same values as a, held in a non-contiguous (transposed) layout."""
    return np.ascontiguousarray(a.T).T if a.ndim == 2 else a


# name, fn(lib, *tensors), input shapes, differentiable
ROWS = [
    ("diag_1d", lambda m, a: m.diag(a, 1), [(4,)], True),
    ("diag_2d", lambda m, a: m.diag(a, -1), [(4, 5)], True),
    ("diag_embed", lambda m, a: m.diag_embed(a, offset=1, dim1=0, dim2=2), [(2, 3)], True),
    ("diagflat", lambda m, a: m.diagflat(a, -2), [(2, 2)], True),
    ("rot90_1", lambda m, a: m.rot90(a), [(3, 4)], True),
    ("rot90_3", lambda m, a: m.rot90(a, 3, [1, 0]), [(3, 4)], True),
    ("rot90_-2", lambda m, a: m.rot90(a, -2), [(3, 4)], True),
    ("diagonal_scatter", lambda m, a, b: m.diagonal_scatter(a, b, 1), [(3, 4), (3,)], True),
    ("select_scatter", lambda m, a, b: m.select_scatter(a, b, 1, 2), [(3, 4), (3,)], True),
    ("slice_scatter", lambda m, a, b: m.slice_scatter(a, b, 1, 0, 4, 2), [(3, 4), (3, 2)], True),
    ("diff", lambda m, a: m.diff(a), [(3, 5)], True),
    ("diff_n2_dim0", lambda m, a, b: m.diff(a, n=2, dim=0, prepend=b), [(4, 3), (1, 3)], True),
    ("inner", lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)], True),
    ("cross", lambda m, a, b: m.cross(a, b, dim=1), [(4, 3), (1, 3)], True),
    ("cross_default_dim", lambda m, a, b: m.cross(a, b), [(3, 4), (3, 4)], True),
    ("dist", lambda m, a, b: m.dist(a, b), [(3, 4), (4,)], True),
    ("dist_p1", lambda m, a, b: m.dist(a, b, 1), [(3, 4), (3, 4)], True),
    ("cdist", lambda m, a, b: m.cdist(a, b), [(5, 3), (4, 3)], True),
    ("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1), [(5, 3), (4, 3)], True),
    ("cdist_mm", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), [(2, 5, 3), (2, 4, 3)], True),
    ("cdist_large", lambda m, a, b: m.cdist(a, b), [(30, 3), (27, 3)], False),
    ("pdist", lambda m, a: m.pdist(a), [(5, 3)], True),
    ("pdist_p3", lambda m, a: m.pdist(a, 3), [(5, 3)], True),
    ("vander", lambda m, a: m.vander(a, 4), [(5,)], True),
    ("vander_increasing", lambda m, a: m.vander(a, increasing=True), [(3,)], True),
    ("addr", lambda m, a, b, c: m.addr(a, b, c, beta=0.5, alpha=2), [(3, 4), (3,), (4,)], True),
    ("renorm", lambda m, a: m.renorm(a, 2, 0, 1.0), [(4, 3)], True),
    ("block_diag", lambda m, a, b: m.block_diag(a, b), [(2, 3), (3,)], True),
    ("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), [(3,), (2,)], True),
    ("combinations", lambda m, a: m.combinations(a, 2), [(4,)], True),
    ("combinations_repl", lambda m, a: m.combinations(a, 3, with_replacement=True), [(3,)], True),
    ("chain_matmul", lambda m, a, b, c: m.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)], True),
    ("trapezoid", lambda m, a: m.trapezoid(a), [(3, 5)], True),
    ("trapezoid_x", lambda m, a, b: m.trapezoid(a, b, dim=0), [(4, 3), (4,)], True),
    ("trapezoid_dx", lambda m, a: m.trapezoid(a, dx=0.5), [(3, 5)], True),
    ("trapz", lambda m, a, b: m.trapz(a, b), [(3, 5), (3, 5)], True),
    ("cumulative_trapezoid", lambda m, a: m.cumulative_trapezoid(a, dx=2.0, dim=0), [(4, 3)], True),
    ("cov", lambda m, a: m.cov(a), [(3, 6)], True),
    ("cov_1d", lambda m, a: m.cov(a, correction=0), [(6,)], True),
    ("corrcoef", lambda m, a: m.corrcoef(a), [(3, 6)], True),
    ("nansum", lambda m, a: m.nansum(a, 1), [(3, 4)], True),
    ("nanmean", lambda m, a: m.nanmean(a), [(3, 4)], True),
    ("column_stack", lambda m, a, b: m.column_stack([a, b]), [(3,), (3, 2)], True),
]


def run(fn, lib, arrays_):
    return fn(lib, *[lib.from_numpy(a.copy()) for a in arrays_])


@pytest.mark.parametrize("name,fn,shapes,differentiable", ROWS, ids=[r[0] for r in ROWS])
def test_forward_matches_torch(name, fn, shapes, differentiable):
    inputs = arrays(len(name), *shapes)
    ours, theirs = run(fn, ember, inputs), run(fn, torch, inputs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert_close(ours, theirs)
    # The same call on non-contiguous copies of the 2-d inputs.
    assert_close(fn(ember, *[ember.from_numpy(transposed(a)) for a in inputs]), theirs)


@pytest.mark.parametrize("name,fn,shapes,differentiable", [r for r in ROWS if r[3]], ids=[r[0] for r in ROWS if r[3]])
def test_gradcheck(name, fn, shapes, differentiable):
    leaves = []
    for a in arrays(len(name) + 1, *shapes):
        leaf = ember.from_numpy(transposed(a))
        leaf.requires_grad_()
        leaves.append(leaf)
    assert gradcheck(lambda *t: fn(ember, *t), leaves)


def test_nan_aware_reductions_and_aminmax():
    values = [[1.0, float("nan"), 3.0], [float("nan"), float("nan"), 2.0]]
    e, t = ember.tensor(values), torch.tensor(values)
    assert_close(ember.nansum(e), torch.nansum(t))
    assert_close(ember.nanmean(e, dim=1), torch.nanmean(t, dim=1))
    assert_close(e.nansum(0, keepdim=True), t.nansum(0, keepdim=True))
    x = ember.tensor([[3, -1, 4], [1, 5, -9]])
    tx = torch.tensor([[3, -1, 4], [1, 5, -9]])
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        ours, theirs = ember.aminmax(x, **kwargs), torch.aminmax(tx, **kwargs)
        assert ours.min.tolist() == theirs.min.tolist() and ours.max.tolist() == theirs.max.tolist()
    assert x.aminmax().max.item() == 5


def test_index_generators_match_torch():
    for args in [(3, 3), (4, 3, 1), (3, 5, -1), (0, 3)]:
        assert ember.tril_indices(*args).tolist() == torch.tril_indices(*args).tolist()
        assert ember.triu_indices(*args).tolist() == torch.triu_indices(*args).tolist()
    assert ember.tril_indices(3, 3, dtype=ember.int32).dtype == ember.int32
    assert ember.argwhere(ember.tensor([[0, 1], [2, 0]])).tolist() == [[0, 1], [1, 0]]
    assert ember.combinations(ember.tensor([1, 2, 3]), 0).numel() == 0
    assert ember.cartesian_prod(ember.tensor([1, 2])).tolist() == [1, 2]


def test_in_place_forms():
    a = ember.zeros(3, 3)
    a.fill_diagonal_(5.0)
    assert a.tolist() == torch.zeros(3, 3).fill_diagonal_(5.0).tolist()
    tall, ttall = ember.zeros(7, 3), torch.zeros(7, 3)
    assert tall.fill_diagonal_(1.0, wrap=True).tolist() == ttall.fill_diagonal_(1.0, wrap=True).tolist()
    assert ember.zeros(7, 3).fill_diagonal_(1.0).tolist() == torch.zeros(7, 3).fill_diagonal_(1.0).tolist()
    cube = ember.zeros(2, 2, 2).fill_diagonal_(3.0)
    assert cube.tolist() == torch.zeros(2, 2, 2).fill_diagonal_(3.0).tolist()
    mask = [[True, False, True], [False, True, False]]
    src = ember.arange(10.0)
    ours = ember.zeros(2, 3).masked_scatter_(ember.tensor(mask), src)
    assert ours.tolist() == torch.zeros(2, 3).masked_scatter_(torch.tensor(mask), torch.arange(10.0)).tolist()
    assert ember.ones(2, 3).masked_scatter(ember.tensor([True, False, True]), src).tolist() == \
        torch.ones(2, 3).masked_scatter(torch.tensor([True, False, True]), torch.arange(10.0)).tolist()
    m, tm = ember.ones(3, 2), torch.ones(3, 2)
    m.addr_(ember.ones(3), ember.ones(2), alpha=2)
    assert m.tolist() == tm.addr_(torch.ones(3), torch.ones(2), alpha=2).tolist()
    r = ember.full((2, 3), 2.0)
    r.renorm_(1, 0, 3.0)
    assert_close(r, torch.full((2, 3), 2.0).renorm_(1, 0, 3.0))


def test_masked_scatter_gradients_flow_to_input_and_source():
    x = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    src = ember.arange(6.0, dtype=ember.float64).requires_grad_()
    mask = ember.tensor([[True, False, True], [False, True, False]])
    assert gradcheck(lambda a, s: ember.masked_scatter(a, mask, s), [x, src])


def test_splits_match_torch():
    x, tx = ember.arange(24.0).reshape(2, 4, 3), torch.arange(24.0).reshape(2, 4, 3)
    for fn, arg in [("hsplit", 2), ("hsplit", [1, 3]), ("vsplit", 2), ("dsplit", 3), ("dsplit", [1])]:
        ours, theirs = getattr(ember, fn)(x, arg), getattr(torch, fn)(tx, arg)
        assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
    assert [p.tolist() for p in ember.hsplit(ember.arange(4), 2)] == [[0, 1], [2, 3]]
    assert [p.shape for p in x.vsplit(2)] == [(1, 4, 3)] * 2


def test_errors():
    with pytest.raises(RuntimeError, match="Supports 1D or 2D tensors. Got 3D"):
        ember.diag(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="expected total rotation dims == 2"):
        ember.rot90(ember.ones(2, 2), 1, [0, 1, 2])
    with pytest.raises(RuntimeError, match="expected rotation dims to be different"):
        ember.rot90(ember.ones(2, 2), 1, [1, 1])
    with pytest.raises(RuntimeError, match="diff expects input to be at least one-dimensional"):
        ember.diff(ember.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"inner\(\) the last dimension must match"):
        ember.inner(ember.ones(2, 3), ember.ones(2, 4))
    with pytest.raises(RuntimeError, match="must have length 3"):
        ember.cross(ember.ones(2, 4), ember.ones(2, 4), dim=1)
    with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns"):
        ember.cdist(ember.ones(2, 3), ember.ones(2, 4))
    with pytest.raises(RuntimeError, match="cdist only supports floating-point dtypes"):
        ember.cdist(ember.ones(2, 3, dtype=ember.int64), ember.ones(2, 3, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        ember.pdist(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="Input tensors must have 2 or fewer dimensions. Input 1 has 3"):
        ember.block_diag(ember.ones(2), ember.ones(1, 1, 1))
    with pytest.raises(RuntimeError, match="Expect a 1D vector"):
        ember.cartesian_prod(ember.ones(2, 2))
    with pytest.raises(RuntimeError, match="is not divisible by the split_size 3"):
        ember.hsplit(ember.ones(2, 4), 3)
    with pytest.raises(RuntimeError, match="requires a tensor with at least 3 dimension"):
        ember.dsplit(ember.ones(2, 4), 2)
    with pytest.raises(RuntimeError, match="expected input to have two or fewer dimensions"):
        ember.cov(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="fweights cannot be negative"):
        ember.cov(ember.ones(2, 3), fweights=ember.tensor([1, -1, 1]))
    with pytest.raises(RuntimeError, match="masked_scatter: expected source to have at least 2 elements"):
        ember.zeros(2).masked_scatter(ember.tensor([True, True]), ember.ones(1))
    with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
        ember.zeros(2, 3, 2).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError, match="chain_matmul\\(\\): Expected one or more matrices"):
        ember.chain_matmul()
    with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point dtype"):
        ember.nanmean(ember.ones(2, dtype=ember.int64))
