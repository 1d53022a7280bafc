"""ember.nn.init: gains and fans vs PyTorch, bounds and statistics of every initialiser, in-place
behaviour without graph recording, and error paths."""
import math

import numpy as np
import pytest

import ember
from ember.nn import init
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


@requires_torch
@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("conv_transpose3d", None),
                                        ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


@requires_torch
@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3, 3), (4, 6, 2)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ember.empty(3))


SHAPE = (300, 400)  # fan_in 400, fan_out 300


def _values(fn, *args, **kwargs):
    ember.manual_seed(0)
    t = ember.empty(*SHAPE, requires_grad=True)
    out = fn(t, *args, **kwargs)
    assert out is t and t.grad_fn is None and t.is_leaf  # in place, nothing recorded
    return t.detach().numpy().astype(np.float64)


@pytest.mark.parametrize("fn,args,bound", [
    (init.uniform_, (-0.3, 0.7), (-0.3, 0.7)),
    (init.xavier_uniform_, (), math.sqrt(6 / 700)),
    (lambda t: init.xavier_uniform_(t, gain=init.calculate_gain("tanh")), (), 5 / 3 * math.sqrt(6 / 700)),
    (init.kaiming_uniform_, (), math.sqrt(6 / 400)),
    (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), (), math.sqrt(6 / 300)),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), (), 1 / math.sqrt(400)),
])
def test_uniform_initialisers_bounds(fn, args, bound):
    v = _values(fn, *args)
    lo, hi = bound if isinstance(bound, tuple) else (-bound, bound)
    assert v.min() >= lo and v.max() <= hi
    width = hi - lo
    assert v.min() < lo + 0.01 * width and v.max() > hi - 0.01 * width  # the range is filled
    assert abs(v.mean() - (lo + hi) / 2) < 0.01 * width and abs(v.std() - width / math.sqrt(12)) < 0.01 * width


@pytest.mark.parametrize("fn,mean,std", [
    (lambda t: init.normal_(t, 0.5, 2.0), 0.5, 2.0),
    (init.xavier_normal_, 0.0, math.sqrt(2 / 700)),
    (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), 0.0, math.sqrt(2 / 400)),
    (lambda t: init.kaiming_normal_(t, a=0.1, mode="fan_out"), 0.0, math.sqrt(2 / 1.01) / math.sqrt(300)),
])
def test_normal_initialisers_statistics(fn, mean, std):
    v = _values(fn)
    assert abs(v.mean() - mean) < 0.01 * std + 1e-3 and abs(v.std() - std) < 0.01 * std


def test_trunc_normal_constant_eye_dirac_orthogonal_sparse():
    v = _values(init.trunc_normal_, 1.0, 2.0, -1.0, 2.5)
    assert v.min() >= -1.0 and v.max() <= 2.5
    # Mean of N(1, 2) truncated to [-1, 2.5]: mu + sigma * (phi(a) - phi(b)) / (Phi(b) - Phi(a)).
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    expected = 1.0 + 2.0 * (phi(-1.0) - phi(0.75)) / (cdf(0.75) - cdf(-1.0))
    assert abs(v.mean() - expected) < 0.02
    assert (_values(init.constant_, 0.25) == 0.25).all()
    assert (_values(init.ones_) == 1).all() and (_values(init.zeros_) == 0).all()
    assert np.array_equal(_values(init.eye_), np.eye(*SHAPE))
    w = init.dirac_(ember.empty(4, 2, 3, 3))
    expected = np.zeros((4, 2, 3, 3))
    expected[0, 0, 1, 1] = expected[1, 1, 1, 1] = 1
    assert np.array_equal(w.numpy(), expected)
    w2 = init.dirac_(ember.empty(4, 2, 3), groups=2)
    assert w2.numpy().sum() == 4 and w2.numpy()[2, 0, 1] == 1
    q = init.orthogonal_(ember.empty(5, 8), gain=2.0).numpy().astype(np.float64)
    assert np.allclose(q @ q.T, 4 * np.eye(5), atol=1e-5)
    tall = init.orthogonal_(ember.empty(8, 3)).numpy().astype(np.float64)
    assert np.allclose(tall.T @ tall, np.eye(3), atol=1e-5)
    s = init.sparse_(ember.empty(10, 6), sparsity=0.3).numpy()
    assert ((s == 0).sum(0) >= 3).all()


def test_init_errors_and_zero_element_warning():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(ember.empty(2, 2))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(ember.empty(0, 3))


def test_generator_makes_initialisation_reproducible():
    a = init.xavier_uniform_(ember.empty(3, 4), generator=ember.Generator().manual_seed(7))
    b = init.xavier_uniform_(ember.empty(3, 4), generator=ember.Generator().manual_seed(7))
    assert np.array_equal(a.numpy(), b.numpy())
