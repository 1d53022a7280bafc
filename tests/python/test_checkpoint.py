"""ember.utils.checkpoint: gradients equal the un-checkpointed run's, random draws replay,
parameters get gradients even when no input requires grad, checkpoint_sequential."""
import warnings

import pytest

import ember
from ember import nn
from ember.testing import assert_close
from ember.utils.checkpoint import checkpoint, checkpoint_sequential


def grads_of(model, x, run):
    model.zero_grad()
    x.grad = None
    run(x).pow(2).sum().backward()
    return [x.grad.clone()] + [p.grad.clone() for p in model.parameters()]


def test_gradients_equal_the_plain_run():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    x = ember.randn(4, 5).t().detach().requires_grad_()  # a non-contiguous leaf
    plain = grads_of(model, x, model)
    ours = grads_of(model, x, lambda t: checkpoint(model, t, use_reentrant=False))
    for a, b in zip(plain, ours):
        assert_close(a, b)


def test_activations_are_not_kept_between_forward_and_backward():
    calls = []

    def block(t):
        calls.append(1)
        return t.sin() * 2

    x = ember.ones(3, requires_grad=True)
    y = checkpoint(block, x, use_reentrant=True)
    assert len(calls) == 1
    y.sum().backward()
    assert len(calls) == 2  # replayed in backward
    assert_close(x.grad, 2 * ember.ones(3).cos())


def test_dropout_mask_replays_with_preserved_rng_state():
    drop = nn.Dropout(0.5)
    x = ember.ones(1000, requires_grad=True)
    ember.manual_seed(3)
    expected_mask = drop(ember.ones(1000)) != 0
    ember.manual_seed(3)
    out = checkpoint(drop, x, use_reentrant=False)
    out.sum().backward()
    assert bool(((out != 0) == expected_mask).all())
    assert bool(((x.grad != 0) == expected_mask).all())


def test_parameters_get_gradients_when_no_input_requires_grad():
    model = nn.Linear(3, 2)
    checkpoint(model, ember.ones(4, 3), use_reentrant=False).sum().backward()
    assert model.weight.grad is not None and model.bias.grad.tolist() == [4.0, 4.0]


def test_keyword_and_non_tensor_arguments_and_tuple_outputs():
    def f(a, scale, b=None):
        return a * scale, a + b

    a = ember.ones(2, requires_grad=True)
    b = ember.full((2,), 3.0, requires_grad=True)
    p, q = checkpoint(f, a, 5.0, b=b, use_reentrant=False)
    (p.sum() + 2 * q.sum()).backward()
    assert a.grad.tolist() == [7.0, 7.0]
    # b reaches the replay through a keyword, like a parameter: its gradient accumulates directly
    assert b.grad.tolist() == [2.0, 2.0]


def test_checkpoint_sequential_matches_plain():
    ember.manual_seed(1)
    model = nn.Sequential(*[nn.Linear(4, 4) if i % 2 == 0 else nn.ReLU() for i in range(8)])
    x = ember.randn(3, 4, requires_grad=True)
    plain = grads_of(model, x, model)
    ours = grads_of(model, x, lambda t: checkpoint_sequential(model, 3, t, use_reentrant=False))
    for a, b in zip(plain, ours):
        assert_close(a, b)


def test_warnings_and_errors():
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, ember.ones(1, requires_grad=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint(lambda t: t * 2, ember.ones(1, requires_grad=True), use_reentrant=False)
    with pytest.raises(ValueError, match="determinism_check"):
        checkpoint(lambda t: t, ember.ones(1), use_reentrant=False, determinism_check="strict")
    with pytest.raises(ValueError, match="segments must be positive"):
        checkpoint_sequential(nn.Sequential(nn.ReLU()), 0, ember.ones(1))
