"""RNN/LSTM/GRU and their cells vs PyTorch: torch's state_dict copied into ours, outputs, final states,
input/state gradients and every weight gradient compared; shapes, errors, init bounds, gradcheck."""
import math

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

CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False},
]


def _state_shape(kwargs, batch, width):
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    return (layers, batch, width) if batch else (layers, width)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", CONFIGS + [{"nonlinearity": "relu", "num_layers": 2}],
                         ids=lambda k: str(sorted(k.items())))
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn_gru_vs_torch(kwargs, dtype, with_h0, rng):
    kinds = ["RNN"] if "nonlinearity" in kwargs else ["RNN", "GRU"]
    for kind in kinds:
        ours, theirs = module_pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 4, dtype=dtype, **kwargs)
        assert repr(ours) == repr(theirs)
        x = rng.standard_normal((2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3)).astype(dtype)
        arrays = [x] + ([rng.standard_normal(_state_shape(kwargs, 2, 4)).astype(dtype)] if with_h0 else [])
        compare(ours, theirs, arrays, dtype, scale=10, ours_module=ours, theirs_module=theirs)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", CONFIGS + [{"proj_size": 2}, {"proj_size": 3, "num_layers": 2, "bidirectional": True}],
                         ids=lambda k: str(sorted(k.items())))
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_vs_torch(kwargs, dtype, with_state, rng):
    ours, theirs = module_pair(nn.LSTM, torch.nn.LSTM, 3, 4, dtype=dtype, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = rng.standard_normal((2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3)).astype(dtype)
    if not with_state:
        compare(ours, theirs, [x], dtype, scale=10, ours_module=ours, theirs_module=theirs)
        return
    h0 = rng.standard_normal(_state_shape(kwargs, 2, kwargs.get("proj_size") or 4)).astype(dtype)
    c0 = rng.standard_normal(_state_shape(kwargs, 2, 4)).astype(dtype)
    compare(lambda x, h, c: ours(x, (h, c)), lambda x, h, c: theirs(x, (h, c)), [x, h0, c0], dtype, scale=10,
            ours_module=ours, theirs_module=theirs)


@requires_torch
@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_unbatched_input(kind, rng):
    ours, theirs = module_pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 4, num_layers=2, bidirectional=True)
    x = rng.standard_normal((6, 3)).astype(np.float32)
    compare(ours, theirs, [x], scale=10, ours_module=ours, theirs_module=theirs)
    h = rng.standard_normal((4, 4)).astype(np.float32)
    if kind == "LSTM":
        compare(lambda x, h, c: ours(x, (h, c)), lambda x, h, c: theirs(x, (h, c)), [x, h, h * 0.5], scale=10)
    else:
        compare(ours, theirs, [x, h], scale=10)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,kwargs", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
                                         ("GRUCell", {}), ("LSTMCell", {}), ("LSTMCell", {"bias": False})])
def test_cells_vs_torch(kind, kwargs, dtype, rng):
    ours, theirs = module_pair(getattr(nn, kind), getattr(torch.nn, kind), 3, 4, dtype=dtype, **kwargs)
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((5, 3)).astype(dtype)
    h = rng.standard_normal((5, 4)).astype(dtype)
    compare(ours, theirs, [x], dtype, ours_module=ours, theirs_module=theirs)
    for p in list(ours.parameters()) + list(theirs.parameters()):
        p.grad = None
    if kind == "LSTMCell":
        c = rng.standard_normal((5, 4)).astype(dtype)
        compare(lambda x, h, c: ours(x, (h, c)), lambda x, h, c: theirs(x, (h, c)), [x, h, c], dtype,
                ours_module=ours, theirs_module=theirs)
        compare(lambda x, h, c: ours(x, (h, c)), lambda x, h, c: theirs(x, (h, c)), [x[0], h[0], c[0]], dtype)
    else:
        compare(ours, theirs, [x, h], dtype, ours_module=ours, theirs_module=theirs)
        compare(ours, theirs, [x[0], h[0]], dtype)  # unbatched


def test_rnn_errors_and_shapes():
    lstm = nn.LSTM(3, 4, num_layers=2, proj_size=2, batch_first=True)
    out, (h, c) = lstm(ember.randn(7, 5, 3))
    assert tuple(out.shape) == (7, 5, 2) and tuple(h.shape) == (2, 7, 2) and tuple(c.shape) == (2, 7, 4)
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D instead"):
        nn.GRU(3, 4)(ember.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"):
        nn.RNN(3, 4)(ember.randn(2, 2, 5))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        nn.RNN(3, 4)(ember.randn(2, 2, 3), ember.zeros(1, 3, 4))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D"):
        nn.GRUCell(3, 4)(ember.randn(1, 2, 3))


def test_rnn_dropout_between_layers_only_in_training():
    ember.manual_seed(0)
    gru = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = ember.randn(4, 2, 3)
    gru.eval()
    a, _ = gru(x)
    b, _ = gru(x)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    gru.train()
    c, _ = gru(x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


def test_rnn_default_init_bounds():
    ember.manual_seed(0)
    for module in (nn.LSTM(10, 64, num_layers=2, bidirectional=True), nn.GRUCell(5, 64)):
        bound = 1 / math.sqrt(64)
        for name, p in module.named_parameters():
            values = p.detach().numpy()
            assert np.abs(values).max() <= bound, name
            assert np.abs(values).max() > 0.9 * bound, name


def test_cell_gradcheck(rng):
    def params(cell):
        cell.double()
        return list(cell.parameters())
    x = ember.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = ember.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    c = ember.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    for cell in (nn.RNNCell(3, 4), nn.GRUCell(3, 4)):
        params(cell)
        assert gradcheck(lambda x, h, w: cell(x, h), [x, h, cell.weight_hh])
    lstm = nn.LSTMCell(3, 4)
    params(lstm)
    assert gradcheck(lambda x, h, c, w: lstm(x, (h, c)), [x, h, c, lstm.weight_ih])
    seq = nn.LSTM(3, 2, proj_size=1, bidirectional=True).double()
    xs = ember.tensor(rng.standard_normal((3, 1, 3)), requires_grad=True)
    assert gradcheck(lambda x, w: seq(x)[0], [xs, seq.weight_hr_l0_reverse])
