"""Layers vs PyTorch with the same weights: Linear, Bilinear, Flatten/Unflatten, Identity, Embedding,
LayerNorm, BatchNorm (running statistics, eval), Dropout statistics; every layer's repr; nn.utils."""
import math

import numpy as np
import pytest

import ember
from ember import nn
from ember.testing import assert_close
from conftest import requires_torch
from nn_compare import compare, copy_module, module_pair

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

# (class name, constructor args, constructor kwargs, input shapes)
LAYERS = [
    ("Linear", (4, 3), {}, [(5, 4)]),
    ("Linear", (4, 3), {"bias": False}, [(2, 5, 4)]),
    ("Linear", (4, 3), {}, [(4,)]),
    ("Bilinear", (4, 2, 3), {}, [(5, 4), (5, 2)]),
    ("Bilinear", (4, 2, 3), {"bias": False}, [(4,), (2,)]),
    ("Identity", (), {}, [(3, 2)]),
    ("Flatten", (), {}, [(2, 3, 4)]),
    ("Flatten", (0, -2), {}, [(2, 3, 4)]),
    ("Unflatten", (1, (2, 3)), {}, [(4, 6)]),
    ("LayerNorm", (6,), {}, [(3, 6)]),
    ("LayerNorm", ((3, 4),), {"eps": 1e-3, "bias": False}, [(2, 3, 4)]),
    ("LayerNorm", (4,), {"elementwise_affine": False}, [(2, 4)]),
    ("BatchNorm1d", (3,), {}, [(5, 3)]),
    ("BatchNorm1d", (3,), {"momentum": None}, [(4, 3, 6)]),
    ("BatchNorm1d", (3,), {"affine": False, "track_running_stats": False}, [(4, 3, 2)]),
    ("BatchNorm2d", (2,), {"eps": 1e-3, "momentum": 0.3}, [(3, 2, 4, 5)]),
]


def _layer_id(row):
    return f"{row[0]}-{row[1]}-{sorted(row[2].items())}"


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs,shapes", LAYERS, ids=[_layer_id(r) for r in LAYERS])
def test_layer_vs_torch(name, args, kwargs, shapes, dtype, rng):
    ours, theirs = module_pair(getattr(nn, name), getattr(torch.nn, name), *args, dtype=dtype, **kwargs)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():  # non-trivial affine parameters
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    copy_module(theirs, ours)
    for step in range(2):  # twice: BatchNorm's running statistics move
        inputs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        for p in list(ours.parameters()) + list(theirs.parameters()):
            p.grad = None
        compare(ours, theirs, inputs, dtype, ours_module=ours, theirs_module=theirs, seed=step)
        for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
            assert_close(a, b, rtol=1e-5, atol=1e-6)
    ours.eval(), theirs.eval()
    compare(ours, theirs, [rng.standard_normal(s).astype(dtype) for s in shapes], dtype)


@requires_torch
def test_batchnorm_errors_and_eval_uses_running_stats(rng):
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        bn(ember.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.ones(2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ember.ones(1, 3))
    bn.eval()
    bn.running_mean.fill_(2.0)
    bn.running_var.fill_(4.0)
    out = bn(ember.full((1, 3), 4.0))
    assert_close(out, np.full((1, 3), 2.0 / math.sqrt(4.0 + 1e-5), dtype=np.float32))
    assert bn.num_batches_tracked.item() == 0
    bn.train()
    bn(ember.tensor(rng.standard_normal((4, 3)).astype(np.float32)))
    assert bn.num_batches_tracked.item() == 1


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_vs_torch(dtype, rng):
    idx = np.array([[0, 2, 4], [4, 3, 2]])
    for kwargs in ({}, {"padding_idx": 2}, {"padding_idx": -1}):
        ours, theirs = module_pair(nn.Embedding, torch.nn.Embedding, 5, 3, dtype=dtype, **kwargs)
        assert repr(ours) == repr(theirs)
        compare(ours, theirs, [idx], dtype, ours_module=ours, theirs_module=theirs)
        if "padding_idx" in kwargs:
            assert not ours.weight.grad[ours.padding_idx].numpy().any()


@requires_torch
def test_embedding_max_norm_and_init(rng):
    ours, theirs = module_pair(nn.Embedding, torch.nn.Embedding, 6, 4, max_norm=1.0, norm_type=1.5)
    assert repr(ours) == repr(theirs)
    idx = np.array([1, 3, 3, 5])
    compare(ours, theirs, [idx], ours_module=ours, theirs_module=theirs)
    assert_close(ours.weight, theirs.weight)  # rows renormalised in place, the others untouched
    emb = nn.Embedding(10, 3, padding_idx=4)
    assert not emb.weight[4].detach().numpy().any()
    w = ember.randn(10, 3)
    pre = nn.Embedding.from_pretrained(w)
    assert not pre.weight.requires_grad and pre.weight.shape == w.shape
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)


def test_dropout_statistics_and_eval():
    ember.manual_seed(0)
    x = ember.ones(200, 500)
    for p in (0.2, 0.5, 0.8):
        drop = nn.Dropout(p)
        out = drop(x).numpy()
        zero_fraction = (out == 0).mean()
        assert abs(zero_fraction - p) < 0.01, (p, zero_fraction)
        assert abs(out.mean() - 1.0) < 0.03  # kept values are scaled by 1 / (1 - p)
        assert np.allclose(out[out != 0], 1 / (1 - p))
        drop.eval()
        assert_close(drop(x), x)
    assert not nn.Dropout(1.0)(x).numpy().any()
    for cls, shape in ((nn.Dropout1d, (50, 40, 7)), (nn.Dropout2d, (50, 40, 3, 3))):
        out = cls(0.5)(ember.ones(*shape)).numpy().reshape(50, 40, -1)
        assert (out.min(-1) == out.max(-1)).all()  # whole channels are dropped together
        assert abs((out[..., 0] == 0).mean() - 0.5) < 0.05
    alpha = nn.AlphaDropout(0.3)
    y = alpha(ember.randn(400, 500)).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02  # self-normalising: mean 0, std 1 preserved
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        ember.nn.functional.dropout(x, -0.1)
    for cls in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout):
        assert repr(cls(0.25, inplace=True)) == f"{cls.__name__}(p=0.25, inplace=True)"


def test_dropout_inplace_and_gradient():
    ember.manual_seed(1)
    x = ember.randn(30, 30, requires_grad=True)
    out = nn.functional.dropout(x, 0.4)
    out.sum().backward()
    kept = out.detach().numpy() != 0
    assert_close(x.grad, kept / 0.6)
    y = ember.ones(10, 10)
    assert nn.functional.dropout(y, 0.5, inplace=True) is y


@requires_torch
def test_layer_reprs_match_torch():
    rows = [("Linear", (3, 4), {"bias": False}), ("Bilinear", (2, 3, 4), {}), ("Flatten", (), {}),
            ("Unflatten", (1, (2, 2)), {}), ("Identity", (), {}), ("Embedding", (5, 2), {"sparse": True}),
            ("Embedding", (5, 2), {"scale_grad_by_freq": True, "padding_idx": 0}), ("LayerNorm", ((2, 3),), {}),
            ("BatchNorm1d", (4,), {"momentum": None, "affine": False}), ("BatchNorm2d", (4,), {}),
            ("Dropout", (), {}), ("Dropout2d", (0.1,), {}), ("AlphaDropout", (), {}),
            ("MSELoss", (), {}), ("CrossEntropyLoss", (), {"label_smoothing": 0.1})]
    for name, args, kwargs in rows:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs)), name


def test_linear_default_init_bounds():
    ember.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) gives 1/sqrt(fan_in) too
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert np.abs(b).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert nn.Linear(3, 2, dtype=ember.float64).weight.dtype == ember.float64


# ---- nn.utils ----------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
def test_clip_grad_norm_vs_torch(norm_type, rng):
    grads = [rng.standard_normal(s).astype(np.float32) * 3 for s in [(3, 4), (5,), (2, 2, 2)]]
    ours = [ember.zeros(g.shape, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = ember.tensor(g), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, 1.5, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    assert_close(total, expected, rtol=1e-5)
    for o, t in zip(ours, theirs):
        assert_close(o.grad, t.grad, rtol=1e-5)
    big = nn.utils.clip_grad_norm_(ours, 1e6, norm_type)  # no clipping when under the limit
    assert_close(big, 1.5, rtol=1e-4)


@requires_torch
def test_clip_grad_value_and_vector_round_trip(rng):
    g = rng.standard_normal((4, 5)).astype(np.float32) * 2
    p, tp = ember.zeros(4, 5, requires_grad=True), torch.zeros(4, 5, requires_grad=True)
    p.grad, tp.grad = ember.tensor(g), torch.tensor(g)
    nn.utils.clip_grad_value_([p], 0.7)
    torch.nn.utils.clip_grad_value_([tp], 0.7)
    assert_close(p.grad, tp.grad)
    ours, theirs = module_pair(nn.Linear, torch.nn.Linear, 3, 2)
    vec = nn.utils.parameters_to_vector(ours.parameters())
    assert_close(vec, torch.nn.utils.parameters_to_vector(theirs.parameters()))
    nn.utils.vector_to_parameters(vec * 2, ours.parameters())
    assert_close(ours.weight, theirs.weight * 2)
    with pytest.raises(TypeError, match="expected ember.Tensor"):
        nn.utils.vector_to_parameters([1.0], ours.parameters())
    assert nn.utils.clip_grad_norm_([ember.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    q = ember.zeros(2, requires_grad=True)
    q.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="is non-finite"):
        nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)
