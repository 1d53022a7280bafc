"""Indexed updates: module-level torch.index_put_ / index_put and take, vs PyTorch."""
import numpy as np
import pytest
import torch

import ember


def test_module_index_put_inplace_matches_torch():
    t = torch.zeros(3, 4)
    a = ember.zeros(3, 4)
    idx = (torch.tensor([0, 2, 0]), torch.tensor([1, 3, 1]))
    v = torch.tensor([1., 2, 3])
    r = ember.index_put_(a, (ember.tensor(idx[0].numpy()), ember.tensor(idx[1].numpy())), ember.tensor(v.numpy()),
                         accumulate=True)
    torch.index_put_(t, idx, v, accumulate=True)
    assert r is a
    np.testing.assert_allclose(a.numpy(), t.numpy())
    out = ember.index_put(ember.zeros(3, 4), (ember.tensor([1]),), ember.tensor(5.))
    np.testing.assert_allclose(out.numpy(), torch.index_put(torch.zeros(3, 4), (torch.tensor([1]),), torch.tensor(5.)).numpy())


def test_take_non_contiguous_and_errors():
    t = torch.arange(12.).reshape(3, 4).T
    i = torch.tensor([[0, 5], [-1, 11]])
    np.testing.assert_allclose(ember.take(ember.arange(12.).reshape(3, 4).T, ember.tensor(i.numpy())).numpy(),
                               torch.take(t, i).numpy())
    with pytest.raises(IndexError, match="out of range"):
        ember.take(ember.zeros(3), ember.tensor([3]))


def test_index_copy_and_fill_match_torch():
    t = torch.arange(12.).reshape(4, 3).T  # non-contiguous (3, 4)
    src = torch.tensor([[10., 20], [30, 40], [50, 60]])
    idx = torch.tensor([3, 0])
    e = ember.arange(12.).reshape(4, 3).T
    np.testing.assert_allclose(ember.index_copy(e, 1, ember.tensor([3, 0]), ember.tensor(src.numpy())).numpy(),
                               torch.index_copy(t, 1, idx, src).numpy())
    np.testing.assert_allclose(e.index_fill(1, ember.tensor([3, 0]), -1.).numpy(), t.index_fill(1, idx, -1.).numpy())
    a = ember.zeros(3, 4)
    a.index_copy_(0, ember.tensor([2]), ember.ones(1, 4))
    a.index_fill_(1, ember.tensor([0]), ember.tensor(7.))
    b = torch.zeros(3, 4)
    b.index_copy_(0, torch.tensor([2]), torch.ones(1, 4))
    b.index_fill_(1, torch.tensor([0]), torch.tensor(7.))
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_index_copy_fill_grad_and_errors():
    from ember.testing import gradcheck
    x = ember.tensor(np.random.RandomState(0).randn(4, 3)).T.requires_grad_()
    s = ember.tensor(np.random.RandomState(1).randn(3, 2)).requires_grad_()
    i = ember.tensor([3, 1])
    assert gradcheck(lambda a, b: ember.index_copy(a, 1, i, b), (x, s))
    assert gradcheck(lambda a: ember.index_fill(a, 1, i, 2.0), (x,))
    z = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match="Expected a long tensor for index, but got Float"):
        z.index_copy_(0, ember.tensor([0.]), ember.ones(1, 4))
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        z.index_copy_(0, ember.tensor([5]), ember.ones(1, 4))
    with pytest.raises(IndexError, match="Number of indices"):
        z.index_copy(0, ember.tensor([0, 1]), ember.ones(1, 4))
    with pytest.raises(RuntimeError, match="same slice shapes"):
        z.index_copy(0, ember.tensor([0]), ember.ones(1, 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        z.index_copy(0, ember.tensor([0]), ember.ones(1, 4, dtype=ember.float64))
    with pytest.raises(IndexError, match="out of bounds"):
        z.index_fill(0, ember.tensor([5]), 1.)
    with pytest.raises(IndexError, match="int64"):
        z.index_fill(0, ember.tensor([0.]), 1.)
