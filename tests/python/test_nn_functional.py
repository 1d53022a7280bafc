"""ember.nn.functional activations and layer functions vs PyTorch (forward and backward, float32 and
float64), their modules, error paths, and float64 gradcheck of the Python-composed ones."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.testing import assert_close, gradcheck
from conftest import requires_torch
from nn_compare import compare

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

# (F name, kwargs, module name, module args): module and F form are checked on the same inputs.
ACTIVATIONS = [
    ("relu", {}, "ReLU", {}),
    ("relu6", {}, "ReLU6", {}),
    ("leaky_relu", {"negative_slope": 0.2}, "LeakyReLU", {"negative_slope": 0.2}),
    ("elu", {"alpha": 1.5}, "ELU", {"alpha": 1.5}),
    ("selu", {}, "SELU", {}),
    ("celu", {"alpha": 0.7}, "CELU", {"alpha": 0.7}),
    ("gelu", {}, "GELU", {}),
    ("gelu", {"approximate": "tanh"}, "GELU", {"approximate": "tanh"}),
    ("silu", {}, "SiLU", {}),
    ("mish", {}, "Mish", {}),
    ("sigmoid", {}, "Sigmoid", {}),
    ("tanh", {}, "Tanh", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 1.0}, "Hardtanh", {"min_val": -2.0, "max_val": 1.0}),
    ("hardsigmoid", {}, "Hardsigmoid", {}),
    ("hardswish", {}, "Hardswish", {}),
    ("threshold", {"threshold": 0.5, "value": -3.0}, "Threshold", {"threshold": 0.5, "value": -3.0}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, "Softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softsign", {}, "Softsign", {}),
    ("softshrink", {"lambd": 0.5}, "Softshrink", {"lambd": 0.5}),
    ("hardshrink", {"lambd": 0.5}, "Hardshrink", {"lambd": 0.5}),
    ("tanhshrink", {}, "Tanhshrink", {}),
    ("logsigmoid", {}, "LogSigmoid", {}),
    ("softmax", {"dim": 1}, "Softmax", {"dim": 1}),
    ("softmin", {"dim": 0}, "Softmin", {"dim": 0}),
    ("log_softmax", {"dim": -1}, "LogSoftmax", {"dim": -1}),
    ("glu", {"dim": 1}, "GLU", {"dim": 1}),
]


def _activation_input(np_dtype, rng):
    # Kink points of the piecewise activations (0, +-0.5, +-1, +-3, 6) sit beside random values and
    # values past the softplus/exp thresholds.
    special = [0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0, -2.0, 30.0, -30.0, 0.25]
    x = np.concatenate([special, rng.standard_normal(12) * 3]).reshape(4, 6)
    return x.astype(np_dtype)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs,module,margs", ACTIVATIONS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ACTIVATIONS)])
def test_activation_vs_torch(name, kwargs, module, margs, dtype, rng):
    x = _activation_input(np.dtype(dtype).type, rng)
    scale = 100  # PyTorch's own float64 elu/celu gradients are off by ~1e-8 relative
    compare(lambda t: getattr(F, name)(t, **kwargs), lambda t: getattr(TF, name)(t, **kwargs), [x], dtype, scale)
    ours, theirs = getattr(nn, module)(**margs), getattr(torch.nn, module)(**margs)
    assert repr(ours) == repr(theirs)
    compare(ours, theirs, [x], dtype, scale)


INPLACE = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardtanh", "hardsigmoid",
           "hardswish"]


@requires_torch
@pytest.mark.parametrize("name", INPLACE)
def test_inplace_activation(name, rng):
    x = _activation_input(np.float32, rng)
    ours, theirs = ember.tensor(x), torch.tensor(x)
    out = getattr(F, name)(ours, inplace=True)
    getattr(TF, name)(theirs, inplace=True)
    assert out is ours
    assert_close(ours, theirs)


@requires_torch
def test_threshold_inplace_and_module_reprs():
    x = ember.tensor([-1.0, 0.2, 0.9])
    assert F.threshold(x, 0.5, 0.0, inplace=True) is x
    assert_close(x, np.array([0.0, 0.0, 0.9], dtype=np.float32))
    modules = [("ReLU", {"inplace": True}), ("ReLU6", {"inplace": True}), ("LeakyReLU", {"inplace": True}),
               ("ELU", {"alpha": 2.0, "inplace": True}), ("CELU", {}), ("SELU", {"inplace": True}),
               ("SiLU", {"inplace": True}), ("Mish", {}), ("Hardtanh", {"inplace": True}), ("Hardswish", {}),
               ("Threshold", {"threshold": 0.1, "value": 2, "inplace": True}), ("PReLU", {"num_parameters": 3}),
               ("Softmax", {}), ("Softmax2d", {}), ("LogSoftmax", {"dim": 2}), ("Softmin", {"dim": 1}),
               ("Softshrink", {}), ("Hardshrink", {"lambd": 0.3}), ("GELU", {}), ("Softplus", {}), ("GLU", {})]
    for name, kwargs in modules:
        assert repr(getattr(nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs)), name


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("num", [1, 3])
def test_prelu_vs_torch(num, dtype, rng):
    x = _activation_input(np.dtype(dtype).type, rng)[:, :3].reshape(2, 3, 2).copy()
    w = (rng.standard_normal(num) * 0.3).astype(dtype)
    compare(F.prelu, TF.prelu, [x, w], dtype)
    ours, theirs = nn.PReLU(num), torch.nn.PReLU(num)
    if dtype == "float64":
        ours, theirs = ours.double(), theirs.double()
    compare(ours, theirs, [x], dtype, ours_module=ours, theirs_module=theirs)


@requires_torch
def test_softmax_default_dim_and_softmax2d(rng):
    for shape in [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 5)]:
        x = rng.standard_normal(shape).astype(np.float32)
        with pytest.warns(UserWarning):
            expected = TF.softmax(torch.tensor(x))
        assert_close(F.softmax(ember.tensor(x)), expected)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    compare(nn.Softmax2d(), torch.nn.Softmax2d(), [x])
    with pytest.raises(ValueError, match="expected input to be 3D or 4D"):
        nn.Softmax2d()(ember.ones(2))
    assert F.softmax(ember.ones(2, 3), 1, dtype=ember.float64).dtype == ember.float64


def test_activation_errors():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(ember.ones(2, 3))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
        F.prelu(ember.ones(2, 3), ember.ones(2))
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(ember.ones(2), -1.0)


GRADCHECK = [
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1)),
    ("elu", lambda x: F.elu(x, 1.3)),
    ("selu", F.selu),
    ("celu", lambda x: F.celu(x, 0.6)),
    ("mish", F.mish),
    ("hardtanh", F.hardtanh),
    ("hardsigmoid", F.hardsigmoid),
    ("hardswish", F.hardswish),
    ("threshold", lambda x: F.threshold(x, 0.1, 2.0)),
    ("softsign", F.softsign),
    ("softshrink", F.softshrink),
    ("hardshrink", F.hardshrink),
    ("tanhshrink", F.tanhshrink),
    ("logsigmoid", F.logsigmoid),
    ("softmin", lambda x: F.softmin(x, 1)),
    ("glu", lambda x: F.glu(x, 0)),
    ("normalize", lambda x: F.normalize(x, dim=1)),
    ("layer_norm", lambda x: F.layer_norm(x, (3,))),
    ("batch_norm", lambda x: F.batch_norm(x, None, None, training=True)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck_composed(name, fn, rng):
    # Keep away from kinks (finite differences straddling them are meaningless).
    x = rng.uniform(0.6, 2.0, (4, 3)) * rng.choice([-1.0, 1.0], (4, 3))
    base = ember.tensor(np.ascontiguousarray(x.T), dtype=ember.float64).t().requires_grad_()  # non-contiguous
    assert gradcheck(fn, [base])


def test_gradcheck_layers(rng):
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal(4), requires_grad=True)
    b = ember.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), [x, w, b])
    x2 = ember.tensor(rng.standard_normal((5, 4, 2)), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x2, w, b])
    rm, rv = ember.tensor(rng.standard_normal(4)), ember.tensor(rng.uniform(0.5, 2, 4))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), [x2, w, b])
    y = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda a, c: F.cosine_similarity(a, c), [x, y])
    assert gradcheck(lambda a, c: F.pairwise_distance(a, c), [x, y])
    wb = ember.tensor(rng.standard_normal((2, 4, 4)), requires_grad=True)
    assert gradcheck(lambda a, c, w: F.bilinear(a, c, w), [x, y, wb])


# ---- layer functions ---------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_functions_vs_torch(dtype, rng):
    r = lambda *s: rng.standard_normal(s).astype(dtype)  # noqa: E731
    compare(F.linear, TF.linear, [r(3, 4), r(5, 4), r(5)], dtype)
    compare(F.linear, TF.linear, [r(2, 3, 4), r(5, 4)], dtype)
    compare(F.bilinear, TF.bilinear, [r(3, 4), r(3, 2), r(5, 4, 2), r(5)], dtype)
    compare(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), lambda x, w, b: TF.layer_norm(x, (3, 4), w, b),
            [r(2, 3, 4), r(3, 4), r(3, 4)], dtype)
    compare(lambda x: F.layer_norm(x, 4, eps=1e-3), lambda x: TF.layer_norm(x, (4,), eps=1e-3), [r(5, 4)], dtype)
    compare(lambda a, b: F.normalize(a, p=1.0, dim=0), lambda a, b: TF.normalize(a, p=1.0, dim=0),
            [r(3, 4), r(1)], dtype)
    compare(F.cosine_similarity, TF.cosine_similarity, [r(3, 4), r(3, 4)], dtype)
    compare(lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True),
            lambda a, b: TF.pairwise_distance(a, b, p=3.0, keepdim=True), [r(3, 4), r(3, 4)], dtype)
    compare(lambda a: F.glu(a), lambda a: TF.glu(a), [r(3, 4)], dtype)


@requires_torch
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_function_vs_torch(training, rng):
    x = rng.standard_normal((4, 3, 5)).astype(np.float32)
    w, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    rm_np, rv_np = rng.standard_normal(3).astype(np.float32), rng.uniform(0.5, 2, 3).astype(np.float32)
    rm, rv, trm, trv = ember.tensor(rm_np), ember.tensor(rv_np), torch.tensor(rm_np), torch.tensor(rv_np)
    compare(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training, 0.3, 1e-3),
            lambda x, w, b: TF.batch_norm(x, trm, trv, w, b, training, 0.3, 1e-3), [x, w, b])
    assert_close(rm, trm)
    assert_close(rv, trv)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(ember.ones(1, 3), None, None, training=True)


@requires_torch
def test_one_hot_and_embedding_function(rng):
    idx = np.array([[0, 2], [3, 1]])
    assert_close(F.one_hot(ember.tensor(idx)), TF.one_hot(torch.tensor(idx)))
    assert_close(F.one_hot(ember.tensor(idx), 6), TF.one_hot(torch.tensor(idx), 6))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(ember.tensor([3]), 2)
    w = rng.standard_normal((5, 3)).astype(np.float32)
    compare(lambda i, w: F.embedding(i, w, padding_idx=1), lambda i, w: TF.embedding(i, w, padding_idx=1),
            [np.array([[1, 2, 1], [4, 0, 2]]), w])
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        F.embedding(ember.ones(2), ember.ones(3, 2))


def test_layer_norm_errors():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\], "
                                           r"but got input of size\[2, 4\]"):
        F.layer_norm(ember.ones(2, 4), (3,))
