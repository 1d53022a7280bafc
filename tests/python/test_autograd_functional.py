"""ember.autograd.functional, gradcheck/gradgradcheck and anomaly mode against torch.autograd."""
import numpy as np
import pytest

import ember
import ember.autograd.functional as EF
from ember.testing import assert_close

from conftest import requires_torch

try:
    import torch
    import torch.autograd.functional as TF
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 3)), rng.standard_normal(3)


def one(m, x):  # tensor -> tensor
    return (x.sin() * x).sum(0) + x[0] ** 3


def two(m, x, y):  # two inputs -> two outputs
    return (x * y).exp(), (x.cos() * y).sum()


def scalar(m, x, y):  # two inputs -> a scalar
    return ((x ** 2) * y).sum() + (x.sin() * y * y).sum()


def both(mod, values):
    return tuple(mod.tensor(v) for v in values)


def assert_nested_close(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_nested_close(x, y)
    else:
        assert isinstance(a, ember.Tensor)
        assert tuple(a.shape) == tuple(b.shape)
        assert_close(a, b.detach(), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_and_hessian_match_torch(create_graph):
    x, y = arrays()
    for fn, args in ((one, (x.T,)), (two, (x, y))):  # x.T: a transposed input
        e_args, t_args = both(ember, args), both(torch, args)
        e_in = e_args[0] if len(args) == 1 else e_args
        t_in = t_args[0] if len(args) == 1 else t_args
        e_jac = EF.jacobian(lambda *a: fn(ember, *a), e_in, create_graph=create_graph)
        t_jac = TF.jacobian(lambda *a: fn(torch, *a), t_in, create_graph=create_graph)
        assert_nested_close(e_jac, t_jac)
    e_h = EF.hessian(lambda *a: scalar(ember, *a), both(ember, (x, y)), create_graph=create_graph)
    t_h = TF.hessian(lambda *a: scalar(torch, *a), both(torch, (x, y)), create_graph=create_graph)
    assert_nested_close(e_h, t_h)
    e_h1 = EF.hessian(lambda a: (a ** 3).prod(), ember.tensor(y))
    assert_nested_close(e_h1, TF.hessian(lambda a: (a ** 3).prod(), torch.tensor(y)))


@requires_torch
@pytest.mark.parametrize("name", ["vjp", "jvp"])
def test_vjp_jvp_match_torch(name):
    x, y = arrays()
    rng = np.random.default_rng(3)
    if name == "vjp":
        v = (rng.standard_normal((2, 3)), rng.standard_normal(()))
    else:
        v = (rng.standard_normal((2, 3)), rng.standard_normal(3))
    e_out = getattr(EF, name)(lambda *a: two(ember, *a), both(ember, (x, y)), both(ember, v))
    t_out = getattr(TF, name)(lambda *a: two(torch, *a), both(torch, (x, y)), both(torch, v))
    assert_nested_close(e_out, t_out)
    # a single-element output (vjp) or input (jvp) needs no v
    e_single = getattr(EF, name)(lambda a: (a * a).sum() if name == "vjp" else a * a,
                                 ember.tensor([3.0], dtype=ember.float64))
    t_single = getattr(TF, name)(lambda a: (a * a).sum() if name == "vjp" else a * a,
                                 torch.tensor([3.0], dtype=torch.float64))
    assert_nested_close(e_single, t_single)


@requires_torch
@pytest.mark.parametrize("name", ["vhp", "hvp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_vhp_hvp_match_torch(name, create_graph):
    x, y = arrays()
    v = (np.ones((2, 3)) * 0.5, np.arange(3.0))
    e_out = getattr(EF, name)(lambda *a: scalar(ember, *a), both(ember, (x, y)), both(ember, v),
                              create_graph=create_graph)
    t_out = getattr(TF, name)(lambda *a: scalar(torch, *a), both(torch, (x, y)), both(torch, v),
                              create_graph=create_graph)
    assert_nested_close(e_out, t_out)
    assert e_out[1][0].requires_grad == create_graph == t_out[1][0].requires_grad


def test_create_graph_gives_differentiable_results():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    jac = EF.jacobian(lambda a: a ** 3, x, create_graph=True)
    (g,) = ember.autograd.grad(jac.sum(), x)
    assert_close(g, np.array([6.0, 12.0]))
    assert not EF.jacobian(lambda a: a ** 3, x).requires_grad


@requires_torch
@pytest.mark.parametrize("call", [
    lambda F, m: F.jacobian(lambda a, b: a * 2, (m.ones(2), m.ones(2)), strict=True),
    lambda F, m: F.jacobian(lambda a: m.ones(2), m.ones(2), strict=True),
    lambda F, m: F.vjp(lambda a: a.detach(), m.ones(2), m.ones(2), strict=True),
    lambda F, m: F.vjp(lambda a: a * 2, m.ones(2)),
    lambda F, m: F.vjp(lambda a: a * 2, m.ones(2), m.ones(3)),
    lambda F, m: F.vjp(lambda a: (a, a), m.ones(2), (m.ones(2),)),
    lambda F, m: F.jvp(lambda a: a * 2, m.ones(2)),
    lambda F, m: F.hessian(lambda a: a * 2, m.ones(2)),
    lambda F, m: F.hessian(lambda a: (a * 2).sum(), m.ones(2), strict=True),
    lambda F, m: F.vhp(lambda a: (a, a), m.ones(2), m.ones(2)),
    lambda F, m: F.hvp(lambda a: a * a, m.ones(2), m.ones(2)),
    lambda F, m: F.jacobian(lambda a: a, [1.0]),
    lambda F, m: F.jacobian(lambda a: a, m.ones(2), strategy="sideways"),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(EF, ember)
    assert str(ours.value).replace("ember", "torch") == str(theirs.value)


def test_vectorize_is_refused():
    with pytest.raises(NotImplementedError, match="needs vmap"):
        EF.jacobian(lambda a: a, ember.ones(2), vectorize=True)


# ---- gradcheck / gradgradcheck -----------------------------------------------------------------

def test_gradcheck_passes_and_fails_like_torch():
    x = ember.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    y = ember.tensor(np.random.default_rng(1).standard_normal(2), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: (a.t() * b[None, :]).tanh(), (x.t(), y)) is True
    assert ember.autograd.gradcheck(lambda a: (a.exp(), a.sum()), x, eps=1e-6, atol=1e-5, rtol=1e-3) is True

    class WrongGrad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        ember.autograd.gradcheck(WrongGrad.apply, (x,))
    assert isinstance(ember.autograd.GradcheckError("x"), RuntimeError)
    assert ember.autograd.gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ember.autograd.gradcheck(lambda a: a, (ember.ones(2),))
    with pytest.warns(UserWarning, match="not a double precision"):
        ember.autograd.gradcheck(lambda a: a * 2, (ember.ones(2, requires_grad=True),), eps=1e-2, atol=1e-2)


def test_gradgradcheck():
    x = ember.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: (a.sin() * a).sum(1), (x,)) is True
    assert ember.autograd.gradgradcheck(lambda a: a ** 3, (x,), gen_non_contig_grad_outputs=True) is True

    class OnceDifferentiable(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 2

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a.detach() * 1.5  # wrong and cut from the graph

    assert ember.autograd.gradgradcheck(OnceDifferentiable.apply, (x,), raise_exception=False) is False


# ---- anomaly mode ------------------------------------------------------------------------------

def test_detect_anomaly_names_the_node():
    x = ember.ones(2, requires_grad=True)
    assert not ember.is_anomaly_enabled()
    (x / ember.zeros(2) * 0).sum().backward()  # off: NaN gradients flow silently
    assert np.isnan(x.grad.numpy()).all()
    with ember.autograd.detect_anomaly():
        assert ember.is_anomaly_enabled() and ember.is_anomaly_check_nan_enabled()
        with pytest.raises(RuntimeError, match=r"Function 'DivBackward0' returned nan values in its 0th output\."):
            (x / ember.zeros(2) * 0).sum().backward()
        (x * 2).sum().backward()  # finite gradients pass
    assert not ember.is_anomaly_enabled()
    with ember.autograd.detect_anomaly(check_nan=False):
        (x / ember.zeros(2) * 0).sum().backward()


def test_set_detect_anomaly_and_decorator():
    ember.autograd.set_detect_anomaly(True)
    try:
        assert ember.is_anomaly_enabled()
    finally:
        ember.autograd.set_detect_anomaly(False)
    assert not ember.is_anomaly_enabled()
    with ember.autograd.set_detect_anomaly(True):
        assert ember.is_anomaly_enabled()
    assert not ember.is_anomaly_enabled()

    @ember.autograd.detect_anomaly()
    def run():
        x = ember.ones(1, requires_grad=True)
        ember.sqrt(x - 1).sum().backward()  # d sqrt(0) = inf, times 0 from nothing: inf is not NaN
        return ember.is_anomaly_enabled()
    assert run() and not ember.is_anomaly_enabled()
