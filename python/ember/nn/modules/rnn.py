"""Recurrent layers: RNN, LSTM, GRU and their single-step cells.

Parameter names, shapes, gate order and initialisation follow PyTorch, so state dicts transfer.
The input projection of a whole sequence is one matrix product; only the hidden-state product
runs per time step.
"""
import math

import ember
from ember.nn import functional as F
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.nn.utils.rnn import PackedSequence, pad_packed_sequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode, x_proj, h, w_hh, b_hh):
    """One step of a plain RNN; x_proj is x @ W_ih^T + b_ih."""
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return ember.tanh(pre) if mode == "RNN_TANH" else ember.relu(pre)


def _lstm_step(x_proj, h, c, w_hh, b_hh, w_hr=None):
    gates = x_proj + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = ember.sigmoid(f) * c + ember.sigmoid(i) * ember.tanh(g)
    h = ember.sigmoid(o) * ember.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(x_proj, h, w_hh, b_hh):
    hidden = F.linear(h, w_hh, b_hh)
    x_r, x_z, x_n = x_proj.chunk(3, -1)
    h_r, h_z, h_n = hidden.chunk(3, -1)
    r = ember.sigmoid(x_r + h_r)
    z = ember.sigmoid(x_z + h_z)
    n = ember.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero" if isinstance(hidden_size, int)
                             else f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size or hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(ember.empty(shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        std = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -std, std)

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        get = lambda name: getattr(self, name + suffix, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_input(self, input):
        expected = 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        return input.dim() == expected

    def _initial_state(self, hx, batch, batched, width, dtype):
        directions = 2 if self.bidirectional else 1
        shape = (self.num_layers * directions, batch, width)
        if hx is None:
            return ember.zeros(shape, dtype=dtype)
        if not batched:
            if hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
            hx = hx.unsqueeze(1)
        if tuple(hx.shape) != shape:
            raise RuntimeError(f"Expected hidden size {shape}, got {list(hx.shape)}")
        return hx

    def _run(self, input, hx, cx, lengths=None):
        """Runs all layers and directions; input is (seq, batch, features). With lengths (int64, one per
        sequence) a sequence's state stops changing after its last step (and, in reverse, starts at
        it); its outputs past the end are 0."""
        alive = None if lengths is None else \
            (ember.arange(input.shape[0]).unsqueeze(1) < lengths.unsqueeze(0)).unsqueeze(-1)
        directions = 2 if self.bidirectional else 1
        layer_input = input
        h_out, c_out = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
                idx = layer * directions + direction
                h = hx[idx]
                c = cx[idx] if cx is not None else None
                x_proj = F.linear(layer_input, w_ih, b_ih)  # all time steps at once
                steps = range(x_proj.shape[0] - 1, -1, -1) if direction == 1 else range(x_proj.shape[0])
                seq = [None] * x_proj.shape[0]
                for t in steps:
                    if self.mode == "LSTM":
                        h_new, c_new = _lstm_step(x_proj[t], h, c, w_hh, b_hh, w_hr)
                    elif self.mode == "GRU":
                        h_new, c_new = _gru_step(x_proj[t], h, w_hh, b_hh), None
                    else:
                        h_new, c_new = _rnn_step(self.mode, x_proj[t], h, w_hh, b_hh), None
                    if alive is None:
                        h, c = h_new, c_new
                        seq[t] = h
                    else:
                        h = ember.where(alive[t], h_new, h)
                        c = ember.where(alive[t], c_new, c) if c_new is not None else None
                        seq[t] = ember.where(alive[t], h_new, ember.zeros_like(h_new))
                outputs.append(ember.stack(seq, 0))
                h_out.append(h)
                c_out.append(c)
            layer_input = outputs[0] if directions == 1 else ember.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, ember.stack(h_out, 0), (ember.stack(c_out, 0) if cx is not None else None)

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)
        if self.batch_first and batched:
            x = x.transpose(0, 1)
        batch = x.shape[1]
        out_width = self.proj_size or self.hidden_size
        if self.mode == "LSTM":
            h0, c0 = (None, None) if hx is None else hx
            h0 = self._initial_state(h0, batch, batched, out_width, x.dtype)
            c0 = self._initial_state(c0, batch, batched, self.hidden_size, x.dtype)
        else:
            h0, c0 = self._initial_state(hx, batch, batched, out_width, x.dtype), None
        output, h_n, c_n = self._run(x, h0, c0)
        if self.batch_first and batched:
            output = output.transpose(0, 1)
        if not batched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        return (output, (h_n, c_n)) if self.mode == "LSTM" else (output, h_n)


    def _forward_packed(self, packed, hx):
        """Runs the padded batch with per-sequence lengths (in the packed, sorted order); the output is
        packed the same way and the final states are returned in the caller's order."""
        x, lengths = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))
        self._check_input(x)
        order, restore = packed.sorted_indices, packed.unsorted_indices
        out_width = self.proj_size or self.hidden_size

        def sort_state(state, width):
            state = self._initial_state(state, x.shape[1], True, width, x.dtype)
            return state if order is None else state.index_select(1, order)

        if self.mode == "LSTM":
            h0, c0 = (None, None) if hx is None else hx
            h0, c0 = sort_state(h0, out_width), sort_state(c0, self.hidden_size)
        else:
            h0, c0 = sort_state(hx, out_width), None
        output, h_n, c_n = self._run(x, h0, c0, lengths)
        present = ember.arange(x.shape[1]).unsqueeze(0) < packed.batch_sizes.unsqueeze(1)
        output = PackedSequence(output[present], packed.batch_sizes, order, restore)
        if restore is not None:
            h_n = h_n.index_select(1, restore)
            c_n = c_n.index_select(1, restore) if c_n is not None else None
        return (output, (h_n, c_n)) if self.mode == "LSTM" else (output, h_n)


class RNN(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate = self._gates * hidden_size
        self.weight_ih = Parameter(ember.empty((gate, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(ember.empty((gate, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ember.empty(gate, device=device, dtype=dtype))
            self.bias_hh = Parameter(ember.empty(gate, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            hx = ember.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
        elif not batched:
            hx = hx.unsqueeze(0)
        return x, hx, batched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        x, h, batched = self._prepare(input, hx)
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h = _rnn_step(mode, F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    _gates = 4

    def forward(self, input, hx=None):
        h0, c0 = (None, None) if hx is None else hx
        x, h, batched = self._prepare(input, h0)
        _, c, _ = self._prepare(input, c0)
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    _gates = 3

    def forward(self, input, hx=None):
        x, h, batched = self._prepare(input, hx)
        h = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)
