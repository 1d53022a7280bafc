"""nn.utils.rnn (pad/pack helpers, PackedSequence through LSTM/GRU/RNN), nn.utils.parametrize,
parametrizations.weight_norm/spectral_norm, the hook-based weight_norm/spectral_norm, and
functional_call, vs PyTorch."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.utils import parametrize, parametrizations
from ember.nn.utils import rnn as R
from ember.testing import gradcheck
from conftest import requires_torch
from nn_compare import compare, copy_module

try:
    import torch
    import torch.nn.utils.rnn as TR
except ImportError:  # pragma: no cover
    torch = None

pytestmark = requires_torch


def _r(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 2]), (False, [2, 5, 3]), (False, [1, 1, 4])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_round_trip(rng, enforce_sorted, lengths, batch_first):
    x = _r(rng, 3, 5, 2) if batch_first else _r(rng, 5, 3, 2)

    def run(lib, rnn_utils):
        def f(x):
            packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
            padded, out_lengths = rnn_utils.pad_packed_sequence(packed, batch_first=batch_first, padding_value=-2.0,
                                                                total_length=6)
            return packed.data, packed.batch_sizes, padded, out_lengths
        return f
    ours, theirs = compare(run(ember, R), run(torch, TR), [x])
    assert ours[1].dtype == ember.int64 and ours[3].dtype == ember.int64


def test_pad_sequence_pack_sequence_unpack(rng):
    seqs = [_r(rng, 4, 3), _r(rng, 2, 3), _r(rng, 5, 3)]
    for kw in [{}, {"batch_first": True, "padding_value": 1.5}, {"padding_side": "left"}]:
        compare(lambda *s: R.pad_sequence(list(s), **kw), lambda *s: TR.pad_sequence(list(s), **kw), seqs)
    compare(lambda *s: R.pack_sequence(list(s), enforce_sorted=False).data,
            lambda *s: TR.pack_sequence(list(s), enforce_sorted=False).data, seqs)
    back = R.unpack_sequence(R.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False))
    for b, s in zip(back, seqs):
        np.testing.assert_array_equal(b.numpy(), s)
    padded = R.pad_sequence([ember.tensor(s) for s in seqs])
    for b, s in zip(R.unpad_sequence(padded, ember.tensor([4, 2, 5])), seqs):
        np.testing.assert_array_equal(b.numpy(), s)


def test_pack_errors():
    x = ember.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [4, 2, 0])
    with pytest.raises(RuntimeError, match="batch_size"):
        R.pack_padded_sequence(x, [4, 2])
    with pytest.raises(ValueError, match="total_length"):
        R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 2, 1]), total_length=3)
    with pytest.raises(ValueError, match="padding_side"):
        R.pad_sequence([x[0]], padding_side="middle")


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_layers_take_packed_sequences(rng, cls, bidirectional):
    theirs = getattr(torch.nn, cls)(2, 3, num_layers=2, bidirectional=bidirectional)
    ours = copy_module(theirs, getattr(nn, cls)(2, 3, num_layers=2, bidirectional=bidirectional))
    lengths = [2, 5, 3]
    h0 = _r(rng, 4 if bidirectional else 2, 3, 3)

    def run(module, rnn_utils):
        def f(x, h):
            packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=False)
            state = (h, h * 0.5) if cls == "LSTM" else h
            out, h_n = module(packed, state)
            assert isinstance(out, rnn_utils.PackedSequence)
            return out.data, h_n
        return f
    compare(run(ours, R), run(theirs, TR), [_r(rng, 5, 3, 2), h0], ours_module=ours, theirs_module=theirs, scale=3)


class _Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class _Scale(nn.Module):
    def forward(self, X):
        return X * 2

    def right_inverse(self, A):
        return A / 2


def test_register_parametrization_and_remove(rng):
    m = nn.Linear(3, 3)
    w0 = m.weight.detach().clone()
    parametrize.register_parametrization(m, "weight", _Symmetric())
    assert type(m).__name__ == "ParametrizedLinear" and parametrize.is_parametrized(m, "weight")
    assert parametrize.type_before_parametrizations(m) is nn.Linear
    assert sorted(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    np.testing.assert_allclose(m.parametrizations.weight.original.detach().numpy(), np.triu(w0.numpy()))
    x = ember.tensor(_r(rng, 2, 3))
    m(x).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    # Assigning goes through right_inverse; a second parametrization chains.
    target = ember.tensor(np.eye(3, dtype=np.float32) * 4)
    m.weight = target
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy())
    parametrize.register_parametrization(m, "weight", _Scale())
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy() * 2)
    with parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=True)
    assert type(m) is nn.Linear and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy() * 2)
    parametrize.register_parametrization(m, "weight", _Scale())
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy())


def test_parametrization_matches_torch_and_errors(rng):
    theirs = torch.nn.Linear(3, 3)
    ours = copy_module(theirs, nn.Linear(3, 3))
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", _TorchSymmetric())
    parametrize.register_parametrization(ours, "weight", _Symmetric())
    compare(ours, theirs, [_r(rng, 4, 3)], ours_module=ours, theirs_module=theirs)

    class Shrink(nn.Module):
        def forward(self, X):
            return X[:2]
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(3, 3), "weight", Shrink())
    with pytest.raises(ValueError, match="does not have a parameter"):
        parametrize.register_parametrization(nn.Linear(3, 3), "kernel", _Scale())
    with pytest.raises(ValueError, match="does not have a parametrization"):
        parametrize.remove_parametrizations(nn.Linear(3, 3), "weight")

    class NoInverse(nn.Module):
        def forward(self, X):
            return X + 1
    m = parametrize.register_parametrization(nn.Linear(2, 2), "weight", NoInverse())
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        m.weight = ember.zeros((2, 2))


if torch is not None:
    class _TorchSymmetric(torch.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_and_hook(rng, dim):
    for new_style in (True, False):
        theirs_fn = torch.nn.utils.parametrizations.weight_norm if new_style else torch.nn.utils.weight_norm
        ours_fn = parametrizations.weight_norm if new_style else nn.utils.weight_norm
        theirs = theirs_fn(torch.nn.Linear(4, 3), dim=dim)
        ours = nn.Linear(4, 3)
        ours_fn(ours, dim=dim)
        assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
        copy_module(theirs, ours)
        compare(ours, theirs, [_r(rng, 2, 4)], ours_module=ours, theirs_module=theirs)
    conv = nn.Conv2d(2, 3, 3).double()
    nn.utils.weight_norm(conv)
    v = conv.weight_v
    nn.utils.remove_weight_norm(conv)
    assert sorted(conv.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(conv.weight.detach().numpy(), v.detach().numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(conv)


def test_weight_norm_gradcheck(rng):
    lin = nn.Linear(3, 2).double()
    parametrizations.weight_norm(lin)
    x = ember.tensor(_r(rng, 4, 3, dtype=np.float64))
    g, v = lin.parametrizations.weight.original0, lin.parametrizations.weight.original1
    assert gradcheck(lambda g, v: nn.utils.stateless.functional_call(
        lin, {"parametrizations.weight.original0": g, "parametrizations.weight.original1": v}, (x,)),
        [g.detach().requires_grad_(), v.detach().requires_grad_()])


@pytest.mark.parametrize("train", [True, False])
def test_spectral_norm_matches_torch(rng, train):
    torch.manual_seed(0)  # the weights and the power-iteration start vectors: fixed draws
    ember.manual_seed(0)
    for new_style in (True, False):
        theirs_fn = torch.nn.utils.parametrizations.spectral_norm if new_style else torch.nn.utils.spectral_norm
        ours_fn = parametrizations.spectral_norm if new_style else nn.utils.spectral_norm
        theirs = theirs_fn(torch.nn.Conv2d(2, 3, 2), n_power_iterations=2)
        ours = nn.Conv2d(2, 3, 2)
        ours_fn(ours, n_power_iterations=2)
        assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
        copy_module(theirs, ours)
        ours.train(train), theirs.train(train)
        x = _r(rng, 2, 2, 4, 4)
        for _ in range(2):  # the power iteration state moves identically
            compare(ours, theirs, [x], ours_module=ours, theirs_module=theirs, scale=3)
            for p in list(ours.parameters()) + list(theirs.parameters()):
                p.grad = None
    lin = nn.Linear(5, 4)
    nn.utils.spectral_norm(lin)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm"):
        nn.utils.spectral_norm(lin)
    nn.utils.remove_spectral_norm(lin)
    assert sorted(lin.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="n_power_iterations"):
        parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    sn = parametrizations.spectral_norm(nn.Linear(6, 5))
    sn.train()
    for _ in range(30):
        sn(ember.randn(1, 6))
    assert abs(np.linalg.norm(sn.weight.detach().numpy(), 2) - 1) < 1e-3


def test_functional_call(rng):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    m.eval()
    x = ember.tensor(_r(rng, 5, 3))
    before = m(x).detach().numpy()
    params = {k: v.detach() * 0 + 1 for k, v in m.named_parameters()}
    out = ember.func.functional_call(m, params, (x,))
    ref = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).eval()
    ref.load_state_dict({**m.state_dict(), **params})
    np.testing.assert_allclose(out.detach().numpy(), ref(x).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(m(x).detach().numpy(), before)  # the module is unchanged
    w = ember.ones((2, 4), requires_grad=True)
    nn.utils.stateless.functional_call(m, {"2.weight": w}, x).sum().backward()
    assert w.grad is not None and m[2].weight.grad is None
    # Tied weights: one name stands for both.
    tied = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
    tied[1].weight = tied[0].weight
    out = ember.func.functional_call(tied, {"0.weight": ember.eye(2)}, (ember.ones((1, 2)),))
    np.testing.assert_allclose(out.numpy(), [[1, 1]])
    with pytest.raises(RuntimeError, match="Missing key"):
        ember.func.functional_call(m, {"0.weight": ember.ones((4, 3))}, (x,), strict=True)
    with pytest.raises(ValueError, match="multiple dictionaries"):
        ember.func.functional_call(m, ({"0.bias": ember.ones(4)}, {"0.bias": ember.ones(4)}), (x,))


@pytest.mark.parametrize("conv_bias", [True, False])
def test_fuse_conv_and_linear_with_batch_norm(rng, conv_bias):
    conv, bn = nn.Conv2d(2, 3, 3, bias=conv_bias), nn.BatchNorm2d(3)
    with ember.no_grad():
        bn.running_mean.copy_(ember.randn(3))
        bn.running_var.copy_(ember.rand(3) + 0.5)
        bn.weight.copy_(ember.randn(3))
        bn.bias.copy_(ember.randn(3))
    conv.eval(), bn.eval()
    x = ember.tensor(_r(rng, 2, 2, 5, 5))
    fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert fused is not conv and fused.bias is not None
    lin, bn1 = nn.Linear(4, 3, bias=conv_bias).eval(), nn.BatchNorm1d(3).eval()
    with ember.no_grad():
        bn1.running_mean.copy_(ember.randn(3))
        bn1.running_var.copy_(ember.rand(3) + 0.5)
    xl = ember.tensor(_r(rng, 5, 4))
    np.testing.assert_allclose(nn.utils.fuse_linear_bn_eval(lin, bn1)(xl).detach().numpy(),
                               bn1(lin(xl)).detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(conv.train(), bn)
    with pytest.raises(AssertionError, match="out_features"):
        nn.utils.fuse_linear_bn_eval(lin, nn.BatchNorm1d(5).eval())


def test_total_norm_clip_with_norm_and_skip_init(rng):
    grads = [_r(rng, 3, 2), _r(rng, 4)]
    ours = [ember.tensor(g) for g in grads]
    theirs = [torch.tensor(g) for g in grads]
    for norm_type in (2.0, 1.0, float("inf")):
        np.testing.assert_allclose(nn.utils.get_total_norm(ours, norm_type).numpy(),
                                   torch.nn.utils.get_total_norm(theirs, norm_type).numpy(), rtol=1e-6)
    ps, ts = [], []
    for g in grads:
        p, t = nn.Parameter(ember.zeros(g.shape)), torch.nn.Parameter(torch.zeros(g.shape))
        p.grad, t.grad = ember.tensor(g), torch.tensor(g)
        ps.append(p), ts.append(t)
    total = nn.utils.get_total_norm([p.grad for p in ps])
    nn.utils.clip_grads_with_norm_(ps, 0.5, total)
    torch.nn.utils.clip_grads_with_norm_(ts, 0.5, torch.nn.utils.get_total_norm([t.grad for t in ts]))
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    with pytest.warns(FutureWarning):
        nn.utils.clip_grad_norm(ps, 1.0)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.get_total_norm([ember.tensor([float("nan")])], error_if_nonfinite=True)
    lin = nn.utils.skip_init(nn.Linear, 3, 2)
    assert type(lin) is nn.Linear and tuple(lin.weight.shape) == (2, 3)
    with pytest.raises(RuntimeError, match="device"):
        nn.utils.skip_init(nn.ReLU)
