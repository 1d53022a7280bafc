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
