"""ember.onnx.export: each layer and a few whole models are exported, checked with onnx.checker and run
in onnxruntime, whose outputs must equal ember's to float tolerance."""
import io

import numpy as np
import onnx
import onnxruntime
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F


def export_bytes(model, args, **kwargs):
    buffer = io.BytesIO()
    ember.onnx.export(model, args, buffer, **kwargs)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return buffer.getvalue(), proto


def run_onnx(data, inputs):
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {info.name: x.numpy() for info, x in zip(session.get_inputs(), inputs)}
    return session.run(None, feeds)


def flat(outputs):
    if isinstance(outputs, ember.Tensor):
        return [outputs]
    return [t for item in outputs for t in flat(item)]


def assert_matches(model, *inputs, atol=1e-5, **kwargs):
    data, proto = export_bytes(model, inputs, **kwargs)
    got = run_onnx(data, inputs)
    if isinstance(model, nn.Module):
        model.eval()
    with ember.no_grad():
        expected = flat(model(*inputs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == tuple(e.shape) and g.dtype == e.numpy().dtype
        np.testing.assert_allclose(g, e.numpy(), atol=atol, rtol=1e-5)
    return proto


def op_types(proto):
    return [node.op_type for node in proto.graph.node]


def randn(*shape):
    return ember.randn(*shape)


class Lambda(nn.Module):
    def __init__(self, fn, *modules):
        super().__init__()
        self.fn = fn
        self.used = nn.ModuleList(modules)  # their parameters are the model's

    def forward(self, *xs):
        return self.fn(*xs)


def trained_batch_norm(module, shape):
    """A norm layer whose running statistics are not the defaults, so eval mode is really checked."""
    module.train()
    for _ in range(3):
        module(ember.randn(*shape) * 2 + 1)
    with ember.no_grad():
        module.weight.copy_(ember.rand(module.weight.shape) + 0.5)
        module.bias.copy_(ember.randn(module.bias.shape))
    return module


LAYERS = {
    "Linear": (lambda: nn.Linear(6, 4), (3, 6)),
    "Linear-3d": (lambda: nn.Linear(6, 4), (2, 3, 6)),
    "Linear-nobias": (lambda: nn.Linear(6, 4, bias=False), (3, 6)),
    "Conv1d": (lambda: nn.Conv1d(3, 5, 3, stride=2, padding=1), (2, 3, 11)),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, padding=1), (2, 3, 7, 7)),
    "Conv2d-strided-dilated-groups": (lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), dilation=(1, 2), groups=2),
                                      (2, 4, 9, 8)),
    "Conv2d-same": (lambda: nn.Conv2d(2, 3, 4, padding="same"), (1, 2, 6, 6)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 5)),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, stride=2), (2, 3, 10)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), (2, 3, 8, 6)),
    "MaxPool2d-padded-ceil": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 7, 7)),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), (2, 3, 8)),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    "AvgPool2d-no-pad-count": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                               (2, 3, 7, 7)),
    "AdaptiveAvgPool2d-1": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
    "AdaptiveAvgPool2d-2": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 4, 9)),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(1), (2, 3, 5)),
    "BatchNorm1d": (lambda: trained_batch_norm(nn.BatchNorm1d(5), (8, 5)), (4, 5)),
    "BatchNorm2d": (lambda: trained_batch_norm(nn.BatchNorm2d(3), (4, 3, 5, 5)), (2, 3, 5, 5)),
    "LayerNorm": (lambda: nn.LayerNorm(6), (2, 3, 6)),
    "LayerNorm-2d": (lambda: nn.LayerNorm((3, 6), elementwise_affine=False), (2, 3, 6)),
    "Dropout": (lambda: nn.Dropout(0.5), (4, 6)),
    "ReLU": (nn.ReLU, (4, 6)),
    "GELU": (nn.GELU, (4, 6)),
    "GELU-tanh": (lambda: nn.GELU(approximate="tanh"), (4, 6)),
    "Sigmoid": (nn.Sigmoid, (4, 6)),
    "Tanh": (nn.Tanh, (4, 6)),
    "Softmax": (lambda: nn.Softmax(dim=1), (4, 6)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=-1), (2, 4, 6)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (4, 6)),
    "ELU": (nn.ELU, (4, 6)),
    "SiLU": (nn.SiLU, (4, 6)),
    "Hardtanh": (nn.Hardtanh, (4, 6)),
    "ReLU6": (nn.ReLU6, (4, 6)),
    "Softplus": (nn.Softplus, (4, 6)),
    "Softplus-beta-threshold": (lambda: nn.Softplus(beta=2.0, threshold=1.0), (4, 6)),
    "Identity": (nn.Identity, (4, 6)),
    "Flatten": (nn.Flatten, (2, 3, 4, 5)),
    "Flatten-middle": (lambda: nn.Flatten(1, 2), (2, 3, 4, 5)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), (4, 6)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer(name):
    ember.manual_seed(0)
    make, shape = LAYERS[name]
    assert_matches(make(), randn(*shape))


FUNCTIONS = {
    "arithmetic-with-constants": (lambda x: (x * 2 + 1) / 3 - 0.5, 1),
    "reflected-constants": (lambda x: 1 - 2 / (x.abs() + 1) + 3 * x, 1),
    "power-neg": (lambda x: -(x ** 2) + x.pow(3), 1),
    "binary-broadcast": (lambda x, y: x * y[0] + y.sum(0, keepdim=True), 2),
    "matmul": (lambda x, y: x @ y.transpose(0, 1), 2),
    "matmul-fn": (lambda x, y: ember.matmul(x, y.t()), 2),
    "reshape-view-permute": (lambda x: x.reshape(4, 3, 2).permute(2, 0, 1).contiguous().view(-1, 4), 1),
    "transpose-flatten": (lambda x: ember.flatten(x.transpose(0, 1)), 1),
    "cat-stack": (lambda x, y: ember.cat([ember.stack([x, y], 0), (x + y).unsqueeze(0)], 0), 2),
    "chunk-split": (lambda x: sum(part.sum(1) for part in x.chunk(3, 1)) * x.split(2, 1)[0][:, :1], 1),
    "getitem": (lambda x: x[1:, None, ::2] * x[1:, -1:].unsqueeze(1) + x[0, ::2] + x[..., 1:6:2][1:, None], 1),
    "squeeze": (lambda x: x.unsqueeze(0).unsqueeze(2).squeeze(), 1),
    "unary": (lambda x: ember.exp(x).log() + ember.sqrt(x.abs() + 1) + ember.rsqrt(x.abs() + 1) + x.sin(), 1),
    "mean": (lambda x: x.mean(1) + x.mean(), 1),
    "where-compare": (lambda x, y: ember.where(x > y, x, y * 0.5) + (x <= 0).float() + x.where(x != y, 0.0), 2),
    "masked-fill": (lambda x: x.masked_fill(x < 0, -1.0), 1),
    "functional": (lambda x: F.softmax(F.relu(x) + F.gelu(x), dim=-1) + F.log_softmax(x, 1), 1),
    "clamp": (lambda x: x.clamp(-0.5, 0.5) + ember.clamp(x, min=0.1), 1),
    "inplace": (lambda x: (x * 1).relu_().add_(1).mul_(2), 1),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function(name):
    ember.manual_seed(1)
    fn, arity = FUNCTIONS[name]
    assert_matches(Lambda(fn), *[randn(4, 6) for _ in range(arity)])


def test_embedding_with_integer_input():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Flatten(), nn.Linear(12, 2))
    proto = assert_matches(model, ember.tensor([[1, 0, 9], [3, 3, 2]]))
    assert "Gather" in op_types(proto)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


def test_parameters_become_named_initializers_and_names_are_used():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    _, proto = export_bytes(model, (randn(2, 3),), input_names=["x"], output_names=["logits"])
    assert {i.name for i in proto.graph.initializer} == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    assert op_types(proto) == ["Gemm", "Relu", "Gemm"]
    weight = next(i for i in proto.graph.initializer if i.name == "0.weight")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(weight), model[0].weight.detach().numpy())


def test_export_params_false_turns_parameters_into_inputs():
    model = nn.Linear(3, 2)
    _, proto = export_bytes(model, (randn(2, 3),), export_params=False)
    assert len(proto.graph.initializer) == 0
    assert [i.name for i in proto.graph.input] == ["input", "weight", "bias"]


def test_dynamic_axes_give_symbolic_dims_and_other_batch_sizes_run(tmp_path):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 4 * 4, 3), nn.Softmax(1))
    path = tmp_path / "model.onnx"
    ember.onnx.export(model, (randn(2, 1, 8, 8),), str(path), input_names=["images"], output_names=["probs"],
                      dynamic_axes={"images": {0: "batch"}, "probs": [0]})
    proto = onnx.load(str(path))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 1
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "probs_dynamic_axes_1"
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = randn(5, 1, 8, 8)
    (got,) = session.run(None, {"images": x.numpy()})
    model.eval()
    np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-6)


def test_model_is_left_as_it_was():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    export_bytes(model, (randn(2, 3),))
    assert model.training and model[1].training
    assert all(p.requires_grad for p in model.parameters())
    assert ember.Tensor.__add__.__name__ == "__add__" and not hasattr(ember.Tensor.__add__, "__wrapped__")
    assert not hasattr(ember.relu, "__wrapped__") and not hasattr(F.linear, "__wrapped__")


def test_constant_folding_and_opsets():
    ember.manual_seed(0)
    weight = nn.Parameter(randn(4, 3))

    class Folded(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = weight

        def forward(self, x):
            return x @ (self.weight * 2).t()

    folded = assert_matches(Folded(), randn(2, 3))
    assert op_types(folded) == ["MatMul"]
    unfolded = assert_matches(Folded(), randn(2, 3), do_constant_folding=False)
    assert op_types(unfolded) == ["Mul", "Transpose", "MatMul"]
    for opset in (17, 18, 20):
        proto = assert_matches(nn.Sequential(nn.GELU(), Lambda(lambda x: x.mean(1))), randn(3, 4), opset_version=opset)
        assert proto.opset_import[0].version == opset
        assert ("Gelu" in op_types(proto)) == (opset >= 20)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="opset_version 9 is not supported"):
        ember.onnx.export(nn.ReLU(), (randn(2),), io.BytesIO(), opset_version=9)
    with pytest.raises(ValueError, match="dynamic_axes names 'nope'"):
        ember.onnx.export(nn.ReLU(), (randn(2),), io.BytesIO(), dynamic_axes={"nope": [0]})
    with pytest.raises(ValueError, match="f .* is required"):
        ember.onnx.export(nn.ReLU(), (randn(2),))


@pytest.mark.parametrize("fn, op", [
    (lambda x: ember.cumsum(x, 0), "cumsum"),
    (lambda x: x.cumsum(0), "cumsum"),
    (lambda x: ember.sort(x)[0], "sort"),
    (lambda x: x.T, "Permute"),
    (lambda x: F.embedding(ember.tensor([0]), x, max_norm=1.0), "embedding"),
    (lambda x: x.sum().item() * x, "item"),
    (lambda x: F.pad(x, (1, 1), mode="reflect"), "called by nn.functional.pad"),
])
def test_unsupported_op_raises_with_its_name(fn, op):
    with pytest.raises(ember.onnx.UnsupportedOp, match=op):
        ember.onnx.export(Lambda(fn), (randn(3, 4),), io.BytesIO())
    assert not hasattr(ember.cumsum, "__wrapped__")


def test_writing_into_a_traced_tensor_raises():
    def write(x):
        y = x * 1
        y[0] = 0.0
        return y

    with pytest.raises(ember.onnx.UnsupportedOp, match="__setitem__"):
        ember.onnx.export(Lambda(write), (randn(3, 4),), io.BytesIO())
    with pytest.raises(ember.onnx.UnsupportedOp, match="nn.functional.pad"):
        ember.onnx.export(nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), (randn(1, 1, 5, 5),), io.BytesIO())


# ---- whole models --------------------------------------------------------------------------------

class DigitsCNN(nn.Module):
    """examples/digits_cnn.py's network."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(ember.flatten(x, 1))


def test_digits_mlp_and_cnn():
    ember.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))  # examples/digits_mlp.py
    assert_matches(mlp, ember.rand(16, 64), dynamic_axes={"input": {0: "batch"}})
    proto = assert_matches(DigitsCNN(), ember.rand(16, 1, 8, 8))
    assert op_types(proto) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Gemm"]


def test_vgg_style_net_with_batch_norm_dropout_and_adaptive_pool():
    ember.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), trained_batch_norm(nn.BatchNorm2d(8), (4, 8, 6, 6)), nn.ReLU(),
        nn.AvgPool2d(2), nn.Conv2d(8, 8, 3, padding=1), nn.LeakyReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.3), nn.Linear(8, 4))
    assert_matches(model, randn(3, 3, 12, 12))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("batch_first, layers, bidirectional", [(False, 1, False), (True, 2, True)])
def test_recurrent(kind, batch_first, layers, bidirectional):
    ember.manual_seed(0)
    rnn = getattr(nn, kind)(5, 7, num_layers=layers, batch_first=batch_first, bidirectional=bidirectional)
    x = randn(3, 4, 5)
    assert_matches(rnn, x, atol=2e-5)


def test_lstm_with_initial_state_and_head():
    ember.manual_seed(0)

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(20, 6)
            self.lstm = nn.LSTM(6, 8, batch_first=True)
            self.head = nn.Linear(8, 3)

        def forward(self, tokens, h0, c0):
            out, _ = self.lstm(self.embed(tokens), (h0, c0))
            return F.log_softmax(self.head(out), -1)

    tokens = ember.tensor([[1, 4, 19, 2], [0, 3, 3, 7]])
    assert_matches(Tagger(), tokens, randn(1, 2, 8), randn(1, 2, 8), atol=2e-5)


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention(batch_first):
    ember.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    q, kv = randn(3, 4, 8), randn(3, 5, 8) if batch_first else randn(5, 3, 8)
    if not batch_first:
        q = randn(4, 3, 8)
    assert_matches(Lambda(lambda q, kv: mha(q, kv, kv), mha), q, kv)
    assert_matches(Lambda(lambda q: mha(q, q, q, need_weights=False)[0], mha), q)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder(norm_first):
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True,
                                       norm_first=norm_first, activation="gelu")
    encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    model = nn.Sequential(encoder, Lambda(lambda h: h.mean(1)), nn.Linear(16, 3))
    proto = assert_matches(model, randn(2, 6, 16), atol=2e-5)
    assert "LayerNormalization" in op_types(proto) and "Softmax" in op_types(proto)
