"""unique, bincount, histc/histogram, searchsorted/bucketize, isin, cummax/cummin, logcumsumexp,
mode, nanmedian, quantile: forward vs PyTorch (ties, NaN, empty, 0-d, non-contiguous), gradchecks,
and the error paths."""
import numpy as np
import pytest
import torch

import ember
from ember.testing import gradcheck

NAN = float("nan")


def E(t):
    return ember.tensor(t.numpy())


def same(a, b):
    if isinstance(b, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("data", [[3., 1, 3, NAN, 2, NAN], [], [[1, 2], [1, 2], [0, 5]], 5.])
@pytest.mark.parametrize("inv,cnt", [(False, False), (True, True), (True, False), (False, True)])
def test_unique_matches_torch(data, inv, cnt):
    t = torch.tensor(data)
    same(ember.unique(E(t), return_inverse=inv, return_counts=cnt), torch.unique(t, return_inverse=inv, return_counts=cnt))
    same(E(t).unique_consecutive(return_inverse=inv, return_counts=cnt),
         t.unique_consecutive(return_inverse=inv, return_counts=cnt))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_dim_matches_torch(dim):
    t = torch.tensor([[1, 2, 1], [1, 2, 1], [0, 5, 0]]).T
    same(ember.unique(E(t.contiguous()).T.T, dim=dim, return_inverse=True, return_counts=True),
         torch.unique(t, dim=dim, return_inverse=True, return_counts=True))
    same(ember.unique_consecutive(E(t.contiguous()), dim=dim, return_counts=True),
         torch.unique_consecutive(t, dim=dim, return_counts=True))
    with pytest.raises(RuntimeError, match="0 sized dimensions"):
        ember.unique(ember.zeros(0, 3), dim=1)


def test_bincount_and_histograms():
    x = torch.tensor([1, 1, 4, 0])
    same(ember.bincount(E(x)), torch.bincount(x))
    same(ember.bincount(E(x), minlength=7), torch.bincount(x, minlength=7))
    for w in (torch.tensor([0.5, 1, 2, 3]), torch.tensor([1., 2, 3, 4], dtype=torch.float64)):
        same(ember.bincount(E(x), weights=E(w)), torch.bincount(x, weights=w))
    same(ember.bincount(ember.tensor([], dtype=ember.int64)), torch.bincount(torch.tensor([], dtype=torch.long)))
    f = torch.tensor([[1., 2, NAN], [5, 2.5, -1]]).T  # non-contiguous
    same(ember.histc(E(f.contiguous()).T.T, bins=4, min=0, max=3), torch.histc(f, bins=4, min=0, max=3))
    same(ember.histc(E(torch.tensor([2., 2.])), bins=3), torch.histc(torch.tensor([2., 2.]), bins=3))
    g = torch.tensor([1., 2, 1, 5, 3.3])
    same(ember.histogram(E(g), bins=3, density=True), torch.histogram(g, bins=3, density=True))
    same(ember.histogram(E(g), bins=4, range=(0., 4.), weight=E(g)), torch.histogram(g, bins=4, range=(0., 4.), weight=g))
    edges = torch.tensor([0., 1, 2, 5])
    same(ember.histogram(E(g), bins=E(edges)), torch.histogram(g, bins=edges))
    same(ember.histogram(ember.tensor([]), bins=3), torch.histogram(torch.tensor([]), bins=3))


def test_bincount_histogram_errors():
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.bincount(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="1-d"):
        ember.bincount(ember.tensor([[1]]))
    with pytest.raises(RuntimeError, match="Float"):
        ember.bincount(ember.tensor([1.]))
    with pytest.raises(RuntimeError, match="minlength"):
        ember.bincount(ember.tensor([1]), minlength=-1)
    with pytest.raises(RuntimeError, match="same length"):
        ember.bincount(ember.tensor([1, 2]), weights=ember.ones(3))
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ember.histc(ember.ones(3), bins=0)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        ember.histc(ember.ones(3), min=3, max=1)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ember.histogram(ember.ones(3), bins=0)
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        ember.histogram(ember.ones(3), bins=3, range=(2., 1.))
    with pytest.raises(RuntimeError, match="one dimension"):
        ember.histogram(ember.ones(3), bins=ember.tensor([[1., 2.]]))


def test_searchsorted_bucketize_isin():
    seq = torch.tensor([1., 2, 2, 3, NAN])
    vals = torch.tensor([[2., 0, 9], [NAN, 3, 1]]).T
    for kw in ({}, {"right": True}, {"side": "right"}, {"out_int32": True}):
        same(ember.searchsorted(E(seq), E(vals.contiguous()).T.T, **kw), torch.searchsorted(seq, vals, **kw))
    batched = torch.tensor([[1., 3, 5], [0, 2, 4]])
    v2 = torch.tensor([[3., 6], [-1, 2]])
    same(ember.searchsorted(E(batched), E(v2)), torch.searchsorted(batched, v2))
    unsorted = torch.tensor([3., 1, 2])
    sorter = torch.argsort(unsorted)
    same(ember.searchsorted(E(unsorted), E(v2), sorter=E(sorter)), torch.searchsorted(unsorted, v2, sorter=sorter))
    same(ember.searchsorted(E(seq), 1.5), torch.searchsorted(seq, 1.5))
    same(ember.bucketize(E(vals), E(seq[:4]), right=True), torch.bucketize(vals, seq[:4], right=True))
    same(ember.bucketize(3, ember.tensor([1., 5])), torch.bucketize(3, torch.tensor([1., 5])))
    a, b = torch.tensor([[1, 2, 3], [4, 5, 6]]), torch.tensor([2.5, 3, 6])
    same(ember.isin(E(a), E(b)), torch.isin(a, b))
    same(ember.isin(E(a), E(b), invert=True), torch.isin(a, b, invert=True))
    same(ember.isin(ember.tensor([1., NAN]), ember.tensor([NAN])), torch.isin(torch.tensor([1., NAN]), torch.tensor([NAN])))
    same(ember.isin(E(a), ember.tensor([], dtype=ember.int64)), torch.isin(a, torch.tensor([], dtype=torch.long)))
    same(ember.isin(2, ember.tensor([2])), torch.isin(2, torch.tensor([2])))


def test_searchsorted_errors():
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ember.searchsorted(ember.tensor([[1., 2]]), ember.tensor([[1.], [2.]]))
    with pytest.raises(RuntimeError, match="side can only be"):
        ember.searchsorted(ember.tensor([1., 2]), ember.tensor([1.]), side="foo")
    with pytest.raises(RuntimeError, match="opposites"):
        ember.searchsorted(ember.tensor([1., 2]), ember.tensor([1.]), side="left", right=True)
    with pytest.raises(RuntimeError, match="same size"):
        ember.searchsorted(ember.tensor([1., 2]), ember.tensor([1.]), sorter=ember.tensor([0]))
    with pytest.raises(RuntimeError, match="long dtype"):
        ember.searchsorted(ember.tensor([1., 2]), ember.tensor([1.]), sorter=ember.tensor([0., 1]))
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        ember.searchsorted(ember.tensor([1., 2]), ember.tensor([1.]), sorter=ember.tensor([0, 2]))
    with pytest.raises(RuntimeError, match="positive dimension"):
        ember.searchsorted(ember.tensor(1.), ember.tensor([1.]))
    with pytest.raises(RuntimeError, match="1 dimension"):
        ember.bucketize(ember.tensor([1., 2]), ember.tensor([[1.]]))


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin(op):
    t = torch.tensor([[1., 3, 3, NAN, 2, NAN], [0, -1, -1, 4, 4, 2]]).T
    same(getattr(ember, op)(E(t.contiguous()).T.T, 0), getattr(torch, op)(t, 0))
    i = torch.tensor([1, 1, 0, 0, 2])
    same(getattr(E(i), op)(0), getattr(i, op)(0))
    same(getattr(ember, op)(ember.tensor(3.), 0), getattr(torch, op)(torch.tensor(3.), 0))
    same(getattr(ember, op)(ember.zeros(0, 2), 0), getattr(torch, op)(torch.zeros(0, 2), 0))
    x = ember.tensor(np.random.RandomState(0).randn(4, 3)).T.requires_grad_()
    assert gradcheck(lambda a: getattr(ember, op)(a, 1).values, (x,))


def test_logcumsumexp():
    inf = float("inf")
    t = torch.tensor([[1., -inf, inf, 2], [1000, 1000, -3, 0.5]]).T
    same(ember.logcumsumexp(E(t.contiguous()).T.T, 0), torch.logcumsumexp(t, 0))
    same(E(t).logcumsumexp(1), t.logcumsumexp(1))
    with pytest.raises(RuntimeError, match="Long"):
        ember.logcumsumexp(ember.tensor([1, 2]), 0)
    x = ember.tensor(np.random.RandomState(1).randn(3, 4)).T.requires_grad_()
    assert gradcheck(lambda a: ember.logcumsumexp(a, 0), (x,))
    assert gradcheck(lambda a: ember.logcumsumexp(a, 1), (x,))


def test_mode_nanmedian():
    same(ember.mode(ember.tensor([1, 2, 2, 1, 3])), torch.mode(torch.tensor([1, 2, 2, 1, 3])))
    t = torch.tensor([[1., NAN, NAN], [2, 2, 5]])
    same(ember.mode(E(t), 1), torch.mode(t, 1))
    ties = torch.tensor([[1., 4, 4], [2, 2, 5], [2, 4, 5]])
    same(ember.mode(E(ties), 0, keepdim=True).values, torch.mode(ties, 0, keepdim=True).values)
    same(ember.mode(ember.tensor(3.)), torch.mode(torch.tensor(3.)))
    with pytest.raises(IndexError, match="non-zero size"):
        ember.mode(ember.tensor([]))
    n = torch.tensor([[1., NAN, 3, NAN], [4, 1, 2, 7]])
    same(ember.nanmedian(E(n), 1), torch.nanmedian(n, 1))
    same(ember.nanmedian(E(n)), torch.nanmedian(n))
    same(ember.nanmedian(ember.tensor([NAN, NAN])), torch.nanmedian(torch.tensor([NAN, NAN])))
    same(E(n).nanmedian(0, keepdim=True).values, n.nanmedian(0, keepdim=True).values)
    x = ember.tensor([[0.3, 1.2, -0.5], [2.0, 0.1, 0.7]], dtype=ember.float64).T.requires_grad_()
    assert gradcheck(lambda a: ember.mode(a, 0).values, (x,))
    assert gradcheck(lambda a: ember.nanmedian(a, 1).values, (x,))
    assert gradcheck(lambda a: ember.nanmedian(a), (x,))


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (0, False), (1, True), (-1, False)])
def test_quantile_matches_torch(interp, dim, keepdim):
    t = torch.tensor(np.random.RandomState(2).randn(5, 4)).T
    tn = t.clone()
    tn[1, 2] = NAN
    for q in (0.3, torch.tensor([0.0, 0.25, 0.5, 1.0], dtype=torch.float64)):
        eq = E(q) if isinstance(q, torch.Tensor) else q
        for data in (t, tn):
            x = E(data)
            same(ember.quantile(x, eq, dim=dim, keepdim=keepdim, interpolation=interp),
                 torch.quantile(data, q, dim=dim, keepdim=keepdim, interpolation=interp))
            same(ember.nanquantile(x, eq, dim=dim, keepdim=keepdim, interpolation=interp),
                 torch.nanquantile(data, q, dim=dim, keepdim=keepdim, interpolation=interp))


def test_quantile_grad_and_errors():
    x = ember.tensor(np.random.RandomState(3).randn(4, 5)).T.requires_grad_()
    q = ember.tensor([0.2, 0.7], dtype=ember.float64)
    assert gradcheck(lambda a: ember.quantile(a, q, dim=1), (x,))
    assert gradcheck(lambda a: ember.nanquantile(a, 0.4), (x,))
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        ember.quantile(ember.tensor([1., 2]), 1.5)
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        ember.quantile(ember.tensor([1., 2]), ember.tensor([0.5, -0.1]))
    with pytest.raises(RuntimeError, match="float or double"):
        ember.quantile(ember.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="scalar or 1D"):
        ember.quantile(ember.tensor([1., 2]), ember.tensor([[0.5]]))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.quantile(ember.tensor([1., 2]), ember.tensor([0.5], dtype=ember.float64))
    with pytest.raises(RuntimeError, match="interpolation"):
        ember.quantile(ember.tensor([1., 2]), 0.5, interpolation="foo")
    with pytest.raises(RuntimeError, match="non-empty"):
        ember.quantile(ember.tensor([]), 0.5)


def test_inplace_scans():
    t = torch.tensor([[1., 2, 3], [4, 5, 6]])
    a = E(t)
    a.cumsum_(1)
    same(a, t.clone().cumsum_(1))
    b = E(t)
    b.cumprod_(0)
    same(b, t.clone().cumprod_(0))
