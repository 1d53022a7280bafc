"""Lazy modules (LazyLinear, LazyConv*, LazyBatchNorm*, LazyInstanceNorm*) and UninitializedParameter /
UninitializedBuffer: shapes inferred on the first forward, the class becomes the plain module, results
match the plain module with the same weights, state dicts load into uninitialised modules."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.parameter import UninitializedBuffer, UninitializedParameter
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def test_uninitialized_parameter_and_buffer():
    p = UninitializedParameter()
    assert repr(p) == "<UninitializedParameter>" and p.requires_grad
    with pytest.raises(ValueError, match="uninitialized parameter"):
        p.shape
    p.materialize((2, 3), dtype=ember.float64)
    assert type(p) is nn.Parameter and tuple(p.shape) == (2, 3) and p.dtype == ember.float64
    b = UninitializedBuffer()
    b.materialize((4,))
    assert isinstance(b, ember.Tensor) and tuple(b.shape) == (4,) and not b.requires_grad


def test_lazy_linear():
    m = nn.LazyLinear(3)
    assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert m.has_uninitialized_params()
    x = ember.randn(2, 5)
    y = m(x)
    assert type(m) is nn.Linear and m.in_features == 5 and tuple(m.weight.shape) == (3, 5)
    np.testing.assert_allclose(y.detach().numpy(), (x @ m.weight.t() + m.bias).detach().numpy(), rtol=1e-6)
    # Initialised like Linear: uniform within 1/sqrt(in_features).
    assert np.abs(m.weight.detach().numpy()).max() <= 1 / np.sqrt(5) + 1e-6
    y.sum().backward()
    assert m.weight.grad is not None
    assert nn.LazyLinear(2, bias=False)(x).shape == (2, 2)


@pytest.mark.parametrize("name,shape,kw", [("LazyConv1d", (2, 3, 8), {"groups": 3, "padding": 1}),
                                          ("LazyConv2d", (2, 4, 6, 6), {"stride": 2}),
                                          ("LazyConv2d", (4, 6, 6), {}),
                                          ("LazyConv3d", (1, 2, 4, 4, 4), {}),
                                          ("LazyConvTranspose1d", (2, 3, 5), {}),
                                          ("LazyConvTranspose2d", (2, 3, 5, 5), {"stride": 2}),
                                          ("LazyConvTranspose3d", (1, 2, 3, 3, 3), {})])
def test_lazy_convolutions(name, shape, kw):
    if not hasattr(nn, name):
        pytest.skip(f"{name[4:]} is not part of this build")
    m = getattr(nn, name)(6, 3, **kw)
    x = ember.randn(*shape)
    y = m(x)
    plain = getattr(nn, name[4:])
    assert type(m) is plain and m.in_channels == shape[-len(m.kernel_size) - 1]
    ref = plain(m.in_channels, 6, 3, **kw)
    ref.load_state_dict(m.state_dict())
    np.testing.assert_allclose(y.detach().numpy(), ref(x).detach().numpy(), rtol=1e-6)


def test_lazy_conv_errors():
    with pytest.raises(RuntimeError, match="Expected 3D"):
        nn.LazyConv2d(4, 3)(ember.randn(2, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.LazyConv1d(4, 3, groups=2)(ember.randn(1, 3, 8))


@pytest.mark.parametrize("name,shape", [("LazyBatchNorm1d", (4, 3)), ("LazyBatchNorm2d", (2, 3, 4, 4)),
                                        ("LazyBatchNorm3d", (2, 3, 2, 2, 2)), ("LazyInstanceNorm1d", (2, 3, 5)),
                                        ("LazyInstanceNorm2d", (2, 3, 4, 4)), ("LazyInstanceNorm3d", (2, 3, 2, 2, 2))])
def test_lazy_norms(name, shape):
    m = getattr(nn, name)()
    x = ember.randn(*shape)
    y = m(x)
    plain = getattr(nn, name[4:])
    assert type(m) is plain and m.num_features == 3
    ref = plain(3, affine=True, track_running_stats=True)
    y_ref = ref(x)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.running_mean.numpy(), ref.running_mean.numpy(), rtol=1e-6)
    assert int(m.num_batches_tracked.item()) == int(ref.num_batches_tracked.item())


@requires_torch
def test_lazy_state_dicts_match_torch_and_load():
    assert sorted(nn.LazyBatchNorm2d().state_dict()) == sorted(torch.nn.LazyBatchNorm2d().state_dict())
    theirs = torch.nn.Linear(4, 2)
    ours = nn.LazyLinear(2)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6)
    assert type(ours) is nn.Linear


def test_lazy_in_sequential_with_optimizer_after_init():
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    model(ember.randn(4, 3))
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    loss = model(ember.randn(4, 3)).pow(2).mean()
    loss.backward()
    opt.step()
    assert [tuple(p.shape) for p in model.parameters()] == [(8, 3), (8,), (1, 8), (1,)]
