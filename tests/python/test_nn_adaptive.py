"""AdaptiveLogSoftmaxWithLoss vs PyTorch with copied weights: output, loss, log_prob, predict, gradients,
unbatched input; float64 gradcheck; error paths."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.testing import gradcheck
from conftest import requires_torch
from nn_compare import compare, module_pair

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = requires_torch


@pytest.mark.parametrize("cutoffs,head_bias", [([3, 7], False), ([5], True), ([2, 4, 8], False)])
def test_adaptive_log_softmax_matches_torch(rng, cutoffs, head_bias):
    ours, theirs = module_pair(nn.AdaptiveLogSoftmaxWithLoss, torch.nn.AdaptiveLogSoftmaxWithLoss, 8, 10, cutoffs,
                               div_value=2.0, head_bias=head_bias)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    x = rng.standard_normal((12, 8)).astype(np.float32)
    target = rng.integers(0, 10, 12)
    compare(lambda x, t: tuple(ours(x, t)), lambda x, t: tuple(theirs(x, t)), [x, target],
            ours_module=ours, theirs_module=theirs)
    compare(ours.log_prob, theirs.log_prob, [x], backward=False)
    np.testing.assert_array_equal(ours.predict(ember.tensor(x)).numpy(), theirs.predict(torch.tensor(x)).numpy())
    # Unbatched.
    compare(lambda x, t: tuple(ours(x, t)), lambda x, t: tuple(theirs(x, t)), [x[0], np.array(target[0])])
    np.testing.assert_allclose(np.exp(ours.log_prob(ember.tensor(x)).detach().numpy()).sum(1), 1, rtol=1e-5)


def test_adaptive_log_softmax_gradcheck(rng):
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4], div_value=2.0).double()
    x = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    t = ember.tensor([0, 3, 5, 1, 4])
    assert gradcheck(lambda x: m(x.t().t(), t).output, [x])


def test_adaptive_log_softmax_errors():
    with pytest.raises(ValueError, match="cutoffs"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [4, 2])
    with pytest.raises(ValueError, match="cutoffs"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [6])
    with pytest.raises(ValueError, match="length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [])
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    with pytest.raises(RuntimeError, match="Target values should be in"):
        m(ember.randn(2, 4), ember.tensor([0, 6]))
    with pytest.raises(RuntimeError, match="same size in the batch"):
        m(ember.randn(3, 4), ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="multi-target"):
        m(ember.randn(3, 4), ember.zeros((3, 2), dtype=ember.int64))
