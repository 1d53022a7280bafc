"""scaled_dot_product_attention, multi_head_attention_forward and nn.MultiheadAttention vs PyTorch with the
same weights: masks (bool/float, key padding, causal), GQA, bias_kv, zero_attn, kdim/vdim, batch_first,
unbatched inputs; float64 gradchecks; error paths."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from ember.testing import gradcheck
from conftest import requires_torch
from nn_compare import compare, module_pair

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = requires_torch


def _randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "causal", "bool_broadcast"])
def test_sdpa_matches_torch(rng, mask_kind):
    q, k, v = _randn(rng, 2, 3, 5, 4), _randn(rng, 2, 3, 6, 4), _randn(rng, 2, 3, 6, 7)
    kwargs = {}
    if mask_kind == "bool":
        mask = rng.random((2, 3, 5, 6)) > 0.3
        mask[0, 0, 1] = False  # a query that may attend to nothing: zeros, as in torch
        kwargs["attn_mask"] = mask
    elif mask_kind == "float":
        kwargs["attn_mask"] = _randn(rng, 5, 6)
    elif mask_kind == "bool_broadcast":
        kwargs["attn_mask"] = rng.random((1, 6)) > 0.3
    elif mask_kind == "causal":
        kwargs["is_causal"] = True
    mask = kwargs.pop("attn_mask", None)
    arrays = [q, k, v] + ([mask] if mask is not None else [])
    compare(lambda *t: F.scaled_dot_product_attention(*t, **kwargs),
            lambda *t: torch.nn.functional.scaled_dot_product_attention(*t, **kwargs), arrays,
            requires_grad=[True, True, True, False])


def test_sdpa_scale_gqa_and_layouts(rng):
    q, k, v = _randn(rng, 2, 4, 5, 8), _randn(rng, 2, 2, 5, 8), _randn(rng, 2, 2, 5, 8)
    compare(lambda *t: F.scaled_dot_product_attention(*t, scale=0.3, enable_gqa=True),
            lambda *t: torch.nn.functional.scaled_dot_product_attention(*t, scale=0.3, enable_gqa=True), [q, k, v])
    # Non-contiguous (transposed) inputs and plain 2-D ones.
    qt = _randn(rng, 5, 2, 8)
    compare(lambda q, k: F.scaled_dot_product_attention(q.transpose(0, 1), k.transpose(0, 1), k.transpose(0, 1)),
            lambda q, k: torch.nn.functional.scaled_dot_product_attention(q.transpose(0, 1), k.transpose(0, 1),
                                                                          k.transpose(0, 1)), [qt, qt.copy()])
    compare(F.scaled_dot_product_attention, torch.nn.functional.scaled_dot_product_attention,
            [_randn(rng, 3, 4), _randn(rng, 6, 4), _randn(rng, 6, 2)])


def test_sdpa_zero_size_and_dropout(rng):
    out = F.scaled_dot_product_attention(ember.zeros((2, 0, 4)), ember.zeros((2, 3, 4)), ember.zeros((2, 3, 5)))
    assert tuple(out.shape) == (2, 0, 5)
    q = ember.randn(2, 64, 8)
    ember.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    ember.manual_seed(0)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert (a == b).all().item() and not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, q, q).numpy())
    full = F.scaled_dot_product_attention(q, q, q, dropout_p=1.0)
    assert not full.numpy().any()


def test_sdpa_gradcheck(rng):
    q, k, v = (ember.tensor(_randn(rng, *s, dtype=np.float64), requires_grad=True)
               for s in [(2, 3, 4), (2, 5, 4), (2, 5, 3)])
    mask = ember.tensor(rng.random((3, 5)) > 0.3)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask), [q, k, v])
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q.transpose(-2, -1).transpose(-2, -1), k, v,
                                                                    is_causal=True), [q, k, v])


def test_sdpa_errors():
    q = ember.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones((3, 3), dtype=ember.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="embedding size"):
        F.scaled_dot_product_attention(q, ember.randn(2, 3, 5), q)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(RuntimeError, match="heads"):
        F.scaled_dot_product_attention(ember.randn(1, 3, 2, 4), ember.randn(1, 2, 2, 4), ember.randn(1, 2, 2, 4),
                                       enable_gqa=True)


MHA_CASES = [
    ({}, {}),
    ({"bias": False}, {"need_weights": False}),
    ({"add_bias_kv": True}, {}),
    ({"add_zero_attn": True}, {"average_attn_weights": False}),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"need_weights": False}),
    ({"kdim": 3, "vdim": 5}, {}),
    ({"batch_first": True}, {}),
    ({"batch_first": True}, {"need_weights": False}),
]


@pytest.mark.parametrize("ctor,call", MHA_CASES)
@pytest.mark.parametrize("masks", ["none", "padding", "attn2d", "attn3d_bool", "both"])
def test_multihead_attention_matches_torch(rng, ctor, call, masks):
    E, H, L, S, N = 8, 2, 4, 5, 3
    ours, theirs = module_pair(nn.MultiheadAttention, torch.nn.MultiheadAttention, E, H, **ctor)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    seq = (lambda n, l, e: (n, l, e)) if ctor.get("batch_first") else (lambda n, l, e: (l, n, e))
    arrays = [_randn(rng, *seq(N, L, E)), _randn(rng, *seq(N, S, kdim)), _randn(rng, *seq(N, S, vdim))]
    extra, names = [], []
    if masks in ("padding", "both"):
        pad = np.zeros((N, S), dtype=bool)
        pad[0, -2:] = True
        extra.append(pad), names.append("key_padding_mask")
    if masks in ("attn2d", "both"):
        extra.append(_randn(rng, L, S)), names.append("attn_mask")
    if masks == "attn3d_bool":
        m = rng.random((N * H, L, S)) > 0.7
        m[:, :, 0] = False
        extra.append(m), names.append("attn_mask")

    def run(module):
        return lambda q, k, v, *m: module(q, k, v, **dict(zip(names, m)), **call)
    compare(run(ours), run(theirs), arrays + extra, requires_grad=[True] * 3 + [False] * len(extra),
            ours_module=ours, theirs_module=theirs, scale=3)


def test_multihead_attention_self_unbatched_and_causal(rng):
    ours, theirs = module_pair(nn.MultiheadAttention, torch.nn.MultiheadAttention, 6, 3, dtype="float64")
    x = _randn(rng, 5, 6, dtype=np.float64)
    compare(lambda x: ours(x, x, x), lambda x: theirs(x, x, x), [x], dtype="float64",
            ours_module=ours, theirs_module=theirs)
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    xb = _randn(rng, 5, 2, 6, dtype=np.float64)
    compare(lambda x, m: ours(x, x, x, attn_mask=m, is_causal=True, need_weights=False),
            lambda x, m: theirs(x, x, x, attn_mask=m, is_causal=True, need_weights=False), [xb, mask],
            dtype="float64", requires_grad=[True, False])


def test_multihead_attention_gradcheck(rng):
    mha = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q = ember.tensor(_randn(rng, 3, 2, 4, dtype=np.float64), requires_grad=True)
    kv = ember.tensor(_randn(rng, 5, 2, 4, dtype=np.float64), requires_grad=True)
    pad = ember.tensor(np.array([[False] * 4 + [True], [False] * 5]))
    assert gradcheck(lambda q, kv: mha(q, kv, kv.transpose(0, 1).transpose(0, 1), key_padding_mask=pad)[0],
                     [q, kv])
    w = mha.in_proj_weight
    assert gradcheck(lambda w: F.multi_head_attention_forward(
        q.detach(), kv.detach(), kv.detach(), 4, 2, w, mha.in_proj_bias, None, None, False, 0.0,
        mha.out_proj.weight, mha.out_proj.bias, need_weights=False)[0], [w.detach().requires_grad_()])


def test_multihead_attention_train_dropout_and_state_dict():
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    assert sorted(mha.state_dict()) == sorted(torch.nn.MultiheadAttention(8, 2).state_dict())
    sep = nn.MultiheadAttention(8, 2, kdim=3, vdim=4)
    assert sorted(sep.state_dict()) == sorted(torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=4).state_dict())
    x = ember.randn(4, 2, 8)
    mha.eval()
    a, _ = mha(x, x, x)
    b, _ = mha(x, x, x)
    assert (a == b).all().item()
    mha.train()
    assert not np.allclose(mha(x, x, x)[0].detach().numpy(), a.detach().numpy())


def test_multihead_attention_errors():
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)
    mha = nn.MultiheadAttention(8, 2)
    x = ember.randn(4, 2, 8)
    with pytest.raises(AssertionError, match="embedding dimension of 8"):
        mha(ember.randn(4, 2, 6), ember.randn(4, 2, 6), ember.randn(4, 2, 6))
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        mha(x, x, x, attn_mask=ember.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="3D attn_mask"):
        mha(x, x, x, attn_mask=ember.zeros((3, 4, 4)))
    with pytest.raises(AssertionError, match="key_padding_mask shape"):
        mha(x, x, x, key_padding_mask=ember.zeros((2, 3), dtype=ember.bool))
    with pytest.raises(AssertionError, match="only bool and floating"):
        mha(x, x, x, key_padding_mask=ember.zeros((2, 4), dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="3-D"):
        mha(x, x[0], x)


def test_sdpa_float_mask_with_a_fully_masked_row(rng):
    mask = np.zeros((3, 3), dtype=np.float32)
    mask[1] = -np.inf
    compare(lambda q, m: F.scaled_dot_product_attention(q, q, q, attn_mask=m),
            lambda q, m: torch.nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=m),
            [_randn(rng, 1, 3, 4), mask], requires_grad=[True, False])


def test_sdpa_broadcast_batch_dims_and_double_backward(rng):
    compare(F.scaled_dot_product_attention, torch.nn.functional.scaled_dot_product_attention,
            [_randn(rng, 2, 3, 4, 5, dtype=np.float64), _randn(rng, 1, 3, 6, 5, dtype=np.float64),
             _randn(rng, 1, 1, 6, 2, dtype=np.float64)], dtype="float64")
    x = _randn(rng, 2, 3, 4, dtype=np.float64)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ge,) = ember.autograd.grad(F.scaled_dot_product_attention(xe, xe, xe).pow(2).sum(), [xe], create_graph=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.scaled_dot_product_attention(xt, xt, xt).pow(2).sum(), [xt],
                                create_graph=True)
    ge.pow(2).sum().backward()
    gt.pow(2).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
