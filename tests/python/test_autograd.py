"""Autograd semantics against PyTorch's: backward, grad, graph retention, higher order, hooks,
grad modes, custom Functions, and the engine's robustness (deep chains, teardown, leaks)."""
import gc
import re
import subprocess
import sys
import textwrap
import threading
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import Function, Variable
from ember.testing import assert_close, gradcheck

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

from conftest import requires_torch


def leaf(values, dtype=ember.float64):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


def value(t):
    return t.detach().numpy().tolist()


# ---- the seeds' worked examples ----------------------------------------------------------------

def test_seed_polynomial_grad_at_2():
    x = ember.tensor(2.0, requires_grad=True)
    z = 2 * x * x + 5 * x
    z.backward()
    assert x.grad.item() == 13.0


def test_seed_sum_times_product():
    x, y, z = (ember.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_seed_mse_example():
    # /work/shared/seeds/002: u = a*w0 + b*w1, f = v*u, MSE loss against 10 at a=2, b=3.
    a, b = ember.tensor(2.0), ember.tensor(3.0)
    w0 = ember.tensor(1.0, requires_grad=True)
    w1 = ember.tensor(1.0, requires_grad=True)
    v = ember.tensor(1.0, requires_grad=True)
    u = a * w0 + b * w1
    f = v * u
    diff = f - ember.tensor(10.0)
    loss = (diff * diff).mean()
    assert loss.item() == 25.0
    loss.backward()
    assert (w0.grad.item(), w1.grad.item(), v.grad.item()) == (-20.0, -30.0, -50.0)


# ---- backward ------------------------------------------------------------------------------------

def test_backward_with_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(ember.tensor([1.0, 0.5, 2.0], dtype=ember.float64))
    assert value(x.grad) == [2.0, 2.0, 12.0]


def test_non_scalar_without_gradient_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()


def test_gradient_shape_mismatch_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\]"):
        y.backward(ember.ones(3, dtype=ember.float64))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(1).backward()


def test_grads_accumulate_across_calls():
    x = leaf([1.0, 2.0])
    for _ in range(3):
        (x * 3).sum().backward()
    assert value(x.grad) == [9.0, 9.0]


def test_grad_is_owned_not_aliased_to_a_user_tensor():
    x = leaf([1.0, 2.0])
    g = ember.tensor([1.0, 1.0], dtype=ember.float64)
    (x * 1).backward(g)
    g.add_(ember.ones(2, dtype=ember.float64))
    assert value(x.grad) == [1.0, 1.0]


def test_grad_of_sum_is_not_a_broadcast_view():
    x = leaf([1.0, 2.0, 3.0])
    x.sum().backward()
    x.sum().backward()
    assert value(x.grad) == [2.0, 2.0, 2.0]
    assert x.grad.is_contiguous()


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"Specify retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert value(x.grad) == [4.0, 8.0]


def test_graph_without_saved_tensors_backs_up_twice():
    # PyTorch only refuses when saved tensors were freed: x + 1 saves none.
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert value(x.grad) == [2.0, 2.0]


def test_autograd_backward_several_roots():
    x = leaf([1.0, 2.0])
    a, b = x * 2, x * x
    ember.autograd.backward([a.sum(), b], [None, ember.ones(2, dtype=ember.float64)])
    assert value(x.grad) == [4.0, 6.0]


def test_same_root_listed_twice():
    x = leaf([3.0])
    y = (x * x).sum()
    ember.autograd.backward([y, y])
    assert value(x.grad) == [12.0]


def test_diamond_graph_sums_both_paths():
    x = leaf([2.0])
    a = x * 3
    b = a.exp()
    c = a * a
    (b + c).sum().backward()
    expected = 3 * np.exp(6.0) + 2 * 6.0 * 3
    assert_close(x.grad, np.array([expected]))


def test_reused_tensor_gets_summed_gradients():
    x = leaf([1.5])
    (x * x * x + x + x).sum().backward()
    assert_close(x.grad, np.array([3 * 1.5 ** 2 + 2]))


def test_backward_inputs_only_accumulates_into_inputs():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w
    y.sum().backward(inputs=[w])
    assert x.grad is None
    assert value(w.grad) == [1.0, 2.0]


def test_backward_inputs_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 2
    (h * h).sum().backward(inputs=[h])
    assert value(h.grad) == [4.0, 8.0]
    assert x.grad is None


def test_backward_inputs_unused_input_is_left_alone():
    x, z = leaf([1.0]), leaf([1.0])
    (x * 2).sum().backward(inputs=[z])
    assert z.grad is None


# ---- autograd.grad -------------------------------------------------------------------------------

def test_grad_returns_tuple_and_leaves_grad_alone():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    (g,) = ember.autograd.grad(y, x)
    assert value(g) == [2.0, 4.0]
    assert x.grad is None


def test_grad_with_grad_outputs_and_several_inputs():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w
    gx, gw = ember.autograd.grad([y], [x, w], [ember.tensor([1.0, 10.0], dtype=ember.float64)])
    assert value(gx) == [3.0, 40.0]
    assert value(gw) == [1.0, 20.0]


def test_grad_non_leaf_input():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = ember.autograd.grad(y, h, retain_graph=True)
    assert value(gh) == [6.0, 12.0]
    (gx,) = ember.autograd.grad(y, x)
    assert value(gx) == [18.0, 36.0]


def test_grad_unused_input():
    x, z = leaf([1.0]), leaf([1.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ember.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = ember.autograd.grad(y, [x, z], retain_graph=True, allow_unused=True)
    assert value(gx) == [2.0] and gz is None
    gx, gz = ember.autograd.grad(y, [x, z], materialize_grads=True)
    assert value(gz) == [0.0]


def test_grad_input_without_requires_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        ember.autograd.grad((x * 2).sum(), ember.ones(1))


def test_grad_only_runs_the_needed_part_of_the_graph():
    # Nodes that do not lead to the captured input keep their saved tensors: a later backward
    # through them still works without retain_graph.
    x, w = leaf([2.0]), leaf([3.0])
    y = (x * x).sum() + (w * w).sum()
    (gx,) = ember.autograd.grad(y, x)
    assert value(gx) == [4.0]


# ---- higher order --------------------------------------------------------------------------------

def test_second_and_third_derivative_of_cube():
    x = ember.tensor(3.0, dtype=ember.float64, requires_grad=True)
    y = x * x * x
    (g1,) = ember.autograd.grad(y, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1, x, create_graph=True)
    (g3,) = ember.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (27.0, 18.0, 6.0)
    assert g1.requires_grad and not g3.requires_grad


def test_backward_create_graph_then_grad_of_grad():
    x = ember.tensor(2.0, dtype=ember.float64, requires_grad=True)
    (x * x * x).backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = ember.autograd.grad(x.grad, x)
    assert g2.item() == 12.0


@pytest.mark.parametrize("name, fn, d1, d2", [
    ("exp", lambda x: x.exp(), np.exp, np.exp),
    ("tanh", lambda x: x.tanh(), lambda v: 1 - np.tanh(v) ** 2,
     lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
    ("sigmoid", lambda x: x.sigmoid(), lambda v: (s := 1 / (1 + np.exp(-v))) * (1 - s),
     lambda v: (s := 1 / (1 + np.exp(-v))) * (1 - s) * (1 - 2 * s)),
    ("div", lambda x: 1.0 / x, lambda v: -1 / v ** 2, lambda v: 2 / v ** 3),
    ("mul-exp", lambda x: x * x.exp(), lambda v: (1 + v) * np.exp(v), lambda v: (2 + v) * np.exp(v)),
])
def test_grad_of_grad(name, fn, d1, d2):
    vals = np.array([0.3, -0.7, 1.2])
    x = ember.tensor(vals, requires_grad=True)
    (g1,) = ember.autograd.grad(fn(x).sum(), x, create_graph=True)
    assert_close(g1, d1(vals))
    (g2,) = ember.autograd.grad(g1.sum(), x)
    assert_close(g2, d2(vals))


def test_double_backward_gradcheck_of_first_derivative():
    x = ember.tensor(np.array([[0.2, -0.5], [0.9, 1.3]]), requires_grad=True)
    w = ember.tensor(np.array([0.5, -1.5]), requires_grad=True)

    def first_derivative(x, w):
        with ember.enable_grad():  # gradcheck evaluates under no_grad; this needs a graph
            y = ((x * w).tanh() / (x.exp() + 1.0)).sum()
            return ember.autograd.grad(y, x, create_graph=True)[0]

    assert gradcheck(first_derivative, [x, w])


# ---- graph introspection -------------------------------------------------------------------------

def test_grad_fn_names_and_next_functions():
    x, w = leaf([1.0]), ember.tensor([2.0], dtype=ember.float64)
    y = x * w
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert y.grad_fn.name() == "MulBackward0"
    (acc, nr), (none, _) = y.grad_fn.next_functions
    assert acc.name() == "AccumulateGrad" and nr == 0 and none is None
    assert acc.variable is x
    assert (y.sum()).grad_fn.name() == "SumBackward0"
    assert x.grad_fn is None


def test_is_leaf_and_requires_grad_propagation():
    x = leaf([1.0])
    c = ember.ones(1, dtype=ember.float64)
    assert x.is_leaf and c.is_leaf and not c.requires_grad
    y = x * c
    assert y.requires_grad and not y.is_leaf
    assert not (c * c).requires_grad


def test_requires_grad_setters():
    x = ember.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = leaf([1.0]) * 2
    assert y.requires_grad_(True) is y  # no-op on a non-leaf
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        ember.ones(2, dtype=ember.int64).requires_grad_()


def test_detach_shares_data_and_drops_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.add_(ember.ones(2, dtype=ember.float64))
    assert value(y) == [3.0, 5.0]


def test_detach_in_place():
    x = leaf([1.0])
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


def test_retain_grad_on_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.retain_grad()
    assert h.retains_grad
    (h * h).sum().backward(retain_graph=True)
    assert value(h.grad) == [4.0, 8.0]
    (h * h).sum().backward()
    assert value(h.grad) == [8.0, 16.0]
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        ember.ones(1).retain_grad()


def test_grad_setter_checks_shape_and_dtype():
    x = leaf([1.0, 2.0])
    x.grad = ember.tensor([5.0, 6.0], dtype=ember.float64)
    (x * 1).sum().backward()
    assert value(x.grad) == [6.0, 7.0]
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        x.grad = ember.ones(3, dtype=ember.float64)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different type"):
        x.grad = ember.ones(2, dtype=ember.float32)


def test_data_get_and_set():
    x = leaf([1.0, 2.0])
    d = x.data
    assert not d.requires_grad
    d.mul_(ember.tensor(3.0, dtype=ember.float64))  # no leaf in-place error: .data is detached
    assert value(x) == [3.0, 6.0]
    x.data = ember.tensor([7.0, 8.0, 9.0], dtype=ember.float64)
    assert value(x) == [7.0, 8.0, 9.0] and x.requires_grad and x.is_leaf


def test_variable_alias():
    t = ember.ones(2)
    v = Variable(t, requires_grad=True)
    assert isinstance(v, ember.Tensor) and isinstance(t, Variable)
    assert v.requires_grad and not t.requires_grad and v.data_ptr() == t.data_ptr()
    (v * 2).sum().backward()
    assert value(v.grad) == [2.0, 2.0]
    assert not Variable(t).requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0])


# ---- in-place checks -----------------------------------------------------------------------------

def test_in_place_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.add_(ember.ones(1, dtype=ember.float64))
    with ember.no_grad():
        x.add_(ember.ones(1, dtype=ember.float64))
    assert value(x) == [2.0]


def test_in_place_change_of_saved_tensor_raises_at_backward():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = h * h
    h.add_(ember.ones(2, dtype=ember.float64))
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*is at version 1; expected version 0"):
        y.sum().backward()


def test_in_place_change_of_saved_output_raises_at_backward():
    x = leaf([1.0])
    y = x.exp()
    z = y * 2  # saves nothing of y (the other operand is a constant)
    y.mul_(ember.tensor(2.0, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="ExpBackward0, is at version 1; expected version 0"):
        z.sum().backward()


def test_in_place_on_non_leaf_is_differentiated():
    x = leaf([1.0, 2.0])
    h = x * 1
    h.mul_(ember.tensor([3.0, 4.0], dtype=ember.float64))
    h.sum().backward()
    assert value(x.grad) == [3.0, 4.0]


# ---- hooks ---------------------------------------------------------------------------------------

def test_hook_on_leaf_and_non_leaf_may_replace_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(value(g)))
    x.register_hook(lambda g: g * 10)
    h = x * 3
    h.register_hook(lambda g: g * 2)
    h.sum().backward()
    assert seen == [[6.0, 6.0]]
    assert value(x.grad) == [60.0, 60.0]


def test_hooks_apply_to_autograd_grad_and_retain_grad_sees_final_value():
    x = leaf([1.0, 1.0])
    x.register_hook(lambda g: g * 10)
    y = x * 3
    y.register_hook(lambda g: g * 2)
    (gx,) = ember.autograd.grad(y.sum(), x, retain_graph=True)
    (gy,) = ember.autograd.grad(y.sum(), y, retain_graph=True)
    assert value(gx) == [60.0, 60.0] and value(gy) == [2.0, 2.0]
    y.retain_grad()
    y.register_hook(lambda g: g * 100)
    y.sum().backward()
    assert value(y.grad) == [200.0, 200.0]
    assert value(x.grad) == [6000.0, 6000.0]


def test_hook_handle_remove():
    x = leaf([1.0])
    handle = x.register_hook(lambda g: g * 5)
    h = x * 1
    hh = h.register_hook(lambda g: g * 7)
    hh.remove()
    handle.remove()
    h.sum().backward()
    assert value(x.grad) == [1.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        ember.ones(1).register_hook(lambda g: g)


def test_hook_returning_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    h = x * 1
    h.register_hook(lambda g: ember.ones(3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        h.sum().backward()


# ---- grad modes ----------------------------------------------------------------------------------

def test_no_grad_context_and_nesting():
    x = leaf([1.0])
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()


@pytest.mark.parametrize("make", [lambda: ember.no_grad(), lambda: ember.no_grad,
                                  lambda: ember.inference_mode(), lambda: ember.inference_mode,
                                  lambda: ember.set_grad_enabled(False)])
def test_decorators_turn_grad_off(make):
    @make()
    def f(x):
        return x * 2, ember.is_grad_enabled()

    assert ember.is_grad_enabled()  # decorating switched nothing
    y, enabled = f(leaf([1.0]))
    assert not enabled and not y.requires_grad
    assert ember.is_grad_enabled()


def test_enable_grad_decorator_inside_no_grad():
    @ember.enable_grad()
    def f(x):
        return x * 2

    with ember.no_grad():
        assert f(leaf([1.0])).requires_grad


def test_decorated_generator_keeps_mode_per_step():
    @ember.no_grad()
    def gen():
        for _ in range(2):
            yield ember.is_grad_enabled()

    states = []
    for s in gen():
        states.append((s, ember.is_grad_enabled()))
    assert states == [(False, True), (False, True)]


def test_set_grad_enabled_as_plain_call_and_context():
    try:
        ember.set_grad_enabled(False)
        assert not ember.is_grad_enabled()
        ember.set_grad_enabled(True)
        assert ember.is_grad_enabled()
        with ember.set_grad_enabled(False):
            assert not ember.is_grad_enabled()
        assert ember.is_grad_enabled()
        with ember.no_grad():
            with ember.set_grad_enabled(True):
                assert ember.is_grad_enabled()
            assert not ember.is_grad_enabled()
    finally:
        ember.set_grad_enabled(True)


def test_inference_mode():
    x = leaf([1.0])
    with ember.inference_mode():
        assert ember.is_inference_mode_enabled() and not ember.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ember.inference_mode(False):
            assert not ember.is_inference_mode_enabled() and ember.is_grad_enabled()
    assert not ember.is_inference_mode_enabled() and ember.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}
    entered, release = threading.Event(), threading.Event()

    def other():
        entered.wait()
        seen["other"] = ember.is_grad_enabled()
        seen["other_records"] = (leaf([1.0]) * 2).requires_grad
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with ember.no_grad():
        entered.set()
        release.wait()
        seen["main"] = ember.is_grad_enabled()
    t.join()
    assert seen == {"other": True, "other_records": True, "main": False}


def test_no_grad_in_a_thread_does_not_leak_out():
    def other():
        ember.set_grad_enabled(False)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert ember.is_grad_enabled()


@requires_torch
def test_grad_mode_matches_torch():
    for mod in (ember, torch):
        with mod.no_grad():
            with mod.inference_mode(False):
                inner = mod.is_grad_enabled()
    assert inner is True
    r = repr(ember.set_grad_enabled(True))
    assert r.endswith("set_grad_enabled(mode=True)")


# ---- custom Function -----------------------------------------------------------------------------

class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x * ctx.scale, None


def test_function_forward_backward_and_non_tensor_arg():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert value(y) == [2.0, 16.0]
    assert re.fullmatch(r"<CubeBackward object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert y.grad_fn.next_functions[0][0].variable is x
    y.sum().backward()
    assert value(x.grad) == [6.0, 24.0]


def test_function_gradcheck_and_double_backward():
    x = ember.tensor(np.array([0.5, -1.2, 2.0]), requires_grad=True)
    assert gradcheck(lambda x: Cube.apply(x, 1.5), [x])
    (g,) = ember.autograd.grad(Cube.apply(x, 1.0).sum(), x, create_graph=True)
    (g2,) = ember.autograd.grad(g.sum(), x)
    assert_close(g2, 6 * np.array([0.5, -1.2, 2.0]))


def test_function_forward_runs_without_grad_and_sees_needs_input_grad():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen["grad_enabled"] = ember.is_grad_enabled()
            seen["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            seen["backward_needs"] = ctx.needs_input_grad
            return g, None, None

    y = Probe.apply(leaf([1.0]), ember.ones(1, dtype=ember.float64), 3)
    y.sum().backward()
    assert seen == {"grad_enabled": False, "needs": (True, False, False),
                    "backward_needs": (True, False, False)}


def test_function_without_inputs_requiring_grad_records_nothing():
    y = Cube.apply(ember.ones(2, dtype=ember.float64), 1.0)
    assert not y.requires_grad and y.grad_fn is None
    with ember.no_grad():
        assert not Cube.apply(leaf([1.0]), 1.0).requires_grad


def test_function_multiple_outputs_and_none_grads():
    class SplitScale(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = leaf([1.0, 1.0])
    a, b = SplitScale.apply(x)
    assert a.grad_fn is b.grad_fn
    a.sum().backward()  # b gets no gradient: zeros are passed for it
    assert value(x.grad) == [2.0, 2.0]


def test_function_mark_non_differentiable_and_materialize():
    received = []

    class TwoOut(Function):
        @staticmethod
        def forward(ctx, x, materialize):
            ctx.set_materialize_grads(materialize)
            idx = x * 0
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            received.append(g_idx if g_idx is None else value(g_idx))
            return g * 2, None

    x = leaf([1.0, 1.0])
    out, idx = TwoOut.apply(x, True)
    assert out.requires_grad and not idx.requires_grad and idx.grad_fn is None
    out.sum().backward()
    out, idx = TwoOut.apply(x, False)
    out.sum().backward()
    assert received == [[0.0, 0.0], None]
    assert value(x.grad) == [4.0, 4.0]


def test_function_returning_input_gets_an_alias():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = leaf([1.0])
    y = Identity.apply(x)
    assert y is not x and x.grad_fn is None and y.grad_fn.name() == "IdentityBackward"
    y.sum().backward()
    assert value(x.grad) == [5.0]


def test_function_saving_its_output():
    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    x = ember.tensor(np.array([0.1, 0.7]), requires_grad=True)
    assert gradcheck(Exp.apply, [x])
    (g,) = ember.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (g2,) = ember.autograd.grad(g.sum(), x)  # the saved output carries its grad_fn again
    assert_close(g2, np.exp([0.1, 0.7]))
    y = Exp.apply(x)
    with ember.no_grad():
        y.add_(ember.ones(2, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*ExpBackward"):
        y.sum().backward()


def test_function_saved_input_version_checked():
    x = leaf([1.0, 2.0])
    h = x * 1
    y = Cube.apply(h, 1.0)
    h.add_(ember.ones(2, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="expected version 0"):
        y.sum().backward()


def test_function_saved_tensors_freed_after_backward():
    x = leaf([1.0])
    y = Cube.apply(x, 1.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Specify retain_graph=True"):
        y.backward()


def test_function_setup_context_style():
    class Square(Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = leaf([3.0])
    Square.apply(x).sum().backward()
    assert value(x.grad) == [6.0]


def test_function_backward_errors():
    def make(backward):
        return type("Bad", (Function,), {"forward": staticmethod(lambda ctx, x, k: x * k),
                                         "backward": staticmethod(backward)})

    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"returned an incorrect number of gradients \(expected 2, got 1\)"):
        make(lambda ctx, g: g).apply(x, 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="different than None at position 2, but the corresponding "
                                           "forward input was not a Variable"):
        make(lambda ctx, g: (g, g)).apply(x, 2.0).sum().backward()
    with pytest.raises(RuntimeError, match=r"BadBackward returned an invalid gradient at index 0 - got \[1\] "
                                           r"but expected shape compatible with \[2\]"):
        make(lambda ctx, g: (g.narrow(0, 0, 1), None)).apply(x, 2.0).sum().backward()
    with pytest.raises(ZeroDivisionError):
        make(lambda ctx, g: 1 / 0).apply(x, 2.0).sum().backward()
    # Extra trailing Nones are allowed, as in PyTorch.
    make(lambda ctx, g: (g, None, None)).apply(x, 2.0).sum().backward()
    assert value(x.grad) == [1.0, 1.0]


def test_function_backward_holds_the_gil_and_may_use_python_freely():
    class PyMath(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            scale = sum(float(v) for v in [1, 2, 3])  # arbitrary Python work
            return g * scale

    x = leaf([1.0])
    results = []

    def run():
        y = PyMath.apply(x * 1)
        (g,) = ember.autograd.grad(y.sum(), x)
        results.append(value(g))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[6.0]] * 4


def test_once_differentiable():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ember.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert not ember.is_grad_enabled()
            return 2 * g * x

    x = leaf([2.0])
    (g,) = ember.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
    assert value(g) == [4.0] and not g.requires_grad


# ---- memory --------------------------------------------------------------------------------------

def test_custom_function_graph_is_freed():
    gc.collect()  # garbage of earlier tests must not move the baseline
    base = ember._C._live_node_count()
    x = leaf([1.0, 2.0])
    y = Cube.apply(x * 2, 1.0)
    ctx_probe = weakref.ref(y)
    node_count = ember._C._live_node_count()
    assert node_count > base
    del y
    gc.collect()
    assert ctx_probe() is None
    assert ember._C._live_node_count() == base


def test_function_ctx_is_freed_with_the_graph():
    refs = []

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            refs.append(weakref.ref(ctx))
            ctx.save_for_backward(x)
            out = x * 2
            ctx.save_for_backward(x, out)  # saving an output must not make a cycle
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Keep.apply(leaf([1.0]))
    assert refs[0]() is not None
    del y
    assert refs[0]() is None  # freed by refcounting alone, no gc needed


def test_training_loop_does_not_leak_nodes():
    w = leaf([0.5, -0.3])
    xs = ember.tensor([1.0, 2.0], dtype=ember.float64)
    gc.collect()
    base = ember._C._live_node_count()
    for _ in range(50):
        h = Cube.apply(w * xs, 1.0)
        loss = (h.tanh() * h).sum()
        loss.backward()
        with ember.no_grad():
            w.sub_(w.grad * 0.01)
        w.grad = None
    del h, loss
    gc.collect()
    assert ember._C._live_node_count() == base


# ---- engine robustness ---------------------------------------------------------------------------

def test_deep_chain_backward():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert value(x.grad) == [1.0]
    del y


def test_destroying_a_deep_graph_does_not_overflow_the_stack():
    # In a subprocess with a small thread stack: a recursive teardown of 200,000 nodes (several
    # frames each) would crash it, the iterative one does not.
    code = textwrap.dedent("""
        import threading, ember
        def build_and_drop():
            x = ember.ones(1, requires_grad=True)
            y = x
            for _ in range(200_000):
                y = y.exp() * x
            del y
            assert ember._C._live_node_count() == 0, ember._C._live_node_count()
        threading.stack_size(1 << 20)
        t = threading.Thread(target=build_and_drop)
        t.start()
        t.join()
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


@requires_torch
def test_matches_torch_on_a_mixed_graph():
    vals = np.array([[0.3, -1.1, 0.8], [1.7, 0.2, -0.4]])
    results = []
    for mod in (ember, torch):
        x = mod.tensor(vals, requires_grad=True)
        w = mod.tensor(vals[0], requires_grad=True)
        h = (x * w).tanh()
        h.retain_grad()
        loss = (h.sigmoid() / (x.exp() + 1.0)).sum() + (h * h).mean()
        loss.backward()
        results.append((x.grad, w.grad, h.grad))
    for e, t in zip(*results):
        assert_close(e, t)
