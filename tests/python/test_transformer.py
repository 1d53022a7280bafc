"""TransformerEncoder/Decoder layers, stacks and nn.Transformer vs PyTorch with copied weights (eval, and
train with dropout 0): post/pre-norm, relu/gelu/callable activations, batch_first, masks, causal masks;
generate_square_subsequent_mask; float64 gradcheck; error paths."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from ember.testing import gradcheck
from conftest import requires_torch
from nn_compare import compare, copy_module

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = requires_torch

D, H, FF = 8, 2, 16


def _pair(ours_cls, theirs_cls, *args, train=False, **kwargs):
    theirs = theirs_cls(*args, **kwargs)
    ours = copy_module(theirs, ours_cls(*args, **kwargs))
    for m in (ours, theirs):
        m.train(train)
    return ours, theirs


def _x(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [False, True])
def test_encoder_layer_matches_torch(rng, norm_first, activation, batch_first, train):
    act = {"relu": "relu", "gelu": "gelu"}.get(activation)
    ours, theirs = _pair(nn.TransformerEncoderLayer, torch.nn.TransformerEncoderLayer, D, H, FF, 0.0,
                         act or F.silu, train=train, norm_first=norm_first, batch_first=batch_first)
    if act is None:
        theirs.activation = torch.nn.functional.silu
    src = _x(rng, 3, 5, D)
    pad = np.zeros((3 if batch_first else 5, 5 if batch_first else 3), dtype=bool)
    pad[0, -1] = True
    compare(lambda s, p: ours(s, src_key_padding_mask=p), lambda s, p: theirs(s, src_key_padding_mask=p),
            [src, pad], requires_grad=[True, False], ours_module=ours, theirs_module=theirs, scale=5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(rng, norm_first):
    ours, theirs = _pair(nn.TransformerDecoderLayer, torch.nn.TransformerDecoderLayer, D, H, FF, 0.0,
                         norm_first=norm_first, train=True)
    tgt, mem = _x(rng, 4, 2, D), _x(rng, 6, 2, D)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    mem_pad = np.zeros((2, 6), dtype=bool)
    mem_pad[1, 4:] = True
    compare(lambda t, m, tm, mp: ours(t, m, tgt_mask=tm, memory_key_padding_mask=mp, tgt_is_causal=True),
            lambda t, m, tm, mp: theirs(t, m, tgt_mask=tm, memory_key_padding_mask=mp, tgt_is_causal=True),
            [tgt, mem, tgt_mask, mem_pad], requires_grad=[True, True, False, False], ours_module=ours,
            theirs_module=theirs, scale=5)


def test_encoder_and_decoder_stacks(rng):
    layer = torch.nn.TransformerEncoderLayer(D, H, FF, 0.0)
    theirs = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(D), enable_nested_tensor=False)
    ours = copy_module(theirs, nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF, 0.0), 2,
                                                     norm=nn.LayerNorm(D)))
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    src, mask = _x(rng, 5, 2, D), nn.Transformer.generate_square_subsequent_mask(5).numpy()
    compare(lambda s, m: ours(s, mask=m), lambda s, m: theirs(s, mask=m), [src, mask],
            requires_grad=[True, False], ours_module=ours, theirs_module=theirs, scale=5)
    dec_t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, H, FF, 0.0), 2)
    dec_o = copy_module(dec_t, nn.TransformerDecoder(nn.TransformerDecoderLayer(D, H, FF, 0.0), 2))
    compare(lambda t, m: dec_o(t, m), lambda t, m: dec_t(t, m), [_x(rng, 3, 2, D), src],
            ours_module=dec_o, theirs_module=dec_t, scale=5)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(rng, batch_first):
    kw = dict(d_model=D, nhead=H, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF, dropout=0.0,
              batch_first=batch_first)
    ours, theirs = _pair(nn.Transformer, torch.nn.Transformer, train=True, **kw)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    src = _x(rng, 2, 5, D) if batch_first else _x(rng, 5, 2, D)
    tgt = _x(rng, 2, 3, D) if batch_first else _x(rng, 3, 2, D)
    tgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(3).numpy()
    compare(lambda s, t, m: ours(s, t, tgt_mask=m), lambda s, t, m: theirs(s, t, tgt_mask=m), [src, tgt, tgt_mask],
            requires_grad=[True, True, False], ours_module=ours, theirs_module=theirs, scale=5)
    # Unbatched.
    compare(lambda s, t: ours(s, t), lambda s, t: theirs(s, t), [_x(rng, 4, D), _x(rng, 2, D)], scale=5)


def test_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    assert m.dtype == ember.float32
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64).dtype == ember.float64


def test_encoder_layer_gradcheck(rng):
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    x = ember.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert gradcheck(lambda x: layer(x.transpose(0, 1).transpose(0, 1), src_mask=mask), [x])


def test_dropout_active_in_train_only():
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.5)
    x = ember.randn(4, 2, D)
    layer.eval()
    a = layer(x)
    assert (a == layer(x)).all().item()
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), a.detach().numpy())


def test_transformer_errors():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, H, activation="tanh")
    with pytest.raises(AssertionError, match="divisible"):
        nn.TransformerEncoderLayer(D, 3)
    model = nn.Transformer(D, H, 1, 1, FF)
    with pytest.raises(RuntimeError, match="batch number"):
        model(ember.randn(5, 2, D), ember.randn(3, 3, D))
    with pytest.raises(RuntimeError, match="feature number"):
        model(ember.randn(5, 2, D + 2), ember.randn(3, 2, D + 2))
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        model.encoder(ember.randn(5, 2, D), mask=ember.zeros((4, 4)))


def test_reprs_match_torch():
    pairs = [(nn.TransformerEncoderLayer(D, H, FF), torch.nn.TransformerEncoderLayer(D, H, FF)),
             (nn.TransformerDecoderLayer(D, H, FF, activation=nn.GELU()),
              torch.nn.TransformerDecoderLayer(D, H, FF, activation=torch.nn.GELU())),
             (nn.MultiheadAttention(D, H, kdim=3), torch.nn.MultiheadAttention(D, H, kdim=3))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
